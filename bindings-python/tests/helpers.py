"""Shared fixtures' building blocks: actors and a case carried to a given phase."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import casekit

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)

IRIS = casekit.Actor("iris", roles=["intake_worker"], programs=["housing"])
MAYA = casekit.Actor("maya", roles=["case_manager"], programs=["housing"])
SAM = casekit.Actor("sam", roles=["supervisor"], programs=["housing"])
AVA = casekit.Actor("ava", roles=["auditor"], programs=["housing"])
LEO = casekit.Actor("leo", roles=["supervisor"], programs=["employment"])
ROOT = casekit.Actor("root", roles=["admin"])


def book(clock: Optional[casekit.ManualClock] = None) -> casekit.Casebook:
    return casekit.Casebook.in_memory(clock=clock or casekit.ManualClock(START), ids="sequential")


def open_active_case(b: casekit.Casebook, name: str = "Dolores Ortega") -> casekit.Committed:
    """A case in phase active, assigned to maya, with two goals, a service and notes."""
    opened = b.open_case(IRIS, program="housing", client={"name": name, "household_size": 3}, assign_to="maya")
    cid = opened.case_id
    b.complete_intake(IRIS, cid, eligible=True, immediate_needs=[{"category": "food"}])
    b.record_assessment(
        MAYA,
        cid,
        instrument={"id": "phq-9", "version": "1"},
        responses={"q%d" % i: i % 4 for i in range(1, 10)},
        scores={"total": 13},
        bands={"total": "moderate"},
    )
    b.complete_assessment(MAYA, cid)
    g1 = b.add_goal(
        MAYA,
        cid,
        description="Keep the apartment",
        domain="housing",
        measure={"name": "arrears", "unit": "USD", "baseline": 2900, "target": 0, "direction": "decrease"},
        due=dt.date(2026, 3, 31),
    )
    b.add_goal(MAYA, cid, description="Enrol in SNAP", domain="income")
    b.add_service(MAYA, cid, name="Rental assistance", provider="County", goal_id=g1.created_id)
    b.activate_plan(MAYA, cid)
    b.add_note(MAYA, cid, text="Visited the client at home; rent ledger reviewed.", kind="contact")
    b.add_note(MAYA, cid, text="Safety concern disclosed.", kind="incident", confidential=True)
    b.record_outcome(MAYA, cid, goal_id=g1.created_id, value=1450, measured_on=dt.date(2026, 1, 5))
    return opened
