//! Authorization: who may run which command on which case, and who may see what.
//! `decide` calls [`authorize`] before anything else; every query filters through
//! [`can_read`] and [`can_see_confidential`].

use crate::actor::{Actor, Role};
use crate::command::{Command, CommandKind};
use crate::error::Error;
use crate::ids::{ActorId, ProgramId};
use crate::model::Phase;
use crate::state::CaseState;
use serde::{Deserialize, Serialize};

/// Commands only supervisors and admins may run: they change who works a case, where
/// it lives, or bring a closed case back.
const SUPERVISORY: &[CommandKind] =
    &[CommandKind::AssignWorker, CommandKind::UnassignWorker, CommandKind::Transfer, CommandKind::Reopen];

/// Checks that `actor` may run `command` on the case (`None`: a case being opened).
pub fn authorize(actor: &Actor, state: Option<&CaseState>, command: &Command) -> Result<(), Error> {
    let kind = command.kind();
    let program = match (state, command) {
        (Some(s), _) => &s.program,
        (None, Command::OpenCase(open)) => &open.program,
        // No case and not an opening: `check` reports it; nothing to authorize here.
        (None, _) => return Ok(()),
    };
    if !actor.reaches(program) {
        return Err(Error::denied(format!("{} does not work in program {program}", actor.id)));
    }
    let writer_roles = [Role::Admin, Role::Supervisor, Role::CaseManager, Role::IntakeWorker];
    if !writer_roles.iter().any(|r| actor.has(*r)) {
        return Err(Error::denied(format!("{} may read cases but not change them", actor.id)));
    }
    if actor.has(Role::Admin) || actor.has(Role::Supervisor) {
        return Ok(());
    }
    if SUPERVISORY.contains(&kind) {
        return Err(Error::denied(format!("{kind} is for supervisors; {} is not one", actor.id)));
    }
    let Some(s) = state else {
        // Intake workers and case managers open cases in their programs.
        return Ok(());
    };
    if actor.has(Role::CaseManager) && s.is_assigned(&actor.id) {
        return Ok(());
    }
    if actor.has(Role::IntakeWorker) && s.phase == Phase::Intake {
        return Ok(());
    }
    if actor.has(Role::CaseManager) {
        return Err(Error::denied(format!("case {} is not assigned to {}", s.id, actor.id)));
    }
    Err(Error::denied(format!("{} works cases in intake only; case {} is in {}", actor.id, s.id, s.phase)))
}

/// Whether `actor` may read cases of `program`.
pub fn can_read(actor: &Actor, program: &ProgramId) -> bool {
    actor.reaches(program) && Role::ALL.iter().any(|r| actor.has(*r))
}

/// Whether `actor` may see the case's confidential notes: its assigned workers and the
/// supervisors of its program.
pub fn can_see_confidential(actor: &Actor, state: &CaseState) -> bool {
    (actor.has(Role::Supervisor) && actor.programs.contains(&state.program)) || state.is_assigned(&actor.id)
}

/// Which confidential notes a text search may match for an actor: those of cases in the
/// programs the actor supervises, and those of cases assigned to the actor.
/// Non-confidential notes always match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteAccess {
    /// The reader.
    pub actor: ActorId,
    /// Programs whose confidential notes the reader sees (as their supervisor).
    pub supervised_programs: Vec<ProgramId>,
}

impl NoteAccess {
    /// The access `actor` has.
    pub fn of(actor: &Actor) -> NoteAccess {
        let supervised_programs =
            if actor.has(Role::Supervisor) { actor.programs.iter().cloned().collect() } else { Vec::new() };
        NoteAccess { actor: actor.id.clone(), supervised_programs }
    }

    /// Whether a confidential note of a case in `program`, assigned to `assignees`, is
    /// visible.
    pub fn sees_confidential<'a>(&self, program: &ProgramId, mut assignees: impl Iterator<Item = &'a ActorId>) -> bool {
        self.supervised_programs.contains(program) || assignees.any(|a| a == &self.actor)
    }
}

/// Checks that `actor` may read `state`.
pub fn ensure_can_read(actor: &Actor, state: &CaseState) -> Result<(), Error> {
    if can_read(actor, &state.program) {
        Ok(())
    } else {
        Err(Error::denied(format!("{} may not read cases of program {}", actor.id, state.program)))
    }
}
