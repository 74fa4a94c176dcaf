//! The records and enums Swift and Kotlin see. Plain enums are casekit's own, described to
//! uniffi with `#[uniffi::remote]` (no FFI derive inside core); records are mirrors of
//! casekit's, converted with `From` (out) and `into_core` (in). Every `From` destructures
//! its source completely, so a field added in core fails this crate's build until the
//! binding carries it too.

use crate::convert::{date, date_text, id, item, json_object, json_text, opt_date, time_text};
use crate::error::Result;
use casekit::actor::Role;
use casekit::model::{
    self as m, AssignmentRole, ClosureReason, Direction, GoalStatus, NoteKind, Phase, Priority, ReferralKind,
    ReferralStatus, ServiceStatus, TaskStatus,
};
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------
// Enums: casekit's own, described for uniffi.

/// The lifecycle phase of a case.
#[uniffi::remote(Enum)]
pub enum Phase {
    /// The client is being taken in; eligibility is decided here.
    Intake,
    /// Needs are assessed with instruments.
    Assessment,
    /// Goals and services are planned.
    Planning,
    /// The plan is carried out and monitored.
    Active,
    /// The case is closed; it can be reopened.
    Closed,
}

/// How urgent a case is.
#[uniffi::remote(Enum)]
pub enum Priority {
    /// Can wait.
    Low,
    /// The default.
    Normal,
    /// Needs attention soon.
    High,
    /// Needs attention now.
    Urgent,
}

/// What an actor is allowed to do.
#[uniffi::remote(Enum)]
pub enum Role {
    /// Opens cases and works them while they are in intake.
    IntakeWorker,
    /// Works the cases assigned to them, in every phase.
    CaseManager,
    /// Works every case of their programs, assigns, transfers, reopens, reads confidential notes.
    Supervisor,
    /// Reads every case of their programs (except confidential note text); writes nothing.
    Auditor,
    /// Administers every program.
    Admin,
}

/// How a worker is attached to a case.
#[uniffi::remote(Enum)]
pub enum AssignmentRole {
    /// The worker responsible for the case (at most one).
    Primary,
    /// A worker who helps.
    Secondary,
}

/// What kind of note.
#[uniffi::remote(Enum)]
pub enum NoteKind {
    /// Anything else.
    General,
    /// A contact with the client.
    Contact,
    /// Progress on the plan.
    Progress,
    /// Supervision or case review.
    Supervision,
    /// An incident.
    Incident,
}

/// Which way a measure should move.
#[uniffi::remote(Enum)]
pub enum Direction {
    /// Higher is better.
    Increase,
    /// Lower is better.
    Decrease,
    /// Staying at the target is the goal.
    Maintain,
}

/// Where a goal stands.
#[uniffi::remote(Enum)]
pub enum GoalStatus {
    /// Planned, the plan is not active yet.
    NotStarted,
    /// Being worked on.
    InProgress,
    /// Met.
    Achieved,
    /// Partly met.
    PartiallyAchieved,
    /// Not met.
    NotAchieved,
    /// Dropped.
    Cancelled,
}

/// Where a service stands.
#[uniffi::remote(Enum)]
pub enum ServiceStatus {
    /// In the plan, not started.
    Planned,
    /// Being delivered.
    Active,
    /// Finished as planned.
    Completed,
    /// Stopped early.
    Discontinued,
}

/// Where a task stands.
#[uniffi::remote(Enum)]
pub enum TaskStatus {
    /// To do.
    Open,
    /// Done.
    Completed,
    /// Will not be done.
    Cancelled,
}

/// Referral or transfer.
#[uniffi::remote(Enum)]
pub enum ReferralKind {
    /// A referral out to another organisation.
    External,
    /// A transfer to another program and/or worker.
    Transfer,
}

/// Where a referral stands.
#[uniffi::remote(Enum)]
pub enum ReferralStatus {
    /// Sent, no answer yet.
    Pending,
    /// The receiver accepted.
    Accepted,
    /// The receiver declined.
    Declined,
    /// The service was received / the transfer is done.
    Completed,
}

/// Why a case was closed.
#[uniffi::remote(Enum)]
pub enum ClosureReason {
    /// The plan's goals were met (only from Active).
    GoalsAchieved,
    /// The client is not eligible (only from Intake or Assessment).
    Ineligible,
    /// The client was referred to another organisation (only from Intake or Assessment).
    ReferredOut,
    /// The client withdrew.
    ClientWithdrew,
    /// The client cannot be reached.
    LostContact,
    /// The client moved out of the service area.
    MovedAway,
    /// The client died.
    Deceased,
    /// Anything else (say why in the summary).
    Other,
}

// ---------------------------------------------------------------------------------------
// The actor.

