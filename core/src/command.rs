//! Commands: what callers ask a case to do. Each is validated by `decide` against the
//! lifecycle, the actor's permissions and the case's records.

use crate::clock::Timestamp;
use crate::ids::*;
use crate::model::*;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

macro_rules! commands {
    ($( $(#[$doc:meta])* $variant:ident($ty:ident) = $name:literal ),* $(,)?) => {
        /// Every command a case accepts. JSON: `{"type": "complete_intake", ...fields}`.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        pub enum Command {
            $( $(#[$doc])* $variant($ty), )*
        }

        /// Reads `{"type": ..., ...fields}`. With `type` first (as `Serialize`, the
        /// bindings and most writers put it) the fields go straight into the command's
        /// struct; otherwise the object is read whole first and then taken apart, as
        /// serde's derived internally tagged enums always do (which cost a Node import
        /// a tenth of its time). Either way every struct refuses unknown fields.
        impl<'de> Deserialize<'de> for Command {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_map(CommandVisitor)
            }
        }

        struct CommandVisitor;

        impl<'de> serde::de::Visitor<'de> for CommandVisitor {
            type Value = Command;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a command: an object with a \"type\"")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Command, A::Error> {
                use serde::de::Error as _;
                const KINDS: &[&str] = &[$($name),*];
                let kind = match map.next_key::<FirstKey>()? {
                    None => return Err(A::Error::missing_field("type")),
                    Some(FirstKey::Type) => map.next_value::<CommandKind>()?,
                    Some(FirstKey::Other(key)) => {
                        let mut fields = serde_json::Map::new();
                        fields.insert(key, map.next_value::<Value>()?);
                        while let Some((k, v)) = map.next_entry::<String, Value>()? {
                            fields.insert(k, v);
                        }
                        let kind = match fields.remove("type") {
                            Some(Value::String(t)) => {
                                CommandKind::parse(&t).ok_or_else(|| A::Error::unknown_variant(&t, KINDS))?
                            }
                            Some(_) => return Err(A::Error::custom("the command's type must be a string")),
                            None => return Err(A::Error::missing_field("type")),
                        };
                        // As `from_json` parses (one copy of the code per command, not two):
                        // a refusal names the offending field.
                        return Command::from_fields(kind, Value::Object(fields)).map_err(A::Error::custom);
                    }
                };
                let rest = serde::de::value::MapAccessDeserializer::new(map);
                match kind {
                    $(CommandKind::$variant => <$ty as Deserialize>::deserialize(rest).map(Command::$variant),)*
                }
            }
        }

        /// The kind of a command, without its data: the key of the transition table.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum CommandKind {
            $( $(#[$doc])* $variant, )*
        }

        impl CommandKind {
            /// Every command kind, in declaration order.
            pub const ALL: &'static [CommandKind] = &[$(CommandKind::$variant),*];

            /// The snake_case name (`complete_intake`), as in JSON and in Python.
            pub fn as_str(self) -> &'static str {
                match self { $(CommandKind::$variant => $name,)* }
            }

            /// Parses the snake_case name.
            pub fn parse(s: &str) -> Option<CommandKind> {
                match s { $($name => Some(CommandKind::$variant),)* _ => None }
            }
        }

        impl Command {
            /// The command's kind.
            pub fn kind(&self) -> CommandKind {
                match self { $(Command::$variant(_) => CommandKind::$variant,)* }
            }

            /// Parses the fields of a command of a known kind (without `type`), naming
            /// the offending field on error.
            fn from_fields(kind: CommandKind, fields: Value) -> Result<Command, crate::error::Error> {
                match kind {
                    $(CommandKind::$variant => parse_fields::<$ty>(fields).map(Command::$variant),)*
                }
            }
        }

        $(
            impl From<$ty> for Command {
                fn from(value: $ty) -> Self {
                    Command::$variant(value)
                }
            }
        )*
    };
}

commands! {
    /// Open a new case for a client in a program.
    OpenCase(OpenCase) = "open_case",
    /// Finish intake: the client is eligible; record immediate needs.
    CompleteIntake(CompleteIntake) = "complete_intake",
    /// Record an assessment with an instrument.
    RecordAssessment(RecordAssessment) = "record_assessment",
    /// Finish the assessment and move to planning.
    CompleteAssessment(CompleteAssessment) = "complete_assessment",
    /// Activate the service plan.
    ActivatePlan(ActivatePlan) = "activate_plan",
    /// Go back to assessment from planning or active work.
    StartReassessment(StartReassessment) = "start_reassessment",
    /// Close the case.
    Close(Close) = "close",
    /// Reopen a closed case (it goes back to assessment).
    Reopen(Reopen) = "reopen",
    /// Change client details.
    UpdateClient(UpdateClient) = "update_client",
    /// Assign a worker.
    AssignWorker(AssignWorker) = "assign_worker",
    /// Remove a worker's assignment.
    UnassignWorker(UnassignWorker) = "unassign_worker",
    /// Add a note.
    AddNote(AddNote) = "add_note",
    /// Attach a document's metadata (its bytes go to the blob store).
    AttachDocument(AttachDocument) = "attach_document",
    /// Refer the client to another organisation.
    ReferOut(ReferOut) = "refer_out",
    /// Record the answer to a referral.
    UpdateReferral(UpdateReferral) = "update_referral",
    /// Transfer the case to another program and/or worker.
    Transfer(Transfer) = "transfer",
    /// Add a task.
    AddTask(AddTask) = "add_task",
    /// Mark a task done.
    CompleteTask(CompleteTask) = "complete_task",
    /// Cancel a task.
    CancelTask(CancelTask) = "cancel_task",
    /// Give a task to someone else.
    ReassignTask(ReassignTask) = "reassign_task",
    /// Change or clear a task's due time.
    SetTaskDue(SetTaskDue) = "set_task_due",
    /// Change the case's priority.
    SetPriority(SetPriority) = "set_priority",
    /// Add a tag.
    AddTag(AddTag) = "add_tag",
    /// Remove a tag.
    RemoveTag(RemoveTag) = "remove_tag",
    /// Put the case on hold (deadlines pause).
    PlaceOnHold(PlaceOnHold) = "place_on_hold",
    /// Resume a case on hold.
    Resume(Resume) = "resume",
    /// Set program-defined custom fields.
    SetCustomFields(SetCustomFields) = "set_custom_fields",
    /// Add a goal to the plan.
    AddGoal(AddGoal) = "add_goal",
    /// Evaluate goals: set their status.
    EvaluateGoals(EvaluateGoals) = "evaluate_goals",
    /// Add a service to the plan.
    AddService(AddService) = "add_service",
    /// Change a service's status.
    SetServiceStatus(SetServiceStatus) = "set_service_status",
    /// Record a delivery of a service.
    RecordServiceDelivery(RecordServiceDelivery) = "record_service_delivery",
    /// Record a measurement of a goal's outcome.
    RecordOutcome(RecordOutcome) = "record_outcome",
}

/// The first key of a command object: `type`, or another (kept for the slow path).
enum FirstKey {
    Type,
    Other(String),
}

impl<'de> Deserialize<'de> for FirstKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = FirstKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FirstKey, E> {
                Ok(if v == "type" { FirstKey::Type } else { FirstKey::Other(v.to_owned()) })
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<FirstKey, E> {
                Ok(if v == "type" { FirstKey::Type } else { FirstKey::Other(v) })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

impl Command {
    /// Parses a command from its JSON form (`{"type": "add_note", "text": "..."}`), as
    /// bindings and tools receive it. Errors are `validation` errors naming the
    /// offending field (`type`, `client.name`, `evaluations[1].status`, ...).
    pub fn from_json(value: Value) -> Result<Command, crate::error::Error> {
        use crate::error::Error;
        let Value::Object(mut fields) = value else {
            return Err(Error::validation("command", "a command is a JSON object with a \"type\""));
        };
        let kind = match fields.remove("type") {
            Some(Value::String(t)) => {
                CommandKind::parse(&t).ok_or_else(|| Error::validation("type", format!("unknown command {t:?}")))?
            }
            Some(_) => return Err(Error::validation("type", "must be a string")),
            None => return Err(Error::validation("type", "missing")),
        };
        Command::from_fields(kind, Value::Object(fields))
    }
}

fn parse_fields<T: serde::de::DeserializeOwned>(fields: Value) -> Result<T, crate::error::Error> {
    serde_path_to_error::deserialize(fields).map_err(|e| {
        let path = e.path().to_string();
        let inner = scrub(&e.into_inner().to_string());
        // serde names unknown and missing fields in its message; make them the field.
        let top = path == "." || path.is_empty();
        // The path ends at an unknown field itself, but at the parent of a missing one.
        let field = match (quoted_field(&inner), inner.starts_with("missing field"), top) {
            (Some(f), true, true) => f,
            (Some(f), true, false) => crate::error::field_within(&path, &f),
            (Some(f), false, true) => f,
            (None, _, true) => "command".to_owned(),
            (_, _, false) => path,
        };
        crate::error::Error::validation(field, inner)
    })
}

/// Keeps what the caller sent out of error messages (it may be personal data): serde
/// quotes offending values (`invalid type: string "Ada Lovelace", expected u32`); keep
/// only what kind of value it was and what was expected.
fn scrub(message: &str) -> String {
    let message = message.rfind(" at line ").and_then(|i| message.get(..i)).unwrap_or(message);
    let expected = |rest: &str| rest.rfind(", expected").and_then(|i| rest.get(i..)).unwrap_or("").to_owned();
    for kind in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(kind) {
            // `string "…"`, `integer `5``: the first word says what kind of value it was.
            let what = rest.split([' ', ',']).next().unwrap_or("value");
            return format!("{kind}{what}{}", expected(rest));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("unknown variant{}", expected(rest));
    }
    message.to_owned()
}

/// The first backquoted name in a serde message (`unknown field \`nmae\``).
fn quoted_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len).map(str::to_owned)
}

impl std::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Open a new case.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    /// The program the case belongs to.
    pub program: ProgramId,
    /// Who the client is.
    pub client: ClientDetails,
    /// An existing client's id (another case of the same person); a new id otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientId>,
    /// The case's id, when the caller chooses it (imports, offline devices); a new
    /// UUIDv7 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// Priority (default `normal`).
    #[serde(default)]
    pub priority: Priority,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The primary worker, if already known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_to: Option<ActorId>,
    /// Program-defined custom fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, Value>,
}

