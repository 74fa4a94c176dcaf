"""The typed API: every command is a method whose keywords are the command's JSON
fields; typed return values; queries, subscriptions, documents, batches and stores."""

from __future__ import annotations

import datetime as dt
import inspect
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Dict, List

import pytest

import casekit
from casekit import _native
from helpers import AVA, IRIS, MAYA, ROOT, SAM, START, book, open_active_case

UTC = dt.timezone.utc


def test_every_core_command_has_a_typed_method() -> None:
    names = _native.command_names()
    assert len(names) == 33
    for name in names:
        method = getattr(casekit.Casebook, name, None)
        assert callable(method), "Casebook.%s is missing" % name
        params = inspect.signature(method).parameters
        assert list(params)[0] == "self" and list(params)[1] == "actor"
        if name != "open_case":
            assert list(params)[2] == "case_id"
        assert params["expected_version"].kind is inspect.Parameter.KEYWORD_ONLY


SAMPLE: Dict[str, Any] = {
    "program": "housing",
    "client": casekit.Client(name="Ada", date_of_birth=dt.date(1990, 1, 2)),
    "client_id": uuid.uuid4(),
    "case_id": uuid.uuid4(),
    "priority": "high",
    "tags": ("a", "b"),
    "assign_to": "maya",
    "custom_fields": {"k": 1},
    "eligible": True,
    "immediate_needs": [casekit.ImmediateNeedInput(category="food")],
    "instrument": casekit.InstrumentRef(id="phq-9", version="1"),
    "responses": {"q1": 2},
    "scores": {"total": 2.0},
    "bands": {"total": "mild"},
    "risk_flags": ["none"],
    "identified_needs": [{"domain": "housing"}],
    "summary": "done",
    "reason": "because",
    "changes": casekit.ClientUpdate(phone="555"),
    "worker": "raj",
    "role": "secondary",
    "text": "a note",
    "tag": "urgent-review",
    "kind": "contact",
    "confidential": True,
    "name": "thing",
    "media_type": "application/pdf",
    "sha256": "0" * 64,
    "size_bytes": 10,
    "category": "id",
    "organization": "Food bank",
    "service": "pantry",
    "referral_id": uuid.uuid4(),
    "status": "completed",
    "to_program": "employment",
    "to_worker": "omar",
    "title": "call back",
    "due": dt.datetime(2026, 2, 1, 12, 0, tzinfo=UTC),
    "assignee": "maya",
    "task_id": uuid.uuid4(),
    "until": dt.datetime(2026, 2, 1, tzinfo=UTC),
    "values": {"k": None},
    "description": "goal",
    "domain": "housing",
    "need_id": uuid.uuid4(),
    "measure": casekit.Measure(name="m", target=1.0, direction="increase"),
    "evaluations": [casekit.GoalEvaluation(goal_id=uuid.uuid4(), status="achieved")],
    "provider": "County",
    "goal_id": uuid.uuid4(),
    "start": dt.date(2026, 1, 1),
    "end": "2026-03-01",
    "frequency": "weekly",
    "service_id": uuid.uuid4(),
    "delivered_on": dt.date(2026, 1, 9),
    "units": 1.5,
    "note": "ok",
    "value": 3.0,
    "measured_on": dt.date(2026, 1, 9),
}
OVERRIDES: Dict[str, Dict[str, Any]] = {
    "update_referral": {"status": "accepted"},
    "set_service_status": {"status": "discontinued"},
    "close": {"reason": "other"},
    "add_goal": {"due": dt.date(2026, 3, 31)},
}


class Spy:
    """Stands in for the native book: checks each command with the core's parser."""

    def __init__(self) -> None:
        self.seen: List[Dict[str, Any]] = []

    def execute(self, actor: Any, case_id: Any, command: Dict[str, Any], expected_version: Any) -> Any:
        parsed = _native.parse_command(command)
        self.seen.append(parsed)
        raise LookupError("spy")

    def run(self, actor: Any, case_id: Any, command: Dict[str, Any], expected_version: Any) -> Any:
        # The native `run` leaves out top-level fields given as None.
        fields = {k: v for k, v in command.items() if v is not None}
        return self.execute(actor, case_id, fields, expected_version)


