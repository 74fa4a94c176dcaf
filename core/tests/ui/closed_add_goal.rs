// A closed case has no `add_goal`: goals are planned only in planning or active.
use casekit::command::AddGoal;
use casekit::typestate::{Case, Closed};
use casekit::Context;

fn plan(case: &Case<Closed>, ctx: &Context<'_>) {
    let _ = case.add_goal(ctx, AddGoal::default());
}

fn main() {}
