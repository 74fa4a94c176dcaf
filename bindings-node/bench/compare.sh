#!/usr/bin/env bash
# CM-22 through the Node API next to the peers (../shared/bench/peers: node-xstate and
# rust-floor), interleaved in one run (every cell once per round), then one table of
# medians, ratios against the goals of ../shared/BENCHMARKS.md, and peak RSS.
#
#   bench/compare.sh [ROUNDS]          (default 3; N cases per run: N=2000)
#   N=200 bench/compare.sh 1           (a quick smoke run)
#
# A benchmark, not a test: run it on a quiet machine. Before each run it waits (up to
# QUIET_MAX seconds) for the machine to be under 15% CPU busy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
peers="${PEERS:-$(cd "$repo/.." && pwd)/shared/bench/peers}"
ROUNDS=${1:-3}
N=${N:-2000}
DIR=${DIR:-/tmp}
QUIET_MAX=${QUIET_MAX:-120}
OUT=${OUT:-$(mktemp /tmp/casekit-cm22-XXXX.jsonl)}

[ -d "$peers" ] || { echo "peers not found at $peers (set PEERS)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "/usr/bin/time missing: apt-get install -y time" >&2; exit 1; }
# The peers are built in a copy ($PEERS_DIR), never inside ../shared, and rust-floor in
# its own target directory whatever CARGO_TARGET_DIR says.
work="${PEERS_DIR:-/tmp/casekit-peers}"
mkdir -p "$work"
cp -r "$peers/rust-floor" "$peers/node-xstate" "$work/"
rm -rf "$work/rust-floor/target"
floor_target=${FLOOR_TARGET:-/tmp/casekit-rust-floor-target}
(cd "$work/rust-floor" && cargo build --release --quiet --target-dir "$floor_target")
if [ ! -d "$work/node-xstate/node_modules/better-sqlite3" ]; then
  (cd "$work/node-xstate" && npm ci --no-audit --no-fund)
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$here" && { [ -d node_modules ] || npm install --no-save --no-audit --no-fund; } && npm run --silent build)
fi

RUST="$floor_target/release/rust-floor"
XSTATE="node $work/node-xstate/bench.mjs"
CASEKIT="node $here/bench/cm22.mjs"

busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
all_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
wait_quiet() {
  local k b0 a0 b1 a1
  for k in $(seq 1 "$QUIET_MAX"); do
    b0=$(busy_ticks) a0=$(all_ticks); sleep 1; b1=$(busy_ticks) a1=$(all_ticks)
    if (( (b1 - b0) * 100 < (a1 - a0) * 15 )); then return; fi
  done
  echo "warning: machine still busy after ${QUIET_MAX}s; measuring anyway" >&2
}

run() { # LABEL ROUND COMMAND...
  local label=$1 round=$2; shift 2
  local err line rss
  err=$(mktemp)
  wait_quiet
  line=$(/usr/bin/time -v "$@" 2>"$err") || { echo "FAILED: $*" >&2; cat "$err" >&2; exit 1; }
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$err")
  rm -f "$err" "$DIR"/cm22-cmp-*.db*
  line="${line%\}},\"label\":\"$label\",\"round\":$round,\"max_rss_kb\":$rss}"
  echo "$line" | tee -a "$OUT"
}

for round in $(seq 1 "$ROUNDS"); do
  run floor-memory "$round" $RUST "$N" :memory:
  run xstate-memory "$round" $XSTATE "$N" :memory:
  run casekit-memory "$round" $CASEKIT --mode memory "$N"
  run floor-wal-normal "$round" $RUST --sync normal "$N" "$DIR/cm22-cmp-rust.db"
  run xstate-wal-normal "$round" $XSTATE --sync normal "$N" "$DIR/cm22-cmp-node.db"
  run casekit-wal-normal "$round" $CASEKIT --mode wal-normal "$N" "$DIR/cm22-cmp-casekit.db"
  run floor-bulk "$round" $RUST --sync normal --bulk "$N" "$DIR/cm22-cmp-rust.db"
  run casekit-batch "$round" $CASEKIT --mode batch "$N" "$DIR/cm22-cmp-casekit.db"
  run casekit-import "$round" $CASEKIT --mode import "$N" "$DIR/cm22-cmp-casekit.db"
  run casekit-batch-c2 "$round" $CASEKIT --mode batch --concurrency 2 "$N" "$DIR/cm22-cmp-casekit.db"
  run casekit-memory-c8 "$round" $CASEKIT --mode memory --concurrency 8 "$N"
  run casekit-wal-normal-c8 "$round" $CASEKIT --mode wal-normal --concurrency 8 "$N" "$DIR/cm22-cmp-casekit.db"
done

node "$here/bench/summarize.mjs" "$OUT" "$N" "$ROUNDS" "$DIR"
echo "(raw runs: $OUT)"
