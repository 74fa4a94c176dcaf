//! Given/when/then tests of the aggregate: given these events, when this command, then
//! these events or this error.

mod common;

use casekit::command::*;
use casekit::envelope::{fold, seal};
use casekit::model::*;
use casekit::{decide, Actor, CaseState, Command, Context, ErrorCode, Event, ProgramCatalog, Role, SequentialIds};
use common::*;

/// A case built from commands (the "given"), then one command under test.
struct Given {
    state: Option<CaseState>,
    ids: SequentialIds,
    programs: ProgramCatalog,
    actor: Actor,
}

impl Given {
    fn new() -> Self {
        Given { state: None, ids: SequentialIds::new(), programs: ProgramCatalog::new(), actor: supervisor() }
    }

    fn ctx(&self) -> Context<'_> {
        Context { actor: &self.actor, now: t0(), ids: &self.ids, programs: &self.programs }
    }

    fn had(mut self, command: impl Into<Command>) -> Self {
        let command = command.into();
        let ctx = self.ctx();
        let events = decide(self.state.as_ref(), &command, &ctx).expect("given command must be accepted");
        let sealed = seal(self.state.as_ref(), events, &ctx).expect("seal");
        self.state = fold(self.state.take(), &sealed.recorded);
        self
    }

    fn by(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }

    fn when(&self, command: impl Into<Command>) -> Result<Vec<Event>, casekit::Error> {
        decide(self.state.as_ref(), &command.into(), &self.ctx())
    }

    fn intake() -> Self {
        Given::new().had(open_case("Ada"))
    }

    fn assessment() -> Self {
        Given::intake().had(CompleteIntake { eligible: true, immediate_needs: vec![] })
    }

    fn planning() -> Self {
        Given::assessment().had(assessment()).had(CompleteAssessment::default())
    }

    fn active() -> Self {
        Given::planning().had(goal("Keep the apartment")).had(ActivatePlan {})
    }

    fn closed() -> Self {
        Given::intake().had(Close { reason: ClosureReason::ClientWithdrew, summary: "Withdrew".into() })
    }
}

fn types(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::type_name).collect()
}

fn code(r: Result<Vec<Event>, casekit::Error>) -> ErrorCode {
    r.expect_err("command must be refused").code()
}

fn field(r: Result<Vec<Event>, casekit::Error>) -> String {
    let e = r.expect_err("command must be refused");
    assert_eq!(e.code(), ErrorCode::Validation, "{e}");
    e.field().unwrap_or_default().to_owned()
}