/// The acting user of one call. casekit does not authenticate: the application does, and
/// hands every call the actor it authenticated.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Actor {
    /// The application's id for the user.
    pub id: String,
    /// What the user may do.
    pub roles: Vec<Role>,
    /// The programs whose cases the user works or reads (admins reach every program).
    #[uniffi(default)]
    pub programs: Vec<String>,
}

impl From<&Actor> for casekit::Actor {
    fn from(a: &Actor) -> Self {
        casekit::Actor::new(a.id.as_str(), a.roles.iter().copied(), a.programs.iter().map(String::as_str))
    }
}

// ---------------------------------------------------------------------------------------
// Client.

/// A consent the client gave or refused.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Consent {
    /// What the consent covers, e.g. `data_sharing`.
    pub scope: String,
    /// Whether it was given.
    pub granted: bool,
    /// When (`YYYY-MM-DD`).
    #[uniffi(default)]
    pub date: Option<String>,
}

impl From<m::Consent> for Consent {
    fn from(c: m::Consent) -> Self {
        let m::Consent { scope, granted, date } = c;
        Consent { scope, granted, date: date.as_ref().map(date_text) }
    }
}

fn consents_into_core(field: &str, list: Vec<Consent>) -> Result<Vec<m::Consent>> {
    list.into_iter()
        .enumerate()
        .map(|(i, c)| {
            let Consent { scope, granted, date } = c;
            Ok(m::Consent { scope, granted, date: opt_date(&format!("{}.date", item(field, i)), date)? })
        })
        .collect()
}

/// Who the client is. Everything but the name is optional.
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct ClientDetails {
    /// Full name (required, not empty).
    pub name: String,
    /// Date of birth (`YYYY-MM-DD`).
    #[uniffi(default)]
    pub date_of_birth: Option<String>,
    /// Gender as the client states it.
    #[uniffi(default)]
    pub gender: Option<String>,
    /// Postal address.
    #[uniffi(default)]
    pub address: Option<String>,
    /// Phone number.
    #[uniffi(default)]
    pub phone: Option<String>,
    /// E-mail address.
    #[uniffi(default)]
    pub email: Option<String>,
    /// Preferred language (BCP 47 tag).
    #[uniffi(default)]
    pub language: Option<String>,
    /// People in the household, the client included.
    #[uniffi(default)]
    pub household_size: Option<u32>,
    /// Household income per month.
    #[uniffi(default)]
    pub monthly_income: Option<f64>,
    /// The client's id in another system.
    #[uniffi(default)]
    pub external_ref: Option<String>,
    /// Consents given or refused.
    #[uniffi(default)]
    pub consents: Vec<Consent>,
}

impl From<m::ClientDetails> for ClientDetails {
    fn from(c: m::ClientDetails) -> Self {
        let m::ClientDetails {
            name,
            date_of_birth,
            gender,
            address,
            phone,
            email,
            language,
            household_size,
            monthly_income,
            external_ref,
            consents,
        } = c;
        ClientDetails {
            name,
            date_of_birth: date_of_birth.as_ref().map(date_text),
            gender,
            address,
            phone,
            email,
            language,
            household_size,
            monthly_income,
            external_ref,
            consents: consents.into_iter().map(Into::into).collect(),
        }
    }
}

impl ClientDetails {
    /// casekit's form; `field` is where the record sits in the command (`client`).
    pub fn into_core(self, field: &str) -> Result<m::ClientDetails> {
        let ClientDetails {
            name,
            date_of_birth,
            gender,
            address,
            phone,
            email,
            language,
            household_size,
            monthly_income,
            external_ref,
            consents,
        } = self;
        Ok(m::ClientDetails {
            name,
            date_of_birth: opt_date(&format!("{field}.date_of_birth"), date_of_birth)?,
            gender,
            address,
            phone,
            email,
            language,
            household_size,
            monthly_income,
            external_ref,
            consents: consents_into_core(&format!("{field}.consents"), consents)?,
        })
    }
}

/// A partial update of the client: fields that are given replace the current ones.
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct ClientUpdate {
    /// New full name.
    #[uniffi(default)]
    pub name: Option<String>,
    /// New date of birth (`YYYY-MM-DD`).
    #[uniffi(default)]
    pub date_of_birth: Option<String>,
    /// New gender.
    #[uniffi(default)]
    pub gender: Option<String>,
    /// New address.
    #[uniffi(default)]
    pub address: Option<String>,
    /// New phone number.
    #[uniffi(default)]
    pub phone: Option<String>,
    /// New e-mail address.
    #[uniffi(default)]
    pub email: Option<String>,
    /// New preferred language.
    #[uniffi(default)]
    pub language: Option<String>,
    /// New household size.
    #[uniffi(default)]
    pub household_size: Option<u32>,
    /// New monthly income.
    #[uniffi(default)]
    pub monthly_income: Option<f64>,
    /// New external reference.
    #[uniffi(default)]
    pub external_ref: Option<String>,
    /// Consents to record (replacing any earlier one with the same scope).
    #[uniffi(default)]
    pub consents: Vec<Consent>,
}

