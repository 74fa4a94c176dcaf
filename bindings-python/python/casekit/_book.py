"""``Casebook``: every capability of the Rust ``Casebook``, with one typed method per
command.

The typed methods only assemble the command's JSON form (``{"type": ..., fields}``)
and hand it to the native ``execute`` (or ``run``, which leaves out the optional
arguments given as ``None``); every rule lives in the Rust core. Keyword
arguments are exactly the command's JSON fields. Ids may be given as ``uuid.UUID`` or
text, times as timezone-aware ``datetime``, dates as ``date``, nested records as plain
dicts or the record classes of ``casekit``.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import warnings
import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Union
from uuid import UUID

from . import _native
from ._records import (
    AssignmentRole,
    BatchSummary,
    Case,
    Client,
    ClientUpdate,
    ClosureReason,
    CustomFieldDef,
    Event,
    GoalEvaluation,
    GoalStatus,
    IdentifiedNeedInput,
    ImmediateNeedInput,
    InstrumentRef,
    Measure,
    NoteKind,
    Page,
    Priority,
    ReferralStatus,
    ServiceStatus,
    VerifyReport,
)

if TYPE_CHECKING:  # pragma: no cover
    from ._frames import Backend

Actor = _native.Actor
ManualClock = _native.ManualClock
Committed = _native.Committed
"""The result of a committed command (native: one object per command, no wrapper)."""

Id = Union[UUID, str]
"""An id: a ``uuid.UUID`` or its text."""
Time = Union[dt.datetime, str]
"""A time: a timezone-aware ``datetime`` or RFC 3339 text."""
Day = Union[dt.date, str]
"""A calendar date: a ``date`` or ``YYYY-MM-DD`` text."""
JsonMap = Mapping[str, Any]
Ids = Literal["random", "sequential"]


class SubscriberWarning(RuntimeWarning):
    """A subscriber raised: the commit stands, the exception is reported as this warning."""


class LogFollower:
    """Follows a PostgreSQL store's global log (see :meth:`Casebook.follow_log`).

    Stop it with :meth:`stop` (or use it as a context manager); it is stopped when
    collected, and at interpreter exit.
    """

    def __init__(self, native: "_native.Follower") -> None:
        self._n = native

    @property
    def position(self) -> int:
        """The log position of the last event delivered (the ``after_position`` it
        started from until it delivers one; after :meth:`stop`, where it stopped).
        Persist it and pass it as ``after_position`` to resume where it stopped."""
        return self._n.position

    @property
    def delivered(self) -> int:
        """How many events it has delivered."""
        return self._n.delivered

    @property
    def reconnects(self) -> int:
        """How many times it reconnected after losing its connection."""
        return self._n.reconnects

    @property
    def last_error(self) -> Optional[str]:
        """The last failure it recovered from (or is still retrying), if any."""
        return self._n.last_error

    @property
    def is_running(self) -> bool:
        """Whether it is still following."""
        return self._n.is_running

    def stop(self) -> Optional[int]:
        """Stops following and waits for its thread; returns the position of the last
        event delivered (``None`` if it was stopped already). Raises what stopped it
        early, if anything did (an ``IntegrityError`` for an event that does not
        decode)."""
        _FOLLOWERS.discard(self._n)
        return self._n.stop()

    def __enter__(self) -> "LogFollower":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# Followers still running at interpreter exit are stopped first, while their callbacks
# can still run (a follower thread calling into a finalizing interpreter would hang).
_FOLLOWERS: "weakref.WeakSet[_native.Follower]" = weakref.WeakSet()


@atexit.register
def _stop_followers() -> None:
    for follower in list(_FOLLOWERS):
        try:
            follower.stop()
        except Exception:  # noqa: BLE001 - exiting anyway; the error was the follower's
            pass


def _reporting(callback: Callable[["Event"], Any], what: str) -> Callable[[Dict[str, Any]], None]:
    """``callback`` for the native layer's event dicts: an exception it raises is
    reported as a :class:`SubscriberWarning`, never propagated."""
    if not callable(callback):
        raise TypeError("callback must be callable")

    def deliver(raw: Dict[str, Any]) -> None:
        try:
            callback(Event.from_json(raw))
        except Exception as exc:  # noqa: BLE001 - reported, never propagated
            warnings.warn(
                "casekit %s %r raised %s: %s" % (what, callback, type(exc).__name__, exc),
                SubscriberWarning,
                stacklevel=2,
            )

    return deliver


def _validation(field: str, message: str) -> _native.ValidationError:
    err = _native.ValidationError("invalid %s: %s" % (field, message))
    err.field = field
    return err


def _drop_none(fields: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class Casebook:
    """What applications hold: commands, queries, subscriptions and frames over a store.

    Open one with :meth:`in_memory` or :meth:`open`. A casebook may be shared by
    threads: every call releases the GIL while the engine and the store work.
    """

    __slots__ = ("_n", "__weakref__")

    def __init__(self, native: _native.Book) -> None:
        self._n = native

    # -- opening ---------------------------------------------------------------

    @classmethod
    def in_memory(cls, *, clock: Optional[ManualClock] = None, ids: Ids = "random") -> "Casebook":
        """A casebook over a fresh in-memory store (gone when dropped).

        ``clock`` fixes time (tests, replays); ``ids="sequential"`` gives readable,
        reproducible ids (``00000000-0000-7000-8000-000000000001``, ...).
        """
        return cls(_native.Book.in_memory(clock, ids))

    @classmethod
    def open(
        cls,
        path_or_url: Union[str, "os.PathLike[str]"],
        *,
        synchronous: Literal["normal", "full"] = "normal",
        clock: Optional[ManualClock] = None,
        ids: Ids = "random",
        schema: Optional[str] = None,
        busy_timeout: Optional[float] = None,
        readers: Optional[int] = None,
        cache_size_kib: Optional[int] = None,
        checkpoint_pages: Optional[int] = None,
        range_walk_budget: Optional[int] = None,
        pool_size: Optional[int] = None,
        connect_timeout: Optional[float] = None,
        checkout_timeout: Optional[float] = None,
        tls_root_certificates: Optional[Sequence[Union[bytes, str]]] = None,
    ) -> "Casebook":
        """Opens (or creates) a store: a file path or ``sqlite:PATH`` opens the SQLite
        store (WAL; ``synchronous="full"`` syncs every commit to disk); a
        ``postgres://`` URL opens the PostgreSQL store, for many application instances
        sharing cases (its tables live in ``schema``, default ``casekit``, created and
        migrated on first use).

        A SQLite file can be tuned further (``None`` keeps the default):

        - ``busy_timeout``: seconds a write waits for another process (or connection)
          holding the file's write lock before it fails with a ``StorageError``
          (default 5; at most a day).
        - ``readers``: reader connections kept beside the writer, so reads run while
          a commit is written (default 4; 0 reads through the writer; at most 64).
        - ``cache_size_kib``: each connection's page cache in KiB (default 2048; raise
          it for large files under heavy queries).
        - ``checkpoint_pages``: the write-ahead log is copied into the file once it
          holds this many pages (default 4000, about 16 MiB; 0: only by
          :meth:`checkpoint` or when the last connection closes).
        - ``range_walk_budget``: how long (thousands of SQLite steps) a list filtered
          by a time range and a worker or client walks that person's cases before it
          takes the time range's index instead (default 1000).

        A PostgreSQL URL takes its own (``None`` keeps the default):

        - ``pool_size``: the most connections the casebook opens, on demand (default 8;
          1 to 1024).
        - ``connect_timeout``: seconds opening a connection may take, unless the URL
          sets ``connect_timeout`` (default 10).
        - ``checkout_timeout``: seconds a call waits for a free connection when all
          are busy before it fails with a ``StorageError`` (default 30).
        - ``tls_root_certificates``: PEM certificates (bytes or str) trusted for TLS
          besides the system's, e.g. a cloud provider's CA; TLS itself follows the
          URL's ``sslmode`` (``sslmode=require`` encrypts and verifies the server).

        Each applies to its own store: given for the other (or for ``":memory:"``)
        they raise a ``ValidationError`` naming the option, as does a value of the
        wrong type or out of range; nothing is opened then."""
        given = {
            "busy_timeout": busy_timeout,
            "readers": readers,
            "cache_size_kib": cache_size_kib,
            "checkpoint_pages": checkpoint_pages,
            "range_walk_budget": range_walk_budget,
            "pool_size": pool_size,
            "connect_timeout": connect_timeout,
            "checkout_timeout": checkout_timeout,
            "tls_root_certificates": tls_root_certificates,
        }
        tuning = {name: value for name, value in given.items() if value is not None}
        return cls(_native.Book.open(path_or_url, synchronous, clock, ids, schema, tuning or None))

    @property
    def store(self) -> str:
        """Which store this casebook uses (``memory``, ``sqlite:PATH``)."""
        return self._n.store

    def __repr__(self) -> str:
        return "Casebook(%s)" % self._n.store

    # -- programs --------------------------------------------------------------

    def register_program(
        self,
        id: str,
        name: str = "",
        required_instruments: Sequence[str] = (),
        custom_fields: Sequence[Union[JsonMap, CustomFieldDef]] = (),
    ) -> None:
        """Registers (or replaces) a program's rules: instruments every assessment cycle
        must record, and the custom fields its cases accept."""
        self._n.register_program(
            {
                "id": id,
                "name": name,
                "required_instruments": required_instruments,
                "custom_fields": custom_fields,
            }
        )

    # -- generic command paths ---------------------------------------------------

    def execute(
        self,
        actor: Actor,
        case_id: Optional[Id],
        command: JsonMap,
        *,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Runs a command given in its JSON form (``{"type": "add_note", ...}``).
        ``case_id`` is ignored for ``open_case``."""
        return self._n.execute(actor, case_id, command, expected_version)

    def execute_batch(self, actor: Actor, items: Iterable[JsonMap]) -> List[Committed]:
        """Runs many commands in one transaction: all are committed, or none (the first
        failure is raised and nothing is stored). Each item is ``{"case_id": ...,
        "command": {...}, "expected_version": ...}``; give ``open_case`` commands a
        ``case_id`` to refer to the new case later in the same batch."""
        if not isinstance(items, (list, tuple)):
            items = list(items)
        return self._n.execute_batch(actor, items)

    def execute_batch_summary(self, actor: Actor, items: Iterable[JsonMap]) -> BatchSummary:
        """:meth:`execute_batch`, answered with a :class:`BatchSummary` instead of a
        ``Committed`` per command: the same transaction, all or nothing, for imports,
        which need no answer per command."""
        if not isinstance(items, (list, tuple)):
            items = list(items)
        return BatchSummary.from_json(self._n.execute_batch_summary(actor, items))

    # -- queries -----------------------------------------------------------------

    def get(self, actor: Actor, case_id: Id) -> Case:
        """The case as ``actor`` may see it (confidential notes only for its assigned
        workers and the program's supervisors)."""
        return Case.from_json(self._n.get(actor, case_id))

    def list(
        self,
        actor: Actor,
        *,
        phase: Optional[str] = None,
        program: Optional[str] = None,
        assignee: Optional[str] = None,
        client_id: Optional[Id] = None,
        priority: Optional[str] = None,
        tag: Optional[str] = None,
        due_before: Optional[Time] = None,
        on_hold: Optional[bool] = None,
        opened_from: Optional[Time] = None,
        opened_to: Optional[Time] = None,
        closed_from: Optional[Time] = None,
        closed_to: Optional[Time] = None,
        text: Optional[str] = None,
        after: Optional[Id] = None,
        limit: int = 50,
    ) -> Page:
        """Cases ``actor`` may see, filtered, in case id order, one page at a time (pass
        ``next_cursor`` as ``after``). Every filter narrows the list."""
        query = _drop_none(
            {
                "phase": phase,
                "program": program,
                "assignee": assignee,
                "client_id": client_id,
                "priority": priority,
                "tag": tag,
                "due_before": due_before,
                "on_hold": on_hold,
                "opened_from": opened_from,
                "opened_to": opened_to,
                "closed_from": closed_from,
                "closed_to": closed_to,
                "text": text,
                "after": after,
                "limit": limit,
            }
        )
        return Page.from_json(self._n.list(actor, query))

    def history(self, actor: Actor, case_id: Id) -> List[Event]:
        """The case's events as ``actor`` may see them (confidential note text withheld,
        marked ``redacted``)."""
        return [Event.from_json(e) for e in self._n.history(actor, case_id)]

    def verify(self, actor: Actor, case_id: Id) -> VerifyReport:
        """Recomputes the case's hash chain over the stored bytes."""
        return VerifyReport.from_json(self._n.verify(actor, case_id))

    def read_log(self, after: int = 0, limit: int = 1000) -> List[Event]:
        """The global log after position ``after``, in order: the host's feed for its
        own projections and exports (not scoped to an actor)."""
        return [Event.from_json(e) for e in self._n.read_log(after, limit)]

    def checkpoint(self) -> None:
        """Makes a SQLite file complete on its own: the write-ahead log is copied into
        the database file and emptied, so the file alone can be copied (a backup, a
        notebook's data handed on) while the casebook stays open. Commits made after it
        return go to the log again. Nothing to do for the in-memory and PostgreSQL
        stores. Raises :class:`StorageError` if another connection's reader keeps the
        log from being emptied within the busy timeout."""
        self._n.checkpoint()

    # -- subscriptions -------------------------------------------------------------

    def subscribe(self, callback: Callable[[Event], Any]) -> int:
        """Calls ``callback(event)`` for every event committed through this casebook,
        after the commit, on the committing thread. An exception raised by the callback
        is reported as a :class:`SubscriberWarning` and never affects the commit.
        Returns the id for :meth:`unsubscribe`."""
        return self._n.subscribe(_reporting(callback, "subscriber"))

    def unsubscribe(self, subscription: int) -> bool:
        """Stops a subscription; returns whether it existed."""
        return self._n.unsubscribe(subscription)

    def follow_log(
        self,
        callback: Callable[[Event], Any],
        *,
        after_position: int = 0,
        batch_size: int = 500,
        poll_interval: float = 2.0,
    ) -> LogFollower:
        """Follows the global log of a PostgreSQL store: calls ``callback(event)`` for
        every event committed by *any* application instance sharing the database (not
        only this casebook's commits, which :meth:`subscribe` sees), in log position
        order, each exactly once, from ``after_position`` on, on a thread of its own.
        It survives lost connections (it reconnects and resumes where it was). Events
        arrive as committed, confidential note text included: the callback is the
        application's own code. An exception raised by the callback is reported as a
        :class:`SubscriberWarning`, and the follower goes on. ``batch_size``: events
        read at a time (1 to 100,000); ``poll_interval``: seconds between reads when no
        notification comes (a fallback: commits notify the follower at once).

        On another store it raises ``ValidationError`` (field ``store``)."""
        deliver = _reporting(callback, "log follower callback")
        native = self._n.follow_log(deliver, after_position, batch_size, poll_interval)
        _FOLLOWERS.add(native)
        return LogFollower(native)

    # -- documents -------------------------------------------------------------------

    def document_content(self, actor: Actor, case_id: Id, document_id: Id) -> bytes:
        """A document's bytes, verified against its SHA-256."""
        return self._n.document_content(actor, case_id, document_id)

    # -- frames ------------------------------------------------------------------------

    def _frame(self, kind: str, actor: Actor, backend: "Backend", filters: Dict[str, Any]) -> Any:
        from ._frames import to_backend

        query = _drop_none(dict(filters))
        query.pop("limit", None)
        return to_backend(self._n.frame(kind, actor, query), backend)

    def cases_frame(self, actor: Actor, backend: "Backend" = "pandas", **filters: Any) -> Any:
        """One row per case ``actor`` may see (the ``list`` filters apply): summary
        columns plus counts, closure reason and client demographics."""
        return self._frame("cases", actor, backend, filters)

    def events_frame(self, actor: Actor, backend: "Backend" = "pandas", **filters: Any) -> Any:
        """One row per event of the cases ``actor`` may see: an event log for process
        mining (``case_id``, ``type``, ``recorded_at``, ``actor``); ``payload`` is the
        event's JSON, confidential note text blanked."""
        return self._frame("events", actor, backend, filters)

    def goals_frame(self, actor: Actor, backend: "Backend" = "pandas", **filters: Any) -> Any:
        """One row per goal, with its measure and latest outcome measurement."""
        return self._frame("goals", actor, backend, filters)

    def assessments_frame(self, actor: Actor, backend: "Backend" = "pandas", **filters: Any) -> Any:
        """One row per assessment; one ``score_<name>`` / ``band_<name>`` column per score."""
        return self._frame("assessments", actor, backend, filters)

    def notes_frame(self, actor: Actor, backend: "Backend" = "pandas", **filters: Any) -> Any:
        """One row per note ``actor`` may see; confidential notes are never included."""
        return self._frame("notes", actor, backend, filters)

    # -- commands: lifecycle -----------------------------------------------------------

    def open_case(
        self,
        actor: Actor,
        *,
        program: str,
        client: Union[JsonMap, Client],
        client_id: Optional[Id] = None,
        case_id: Optional[Id] = None,
        priority: Priority = "normal",
        tags: Sequence[str] = (),
        assign_to: Optional[str] = None,
        custom_fields: Optional[JsonMap] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Opens a case for a client in a program (phase ``intake``)."""
        command = {
            "type": "open_case",
            "program": program,
            "client": client,
            "client_id": client_id,
            "case_id": case_id,
            "priority": priority,
            "tags": tags,
            "assign_to": assign_to,
            "custom_fields": custom_fields,
        }
        return self._n.run(actor, None, command, expected_version)

    def complete_intake(
        self,
        actor: Actor,
        case_id: Id,
        *,
        eligible: bool,
        immediate_needs: Sequence[Union[JsonMap, ImmediateNeedInput]] = (),
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Finishes intake (the client must be eligible); moves to ``assessment``."""
        command = {"type": "complete_intake", "eligible": eligible, "immediate_needs": immediate_needs}
        return self._n.execute(actor, case_id, command, expected_version)

    def record_assessment(
        self,
        actor: Actor,
        case_id: Id,
        *,
        instrument: Union[JsonMap, InstrumentRef],
        responses: JsonMap,
        scores: Optional[Mapping[str, float]] = None,
        bands: Optional[Mapping[str, str]] = None,
        risk_flags: Sequence[str] = (),
        identified_needs: Sequence[Union[JsonMap, IdentifiedNeedInput]] = (),
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Records an assessment with an instrument (phase ``assessment``)."""
        command = {
            "type": "record_assessment",
            "instrument": instrument,
            "responses": responses,
            "scores": scores,
            "bands": bands,
            "risk_flags": risk_flags,
            "identified_needs": identified_needs,
        }
        return self._n.run(actor, case_id, command, expected_version)

    def complete_assessment(
        self, actor: Actor, case_id: Id, *, summary: Optional[str] = None, expected_version: Optional[int] = None
    ) -> Committed:
        """Finishes the assessment; moves to ``planning``."""
        command = {"type": "complete_assessment", "summary": summary}
        return self._n.run(actor, case_id, command, expected_version)

    def activate_plan(self, actor: Actor, case_id: Id, *, expected_version: Optional[int] = None) -> Committed:
        """Activates the service plan (at least one goal); moves to ``active``."""
        return self._n.execute(actor, case_id, {"type": "activate_plan"}, expected_version)

    def start_reassessment(
        self, actor: Actor, case_id: Id, *, reason: str, expected_version: Optional[int] = None
    ) -> Committed:
        """Goes back to ``assessment`` from planning or active work."""
        command = {"type": "start_reassessment", "reason": reason}
        return self._n.execute(actor, case_id, command, expected_version)

    def close(
        self,
        actor: Actor,
        case_id: Id,
        *,
        reason: ClosureReason,
        summary: str,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Closes the case; open tasks are cancelled by the closure."""
        command = {"type": "close", "reason": reason, "summary": summary}
        return self._n.execute(actor, case_id, command, expected_version)

    def reopen(self, actor: Actor, case_id: Id, *, reason: str, expected_version: Optional[int] = None) -> Committed:
        """Reopens a closed case; it goes back to ``assessment``."""
        return self._n.execute(actor, case_id, {"type": "reopen", "reason": reason}, expected_version)

    # -- commands: client, workers, notes, documents -----------------------------------

    def update_client(
        self,
        actor: Actor,
        case_id: Id,
        *,
        changes: Union[JsonMap, ClientUpdate],
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Changes client details (given fields replace the current ones)."""
        command = {"type": "update_client", "changes": changes}
        return self._n.execute(actor, case_id, command, expected_version)

    def assign_worker(
        self,
        actor: Actor,
        case_id: Id,
        *,
        worker: str,
        role: AssignmentRole = "primary",
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Assigns a worker (a new primary demotes the current one to secondary)."""
        command = {"type": "assign_worker", "worker": worker, "role": role}
        return self._n.execute(actor, case_id, command, expected_version)

    def unassign_worker(
        self, actor: Actor, case_id: Id, *, worker: str, expected_version: Optional[int] = None
    ) -> Committed:
        """Ends a worker's assignment."""
        command = {"type": "unassign_worker", "worker": worker}
        return self._n.execute(actor, case_id, command, expected_version)

    def add_note(
        self,
        actor: Actor,
        case_id: Id,
        *,
        text: str,
        kind: NoteKind = "general",
        confidential: bool = False,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Adds a note (``confidential``: only assigned workers and supervisors see it)."""
        command = {"type": "add_note", "text": text, "kind": kind, "confidential": confidential}
        return self._n.execute(actor, case_id, command, expected_version)

    def attach_document(
        self,
        actor: Actor,
        case_id: Id,
        *,
        name: str,
        media_type: str,
        content: Optional[bytes] = None,
        sha256: Optional[str] = None,
        size_bytes: Optional[int] = None,
        category: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Attaches a document. With ``content``, the bytes go to the blob store and
        their hash and size are computed; without it, give ``sha256`` and
        ``size_bytes`` of bytes kept elsewhere (the command's JSON form)."""
        if content is not None:
            if sha256 is not None or size_bytes is not None or expected_version is not None:
                raise _validation(
                    "content",
                    "give either content, or sha256 and size_bytes (expected_version is not supported with content)",
                )
            return self._n.attach_document(actor, case_id, name, media_type, content, category)
        command = {
            "type": "attach_document",
            "name": name,
            "media_type": media_type,
            "sha256": sha256,
            "size_bytes": size_bytes,
            "category": category,
        }
        return self._n.run(actor, case_id, command, expected_version)

    # -- commands: referrals and transfers -----------------------------------------------

    def refer_out(
        self,
        actor: Actor,
        case_id: Id,
        *,
        organization: str,
        reason: str,
        service: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Refers the client to another organisation."""
        command = {"type": "refer_out", "organization": organization, "service": service, "reason": reason}
        return self._n.run(actor, case_id, command, expected_version)

    def update_referral(
        self,
        actor: Actor,
        case_id: Id,
        *,
        referral_id: Id,
        status: ReferralStatus,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Records the answer to a referral."""
        command = {"type": "update_referral", "referral_id": referral_id, "status": status}
        return self._n.execute(actor, case_id, command, expected_version)

    def transfer(
        self,
        actor: Actor,
        case_id: Id,
        *,
        reason: str,
        to_program: Optional[str] = None,
        to_worker: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Transfers the case to another program and/or worker (supervisors)."""
        command = {"type": "transfer", "to_program": to_program, "to_worker": to_worker, "reason": reason}
        return self._n.run(actor, case_id, command, expected_version)

    # -- commands: tasks -----------------------------------------------------------------

    def add_task(
        self,
        actor: Actor,
        case_id: Id,
        *,
        title: str,
        due: Optional[Time] = None,
        assignee: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Adds a task."""
        command = {"type": "add_task", "title": title, "due": due, "assignee": assignee}
        return self._n.run(actor, case_id, command, expected_version)

    def complete_task(
        self, actor: Actor, case_id: Id, *, task_id: Id, expected_version: Optional[int] = None
    ) -> Committed:
        """Marks a task done."""
        command = {"type": "complete_task", "task_id": task_id}
        return self._n.execute(actor, case_id, command, expected_version)

    def cancel_task(
        self, actor: Actor, case_id: Id, *, task_id: Id, reason: str, expected_version: Optional[int] = None
    ) -> Committed:
        """Cancels a task."""
        command = {"type": "cancel_task", "task_id": task_id, "reason": reason}
        return self._n.execute(actor, case_id, command, expected_version)

    def reassign_task(
        self, actor: Actor, case_id: Id, *, task_id: Id, assignee: str, expected_version: Optional[int] = None
    ) -> Committed:
        """Gives a task to someone else."""
        command = {"type": "reassign_task", "task_id": task_id, "assignee": assignee}
        return self._n.execute(actor, case_id, command, expected_version)

    def set_task_due(
        self,
        actor: Actor,
        case_id: Id,
        *,
        task_id: Id,
        due: Optional[Time],
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Changes a task's due time; ``due=None`` clears it."""
        command = {"type": "set_task_due", "task_id": task_id, "due": due}
        return self._n.execute(actor, case_id, command, expected_version)

    # -- commands: priority, tags, holds, custom fields --------------------------------------

    def set_priority(
        self, actor: Actor, case_id: Id, *, priority: Priority, expected_version: Optional[int] = None
    ) -> Committed:
        """Changes the case's priority."""
        command = {"type": "set_priority", "priority": priority}
        return self._n.execute(actor, case_id, command, expected_version)

    def add_tag(self, actor: Actor, case_id: Id, *, tag: str, expected_version: Optional[int] = None) -> Committed:
        """Adds a tag."""
        return self._n.execute(actor, case_id, {"type": "add_tag", "tag": tag}, expected_version)

    def remove_tag(self, actor: Actor, case_id: Id, *, tag: str, expected_version: Optional[int] = None) -> Committed:
        """Removes a tag."""
        return self._n.execute(actor, case_id, {"type": "remove_tag", "tag": tag}, expected_version)

    def place_on_hold(
        self,
        actor: Actor,
        case_id: Id,
        *,
        reason: str,
        until: Optional[Time] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Puts the case on hold: deadlines pause; only resume, notes, documents,
        assignment and close are accepted until it resumes."""
        command = {"type": "place_on_hold", "reason": reason, "until": until}
        return self._n.run(actor, case_id, command, expected_version)

    def resume(self, actor: Actor, case_id: Id, *, expected_version: Optional[int] = None) -> Committed:
        """Resumes a case on hold; open tasks' due times move by the time on hold."""
        return self._n.execute(actor, case_id, {"type": "resume"}, expected_version)

    def set_custom_fields(
        self, actor: Actor, case_id: Id, *, values: JsonMap, expected_version: Optional[int] = None
    ) -> Committed:
        """Sets program-defined custom fields (``None`` removes a field)."""
        command = {"type": "set_custom_fields", "values": values}
        return self._n.execute(actor, case_id, command, expected_version)

    # -- commands: plan ------------------------------------------------------------------

    def add_goal(
        self,
        actor: Actor,
        case_id: Id,
        *,
        description: str,
        domain: str,
        need_id: Optional[Id] = None,
        measure: Optional[Union[JsonMap, Measure]] = None,
        due: Optional[Day] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Adds a goal to the plan (planning or active)."""
        command = {
            "type": "add_goal",
            "description": description,
            "domain": domain,
            "need_id": need_id,
            "measure": measure,
            "due": due,
        }
        return self._n.run(actor, case_id, command, expected_version)

    def evaluate_goals(
        self,
        actor: Actor,
        case_id: Id,
        *,
        evaluations: Sequence[Union[JsonMap, GoalEvaluation]],
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Sets goals' statuses (evaluation)."""
        command = {"type": "evaluate_goals", "evaluations": evaluations}
        return self._n.execute(actor, case_id, command, expected_version)

    def add_service(
        self,
        actor: Actor,
        case_id: Id,
        *,
        name: str,
        provider: str,
        goal_id: Optional[Id] = None,
        start: Optional[Day] = None,
        end: Optional[Day] = None,
        frequency: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Adds a service to the plan."""
        command = {
            "type": "add_service",
            "name": name,
            "provider": provider,
            "goal_id": goal_id,
            "start": start,
            "end": end,
            "frequency": frequency,
        }
        return self._n.run(actor, case_id, command, expected_version)

    def set_service_status(
        self,
        actor: Actor,
        case_id: Id,
        *,
        service_id: Id,
        status: ServiceStatus,
        reason: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Changes a service's status (a reason is required to discontinue)."""
        command = {"type": "set_service_status", "service_id": service_id, "status": status, "reason": reason}
        return self._n.run(actor, case_id, command, expected_version)

    def record_service_delivery(
        self,
        actor: Actor,
        case_id: Id,
        *,
        service_id: Id,
        delivered_on: Day,
        units: Optional[float] = None,
        note: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Records a delivery of a service (phase ``active``)."""
        command = {
            "type": "record_service_delivery",
            "service_id": service_id,
            "delivered_on": delivered_on,
            "units": units,
            "note": note,
        }
        return self._n.run(actor, case_id, command, expected_version)

    def record_outcome(
        self,
        actor: Actor,
        case_id: Id,
        *,
        goal_id: Id,
        value: float,
        measured_on: Day,
        note: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Committed:
        """Records a measurement of a goal's outcome (phase ``active``)."""
        command = {
            "type": "record_outcome",
            "goal_id": goal_id,
            "value": value,
            "measured_on": measured_on,
            "note": note,
        }
        return self._n.run(actor, case_id, command, expected_version)


# The typed command methods, by command name (every name in casekit::CommandKind::ALL).
COMMAND_METHODS = tuple(_native.command_names())

__all__ = ["Casebook", "Committed", "SubscriberWarning", "Actor", "ManualClock", "COMMAND_METHODS", "GoalStatus"]
