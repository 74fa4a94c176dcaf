#!/usr/bin/env bash
# CM-22 through the casekit Python API next to the peers (../shared/bench/peers:
# rust-floor and py-transitions), in one run, interleaved (every cell once per round,
# A B C A B C ...), then one table of medians, ratios against the goals of
# ../shared/BENCHMARKS.md, and peak RSS (/usr/bin/time -v).
#
# usage: bench/compare.sh [ROUNDS]        env: N (cases, 2000), DIR (/tmp), CASEKIT_VENV, SKIP_BUILD
# The peers are copied to $PEERS_DIR (/tmp/casekit-peers) and built there.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BINDING="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$BINDING/.." && pwd)"
ROUNDS="${1:-3}"
N="${N:-2000}"
DIR="${DIR:-/tmp}"
PEERS_SRC="${PEERS_SRC:-$ROOT/../shared/bench/peers}"
PEERS="${PEERS_DIR:-/tmp/casekit-peers}"
VENV="${CASEKIT_VENV:-$ROOT/target/py-venv}"
OUT="${OUT:-$PEERS/casekit-python-results.jsonl}"

if [ ! -x /usr/bin/time ]; then
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

echo "== peers in $PEERS" >&2
mkdir -p "$PEERS"
cp -r "$PEERS_SRC/rust-floor" "$PEERS_SRC/py-transitions" "$PEERS/"
(cd "$PEERS/rust-floor" && env -u CARGO_TARGET_DIR cargo build --release --quiet)
if [ ! -x "$PEERS/py-transitions/.venv/bin/python" ]; then
    python3 -m venv "$PEERS/py-transitions/.venv"
fi
"$PEERS/py-transitions/.venv/bin/pip" install --quiet -r "$PEERS/py-transitions/requirements.txt"

echo "== casekit in $VENV" >&2
# The wheel is rebuilt from the working tree every time (cargo's cache makes that quick),
# so the figures are those of the code in front of you; SKIP_BUILD=1 measures the
# casekit already installed in the venv instead.
if [ "${SKIP_BUILD:-0}" != 1 ] || ! "$VENV/bin/python" -c "import casekit" 2>/dev/null; then
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    PATH="$VENV/bin:$PATH" "$VENV/bin/pip" install --quiet "maturin>=1.16,<2"
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}" PATH="$VENV/bin:$PATH" \
        "$VENV/bin/pip" install --quiet --no-build-isolation --force-reinstall --no-deps "$BINDING"
fi

RUST="$PEERS/rust-floor/target/release/rust-floor"
PY="$PEERS/py-transitions/.venv/bin/python $PEERS/py-transitions/bench.py"
CK="$VENV/bin/python $HERE/cm22.py"

: > "$OUT"
run() { # COMMAND...: one measured run, its JSON line plus peak RSS and wall time
    local err line rss
    err=$(mktemp)
    line=$(/usr/bin/time -v "$@" 2>"$err") || { echo "FAILED: $*" >&2; cat "$err" >&2; exit 1; }
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$err")
    rm -f "$err" "$DIR"/cm22-*.db "$DIR"/cm22-*.db-wal "$DIR"/cm22-*.db-shm
    line="${line%\}},\"max_rss_kb\":$rss}"
    echo "$line" | tee -a "$OUT" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round of $ROUNDS (N=$N, $DIR)" >&2
    run $RUST --sync normal "$N" "$DIR/cm22-rust.db"
    run $PY --sync normal "$N" "$DIR/cm22-py.db"
    run $CK --sync normal "$N" "$DIR/cm22-casekit.db"
    run $PY "$N" :memory:
    run $CK "$N" :memory:
    run $CK --bulk "$N" "$DIR/cm22-casekit.db"
    run $CK --bulk --threads 2 "$N" "$DIR/cm22-casekit.db"
    run $CK --bulk --summary "$N" "$DIR/cm22-casekit.db"
    run $RUST --bulk "$N" "$DIR/cm22-rust.db"
    run $RUST "$N" :memory:
done

"$VENV/bin/python" "$HERE/summarize.py" "$OUT" "$ROUNDS"
