"""Replays a conformance scenario (tests/scenarios/*.json, format in tests/README.md)
through the public, typed Python API: every command step is a call of the typed method
named by the command's ``type``, with the command's fields as keyword arguments.

The semantics follow the Rust runner (tests/conformance): a ManualClock at ``start``,
sequential ids, the clock advanced by ``tick_seconds`` before every command step,
``"$name"`` references replaced by saved created ids, subset matching for ``match``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import casekit

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "tests" / "scenarios"
EXPECTED = SCENARIOS / "expected"

KINDS = ("command", "batch", "get", "list", "history", "verify", "advance_seconds")
# What a command step, or one result of a batch step, may expect of a Committed.
COMMITTED_EXPECTATIONS = ("phase", "version", "events")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ScenarioError(AssertionError):
    pass


def scenario_paths() -> List[Path]:
    return sorted(SCENARIOS.glob("*.json"))


def is_reference(s: str) -> bool:
    return s.startswith("$") and bool(_NAME.match(s[1:]))


def substitute(value: Any, saved: Dict[str, str]) -> Any:
    if isinstance(value, str) and is_reference(value):
        if value[1:] not in saved:
            raise ScenarioError("unknown reference %s" % value)
        return saved[value[1:]]
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    return value


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def compare(expected: Any, actual: Any, subset: bool, path: str = "$") -> Optional[str]:
    """None if equal (subset: extra keys in ``actual`` allowed, an expected null matches a
    missing key); else where they differ. Numbers compare numerically, bools strictly."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k, ev in expected.items():
            p = "%s.%s" % (path, k)
            if k in actual:
                err = compare(ev, actual[k], subset, p)
                if err:
                    return err
            elif not (subset and ev is None):
                return "%s: expected %r, but the key is missing" % (p, ev)
        if not subset:
            for k in actual:
                if k not in expected:
                    return "%s.%s: unexpected key (value %r)" % (path, k, actual[k])
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return "%s: expected %d items, got %d" % (path, len(expected), len(actual))
        for i, (e, a) in enumerate(zip(expected, actual)):
            err = compare(e, a, subset, "%s[%d]" % (path, i))
            if err:
                return err
        return None
    if _num(expected) and _num(actual):
        return None if expected == actual else "%s: expected %r, got %r" % (path, expected, actual)
    if type(expected) is type(actual) and expected == actual:
        return None
    return "%s: expected %r, got %r" % (path, expected, actual)


def check_eq(what: str, expected: Any, actual: Any) -> None:
    if compare(expected, actual, subset=False) is not None:
        raise ScenarioError("expected %s %s, got %s" % (what, json.dumps(expected), json.dumps(actual)))


def summary_expectations(expect: Any) -> Dict[str, Any]:
    """``expect.summary``, checked before the batch runs."""
    if not isinstance(expect, dict):
        raise ScenarioError("expect.summary must be an object")
    _allow("expect.summary", expect, ("commands", "events", "cases"))
    return expect


def check_summary(expect: Dict[str, Any], summary: casekit.BatchSummary, items: int) -> None:
    """A summarised batch's answer: the counts expected, one command an item whatever
    they say, and log positions present exactly when there are events, one for each (a
    batch's positions are consecutive)."""
    got = summary.to_dict()
    for k, v in expect.items():
        if got[k] != v:
            raise ScenarioError("summary.%s %r, expected %r" % (k, got[k], v))
    if summary.commands != items:
        raise ScenarioError("%d items, but a summary of %d commands" % (items, summary.commands))
    first, last = summary.first_position, summary.last_position
    if summary.events > 0:
        spans = first is not None and last is not None and last - first == summary.events - 1
    else:
        spans = first is None and last is None
    if not spans:
        raise ScenarioError("summary positions do not span its events one for one: %r" % (got,))


def check_committed(expect: Dict[str, Any], done: casekit.Committed) -> None:
    """The phase, version and events expectations of a command step or a batch result."""
    if "phase" in expect:
        check_eq("phase", expect["phase"], done.phase)
    if "version" in expect:
        check_eq("version", expect["version"], done.version)
    if "events" in expect:
        check_eq("events", expect["events"], [e.type for e in done.events])


def _allow(what: str, obj: Dict[str, Any], allowed: Tuple[str, ...]) -> None:
    for k in obj:
        if k not in allowed:
            raise ScenarioError("unknown key %r in %s (allowed: %s)" % (k, what, ", ".join(allowed)))


