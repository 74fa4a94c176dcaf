# Generated from the built casekit._native by bindings-python/stubgen (pyo3 introspection
# data): do not edit. Change bindings-python/src, then regenerate with
#   CASEKIT_BLESS=1 bash bindings-python/scripts/test.sh
"""
The private native module behind the `casekit` package; the typed API is the package.
"""

from casekit._records import Event
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from os import PathLike
from typing import Any, Final, List, SupportsFloat, SupportsIndex, final
from uuid import UUID

__all__ = ["PANIC_CODE", "__version__", "Actor", "ArrowStream", "Book", "CaseKitError", "Committed", "ConflictError", "Follower", "IntegrityError", "InvalidTransitionError", "ManualClock", "NotFoundError", "PermissionDeniedError", "StorageError", "ValidationError", "_panic_for_tests", "_parse_command_canonical", "command_names", "error_codes", "parse_command"]

PANIC_CODE: Final[str]
"""
The code a panic inside the native module is reported with.
"""

__version__: Final[str]
"""
The version of casekit.
"""

@final
class Actor:
    """
    The acting user of a call. casekit does not authenticate: the application does, and
    hands each call the actor it authenticated.
    """
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self, /) -> int: ...
    def __ne__(self, value: object, /) -> bool: ...
    def __new__(cls, /, id: str, roles: Sequence[str] | None = None, programs: Sequence[str] | None = None) -> Actor: ...
    def __repr__(self, /) -> str: ...
    @property
    def id(self, /) -> str:
        """
        The application's id for the user.
        """
    @property
    def programs(self, /) -> list[str]:
        """
        The programs the actor works in, sorted.
        """
    @property
    def roles(self, /) -> list[str]:
        """
        The actor's roles, sorted.
        """
    def to_dict(self, /) -> dict[str, Any]:
        """
        The actor's JSON form: `{"id": ..., "roles": [...], "programs": [...]}`.
        """

@final
class ArrowStream:
    """
    A finished frame, exported through the Arrow C stream interface.
    """
    def __arrow_c_stream__(self, /, requested_schema: object | None = None) -> object:
        """
        The Arrow PyCapsule stream interface (pyarrow, polars, pandas via pyarrow).
        """
    @property
    def column_names(self, /) -> list[str]:
        """
        The column names, in order.
        """
    @property
    def num_rows(self, /) -> int:
        """
        The number of rows.
        """

