// Only a closed case can be reopened.
use casekit::command::Reopen;
use casekit::typestate::{Active, Case};
use casekit::Context;

fn reopen(case: &Case<Active>, ctx: &Context<'_>) {
    let _ = case.reopen(ctx, Reopen::default());
}

fn main() {}
