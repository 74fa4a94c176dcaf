//! Events as Swift and Kotlin see them: the envelope as typed fields, the event itself as
//! its type name and its JSON (`{"type": "goal_added", ...}`, the stable interchange form
//! of casekit's events), and the result of a command.

use crate::convert::{date_text, json_text, time_text, to_json};
use crate::error::Result;
use crate::types::{ClientDetails, ClientUpdate, GoalEvaluation, GoalOutcome, ImmediateNeed, InstrumentRef, Measure};
use casekit::event::Event as E;
use casekit::model::{AssignmentRole, ClosureReason, NoteKind, Phase, Priority, ReferralStatus, ServiceStatus};
use std::collections::HashMap;

/// An event in its envelope: what happened to a case, when, by whom, chained by hash to
/// the case's previous event.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct RecordedEvent {
    /// The event's id.
    pub event_id: String,
    /// The case.
    pub case_id: String,
    /// Per-case sequence number: 1, 2, ...
    pub sequence: u64,
    /// Position in the store's global log.
    pub position: u64,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    /// Who caused it.
    pub actor: String,
    /// The schema version it was written with.
    pub schema_version: u32,
    /// The event's type name, e.g. `goal_added`.
    pub event_type: String,
    /// What happened, typed.
    pub event: Event,
    /// The same event as casekit's JSON, `{"type": "goal_added", "goal_id": ..., ...}`:
    /// for exports and sync.
    pub event_json: String,
    /// Hash of the previous event of the case.
    pub prev_hash: String,
    /// Hash of this event.
    pub hash: String,
    /// True when parts of the payload were withheld from the reader (confidential notes).
    pub redacted: bool,
}

impl RecordedEvent {
    /// The record of a casekit event.
    pub fn of(e: casekit::RecordedEvent) -> Result<Self> {
        let casekit::RecordedEvent {
            event_id,
            case_id,
            sequence,
            position,
            recorded_at,
            actor,
            schema_version,
            event,
            prev_hash,
            hash,
            redacted,
        } = e;
        Ok(RecordedEvent {
            event_id: event_id.to_string(),
            case_id: case_id.to_string(),
            sequence,
            position,
            recorded_at: time_text(&recorded_at),
            actor: actor.to_string(),
            schema_version,
            event_type: event.type_name().to_owned(),
            event_json: to_json(&event)?,
            event: event.into(),
            prev_hash: prev_hash.to_string(),
            hash: hash.to_string(),
            redacted,
        })
    }

    /// Records of many events.
    pub fn all(events: Vec<casekit::RecordedEvent>) -> Result<Vec<Self>> {
        events.into_iter().map(Self::of).collect()
    }
}

/// The result of a command that was committed.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Committed {
    /// The case.
    pub case_id: String,
    /// Its version after the command.
    pub version: u64,
    /// Its phase after the command.
    pub phase: Phase,
    /// The id of the record the command created (the case, goal, task, note, ...).
    pub created_id: Option<String>,
    /// The events the command appended.
    pub events: Vec<RecordedEvent>,
}

impl Committed {
    /// The record of a casekit result.
    pub fn of(c: casekit::Committed) -> Result<Self> {
        let casekit::Committed { case_id, version, phase, created_id, events } = c;
        Ok(Committed {
            case_id: case_id.to_string(),
            version,
            phase,
            created_id: created_id.map(|u| u.to_string()),
            events: RecordedEvent::all(events)?,
        })
    }
}

/// What a batch wrote (`executeBatchSummary`): the answer of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BatchSummary {
    /// How many commands were committed.
    pub commands: u64,
    /// How many events they appended.
    pub events: u64,
    /// How many distinct cases they touched (opened or changed).
    pub cases: u64,
    /// The global log position of the first event appended (`null`/`nil` if none was).
    pub first_position: Option<u64>,
    /// The global log position of the last event appended: read the log after it for
    /// what came next.
    pub last_position: Option<u64>,
}

impl From<casekit::BatchSummary> for BatchSummary {
    fn from(s: casekit::BatchSummary) -> Self {
        let casekit::BatchSummary { commands, events, cases, first_position, last_position } = s;
        BatchSummary { commands, events, cases, first_position, last_position }
    }
}

/// A need identified by an assessment, as its event records it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct IdentifiedNeedRecord {
    /// The need's id.
    pub id: String,
    /// Life domain.
    pub domain: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: Option<String>,
}

