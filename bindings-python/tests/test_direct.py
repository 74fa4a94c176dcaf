"""The direct conversion of commands (src/direct.rs) against the canonical one (a JSON
value, then the core's parser): for every input, both accept and build the same
command, or both refuse it with the same error."""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import casekit
from casekit import _native
from test_api import OVERRIDES, SAMPLE

UTC = dt.timezone.utc


class Capture:
    """Stands in for the native book and keeps the command dicts the typed methods build."""

    def __init__(self) -> None:
        self.commands: List[Tuple[Dict[str, Any], bool]] = []

    def execute(self, actor: Any, case_id: Any, command: Dict[str, Any], expected_version: Any) -> Any:
        self.commands.append((command, False))
        raise LookupError("captured")

    def run(self, actor: Any, case_id: Any, command: Dict[str, Any], expected_version: Any) -> Any:
        self.commands.append((command, True))
        raise LookupError("captured")


def typed_commands() -> List[Tuple[Dict[str, Any], bool]]:
    b = casekit.Casebook.in_memory()
    capture = Capture()
    b._n = capture  # type: ignore[assignment]
    for name in _native.command_names():
        method = getattr(b, name)
        params = [p for p in inspect.signature(method).parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]
        kwargs = {p.name: SAMPLE[p.name] for p in params if p.name not in ("expected_version", "content")}
        kwargs.update(OVERRIDES.get(name, {}))
        args: List[Any] = [None] if name == "open_case" else [None, uuid.uuid4()]
        with pytest.raises(LookupError):
            method(*args, **kwargs)
        # And once with only the required keywords: the optional ones stay None / default.
        required = {k: v for k, v in kwargs.items() if inspect.signature(method).parameters[k].default is inspect.Parameter.empty}
        with pytest.raises(LookupError):
            method(*args, **required)
    return capture.commands


class WithToDict:
    def __init__(self, value: Any) -> None:
        self.value = value

    def to_dict(self) -> Any:
        return self.value


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


ODD_VALUES: List[Any] = [
    None, True, False, 0, 1, -1, 7, 2**31, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1,
    0.0, 1.0, 1.5, -2.5, float("nan"), float("inf"), 1e300,
    "", "x", "accepted", "normal", "2026-01-09", "2026-02-01T12:00:00Z", "\ud800", "ü✓",
    str(uuid.uuid4()), uuid.uuid4(),
    dt.date(2026, 1, 9), dt.datetime(2026, 1, 9, 8, 30, tzinfo=UTC), dt.datetime(2026, 1, 9, 8, 30),
    dt.datetime(2026, 1, 9, 8, 30, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    [], (), {}, ["a"], ("a", "b"), [1, 2], {"a": 1}, {"name": "x"}, {1: "a"}, {"q1": float("nan")},
    {"category": "food"}, [{"category": "food"}], [{"category": "food", "extra": 1}],
    {"id": "phq-9", "version": "1"}, {"name": "m", "target": 1, "direction": "increase"},
    {"name": "m", "target": 1, "direction": "sideways"}, {"achieved": None}, {"text": None},
    b"bytes", bytearray(b"x"), object(), WithToDict({"category": "food"}), WithToDict("text"), WithToDict(object()),
    casekit.ImmediateNeedInput(category="food"), casekit.Measure(name="m", target=2.0, direction="decrease"),
    deep(46), deep(47), deep(48), deep(60),
]


def variants(command: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    yield command
    yield {k: v for k, v in command.items() if k != "type"}
    yield dict(command, type="no_such_command")
    yield dict(command, type=1)
    yield dict(command, unknown_field=1)
    yield dict(command, unknown_field=None)
    for key in command:
        if key == "type":
            continue
        yield {k: v for k, v in command.items() if k != key}
        for odd in ODD_VALUES:
            yield dict(command, **{key: odd})
        value = command[key]
        if isinstance(value, dict) or hasattr(value, "to_dict"):
            inner = value if isinstance(value, dict) else value.to_dict()
            for sub in inner:
                for odd in ODD_VALUES[:30]:
                    yield dict(command, **{key: dict(inner, **{sub: odd})})
        if isinstance(value, (list, tuple)) and value:
            for odd in ODD_VALUES[:30]:
                yield dict(command, **{key: [odd]})


def outcome(parse: Any, command: Any, omit_none: bool) -> Any:
    try:
        return ("ok", parse(command, omit_none))
    except casekit.CaseKitError as e:
        return ("error", type(e).__name__, e.code, e.field, str(e))


def test_the_direct_conversion_builds_what_the_canonical_one_builds() -> None:
    checked = accepted = 0
    for base, omit_none in typed_commands():
        for command in variants(base):
            for omit in {omit_none, False}:
                direct = outcome(_native.parse_command, command, omit)
                canonical = outcome(_native._parse_command_canonical, command, omit)
                assert direct == canonical, command
                checked += 1
                accepted += direct[0] == "ok"
    # Both paths were exercised: most variants are refused, many accepted.
    assert checked > 5000 and accepted > 500, (checked, accepted)


def test_non_dict_commands_go_the_canonical_way() -> None:
    for command in [None, [], "add_note", {"type": "add_note", "text": "x"}.items(), WithToDict({"type": "resume"})]:
        assert outcome(_native.parse_command, command, False) == outcome(
            _native._parse_command_canonical, command, False
        )
