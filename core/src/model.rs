//! The records inside a case (DESIGN.md, "Records inside a case").
//!
//! These are the shapes the case view exposes. Each record is created by exactly one
//! event and changed only by `evolve`; the JSON form (snake_case, stable) is the
//! interchange format of views, exports and scenarios.

use crate::clock::Timestamp;
use crate::ids::*;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The lifecycle phase of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl Phase {
    /// Every phase, in lifecycle order.
    pub const ALL: [Phase; 5] = [Phase::Intake, Phase::Assessment, Phase::Planning, Phase::Active, Phase::Closed];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Intake => "intake",
            Phase::Assessment => "assessment",
            Phase::Planning => "planning",
            Phase::Active => "active",
            Phase::Closed => "closed",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent a case is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Needs attention soon.
    High,
    /// Needs attention now.
    Urgent,
}

impl Priority {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Priority> {
        [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent].into_iter().find(|p| p.as_str() == s)
    }
}

/// Who the client is. Everything but the name is optional: intake often starts with
/// little and fills in later (`update_client`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientDetails {
    /// Full name (required, not empty).
    pub name: String,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// Gender as the client states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Preferred language (BCP 47 tag such as `en` or `es-MX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Number of people in the household, the client included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_size: Option<u32>,
    /// Household income per month, in the program's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_income: Option<f64>,
    /// The client's id in another system (an MRN, a matter number, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Consents the client gave or refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<Consent>,
}

/// A consent the client gave or refused (data sharing, contact by phone, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// What the consent covers, e.g. `data_sharing`.
    pub scope: String,
    /// Whether it was given.
    pub granted: bool,
    /// When it was given or refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

/// A partial update of [`ClientDetails`]: fields that are given replace the current ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientUpdate {
    /// New full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// New gender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// New address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// New phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// New e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New preferred language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// New household size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_size: Option<u32>,
    /// New monthly income.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_income: Option<f64>,
    /// New external reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// Consents to record (replacing any earlier one with the same scope).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<Consent>,
}

/// How a worker is attached to a case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentRole {
    /// The worker responsible for the case (at most one).
    #[default]
    Primary,
    /// A worker who helps.
    Secondary,
}

/// A worker assigned to a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The worker.
    pub worker: ActorId,
    /// Primary or secondary.
    pub role: AssignmentRole,
    /// When the assignment was made.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub assigned_at: Timestamp,
}

/// A need that cannot wait for the assessment (food, shelter, safety), recorded at intake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImmediateNeed {
    /// The need's id.
    pub id: ImmediateNeedId,
    /// Category, e.g. `food` or `housing`.
    pub category: String,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// Which instrument (questionnaire, scale) an assessment used.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentRef {
    /// The instrument's id, e.g. `phq-9`.
    pub id: String,
    /// The instrument's version, e.g. `1.0`.
    pub version: String,
}

/// A recorded assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The assessment's id.
    pub id: AssessmentId,
    /// The instrument used.
    pub instrument: InstrumentRef,
    /// Item id -> answer.
    pub responses: BTreeMap<String, Value>,
    /// Score name -> value (e.g. `total`).
    #[serde(default)]
    pub scores: BTreeMap<String, f64>,
    /// Score name -> band (e.g. `total` -> `moderate`).
    #[serde(default)]
    pub bands: BTreeMap<String, String>,
    /// Risk flags raised (e.g. `self_harm`).
    #[serde(default)]
    pub risk_flags: Vec<String>,
    /// The assessment cycle it belongs to (1 for the first assessment phase, +1 for
    /// every reassessment or reopening).
    pub cycle: u32,
    /// When it was recorded.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub recorded_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: ActorId,
}

/// A need identified by an assessment, which goals can address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifiedNeed {
    /// The need's id.
    pub id: NeedId,
    /// The assessment that identified it.
    pub assessment_id: AssessmentId,
    /// Life domain, e.g. `housing`, `mental_health`.
    pub domain: String,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Severity as the instrument or worker rates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

/// Which way a measure should move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better.
    Increase,
    /// Lower is better.
    Decrease,
    /// Staying at the target is the goal.
    Maintain,
}

/// How a goal is measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// What is measured, e.g. `PHQ-9 total` or `monthly income`.
    pub name: String,
    /// Unit, e.g. `points` or `USD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The value at the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// The value that means the goal is met.
    pub target: f64,
    /// Which way is better.
    pub direction: Direction,
}

/// Where a goal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl GoalStatus {
    /// Whether the goal is still being worked on.
    pub fn is_open(self) -> bool {
        matches!(self, GoalStatus::NotStarted | GoalStatus::InProgress)
    }
}

/// A goal of the service plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    /// The goal's id.
    pub id: GoalId,
    /// What the client wants to achieve.
    pub description: String,
    /// Life domain, e.g. `housing`.
    pub domain: String,
    /// The identified need it addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_id: Option<NeedId>,
    /// How progress is measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// When it should be met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// Where it stands.
    pub status: GoalStatus,
    /// When it was added.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub created_at: Timestamp,
}