/// Everything that can happen to a case (casekit's `Event`). Ids are UUID text, times
/// RFC 3339, dates `YYYY-MM-DD`, free-form JSON is JSON text.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum Event {
    /// A case was opened.
    CaseOpened {
        /// The new case.
        case_id: String,
        /// Its program.
        program: String,
        /// The client's id.
        client_id: String,
        /// The client.
        client: ClientDetails,
        /// Priority.
        priority: Priority,
        /// Tags.
        tags: Vec<String>,
        /// The primary worker, if given.
        assigned_to: Option<String>,
        /// Custom fields, as a JSON object.
        custom_fields_json: String,
    },
    /// Client details changed.
    ClientUpdated {
        /// The changed fields.
        changes: ClientUpdate,
    },
    /// Intake finished; the client is eligible.
    IntakeCompleted {
        /// Needs that cannot wait.
        immediate_needs: Vec<ImmediateNeed>,
    },
    /// An assessment was recorded.
    AssessmentRecorded {
        /// The assessment's id.
        assessment_id: String,
        /// The instrument.
        instrument: InstrumentRef,
        /// Item -> answer, as a JSON object.
        responses_json: String,
        /// Score -> value.
        scores: HashMap<String, f64>,
        /// Score -> band.
        bands: HashMap<String, String>,
        /// Risk flags.
        risk_flags: Vec<String>,
        /// The assessment cycle.
        cycle: u32,
        /// Needs identified.
        identified_needs: Vec<IdentifiedNeedRecord>,
    },
    /// The assessment phase finished; planning starts.
    AssessmentCompleted {
        /// The cycle that finished.
        cycle: u32,
        /// A summary of findings.
        summary: Option<String>,
    },
    /// The plan was activated.
    PlanActivated,
    /// A reassessment started; a new assessment cycle begins.
    ReassessmentStarted {
        /// Why.
        reason: String,
        /// The new cycle.
        cycle: u32,
    },
    /// The case was closed.
    CaseClosed {
        /// Why.
        reason: ClosureReason,
        /// Summary.
        summary: String,
        /// Each goal's final status.
        goal_outcomes: Vec<GoalOutcome>,
    },
    /// The case was reopened; a new assessment cycle begins.
    CaseReopened {
        /// Why.
        reason: String,
        /// The new cycle.
        cycle: u32,
    },
    /// A worker was assigned.
    WorkerAssigned {
        /// The worker.
        worker: String,
        /// Primary or secondary.
        role: AssignmentRole,
    },
    /// A worker's assignment ended.
    WorkerUnassigned {
        /// The worker.
        worker: String,
    },
    /// A note was added.
    NoteAdded {
        /// The note's id.
        note_id: String,
        /// Kind.
        kind: NoteKind,
        /// Text (empty in a redacted history entry).
        text: String,
        /// Confidential or not.
        confidential: bool,
    },
    /// A document was attached.
    DocumentAttached {
        /// The document's id.
        document_id: String,
        /// File name.
        name: String,
        /// MIME type.
        media_type: String,
        /// SHA-256, hex.
        sha256: String,
        /// Size.
        size_bytes: u64,
        /// Category.
        category: Option<String>,
    },
    /// The client was referred out.
    ReferralMade {
        /// The referral's id.
        referral_id: String,
        /// Receiving organisation.
        organization: String,
        /// Service asked for.
        service: Option<String>,
        /// Why.
        reason: String,
    },
    /// A referral's status changed.
    ReferralUpdated {
        /// The referral.
        referral_id: String,
        /// New status.
        status: ReferralStatus,
    },
    /// The case was transferred.
    CaseTransferred {
        /// The transfer's record id.
        referral_id: String,
        /// The program it left.
        from_program: String,
        /// The program it joined (if it changed).
        to_program: Option<String>,
        /// The new primary worker (if given).
        to_worker: Option<String>,
        /// Why.
        reason: String,
    },
    /// A task was added.
    TaskAdded {
        /// The task's id.
        task_id: String,
        /// What to do.
        title: String,
        /// Due (RFC 3339).
        due: Option<String>,
        /// Assignee.
        assignee: Option<String>,
    },
    /// A task was done.
    TaskCompleted {
        /// The task.
        task_id: String,
    },
    /// A task was cancelled (by hand, or by the case's closure).
    TaskCancelled {
        /// The task.
        task_id: String,
        /// Why.
        reason: String,
    },
    /// A task was reassigned.
    TaskReassigned {
        /// The task.
        task_id: String,
        /// New assignee.
        assignee: String,
    },
    /// A task's due time changed.
    TaskDueChanged {
        /// The task.
        task_id: String,
        /// New due time (`None`: none).
        due: Option<String>,
    },
    /// Priority changed.
    PriorityChanged {
        /// New priority.
        priority: Priority,
    },
    /// A tag was added.
    TagAdded {
        /// The tag.
        tag: String,
    },
    /// A tag was removed.
    TagRemoved {
        /// The tag.
        tag: String,
    },
    /// The case was put on hold.
    PlacedOnHold {
        /// Why.
        reason: String,
        /// Expected end.
        until: Option<String>,
    },
    /// The case was resumed; open tasks' due times moved back by the time on hold.
    Resumed {
        /// Seconds the case spent on hold.
        paused_seconds: i64,
    },
    /// Custom fields were set (a JSON `null` removes).
    CustomFieldsSet {
        /// Key -> value, as a JSON object.
        values_json: String,
    },
    /// A goal was added.
    GoalAdded {
        /// The goal's id.
        goal_id: String,
        /// Description.
        description: String,
        /// Domain.
        domain: String,
        /// Need addressed.
        need_id: Option<String>,
        /// Measure.
        measure: Option<Measure>,
        /// Due date.
        due: Option<String>,
    },
    /// Goals were evaluated.
    GoalsEvaluated {
        /// New statuses.
        evaluations: Vec<GoalEvaluation>,
    },
    /// A service was added.
    ServiceAdded {
        /// The service's id.
        service_id: String,
        /// Name.
        name: String,
        /// Provider.
        provider: String,
        /// Goal served.
        goal_id: Option<String>,
        /// First day.
        start: Option<String>,
        /// Last day.
        end: Option<String>,
        /// Frequency.
        frequency: Option<String>,
    },
    /// A service's status changed.
    ServiceStatusChanged {
        /// The service.
        service_id: String,
        /// New status.
        status: ServiceStatus,
        /// Why.
        reason: Option<String>,
    },
    /// A service was delivered.
    ServiceDelivered {
        /// The delivery's id.
        delivery_id: String,
        /// The service.
        service_id: String,
        /// When (`YYYY-MM-DD`).
        delivered_on: String,
        /// Units.
        units: Option<f64>,
        /// Remark.
        note: Option<String>,
    },
    /// An outcome was measured.
    OutcomeRecorded {
        /// The measurement's id.
        measurement_id: String,
        /// The goal.
        goal_id: String,
        /// Value.
        value: f64,
        /// When measured (`YYYY-MM-DD`).
        measured_on: String,
        /// Remark.
        note: Option<String>,
    },
}

