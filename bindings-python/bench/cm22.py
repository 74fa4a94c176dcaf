"""CM-22 through the casekit Python API (../shared/BENCHMARKS.md): per case, 22 commands
from intake to closure, each its own committed transaction, each validated against the
lifecycle. Same payloads as the peers in ../shared/bench/peers, built inside the timed
loop as an application would build them.

usage: python cm22.py [--sync normal|full] [--bulk [--threads T] [--summary]] [--batch-cases K] N PATH|:memory:

``:memory:`` runs on the in-memory store; a path runs on the SQLite store (WAL). With
``--bulk`` the commands go through ``execute_batch``, K cases per call and transaction
(goal ids chosen up front, as an import brings its own); ``--threads T`` has T threads
importing chunks at once (casekit releases the GIL while it stages and writes, so one
thread builds its next chunk meanwhile); ``--summary`` calls ``execute_batch_summary``
instead (answered with counts, no ``Committed`` a command). Prints one JSON
line like the peers: impl, mode, cases, commands, seconds, commands_per_sec.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any, Dict, List, Tuple
from uuid import UUID

import casekit

NOTE = (
    "Called the client about the rent arrears; went through the monthly budget, collected the missing "
    "payslips for the housing application and agreed to meet again at the family home next week."
)
SUMMARY = "Housing is stable and the income goals were met; all services ended as planned and no needs remain."
PROGRAM = "housing-stability"
WORKERS = [casekit.Actor("worker-%d" % n, roles=["supervisor"], programs=[PROGRAM]) for n in range(3)]
INTAKE = casekit.Actor("intake", roles=["intake_worker", "supervisor"], programs=[PROGRAM])
STATUSES = ("achieved", "partially_achieved", "not_achieved")

Command = Dict[str, Any]


def client(i: int) -> Dict[str, Any]:
    return {
        "name": "Client %d" % i,
        "date_of_birth": "19%02d-%02d-%02d" % (50 + i % 50, 1 + i % 12, 1 + i % 28),
        "gender": ["female", "male", "nonbinary"][i % 3],
        "address": "%d Main Street, Springfield" % (1 + i % 999),
        "phone": "+1-555-%04d" % (i % 10000),
        "language": ["en", "es", "fr"][i % 3],
        "household_size": 1 + i % 6,
        "monthly_income": 1000 + (i % 40) * 50,
    }


def answers(i: int) -> List[int]:
    return [(i + k) % 4 for k in range(9)]


def run_case(book: casekit.Casebook, i: int) -> None:
    """One case, 22 typed calls, each its own transaction."""
    w = INTAKE
    c = book.open_case(w, program=PROGRAM, client=client(i)).case_id
    book.complete_intake(w, c, eligible=True, immediate_needs=[{"category": "food"}, {"category": "housing"}])
    a = answers(i)
    book.record_assessment(
        w,
        c,
        instrument={"id": "phq-9", "version": "1"},
        responses={"q%d" % (k + 1): v for k, v in enumerate(a)},
        scores={"total": sum(a)},
    )
    book.complete_assessment(w, c)
    goals: List[UUID] = []
    for g in (1, 2, 3):
        done = book.add_goal(
            w,
            c,
            description="Goal %d: stabilise the household" % g,
            domain=["housing", "income", "health"][g - 1],
            measure={"name": "score", "target": 10 * g, "direction": "increase"},
            due="2027-0%d-15" % g,
        )
        assert done.created_id is not None
        goals.append(done.created_id)
    for s in (1, 2):
        book.add_service(w, c, name="Service %d" % s, provider="Provider %d" % s, start="2026-12-0%d" % s)
    book.activate_plan(w, c)
    for n in range(1, 9):
        book.add_note(WORKERS[n % 3], c, text="Note %d. %s" % (n, NOTE))
    for o in (1, 2):
        book.record_outcome(w, c, goal_id=goals[o - 1], value=5 * o, measured_on="2026-01-1%d" % o)
    book.evaluate_goals(w, c, evaluations=[{"goal_id": g, "status": s} for g, s in zip(goals, STATUSES)])
    book.close(w, c, reason="goals_achieved", summary=SUMMARY)


def first_half(i: int, case_id: str, goals: List[str]) -> List[Command]:
    a = answers(i)
    items: List[Command] = [
        {"case_id": case_id, "command": {"type": "open_case", "case_id": case_id, "program": PROGRAM, "client": client(i)}},
        {"case_id": case_id, "command": {"type": "complete_intake", "eligible": True,
                                         "immediate_needs": [{"category": "food"}, {"category": "housing"}]}},
        {"case_id": case_id, "command": {"type": "record_assessment", "instrument": {"id": "phq-9", "version": "1"},
                                         "responses": {"q%d" % (k + 1): v for k, v in enumerate(a)},
                                         "scores": {"total": sum(a)}}},
        {"case_id": case_id, "command": {"type": "complete_assessment"}},
    ]
    for g in (1, 2, 3):
        items.append({"case_id": case_id, "command": {
            "type": "add_goal", "goal_id": goals[g - 1], "description": "Goal %d: stabilise the household" % g,
            "domain": ["housing", "income", "health"][g - 1],
            "measure": {"name": "score", "target": 10 * g, "direction": "increase"}, "due": "2027-0%d-15" % g}})
    for s in (1, 2):
        items.append({"case_id": case_id, "command": {
            "type": "add_service", "name": "Service %d" % s, "provider": "Provider %d" % s, "start": "2026-12-0%d" % s}})
    items.append({"case_id": case_id, "command": {"type": "activate_plan"}})
    return items


def second_half(case_id: str, goals: List[str]) -> List[Command]:
    items: List[Command] = []
    for n in range(1, 9):
        items.append({"case_id": case_id, "command": {"type": "add_note", "text": "Note %d. %s" % (n, NOTE)}})
    for o in (1, 2):
        items.append({"case_id": case_id, "command": {
            "type": "record_outcome", "goal_id": goals[o - 1], "value": 5 * o, "measured_on": "2026-01-1%d" % o}})
    items.append({"case_id": case_id, "command": {
        "type": "evaluate_goals", "evaluations": [{"goal_id": g, "status": s} for g, s in zip(goals, STATUSES)]}})
    items.append({"case_id": case_id, "command": {"type": "close", "reason": "goals_achieved", "summary": SUMMARY}})
    return items


def uuid7() -> UUID:
    """A UUIDv7 (time-ordered), as casekit makes its own ids: Python 3.11 has none.
    (Random v4 ids import about 15% slower: the note index keeps each case's notes
    together, so random ids scatter its writes.)"""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = (rand >> 62) & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    return UUID(int=(ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


def run_bulk(book: casekit.Casebook, start: int, count: int, summary: bool = False) -> None:
    """`count` cases as one execute_batch transaction (the import path), or with
    `summary` one execute_batch_summary (answered with counts, no Committed a command).
    The goals keep ids chosen up front, as an import brings its own, so later commands
    refer to them in the same batch."""
    items: List[Command] = []
    for k in range(count):
        case_id = str(uuid7())
        goals = [str(uuid7()) for _ in range(3)]
        items += first_half(start + k, case_id, goals)
        items += second_half(case_id, goals)
    if summary:
        done = book.execute_batch_summary(INTAKE, items)
        if done.commands != len(items) or done.cases != count:
            raise SystemExit("import did not take the cases: %r" % (done,))
    else:
        book.execute_batch(INTAKE, items)


def self_check() -> None:
    """Illegal commands are refused and change nothing (as in the peers)."""
    book = casekit.Casebook.in_memory()
    refused: List[Tuple[str, Any]] = []

    def reject(label: str, call: Any) -> None:
        try:
            call()
        except casekit.CaseKitError as e:
            refused.append((label, e.code))
            return
        raise SystemExit("self-check: %s was accepted" % label)

    import uuid

    reject("command on a missing case", lambda: book.add_note(INTAKE, uuid.uuid4(), text="x"))
    c = book.open_case(INTAKE, program=PROGRAM, client=client(0))
    reject("open_case twice", lambda: book.open_case(INTAKE, program=PROGRAM, client=client(0), case_id=c.case_id))
    reject("activate_plan from intake", lambda: book.activate_plan(INTAKE, c.case_id))
    reject("ineligible intake", lambda: book.complete_intake(INTAKE, c.case_id, eligible=False))
    book.close(INTAKE, c.case_id, reason="client_withdrew", summary="withdrew")
    reject("close twice", lambda: book.close(INTAKE, c.case_id, reason="other", summary="again"))
    reject("note on a closed case", lambda: book.add_note(INTAKE, c.case_id, text="late"))
    probe = casekit.Casebook.in_memory()
    run_case(probe, 1)
    (summary,) = probe.list(INTAKE).items
    if summary.phase != "closed" or summary.version != 22:
        raise SystemExit("self-check: the probe case ended %s at version %d" % (summary.phase, summary.version))


def verify(book: casekit.Casebook, n: int) -> None:
    total = 0
    after = None
    while True:
        page = book.list(INTAKE, limit=1000, after=after)
        for s in page.items:
            if s.phase != "closed" or s.version != 22:
                raise SystemExit("verification failed: case %s is %s at version %d" % (s.case_id, s.phase, s.version))
        total += len(page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    if total != n:
        raise SystemExit("verification failed: %d cases, want %d" % (total, n))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sync", choices=["normal", "full"], default="normal")
    ap.add_argument("--bulk", action="store_true", help="execute_batch, --batch-cases cases per transaction")
    ap.add_argument("--batch-cases", type=int, default=100)
    ap.add_argument("--summary", action="store_true",
                    help="with --bulk: execute_batch_summary (one summary a call, as an import asks)")
    ap.add_argument("--threads", type=int, default=1,
                    help="with --bulk: this many threads importing chunks at once (the GIL is released while "
                         "casekit stages and writes, so one thread builds its next chunk meanwhile)")
    ap.add_argument("n", type=int, help="number of cases")
    ap.add_argument("path", help="SQLite file, or :memory: for the in-memory store")
    a = ap.parse_args()
    memory = a.path == ":memory:"
    self_check()
    if memory:
        book = casekit.Casebook.in_memory()
    else:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(a.path + suffix)
            except FileNotFoundError:
                pass
        book = casekit.Casebook.open(a.path, synchronous=a.sync)

    start = time.perf_counter()
    if a.bulk and a.threads > 1:
        chunks = iter(range(0, a.n, a.batch_cases))
        lock = threading.Lock()

        def lane() -> None:
            while True:
                with lock:
                    first = next(chunks, None)
                if first is None:
                    return
                run_bulk(book, first, min(a.batch_cases, a.n - first), a.summary)

        lanes = [threading.Thread(target=lane) for _ in range(a.threads)]
        for t in lanes:
            t.start()
        for t in lanes:
            t.join()
    elif a.bulk:
        for first in range(0, a.n, a.batch_cases):
            run_bulk(book, first, min(a.batch_cases, a.n - first), a.summary)
    else:
        for i in range(a.n):
            run_case(book, i)
    seconds = time.perf_counter() - start

    verify(book, a.n)
    mode = "memory" if memory else "wal-%s" % a.sync
    if a.bulk:
        mode = ("import-" if a.summary else "bulk-") + mode + ("-t%d" % a.threads if a.threads > 1 else "")
    line = {
        "impl": "casekit-python",
        "mode": mode,
        "cases": a.n,
        "commands": 22 * a.n,
        "seconds": round(seconds, 4),
        "commands_per_sec": round(22 * a.n / seconds),
    }
    print(json.dumps(line))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
