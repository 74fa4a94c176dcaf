"""casekit quickstart: one family's case from intake to closure, on an embedded SQLite
file, then its timeline and audit check.

    pip install ./bindings-python
    python examples/python/quickstart.py [cases.db]
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import uuid

import casekit


def main(path: str) -> None:
    book = casekit.Casebook.open(path)
    book.register_program("housing", name="Housing stability", required_instruments=["self-sufficiency-matrix"])

    # casekit does not authenticate: the application hands each call the actor it knows.
    iris = casekit.Actor("iris", roles=["intake_worker"], programs=["housing"])
    maya = casekit.Actor("maya", roles=["case_manager"], programs=["housing"])
    sam = casekit.Actor("sam", roles=["supervisor"], programs=["housing"])

    opened = book.open_case(
        iris,
        program="housing",
        client=casekit.Client(
            name="Dolores Ortega",
            date_of_birth=dt.date(1978, 4, 12),
            language="es",
            household_size=3,
            monthly_income=1450,
        ),
        priority="high",
        tags=["family", "eviction-risk"],
        assign_to="maya",
    )
    case_id = opened.case_id
    book.attach_document(
        iris, case_id, name="pay-or-quit-notice.pdf", media_type="application/pdf", content=b"%PDF-1.7 notice"
    )
    book.complete_intake(
        iris,
        case_id,
        eligible=True,
        immediate_needs=[casekit.ImmediateNeedInput(category="housing", description="Notice expires in 14 days")],
    )
    book.record_assessment(
        maya,
        case_id,
        instrument=casekit.InstrumentRef(id="self-sufficiency-matrix", version="2.1"),
        responses={"housing": 1, "income": 2, "food": 1},
        scores={"total": 4},
        bands={"total": "in crisis"},
        identified_needs=[casekit.IdentifiedNeedInput(domain="housing", severity="high")],
    )
    book.complete_assessment(maya, case_id, summary="Housing crisis driven by an income drop.")
    goal = book.add_goal(
        maya,
        case_id,
        description="Keep the apartment: arrears paid, no eviction filing",
        domain="housing",
        measure=casekit.Measure(name="rent arrears", unit="USD", baseline=2900, target=0, direction="decrease"),
        due=dt.date(2026, 3, 31),
    )
    goal_id = goal.created_id
    assert goal_id is not None
    book.add_service(maya, case_id, name="Emergency rental assistance", provider="County Housing", goal_id=goal_id)
    book.activate_plan(maya, case_id)
    book.add_note(maya, case_id, text="Landlord agreed to a payment plan.", kind="contact")
    book.record_outcome(maya, case_id, goal_id=goal_id, value=0, measured_on=dt.date(2026, 3, 2))
    book.evaluate_goals(maya, case_id, evaluations=[casekit.GoalEvaluation(goal_id=goal_id, status="achieved")])

    # Optimistic concurrency: a stale version is refused with a precise error.
    try:
        book.add_note(maya, case_id, text="written from a stale screen", expected_version=3)
    except casekit.ConflictError as err:
        print("refused:", err.code, "-", err)

    closed = book.close(maya, case_id, reason="goals_achieved", summary="Arrears paid; the family keeps the apartment.")
    print("case %s is %s at version %d" % (case_id, closed.phase, closed.version))

    case = book.get(sam, case_id)
    print("client: %s, %d goal(s), closure: %s" % (case.client.name, len(case.goals), case.closure and case.closure.reason))
    print("timeline:")
    for event in book.history(sam, case_id):
        print("  %2d  %s  %-8s %s" % (event.sequence, event.recorded_at.isoformat(timespec="seconds"), event.actor, event.type))
    report = book.verify(sam, case_id)
    print("audit chain: %s (%d events checked)" % ("valid" if report.valid else "BROKEN", report.events_checked))

    # A migration runs as an account that may act in every phase: here the supervisor.
    import_legacy_cases(book, sam)

    # A backup while the casebook stays open: once the write-ahead log is emptied into
    # it, the .db file alone holds every commit and can be copied like any file.
    book.checkpoint()
    shutil.copyfile(path, path + ".backup")
    backup = casekit.Casebook.open(path + ".backup")
    print("backup copied: %d cases" % len(backup.list(sam, limit=100).items))


def import_legacy_cases(book: casekit.Casebook, worker: casekit.Actor) -> None:
    """Migrating records from an existing system: each old case's history becomes
    commands of one ``execute_batch_summary`` call (one transaction, all or nothing,
    answered with a summary: an import needs no answer per command). The cases
    keep ids chosen up front (the old system's, mapped to UUIDs), so later commands of
    the same batch refer to them. Large batches are written while later cases are still
    being checked; about a hundred cases a call suits the SQLite store."""
    legacy = [("L-%04d" % n, "Client %d" % n, n % 4 + 1) for n in range(1, 31)]
    items: list[dict[str, object]] = []
    for ref, name, household in legacy:
        case_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://legacy.example/cases/" + ref))
        items.append({"command": {"type": "open_case", "case_id": case_id, "program": "housing",
                                  "client": {"name": name, "household_size": household}, "tags": ["migrated"]}})
        items.append({"case_id": case_id, "command": {"type": "complete_intake", "eligible": True}})
        items.append({"case_id": case_id, "command": {"type": "add_note", "text": "Imported from record " + ref}})
    done = book.execute_batch_summary(worker, items)
    migrated = book.list(worker, tag="migrated", limit=100)
    print("imported %d legacy cases (%d commands in one transaction, log positions %s-%s); %d now in assessment"
          % (done.cases, done.commands, done.first_position, done.last_position,
             sum(1 for c in migrated.items if c.phase == "assessment")))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(os.path.join(tmp, "cases.db"))
