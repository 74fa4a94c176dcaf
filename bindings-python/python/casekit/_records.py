"""Typed records: the case view, its parts, summaries, events and reports.

Each class mirrors one of the core's JSON shapes field for field (DESIGN.md, "Records
inside a case"). Ids are ``uuid.UUID``, times timezone-aware ``datetime`` in UTC,
calendar dates ``date``. ``to_dict()`` returns the core's JSON exactly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
import datetime as dt
from typing import Any, Dict, FrozenSet, List, Literal, Mapping, Optional
from uuid import UUID

from ._json import Record, _json_copy, format_datetime, parse_datetime

Phase = Literal["intake", "assessment", "planning", "active", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Role = Literal["intake_worker", "case_manager", "supervisor", "auditor", "admin"]
AssignmentRole = Literal["primary", "secondary"]
Direction = Literal["increase", "decrease", "maintain"]
GoalStatus = Literal["not_started", "in_progress", "achieved", "partially_achieved", "not_achieved", "cancelled"]
ServiceStatus = Literal["planned", "active", "completed", "discontinued"]
TaskStatus = Literal["open", "completed", "cancelled"]
NoteKind = Literal["general", "contact", "progress", "supervision", "incident"]
ReferralKind = Literal["external", "transfer"]
ReferralStatus = Literal["pending", "accepted", "declined", "completed"]
ClosureReason = Literal[
    "goals_achieved",
    "ineligible",
    "referred_out",
    "client_withdrew",
    "lost_contact",
    "moved_away",
    "deceased",
    "other",
]


def _omit(*names: str) -> FrozenSet[str]:
    return frozenset(names)


@dataclass(frozen=True)
class Consent(Record):
    """A consent the client gave or refused (data sharing, contact by phone, ...)."""

    scope: str
    granted: bool
    date: Optional[dt.date] = None

    _omit_none = _omit("date")


@dataclass(frozen=True)
class Client(Record):
    """Who the client is. Also the ``client`` input of ``open_case``."""

    name: str
    date_of_birth: Optional[dt.date] = None
    gender: Optional[str] = None
    address: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    language: Optional[str] = None
    household_size: Optional[int] = None
    monthly_income: Optional[float] = None
    external_ref: Optional[str] = None
    consents: List[Consent] = field(default_factory=list)

    _omit_none = _omit(
        "date_of_birth", "gender", "address", "phone", "email", "language", "household_size", "monthly_income",
        "external_ref",
    )
    _omit_empty = _omit("consents")


@dataclass(frozen=True)
class ClientUpdate(Record):
    """A partial change of client details (the ``changes`` of ``update_client``)."""

    name: Optional[str] = None
    date_of_birth: Optional[dt.date] = None
    gender: Optional[str] = None
    address: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    language: Optional[str] = None
    household_size: Optional[int] = None
    monthly_income: Optional[float] = None
    external_ref: Optional[str] = None
    consents: List[Consent] = field(default_factory=list)

    _omit_none = _omit(
        "name", "date_of_birth", "gender", "address", "phone", "email", "language", "household_size",
        "monthly_income", "external_ref",
    )
    _omit_empty = _omit("consents")


@dataclass(frozen=True)
class Assignment(Record):
    """A worker assigned to the case."""

    worker: str
    role: AssignmentRole
    assigned_at: dt.datetime


@dataclass(frozen=True)
class ImmediateNeed(Record):
    """A need recorded at intake that cannot wait for the assessment."""

    id: UUID
    category: str
    description: str = ""

    _omit_empty = _omit("description")


@dataclass(frozen=True)
class ImmediateNeedInput(Record):
    """An immediate need as given to ``complete_intake``."""

    category: str
    description: str = ""


@dataclass(frozen=True)
class InstrumentRef(Record):
    """Which instrument (questionnaire, scale) an assessment used."""

    id: str
    version: str


@dataclass(frozen=True)
class Assessment(Record):
    """A recorded assessment."""

    id: UUID
    instrument: InstrumentRef
    responses: Dict[str, Any]
    cycle: int
    recorded_at: dt.datetime
    recorded_by: str
    scores: Dict[str, float] = field(default_factory=dict)
    bands: Dict[str, str] = field(default_factory=dict)
    risk_flags: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class IdentifiedNeed(Record):
    """A need an assessment identified."""

    id: UUID
    assessment_id: UUID
    domain: str
    description: str = ""
    severity: Optional[str] = None

    _omit_none = _omit("severity")
    _omit_empty = _omit("description")


@dataclass(frozen=True)
class IdentifiedNeedInput(Record):
    """An identified need as given to ``record_assessment``."""

    domain: str
    description: str = ""
    severity: Optional[str] = None

    _omit_none = _omit("severity")


@dataclass(frozen=True)
class Measure(Record):
    """How a goal is measured."""

    name: str
    target: float
    direction: Direction
    unit: Optional[str] = None
    baseline: Optional[float] = None

    _omit_none = _omit("unit", "baseline")


@dataclass(frozen=True)
class Goal(Record):
    """A goal of the service plan."""

    id: UUID
    description: str
    domain: str
    status: GoalStatus
    created_at: dt.datetime
    need_id: Optional[UUID] = None
    measure: Optional[Measure] = None
    due: Optional[dt.date] = None

    _omit_none = _omit("need_id", "measure", "due")


@dataclass(frozen=True)
class GoalEvaluation(Record):
    """One goal's new status, for ``evaluate_goals``."""

    goal_id: UUID
    status: GoalStatus