/// Where a service stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// A service of the plan, delivered by a provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// The service's id.
    pub id: ServiceId,
    /// What the service is, e.g. `rental assistance`.
    pub name: String,
    /// Who provides it.
    pub provider: String,
    /// The goal it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_id: Option<GoalId>,
    /// First day of service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// Planned or actual last day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// How often, in words (`weekly`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    /// Where it stands.
    pub status: ServiceStatus,
    /// Deliveries recorded so far.
    #[serde(default)]
    pub deliveries: Vec<ServiceDelivery>,
}

/// One delivery of a service (a session, a payment, a visit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceDelivery {
    /// The delivery's id.
    pub id: DeliveryId,
    /// When it was delivered.
    pub delivered_on: NaiveDate,
    /// Units delivered (hours, sessions, amount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<f64>,
    /// Free-text remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: ActorId,
}

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// To do.
    Open,
    /// Done.
    Completed,
    /// Will not be done.
    Cancelled,
}

/// A task on the case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The task's id.
    pub id: TaskId,
    /// What to do.
    pub title: String,
    /// When it is due. Holds push it back by the time spent on hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::event::time_serde::option")]
    pub due: Option<Timestamp>,
    /// Who should do it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<ActorId>,
    /// Where it stands.
    pub status: TaskStatus,
    /// When it was created.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub created_at: Timestamp,
    /// When it was completed or cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::event::time_serde::option")]
    pub finished_at: Option<Timestamp>,
    /// Why it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
}

/// What kind of note.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Anything else.
    #[default]
    General,
    /// A contact with the client (call, visit, message).
    Contact,
    /// Progress on the plan.
    Progress,
    /// Supervision or case review.
    Supervision,
    /// An incident.
    Incident,
}

/// A case note. Notes are never edited: a correction is a new note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The note's id.
    pub id: NoteId,
    /// What kind of note.
    pub kind: NoteKind,
    /// The text.
    pub text: String,
    /// Confidential notes are visible only to assigned workers and supervisors.
    pub confidential: bool,
    /// Who wrote it.
    pub author: ActorId,
    /// When.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub created_at: Timestamp,
}

/// Referral or transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralKind {
    /// A referral out to another organisation.
    External,
    /// A transfer to another program and/or worker.
    Transfer,
}

/// Where a referral stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// A referral out, or a transfer inside the organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// The referral's id.
    pub id: ReferralId,
    /// Referral or transfer.
    pub kind: ReferralKind,
    /// The receiving organisation (referrals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The service asked for (referrals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The receiving program (transfers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_program: Option<ProgramId>,
    /// The receiving worker (transfers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_worker: Option<ActorId>,
    /// Why.
    pub reason: String,
    /// Where it stands.
    pub status: ReferralStatus,
    /// When it was made.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub created_at: Timestamp,
    /// When its status last changed.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub updated_at: Timestamp,
}

/// A document's metadata. The bytes live in the blob store, addressed by their SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentMeta {
    /// The document's id.
    pub id: DocumentId,
    /// File name.
    pub name: String,
    /// MIME type, e.g. `application/pdf`.
    pub media_type: String,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Category, e.g. `id`, `consent_form`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Who attached it.
    pub attached_by: ActorId,
    /// When.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub attached_at: Timestamp,
}

/// A measurement of a goal's measure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutcomeMeasurement {
    /// The measurement's id.
    pub id: MeasurementId,
    /// The goal measured.
    pub goal_id: GoalId,
    /// The value.
    pub value: f64,
    /// When it was measured.
    pub measured_on: NaiveDate,
    /// Free-text remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: ActorId,
}

/// Why a case was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl ClosureReason {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ClosureReason::GoalsAchieved => "goals_achieved",
            ClosureReason::Ineligible => "ineligible",
            ClosureReason::ReferredOut => "referred_out",
            ClosureReason::ClientWithdrew => "client_withdrew",
            ClosureReason::LostContact => "lost_contact",
            ClosureReason::MovedAway => "moved_away",
            ClosureReason::Deceased => "deceased",
            ClosureReason::Other => "other",
        }
    }
}

/// A goal's final status, recorded at closure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalOutcome {
    /// The goal.
    pub goal_id: GoalId,
    /// Its final status.
    pub status: GoalStatus,
}

/// How and why a case was closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Why.
    pub reason: ClosureReason,
    /// A summary for the record.
    pub summary: String,
    /// Each goal's final status.
    pub goal_outcomes: Vec<GoalOutcome>,
    /// Who closed it.
    pub closed_by: ActorId,
    /// When.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub closed_at: Timestamp,
}

/// A case on hold: deadlines are paused and only a few commands are accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// Why.
    pub reason: String,
    /// Since when.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub since: Timestamp,
    /// Expected end, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::event::time_serde::option")]
    pub until: Option<Timestamp>,
}
