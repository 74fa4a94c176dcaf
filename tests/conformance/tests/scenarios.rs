//! Replays every scenario in `tests/scenarios` on the in-memory store and compares its
//! final snapshot with `tests/scenarios/expected/<name>.json`.
//!
//! `CASEKIT_BLESS=1 cargo test --release -p casekit-conformance` (re)writes the expected
//! files instead. Read what it wrote before committing it: a snapshot only pins what
//! the code did, not what it should do.

use casekit::MemoryStore;
use casekit_conformance::{expected_path, json_diff, load_scenarios, run, scenarios_dir};
use serde_json::Value;
use std::collections::BTreeSet;

fn blessing() -> bool {
    std::env::var("CASEKIT_BLESS").is_ok_and(|v| v == "1")
}

#[test]
fn every_scenario_replays_to_its_expected_snapshot() {
    let dir = scenarios_dir();
    let scenarios = load_scenarios(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(scenarios.len() >= 14, "only {} scenarios in {}", scenarios.len(), dir.display());
    let mut failures = Vec::new();
    for scenario in &scenarios {
        let snapshot = match run(scenario, MemoryStore::new()) {
            Ok(s) => s,
            Err(e) => {
                failures.push(e.to_string());
                continue;
            }
        };
        let path = expected_path(&dir, &scenario.name);
        if blessing() {
            let text = serde_json::to_string_pretty(&snapshot).expect("a snapshot serializes") + "\n";
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            continue;
        }
        let expected: Value = match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("{}: not JSON: {e}", path.display()));
                    continue;
                }
            },
            Err(e) => {
                failures
                    .push(format!("{}: {e} (run with CASEKIT_BLESS=1 to write it, then review it)", path.display()));
                continue;
            }
        };
        if let Some(diff) = json_diff(&expected, &snapshot) {
            failures.push(format!(
                "scenario {}: final snapshot differs from {}: {diff}",
                scenario.name,
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn replays_are_deterministic() {
    let scenarios = load_scenarios(&scenarios_dir()).unwrap_or_else(|e| panic!("{e}"));
    for scenario in &scenarios {
        let (Ok(first), Ok(second)) = (run(scenario, MemoryStore::new()), run(scenario, MemoryStore::new())) else {
            continue; // reported by the snapshot test
        };
        assert_eq!(json_diff(&first, &second), None, "scenario {} replays differently", scenario.name);
    }
}

#[test]
fn every_expected_file_belongs_to_a_scenario() {
    let dir = scenarios_dir();
    let names: BTreeSet<String> =
        load_scenarios(&dir).unwrap_or_else(|e| panic!("{e}")).into_iter().map(|s| s.name).collect();
    let entries = std::fs::read_dir(dir.join("expected")).expect("tests/scenarios/expected exists");
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        assert!(
            path.extension().is_some_and(|x| x == "json") && names.contains(&stem),
            "{} has no scenario",
            path.display()
        );
    }
}