class Runner:
    def __init__(
        self,
        scenario: Dict[str, Any],
        open_book: Optional[Callable[[casekit.ManualClock], casekit.Casebook]] = None,
    ) -> None:
        self.scenario = scenario
        start = dt.datetime.fromisoformat(scenario["start"].replace("Z", "+00:00"))
        self.clock = casekit.ManualClock(start)
        if open_book is None:
            self.book = casekit.Casebook.in_memory(clock=self.clock, ids="sequential")
        else:
            self.book = open_book(self.clock)
        for p in scenario.get("programs", []):
            self.book.register_program(**p)
        self.actors = {
            name: casekit.Actor(name, roles=spec["roles"], programs=spec.get("programs", []))
            for name, spec in scenario["actors"].items()
        }
        self.tick = scenario.get("tick_seconds", 0)
        self.saved: Dict[str, str] = {}

    # -- steps -------------------------------------------------------------------

    def run(self) -> Dict[str, Any]:
        for i, step in enumerate(self.scenario["steps"]):
            try:
                self.step(step)
            except ScenarioError as e:
                raise ScenarioError("scenario %s: steps[%d]: %s" % (self.scenario["name"], i, e)) from None
        cases = []
        for f in self.scenario.get("final", []):
            cases.append(self.snapshot(f))
        return {"name": self.scenario["name"], "cases": cases}

    def step(self, raw: Dict[str, Any]) -> None:
        kinds = [k for k in KINDS if k in raw]
        if len(kinds) != 1:
            raise ScenarioError("a step needs exactly one of %s; found %s" % (", ".join(KINDS), kinds))
        step = {k: v for k, v in raw.items() if k != "comment"}
        step = substitute(step, self.saved)
        getattr(self, "_" + kinds[0])(step)

    def actor(self, step: Dict[str, Any]) -> casekit.Actor:
        return self.actors[step["actor"]]

    def _expect(self, step: Dict[str, Any], allowed: Tuple[str, ...]) -> Dict[str, Any]:
        expect = step.get("expect") or {}
        _allow("expect", expect, allowed)
        return dict(expect)

    def outcome(self, call: Callable[[], Any], expect: Dict[str, Any]) -> Tuple[bool, Any]:
        want = expect.get("error")
        field = expect.get("field")
        if field is not None and want is None:
            raise ScenarioError("expect.field needs expect.error")
        if want is not None:
            for k in expect:
                if k not in ("error", "field"):
                    raise ScenarioError("expect.%s cannot be checked on a step that must fail" % k)
        try:
            value = call()
        except casekit.CaseKitError as e:
            if want is None:
                raise ScenarioError("unexpected error %s: %s" % (e.code, e))
            if e.code != want:
                raise ScenarioError("expected error %s, got %s: %s" % (want, e.code, e))
            if type(e) is not casekit.ERROR_CLASSES[e.code]:
                raise ScenarioError("error %s raised as %s" % (e.code, type(e).__name__))
            if field is not None and e.field != field:
                raise ScenarioError("expected field %r, got %r: %s" % (field, e.field, e))
            return False, None
        if want is not None:
            raise ScenarioError("expected error %s, but the step succeeded" % want)
        return True, value

    def _command(self, step: Dict[str, Any]) -> None:
        _allow("step", step, ("command", "actor", "case", "expected_version", "save", "expect"))
        expect = self._expect(step, ("phase", "version", "events", "error", "field"))
        actor = self.actor(step)
        fields = dict(step["command"])
        name = fields.pop("type")
        method = getattr(self.book, name)
        kwargs: Dict[str, Any] = dict(fields)
        if step.get("expected_version") is not None:
            kwargs["expected_version"] = step["expected_version"]
        self.clock.advance(seconds=self.tick)
        if name == "open_case":
            ok, done = self.outcome(lambda: method(actor, **kwargs), expect)
        else:
            ok, done = self.outcome(lambda: method(actor, step.get("case"), **kwargs), expect)
        save = step.get("save")
        if not ok:
            if save is not None:
                raise ScenarioError("a failing step has nothing to save")
            return
        assert isinstance(done, casekit.Committed)
        check_committed(expect, done)
        if save is not None:
            self.save(save, done)

    def _batch(self, step: Dict[str, Any]) -> None:
        """One ``execute_batch`` call (one transaction) with every item, at one instant."""
        _allow("step", step, ("batch", "actor", "expect"))
        expect = self._expect(step, ("results", "summary", "error", "field"))
        actor = self.actor(step)
        raw = step["batch"]
        if not isinstance(raw, list):
            raise ScenarioError("batch must be an array of items")
        items: List[Dict[str, Any]] = []
        saves: List[Optional[str]] = []
        for i, entry in enumerate(raw):
            what = "batch[%d]" % i
            if not isinstance(entry, dict):
                raise ScenarioError("%s must be an object" % what)
            _allow(what, entry, ("case", "command", "expected_version", "save"))
            if "command" not in entry:
                raise ScenarioError('%s: missing "command"' % what)
            item: Dict[str, Any] = {"command": entry["command"]}
            if entry.get("case") is not None:
                item["case_id"] = entry["case"]
            if entry.get("expected_version") is not None:
                item["expected_version"] = entry["expected_version"]
            items.append(item)
            saves.append(entry.get("save"))
        results = expect.get("results")
        if results is not None:
            if not isinstance(results, list):
                raise ScenarioError("expect.results must be an array")
            if len(results) != len(items):
                raise ScenarioError("expect.results has %d entries for %d items" % (len(results), len(items)))
            for i, r in enumerate(results):
                if not isinstance(r, dict):
                    raise ScenarioError("expect.results[%d] must be an object" % i)
                _allow("expect.results[%d]" % i, r, COMMITTED_EXPECTATIONS)
        if "summary" in expect:
            if "error" in expect:
                raise ScenarioError("expect.summary cannot be checked on a step that must fail")
            if results is not None or any(s is not None for s in saves):
                raise ScenarioError("expect.summary: a summarised batch answers no results and saves nothing")
            wanted = summary_expectations(expect["summary"])
            self.clock.advance(seconds=self.tick)
            _, summary = self.outcome(lambda: self.book.execute_batch_summary(actor, items), expect)
            check_summary(wanted, summary, len(items))
            return
        self.clock.advance(seconds=self.tick)
        ok, done = self.outcome(lambda: self.book.execute_batch(actor, items), expect)
        if not ok:
            if any(s is not None for s in saves):
                raise ScenarioError("a failing step has nothing to save")
            return
        if len(done) != len(items):
            raise ScenarioError("%d items, but %d results" % (len(items), len(done)))
        for i, (e, c) in enumerate(zip(results or [], done)):
            try:
                check_committed(e, c)
            except ScenarioError as err:
                raise ScenarioError("results[%d]: %s" % (i, err)) from None
        for i, (name, c) in enumerate(zip(saves, done)):
            if name is not None:
                try:
                    self.save(name, c)
                except ScenarioError as err:
                    raise ScenarioError("batch[%d]: %s" % (i, err)) from None

    def save(self, name: str, done: casekit.Committed) -> None:
        if done.created_id is None:
            raise ScenarioError("nothing to save as %s: the command created no record" % name)
        self.saved[name] = str(done.created_id)

    def _get(self, step: Dict[str, Any]) -> None:
        _allow("step", step, ("get", "actor", "expect"))
        expect = self._expect(step, ("error", "match"))
        ok, view = self.outcome(lambda: self.book.get(self.actor(step), step["get"]), expect)
        if ok and "match" in expect:
            err = compare(expect["match"], view.to_dict(), subset=True)
            if err:
                raise ScenarioError("view: " + err)

    def _list(self, step: Dict[str, Any]) -> None:
        _allow("step", step, ("list", "actor", "expect"))
        expect = self._expect(step, ("cases", "count", "next_cursor", "error", "field"))
        query = dict(step["list"] or {})
        ok, page = self.outcome(lambda: self.book.list(self.actor(step), **query), expect)
        if not ok:
            return
        if "cases" in expect:
            check_eq("cases", expect["cases"], [str(s.case_id) for s in page.items])
        if "count" in expect:
            check_eq("count", expect["count"], len(page.items))
        if "next_cursor" in expect:
            cursor = None if page.next_cursor is None else str(page.next_cursor)
            check_eq("next_cursor", expect["next_cursor"], cursor)

    def _history(self, step: Dict[str, Any]) -> None:
        _allow("step", step, ("history", "actor", "expect"))
        expect = self._expect(step, ("count", "types", "redacted", "match", "error"))
        ok, events = self.outcome(lambda: self.book.history(self.actor(step), step["history"]), expect)
        if not ok:
            return
        if "count" in expect:
            check_eq("count", expect["count"], len(events))
        if "types" in expect:
            check_eq("types", expect["types"], [e.type for e in events])
        if "redacted" in expect:
            check_eq("redacted", expect["redacted"], sum(1 for e in events if e.redacted))
        if "match" in expect:
            err = compare(expect["match"], [e.to_dict() for e in events], subset=True)
            if err:
                raise ScenarioError("history: " + err)

    def _verify(self, step: Dict[str, Any]) -> None:
        _allow("step", step, ("verify", "actor", "expect"))
        expect = self._expect(step, ("valid", "events_checked", "error"))
        ok, report = self.outcome(lambda: self.book.verify(self.actor(step), step["verify"]), expect)
        if not ok:
            return
        if "valid" in expect:
            check_eq("valid", expect["valid"], report.valid)
        if "events_checked" in expect:
            check_eq("events_checked", expect["events_checked"], report.events_checked)

    def _advance_seconds(self, step: Dict[str, Any]) -> None:
        _allow("step", step, ("advance_seconds",))
        self.clock.advance(seconds=step["advance_seconds"])

    def snapshot(self, f: Dict[str, Any]) -> Dict[str, Any]:
        case = substitute(f["case"], self.saved)
        actor = self.actors[f["actor"]]
        return {
            "case": case,
            "actor": f["actor"],
            "view": self.book.get(actor, case).to_dict(),
            "history": [e.to_dict() for e in self.book.history(actor, case)],
        }


def load(path: Path) -> Dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: Dict[str, Any] = json.load(fh)
    return data