/// An immediate need, as given at intake.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImmediateNeedInput {
    /// Category, e.g. `food`.
    pub category: String,
    /// Free-text description.
    #[serde(default)]
    pub description: String,
}

/// Finish intake.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteIntake {
    /// Whether the client is eligible. Must be true: an ineligible client's case is
    /// closed with reason `ineligible` instead.
    pub eligible: bool,
    /// Needs that cannot wait for the assessment.
    #[serde(default)]
    pub immediate_needs: Vec<ImmediateNeedInput>,
}

/// A need identified by an assessment, as given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifiedNeedInput {
    /// Life domain, e.g. `housing`.
    pub domain: String,
    /// Free-text description.
    #[serde(default)]
    pub description: String,
    /// Severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

/// Record an assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordAssessment {
    /// The instrument used.
    pub instrument: InstrumentRef,
    /// Item id -> answer.
    pub responses: BTreeMap<String, Value>,
    /// Score name -> value.
    #[serde(default)]
    pub scores: BTreeMap<String, f64>,
    /// Score name -> band.
    #[serde(default)]
    pub bands: BTreeMap<String, String>,
    /// Risk flags raised.
    #[serde(default)]
    pub risk_flags: Vec<String>,
    /// Needs the assessment identified.
    #[serde(default)]
    pub identified_needs: Vec<IdentifiedNeedInput>,
}

