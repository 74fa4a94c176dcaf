#!/usr/bin/env bash
# CM-22 on a SQLite file: casekit-sqlite (through casekit::Casebook) next to the
# rust-floor peer (../shared/bench/peers/rust-floor), in the same run, interleaved
# (A B A B ...), ROUNDS rounds; prints each run's line, then medians and the ratio.
#
# usage: storage/sqlite/bench/compare.sh        (env: N=2000 ROUNDS=3 DIR=/tmp BATCH=100)
#
# Modes: WAL NORMAL and WAL FULL (one commit per command), and bulk: the floor's
# `--bulk` (every command of every case in one transaction) against casekit's import
# path, `Casebook::execute_batch` with BATCH cases a call and transaction (goal ids
# chosen up front, as an import brings its own; the bench's `--two-pass` measures two
# calls a group instead, the second using the ids the first created).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
peers=${PEERS:-$root/../shared/bench/peers}
N=${N:-2000}
ROUNDS=${ROUNDS:-3}
DIR=${DIR:-/tmp}
BATCH=${BATCH:-100}
OUT=${OUT:-$DIR/casekit-cm22-compare.jsonl}
floor_target=${FLOOR_TARGET:-/tmp/casekit-rust-floor-target}

echo "building rust-floor (own target dir: $floor_target)" >&2
(cd "$peers/rust-floor" && cargo build --release --quiet --target-dir "$floor_target")
floor=$floor_target/release/rust-floor

echo "building the casekit-sqlite CM-22 bench (bench profile)" >&2
ours=$(cd "$root" && cargo bench -p casekit-sqlite --bench cm22_sqlite --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "cm22_sqlite":
        print(m["executable"])')
[ -x "$ours" ] || { echo "bench binary not found" >&2; exit 1; }

: > "$OUT"
run() { # LABEL COMMAND...
  local line
  line=$("$@")
  echo "$line" | tee -a "$OUT"
  rm -f "$DIR"/casekit-cmp-*.db "$DIR"/casekit-cmp-*.db-wal "$DIR"/casekit-cmp-*.db-shm
}

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS ($N cases, $DIR)" >&2
  for sync in normal full; do
    run "$floor" --sync "$sync" "$N" "$DIR/casekit-cmp-floor.db"
    run "$ours" --sync "$sync" "$N" "$DIR/casekit-cmp-casekit.db"
  done
  run "$floor" --sync normal --bulk "$N" "$DIR/casekit-cmp-floor.db"
  run "$ours" --sync normal --bulk --batch "$BATCH" "$N" "$DIR/casekit-cmp-casekit.db"
done

python3 - "$OUT" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
cells = {}
for r in runs:
    cells.setdefault((r["mode"], r["impl"]), []).append(r["commands_per_sec"])
print()
print("| mode | rust-floor cmd/s | casekit-sqlite cmd/s | casekit ÷ floor | runs |")
print("|---|---:|---:|---:|---:|")
for mode in ["wal-normal", "wal-full", "bulk-wal-normal"]:
    f = cells.get((mode, "rust-floor"), [])
    c = cells.get((mode, "casekit-sqlite"), [])
    if f and c:
        mf, mc = statistics.median(f), statistics.median(c)
        print(f"| {mode} | {mf:,.0f} | {mc:,.0f} | {mc / mf:.2f} | {len(c)} |")
PY