@final
class Book:
    """
    The native casebook. Safe to share between threads: every call releases the GIL
    while the engine and the store work.
    """
    def __repr__(self, /) -> str: ...
    def attach_document(self, /, actor: Actor, case_id: UUID | str, name: str, media_type: str, content: bytes, category: str | None = None) -> Committed:
        """
        Stores a document's bytes and attaches its metadata to the case.
        """
    def checkpoint(self, /) -> None:
        """
        Copies the SQLite write-ahead log into the database file and empties it, so the
        file alone holds every commit (nothing to do for the other stores).
        """
    def document_content(self, /, actor: Actor, case_id: UUID | str, document_id: UUID | str) -> bytes:
        """
        A document's bytes, verified against its hash.
        """
    def execute(self, /, actor: Actor, case_id: UUID | str | None, command: Mapping[str, Any], expected_version: int | None = None) -> Committed:
        """
        Runs one command given in its JSON form (`{"type": "add_note", ...}`).
        """
    def execute_batch(self, /, actor: Actor, items: Sequence[Mapping[str, Any]]) -> List[Committed]:
        """
        Runs many commands in one transaction: all or none.
        """
    def execute_batch_summary(self, /, actor: Actor, items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """
        Runs many commands in one transaction, answering with what it wrote (a dict of
        counts and log positions), not a `Committed` per command: the path for imports.
        """
    def follow_log(self, /, callback: Callable[[dict[str, Any]], object], after_position: int | None = None, batch_size: int | None = None, poll_interval: float | None = None) -> Follower:
        """
        Follows the global log of a PostgreSQL store: `callback(event_dict)` on a thread
        of its own for every event committed by any instance sharing the database, in
        position order, each once, from `after_position` on.
        """
    def frame(self, /, kind: str, actor: Actor, query: Mapping[str, Any]) -> ArrowStream:
        """
        A frame (`cases`, `events`, `goals`, `assessments`, `notes`) as an Arrow stream.
        """
    def get(self, /, actor: Actor, case_id: UUID | str) -> dict[str, Any]:
        """
        A case as the actor may see it, in its JSON form.
        """
    def history(self, /, actor: Actor, case_id: UUID | str) -> List[dict[str, Any]]:
        """
        A case's events as the actor may see them.
        """
    @staticmethod
    def in_memory(clock: ManualClock | None = None, ids: str = "random") -> Book:
        """
        A casebook over a fresh in-memory store.
        """
    def list(self, /, actor: Actor, query: Mapping[str, Any]) -> dict[str, Any]:
        """
        A page of case summaries: `{"items": [...], "next_cursor": ...}`.
        """
    @staticmethod
    def open(target: str | PathLike[str], synchronous: str = "normal", clock: ManualClock | None = None, ids: str = "random", schema: str | None = None, tuning: dict[str, Any] | None = None) -> Book:
        """
        A casebook over a store named by a path (SQLite) or a URL.
        """
    def read_log(self, /, after: int | None = None, limit: int | None = None) -> List[dict[str, Any]]:
        """
        The global log after a position (the host's feed: not scoped to an actor).
        """
    def register_program(self, /, program: Mapping[str, Any]) -> None:
        """
        Registers (or replaces) a program: `{"id", "name", "required_instruments",
        "custom_fields"}`.
        """
    def run(self, /, actor: Actor, case_id: UUID | str | None, command: Mapping[str, Any], expected_version: int | None = None) -> Committed:
        """
        Runs a command built by a typed method: as `execute`, except that top-level
        fields whose value is `None` are left out (omitted keyword arguments).
        """
    @property
    def store(self, /) -> str:
        """
        Which store this casebook uses (`memory`, `sqlite:PATH`).
        """
    def subscribe(self, /, callback: Callable[[dict[str, Any]], object]) -> int:
        """
        Calls `callback(event_json)` after every commit through this casebook. The
        callback runs on the committing thread, with the GIL; whatever it raises is
        reported as unraisable and never reaches the commit.
        """
    def unsubscribe(self, /, id: int) -> bool:
        """
        Stops a subscription; returns whether it existed.
        """
    def verify(self, /, actor: Actor, case_id: UUID | str) -> dict[str, Any]:
        """
        Recomputes a case's hash chain.
        """

class CaseKitError(Exception):
    """
    Base class of every casekit error; `.code` is the stable code.
    """
    case_id: UUID | None
    """
    The case concerned, if any.
    """
    code: str
    """
    The stable code (`internal` on the base class).
    """
    field: str | None
    """
    The input field at fault, if any.
    """

@final
class Committed:
    """
    The result of a committed command. Events are converted only when read.
    """
    def __repr__(self, /) -> str: ...
    @property
    def case_id(self, /) -> UUID:
        """
        The case.
        """
    @property
    def created_id(self, /) -> UUID | None:
        """
        The id of the record the command created (case, goal, task, note, ...).
        """
    @property
    def event_types(self, /) -> list[str]:
        """
        The types of the events the command appended (cheaper than `events`).
        """
    @property
    def events(self, /) -> list[Event]:
        """
        The events the command appended.
        """
    @property
    def phase(self, /) -> str:
        """
        The case's phase after the command.
        """
    def to_dict(self, /) -> dict[str, Any]:
        """
        The core's JSON form of the result.
        """
    @property
    def version(self, /) -> int:
        """
        The case's version after the command.
        """

class ConflictError(CaseKitError):
    """
    The case changed since it was read: optimistic concurrency (`conflict`).
    """

@final
class Follower:
    """
    A running log follower (`casekit.LogFollower` wraps it). Stopping it, or dropping
    it, stops its thread.
    """
    @property
    def delivered(self, /) -> int:
        """
        How many events it has delivered.
        """
    @property
    def is_running(self, /) -> bool:
        """
        Whether its thread is still following.
        """
    @property
    def last_error(self, /) -> str | None:
        """
        The last failure it recovered from (or is still retrying), if any.
        """
    @property
    def position(self, /) -> int:
        """
        The position of the last event delivered (the one it started after, until it
        delivers one); after `stop`, where it stopped.
        """
    @property
    def reconnects(self, /) -> int:
        """
        How many times it has reconnected after losing its connection.
        """
    def stop(self, /) -> int | None:
        """
        Stops following and waits for the thread (without the GIL: the thread may be
        waiting for it to deliver an event). Returns the position of the last event
        delivered; raises what stopped it early, if anything did. `None` if it was
        already stopped.
        """

class IntegrityError(CaseKitError):
    """
    Stored data failed verification: hash chain, blob hash (`integrity`).
    """

class InvalidTransitionError(CaseKitError):
    """
    The command is not allowed in the case's phase or hold state (`invalid_transition`).
    """

@final
class ManualClock:
    """
    A clock that moves only when told to: for tests, replays and scenarios.
    """
    def __new__(cls, /, start: datetime | str) -> ManualClock: ...
    def __repr__(self, /) -> str: ...
    def advance(self, /, seconds: SupportsFloat | SupportsIndex = 0.0, *, minutes: SupportsFloat | SupportsIndex = 0.0, hours: SupportsFloat | SupportsIndex = 0.0, days: SupportsFloat | SupportsIndex = 0.0) -> None:
        """
        Moves the clock forward (or back, with negative values).
        """
    def now(self, /) -> datetime:
        """
        The clock's time (timezone-aware, UTC).
        """
    def set(self, /, at: datetime | str) -> None:
        """
        Moves the clock to `at` (a timezone-aware datetime; it may go backwards).
        """

class NotFoundError(CaseKitError):
    """
    No such case, goal, task or document (`not_found`).
    """

class PermissionDeniedError(CaseKitError):
    """
    The actor may not do or see this (`permission_denied`).
    """

class StorageError(CaseKitError):
    """
    The store failed; nothing was half-written (`storage`).
    """

class ValidationError(CaseKitError):
    """
    Bad or missing input; `.field` names it (`validation`).
    """

def _panic_for_tests(message: str) -> None:
    """
    Panics inside the native module, to test that no panic reaches Python.
    """

def _parse_command_canonical(command: Mapping[str, Any], omit_none: bool = False) -> dict[str, Any]:
    """
    `parse_command` the canonical way (through a JSON value), to test that the direct
    conversion accepts and builds the same commands.
    """

def command_names() -> list[str]:
    """
    Every command's name, in the core's order (`casekit::CommandKind::ALL`).
    """

def error_codes() -> list[str]:
    """
    Every error code, in the core's order.
    """

def parse_command(command: Mapping[str, Any], omit_none: bool = False) -> dict[str, Any]:
    """
    Checks a command's JSON form and returns it normalized (defaults filled in), without
    running it; with `omit_none`, top-level fields given as `None` count as absent (as
    in `Book.run`).
    """
