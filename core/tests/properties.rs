//! Property tests over random command sequences: whatever callers do, the case's
//! invariants hold.

mod common;

use casekit::command::*;
use casekit::model::*;
use casekit::{replay, Actor, CaseId, Command, CommandKind, ErrorCode, Phase, Role, SequentialIds};
use common::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    CompleteIntake(bool),
    RecordAssessment,
    CompleteAssessment,
    AddGoal,
    ActivatePlan,
    StartReassessment,
    Close(u8),
    Reopen,
    AddNote(bool, bool),
    AddTask(bool),
    CompleteTask(u8),
    CancelTask(u8),
    SetPriority(u8),
    AddTag(u8),
    RemoveTag(u8),
    PlaceOnHold,
    Resume,
    EvaluateGoals(u8, u8),
    AddService,
    SetServiceStatus(u8, u8),
    RecordServiceDelivery(u8),
    RecordOutcome(u8),
    Assign(u8),
    Unassign(u8),
    UpdateClient(bool),
    Transfer,
    Advance(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(Op::CompleteIntake),
        Just(Op::RecordAssessment),
        Just(Op::CompleteAssessment),
        Just(Op::AddGoal),
        Just(Op::ActivatePlan),
        Just(Op::StartReassessment),
        any::<u8>().prop_map(Op::Close),
        Just(Op::Reopen),
        (any::<bool>(), any::<bool>()).prop_map(|(c, e)| Op::AddNote(c, e)),
        any::<bool>().prop_map(Op::AddTask),
        any::<u8>().prop_map(Op::CompleteTask),
        any::<u8>().prop_map(Op::CancelTask),
        any::<u8>().prop_map(Op::SetPriority),
        any::<u8>().prop_map(Op::AddTag),
        any::<u8>().prop_map(Op::RemoveTag),
        Just(Op::PlaceOnHold),
        Just(Op::Resume),
        (any::<u8>(), any::<u8>()).prop_map(|(g, s)| Op::EvaluateGoals(g, s)),
        Just(Op::AddService),
        (any::<u8>(), any::<u8>()).prop_map(|(g, s)| Op::SetServiceStatus(g, s)),
        any::<u8>().prop_map(Op::RecordServiceDelivery),
        any::<u8>().prop_map(Op::RecordOutcome),
        any::<u8>().prop_map(Op::Assign),
        any::<u8>().prop_map(Op::Unassign),
        any::<bool>().prop_map(Op::UpdateClient),
        Just(Op::Transfer),
        (1u16..5000).prop_map(Op::Advance),
    ]
}

fn pick<T: Copy>(items: &[T], i: u8, missing: T) -> T {
    if items.is_empty() || i == u8::MAX {
        missing
    } else {
        items[usize::from(i) % items.len()]
    }
}

const REASONS: [ClosureReason; 5] = [
    ClosureReason::GoalsAchieved,
    ClosureReason::Ineligible,
    ClosureReason::ReferredOut,
    ClosureReason::ClientWithdrew,
    ClosureReason::Other,
];
const PRIORITIES: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];
const STATUSES: [GoalStatus; 5] = [
    GoalStatus::NotStarted,
    GoalStatus::InProgress,
    GoalStatus::Achieved,
    GoalStatus::NotAchieved,
    GoalStatus::Cancelled,
];
const SERVICE_STATUSES: [ServiceStatus; 4] =
    [ServiceStatus::Planned, ServiceStatus::Active, ServiceStatus::Completed, ServiceStatus::Discontinued];
const TAGS: [&str; 3] = ["veteran", "youth", "urgent-rent"];
const WORKERS: [&str; 3] = ["ann", "bo", "cy"];

