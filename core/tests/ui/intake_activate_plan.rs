// A plan can only be activated from planning.
use casekit::typestate::{Case, Intake};
use casekit::Context;

fn activate(case: &Case<Intake>, ctx: &Context<'_>) {
    let _ = case.activate_plan(ctx);
}

fn main() {}
