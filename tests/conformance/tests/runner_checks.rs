//! The runner itself: a scenario step whose outcome differs from its `expect` (or that
//! is malformed) must fail the run, naming the step. A runner that passes everything
//! would make every snapshot worthless.

use casekit::MemoryStore;
use casekit_conformance::{run, RunError, Scenario};
use serde_json::{json, Value};

fn scenario(steps: Value) -> Scenario {
    serde_json::from_value(json!({
        "name": "check",
        "start": "2026-01-05T09:00:00Z",
        "tick_seconds": 60,
        "actors": {
            "iris": {"roles": ["intake_worker"], "programs": ["housing"]},
            "ava": {"roles": ["auditor"], "programs": ["housing"]}
        },
        "steps": steps,
        "final": [{"case": "$c1", "actor": "ava"}]
    }))
    .expect("a valid scenario")
}

fn open() -> Value {
    json!({"actor": "iris", "command": {"type": "open_case", "program": "housing", "client": {"name": "Ada"}}, "save": "c1"})
}

fn failure(step: Value) -> RunError {
    match run(&scenario(json!([open(), step])), MemoryStore::new()) {
        Ok(_) => panic!("the run should have failed"),
        Err(e) => e,
    }
}

fn fails_at_step_1(step: Value, needle: &str) {
    let e = failure(step);
    assert_eq!(e.scenario, "check");
    assert_eq!(e.step, Some(1), "{e}");
    assert!(e.message.contains(needle), "{e:?} does not mention {needle:?}");
}

#[test]
fn a_passing_scenario_yields_its_snapshot() {
    let s = scenario(json!([
        open(),
        {"comment": "ok", "actor": "iris", "case": "$c1", "command": {"type": "complete_intake", "eligible": true},
         "expected_version": 1, "expect": {"phase": "assessment", "version": 2, "events": ["intake_completed"]}},
        {"actor": "ava", "get": "$c1", "expect": {"match": {"phase": "assessment", "hold": null, "version": 2.0}}},
        {"actor": "ava", "history": "$c1", "expect": {"count": 2, "types": ["case_opened", "intake_completed"], "redacted": 0}},
        {"actor": "ava", "list": {"limit": 1}, "expect": {"cases": ["$c1"], "count": 1, "next_cursor": null}},
        {"actor": "ava", "verify": "$c1", "expect": {"valid": true, "events_checked": 2}},
        {"advance_seconds": 3600}
    ]));
    let snap = run(&s, MemoryStore::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snap["name"], "check");
    assert_eq!(snap["cases"][0]["case"], "00000000-0000-7000-8000-000000000001");
    assert_eq!(snap["cases"][0]["actor"], "ava");
    assert_eq!(snap["cases"][0]["view"]["phase"], "assessment");
    assert_eq!(snap["cases"][0]["view"]["updated_at"], "2026-01-05T09:02:00Z");
    assert_eq!(snap["cases"][0]["history"].as_array().map(Vec::len), Some(2));
}

#[test]
fn wrong_command_expectations_fail() {
    let cmd = json!({"type": "complete_intake", "eligible": true});
    fails_at_step_1(json!({"actor": "iris", "case": "$c1", "command": cmd, "expect": {"phase": "planning"}}), "phase");
    fails_at_step_1(json!({"actor": "iris", "case": "$c1", "command": cmd, "expect": {"version": 3}}), "version");
    fails_at_step_1(json!({"actor": "iris", "case": "$c1", "command": cmd, "expect": {"events": []}}), "events");
    fails_at_step_1(
        json!({"actor": "iris", "case": "$c1", "command": cmd, "expect": {"error": "validation"}}),
        "succeeded",
    );
}

#[test]
fn wrong_error_expectations_fail() {
    let bad = json!({"type": "complete_intake", "eligible": false});
    fails_at_step_1(json!({"actor": "iris", "case": "$c1", "command": bad}), "unexpected error validation");
    fails_at_step_1(
        json!({"actor": "iris", "case": "$c1", "command": bad, "expect": {"error": "invalid_transition"}}),
        "got validation",
    );
    fails_at_step_1(
        json!({"actor": "iris", "case": "$c1", "command": bad, "expect": {"error": "validation", "field": "client"}}),
        "expected field",
    );
    fails_at_step_1(
        json!({"actor": "iris", "case": "$c1", "command": bad, "expect": {"error": "validation", "phase": "intake"}}),
        "must fail",
    );
    fails_at_step_1(
        json!({"actor": "iris", "case": "$c1", "command": bad, "save": "x", "expect": {"error": "validation"}}),
        "nothing to save",
    );
}