@dataclass(frozen=True)
class ServiceDelivery(Record):
    """One delivery of a service."""

    id: UUID
    delivered_on: dt.date
    recorded_by: str
    units: Optional[float] = None
    note: Optional[str] = None

    _omit_none = _omit("units", "note")


@dataclass(frozen=True)
class Service(Record):
    """A service of the plan."""

    id: UUID
    name: str
    provider: str
    status: ServiceStatus
    goal_id: Optional[UUID] = None
    start: Optional[dt.date] = None
    end: Optional[dt.date] = None
    frequency: Optional[str] = None
    deliveries: List[ServiceDelivery] = field(default_factory=list)

    _omit_none = _omit("goal_id", "start", "end", "frequency")


@dataclass(frozen=True)
class Task(Record):
    """A task on the case."""

    id: UUID
    title: str
    status: TaskStatus
    created_at: dt.datetime
    due: Optional[dt.datetime] = None
    assignee: Optional[str] = None
    finished_at: Optional[dt.datetime] = None
    cancel_reason: Optional[str] = None

    _omit_none = _omit("due", "assignee", "finished_at", "cancel_reason")


@dataclass(frozen=True)
class Note(Record):
    """A case note (never edited: a correction is a new note)."""

    id: UUID
    kind: NoteKind
    text: str
    confidential: bool
    author: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Referral(Record):
    """A referral out, or a transfer inside the organisation."""

    id: UUID
    kind: ReferralKind
    reason: str
    status: ReferralStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    organization: Optional[str] = None
    service: Optional[str] = None
    to_program: Optional[str] = None
    to_worker: Optional[str] = None

    _omit_none = _omit("organization", "service", "to_program", "to_worker")


@dataclass(frozen=True)
class Document(Record):
    """A document's metadata; the bytes are in the blob store (``document_content``)."""

    id: UUID
    name: str
    media_type: str
    sha256: str
    size_bytes: int
    attached_by: str
    attached_at: dt.datetime
    category: Optional[str] = None

    _omit_none = _omit("category")


@dataclass(frozen=True)
class Outcome(Record):
    """A measurement of a goal's measure."""

    id: UUID
    goal_id: UUID
    value: float
    measured_on: dt.date
    recorded_by: str
    note: Optional[str] = None

    _omit_none = _omit("note")


@dataclass(frozen=True)
class GoalOutcome(Record):
    """A goal's final status, recorded at closure."""

    goal_id: UUID
    status: GoalStatus


@dataclass(frozen=True)
class Closure(Record):
    """How and why the case was closed."""

    reason: ClosureReason
    summary: str
    goal_outcomes: List[GoalOutcome]
    closed_by: str
    closed_at: dt.datetime


@dataclass(frozen=True)
class Hold(Record):
    """A hold: deadlines are paused and only a few commands are accepted."""

    reason: str
    since: dt.datetime
    until: Optional[dt.datetime] = None

    _omit_none = _omit("until")


