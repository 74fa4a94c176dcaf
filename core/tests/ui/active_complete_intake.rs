// Intake cannot be completed twice: an active case has no `complete_intake`.
use casekit::command::CompleteIntake;
use casekit::typestate::{Active, Case};
use casekit::Context;

fn intake(case: &Case<Active>, ctx: &Context<'_>) {
    let _ = case.complete_intake(ctx, CompleteIntake::default());
}

fn main() {}