@pytest.mark.parametrize("name", _native.command_names())
def test_each_method_sends_exactly_the_commands_json_fields(name: str) -> None:
    b = book()
    spy = Spy()
    b._n = spy  # type: ignore[assignment]
    method = getattr(b, name)
    params = [p for p in inspect.signature(method).parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    kwargs = {p.name: SAMPLE[p.name] for p in params if p.name not in ("expected_version", "content")}
    kwargs.update(OVERRIDES.get(name, {}))
    args = [IRIS] if name == "open_case" else [IRIS, uuid.uuid4()]
    with pytest.raises(LookupError):
        method(*args, **kwargs)
    (parsed,) = spy.seen
    assert parsed["type"] == name
    # Every keyword reached the command (the parser refuses unknown fields).
    assert set(kwargs) <= set(parsed), set(kwargs) - set(parsed)


def test_returned_values_are_typed() -> None:
    clock = casekit.ManualClock(START)
    b = book(clock)
    opened = open_active_case(b)
    assert isinstance(opened, casekit.Committed)
    assert isinstance(opened.case_id, uuid.UUID) and opened.created_id == opened.case_id
    assert opened.version == 1 and opened.phase == "intake"
    (event,) = opened.events
    assert isinstance(event, casekit.Event) and event.type == "case_opened"
    assert event.recorded_at.tzinfo is not None and event.recorded_at == START
    assert opened.to_dict()["events"][0] == event.to_dict()

    case = b.get(SAM, opened.case_id)
    assert isinstance(case, casekit.Case)
    assert case.phase == "active" and case.id == opened.case_id
    assert isinstance(case.client, casekit.Client) and case.client.household_size == 3
    assert isinstance(case.goals[0], casekit.Goal) and isinstance(case.goals[0].measure, casekit.Measure)
    assert case.goals[0].due == dt.date(2026, 3, 31)
    assert isinstance(case.opened_at, dt.datetime) and case.opened_at.tzinfo is not None
    assert all(isinstance(n, casekit.Note) for n in case.notes)

    history = b.history(SAM, opened.case_id)
    assert [e.sequence for e in history] == list(range(1, case.version + 1))
    report = b.verify(SAM, opened.case_id)
    assert isinstance(report, casekit.VerifyReport) and report.valid and report.events_checked == case.version
    assert report.head_hash == case.head_hash


def _rich_case(b: casekit.Casebook) -> uuid.UUID:
    c = open_active_case(b).case_id
    t = b.add_task(MAYA, c, title="Call landlord", due=dt.datetime(2026, 1, 20, 9, 30, 15, 250000, tzinfo=UTC), assignee="maya")
    b.add_task(MAYA, c, title="Visit", due=dt.datetime(2026, 1, 21, tzinfo=UTC))
    b.complete_task(MAYA, c, task_id=t.created_id)  # type: ignore[arg-type]
    r = b.refer_out(MAYA, c, organization="Food bank", reason="groceries", service="pantry")
    b.update_referral(MAYA, c, referral_id=r.created_id, status="accepted")  # type: ignore[arg-type]
    b.attach_document(MAYA, c, name="lease.pdf", media_type="application/pdf", content=b"%PDF lease", category="lease")
    b.update_client(MAYA, c, changes={"email": "d@example.org", "consents": [{"scope": "sms", "granted": True}]})
    b.set_custom_fields(MAYA, c, values={"landlord": "Acme", "units": 2, "flag": True, "nested": {"a": [1, 2.5]}})
    b.add_tag(MAYA, c, tag="eviction-risk")
    case = b.get(MAYA, c)
    s = case.services[0]
    b.record_service_delivery(MAYA, c, service_id=s.id, delivered_on=dt.date(2026, 1, 5), units=2, note="paid")
    b.place_on_hold(MAYA, c, reason="client travelling", until=dt.datetime(2026, 2, 1, tzinfo=UTC))
    return c


def test_to_dict_is_exactly_the_core_json() -> None:
    b = book()
    c = _rich_case(b)
    raw = b._n.get(MAYA, c)
    case = b.get(MAYA, c)
    assert case.to_dict() == raw
    assert casekit.Case.from_json(case.to_dict()) == case
    assert case.hold is not None and case.tasks[0].finished_at is not None
    b.close(MAYA, c, reason="client_withdrew", summary="Moved in with family.")
    assert b.get(MAYA, c).to_dict() == b._n.get(MAYA, c)
    assert [e.to_dict() for e in b.history(MAYA, c)] == b._n.history(MAYA, c)
    assert b.list(SAM).to_dict() == b._n.list(SAM, {})


def test_list_filters_and_pages() -> None:
    b = book()
    ids = [b.open_case(IRIS, program="housing", client={"name": "C%d" % i}, tags=["t%d" % (i % 2)]).case_id for i in range(7)]
    page = b.list(SAM, limit=3)
    assert isinstance(page, casekit.Page) and len(page.items) == 3 and page.next_cursor == ids[2]
    seen = []
    after = None
    while True:
        page = b.list(SAM, limit=3, after=after)
        seen += [s.case_id for s in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == ids
    assert [s.client_name for s in b.list(SAM, tag="t1").items] == ["C1", "C3", "C5"]
    assert isinstance(b.list(SAM).items[0], casekit.CaseSummary)
    assert b.list(SAM, opened_from=START + dt.timedelta(days=1)).items == []
    outsider = casekit.Actor("leo", roles=["supervisor"], programs=["employment"])
    assert b.list(outsider).items == []


def test_confidential_notes_are_redacted_for_readers_who_may_not_see_them() -> None:
    b = book()
    c = open_active_case(b).case_id
    assert [n.confidential for n in b.get(MAYA, c).notes] == [False, True]
    assert [n.confidential for n in b.get(AVA, c).notes] == [False]
    redacted = [e for e in b.history(AVA, c) if e.redacted]
    assert len(redacted) == 1 and redacted[0].data["text"] == ""


def test_subscriptions_see_every_commit_and_survive_bad_subscribers() -> None:
    b = book()
    seen: List[casekit.Event] = []
    sid = b.subscribe(seen.append)

    def broken(event: casekit.Event) -> None:
        raise RuntimeError("subscriber bug")

    bad = b.subscribe(broken)
    with pytest.warns(casekit.SubscriberWarning, match="subscriber bug"):
        c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    assert b.get(SAM, c.case_id).version == 1, "the commit stands"
    assert [e.type for e in seen] == ["case_opened"] and isinstance(seen[0], casekit.Event)
    assert b.unsubscribe(bad) is True and b.unsubscribe(bad) is False
    b.add_note(IRIS, c.case_id, text="hello")
    assert [e.type for e in seen] == ["case_opened", "note_added"]
    assert b.unsubscribe(sid)
    b.add_note(IRIS, c.case_id, text="again")
    assert len(seen) == 2


def test_a_subscriber_failure_escaping_the_warning_is_still_contained(monkeypatch: Any) -> None:
    import sys

    reported: List[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    b = book()
    b.subscribe(lambda e: 1 / 0)
    with warnings.catch_warnings():
        # The warning itself raises: the native layer reports it as unraisable.
        warnings.simplefilter("error", casekit.SubscriberWarning)
        c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    assert b.get(SAM, c.case_id).version == 1
    assert len(reported) == 1 and isinstance(reported[0].exc_value, casekit.SubscriberWarning)


def test_documents_round_trip() -> None:
    b = book()
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"}).case_id
    content = bytes(range(256)) * 10
    done = b.attach_document(IRIS, c, name="scan.bin", media_type="application/octet-stream", content=content)
    doc = b.get(IRIS, c).documents[0]
    assert doc.id == done.created_id and doc.size_bytes == len(content)
    assert b.document_content(IRIS, c, doc.id) == content
    with pytest.raises(casekit.ValidationError):
        b.attach_document(IRIS, c, name="x", media_type="text/plain", content=b"x", sha256="0" * 64)


def test_execute_batch_is_all_or_nothing() -> None:
    b = book()
    cid = str(uuid.uuid4())
    items: List[Dict[str, Any]] = [
        {"command": {"type": "open_case", "case_id": cid, "program": "housing", "client": {"name": "Batch"}}},
        {"case_id": cid, "command": {"type": "add_note", "text": "one"}},
        {"case_id": cid, "command": {"type": "complete_intake", "eligible": True}, "expected_version": 2},
    ]
    done = b.execute_batch(IRIS, items)
    assert [d.version for d in done] == [1, 2, 3] and done[-1].phase == "assessment"
    bad = [
        {"command": {"type": "open_case", "program": "housing", "client": {"name": "Never"}}},
        {"case_id": cid, "command": {"type": "activate_plan"}},
    ]
    with pytest.raises(casekit.CaseKitError):
        b.execute_batch(MAYA, bad)
    assert [s.client_name for s in b.list(SAM).items] == ["Batch"]
    with pytest.raises(casekit.ValidationError) as info:
        b.execute_batch(IRIS, [{"case_id": cid, "command": {"type": "add_note", "text": 5}}])
    assert info.value.field == "items[0].command.text"
    # Refused by the core, not the conversion: named the same way.
    note = {"case_id": cid, "command": {"type": "add_note", "text": "fine"}}
    with pytest.raises(casekit.ValidationError) as info:
        b.execute_batch(SAM, [note, {"case_id": cid, "command": {"type": "add_note", "text": "  "}}])
    assert info.value.field == "items[1].command.text"


def test_execute_batch_summary_answers_an_import_with_what_it_wrote() -> None:
    b = book()
    b.open_case(IRIS, program="housing", client={"name": "Earlier"})
    ids = [str(uuid.uuid4()) for _ in range(3)]
    items: List[Dict[str, Any]] = []
    for cid in ids:
        items.append({"command": {"type": "open_case", "case_id": cid, "program": "housing", "client": {"name": "Import"}}})
        items.append({"case_id": cid, "command": {"type": "add_note", "text": "imported"}})
    bad = items + [{"case_id": ids[0], "command": {"type": "activate_plan"}}]
    with pytest.raises(casekit.InvalidTransitionError):
        b.execute_batch_summary(IRIS, bad)
    assert len(b.read_log()) == 1, "nothing of the refused import stayed"
    summary = b.execute_batch_summary(IRIS, iter(items))
    log = b.read_log(after=1)
    assert summary == casekit.BatchSummary(
        commands=6, events=len(log), cases=3, first_position=log[0].position, last_position=log[-1].position
    )
    assert summary.first_position == 2 and summary.to_dict()["cases"] == 3
    with pytest.raises(casekit.ValidationError) as info:
        b.execute_batch_summary(IRIS, [{"case_id": ids[0], "command": {"type": "add_note", "text": 5}}])
    assert info.value.field == "items[0].command.text"


def test_a_refused_batch_item_is_named() -> None:
    b = book()
    cid = str(uuid.uuid4())
    good = {"case_id": cid, "command": {"type": "add_note", "text": "x"}}
    cases = [
        ({"case_id": cid, "command": {"type": "add_note", "text": "x"}, "extra": 1}, "items[1].extra"),
        ({"case_id": "not-a-uuid", "command": {"type": "add_note", "text": "x"}}, "items[1].case_id"),
        ({"case_id": cid}, "items[1].command"),
        ({"case_id": cid, "command": {"type": "add_note", "text": "x"}, "expected_version": -1}, "items[1].expected_version"),
        ({"case_id": cid, "command": {"type": "add_note", "txt": "x"}}, "items[1].command.txt"),
        ("not a mapping", "items[1]"),
    ]
    for item, field in cases:
        with pytest.raises(casekit.ValidationError) as info:
            b.execute_batch(IRIS, [good, item])  # type: ignore[list-item]
        assert info.value.field == field, (item, info.value)


def test_read_log_is_the_global_feed() -> None:
    b = book()
    for i in range(3):
        b.open_case(IRIS, program="housing", client={"name": "C%d" % i})
    log = b.read_log()
    assert [e.position for e in log] == [1, 2, 3]
    assert [e.position for e in b.read_log(after=1, limit=1)] == [2]


def test_sequential_ids_and_manual_clock() -> None:
    clock = casekit.ManualClock(START)
    b = book(clock)
    first = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    assert str(first.case_id) == "00000000-0000-7000-8000-000000000001"
    clock.advance(seconds=90)
    assert clock.now() == START + dt.timedelta(seconds=90)
    clock.set(dt.datetime(2026, 6, 1, tzinfo=UTC))
    note = b.add_note(IRIS, first.case_id, text="later")
    assert note.events[0].recorded_at == dt.datetime(2026, 6, 1, tzinfo=UTC)
    clock.advance(days=1, hours=2)
    assert clock.now() == dt.datetime(2026, 6, 2, 2, tzinfo=UTC)


def test_actor_value() -> None:
    a = casekit.Actor("omar", roles=["supervisor", "case_manager"], programs=["housing", "employment"])
    assert a.id == "omar" and a.roles == ["case_manager", "supervisor"] and a.programs == ["employment", "housing"]
    assert a == casekit.Actor("omar", roles=["case_manager", "supervisor"], programs=["housing", "employment"])
    assert a.to_dict() == {"id": "omar", "roles": ["case_manager", "supervisor"], "programs": ["employment", "housing"]}
    assert ROOT.roles == ["admin"] and ROOT.programs == []


def test_programs_enforce_instruments_and_custom_fields() -> None:
    b = book()
    b.register_program(
        "housing",
        name="Housing stability",
        required_instruments=["ssm"],
        custom_fields=[casekit.CustomFieldDef(key="county", kind={"type": "choice", "options": ["north", "south"]}, required=True)],
    )
    with pytest.raises(casekit.ValidationError) as info:
        b.open_case(IRIS, program="housing", client={"name": "Ada"})
    assert info.value.field == "custom_fields.county"
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"}, custom_fields={"county": "north"}).case_id
    b.complete_intake(IRIS, c, eligible=True)
    b.assign_worker(SAM, c, worker="maya")
    b.record_assessment(MAYA, c, instrument={"id": "phq-9", "version": "1"}, responses={"q1": 1})
    with pytest.raises(casekit.InvalidTransitionError):
        b.complete_assessment(MAYA, c)


@pytest.mark.parametrize("sync", ["normal", "full"])
def test_sqlite_file_persists(tmp_path: Path, sync: str) -> None:
    path = tmp_path / "cases.db"
    b = casekit.Casebook.open(str(path), synchronous=sync)  # type: ignore[arg-type]
    assert b.store == "sqlite:%s" % path
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    b.add_note(IRIS, c.case_id, text="kept on disk")
    del b
    reopened = casekit.Casebook.open("sqlite:%s" % path)
    case = reopened.get(SAM, c.case_id)
    assert case.version == 2 and case.notes[0].text == "kept on disk"
    assert reopened.list(SAM, text="disk").items[0].case_id == c.case_id
    assert casekit.Casebook.open(":memory:").store == "sqlite::memory:"


def test_checkpoint_makes_the_file_complete_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    b = casekit.Casebook.open(str(path))
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    b.add_note(IRIS, c.case_id, text="copied with the file")
    wal = tmp_path / "cases.db-wal"
    assert wal.stat().st_size > 0  # the commits are still in the write-ahead log
    assert b.checkpoint() is None
    assert wal.stat().st_size == 0
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copyfile(path, copy / "cases.db")  # the database file alone, while b stays open
    case = casekit.Casebook.open(str(copy / "cases.db")).get(SAM, c.case_id)
    assert case.version == 2 and case.notes[0].text == "copied with the file"
    b.add_note(IRIS, c.case_id, text="after the checkpoint")
    assert b.get(SAM, c.case_id).version == 3
    book().checkpoint()  # nothing to do in memory


def test_sqlite_tuning_takes_effect(tmp_path: Path) -> None:
    def wal_after_notes(name: str, **tuning: Any) -> int:
        b = casekit.Casebook.open(str(tmp_path / name), **tuning)
        c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
        for n in range(40):
            b.add_note(IRIS, c.case_id, text="note %d" % n)
        assert b.get(SAM, c.case_id).version == 41
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
        assert [s.case_id for s in b.list(SAM, program="housing", opened_from=since).items] == [c.case_id]
        return (tmp_path / (name + "-wal")).stat().st_size

    # No automatic checkpoints: every commit stays in the write-ahead log.
    unbounded = wal_after_notes("a.db", checkpoint_pages=0, busy_timeout=0.5, readers=0, cache_size_kib=512)
    assert unbounded >= 40 * 4096
    # A checkpoint every couple of pages: the log keeps starting over.
    bounded = wal_after_notes("b.db", checkpoint_pages=2, readers=1, range_walk_budget=0, busy_timeout=3)
    assert bounded < unbounded / 2
    # Either file reads back whole with the defaults.
    for name in ("a.db", "b.db"):
        again = casekit.Casebook.open(str(tmp_path / name))
        assert [s.version for s in again.list(SAM).items] == [41]


@pytest.mark.parametrize(
    "tuning, field",
    [
        ({"readers": -1}, "readers"),
        ({"readers": 65}, "readers"),
        ({"readers": True}, "readers"),
        ({"readers": 1.5}, "readers"),
        ({"busy_timeout": float("nan")}, "busy_timeout"),
        ({"busy_timeout": -1}, "busy_timeout"),
        ({"busy_timeout": 86_401}, "busy_timeout"),
        ({"busy_timeout": "5"}, "busy_timeout"),
        ({"cache_size_kib": 0}, "cache_size_kib"),
        ({"checkpoint_pages": 2**32}, "checkpoint_pages"),
        ({"range_walk_budget": -1}, "range_walk_budget"),
        ({"readers": 2, "cache_size_kib": 0}, "cache_size_kib"),
    ],
)
def test_sqlite_tuning_refuses_bad_values_and_opens_nothing(tmp_path: Path, tuning: Dict[str, Any], field: str) -> None:
    path = tmp_path / "cases.db"
    with pytest.raises(casekit.ValidationError) as caught:
        casekit.Casebook.open(str(path), **tuning)
    assert caught.value.field == field
    assert not path.exists()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("DATABASE_URL is not set: in CI the PostgreSQL tests must run (scripts/test-all sets it)")
        pytest.skip("DATABASE_URL is not set (scripts/test-all starts a throwaway cluster and sets it)")
    return url


def _wait_for(condition: Any, what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.01)


@pytest.mark.parametrize(
    "tuning, field",
    [
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": 1025}, "pool_size"),
        ({"pool_size": 2.0}, "pool_size"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"checkout_timeout": -1}, "checkout_timeout"),
        ({"checkout_timeout": 86_401}, "checkout_timeout"),
        ({"tls_root_certificates": b"-----BEGIN CERTIFICATE-----"}, "tls_root_certificates"),
        ({"tls_root_certificates": [b"not a certificate"]}, "tls_root_certificates[0]"),
        ({"tls_root_certificates": ["-----BEGIN CERTIFICATE-----\n", 7]}, "tls_root_certificates[1]"),
    ],
)
def test_postgres_options_refuse_bad_values_before_connecting(tuning: Dict[str, Any], field: str) -> None:
    # Refused before anything connects (no server listens at this URL).
    with pytest.raises(casekit.ValidationError) as caught:
        casekit.Casebook.open("postgres://nobody@127.0.0.1:1/none", **tuning)
    assert caught.value.field == field


def test_postgres_options_are_for_postgres_only(tmp_path: Path) -> None:
    with pytest.raises(casekit.ValidationError) as caught:
        casekit.Casebook.open(str(tmp_path / "cases.db"), pool_size=4)
    assert caught.value.field == "pool_size"
    assert not (tmp_path / "cases.db").exists()


def test_postgres_options_connect_and_tls_is_built_in() -> None:
    url = _database_url()
    schema = "py_options_%s" % uuid.uuid4().hex[:8]
    b = casekit.Casebook.open(url, schema=schema, pool_size=2, connect_timeout=5, checkout_timeout=2.5)
    c = b.open_case(IRIS, program="housing", client={"name": "Ada"})
    b.add_note(IRIS, c.case_id, text="through a pool of two")
    assert b.get(SAM, c.case_id).version == 2
    # The test cluster speaks no TLS: asking for it fails in the TLS handshake (this
    # build has TLS; one without would refuse before connecting).
    sep = "&" if "?" in url else "?"
    with pytest.raises(casekit.StorageError) as caught:
        casekit.Casebook.open(url + sep + "sslmode=require", schema=schema, connect_timeout=5)
    assert "TLS handshake" in str(caught.value)


def test_follow_log_sees_every_instances_commits_in_order_and_resumes() -> None:
    url = _database_url()
    schema = "py_follow_%s" % uuid.uuid4().hex[:8]
    here = casekit.Casebook.open(url, schema=schema)
    there = casekit.Casebook.open(url, schema=schema)  # another application instance
    seen: List[casekit.Event] = []
    with here.follow_log(seen.append, poll_interval=0.5) as follower:
        assert follower.is_running and follower.position == 0 and follower.delivered == 0
        c = there.open_case(IRIS, program="housing", client={"name": "Ada"})
        there.add_note(IRIS, c.case_id, text="written by the other instance", confidential=True)
        here.complete_intake(IRIS, c.case_id, eligible=True)
        _wait_for(lambda: len(seen) == 3, "three events")
        assert [e.type for e in seen] == ["case_opened", "note_added", "intake_completed"]
        assert [e.position for e in seen] == sorted(e.position for e in seen)
        assert seen[1].data["text"] == "written by the other instance"  # as committed
        assert follower.delivered == 3 and follower.position == seen[-1].position
        stopped_at = follower.position
    assert follower.stop() is None  # already stopped by the with block
    assert not follower.is_running and follower.position == stopped_at and follower.delivered == 3
    # Resumed from the position it stopped at: only what came after.
    there.add_note(SAM, c.case_id, text="after the first follower stopped")
    later: List[casekit.Event] = []
    with there.follow_log(later.append, after_position=stopped_at, poll_interval=0.5):
        _wait_for(lambda: len(later) == 1, "the event after the resume point")
        assert later[0].type == "note_added" and later[0].position > stopped_at


def test_a_raising_follow_log_callback_is_reported_and_following_goes_on() -> None:
    url = _database_url()
    schema = "py_follow_%s" % uuid.uuid4().hex[:8]
    book = casekit.Casebook.open(url, schema=schema)
    seen: List[str] = []

    def callback(event: casekit.Event) -> None:
        seen.append(event.type)
        if event.type == "case_opened":
            raise RuntimeError("callback bug")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with book.follow_log(callback, poll_interval=0.5) as follower:
            c = book.open_case(IRIS, program="housing", client={"name": "Ada"})
            book.complete_intake(IRIS, c.case_id, eligible=True)
            _wait_for(lambda: len(seen) == 2, "both events")
            assert follower.is_running
    assert seen == ["case_opened", "intake_completed"]
    assert any(issubclass(w.category, casekit.SubscriberWarning) and "callback bug" in str(w.message) for w in caught)


def test_follow_log_needs_postgres_and_checks_its_options(tmp_path: Path) -> None:
    for b in (book(), casekit.Casebook.open(str(tmp_path / "cases.db"))):
        with pytest.raises(casekit.ValidationError) as caught:
            b.follow_log(lambda e: None)
        assert caught.value.field == "store"
    if not os.environ.get("DATABASE_URL"):
        return
    pg = casekit.Casebook.open(_database_url(), schema="py_follow_%s" % uuid.uuid4().hex[:8])
    for kwargs, field in [
        ({"after_position": -1}, "after_position"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 100_001}, "batch_size"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"poll_interval": float("inf")}, "poll_interval"),
    ]:
        with pytest.raises(casekit.ValidationError) as caught:
            pg.follow_log(lambda e: None, **kwargs)
        assert caught.value.field == field


def test_sqlite_tuning_is_for_sqlite_files_only() -> None:
    # Refused before anything connects (no server listens at this URL).
    with pytest.raises(casekit.ValidationError) as caught:
        casekit.Casebook.open("postgres://nobody@127.0.0.1:1/none", readers=2)
    assert caught.value.field == "readers"
    with pytest.raises(casekit.ValidationError) as caught:
        casekit.Casebook.open(":memory:", cache_size_kib=4096)
    assert caught.value.field == "cache_size_kib"
