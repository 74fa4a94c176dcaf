// Outcomes are measured only while the plan is active.
use casekit::command::RecordOutcome;
use casekit::typestate::{Case, Planning};
use casekit::Context;

fn measure(case: &Case<Planning>, ctx: &Context<'_>, c: RecordOutcome) {
    let _ = case.record_outcome(ctx, c);
}

fn main() {}