#[test]
fn wrong_query_expectations_fail() {
    fails_at_step_1(json!({"actor": "ava", "get": "$c1", "expect": {"match": {"phase": "closed"}}}), "$.phase");
    fails_at_step_1(json!({"actor": "ava", "get": "$c1", "expect": {"match": {"closure": {}}}}), "$.closure");
    fails_at_step_1(json!({"actor": "ava", "get": "$c1", "expect": {"error": "permission_denied"}}), "succeeded");
    fails_at_step_1(json!({"actor": "ava", "list": {}, "expect": {"cases": []}}), "cases");
    fails_at_step_1(json!({"actor": "ava", "list": {"limit": 2}, "expect": {"next_cursor": "$c1"}}), "next_cursor");
    fails_at_step_1(json!({"actor": "ava", "list": {"limit": 0}}), "unexpected error validation");
    fails_at_step_1(json!({"actor": "ava", "history": "$c1", "expect": {"count": 2}}), "count");
    fails_at_step_1(json!({"actor": "ava", "history": "$c1", "expect": {"types": ["case_closed"]}}), "types");
    fails_at_step_1(json!({"actor": "ava", "history": "$c1", "expect": {"redacted": 1}}), "redacted");
    fails_at_step_1(json!({"actor": "ava", "history": "$c1", "expect": {"match": [{}, {}]}}), "expected 2 items");
    fails_at_step_1(json!({"actor": "ava", "verify": "$c1", "expect": {"events_checked": 5}}), "events_checked");
}

#[test]
fn malformed_steps_fail() {
    fails_at_step_1(json!({"actor": "ava", "get": "$c2"}), "unknown reference $c2");
    fails_at_step_1(json!({"actor": "nobody", "get": "$c1"}), "unknown actor");
    fails_at_step_1(json!({"actor": "ava", "get": "$c1", "history": "$c1"}), "exactly one");
    fails_at_step_1(json!({"actor": "ava"}), "exactly one");
    fails_at_step_1(json!({"actor": "ava", "get": "$c1", "expect": {"phase": "intake"}}), "unknown key \"phase\"");
    fails_at_step_1(json!({"actor": "ava", "get": "$c1", "extra": 1}), "unknown key \"extra\"");
    fails_at_step_1(json!({"actor": "iris", "case": "$c1", "command": {"type": "no_such_command"}}), "does not parse");
    fails_at_step_1(json!({"actor": "ava", "list": {"colour": "red"}}), "does not parse");
    fails_at_step_1(json!({"actor": "ava", "get": "not-a-uuid"}), "not a case id");
    fails_at_step_1(json!({"advance_seconds": "soon"}), "whole number");
}

#[test]
fn final_snapshot_errors_name_the_entry() {
    let s = scenario(json!([
        {"actor": "iris", "command": {"type": "open_case", "program": "housing", "client": {"name": "Ada"}}, "save": "c2"}
    ]));
    let e = run(&s, MemoryStore::new()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("final[0]") && e.contains("unknown reference $c1"), "{e}");
}

fn batch(items: Value, expect: Value) -> Value {
    json!({"actor": "iris", "batch": items, "expect": expect})
}