impl From<m::ClientUpdate> for ClientUpdate {
    fn from(c: m::ClientUpdate) -> Self {
        let m::ClientUpdate {
            name,
            date_of_birth,
            gender,
            address,
            phone,
            email,
            language,
            household_size,
            monthly_income,
            external_ref,
            consents,
        } = c;
        ClientUpdate {
            name,
            date_of_birth: date_of_birth.as_ref().map(date_text),
            gender,
            address,
            phone,
            email,
            language,
            household_size,
            monthly_income,
            external_ref,
            consents: consents.into_iter().map(Into::into).collect(),
        }
    }
}

impl ClientUpdate {
    /// casekit's form; `field` is where the record sits in the command (`changes`).
    pub fn into_core(self, field: &str) -> Result<m::ClientUpdate> {
        let ClientUpdate {
            name,
            date_of_birth,
            gender,
            address,
            phone,
            email,
            language,
            household_size,
            monthly_income,
            external_ref,
            consents,
        } = self;
        Ok(m::ClientUpdate {
            name,
            date_of_birth: opt_date(&format!("{field}.date_of_birth"), date_of_birth)?,
            gender,
            address,
            phone,
            email,
            language,
            household_size,
            monthly_income,
            external_ref,
            consents: consents_into_core(&format!("{field}.consents"), consents)?,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Command inputs shared with the view.

/// Which instrument (questionnaire, scale) an assessment used.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct InstrumentRef {
    /// The instrument's id, e.g. `phq-9`.
    pub id: String,
    /// The instrument's version, e.g. `1.0`.
    pub version: String,
}

impl From<m::InstrumentRef> for InstrumentRef {
    fn from(i: m::InstrumentRef) -> Self {
        let m::InstrumentRef { id, version } = i;
        InstrumentRef { id, version }
    }
}

impl From<InstrumentRef> for m::InstrumentRef {
    fn from(i: InstrumentRef) -> Self {
        let InstrumentRef { id, version } = i;
        m::InstrumentRef { id, version }
    }
}

/// How a goal is measured.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Measure {
    /// What is measured.
    pub name: String,
    /// Unit.
    #[uniffi(default)]
    pub unit: Option<String>,
    /// The value at the start.
    #[uniffi(default)]
    pub baseline: Option<f64>,
    /// The value that means the goal is met.
    pub target: f64,
    /// Which way is better.
    pub direction: Direction,
}

impl From<m::Measure> for Measure {
    fn from(x: m::Measure) -> Self {
        let m::Measure { name, unit, baseline, target, direction } = x;
        Measure { name, unit, baseline, target, direction }
    }
}

impl From<Measure> for m::Measure {
    fn from(x: Measure) -> Self {
        let Measure { name, unit, baseline, target, direction } = x;
        m::Measure { name, unit, baseline, target, direction }
    }
}

/// An immediate need, as given at intake.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ImmediateNeedInput {
    /// Category, e.g. `food`.
    pub category: String,
    /// Free-text description.
    #[uniffi(default = "")]
    pub description: String,
}

/// A need identified by an assessment, as given.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct IdentifiedNeedInput {
    /// Life domain, e.g. `housing`.
    pub domain: String,
    /// Free-text description.
    #[uniffi(default = "")]
    pub description: String,
    /// Severity.
    #[uniffi(default)]
    pub severity: Option<String>,
}

/// One goal's evaluation.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GoalEvaluation {
    /// The goal.
    pub goal_id: String,
    /// Its new status.
    pub status: GoalStatus,
}

// ---------------------------------------------------------------------------------------
// The case view.

