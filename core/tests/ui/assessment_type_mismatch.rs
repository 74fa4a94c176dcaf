// `complete_intake` yields a case in assessment, not in planning.
use casekit::command::CompleteIntake;
use casekit::typestate::{Case, Intake, Planning, Transition};
use casekit::Context;

fn intake(case: &Case<Intake>, ctx: &Context<'_>) {
    let _: Result<Transition<Planning>, casekit::Error> = case.complete_intake(ctx, CompleteIntake::default());
}

fn main() {}
