//! Freezes the stored JSON of every event type. A change to the stored format fails
//! here until the snapshot is re-blessed (`CASEKIT_BLESS=1`), so it is always a
//! deliberate change, made together with an upcaster (`casekit::event::upcast`).

mod common;

use casekit::command::GoalEvaluation;
use casekit::event::{IdentifiedNeedRecord, ImmediateNeedRecord, StoredEvent, SCHEMA_VERSION};
use casekit::ids::*;
use casekit::model::*;
use casekit::{Event, SequentialIds};
use common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

fn id(n: u64) -> uuid::Uuid {
    SequentialIds::nth(n)
}

fn samples() -> Vec<Event> {
    let client = ClientDetails {
        name: "Ada Lovelace".into(),
        date_of_birth: Some(date("1985-12-10")),
        gender: Some("female".into()),
        address: Some("12 Main Street, Springfield".into()),
        phone: Some("+1-555-0100".into()),
        email: Some("ada@example.org".into()),
        language: Some("en".into()),
        household_size: Some(3),
        monthly_income: Some(1850.5),
        external_ref: Some("MRN-0042".into()),
        consents: vec![Consent { scope: "data_sharing".into(), granted: true, date: Some(date("2026-01-05")) }],
    };
    vec![
        Event::CaseOpened {
            case_id: CaseId(id(1)),
            program: "housing".into(),
            client_id: ClientId(id(2)),
            client,
            priority: Priority::High,
            tags: vec!["veteran".into()],
            assigned_to: Some("ann".into()),
            custom_fields: [("case_number".to_owned(), json!("H-1"))].into_iter().collect(),
        },
        Event::ClientUpdated { changes: ClientUpdate { phone: Some("+1-555-0199".into()), ..Default::default() } },
        Event::IntakeCompleted {
            immediate_needs: vec![ImmediateNeedRecord {
                id: ImmediateNeedId(id(3)),
                category: "food".into(),
                description: "No groceries this week".into(),
            }],
        },
        Event::AssessmentRecorded {
            assessment_id: AssessmentId(id(4)),
            instrument: InstrumentRef { id: "phq-9".into(), version: "1".into() },
            responses: [("q1".to_owned(), json!(2)), ("q2".to_owned(), json!(1))].into_iter().collect(),
            scores: [("total".to_owned(), 12.0)].into_iter().collect(),
            bands: [("total".to_owned(), "moderate".to_owned())].into_iter().collect(),
            risk_flags: vec!["self_harm".into()],
            cycle: 1,
            identified_needs: vec![IdentifiedNeedRecord {
                id: NeedId(id(5)),
                domain: "mental_health".into(),
                description: "Depressive symptoms".into(),
                severity: Some("moderate".into()),
            }],
        },
        Event::AssessmentCompleted { cycle: 1, summary: Some("Moderate depression, rent arrears".into()) },
        Event::PlanActivated {},
        Event::ReassessmentStarted { reason: "Lost job".into(), cycle: 2 },
        Event::CaseClosed {
            reason: ClosureReason::GoalsAchieved,
            summary: "Housing stable".into(),
            goal_outcomes: vec![GoalOutcome { goal_id: GoalId(id(6)), status: GoalStatus::Achieved }],
        },
        Event::CaseReopened { reason: "Eviction notice".into(), cycle: 3 },
        Event::WorkerAssigned { worker: "bo".into(), role: AssignmentRole::Secondary },
        Event::WorkerUnassigned { worker: "bo".into() },
        Event::NoteAdded {
            note_id: NoteId(id(7)),
            kind: NoteKind::Contact,
            text: "Home visit".into(),
            confidential: true,
        },
        Event::DocumentAttached {
            document_id: DocumentId(id(8)),
            name: "lease.pdf".into(),
            media_type: "application/pdf".into(),
            sha256: "ab".repeat(32),
            size_bytes: 1024,
            category: Some("housing".into()),
        },
        Event::ReferralMade {
            referral_id: ReferralId(id(9)),
            organization: "Food Bank".into(),
            service: Some("Emergency groceries".into()),
            reason: "No food".into(),
        },
        Event::ReferralUpdated { referral_id: ReferralId(id(9)), status: ReferralStatus::Accepted },
        Event::CaseTransferred {
            referral_id: ReferralId(id(10)),
            from_program: "housing".into(),
            to_program: Some("legal".into()),
            to_worker: Some("lee".into()),
            reason: "Eviction defence".into(),
        },
        Event::TaskAdded {
            task_id: TaskId(id(11)),
            title: "Call landlord".into(),
            due: Some(t0()),
            assignee: Some("ann".into()),
        },
        Event::TaskCompleted { task_id: TaskId(id(11)) },
        Event::TaskCancelled { task_id: TaskId(id(11)), reason: "case closed".into() },
        Event::TaskReassigned { task_id: TaskId(id(11)), assignee: "bo".into() },
        Event::TaskDueChanged { task_id: TaskId(id(11)), due: None },
        Event::PriorityChanged { priority: Priority::Urgent },
        Event::TagAdded { tag: "youth".into() },
        Event::TagRemoved { tag: "youth".into() },
        Event::PlacedOnHold { reason: "Hospital stay".into(), until: Some(t0()) },
        Event::Resumed { paused_seconds: 3600 },
        Event::CustomFieldsSet { values: [("case_number".to_owned(), Value::Null)].into_iter().collect() },
        Event::GoalAdded {
            goal_id: GoalId(id(6)),
            description: "Pay rent on time for three months".into(),
            domain: "housing".into(),
            need_id: Some(NeedId(id(5))),
            measure: Some(Measure {
                name: "months paid".into(),
                unit: Some("months".into()),
                baseline: Some(0.0),
                target: 3.0,
                direction: Direction::Increase,
            }),
            due: Some(date("2026-06-30")),
        },
        Event::GoalsEvaluated {
            evaluations: vec![GoalEvaluation { goal_id: GoalId(id(6)), status: GoalStatus::PartiallyAchieved }],
        },
        Event::ServiceAdded {
            service_id: ServiceId(id(12)),
            name: "Rental assistance".into(),
            provider: "City Housing Office".into(),
            goal_id: Some(GoalId(id(6))),
            start: Some(date("2026-02-01")),
            end: Some(date("2026-05-31")),
            frequency: Some("monthly".into()),
        },
        Event::ServiceStatusChanged {
            service_id: ServiceId(id(12)),
            status: ServiceStatus::Discontinued,
            reason: Some("Funding ended".into()),
        },
        Event::ServiceDelivered {
            delivery_id: DeliveryId(id(13)),
            service_id: ServiceId(id(12)),
            delivered_on: date("2026-02-01"),
            units: Some(650.0),
            note: Some("February rent".into()),
        },
        Event::OutcomeRecorded {
            measurement_id: MeasurementId(id(14)),
            goal_id: GoalId(id(6)),
            value: 1.0,
            measured_on: date("2026-02-28"),
            note: None,
        },
    ]
}

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/events.json");