/// Everything known about a case, as the reader may see it (confidential notes the
/// reader may not see are left out). Returned by `Casebook.get`.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CaseView {
    /// The case's id.
    pub id: String,
    /// The number of events so far.
    pub version: u64,
    /// Hash of the last event: the head of the audit chain.
    pub head_hash: String,
    /// The lifecycle phase.
    pub phase: Phase,
    /// The program the case belongs to.
    pub program: String,
    /// The client's id.
    pub client_id: String,
    /// Who the client is.
    pub client: ClientDetails,
    /// Assigned workers.
    pub assignments: Vec<Assignment>,
    /// Priority.
    pub priority: Priority,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Program-defined custom fields, as a JSON object.
    pub custom_fields_json: String,
    /// Needs recorded at intake.
    pub immediate_needs: Vec<ImmediateNeed>,
    /// Assessments recorded.
    pub assessments: Vec<Assessment>,
    /// Needs the assessments identified.
    pub identified_needs: Vec<IdentifiedNeed>,
    /// The current assessment cycle.
    pub assessment_cycle: u32,
    /// Goals of the plan.
    pub goals: Vec<Goal>,
    /// Services of the plan.
    pub services: Vec<Service>,
    /// Outcome measurements.
    pub outcomes: Vec<OutcomeMeasurement>,
    /// Tasks.
    pub tasks: Vec<CaseTask>,
    /// Notes the reader may see.
    pub notes: Vec<Note>,
    /// Referrals and transfers.
    pub referrals: Vec<Referral>,
    /// Documents' metadata.
    pub documents: Vec<DocumentMeta>,
    /// The hold, while the case is on hold.
    pub hold: Option<Hold>,
    /// The closure, while the case is closed.
    pub closure: Option<Closure>,
    /// How many times the case was reopened.
    pub reopened_count: u32,
    /// When the case was opened.
    pub opened_at: String,
    /// Who opened it.
    pub opened_by: String,
    /// When it last changed.
    pub updated_at: String,
}

fn all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(Into::into).collect()
}

impl From<casekit::CaseState> for CaseView {
    fn from(s: casekit::CaseState) -> Self {
        let casekit::CaseState {
            id,
            version,
            head_hash,
            phase,
            program,
            client_id,
            client,
            assignments,
            priority,
            tags,
            custom_fields,
            immediate_needs,
            assessments,
            identified_needs,
            assessment_cycle,
            goals,
            services,
            outcomes,
            tasks,
            notes,
            referrals,
            documents,
            hold,
            closure,
            reopened_count,
            opened_at,
            opened_by,
            updated_at,
        } = s;
        CaseView {
            id: id.to_string(),
            version,
            head_hash: head_hash.to_string(),
            phase,
            program: program.to_string(),
            client_id: client_id.to_string(),
            client: client.into(),
            assignments: all(assignments),
            priority,
            tags,
            custom_fields_json: json_text(&custom_fields),
            immediate_needs: all(immediate_needs),
            assessments: all(assessments),
            identified_needs: all(identified_needs),
            assessment_cycle,
            goals: all(goals),
            services: all(services),
            outcomes: all(outcomes),
            tasks: all(tasks),
            notes: all(notes),
            referrals: all(referrals),
            documents: all(documents),
            hold: hold.map(Into::into),
            closure: closure.map(Into::into),
            reopened_count,
            opened_at: time_text(&opened_at),
            opened_by: opened_by.to_string(),
            updated_at: time_text(&updated_at),
        }
    }
}

/// A worker assigned to a case.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Assignment {
    /// The worker.
    pub worker: String,
    /// Primary or secondary.
    pub role: AssignmentRole,
    /// When the assignment was made.
    pub assigned_at: String,
}

impl From<m::Assignment> for Assignment {
    fn from(a: m::Assignment) -> Self {
        let m::Assignment { worker, role, assigned_at } = a;
        Assignment { worker: worker.to_string(), role, assigned_at: time_text(&assigned_at) }
    }
}

/// A need recorded at intake.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ImmediateNeed {
    /// The need's id.
    pub id: String,
    /// Category.
    pub category: String,
    /// Description.
    pub description: String,
}

impl From<m::ImmediateNeed> for ImmediateNeed {
    fn from(n: m::ImmediateNeed) -> Self {
        let m::ImmediateNeed { id, category, description } = n;
        ImmediateNeed { id: id.to_string(), category, description }
    }
}

/// A recorded assessment.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Assessment {
    /// The assessment's id.
    pub id: String,
    /// The instrument used.
    pub instrument: InstrumentRef,
    /// Item id -> answer, as a JSON object.
    pub responses_json: String,
    /// Score name -> value.
    pub scores: HashMap<String, f64>,
    /// Score name -> band.
    pub bands: HashMap<String, String>,
    /// Risk flags raised.
    pub risk_flags: Vec<String>,
    /// The assessment cycle it belongs to.
    pub cycle: u32,
    /// When it was recorded.
    pub recorded_at: String,
    /// Who recorded it.
    pub recorded_by: String,
}

impl From<m::Assessment> for Assessment {
    fn from(a: m::Assessment) -> Self {
        let m::Assessment { id, instrument, responses, scores, bands, risk_flags, cycle, recorded_at, recorded_by } = a;
        Assessment {
            id: id.to_string(),
            instrument: instrument.into(),
            responses_json: json_text(&responses),
            scores: scores.into_iter().collect(),
            bands: bands.into_iter().collect(),
            risk_flags,
            cycle,
            recorded_at: time_text(&recorded_at),
            recorded_by: recorded_by.to_string(),
        }
    }
}