/// Turns an abstract op into a concrete command against the current state (ids are
/// picked among existing records, or a missing one).
fn command(op: &Op, s: &casekit::CaseState) -> Option<Command> {
    let missing = SequentialIds::nth(0xFFFF);
    let goals: Vec<_> = s.goals.iter().map(|g| g.id).collect();
    let tasks: Vec<_> = s.tasks.iter().map(|t| t.id).collect();
    let services: Vec<_> = s.services.iter().map(|x| x.id).collect();
    Some(match op {
        Op::CompleteIntake(eligible) => CompleteIntake { eligible: *eligible, immediate_needs: vec![] }.into(),
        Op::RecordAssessment => assessment().into(),
        Op::CompleteAssessment => CompleteAssessment::default().into(),
        Op::AddGoal => goal("Keep the apartment").into(),
        Op::ActivatePlan => ActivatePlan {}.into(),
        Op::StartReassessment => StartReassessment { reason: "Circumstances changed".into() }.into(),
        Op::Close(r) => Close { reason: REASONS[usize::from(*r) % REASONS.len()], summary: "Closing".into() }.into(),
        Op::Reopen => Reopen { reason: "Client came back".into() }.into(),
        Op::AddNote(confidential, empty) => AddNote {
            text: if *empty { String::new() } else { "Met the client at home".into() },
            kind: NoteKind::Contact,
            confidential: *confidential,
        }
        .into(),
        Op::AddTask(due) => AddTask {
            title: "Call the landlord".into(),
            due: due.then(|| s.updated_at + chrono::Duration::days(3)),
            assignee: None,
            ..Default::default()
        }
        .into(),
        Op::CompleteTask(i) => CompleteTask { task_id: pick(&tasks, *i, casekit::TaskId(missing)) }.into(),
        Op::CancelTask(i) => {
            CancelTask { task_id: pick(&tasks, *i, casekit::TaskId(missing)), reason: "Not needed".into() }.into()
        }
        Op::SetPriority(p) => SetPriority { priority: PRIORITIES[usize::from(*p) % 4] }.into(),
        Op::AddTag(t) => AddTag { tag: TAGS[usize::from(*t) % 3].into() }.into(),
        Op::RemoveTag(t) => RemoveTag { tag: TAGS[usize::from(*t) % 3].into() }.into(),
        Op::PlaceOnHold => PlaceOnHold { reason: "Hospital stay".into(), until: None }.into(),
        Op::Resume => Resume {}.into(),
        Op::EvaluateGoals(g, st) => EvaluateGoals {
            evaluations: vec![GoalEvaluation {
                goal_id: pick(&goals, *g, casekit::GoalId(missing)),
                status: STATUSES[usize::from(*st) % STATUSES.len()],
            }],
        }
        .into(),
        Op::AddService => {
            AddService { name: "Rental assistance".into(), provider: "City".into(), ..Default::default() }.into()
        }
        Op::SetServiceStatus(i, st) => SetServiceStatus {
            service_id: pick(&services, *i, casekit::ServiceId(missing)),
            status: SERVICE_STATUSES[usize::from(*st) % 4],
            reason: Some("Plan changed".into()),
        }
        .into(),
        Op::RecordServiceDelivery(i) => RecordServiceDelivery {
            service_id: pick(&services, *i, casekit::ServiceId(missing)),
            delivered_on: date("2026-02-01"),
            units: Some(1.0),
            note: None,
        }
        .into(),
        Op::RecordOutcome(i) => RecordOutcome {
            goal_id: pick(&goals, *i, casekit::GoalId(missing)),
            value: 1.0,
            measured_on: date("2026-02-01"),
            note: None,
        }
        .into(),
        Op::Assign(w) => {
            AssignWorker { worker: WORKERS[usize::from(*w) % 3].into(), role: AssignmentRole::Secondary }.into()
        }
        Op::Unassign(w) => UnassignWorker { worker: WORKERS[usize::from(*w) % 3].into() }.into(),
        Op::UpdateClient(valid) => UpdateClient {
            changes: ClientUpdate {
                phone: Some(if *valid { "+1-555-0100".into() } else { String::new() }),
                ..Default::default()
            },
        }
        .into(),
        Op::Transfer => {
            Transfer { to_worker: Some("bo".into()), reason: "Caseload balancing".into(), ..Default::default() }.into()
        }
        Op::Advance(_) => return None,
    })
}

fn run(start: u8, ops: &[(Op, u8)]) -> Result<(), TestCaseError> {
    let (book, clock) = book();
    let sup = supervisor();
    let actors = [
        sup.clone(),
        Actor::new("ann", [Role::CaseManager], ["housing"]),
        Actor::new("aud", [Role::Auditor], ["housing"]),
        Actor::new("iris", [Role::IntakeWorker], ["housing"]),
    ];
    let case: CaseId = book.open_case(&sup, open_case("Ada")).map_err(|e| TestCaseError::fail(e.to_string()))?.case_id;
    // Start from a random phase, so every phase sees random traffic.
    let walk: Vec<Command> = vec![
        CompleteIntake { eligible: true, immediate_needs: vec![] }.into(),
        assessment().into(),
        CompleteAssessment::default().into(),
        goal("Keep the apartment").into(),
        ActivatePlan {}.into(),
        Close { reason: ClosureReason::GoalsAchieved, summary: "Done".into() }.into(),
    ];
    let steps = [0, 1, 3, 5, 6][usize::from(start) % 5];
    for cmd in walk.into_iter().take(steps) {
        book.execute(&sup, case, cmd, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    for (op, who) in ops {
        if let Op::Advance(minutes) = op {
            clock.advance(chrono::Duration::minutes(i64::from(*minutes)));
            continue;
        }
        let before = book.get(&sup, case).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let log_before = book.read_log(0, usize::MAX).map_err(|e| TestCaseError::fail(e.to_string()))?.len();
        let Some(cmd) = command(op, &before) else { continue };
        // Mostly the supervisor, sometimes someone with fewer rights.
        let actor = if *who < 200 { &sup } else { &actors[usize::from(*who) % actors.len()] };
        let kind = cmd.kind();
        let result = book.execute(actor, case, cmd, Some(before.version));
        let after = book.get(&sup, case).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let log_after = book.read_log(0, usize::MAX).map_err(|e| TestCaseError::fail(e.to_string()))?.len();
        match result {
            Ok(done) => {
                prop_assert!(!done.events.is_empty());
                prop_assert_eq!(after.version, before.version + done.events.len() as u64);
                for (i, e) in done.events.iter().enumerate() {
                    prop_assert_eq!(e.sequence, before.version + i as u64 + 1, "contiguous sequences");
                }
                prop_assert_eq!(log_after, log_before + done.events.len());
                prop_assert!(
                    before.phase != Phase::Closed || kind == CommandKind::Reopen,
                    "a closed case accepts only reopen"
                );
            }
            Err(e) => {
                prop_assert_eq!(&after, &before, "a rejected command changes nothing ({})", e);
                prop_assert_eq!(log_after, log_before, "a rejected command appends nothing");
                prop_assert!(e.code() != ErrorCode::Storage && e.code() != ErrorCode::Integrity, "{}", e);
            }
        }
    }
    // Replaying the events gives the state exactly.
    let history = book.history(&sup, case).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let replayed = replay(&history).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let state = book.get(&sup, case).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(replayed.as_ref(), Some(&state));
    for (i, e) in history.iter().enumerate() {
        prop_assert_eq!(e.sequence, i as u64 + 1);
    }
    let report = book.verify(&sup, case).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(report.valid, "{:?}", report);
    prop_assert_eq!(report.events_checked, state.version);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_the_invariants(
        start in any::<u8>(),
        ops in prop::collection::vec((op(), any::<u8>()), 1..40),
    ) {
        run(start, &ops)?;
    }
}
