"""Errors: every code maps to its class; hostile input is a CaseKitError, never a crash;
no Rust panic reaches Python."""

from __future__ import annotations

import math
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

import casekit
from casekit import _native
from helpers import AVA, IRIS, MAYA, SAM, book, open_active_case


def test_the_codes_are_the_core_codes() -> None:
    assert _native.error_codes() == list(casekit.ERROR_CLASSES)
    for code, cls in casekit.ERROR_CLASSES.items():
        assert issubclass(cls, casekit.CaseKitError)
        assert issubclass(cls, Exception)
        assert cls.code == code
    assert casekit.CaseKitError.field is None


def raises(cls: type, call: Callable[[], Any]) -> Any:
    with pytest.raises(casekit.CaseKitError) as info:
        call()
    assert type(info.value) is cls, "%s raised as %s: %s" % (cls.__name__, type(info.value).__name__, info.value)
    assert info.value.code == cls.code  # type: ignore[attr-defined]
    return info.value


def test_not_found() -> None:
    b = book()
    err = raises(casekit.NotFoundError, lambda: b.get(SAM, uuid.uuid4()))
    assert "not found" in str(err)


def test_invalid_transition() -> None:
    b = book()
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    raises(casekit.InvalidTransitionError, lambda: b.activate_plan(SAM, c.case_id))
    assert b.get(SAM, c.case_id).version == 1, "a refused command changes nothing"


def test_validation_names_the_field() -> None:
    b = book()
    err = raises(casekit.ValidationError, lambda: b.open_case(IRIS, program="housing", client={"name": " "}))
    assert err.field == "client.name"
    err = raises(casekit.ValidationError, lambda: b.open_case(IRIS, program="housing", client={"name": "A", "household_size": "3"}))
    assert err.field == "client.household_size"
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    err = raises(casekit.ValidationError, lambda: b.complete_intake(IRIS, c.case_id, eligible="yes"))  # type: ignore[arg-type]
    assert err.field == "eligible"
    err = raises(casekit.ValidationError, lambda: b.execute(IRIS, c.case_id, {"type": "add_note"}))
    assert err.field == "text"
    err = raises(casekit.ValidationError, lambda: b.execute(IRIS, c.case_id, {"type": "add_note", "text": "x", "colour": 1}))
    assert err.field == "colour"
    err = raises(casekit.ValidationError, lambda: b.execute(IRIS, c.case_id, {"type": "launch_rocket"}))
    assert err.field == "type"


def test_permission_denied() -> None:
    b = book()
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    raises(casekit.PermissionDeniedError, lambda: b.add_note(AVA, c.case_id, text="auditors only read"))


def test_conflict_carries_the_case() -> None:
    b = book()
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    err = raises(casekit.ConflictError, lambda: b.add_note(IRIS, c.case_id, text="late", expected_version=7))
    assert err.case_id == c.case_id
    assert isinstance(err.case_id, uuid.UUID)


def test_storage(tmp_path: Path) -> None:
    (tmp_path / "a-directory.db").mkdir()
    raises(casekit.StorageError, lambda: casekit.Casebook.open(tmp_path / "a-directory.db"))
    raises(casekit.StorageError, lambda: casekit.Casebook.open(str(tmp_path / "missing" / "dir" / "x.db")))


