"""casekit: embeddable case management.

The whole case-management process (intake, assessment, service planning,
implementation and monitoring, closure, reassessment, reopening) as a typed,
event-sourced state machine, with a Rust core behind this package.

>>> import casekit
>>> book = casekit.Casebook.in_memory()
>>> iris = casekit.Actor("iris", roles=["intake_worker"], programs=["housing"])
>>> opened = book.open_case(iris, program="housing", client={"name": "Ada Lovelace"})
>>> opened.phase
'intake'
>>> book.complete_intake(iris, opened.case_id, eligible=True).phase
'assessment'

Errors are :class:`CaseKitError` with a stable ``.code``, one subclass per code.
"""

from __future__ import annotations

from . import _native
from ._book import COMMAND_METHODS, Actor, Casebook, Committed, LogFollower, ManualClock, SubscriberWarning
from ._frames import Backend
from ._native import (
    CaseKitError,
    ConflictError,
    IntegrityError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    ValidationError,
)
from ._records import (
    Assessment,
    Assignment,
    BatchSummary,
    Case,
    CaseSummary,
    Client,
    ClientUpdate,
    Closure,
    Consent,
    CustomFieldDef,
    Document,
    Event,
    Goal,
    GoalEvaluation,
    GoalOutcome,
    Hold,
    IdentifiedNeed,
    IdentifiedNeedInput,
    ImmediateNeed,
    ImmediateNeedInput,
    InstrumentRef,
    Measure,
    Note,
    Outcome,
    Page,
    Referral,
    Service,
    ServiceDelivery,
    Task,
    VerifyReport,
)

__version__: str = _native.__version__

ERROR_CLASSES = {
    "not_found": NotFoundError,
    "invalid_transition": InvalidTransitionError,
    "validation": ValidationError,
    "permission_denied": PermissionDeniedError,
    "conflict": ConflictError,
    "storage": StorageError,
    "integrity": IntegrityError,
}
"""The exception class of every error code."""

__all__ = [
    "Actor",
    "Assessment",
    "Assignment",
    "Backend",
    "BatchSummary",
    "COMMAND_METHODS",
    "Case",
    "CaseKitError",
    "CaseSummary",
    "Casebook",
    "Client",
    "ClientUpdate",
    "Closure",
    "Committed",
    "ConflictError",
    "Consent",
    "CustomFieldDef",
    "Document",
    "ERROR_CLASSES",
    "Event",
    "Goal",
    "GoalEvaluation",
    "GoalOutcome",
    "Hold",
    "IdentifiedNeed",
    "IdentifiedNeedInput",
    "ImmediateNeed",
    "ImmediateNeedInput",
    "InstrumentRef",
    "IntegrityError",
    "InvalidTransitionError",
    "LogFollower",
    "ManualClock",
    "Measure",
    "Note",
    "NotFoundError",
    "Outcome",
    "Page",
    "PermissionDeniedError",
    "Referral",
    "Service",
    "ServiceDelivery",
    "StorageError",
    "SubscriberWarning",
    "Task",
    "ValidationError",
    "VerifyReport",
]