#[test]
fn a_passing_batch_checks_each_result_and_saves() {
    let items = json!([
        {"case": "$c1", "command": {"type": "add_note", "text": "one"}, "save": "n1"},
        {"case": "$c1", "command": {"type": "complete_intake", "eligible": true}, "expected_version": 2},
        {"command": {"type": "open_case", "program": "housing", "client": {"name": "Bea"}}, "save": "c2"}
    ]);
    let results = json!({"results": [
        {"version": 2, "events": ["note_added"]},
        {"phase": "assessment", "version": 3, "events": ["intake_completed"]},
        {}
    ]});
    let s = scenario(json!([
        open(),
        batch(items, results),
        {"actor": "ava", "history": "$c1", "expect": {"types": ["case_opened", "note_added", "intake_completed"]}},
        {"actor": "ava", "get": "$c2", "expect": {"match": {"phase": "intake"}}},
        {"actor": "ava", "get": "$c1", "expect": {"match": {"notes": [{"id": "$n1"}], "updated_at": "2026-01-05T09:02:00Z"}}}
    ]));
    run(&s, MemoryStore::new()).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn wrong_batch_expectations_fail() {
    let note = json!({"case": "$c1", "command": {"type": "add_note", "text": "one"}});
    let bad = json!({"case": "$c1", "command": {"type": "activate_plan"}});
    fails_at_step_1(batch(json!([note]), json!({"results": [{"version": 3}]})), "results[0]: expected version");
    fails_at_step_1(batch(json!([note]), json!({"results": [{"events": []}]})), "results[0]: expected events");
    fails_at_step_1(batch(json!([note]), json!({"results": [{"phase": "active"}]})), "results[0]: expected phase");
    fails_at_step_1(batch(json!([note]), json!({"results": []})), "0 entries for 1 items");
    fails_at_step_1(batch(json!([note]), json!({"results": [{"error": "conflict"}]})), "in expect.results[0]");
    fails_at_step_1(batch(json!([note]), json!({"error": "validation"})), "succeeded");
    fails_at_step_1(batch(json!([note, bad]), json!({})), "unexpected error invalid_transition");
    fails_at_step_1(batch(json!([note, bad]), json!({"error": "conflict"})), "got invalid_transition");
    fails_at_step_1(batch(json!([note, bad]), json!({"error": "invalid_transition", "field": "x"})), "expected field");
    fails_at_step_1(
        batch(json!([note, bad]), json!({"error": "invalid_transition", "results": [{}, {}]})),
        "must fail",
    );
    let saving = json!({"case": "$c1", "command": {"type": "add_note", "text": "one"}, "save": "n1"});
    fails_at_step_1(batch(json!([saving, bad]), json!({"error": "invalid_transition"})), "nothing to save");
    let intake = json!({"case": "$c1", "command": {"type": "complete_intake", "eligible": true}, "save": "x"});
    fails_at_step_1(batch(json!([intake]), json!({})), "batch[0]: nothing to save as x");
}

#[test]
fn malformed_batches_fail() {
    let note = json!({"case": "$c1", "command": {"type": "add_note", "text": "one"}});
    fails_at_step_1(batch(json!({"case": "$c1"}), json!({})), "batch must be an array");
    fails_at_step_1(batch(json!(["x"]), json!({})), "batch[0] must be an object");
    fails_at_step_1(
        batch(json!([note, {"case": "$c1", "command": {}, "extra": 1}]), json!({})),
        "unknown key \"extra\" in batch[1]",
    );
    fails_at_step_1(
        batch(json!([{"case": "$c1", "command": {"type": "nope"}}]), json!({})),
        "batch[0]: command does not parse",
    );
    fails_at_step_1(batch(json!([{"case": "$c2", "command": {}}]), json!({})), "unknown reference $c2");
    fails_at_step_1(batch(json!([{"case": "x", "command": {}}]), json!({})), "batch[0]: \"x\" is not a case id");
    fails_at_step_1(batch(json!([{"case": "$c1"}]), json!({})), "batch[0]: missing \"command\"");
    fails_at_step_1(
        batch(json!([{"case": "$c1", "command": {"type": "resume"}, "expected_version": -1}]), json!({})),
        "batch[0]: expected_version must be a whole number",
    );
    fails_at_step_1(
        batch(json!([{"case": "$c1", "command": {"type": "resume"}, "save": "1x"}]), json!({})),
        "batch[0]: save must be a name",
    );
    fails_at_step_1(json!({"actor": "iris", "batch": [note], "case": "$c1"}), "unknown key \"case\" in step");
    fails_at_step_1(json!({"actor": "iris", "batch": [note], "command": {}}), "exactly one");
    let summary = json!({"summary": {"commands": 1}});
    fails_at_step_1(batch(json!([note]), json!({"summary": {"commands": 1}, "results": [{}]})), "answers no results");
    let saved = json!({"case": "$c1", "command": {"type": "add_note", "text": "one"}, "save": "n"});
    fails_at_step_1(batch(json!([saved]), summary.clone()), "saves nothing");
    fails_at_step_1(batch(json!([note]), json!({"summary": {}, "error": "validation"})), "must fail");
    fails_at_step_1(batch(json!([note]), json!({"summary": {"rows": 1}})), "unknown key \"rows\" in expect.summary");
    fails_at_step_1(batch(json!([note]), json!({"summary": {}, "field": "text"})), "expect.field needs expect.error");
    fails_at_step_1(batch(json!([note]), json!({"summary": 3})), "expect.summary must be an object");
    fails_at_step_1(batch(json!([note]), json!({"summary": {"cases": 2}})), "expected summary.cases 2, got 1");
    fails_at_step_1(batch(json!([note]), json!({"summary": {"events": 1, "commands": 2}})), "summary.commands");
}