/// A need identified by an assessment.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct IdentifiedNeed {
    /// The need's id.
    pub id: String,
    /// The assessment that identified it.
    pub assessment_id: String,
    /// Life domain.
    pub domain: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: Option<String>,
}

impl From<m::IdentifiedNeed> for IdentifiedNeed {
    fn from(n: m::IdentifiedNeed) -> Self {
        let m::IdentifiedNeed { id, assessment_id, domain, description, severity } = n;
        IdentifiedNeed { id: id.to_string(), assessment_id: assessment_id.to_string(), domain, description, severity }
    }
}

/// A goal of the service plan.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Goal {
    /// The goal's id.
    pub id: String,
    /// What the client wants to achieve.
    pub description: String,
    /// Life domain.
    pub domain: String,
    /// The identified need it addresses.
    pub need_id: Option<String>,
    /// How progress is measured.
    pub measure: Option<Measure>,
    /// When it should be met (`YYYY-MM-DD`).
    pub due: Option<String>,
    /// Where it stands.
    pub status: GoalStatus,
    /// When it was added.
    pub created_at: String,
}

impl From<m::Goal> for Goal {
    fn from(g: m::Goal) -> Self {
        let m::Goal { id, description, domain, need_id, measure, due, status, created_at } = g;
        Goal {
            id: id.to_string(),
            description,
            domain,
            need_id: need_id.map(|n| n.to_string()),
            measure: measure.map(Into::into),
            due: due.as_ref().map(date_text),
            status,
            created_at: time_text(&created_at),
        }
    }
}

/// A service of the plan.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Service {
    /// The service's id.
    pub id: String,
    /// What the service is.
    pub name: String,
    /// Who provides it.
    pub provider: String,
    /// The goal it serves.
    pub goal_id: Option<String>,
    /// First day (`YYYY-MM-DD`).
    pub start: Option<String>,
    /// Planned or actual last day.
    pub end: Option<String>,
    /// How often, in words.
    pub frequency: Option<String>,
    /// Where it stands.
    pub status: ServiceStatus,
    /// Deliveries recorded so far.
    pub deliveries: Vec<ServiceDelivery>,
}

impl From<m::Service> for Service {
    fn from(s: m::Service) -> Self {
        let m::Service { id, name, provider, goal_id, start, end, frequency, status, deliveries } = s;
        Service {
            id: id.to_string(),
            name,
            provider,
            goal_id: goal_id.map(|g| g.to_string()),
            start: start.as_ref().map(date_text),
            end: end.as_ref().map(date_text),
            frequency,
            status,
            deliveries: all(deliveries),
        }
    }
}

/// One delivery of a service.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ServiceDelivery {
    /// The delivery's id.
    pub id: String,
    /// When it was delivered (`YYYY-MM-DD`).
    pub delivered_on: String,
    /// Units delivered.
    pub units: Option<f64>,
    /// Free-text remark.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

impl From<m::ServiceDelivery> for ServiceDelivery {
    fn from(d: m::ServiceDelivery) -> Self {
        let m::ServiceDelivery { id, delivered_on, units, note, recorded_by } = d;
        ServiceDelivery {
            id: id.to_string(),
            delivered_on: date_text(&delivered_on),
            units,
            note,
            recorded_by: recorded_by.to_string(),
        }
    }
}

/// A task on the case. (Named `CaseTask` so it never shadows Swift's `Task`.)
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CaseTask {
    /// The task's id.
    pub id: String,
    /// What to do.
    pub title: String,
    /// When it is due (RFC 3339).
    pub due: Option<String>,
    /// Who should do it.
    pub assignee: Option<String>,
    /// Where it stands.
    pub status: TaskStatus,
    /// When it was created.
    pub created_at: String,
    /// When it was completed or cancelled.
    pub finished_at: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
}

impl From<m::Task> for CaseTask {
    fn from(t: m::Task) -> Self {
        let m::Task { id, title, due, assignee, status, created_at, finished_at, cancel_reason } = t;
        CaseTask {
            id: id.to_string(),
            title,
            due: due.as_ref().map(time_text),
            assignee: assignee.map(|a| a.to_string()),
            status,
            created_at: time_text(&created_at),
            finished_at: finished_at.as_ref().map(time_text),
            cancel_reason,
        }
    }
}

/// A case note.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Note {
    /// The note's id.
    pub id: String,
    /// What kind of note.
    pub kind: NoteKind,
    /// The text.
    pub text: String,
    /// Visible only to assigned workers and supervisors.
    pub confidential: bool,
    /// Who wrote it.
    pub author: String,
    /// When.
    pub created_at: String,
}

impl From<m::Note> for Note {
    fn from(n: m::Note) -> Self {
        let m::Note { id, kind, text, confidential, author, created_at } = n;
        Note {
            id: id.to_string(),
            kind,
            text,
            confidential,
            author: author.to_string(),
            created_at: time_text(&created_at),
        }
    }
}