#[test]
fn every_event_type_has_a_sample() {
    let names: BTreeSet<&str> = samples().iter().map(Event::type_name).collect();
    let all: BTreeSet<&str> = Event::TYPES.iter().copied().collect();
    assert_eq!(names, all);
}

#[test]
fn event_json_matches_the_frozen_snapshot() {
    let mut current = BTreeMap::new();
    for e in samples() {
        let v = serde_json::to_value(&e).expect("serialize");
        assert_eq!(v["type"], json!(e.type_name()), "tagged with its type");
        let back: Event = serde_json::from_value(v.clone()).expect("round trip");
        assert_eq!(back, e);
        current.insert(e.type_name().to_owned(), v);
    }
    let current = json!({ "schema_version": SCHEMA_VERSION, "events": current });
    if std::env::var_os("CASEKIT_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&current).expect("json") + "\n";
        std::fs::write(SNAPSHOT, text).expect("write snapshot");
        return;
    }
    let frozen: Value =
        serde_json::from_str(&std::fs::read_to_string(SNAPSHOT).expect("snapshot exists")).expect("snapshot is JSON");
    assert_eq!(
        current, frozen,
        "the stored event format changed: bump SCHEMA_VERSION, add an upcaster, then re-bless with CASEKIT_BLESS=1"
    );
}

fn stored(event_type: &str, schema_version: u32, payload: &str) -> StoredEvent {
    StoredEvent {
        event_id: EventId(id(90)),
        case_id: CaseId(id(1)),
        sequence: 1,
        position: 1,
        recorded_at: t0(),
        actor: "sam".into(),
        event_type: event_type.to_owned().into(),
        schema_version,
        payload: payload.into(),
        prev_hash: casekit::event::GENESIS_HASH,
        hash: casekit::EventHash::default(),
    }
}

#[test]
fn events_from_a_newer_casekit_are_refused_clearly() {
    let e = stored("tag_added", SCHEMA_VERSION + 1, r#"{"type":"tag_added","tag":"x"}"#);
    let err = e.decode().expect_err("newer schema");
    assert_eq!(err.code(), casekit::ErrorCode::Integrity);
    assert!(err.to_string().contains("newer"), "{err}");
    assert_eq!(err.case_id(), Some(CaseId(id(1))));
}

#[test]
fn garbage_payloads_are_integrity_errors_naming_the_case() {
    for (t, payload) in [
        ("tag_added", "not json"),
        ("tag_added", r#"{"type":"tag_added"}"#),
        ("tag_added", r#"{"type":"tag_removed","tag":"x"}"#),
        ("tag_added", r#"[1,2,3]"#),
    ] {
        let err = stored(t, SCHEMA_VERSION, payload).decode().expect_err("garbage");
        assert_eq!(err.code(), casekit::ErrorCode::Integrity, "{payload}: {err}");
        assert_eq!(err.case_id(), Some(CaseId(id(1))));
    }
}