@dataclass(frozen=True)
class Case(Record):
    """A case as the reader may see it (``Casebook.get``)."""

    id: UUID
    version: int
    head_hash: str
    phase: Phase
    program: str
    client_id: UUID
    client: Client
    assignments: List[Assignment]
    priority: Priority
    tags: List[str]
    custom_fields: Dict[str, Any]
    immediate_needs: List[ImmediateNeed]
    assessments: List[Assessment]
    identified_needs: List[IdentifiedNeed]
    assessment_cycle: int
    goals: List[Goal]
    services: List[Service]
    outcomes: List[Outcome]
    tasks: List[Task]
    notes: List[Note]
    referrals: List[Referral]
    documents: List[Document]
    reopened_count: int
    opened_at: dt.datetime
    opened_by: str
    updated_at: dt.datetime
    hold: Optional[Hold] = None
    closure: Optional[Closure] = None

    _omit_none = _omit("hold", "closure")

    @property
    def case_id(self) -> UUID:
        """The case's id (same as ``id``)."""
        return self.id

    @property
    def on_hold(self) -> bool:
        """Whether the case is on hold."""
        return self.hold is not None


@dataclass(frozen=True)
class CaseSummary(Record):
    """A case's row in the case list."""

    case_id: UUID
    program: str
    phase: Phase
    client_id: UUID
    client_name: str
    priority: Priority
    tags: List[str]
    assignees: List[str]
    primary_worker: Optional[str]
    on_hold: bool
    next_due: Optional[dt.datetime]
    open_tasks: int
    opened_at: dt.datetime
    closed_at: Optional[dt.datetime]
    updated_at: dt.datetime
    version: int


@dataclass(frozen=True)
class Page(Record):
    """A page of the case list; pass ``next_cursor`` as ``after`` for the next one."""

    items: List[CaseSummary]
    next_cursor: Optional[UUID]


@dataclass(frozen=True)
class VerifyReport(Record):
    """What ``verify`` found when it recomputed a case's hash chain."""

    case_id: UUID
    events_checked: int
    valid: bool
    first_broken_sequence: Optional[int]
    problem: Optional[str]
    head_hash: Optional[str]


@dataclass(frozen=True)
class BatchSummary(Record):
    """What ``execute_batch_summary`` wrote: how many commands, events and cases, and
    where in the global log the events went (read the log after ``last_position`` for
    what came next)."""

    commands: int
    events: int
    cases: int
    first_position: Optional[int]
    last_position: Optional[int]


@dataclass(frozen=True)
class CustomFieldDef(Record):
    """One custom field of a program: ``kind`` is ``{"type": "text"}``, ``{"type":
    "choice", "options": [...]}``, ... as in the core's JSON."""

    key: str
    kind: Dict[str, Any]
    required: bool = False


@dataclass(frozen=True)
class Event(Record):
    """A recorded event in its envelope. ``type`` is the event type (``goal_added``);
    ``data`` holds the event's own fields as JSON values."""

    event_id: UUID
    case_id: UUID
    sequence: int
    position: int
    recorded_at: dt.datetime
    actor: str
    schema_version: int
    type: str
    data: Dict[str, Any]
    prev_hash: str
    hash: str
    redacted: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Event":
        payload = dict(data["event"])
        kind = payload.pop("type")
        return cls(
            event_id=UUID(data["event_id"]),
            case_id=UUID(data["case_id"]),
            sequence=data["sequence"],
            position=data["position"],
            recorded_at=parse_datetime(data["recorded_at"]),
            actor=data["actor"],
            schema_version=data["schema_version"],
            type=kind,
            data=payload,
            prev_hash=data["prev_hash"],
            hash=data["hash"],
            redacted=bool(data.get("redacted", False)),
        )

    def to_dict(self) -> Dict[str, Any]:
        event: Dict[str, Any] = {"type": self.type}
        event.update(_json_copy(self.data))
        out: Dict[str, Any] = {
            "event_id": str(self.event_id),
            "case_id": str(self.case_id),
            "sequence": self.sequence,
            "position": self.position,
            "recorded_at": format_datetime(self.recorded_at),
            "actor": self.actor,
            "schema_version": self.schema_version,
            "event": event,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
        if self.redacted:
            out["redacted"] = True
        return out


__all__ = [name for name, value in dict(globals()).items() if isinstance(value, type) and dataclasses.is_dataclass(value)]