/// A referral out, or a transfer inside the organisation.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Referral {
    /// The referral's id.
    pub id: String,
    /// Referral or transfer.
    pub kind: ReferralKind,
    /// The receiving organisation (referrals).
    pub organization: Option<String>,
    /// The service asked for (referrals).
    pub service: Option<String>,
    /// The receiving program (transfers).
    pub to_program: Option<String>,
    /// The receiving worker (transfers).
    pub to_worker: Option<String>,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub status: ReferralStatus,
    /// When it was made.
    pub created_at: String,
    /// When its status last changed.
    pub updated_at: String,
}

impl From<m::Referral> for Referral {
    fn from(r: m::Referral) -> Self {
        let m::Referral {
            id,
            kind,
            organization,
            service,
            to_program,
            to_worker,
            reason,
            status,
            created_at,
            updated_at,
        } = r;
        Referral {
            id: id.to_string(),
            kind,
            organization,
            service,
            to_program: to_program.map(|p| p.to_string()),
            to_worker: to_worker.map(|w| w.to_string()),
            reason,
            status,
            created_at: time_text(&created_at),
            updated_at: time_text(&updated_at),
        }
    }
}

/// A document's metadata (the bytes live in the blob store).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DocumentMeta {
    /// The document's id.
    pub id: String,
    /// File name.
    pub name: String,
    /// MIME type.
    pub media_type: String,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Category.
    pub category: Option<String>,
    /// Who attached it.
    pub attached_by: String,
    /// When.
    pub attached_at: String,
}

impl From<m::DocumentMeta> for DocumentMeta {
    fn from(d: m::DocumentMeta) -> Self {
        let m::DocumentMeta { id, name, media_type, sha256, size_bytes, category, attached_by, attached_at } = d;
        DocumentMeta {
            id: id.to_string(),
            name,
            media_type,
            sha256,
            size_bytes,
            category,
            attached_by: attached_by.to_string(),
            attached_at: time_text(&attached_at),
        }
    }
}

/// A measurement of a goal's measure.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct OutcomeMeasurement {
    /// The measurement's id.
    pub id: String,
    /// The goal measured.
    pub goal_id: String,
    /// The value.
    pub value: f64,
    /// When it was measured (`YYYY-MM-DD`).
    pub measured_on: String,
    /// Free-text remark.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

impl From<m::OutcomeMeasurement> for OutcomeMeasurement {
    fn from(o: m::OutcomeMeasurement) -> Self {
        let m::OutcomeMeasurement { id, goal_id, value, measured_on, note, recorded_by } = o;
        OutcomeMeasurement {
            id: id.to_string(),
            goal_id: goal_id.to_string(),
            value,
            measured_on: date_text(&measured_on),
            note,
            recorded_by: recorded_by.to_string(),
        }
    }
}

/// A goal's final status, recorded at closure.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GoalOutcome {
    /// The goal.
    pub goal_id: String,
    /// Its final status.
    pub status: GoalStatus,
}

impl From<m::GoalOutcome> for GoalOutcome {
    fn from(o: m::GoalOutcome) -> Self {
        let m::GoalOutcome { goal_id, status } = o;
        GoalOutcome { goal_id: goal_id.to_string(), status }
    }
}

/// How and why a case was closed.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Closure {
    /// Why.
    pub reason: ClosureReason,
    /// A summary for the record.
    pub summary: String,
    /// Each goal's final status.
    pub goal_outcomes: Vec<GoalOutcome>,
    /// Who closed it.
    pub closed_by: String,
    /// When.
    pub closed_at: String,
}

impl From<m::Closure> for Closure {
    fn from(c: m::Closure) -> Self {
        let m::Closure { reason, summary, goal_outcomes, closed_by, closed_at } = c;
        Closure {
            reason,
            summary,
            goal_outcomes: all(goal_outcomes),
            closed_by: closed_by.to_string(),
            closed_at: time_text(&closed_at),
        }
    }
}

/// A case on hold: deadlines are paused.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Hold {
    /// Why.
    pub reason: String,
    /// Since when.
    pub since: String,
    /// Expected end, if known.
    pub until: Option<String>,
}

impl From<m::Hold> for Hold {
    fn from(h: m::Hold) -> Self {
        let m::Hold { reason, since, until } = h;
        Hold { reason, since: time_text(&since), until: until.as_ref().map(time_text) }
    }
}

// ---------------------------------------------------------------------------------------
// Lists, history, verification, programs.

