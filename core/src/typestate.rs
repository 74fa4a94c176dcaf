//! The typestate face of the lifecycle, for Rust users: `Case<Intake>`,
//! `Case<Assessment>`, ... whose methods exist only where the transition table allows
//! them, so `Case<Closed>::add_goal` does not compile.
//!
//! Every method runs the same `decide`/`evolve` as the dynamic face; the target phase
//! of each method is checked against the transition table at run time too, so the two
//! faces cannot drift apart silently.
//!
//! ```
//! use casekit::typestate::{Case, Intake};
//! use casekit::{Actor, Role, SequentialIds, Context, ProgramCatalog};
//! use casekit::command::{OpenCase, CompleteIntake};
//! use casekit::model::ClientDetails;
//!
//! let actor = Actor::new("iris", [Role::Supervisor], ["housing"]);
//! let ids = SequentialIds::new();
//! let programs = ProgramCatalog::new();
//! let ctx = Context { actor: &actor, now: chrono::Utc::now(), ids: &ids, programs: &programs };
//! let opened = Case::<Intake>::open(&ctx, OpenCase {
//!     program: "housing".into(),
//!     client: ClientDetails { name: "Ada".into(), ..Default::default() },
//!     ..Default::default()
//! })?;
//! let assessing = opened.case.complete_intake(&ctx, CompleteIntake { eligible: true, immediate_needs: vec![] })?;
//! assert_eq!(assessing.case.state().phase, casekit::Phase::Assessment);
//! # Ok::<(), casekit::Error>(())
//! ```

use crate::command::*;
use crate::decide::{decide, Context};
use crate::envelope::{fold, seal};
use crate::error::Error;
use crate::event::RecordedEvent;
use crate::model::Phase;
use crate::state::CaseState;
use std::marker::PhantomData;

mod sealed {
    pub trait Sealed {}
}

/// A phase as a type.
pub trait PhaseType: sealed::Sealed {
    /// The phase this type stands for.
    const PHASE: Phase;
}

/// Phases in which the case is open (not closed).
pub trait OpenPhase: PhaseType {}
/// Phases in which the plan can be changed (planning and active).
pub trait PlanPhase: OpenPhase {}