#[test]
fn open_case_produces_case_opened_with_sorted_unique_tags() {
    let mut c = open_case("Ada");
    c.tags = vec!["veteran".into(), "family".into(), "veteran".into()];
    let events = Given::new().when(c).expect("open");
    match &events[..] {
        [Event::CaseOpened { tags, program, priority, .. }] => {
            assert_eq!(tags, &vec!["family".to_owned(), "veteran".to_owned()]);
            assert_eq!(program.as_str(), "housing");
            assert_eq!(*priority, Priority::Normal);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn open_case_validates_client_and_tags() {
    assert_eq!(field(Given::new().when(open_case("  "))), "client.name");
    let mut c = open_case("Ada");
    c.tags = vec!["ok".into(), "two words".into()];
    assert_eq!(field(Given::new().when(c)), "tags[1]");
    let mut c = open_case("Ada");
    c.client.date_of_birth = Some(date("2099-01-01"));
    assert_eq!(field(Given::new().when(c)), "client.date_of_birth");
    let mut c = open_case("Ada");
    c.client.monthly_income = Some(f64::NAN);
    assert_eq!(field(Given::new().when(c)), "client.monthly_income");
    let mut c = open_case("Ada");
    c.client.household_size = Some(0);
    assert_eq!(field(Given::new().when(c)), "client.household_size");
}

#[test]
fn intake_completes_only_for_eligible_clients() {
    let ok = Given::intake()
        .when(CompleteIntake {
            eligible: true,
            immediate_needs: vec![ImmediateNeedInput { category: "food".into(), description: String::new() }],
        })
        .expect("eligible");
    assert_eq!(types(&ok), ["intake_completed"]);
    assert_eq!(field(Given::intake().when(CompleteIntake { eligible: false, immediate_needs: vec![] })), "eligible");
    let bad_need = CompleteIntake {
        eligible: true,
        immediate_needs: vec![ImmediateNeedInput { category: String::new(), description: String::new() }],
    };
    assert_eq!(field(Given::intake().when(bad_need)), "immediate_needs[0].category");
}

#[test]
fn assessment_must_be_recorded_before_it_completes() {
    assert_eq!(code(Given::assessment().when(CompleteAssessment::default())), ErrorCode::InvalidTransition);
    let events = Given::assessment().had(assessment()).when(CompleteAssessment::default()).expect("complete");
    assert_eq!(types(&events), ["assessment_completed"]);
}

#[test]
fn required_instruments_gate_planning() {
    let mut g = Given::assessment();
    g.programs.insert(casekit::Program {
        required_instruments: vec!["phq-9".into(), "gad-7".into()],
        ..casekit::Program::new("housing", "Housing")
    });
    let g = g.had(assessment());
    let err = g.when(CompleteAssessment::default()).expect_err("gad-7 missing");
    assert_eq!(err.code(), ErrorCode::InvalidTransition);
    assert!(err.to_string().contains("gad-7"), "{err}");
    let mut gad = assessment();
    gad.instrument.id = "gad-7".into();
    assert!(g.had(gad).when(CompleteAssessment::default()).is_ok());
}

#[test]
fn plan_needs_a_goal() {
    assert_eq!(code(Given::planning().when(ActivatePlan {})), ErrorCode::InvalidTransition);
    let events = Given::planning().had(goal("Pay rent")).when(ActivatePlan {}).expect("activate");
    assert_eq!(types(&events), ["plan_activated"]);
}

#[test]
fn closure_reasons_follow_the_phase() {
    let achieved = Close { reason: ClosureReason::GoalsAchieved, summary: "Done".into() };
    assert_eq!(code(Given::planning().when(achieved.clone())), ErrorCode::InvalidTransition);
    assert!(Given::active().when(achieved).is_ok());
    let ineligible = Close { reason: ClosureReason::Ineligible, summary: "Over income".into() };
    assert!(Given::intake().when(ineligible.clone()).is_ok());
    assert!(Given::assessment().when(ineligible.clone()).is_ok());
    assert_eq!(code(Given::active().when(ineligible)), ErrorCode::InvalidTransition);
    let no_summary = Close { reason: ClosureReason::ClientWithdrew, summary: " ".into() };
    assert_eq!(field(Given::active().when(no_summary)), "summary");
}

#[test]
fn closing_cancels_open_tasks_first() {
    let g = Given::active()
        .had(AddTask { title: "Call landlord".into(), due: None, assignee: None, ..Default::default() })
        .had(AddTask { title: "File form".into(), due: None, assignee: None, task_id: None });
    let events = g.when(Close { reason: ClosureReason::GoalsAchieved, summary: "Done".into() }).expect("close");
    assert_eq!(types(&events), ["task_cancelled", "task_cancelled", "case_closed"]);
}

#[test]
fn a_closed_case_accepts_only_reopen() {
    let g = Given::closed();
    assert_eq!(code(g.when(AddNote { text: "late note".into(), ..Default::default() })), ErrorCode::InvalidTransition);
    assert_eq!(code(g.when(goal("x"))), ErrorCode::InvalidTransition);
    let events = g.when(Reopen { reason: "Client returned".into() }).expect("reopen");
    match &events[..] {
        [Event::CaseReopened { cycle, .. }] => assert_eq!(*cycle, 2),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn holds_refuse_all_but_the_listed_commands() {
    let g = Given::active().had(PlaceOnHold { reason: "Hospital stay".into(), until: None });
    assert!(g.when(AddNote { text: "Visited at hospital".into(), ..Default::default() }).is_ok());
    assert!(g.when(AssignWorker { worker: "bo".into(), role: AssignmentRole::Secondary }).is_ok());
    assert_eq!(
        code(g.when(AddTask { title: "x".into(), due: None, assignee: None, ..Default::default() })),
        ErrorCode::InvalidTransition
    );
    assert_eq!(code(g.when(SetPriority { priority: Priority::High })), ErrorCode::InvalidTransition);
    assert_eq!(code(g.when(PlaceOnHold { reason: "again".into(), until: None })), ErrorCode::InvalidTransition);
    assert!(g.when(Resume {}).is_ok());
    assert_eq!(code(Given::active().when(Resume {})), ErrorCode::InvalidTransition);
}

#[test]
fn reassessment_starts_a_new_cycle() {
    let g = Given::active().had(StartReassessment { reason: "Lost job".into() });
    let s = g.state.as_ref().expect("state");
    assert_eq!(s.phase, Phase::Assessment);
    assert_eq!(s.assessment_cycle, 2);
    assert_eq!(code(g.when(CompleteAssessment::default())), ErrorCode::InvalidTransition);
    assert!(g.had(assessment()).when(CompleteAssessment::default()).is_ok());
}

#[test]
fn permissions_are_checked_inside_decide() {
    let auditor = Actor::new("aud", [Role::Auditor], ["housing"]);
    let g = Given::active().by(auditor);
    assert_eq!(code(g.when(AddNote { text: "x".into(), ..Default::default() })), ErrorCode::PermissionDenied);
    let intake = Actor::new("iris", [Role::IntakeWorker], ["housing"]);
    assert!(Given::intake()
        .by(intake.clone())
        .when(CompleteIntake { eligible: true, immediate_needs: vec![] })
        .is_ok());
    assert_eq!(
        code(Given::active().by(intake).when(AddNote { text: "x".into(), ..Default::default() })),
        ErrorCode::PermissionDenied
    );
    let cm = Actor::new("ann", [Role::CaseManager], ["housing"]);
    assert_eq!(
        code(Given::active().by(cm.clone()).when(AddNote { text: "x".into(), ..Default::default() })),
        ErrorCode::PermissionDenied
    );
    let assigned = Given::active().had(AssignWorker { worker: "ann".into(), role: AssignmentRole::Primary }).by(cm);
    assert!(assigned.when(AddNote { text: "x".into(), ..Default::default() }).is_ok());
    assert_eq!(
        code(assigned.when(AssignWorker { worker: "bo".into(), role: AssignmentRole::Secondary })),
        ErrorCode::PermissionDenied
    );
    let other = Actor::new("olga", [Role::Supervisor], ["legal"]);
    assert_eq!(code(Given::intake().by(other.clone()).when(open_case("Bob"))), ErrorCode::PermissionDenied);
    assert_eq!(
        code(Given::active().by(other).when(AddNote { text: "x".into(), ..Default::default() })),
        ErrorCode::PermissionDenied
    );
}

#[test]
fn records_must_exist_and_be_in_the_right_state() {
    let g = Given::active().had(AddTask { title: "Call".into(), due: None, assignee: None, ..Default::default() });
    let task = g.state.as_ref().expect("state").tasks[0].id;
    let missing = casekit::TaskId(SequentialIds::nth(999));
    assert_eq!(code(g.when(CompleteTask { task_id: missing })), ErrorCode::NotFound);
    let done = g.had(CompleteTask { task_id: task });
    assert_eq!(field(done.when(CompleteTask { task_id: task })), "task_id");
    let goal_id = Given::active().state.expect("state").goals[0].id;
    let g = Given::active();
    let twice = EvaluateGoals {
        evaluations: vec![
            GoalEvaluation { goal_id, status: GoalStatus::Achieved },
            GoalEvaluation { goal_id, status: GoalStatus::Achieved },
        ],
    };
    assert_eq!(field(g.when(twice)), "evaluations[1].goal_id");
    let unknown = RecordOutcome {
        goal_id: casekit::GoalId(SequentialIds::nth(999)),
        value: 1.0,
        measured_on: date("2026-02-01"),
        note: None,
    };
    assert_eq!(code(g.when(unknown)), ErrorCode::NotFound);
    let nan = RecordOutcome { goal_id, value: f64::INFINITY, measured_on: date("2026-02-01"), note: None };
    assert_eq!(field(g.when(nan)), "value");
}

#[test]
fn custom_fields_follow_the_program_definition() {
    let mut g = Given::new();
    g.programs.insert(casekit::Program {
        custom_fields: vec![
            casekit::CustomFieldDef { key: "case_number".into(), kind: casekit::CustomFieldKind::Text, required: true },
            casekit::CustomFieldDef {
                key: "household_income".into(),
                kind: casekit::CustomFieldKind::Number,
                required: false,
            },
        ],
        ..casekit::Program::new("housing", "Housing")
    });
    assert_eq!(field(g.when(open_case("Ada"))), "custom_fields.case_number");
    let mut c = open_case("Ada");
    c.custom_fields.insert("case_number".into(), serde_json::json!("H-1"));
    c.custom_fields.insert("household_income".into(), serde_json::json!("lots"));
    assert_eq!(field(g.when(c.clone())), "custom_fields.household_income");
    c.custom_fields.insert("household_income".into(), serde_json::json!(1200.5));
    assert!(g.when(c.clone()).is_ok());
    c.custom_fields.insert("unknown".into(), serde_json::json!(1));
    assert_eq!(field(g.when(c)), "custom_fields.unknown");
}

#[test]
fn resume_reports_time_on_hold_and_shifts_task_deadlines() {
    let (book, clock) = book();
    let sup = supervisor();
    let c = book.open_case(&sup, open_case("Ada")).expect("open").case_id;
    let due = t0() + chrono::Duration::days(2);
    book.execute(&sup, c, AddTask { title: "Call".into(), due: Some(due), assignee: None, ..Default::default() }, None)
        .expect("task");
    book.execute(&sup, c, PlaceOnHold { reason: "Hospital".into(), until: None }, None).expect("hold");
    assert_eq!(book.get(&sup, c).expect("get").next_due(), None, "deadlines pause on hold");
    clock.advance(chrono::Duration::days(5));
    let resumed = book.execute(&sup, c, Resume {}, None).expect("resume");
    assert!(matches!(resumed.events[0].event, Event::Resumed { paused_seconds: 432_000 }));
    let state = book.get(&sup, c).expect("get");
    assert_eq!(state.tasks[0].due, Some(due + chrono::Duration::days(5)));
}

#[test]
fn caller_chosen_ids_must_be_new() {
    let g = Given::planning();
    let id = casekit::GoalId(SequentialIds::nth(4242));
    let g = g.had(AddGoal { goal_id: Some(id), ..goal("Keep the apartment") });
    assert_eq!(g.state.as_ref().expect("state").goals[0].id, id);
    assert_eq!(field(g.when(AddGoal { goal_id: Some(id), ..goal("Again") })), "goal_id");
    let t = casekit::TaskId(SequentialIds::nth(4343));
    let g = g.had(AddTask { task_id: Some(t), title: "Call".into(), due: None, assignee: None });
    assert_eq!(field(g.when(AddTask { task_id: Some(t), title: "Call".into(), due: None, assignee: None })), "task_id");
}

#[test]
fn commands_parse_from_json_naming_the_offending_field() {
    use serde_json::json;
    let ok = Command::from_json(json!({"type": "add_note", "text": "Called", "confidential": true})).expect("parse");
    assert_eq!(ok.kind(), casekit::CommandKind::AddNote);
    let cases = [
        (json!([1, 2]), "command"),
        (json!({"text": "no type"}), "type"),
        (json!({"type": 7}), "type"),
        (json!({"type": "fly_to_moon"}), "type"),
        (json!({"type": "add_note"}), "text"),
        (json!({"type": "add_note", "text": 5}), "text"),
        (json!({"type": "add_note", "text": "x", "colour": "red"}), "colour"),
        (json!({"type": "open_case", "program": "housing", "client": {"nmae": "Ada"}}), "client.nmae"),
        (json!({"type": "open_case", "program": "housing", "client": {"name": 3}}), "client.name"),
        (
            json!({"type": "evaluate_goals", "evaluations": [{"goal_id": "00000000-0000-7000-8000-000000000001", "status": "great"}]}),
            "evaluations[0].status",
        ),
        (json!({"type": "complete_task", "task_id": "not-a-uuid"}), "task_id"),
    ];
    for (value, expected) in cases {
        let err = Command::from_json(value.clone()).expect_err("bad command");
        assert_eq!(err.code(), ErrorCode::Validation, "{value}");
        assert_eq!(err.field(), Some(expected), "{value}: {err}");
    }
}

#[test]
fn commands_deserialize_alike_wherever_their_type_is() {
    // `type` first takes the direct path; anywhere else, the buffered one.
    let fields = [
        r#""program": "housing""#,
        r#""client": {"name": "Ada", "household_size": 3}"#,
        r#""priority": "high""#,
        r#""tags": ["urgent"]"#,
    ];
    let tag = r#""type": "open_case""#;
    let mut parsed = Vec::new();
    for at in 0..=fields.len() {
        let mut parts: Vec<&str> = fields.to_vec();
        parts.insert(at, tag);
        let text = format!("{{{}}}", parts.join(", "));
        parsed.push(serde_json::from_str::<Command>(&text).unwrap_or_else(|e| panic!("{text}: {e}")));
    }
    assert!(parsed.windows(2).all(|w| w[0] == w[1]), "{parsed:?}");
    assert_eq!(parsed[0].kind(), casekit::CommandKind::OpenCase);
    // And back: what `Serialize` writes reads back the same.
    let text = serde_json::to_string(&parsed[0]).expect("json");
    assert!(text.starts_with(r#"{"type":"open_case""#), "{text}");
    assert_eq!(serde_json::from_str::<Command>(&text).expect("read back"), parsed[0]);
    // Refusals on both paths: unknown fields and kinds, a missing or non-string type.
    for bad in [
        r#"{"type": "add_note", "text": "x", "colour": "red"}"#,
        r#"{"text": "x", "colour": "red", "type": "add_note"}"#,
        r#"{"type": "fly_to_moon"}"#,
        r#"{"text": "x", "type": "fly_to_moon"}"#,
        r#"{"text": "x"}"#,
        r#"{"text": "x", "type": 7}"#,
        r#"{"type": 7}"#,
        r#"{}"#,
        r#"{"type": "add_note"}"#,
        r#"{"text": 5, "type": "add_note"}"#,
        r#"[1, 2]"#,
    ] {
        assert!(serde_json::from_str::<Command>(bad).is_err(), "{bad} was accepted");
    }
}

#[test]
fn parse_errors_never_echo_what_the_caller_sent() {
    use serde_json::json;
    for value in [
        json!({"type": "open_case", "program": "housing", "client": {"name": "Ada", "household_size": "Ada Lovelace, 12 Secret Lane"}}),
        json!({"type": "set_priority", "priority": "Ada Lovelace"}),
        json!({"type": "add_note", "text": "x", "kind": "Ada Lovelace"}),
    ] {
        let err = Command::from_json(value).expect_err("bad input");
        let text = err.to_string();
        assert!(!text.contains("Ada Lovelace"), "{text}");
        assert!(text.contains("expected"), "{text}");
    }
}