/// A case's row in the case list.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CaseSummary {
    /// The case.
    pub case_id: String,
    /// Its program.
    pub program: String,
    /// Its phase.
    pub phase: Phase,
    /// The client's id.
    pub client_id: String,
    /// The client's name.
    pub client_name: String,
    /// Priority.
    pub priority: Priority,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Assigned workers, sorted.
    pub assignees: Vec<String>,
    /// The primary worker.
    pub primary_worker: Option<String>,
    /// Whether the case is on hold.
    pub on_hold: bool,
    /// The earliest due time of an open task (none while on hold or closed).
    pub next_due: Option<String>,
    /// Open tasks.
    pub open_tasks: u32,
    /// When it was opened.
    pub opened_at: String,
    /// When it was closed (none while open).
    pub closed_at: Option<String>,
    /// When it last changed.
    pub updated_at: String,
    /// Its version.
    pub version: u64,
}

impl From<casekit::CaseSummary> for CaseSummary {
    fn from(s: casekit::CaseSummary) -> Self {
        let casekit::CaseSummary {
            case_id,
            program,
            phase,
            client_id,
            client_name,
            priority,
            tags,
            assignees,
            primary_worker,
            on_hold,
            next_due,
            open_tasks,
            opened_at,
            closed_at,
            updated_at,
            version,
        } = s;
        CaseSummary {
            case_id: case_id.to_string(),
            program: program.to_string(),
            phase,
            client_id: client_id.to_string(),
            client_name,
            priority,
            tags,
            assignees: assignees.into_iter().map(|a| a.to_string()).collect(),
            primary_worker: primary_worker.map(|w| w.to_string()),
            on_hold,
            next_due: next_due.as_ref().map(time_text),
            open_tasks,
            opened_at: time_text(&opened_at),
            closed_at: closed_at.as_ref().map(time_text),
            updated_at: time_text(&updated_at),
            version,
        }
    }
}

/// A case list filter. Every field given narrows the list; times are RFC 3339.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct CaseQuery {
    /// Cases in this phase.
    #[uniffi(default)]
    pub phase: Option<Phase>,
    /// Cases of this program.
    #[uniffi(default)]
    pub program: Option<String>,
    /// Cases assigned to this worker.
    #[uniffi(default)]
    pub assignee: Option<String>,
    /// Cases of this client.
    #[uniffi(default)]
    pub client_id: Option<String>,
    /// Cases with this priority.
    #[uniffi(default)]
    pub priority: Option<Priority>,
    /// Cases with this tag.
    #[uniffi(default)]
    pub tag: Option<String>,
    /// Cases with an open task due at or before this time.
    #[uniffi(default)]
    pub due_before: Option<String>,
    /// Cases on hold (true) or not (false).
    #[uniffi(default)]
    pub on_hold: Option<bool>,
    /// Cases opened at or after this time.
    #[uniffi(default)]
    pub opened_from: Option<String>,
    /// Cases opened before this time.
    #[uniffi(default)]
    pub opened_to: Option<String>,
    /// Cases closed at or after this time.
    #[uniffi(default)]
    pub closed_from: Option<String>,
    /// Cases closed before this time.
    #[uniffi(default)]
    pub closed_to: Option<String>,
    /// Cases with a note the reader may see that contains every word of this text.
    #[uniffi(default)]
    pub text: Option<String>,
    /// Keyset cursor: the `next_cursor` of the previous page.
    #[uniffi(default)]
    pub after: Option<String>,
    /// Page size (default 50, at most 1000).
    #[uniffi(default)]
    pub limit: Option<u32>,
}

impl CaseQuery {
    /// casekit's form.
    pub fn into_core(self) -> Result<casekit::CaseQuery> {
        use crate::convert::{opt_id, opt_time};
        let CaseQuery {
            phase,
            program,
            assignee,
            client_id,
            priority,
            tag,
            due_before,
            on_hold,
            opened_from,
            opened_to,
            closed_from,
            closed_to,
            text,
            after,
            limit,
        } = self;
        Ok(casekit::CaseQuery {
            phase,
            program: program.map(Into::into),
            assignee: assignee.map(Into::into),
            client_id: opt_id("client_id", client_id)?,
            priority,
            tag,
            due_before: opt_time("due_before", due_before)?,
            on_hold,
            opened_from: opt_time("opened_from", opened_from)?,
            opened_to: opt_time("opened_to", opened_to)?,
            closed_from: opt_time("closed_from", closed_from)?,
            closed_to: opt_time("closed_to", closed_to)?,
            text,
            after: opt_id("after", after)?,
            limit,
        })
    }
}