def test_integrity_of_tampered_events_and_blobs(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    b = casekit.Casebook.open(path)
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    doc = b.attach_document(IRIS, c.case_id, name="id.pdf", media_type="application/pdf", content=b"%PDF-1.7 ...")
    b.add_note(IRIS, c.case_id, text="original text")
    assert b.verify(SAM, c.case_id).valid
    del b
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET payload = replace(payload, 'original', 'altered') WHERE sequence = 3")
    db.execute("UPDATE blobs SET bytes = x'00'")
    db.commit()
    db.close()
    b = casekit.Casebook.open(path)
    report = b.verify(SAM, c.case_id)
    assert not report.valid and report.first_broken_sequence == 3 and report.events_checked == 2
    raises(casekit.IntegrityError, lambda: b.document_content(IRIS, c.case_id, doc.created_id))  # type: ignore[arg-type]
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET payload = 'not json' WHERE sequence = 3")
    db.commit()
    db.close()
    err = raises(casekit.IntegrityError, lambda: casekit.Casebook.open(path).get(SAM, c.case_id))
    assert err.case_id == c.case_id


def test_unreachable_postgres_is_a_storage_error_without_the_password() -> None:
    err = raises(casekit.StorageError, lambda: casekit.Casebook.open("postgres://cases:s3cret@127.0.0.1:1/casekit"))
    assert "s3cret" not in str(err)


def test_a_schema_is_only_for_postgres() -> None:
    err = raises(casekit.ValidationError, lambda: casekit.Casebook.open("cases.db", schema="other"))
    assert err.field == "schema"


def test_a_panic_never_reaches_python() -> None:
    err = raises(casekit.StorageError, lambda: _native._panic_for_tests("deliberate"))
    assert "internal error" in str(err) and "deliberate" in str(err)
    assert _native.PANIC_CODE == "storage"


def _deep(n: int) -> Any:
    value: Any = "leaf"
    for _ in range(n):
        value = {"a": [value]}
    return value


HOSTILE: list[tuple[str, dict[str, Any]]] = [
    ("wrong type", {"eligible": "yes"}),
    ("list for bool", {"eligible": [True]}),
    ("huge int", {"eligible": True, "immediate_needs": [{"category": 2**100}]}),
    ("negative for u32", {"eligible": True, "immediate_needs": [{"category": -1}]}),
    ("nan", {"eligible": True, "immediate_needs": [{"category": math.nan}]}),
    ("inf", {"eligible": True, "immediate_needs": [{"category": math.inf}]}),
    ("lone surrogate", {"eligible": True, "immediate_needs": [{"category": "food\ud800"}]}),
    ("bytes", {"eligible": True, "immediate_needs": [{"category": b"\xff\xfe"}]}),
    ("object", {"eligible": True, "immediate_needs": [object()]}),
    ("deep nesting", {"eligible": True, "immediate_needs": [_deep(10_000)]}),
    ("non-str keys", {"eligible": True, "immediate_needs": [{1: "food"}]}),
    ("set", {"eligible": True, "immediate_needs": {"food"}}),
]


@pytest.mark.parametrize("label,fields", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_command_fields(label: str, fields: dict[str, Any]) -> None:
    b = book()
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    with pytest.raises(casekit.ValidationError):
        b.complete_intake(IRIS, c.case_id, **fields)
    assert b.get(SAM, c.case_id).version == 1


HOSTILE_CALLS: list[tuple[str, Callable[[casekit.Casebook, uuid.UUID], Any]]] = [
    ("invalid uuid", lambda b, c: b.get(SAM, "not-a-uuid")),
    ("uuid of wrong type", lambda b, c: b.get(SAM, 12345)),  # type: ignore[arg-type]
    ("actor as str", lambda b, c: b.get("sam", c)),  # type: ignore[arg-type]
    ("actor as None", lambda b, c: b.add_note(None, c, text="x")),  # type: ignore[arg-type]
    ("negative version", lambda b, c: b.add_note(IRIS, c, text="x", expected_version=-1)),
    ("huge version", lambda b, c: b.add_note(IRIS, c, text="x", expected_version=2**80)),
    ("bool version", lambda b, c: b.add_note(IRIS, c, text="x", expected_version=True)),
    ("naive datetime", lambda b, c: b.add_task(IRIS, c, title="t", due=__import__("datetime").datetime(2026, 1, 1))),
    ("bad time text", lambda b, c: b.add_task(IRIS, c, title="t", due="tomorrow")),
    ("bad date", lambda b, c: b.list(SAM, opened_from="2026-13-45")),
    ("huge text", lambda b, c: b.add_note(IRIS, c, text="x" * 200_001)),
    ("command not a mapping", lambda b, c: b.execute(IRIS, c, ["add_note"])),  # type: ignore[arg-type]
    ("batch not a list", lambda b, c: b._n.execute_batch(IRIS, "nope")),  # type: ignore[arg-type]
    ("batch item unknown key", lambda b, c: b.execute_batch(IRIS, [{"case": str(c), "command": {"type": "resume"}}])),
    ("limit zero", lambda b, c: b.list(SAM, limit=0)),
    ("limit huge", lambda b, c: b.list(SAM, limit=2**40)),
    ("read_log negative", lambda b, c: b.read_log(after=-1)),
    ("unknown role", lambda b, c: casekit.Actor("x", roles=["emperor"])),
    ("empty actor id", lambda b, c: casekit.Actor("")),
    ("clock with naive time", lambda b, c: casekit.ManualClock(__import__("datetime").datetime(2026, 1, 1))),
    ("clock advance nan", lambda b, c: casekit.ManualClock("2026-01-01T00:00:00Z").advance(math.nan)),
    ("unknown ids", lambda b, c: casekit.Casebook.in_memory(ids="clever")),  # type: ignore[arg-type]
    ("unknown sync", lambda b, c: casekit.Casebook.open("x.db", synchronous="sometimes")),  # type: ignore[arg-type]
    ("path with NUL", lambda b, c: casekit.Casebook.open("bad\0path.db")),
    ("unknown frame backend", lambda b, c: b.cases_frame(SAM, backend="excel")),  # type: ignore[arg-type]
    ("content not bytes", lambda b, c: b._n.attach_document(IRIS, c, "a", "text/plain", "text")),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("label,call", HOSTILE_CALLS, ids=[h[0] for h in HOSTILE_CALLS])
def test_hostile_calls(label: str, call: Callable[[casekit.Casebook, uuid.UUID], Any]) -> None:
    b = book()
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    with pytest.raises(casekit.ValidationError):
        call(b, c.case_id)


def test_random_garbage_never_escapes_as_anything_but_casekit_errors() -> None:
    import random

    rng = random.Random(7)
    b = book()
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    atoms: list[Any] = [None, True, 0, -1, 2**64, 2**63, 1.5, math.nan, "", "x", "\ud800", b"b", [], {}, object(), uuid.uuid4()]

    def garbage(depth: int) -> Any:
        r = rng.random()
        if depth > 3 or r < 0.5:
            return rng.choice(atoms)
        if r < 0.75:
            return [garbage(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(["type", "text", "eligible", "client", "name", "due", "x"]): garbage(depth + 1) for _ in range(3)}

    names = casekit.COMMAND_METHODS
    for _ in range(2000):
        command = garbage(0)
        if isinstance(command, dict) and rng.random() < 0.7:
            command["type"] = rng.choice(names)
        try:
            b.execute(MAYA, c.case_id, command)
        except casekit.CaseKitError:
            pass


def test_an_active_case_helper_runs() -> None:
    b = book()
    c = open_active_case(b)
    assert b.get(SAM, c.case_id).phase == "active"
