//! Shared fixtures for the core's integration tests.
#![allow(dead_code)]

use casekit::command::*;
use casekit::model::*;
use casekit::{Actor, Casebook, ManualClock, MemoryStore, Role, SequentialIds, Timestamp};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

pub fn t0() -> Timestamp {
    DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z").expect("time").with_timezone(&Utc)
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub fn book() -> (Casebook<MemoryStore>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0()));
    (Casebook::with_clock(MemoryStore::new(), clock.clone(), Arc::new(SequentialIds::new())), clock)
}

pub fn supervisor() -> Actor {
    Actor::new("sam", [Role::Supervisor], ["housing"])
}

pub fn open_case(name: &str) -> OpenCase {
    OpenCase {
        program: "housing".into(),
        client: ClientDetails { name: name.into(), ..Default::default() },
        ..Default::default()
    }
}

pub fn assessment() -> RecordAssessment {
    RecordAssessment {
        instrument: InstrumentRef { id: "phq-9".into(), version: "1".into() },
        responses: (1..=9).map(|i| (format!("q{i}"), serde_json::json!(i % 4))).collect(),
        scores: [("total".to_owned(), 12.0)].into_iter().collect(),
        bands: [("total".to_owned(), "moderate".to_owned())].into_iter().collect(),
        risk_flags: vec![],
        identified_needs: vec![IdentifiedNeedInput {
            domain: "housing".into(),
            description: "Rent arrears".into(),
            severity: None,
        }],
    }
}

pub fn goal(description: &str) -> AddGoal {
    AddGoal {
        description: description.into(),
        domain: "housing".into(),
        measure: Some(Measure {
            name: "months of rent paid".into(),
            unit: Some("months".into()),
            baseline: Some(0.0),
            target: 3.0,
            direction: Direction::Increase,
        }),
        due: Some(date("2026-06-30")),
        ..Default::default()
    }
}