/// A page of the case list.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Page {
    /// The items.
    pub items: Vec<CaseSummary>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl From<casekit::Page<casekit::CaseSummary>> for Page {
    fn from(p: casekit::Page<casekit::CaseSummary>) -> Self {
        let casekit::Page { items, next_cursor } = p;
        Page { items: all(items), next_cursor: next_cursor.map(|c| c.to_string()) }
    }
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct VerifyReport {
    /// The case.
    pub case_id: String,
    /// Events checked.
    pub events_checked: u64,
    /// Whether the whole chain verified.
    pub valid: bool,
    /// The first event that failed, if any.
    pub first_broken_sequence: Option<u64>,
    /// What failed.
    pub problem: Option<String>,
    /// Hash of the last event checked.
    pub head_hash: Option<String>,
}

impl From<casekit::VerifyReport> for VerifyReport {
    fn from(r: casekit::VerifyReport) -> Self {
        let casekit::VerifyReport { case_id, events_checked, valid, first_broken_sequence, problem, head_hash } = r;
        VerifyReport {
            case_id: case_id.to_string(),
            events_checked,
            valid,
            first_broken_sequence,
            problem,
            head_hash: head_hash.map(|h| h.to_string()),
        }
    }
}

/// The kind of value a program's custom field holds.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum CustomFieldKind {
    /// Any string.
    Text,
    /// Any JSON number.
    Number,
    /// A whole number.
    Integer,
    /// true or false.
    Boolean,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of the listed strings.
    Choice {
        /// The allowed values.
        options: Vec<String>,
    },
}

/// One custom field of a program.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CustomFieldDef {
    /// The field's key.
    pub key: String,
    /// The kind of value it holds.
    pub kind: CustomFieldKind,
    /// Whether `openCase` must give it.
    #[uniffi(default = false)]
    pub required: bool,
}

/// A program's definition: the rules it adds to the lifecycle.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Program {
    /// The program's id.
    pub id: String,
    /// A display name.
    #[uniffi(default = "")]
    pub name: String,
    /// Instrument ids that must each be recorded in the current assessment cycle before
    /// `completeAssessment` is accepted.
    #[uniffi(default)]
    pub required_instruments: Vec<String>,
    /// The custom fields the program defines (when not empty, only these are accepted).
    #[uniffi(default)]
    pub custom_fields: Vec<CustomFieldDef>,
}

impl From<Program> for casekit::Program {
    fn from(p: Program) -> Self {
        use casekit::program::{CustomFieldDef as D, CustomFieldKind as K};
        let Program { id, name, required_instruments, custom_fields } = p;
        casekit::Program {
            id: id.into(),
            name,
            required_instruments,
            custom_fields: custom_fields
                .into_iter()
                .map(|f| {
                    let CustomFieldDef { key, kind, required } = f;
                    let kind = match kind {
                        CustomFieldKind::Text => K::Text,
                        CustomFieldKind::Number => K::Number,
                        CustomFieldKind::Integer => K::Integer,
                        CustomFieldKind::Boolean => K::Boolean,
                        CustomFieldKind::Date => K::Date,
                        CustomFieldKind::Choice { options } => K::Choice { options },
                    };
                    D { key, kind, required }
                })
                .collect(),
        }
    }
}

impl From<casekit::Program> for Program {
    fn from(p: casekit::Program) -> Self {
        use casekit::program::{CustomFieldDef as D, CustomFieldKind as K};
        let casekit::Program { id, name, required_instruments, custom_fields } = p;
        Program {
            id: id.to_string(),
            name,
            required_instruments,
            custom_fields: custom_fields
                .into_iter()
                .map(|f| {
                    let D { key, kind, required } = f;
                    let kind = match kind {
                        K::Text => CustomFieldKind::Text,
                        K::Number => CustomFieldKind::Number,
                        K::Integer => CustomFieldKind::Integer,
                        K::Boolean => CustomFieldKind::Boolean,
                        K::Date => CustomFieldKind::Date,
                        K::Choice { options } => CustomFieldKind::Choice { options },
                    };
                    CustomFieldDef { key, kind, required }
                })
                .collect(),
        }
    }
}

/// A JSON object of custom fields or responses, as given by the caller.
pub fn custom_fields(
    field: &str,
    text: Option<String>,
) -> Result<std::collections::BTreeMap<String, serde_json::Value>> {
    match text {
        None => Ok(Default::default()),
        Some(t) => json_object(field, &t),
    }
}

/// Goal evaluations in casekit's form.
pub fn evaluations_into_core(list: Vec<GoalEvaluation>) -> Result<Vec<casekit::command::GoalEvaluation>> {
    list.into_iter()
        .enumerate()
        .map(|(i, e)| {
            let GoalEvaluation { goal_id, status } = e;
            Ok(casekit::command::GoalEvaluation {
                goal_id: id(&format!("{}.goal_id", item("evaluations", i)), &goal_id)?,
                status,
            })
        })
        .collect()
}

/// A required date in casekit's form.
pub fn day(field: &str, text: &str) -> Result<chrono::NaiveDate> {
    date(field, text)
}
