// A closed case accepts only `reopen`: not even a note.
use casekit::command::AddNote;
use casekit::typestate::{Case, Closed};
use casekit::Context;

fn note(case: &Case<Closed>, ctx: &Context<'_>) {
    let _ = case.add_note(ctx, AddNote::default());
}

fn main() {}
