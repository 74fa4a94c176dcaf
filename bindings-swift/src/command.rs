//! Every command a case accepts, as one typed enum: what `Casebook.execute` and
//! `Casebook.executeBatch` take, and what each typed method (`completeIntake`, ...)
//! builds. Field names and order are those of casekit's command structs; ids, times and
//! dates are text; free-form JSON (assessment responses, custom fields) is JSON text.

use crate::convert::{id, json_object, opt_date, opt_id, opt_time};
use crate::error::Result;
use crate::types::{
    custom_fields, day, evaluations_into_core, ClientDetails, ClientUpdate, GoalEvaluation, IdentifiedNeedInput,
    ImmediateNeedInput, InstrumentRef, Measure,
};
use casekit::command as c;
use casekit::model::{AssignmentRole, ClosureReason, NoteKind, Priority, ReferralStatus, ServiceStatus};
use std::collections::HashMap;

/// A command. JSON users know it as `{"type": "complete_intake", ...}`; Swift and Kotlin
/// as `Command.CompleteIntake(eligible: true, immediateNeeds: [])`.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum Command {
    /// Open a new case for a client in a program.
    OpenCase {
        /// The program.
        program: String,
        /// Who the client is.
        client: ClientDetails,
        /// An existing client's id (another case of the same person).
        client_id: Option<String>,
        /// The case's id, when the caller chooses it; a new UUIDv7 otherwise.
        case_id: Option<String>,
        /// Priority (`None`: normal).
        priority: Option<Priority>,
        /// Tags.
        tags: Vec<String>,
        /// The primary worker, if already known.
        assign_to: Option<String>,
        /// Program-defined custom fields, as a JSON object (`None`: none).
        custom_fields_json: Option<String>,
    },
    /// Finish intake: the client is eligible; record immediate needs.
    CompleteIntake {
        /// Must be true (an ineligible client's case is closed with reason `ineligible`).
        eligible: bool,
        /// Needs that cannot wait for the assessment.
        immediate_needs: Vec<ImmediateNeedInput>,
    },
    /// Record an assessment with an instrument.
    RecordAssessment {
        /// The instrument used.
        instrument: InstrumentRef,
        /// Item id -> answer, as a JSON object.
        responses_json: String,
        /// Score name -> value.
        scores: HashMap<String, f64>,
        /// Score name -> band.
        bands: HashMap<String, String>,
        /// Risk flags raised.
        risk_flags: Vec<String>,
        /// Needs the assessment identified.
        identified_needs: Vec<IdentifiedNeedInput>,
    },
    /// Finish the assessment and move to planning.
    CompleteAssessment {
        /// A summary of the findings.
        summary: Option<String>,
    },
    /// Activate the service plan.
    ActivatePlan,
    /// Go back to assessment from planning or active work.
    StartReassessment {
        /// Why.
        reason: String,
    },
    /// Close the case.
    Close {
        /// Why.
        reason: ClosureReason,
        /// A summary for the record.
        summary: String,
    },
    /// Reopen a closed case (it goes back to assessment).
    Reopen {
        /// Why.
        reason: String,
    },
    /// Change client details.
    UpdateClient {
        /// The fields to change.
        changes: ClientUpdate,
    },
    /// Assign a worker.
    AssignWorker {
        /// The worker.
        worker: String,
        /// Primary (`None` too) or secondary.
        role: Option<AssignmentRole>,
    },
    /// Remove a worker's assignment.
    UnassignWorker {
        /// The worker.
        worker: String,
    },
    /// Add a note.
    AddNote {
        /// The text.
        text: String,
        /// What kind of note (`None`: general).
        kind: Option<NoteKind>,
        /// Visible only to assigned workers and supervisors.
        confidential: bool,
    },
    /// Attach a document's metadata (`Casebook.attachDocument` stores the bytes too).
    AttachDocument {
        /// File name.
        name: String,
        /// MIME type.
        media_type: String,
        /// SHA-256 of the content, 64 lowercase hex digits.
        sha256: String,
        /// Size in bytes.
        size_bytes: u64,
        /// Category.
        category: Option<String>,
    },
    /// Refer the client to another organisation.
    ReferOut {
        /// The receiving organisation.
        organization: String,
        /// The service asked for.
        service: Option<String>,
        /// Why.
        reason: String,
    },
    /// Record the answer to a referral.
    UpdateReferral {
        /// The referral.
        referral_id: String,
        /// Its new status.
        status: ReferralStatus,
    },
    /// Transfer the case to another program and/or worker.
    Transfer {
        /// The receiving program.
        to_program: Option<String>,
        /// The receiving worker (becomes the primary worker).
        to_worker: Option<String>,
        /// Why.
        reason: String,
    },
    /// Add a task.
    AddTask {
        /// The task's id, when the caller chooses it.
        task_id: Option<String>,
        /// What to do.
        title: String,
        /// When it is due (RFC 3339).
        due: Option<String>,
        /// Who should do it.
        assignee: Option<String>,
    },
    /// Mark a task done.
    CompleteTask {
        /// The task.
        task_id: String,
    },
    /// Cancel a task.
    CancelTask {
        /// The task.
        task_id: String,
        /// Why.
        reason: String,
    },
    /// Give a task to someone else.
    ReassignTask {
        /// The task.
        task_id: String,
        /// The new assignee.
        assignee: String,
    },
    /// Change or clear a task's due time.
    SetTaskDue {
        /// The task.
        task_id: String,
        /// The new due time (RFC 3339); `None` clears it.
        due: Option<String>,
    },
    /// Change the case's priority.
    SetPriority {
        /// The new priority.
        priority: Priority,
    },
    /// Add a tag.
    AddTag {
        /// The tag.
        tag: String,
    },
    /// Remove a tag.
    RemoveTag {
        /// The tag.
        tag: String,
    },
    /// Put the case on hold (deadlines pause).
    PlaceOnHold {
        /// Why.
        reason: String,
        /// Expected end (RFC 3339).
        until: Option<String>,
    },
    /// Resume a case on hold.
    Resume,
    /// Set program-defined custom fields (a JSON `null` removes a field).
    SetCustomFields {
        /// Key -> value, as a JSON object.
        values_json: String,
    },
    /// Add a goal to the plan.
    AddGoal {
        /// The goal's id, when the caller chooses it.
        goal_id: Option<String>,
        /// What the client wants to achieve.
        description: String,
        /// Life domain.
        domain: String,
        /// The identified need it addresses.
        need_id: Option<String>,
        /// How it is measured.
        measure: Option<Measure>,
        /// When it should be met (`YYYY-MM-DD`).
        due: Option<String>,
    },
    /// Evaluate goals: set their status.
    EvaluateGoals {
        /// One entry per goal evaluated.
        evaluations: Vec<GoalEvaluation>,
    },
    /// Add a service to the plan.
    AddService {
        /// The service's id, when the caller chooses it.
        service_id: Option<String>,
        /// What the service is.
        name: String,
        /// Who provides it.
        provider: String,
        /// The goal it serves.
        goal_id: Option<String>,
        /// First day (`YYYY-MM-DD`).
        start: Option<String>,
        /// Planned last day.
        end: Option<String>,
        /// How often.
        frequency: Option<String>,
    },
    /// Change a service's status.
    SetServiceStatus {
        /// The service.
        service_id: String,
        /// Its new status.
        status: ServiceStatus,
        /// Why (required when discontinued).
        reason: Option<String>,
    },
    /// Record a delivery of a service.
    RecordServiceDelivery {
        /// The service.
        service_id: String,
        /// When it was delivered (`YYYY-MM-DD`).
        delivered_on: String,
        /// Units delivered.
        units: Option<f64>,
        /// Free-text remark.
        note: Option<String>,
    },
    /// Record a measurement of a goal's outcome.
    RecordOutcome {
        /// The goal measured.
        goal_id: String,
        /// The value.
        value: f64,
        /// When it was measured (`YYYY-MM-DD`).
        measured_on: String,
        /// Free-text remark.
        note: Option<String>,
    },
}

