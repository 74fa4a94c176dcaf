//! Who is acting. casekit does not authenticate: the host application does, and hands
//! each call the `Actor` it authenticated. casekit then enforces what that actor may do
//! and see, inside `decide` and inside every query.

use crate::ids::{ActorId, ProgramId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What an actor is allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Opens cases and works them while they are in intake.
    IntakeWorker,
    /// Works the cases assigned to them, in every phase (but assigning, transferring
    /// and reopening are for supervisors).
    CaseManager,
    /// Works every case of their programs, assigns workers, transfers and reopens cases,
    /// and reads confidential notes.
    Supervisor,
    /// Reads every case of their programs (except confidential note text); writes nothing.
    Auditor,
    /// Administers every program; reads and writes every case (but confidential notes
    /// stay with the assigned workers and supervisors).
    Admin,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 5] = [Role::IntakeWorker, Role::CaseManager, Role::Supervisor, Role::Auditor, Role::Admin];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::IntakeWorker => "intake_worker",
            Role::CaseManager => "case_manager",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
}

/// The acting user of one call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The application's id for the user.
    pub id: ActorId,
    /// What the user may do.
    pub roles: BTreeSet<Role>,
    /// The programs whose cases the user works or reads. Admins reach every program.
    #[serde(default)]
    pub programs: BTreeSet<ProgramId>,
}

impl Actor {
    /// An actor with the given roles in the given programs.
    pub fn new<R, P>(id: impl Into<ActorId>, roles: R, programs: P) -> Self
    where
        R: IntoIterator<Item = Role>,
        P: IntoIterator,
        P::Item: Into<ProgramId>,
    {
        Self {
            id: id.into(),
            roles: roles.into_iter().collect(),
            programs: programs.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the actor reaches cases of `program` at all.
    pub fn reaches(&self, program: &ProgramId) -> bool {
        self.has(Role::Admin) || self.programs.contains(program)
    }

    /// The programs the actor reaches; `None` means every program (admins).
    pub fn program_scope(&self) -> Option<&BTreeSet<ProgramId>> {
        if self.has(Role::Admin) {
            None
        } else {
            Some(&self.programs)
        }
    }
}
