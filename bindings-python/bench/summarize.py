"""Prints the table of a compare.sh run: medians per cell, the Python binding's ratios
against the goals of ../shared/BENCHMARKS.md, and peak RSS.
usage: summarize.py RESULTS.jsonl ROUNDS"""

from __future__ import annotations

import json
import statistics
import sys
from typing import Any, Dict, List, Tuple


def main(path: str, rounds: str) -> int:
    cells: Dict[Tuple[str, str], List[Dict[str, Any]]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                cells.setdefault((r["impl"], r["mode"]), []).append(r)

    def cps(impl: str, mode: str) -> float:
        runs = cells.get((impl, mode), [])
        return statistics.median(r["commands_per_sec"] for r in runs) if runs else float("nan")

    def rss(impl: str, mode: str) -> float:
        runs = cells.get((impl, mode), [])
        return statistics.median(r["max_rss_kb"] for r in runs) / 1024 if runs else float("nan")

    print("CM-22, %s rounds interleaved, medians" % rounds)
    print()
    print("| impl | mode | runs | cases | median cmd/s | min–max cmd/s | peak RSS MiB |")
    print("|---|---|---:|---:|---:|---|---:|")
    for (impl, mode), runs in sorted(cells.items()):
        values = [r["commands_per_sec"] for r in runs]
        print(
            "| %s | %s | %d | %d | %s | %s–%s | %.1f |"
            % (impl, mode, len(runs), runs[0]["cases"], format(round(cps(impl, mode)), ","),
               format(min(values), ","), format(max(values), ","), rss(impl, mode))
        )
    goals = [
        ("SQLite WAL NORMAL, commit per command", cps("casekit-python", "wal-normal") / cps("rust-floor", "wal-normal"),
         "x rust-floor", ">=", 0.7),
        ("in-memory store", cps("casekit-python", "memory") / cps("py-transitions", "memory"), "x py-transitions", ">=", 5.0),
        ("batch/import path, SQLite WAL NORMAL", cps("casekit-python", "bulk-wal-normal") / cps("py-transitions", "wal-normal"),
         "x py-transitions WAL NORMAL", ">=", 10.0),
        ("peak RSS, SQLite WAL NORMAL", rss("casekit-python", "wal-normal") / rss("py-transitions", "wal-normal"),
         "x py-transitions", "<=", 2.0),
    ]
    print()
    print("| Python binding goal | measured | goal | met |")
    print("|---|---:|---:|---|")
    for label, ratio, unit, op, goal in goals:
        met = ratio >= goal if op == ">=" else ratio <= goal
        print("| %s | %.2f %s | %s %.1f | %s |" % (label, ratio, unit, op, goal, "yes" if met else "NO"))
    if ("casekit-python", "bulk-wal-normal-t2") in cells:
        print()
        print("also: two threads importing at once (one builds its next chunk while casekit stages and writes the")
        print("other's): %.2f x py-transitions WAL NORMAL (the goal row is one thread)"
              % (cps("casekit-python", "bulk-wal-normal-t2") / cps("py-transitions", "wal-normal")))
    if ("casekit-python", "import-wal-normal") in cells:
        print("also: execute_batch_summary (one summary a call, no Committed a command): %.2f x py-transitions WAL NORMAL"
              % (cps("casekit-python", "import-wal-normal") / cps("py-transitions", "wal-normal")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "?"))