impl Command {
    /// casekit's command. Text that does not parse is a validation error naming the
    /// field as casekit would (`task_id`, `client.date_of_birth`, `evaluations[1].goal_id`).
    pub fn into_core(self) -> Result<c::Command> {
        Ok(match self {
            Command::OpenCase {
                program,
                client,
                client_id,
                case_id,
                priority,
                tags,
                assign_to,
                custom_fields_json,
            } => c::Command::OpenCase(c::OpenCase {
                program: program.into(),
                client: client.into_core("client")?,
                client_id: opt_id("client_id", client_id)?,
                case_id: opt_id("case_id", case_id)?,
                priority: priority.unwrap_or_default(),
                tags,
                assign_to: assign_to.map(Into::into),
                custom_fields: custom_fields("custom_fields", custom_fields_json)?,
            }),
            Command::CompleteIntake { eligible, immediate_needs } => c::Command::CompleteIntake(c::CompleteIntake {
                eligible,
                immediate_needs: immediate_needs
                    .into_iter()
                    .map(|n| {
                        let ImmediateNeedInput { category, description } = n;
                        c::ImmediateNeedInput { category, description }
                    })
                    .collect(),
            }),
            Command::RecordAssessment { instrument, responses_json, scores, bands, risk_flags, identified_needs } => {
                c::Command::RecordAssessment(c::RecordAssessment {
                    instrument: instrument.into(),
                    responses: json_object("responses", &responses_json)?,
                    scores: scores.into_iter().collect(),
                    bands: bands.into_iter().collect(),
                    risk_flags,
                    identified_needs: identified_needs
                        .into_iter()
                        .map(|n| {
                            let IdentifiedNeedInput { domain, description, severity } = n;
                            c::IdentifiedNeedInput { domain, description, severity }
                        })
                        .collect(),
                })
            }
            Command::CompleteAssessment { summary } => {
                c::Command::CompleteAssessment(c::CompleteAssessment { summary })
            }
            Command::ActivatePlan => c::Command::ActivatePlan(c::ActivatePlan {}),
            Command::StartReassessment { reason } => c::Command::StartReassessment(c::StartReassessment { reason }),
            Command::Close { reason, summary } => c::Command::Close(c::Close { reason, summary }),
            Command::Reopen { reason } => c::Command::Reopen(c::Reopen { reason }),
            Command::UpdateClient { changes } => {
                c::Command::UpdateClient(c::UpdateClient { changes: changes.into_core("changes")? })
            }
            Command::AssignWorker { worker, role } => {
                c::Command::AssignWorker(c::AssignWorker { worker: worker.into(), role: role.unwrap_or_default() })
            }
            Command::UnassignWorker { worker } => {
                c::Command::UnassignWorker(c::UnassignWorker { worker: worker.into() })
            }
            Command::AddNote { text, kind, confidential } => {
                c::Command::AddNote(c::AddNote { text, kind: kind.unwrap_or_default(), confidential })
            }
            Command::AttachDocument { name, media_type, sha256, size_bytes, category } => {
                c::Command::AttachDocument(c::AttachDocument { name, media_type, sha256, size_bytes, category })
            }
            Command::ReferOut { organization, service, reason } => {
                c::Command::ReferOut(c::ReferOut { organization, service, reason })
            }
            Command::UpdateReferral { referral_id, status } => {
                c::Command::UpdateReferral(c::UpdateReferral { referral_id: id("referral_id", &referral_id)?, status })
            }
            Command::Transfer { to_program, to_worker, reason } => c::Command::Transfer(c::Transfer {
                to_program: to_program.map(Into::into),
                to_worker: to_worker.map(Into::into),
                reason,
            }),
            Command::AddTask { task_id, title, due, assignee } => c::Command::AddTask(c::AddTask {
                task_id: opt_id("task_id", task_id)?,
                title,
                due: opt_time("due", due)?,
                assignee: assignee.map(Into::into),
            }),
            Command::CompleteTask { task_id } => {
                c::Command::CompleteTask(c::CompleteTask { task_id: id("task_id", &task_id)? })
            }
            Command::CancelTask { task_id, reason } => {
                c::Command::CancelTask(c::CancelTask { task_id: id("task_id", &task_id)?, reason })
            }
            Command::ReassignTask { task_id, assignee } => c::Command::ReassignTask(c::ReassignTask {
                task_id: id("task_id", &task_id)?,
                assignee: assignee.into(),
            }),
            Command::SetTaskDue { task_id, due } => {
                c::Command::SetTaskDue(c::SetTaskDue { task_id: id("task_id", &task_id)?, due: opt_time("due", due)? })
            }
            Command::SetPriority { priority } => c::Command::SetPriority(c::SetPriority { priority }),
            Command::AddTag { tag } => c::Command::AddTag(c::AddTag { tag }),
            Command::RemoveTag { tag } => c::Command::RemoveTag(c::RemoveTag { tag }),
            Command::PlaceOnHold { reason, until } => {
                c::Command::PlaceOnHold(c::PlaceOnHold { reason, until: opt_time("until", until)? })
            }
            Command::Resume => c::Command::Resume(c::Resume {}),
            Command::SetCustomFields { values_json } => {
                c::Command::SetCustomFields(c::SetCustomFields { values: json_object("values", &values_json)? })
            }
            Command::AddGoal { goal_id, description, domain, need_id, measure, due } => {
                c::Command::AddGoal(c::AddGoal {
                    goal_id: opt_id("goal_id", goal_id)?,
                    description,
                    domain,
                    need_id: opt_id("need_id", need_id)?,
                    measure: measure.map(Into::into),
                    due: opt_date("due", due)?,
                })
            }
            Command::EvaluateGoals { evaluations } => {
                c::Command::EvaluateGoals(c::EvaluateGoals { evaluations: evaluations_into_core(evaluations)? })
            }
            Command::AddService { service_id, name, provider, goal_id, start, end, frequency } => {
                c::Command::AddService(c::AddService {
                    service_id: opt_id("service_id", service_id)?,
                    name,
                    provider,
                    goal_id: opt_id("goal_id", goal_id)?,
                    start: opt_date("start", start)?,
                    end: opt_date("end", end)?,
                    frequency,
                })
            }
            Command::SetServiceStatus { service_id, status, reason } => {
                c::Command::SetServiceStatus(c::SetServiceStatus {
                    service_id: id("service_id", &service_id)?,
                    status,
                    reason,
                })
            }
            Command::RecordServiceDelivery { service_id, delivered_on, units, note } => {
                c::Command::RecordServiceDelivery(c::RecordServiceDelivery {
                    service_id: id("service_id", &service_id)?,
                    delivered_on: day("delivered_on", &delivered_on)?,
                    units,
                    note,
                })
            }
            Command::RecordOutcome { goal_id, value, measured_on, note } => {
                c::Command::RecordOutcome(c::RecordOutcome {
                    goal_id: id("goal_id", &goal_id)?,
                    value,
                    measured_on: day("measured_on", &measured_on)?,
                    note,
                })
            }
        })
    }
}

/// One command of a batch.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct BatchItem {
    /// The case (`None` for `OpenCase`; give the new case an id in the command to refer
    /// to it later in the same batch).
    #[uniffi(default)]
    pub case_id: Option<String>,
    /// The command.
    pub command: Command,
    /// The version the case must have before this command, if the caller knows it.
    #[uniffi(default)]
    pub expected_version: Option<u64>,
}

impl BatchItem {
    /// casekit's form; `field` is where the item sits (`items[3]`).
    pub fn into_core(self, field: &str) -> Result<casekit::BatchCommand> {
        let BatchItem { case_id, command, expected_version } = self;
        Ok(casekit::BatchCommand {
            case_id: opt_id(&format!("{field}.case_id"), case_id)?,
            command: command.into_core().map_err(|e| e.within(&format!("{field}.command")))?,
            expected_version,
        })
    }
}