/// Finish the assessment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteAssessment {
    /// A summary of the assessment's findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// Activate the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivatePlan {}

/// Start a reassessment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartReassessment {
    /// Why (a change in circumstances, a scheduled review, ...).
    pub reason: String,
}

/// Close the case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// Why.
    pub reason: ClosureReason,
    /// A summary for the record.
    pub summary: String,
}

/// Reopen a closed case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reopen {
    /// Why.
    pub reason: String,
}

/// Change client details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateClient {
    /// The fields to change.
    pub changes: ClientUpdate,
}

/// Assign a worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignWorker {
    /// The worker.
    pub worker: ActorId,
    /// Primary (replacing the current primary, who stays as secondary) or secondary.
    #[serde(default)]
    pub role: AssignmentRole,
}

/// Remove a worker's assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnassignWorker {
    /// The worker.
    pub worker: ActorId,
}

/// Add a note.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddNote {
    /// The text.
    pub text: String,
    /// What kind of note (default `general`).
    #[serde(default)]
    pub kind: NoteKind,
    /// Visible only to assigned workers and supervisors.
    #[serde(default)]
    pub confidential: bool,
}

/// Attach a document's metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachDocument {
    /// File name.
    pub name: String,
    /// MIME type.
    pub media_type: String,
    /// SHA-256 of the content, 64 lowercase hex digits.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// Refer the client out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferOut {
    /// The receiving organisation.
    pub organization: String,
    /// The service asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Why.
    pub reason: String,
}