macro_rules! phases {
    ($($(#[$doc:meta])* $name:ident = $phase:ident),*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;
        impl sealed::Sealed for $name {}
        impl PhaseType for $name {
            const PHASE: Phase = Phase::$phase;
        }
    )*};
}

phases!(
    /// Intake.
    Intake = Intake,
    /// Assessment.
    Assessment = Assessment,
    /// Planning.
    Planning = Planning,
    /// Active.
    Active = Active,
    /// Closed.
    Closed = Closed
);

impl OpenPhase for Intake {}
impl OpenPhase for Assessment {}
impl OpenPhase for Planning {}
impl OpenPhase for Active {}
impl PlanPhase for Planning {}
impl PlanPhase for Active {}

/// A case known to be in phase `P`.
#[derive(Debug, Clone)]
pub struct Case<P> {
    state: CaseState,
    _phase: PhantomData<P>,
}

/// A case after a command: the case in its new phase and the events the command
/// produced (to be stored by the caller).
#[derive(Debug, Clone)]
pub struct Transition<P> {
    /// The case after the command.
    pub case: Case<P>,
    /// The events, sealed (sequence, hash chain) but not yet stored.
    pub events: Vec<RecordedEvent>,
}

/// A case whose phase is known only at run time.
#[derive(Debug, Clone)]
pub enum AnyCase {
    /// In intake.
    Intake(Case<Intake>),
    /// In assessment.
    Assessment(Case<Assessment>),
    /// In planning.
    Planning(Case<Planning>),
    /// Active.
    Active(Case<Active>),
    /// Closed.
    Closed(Case<Closed>),
}

impl From<CaseState> for AnyCase {
    fn from(state: CaseState) -> Self {
        match state.phase {
            Phase::Intake => AnyCase::Intake(Case::wrap(state)),
            Phase::Assessment => AnyCase::Assessment(Case::wrap(state)),
            Phase::Planning => AnyCase::Planning(Case::wrap(state)),
            Phase::Active => AnyCase::Active(Case::wrap(state)),
            Phase::Closed => AnyCase::Closed(Case::wrap(state)),
        }
    }
}

impl<P: PhaseType> Case<P> {
    fn wrap(state: CaseState) -> Self {
        Case { state, _phase: PhantomData }
    }

    /// The case's state.
    pub fn state(&self) -> &CaseState {
        &self.state
    }

    /// The case's state, leaving the typed face.
    pub fn into_state(self) -> CaseState {
        self.state
    }

    fn step<Q: PhaseType>(&self, ctx: &Context<'_>, command: Command) -> Result<Transition<Q>, Error> {
        let events = decide(Some(&self.state), &command, ctx)?;
        let sealed = seal(Some(&self.state), events, ctx)?;
        let state = fold(Some(self.state.clone()), &sealed.recorded)
            .ok_or_else(|| Error::integrity(Some(self.state.id), "events did not apply"))?;
        arrive(state, sealed.recorded)
    }
}

fn arrive<Q: PhaseType>(state: CaseState, events: Vec<RecordedEvent>) -> Result<Transition<Q>, Error> {
    if state.phase != Q::PHASE {
        return Err(Error::integrity(
            Some(state.id),
            format!("typestate expected phase {} but the transition table gave {}", Q::PHASE, state.phase),
        ));
    }
    Ok(Transition { case: Case::wrap(state), events })
}

impl Case<Intake> {
    /// Opens a case.
    pub fn open(ctx: &Context<'_>, command: OpenCase) -> Result<Transition<Intake>, Error> {
        let command = Command::OpenCase(command);
        let events = decide(None, &command, ctx)?;
        let sealed = seal(None, events, ctx)?;
        let state = fold(None, &sealed.recorded).ok_or_else(|| Error::integrity(None, "open_case did not open"))?;
        arrive(state, sealed.recorded)
    }

    /// Finishes intake.
    pub fn complete_intake(&self, ctx: &Context<'_>, c: CompleteIntake) -> Result<Transition<Assessment>, Error> {
        self.step(ctx, c.into())
    }
}

impl Case<Assessment> {
    /// Records an assessment.
    pub fn record_assessment(&self, ctx: &Context<'_>, c: RecordAssessment) -> Result<Transition<Assessment>, Error> {
        self.step(ctx, c.into())
    }

    /// Finishes the assessment.
    pub fn complete_assessment(&self, ctx: &Context<'_>, c: CompleteAssessment) -> Result<Transition<Planning>, Error> {
        self.step(ctx, c.into())
    }
}

impl Case<Planning> {
    /// Activates the plan.
    pub fn activate_plan(&self, ctx: &Context<'_>) -> Result<Transition<Active>, Error> {
        self.step(ctx, ActivatePlan {}.into())
    }
}

impl<P: PlanPhase> Case<P> {
    /// Adds a goal.
    pub fn add_goal(&self, ctx: &Context<'_>, c: AddGoal) -> Result<Transition<P>, Error> {
        self.step(ctx, c.into())
    }
    /// Evaluates goals.
    pub fn evaluate_goals(&self, ctx: &Context<'_>, c: EvaluateGoals) -> Result<Transition<P>, Error> {
        self.step(ctx, c.into())
    }
    /// Adds a service.
    pub fn add_service(&self, ctx: &Context<'_>, c: AddService) -> Result<Transition<P>, Error> {
        self.step(ctx, c.into())
    }
    /// Changes a service's status.
    pub fn set_service_status(&self, ctx: &Context<'_>, c: SetServiceStatus) -> Result<Transition<P>, Error> {
        self.step(ctx, c.into())
    }
    /// Starts a reassessment.
    pub fn start_reassessment(&self, ctx: &Context<'_>, c: StartReassessment) -> Result<Transition<Assessment>, Error> {
        self.step(ctx, c.into())
    }
}

impl Case<Active> {
    /// Records an outcome measurement.
    pub fn record_outcome(&self, ctx: &Context<'_>, c: RecordOutcome) -> Result<Transition<Active>, Error> {
        self.step(ctx, c.into())
    }
    /// Records a service delivery.
    pub fn record_service_delivery(
        &self,
        ctx: &Context<'_>,
        c: RecordServiceDelivery,
    ) -> Result<Transition<Active>, Error> {
        self.step(ctx, c.into())
    }
}

impl Case<Closed> {
    /// Reopens the case.
    pub fn reopen(&self, ctx: &Context<'_>, c: Reopen) -> Result<Transition<Assessment>, Error> {
        self.step(ctx, c.into())
    }
}

macro_rules! keeping {
    ($($(#[$doc:meta])* $method:ident($ty:ident)),* $(,)?) => {
        impl<P: OpenPhase> Case<P> {
            $(
                $(#[$doc])*
                pub fn $method(&self, ctx: &Context<'_>, c: $ty) -> Result<Transition<P>, Error> {
                    self.step(ctx, c.into())
                }
            )*

            /// Closes the case.
            pub fn close(&self, ctx: &Context<'_>, c: Close) -> Result<Transition<Closed>, Error> {
                self.step(ctx, c.into())
            }
        }
    };
}

keeping!(
    /// Changes client details.
    update_client(UpdateClient),
    /// Assigns a worker.
    assign_worker(AssignWorker),
    /// Unassigns a worker.
    unassign_worker(UnassignWorker),
    /// Adds a note.
    add_note(AddNote),
    /// Attaches a document's metadata.
    attach_document(AttachDocument),
    /// Refers the client out.
    refer_out(ReferOut),
    /// Records a referral's answer.
    update_referral(UpdateReferral),
    /// Transfers the case.
    transfer(Transfer),
    /// Adds a task.
    add_task(AddTask),
    /// Completes a task.
    complete_task(CompleteTask),
    /// Cancels a task.
    cancel_task(CancelTask),
    /// Reassigns a task.
    reassign_task(ReassignTask),
    /// Changes a task's due time.
    set_task_due(SetTaskDue),
    /// Changes the priority.
    set_priority(SetPriority),
    /// Adds a tag.
    add_tag(AddTag),
    /// Removes a tag.
    remove_tag(RemoveTag),
    /// Puts the case on hold.
    place_on_hold(PlaceOnHold),
    /// Resumes the case.
    resume(Resume),
    /// Sets custom fields.
    set_custom_fields(SetCustomFields),
);
