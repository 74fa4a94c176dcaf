//! The typestate face agrees with the transition table.

mod common;

use casekit::command::*;
use casekit::lifecycle::{Target, RULES};
use casekit::model::ClosureReason;
use casekit::typestate::{AnyCase, Case, Intake};
use casekit::{Context, Phase, ProgramCatalog, SequentialIds};
use common::*;

#[test]
fn a_case_walks_the_whole_lifecycle_through_typed_transitions() {
    let actor = supervisor();
    let ids = SequentialIds::new();
    let programs = ProgramCatalog::new();
    let ctx = Context { actor: &actor, now: t0(), ids: &ids, programs: &programs };
    let t = Case::<Intake>::open(&ctx, open_case("Ada")).expect("open");
    let t = t.case.complete_intake(&ctx, CompleteIntake { eligible: true, immediate_needs: vec![] }).expect("intake");
    let t = t.case.record_assessment(&ctx, assessment()).expect("assess");
    let t = t.case.complete_assessment(&ctx, CompleteAssessment::default()).expect("planning");
    let t = t.case.add_goal(&ctx, goal("Keep the apartment")).expect("goal");
    let t = t.case.activate_plan(&ctx).expect("active");
    let t = t.case.add_note(&ctx, AddNote { text: "Rent paid".into(), ..Default::default() }).expect("note");
    let closed = t
        .case
        .close(&ctx, Close { reason: ClosureReason::GoalsAchieved, summary: "Housing stable".into() })
        .expect("close");
    assert_eq!(closed.case.state().phase, Phase::Closed);
    let reopened = closed.case.reopen(&ctx, Reopen { reason: "Eviction notice".into() }).expect("reopen");
    assert_eq!(reopened.case.state().phase, Phase::Assessment);
    assert_eq!(reopened.case.state().version, 9);
    match AnyCase::from(reopened.case.into_state()) {
        AnyCase::Assessment(_) => {}
        other => panic!("expected assessment, got {other:?}"),
    }
    // Runtime rules still apply inside a typed transition.
    let t = Case::<Intake>::open(&ctx, open_case("Bob")).expect("open");
    let err =
        t.case.complete_intake(&ctx, CompleteIntake { eligible: false, immediate_needs: vec![] }).expect_err("no");
    assert_eq!(err.field(), Some("eligible"));
}

#[test]
fn typed_targets_match_the_table() {
    // The typestate methods return these phases; the table must say the same.
    let typed = [
        (CommandKind::OpenCase, Phase::Intake),
        (CommandKind::CompleteIntake, Phase::Assessment),
        (CommandKind::CompleteAssessment, Phase::Planning),
        (CommandKind::ActivatePlan, Phase::Active),
        (CommandKind::StartReassessment, Phase::Assessment),
        (CommandKind::Close, Phase::Closed),
        (CommandKind::Reopen, Phase::Assessment),
    ];
    let moving: Vec<_> = RULES
        .iter()
        .filter_map(|r| match r.to {
            Target::To(p) => Some((r.command, p)),
            Target::Stay => None,
        })
        .collect();
    assert_eq!(moving, typed);
}