fn text<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

impl From<E> for Event {
    fn from(e: E) -> Self {
        match e {
            E::CaseOpened { case_id, program, client_id, client, priority, tags, assigned_to, custom_fields } => {
                Event::CaseOpened {
                    case_id: case_id.to_string(),
                    program: program.to_string(),
                    client_id: client_id.to_string(),
                    client: client.into(),
                    priority,
                    tags,
                    assigned_to: assigned_to.map(|a| a.to_string()),
                    custom_fields_json: json_text(&custom_fields),
                }
            }
            E::ClientUpdated { changes } => Event::ClientUpdated { changes: changes.into() },
            E::IntakeCompleted { immediate_needs } => Event::IntakeCompleted {
                immediate_needs: immediate_needs
                    .into_iter()
                    .map(|n| {
                        let casekit::event::ImmediateNeedRecord { id, category, description } = n;
                        ImmediateNeed { id: id.to_string(), category, description }
                    })
                    .collect(),
            },
            E::AssessmentRecorded {
                assessment_id,
                instrument,
                responses,
                scores,
                bands,
                risk_flags,
                cycle,
                identified_needs,
            } => Event::AssessmentRecorded {
                assessment_id: assessment_id.to_string(),
                instrument: instrument.into(),
                responses_json: json_text(&responses),
                scores: scores.into_iter().collect(),
                bands: bands.into_iter().collect(),
                risk_flags,
                cycle,
                identified_needs: identified_needs
                    .into_iter()
                    .map(|n| {
                        let casekit::event::IdentifiedNeedRecord { id, domain, description, severity } = n;
                        IdentifiedNeedRecord { id: id.to_string(), domain, description, severity }
                    })
                    .collect(),
            },
            E::AssessmentCompleted { cycle, summary } => Event::AssessmentCompleted { cycle, summary },
            E::PlanActivated {} => Event::PlanActivated,
            E::ReassessmentStarted { reason, cycle } => Event::ReassessmentStarted { reason, cycle },
            E::CaseClosed { reason, summary, goal_outcomes } => Event::CaseClosed {
                reason,
                summary,
                goal_outcomes: goal_outcomes.into_iter().map(Into::into).collect(),
            },
            E::CaseReopened { reason, cycle } => Event::CaseReopened { reason, cycle },
            E::WorkerAssigned { worker, role } => Event::WorkerAssigned { worker: worker.to_string(), role },
            E::WorkerUnassigned { worker } => Event::WorkerUnassigned { worker: worker.to_string() },
            E::NoteAdded { note_id, kind, text, confidential } => {
                Event::NoteAdded { note_id: note_id.to_string(), kind, text, confidential }
            }
            E::DocumentAttached { document_id, name, media_type, sha256, size_bytes, category } => {
                Event::DocumentAttached {
                    document_id: document_id.to_string(),
                    name,
                    media_type,
                    sha256,
                    size_bytes,
                    category,
                }
            }
            E::ReferralMade { referral_id, organization, service, reason } => {
                Event::ReferralMade { referral_id: referral_id.to_string(), organization, service, reason }
            }
            E::ReferralUpdated { referral_id, status } => {
                Event::ReferralUpdated { referral_id: referral_id.to_string(), status }
            }
            E::CaseTransferred { referral_id, from_program, to_program, to_worker, reason } => Event::CaseTransferred {
                referral_id: referral_id.to_string(),
                from_program: from_program.to_string(),
                to_program: to_program.map(|p| p.to_string()),
                to_worker: to_worker.map(|w| w.to_string()),
                reason,
            },
            E::TaskAdded { task_id, title, due, assignee } => Event::TaskAdded {
                task_id: task_id.to_string(),
                title,
                due: due.as_ref().map(time_text),
                assignee: assignee.map(|a| a.to_string()),
            },
            E::TaskCompleted { task_id } => Event::TaskCompleted { task_id: task_id.to_string() },
            E::TaskCancelled { task_id, reason } => Event::TaskCancelled { task_id: task_id.to_string(), reason },
            E::TaskReassigned { task_id, assignee } => {
                Event::TaskReassigned { task_id: task_id.to_string(), assignee: assignee.to_string() }
            }
            E::TaskDueChanged { task_id, due } => {
                Event::TaskDueChanged { task_id: task_id.to_string(), due: due.as_ref().map(time_text) }
            }
            E::PriorityChanged { priority } => Event::PriorityChanged { priority },
            E::TagAdded { tag } => Event::TagAdded { tag },
            E::TagRemoved { tag } => Event::TagRemoved { tag },
            E::PlacedOnHold { reason, until } => Event::PlacedOnHold { reason, until: until.as_ref().map(time_text) },
            E::Resumed { paused_seconds } => Event::Resumed { paused_seconds },
            E::CustomFieldsSet { values } => Event::CustomFieldsSet { values_json: json_text(&values) },
            E::GoalAdded { goal_id, description, domain, need_id, measure, due } => Event::GoalAdded {
                goal_id: goal_id.to_string(),
                description,
                domain,
                need_id: text(need_id),
                measure: measure.map(Into::into),
                due: due.as_ref().map(date_text),
            },
            E::GoalsEvaluated { evaluations } => Event::GoalsEvaluated {
                evaluations: evaluations
                    .into_iter()
                    .map(|e| {
                        let casekit::command::GoalEvaluation { goal_id, status } = e;
                        GoalEvaluation { goal_id: goal_id.to_string(), status }
                    })
                    .collect(),
            },
            E::ServiceAdded { service_id, name, provider, goal_id, start, end, frequency } => Event::ServiceAdded {
                service_id: service_id.to_string(),
                name,
                provider,
                goal_id: text(goal_id),
                start: start.as_ref().map(date_text),
                end: end.as_ref().map(date_text),
                frequency,
            },
            E::ServiceStatusChanged { service_id, status, reason } => {
                Event::ServiceStatusChanged { service_id: service_id.to_string(), status, reason }
            }
            E::ServiceDelivered { delivery_id, service_id, delivered_on, units, note } => Event::ServiceDelivered {
                delivery_id: delivery_id.to_string(),
                service_id: service_id.to_string(),
                delivered_on: date_text(&delivered_on),
                units,
                note,
            },
            E::OutcomeRecorded { measurement_id, goal_id, value, measured_on, note } => Event::OutcomeRecorded {
                measurement_id: measurement_id.to_string(),
                goal_id: goal_id.to_string(),
                value,
                measured_on: date_text(&measured_on),
                note,
            },
        }
    }
}
