//! The lifecycle: one transition table over `(Phase, CommandKind)`. `decide`, the
//! typestate face, the generated diagram and the bindings' checks all read this table
//! and nothing else.

pub use crate::command::CommandKind;
use crate::error::Error;
pub use crate::model::Phase;

/// Where a command leaves the case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The phase does not change.
    Stay,
    /// The case moves to this phase.
    To(Phase),
}

/// How a command relates to holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnHold {
    /// Refused while the case is on hold.
    Refused,
    /// Accepted whether or not the case is on hold.
    Accepted,
    /// Accepted only while the case is on hold.
    Required,
}

/// One row of the transition table.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The command.
    pub command: CommandKind,
    /// The phases it is accepted in. Empty: only when the case does not exist yet.
    pub from: &'static [Phase],
    /// Where it leaves the case.
    pub to: Target,
    /// How it relates to holds.
    pub on_hold: OnHold,
}

use CommandKind as C;
use OnHold::{Accepted, Refused, Required};
use Phase::*;
use Target::{Stay, To};

const OPEN: &[Phase] = &[Intake, Assessment, Planning, Active];
const PLAN: &[Phase] = &[Planning, Active];

/// The transition table (DESIGN.md, "Phases and transitions").
pub const RULES: &[Rule] = &[
    // Lifecycle transitions.
    Rule { command: C::OpenCase, from: &[], to: To(Intake), on_hold: Refused },
    Rule { command: C::CompleteIntake, from: &[Intake], to: To(Assessment), on_hold: Refused },
    Rule { command: C::CompleteAssessment, from: &[Assessment], to: To(Planning), on_hold: Refused },
    Rule { command: C::ActivatePlan, from: &[Planning], to: To(Active), on_hold: Refused },
    Rule { command: C::StartReassessment, from: PLAN, to: To(Assessment), on_hold: Refused },
    Rule { command: C::Close, from: OPEN, to: To(Closed), on_hold: Accepted },
    Rule { command: C::Reopen, from: &[Closed], to: To(Assessment), on_hold: Refused },
    // Commands that keep the phase.
    Rule { command: C::UpdateClient, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::AssignWorker, from: OPEN, to: Stay, on_hold: Accepted },
    Rule { command: C::UnassignWorker, from: OPEN, to: Stay, on_hold: Accepted },
    Rule { command: C::AddNote, from: OPEN, to: Stay, on_hold: Accepted },
    Rule { command: C::AttachDocument, from: OPEN, to: Stay, on_hold: Accepted },
    Rule { command: C::ReferOut, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::UpdateReferral, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::Transfer, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::AddTask, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::CompleteTask, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::CancelTask, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::ReassignTask, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::SetTaskDue, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::SetPriority, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::AddTag, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::RemoveTag, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::PlaceOnHold, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::Resume, from: OPEN, to: Stay, on_hold: Required },
    Rule { command: C::SetCustomFields, from: OPEN, to: Stay, on_hold: Refused },
    Rule { command: C::RecordAssessment, from: &[Assessment], to: Stay, on_hold: Refused },
    Rule { command: C::AddGoal, from: PLAN, to: Stay, on_hold: Refused },
    Rule { command: C::EvaluateGoals, from: PLAN, to: Stay, on_hold: Refused },
    Rule { command: C::AddService, from: PLAN, to: Stay, on_hold: Refused },
    Rule { command: C::SetServiceStatus, from: PLAN, to: Stay, on_hold: Refused },
    Rule { command: C::RecordServiceDelivery, from: &[Active], to: Stay, on_hold: Refused },
    Rule { command: C::RecordOutcome, from: &[Active], to: Stay, on_hold: Refused },
];

/// The table's row for a command. Every `CommandKind` has exactly one row (a test
/// checks it), so this is `None` only for a table that failed that test.
pub fn rule(command: CommandKind) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.command == command)
}

/// Checks `command` against the table for a case in `phase` (`None`: no such case yet)
/// and hold state, and says where it leaves the case.
pub fn check(command: CommandKind, phase: Option<Phase>, on_hold: bool) -> Result<Phase, Error> {
    let refuse = |state: String| Error::InvalidTransition { command, phase, on_hold, state };
    let r = rule(command).ok_or_else(|| refuse("anywhere: the transition table has no row for it".into()))?;
    let current = match (phase, r.from.is_empty()) {
        (None, true) => None,
        (None, false) => return Err(refuse("before the case is opened".into())),
        (Some(p), true) => return Err(refuse(format!("on an existing case (phase {p})"))),
        (Some(p), false) if !r.from.contains(&p) => {
            let allowed: Vec<&str> = r.from.iter().map(|p| p.as_str()).collect();
            return Err(refuse(format!("in phase {p} (only in {})", allowed.join(", "))));
        }
        (Some(p), false) => Some(p),
    };
    match (r.on_hold, on_hold) {
        (Refused, true) => return Err(refuse("while the case is on hold".into())),
        (Required, false) => return Err(refuse("unless the case is on hold".into())),
        _ => {}
    }
    match (r.to, current) {
        (To(next), _) => Ok(next),
        (Stay, Some(p)) => Ok(p),
        // A row with an empty `from` always moves somewhere; kept total all the same.
        (Stay, None) => Err(refuse("before the case is opened".into())),
    }
}

/// The lifecycle as a Mermaid state diagram, generated from [`RULES`]. The README
/// embeds this text; a test fails when they differ.
pub fn mermaid() -> String {
    let mut out = String::from("stateDiagram-v2\n");
    for r in RULES {
        let Target::To(to) = r.to else { continue };
        if r.from.is_empty() {
            out.push_str(&format!("    [*] --> {to}: {}\n", r.command));
        }
        for from in r.from {
            out.push_str(&format!("    {from} --> {to}: {}\n", r.command));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_exactly_one_rule() {
        for kind in CommandKind::ALL {
            let rows = RULES.iter().filter(|r| r.command == *kind).count();
            assert_eq!(rows, 1, "{kind} has {rows} rows");
        }
    }

    #[test]
    fn a_closed_case_accepts_only_reopen() {
        for kind in CommandKind::ALL {
            let ok = check(*kind, Some(Closed), false).is_ok();
            assert_eq!(ok, *kind == CommandKind::Reopen, "{kind} on a closed case");
        }
    }

    #[test]
    fn on_hold_only_the_listed_commands_pass() {
        let allowed = [C::Resume, C::AddNote, C::AttachDocument, C::AssignWorker, C::UnassignWorker, C::Close];
        for kind in CommandKind::ALL {
            let ok = OPEN.iter().any(|p| check(*kind, Some(*p), true).is_ok());
            assert_eq!(ok, allowed.contains(kind), "{kind} while on hold");
        }
    }
}