/// Record the answer to a referral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateReferral {
    /// The referral.
    pub referral_id: ReferralId,
    /// Its new status.
    pub status: ReferralStatus,
}

/// Transfer the case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The receiving program (the case moves there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_program: Option<ProgramId>,
    /// The receiving worker (becomes the primary worker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_worker: Option<ActorId>,
    /// Why.
    pub reason: String,
}

/// Add a task.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddTask {
    /// The task's id, when the caller chooses it; a new UUIDv7 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    /// What to do.
    pub title: String,
    /// When it is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// Who should do it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<ActorId>,
}

/// Mark a task done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteTask {
    /// The task.
    pub task_id: TaskId,
}

/// Cancel a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelTask {
    /// The task.
    pub task_id: TaskId,
    /// Why.
    pub reason: String,
}

/// Give a task to someone else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReassignTask {
    /// The task.
    pub task_id: TaskId,
    /// The new assignee.
    pub assignee: ActorId,
}

/// Change or clear a task's due time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetTaskDue {
    /// The task.
    pub task_id: TaskId,
    /// The new due time; `null` clears it.
    pub due: Option<Timestamp>,
}

/// Change the priority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPriority {
    /// The new priority.
    pub priority: Priority,
}

/// Add a tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddTag {
    /// The tag.
    pub tag: String,
}

/// Remove a tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveTag {
    /// The tag.
    pub tag: String,
}

/// Put the case on hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceOnHold {
    /// Why.
    pub reason: String,
    /// Expected end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
}

/// Resume a case on hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resume {}

/// Set custom fields (`null` removes a field).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetCustomFields {
    /// Key -> value.
    pub values: BTreeMap<String, Value>,
}

/// Add a goal.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddGoal {
    /// The goal's id, when the caller chooses it (imports that refer to the goal later
    /// in the same batch, offline devices); a new UUIDv7 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_id: Option<GoalId>,
    /// What the client wants to achieve.
    pub description: String,
    /// Life domain.
    pub domain: String,
    /// The identified need it addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_id: Option<NeedId>,
    /// How it is measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// When it should be met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
}

/// One goal's evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalEvaluation {
    /// The goal.
    pub goal_id: GoalId,
    /// Its new status.
    pub status: GoalStatus,
}

/// Evaluate goals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateGoals {
    /// One entry per goal evaluated.
    pub evaluations: Vec<GoalEvaluation>,
}

/// Add a service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddService {
    /// The service's id, when the caller chooses it; a new UUIDv7 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<ServiceId>,
    /// What the service is.
    pub name: String,
    /// Who provides it.
    pub provider: String,
    /// The goal it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_id: Option<GoalId>,
    /// First day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// Planned last day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// How often.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
}

/// Change a service's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetServiceStatus {
    /// The service.
    pub service_id: ServiceId,
    /// Its new status.
    pub status: ServiceStatus,
    /// Why (required when discontinued).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Record a delivery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordServiceDelivery {
    /// The service.
    pub service_id: ServiceId,
    /// When it was delivered.
    pub delivered_on: NaiveDate,
    /// Units delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<f64>,
    /// Free-text remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Record an outcome measurement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordOutcome {
    /// The goal measured.
    pub goal_id: GoalId,
    /// The value.
    pub value: f64,
    /// When it was measured.
    pub measured_on: NaiveDate,
    /// Free-text remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
