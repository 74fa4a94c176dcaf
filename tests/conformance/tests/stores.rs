//! The same scenarios on the real stores: SQLite (a file) and PostgreSQL (a schema of
//! its own in the test cluster: `DATABASE_URL`, or a throwaway cluster). Every store
//! must give the snapshot the in-memory reference gives, to the byte.

use casekit_conformance::{expected_path, json_diff, load_scenarios, run, scenarios_dir};
use serde_json::Value;

fn replay_all<S: casekit::Store>(label: &str, mut store: impl FnMut(&str) -> S) {
    let dir = scenarios_dir();
    let scenarios = load_scenarios(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    for scenario in &scenarios {
        let snapshot = match run(scenario, store(&scenario.name)) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{label}: {e}"));
                continue;
            }
        };
        let text = std::fs::read_to_string(expected_path(&dir, &scenario.name)).expect("expected snapshot");
        let expected: Value = serde_json::from_str(&text).expect("expected snapshot is JSON");
        if let Some(diff) = json_diff(&expected, &snapshot) {
            failures.push(format!("{label}: scenario {}: {diff}", scenario.name));
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_scenario_gives_the_same_snapshot_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("casekit-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    replay_all("sqlite", |name| casekit_sqlite::SqliteStore::open(dir.join(format!("{name}.db"))).expect("open"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_scenario_gives_the_same_snapshot_on_postgres() {
    replay_all("postgres", |_| casekit_postgres::testing::scratch_store());
}
