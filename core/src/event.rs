//! Events: what happened to a case. Events are facts: never updated, never deleted.
//! Each is stored in an envelope that chains it to the previous event of its case by
//! SHA-256, so an altered or missing event is detected by `verify`.

use crate::clock::Timestamp;
use crate::command::GoalEvaluation;
use crate::error::Error;
use crate::ids::*;
use crate::model::*;
use chrono::{NaiveDate, SecondsFormat};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The schema version new events are written with. Bump it when an event's JSON
/// changes, and teach [`upcast`] to turn the old shape into the new one.
pub const SCHEMA_VERSION: u32 = 1;

/// The hash the first event of every case chains to (64 zeros as text).
pub const GENESIS_HASH: EventHash = EventHash([0; 32]);

/// A link of a case's hash chain: the SHA-256 of an event's envelope and payload
/// ([`event_hash`]). Written and read as 64 lowercase hex digits (`Display`, `FromStr`,
/// serde); kept as the 32 bytes, so sealing an event allocates nothing for its hashes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EventHash(pub [u8; 32]);

/// An [`EventHash`] as hex text, on the stack ([`EventHash::hex`]).
#[derive(Clone, Copy)]
pub struct HexDigest([u8; 64]);

impl HexDigest {
    /// The 64 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into it.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for HexDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for HexDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl EventHash {
    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest as lowercase hex, without allocating (for hashing and binding).
    pub fn hex(&self) -> HexDigest {
        let mut out = [0u8; 64];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0) {
            if let [hi, lo] = pair {
                *hi = hex_digit(b >> 4);
                *lo = hex_digit(b & 0x0f);
            }
        }
        HexDigest(out)
    }

    /// The digest from 32 bytes (a store's BLOB column), or `None` for another length.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(EventHash)
    }
}

/// Text that is not 64 hex digits, where an [`EventHash`] was expected. It says what is
/// wrong (the length, or where the first non-hex character is) without repeating the
/// text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidHash {
    /// The text is this many bytes long, not 64.
    Length(usize),
    /// The byte at this position (from 0) is not a hex digit.
    NotHex(usize),
}

impl fmt::Display for InvalidHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidHash::Length(n) => write!(f, "not a SHA-256 hash: {n} bytes, not 64 hex digits"),
            InvalidHash::NotHex(at) => write!(f, "not a SHA-256 hash: byte {at} is not one of 64 hex digits"),
        }
    }
}

impl std::error::Error for InvalidHash {}

impl FromStr for EventHash {
    type Err = InvalidHash;

    /// 64 hex digits, either case.
    fn from_str(text: &str) -> Result<Self, InvalidHash> {
        let digits = text.as_bytes();
        if digits.len() != 64 {
            return Err(InvalidHash::Length(digits.len()));
        }
        let nibble = |at: usize| {
            let c = digits.get(at).copied().unwrap_or(b'-');
            (c as char).to_digit(16).map(|d| d as u8).ok_or(InvalidHash::NotHex(at))
        };
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = nibble(2 * i)? << 4 | nibble(2 * i + 1)?;
        }
        Ok(EventHash(out))
    }
}

impl fmt::Display for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hex().as_str())
    }
}

impl fmt::Debug for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventHash({})", self.hex().as_str())
    }
}

impl PartialEq<str> for EventHash {
    fn eq(&self, other: &str) -> bool {
        self.hex().as_str().eq_ignore_ascii_case(other)
    }
}

impl Serialize for EventHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.hex().as_str())
    }
}

impl<'de> Deserialize<'de> for EventHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = EventHash;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SHA-256 hash as 64 hex digits")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EventHash, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// Everything that can happen to a case. JSON: `{"type": "goal_added", ...fields}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A case was opened.
    CaseOpened {
        /// The new case.
        case_id: CaseId,
        /// Its program.
        program: ProgramId,
        /// The client's id.
        client_id: ClientId,
        /// The client.
        client: ClientDetails,
        /// Priority.
        priority: Priority,
        /// Tags.
        #[serde(default)]
        tags: Vec<String>,
        /// The primary worker, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assigned_to: Option<ActorId>,
        /// Custom fields.
        #[serde(default)]
        custom_fields: BTreeMap<String, Value>,
    },
    /// Client details changed.
    ClientUpdated {
        /// The changed fields.
        changes: ClientUpdate,
    },
    /// Intake finished; the client is eligible.
    IntakeCompleted {
        /// Needs that cannot wait.
        immediate_needs: Vec<ImmediateNeedRecord>,
    },
    /// An assessment was recorded.
    AssessmentRecorded {
        /// The assessment's id.
        assessment_id: AssessmentId,
        /// The instrument.
        instrument: InstrumentRef,
        /// Item -> answer.
        responses: BTreeMap<String, Value>,
        /// Score -> value.
        #[serde(default)]
        scores: BTreeMap<String, f64>,
        /// Score -> band.
        #[serde(default)]
        bands: BTreeMap<String, String>,
        /// Risk flags.
        #[serde(default)]
        risk_flags: Vec<String>,
        /// The assessment cycle.
        cycle: u32,
        /// Needs identified.
        #[serde(default)]
        identified_needs: Vec<IdentifiedNeedRecord>,
    },
    /// The assessment phase finished; planning starts.
    AssessmentCompleted {
        /// The cycle that finished.
        cycle: u32,
        /// A summary of findings.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
    },
    /// The plan was activated.
    PlanActivated {},
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
        worker: ActorId,
        /// Primary or secondary.
        role: AssignmentRole,
    },
    /// A worker's assignment ended.
    WorkerUnassigned {
        /// The worker.
        worker: ActorId,
    },
    /// A note was added.
    NoteAdded {
        /// The note's id.
        note_id: NoteId,
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
        document_id: DocumentId,
        /// File name.
        name: String,
        /// MIME type.
        media_type: String,
        /// SHA-256, hex.
        sha256: String,
        /// Size.
        size_bytes: u64,
        /// Category.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<String>,
    },
    /// The client was referred out.
    ReferralMade {
        /// The referral's id.
        referral_id: ReferralId,
        /// Receiving organisation.
        organization: String,
        /// Service asked for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
        /// Why.
        reason: String,
    },
    /// A referral's status changed.
    ReferralUpdated {
        /// The referral.
        referral_id: ReferralId,
        /// New status.
        status: ReferralStatus,
    },
    /// The case was transferred.
    CaseTransferred {
        /// The transfer's record id.
        referral_id: ReferralId,
        /// The program it left.
        from_program: ProgramId,
        /// The program it joined (if it changed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_program: Option<ProgramId>,
        /// The new primary worker (if given).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_worker: Option<ActorId>,
        /// Why.
        reason: String,
    },
    /// A task was added.
    TaskAdded {
        /// The task's id.
        task_id: TaskId,
        /// What to do.
        title: String,
        /// Due.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[serde(serialize_with = "crate::event::time_serde::option")]
        due: Option<Timestamp>,
        /// Assignee.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<ActorId>,
    },
    /// A task was done.
    TaskCompleted {
        /// The task.
        task_id: TaskId,
    },
    /// A task was cancelled (by hand, or by the case's closure).
    TaskCancelled {
        /// The task.
        task_id: TaskId,
        /// Why.
        reason: String,
    },
    /// A task was reassigned.
    TaskReassigned {
        /// The task.
        task_id: TaskId,
        /// New assignee.
        assignee: ActorId,
    },
    /// A task's due time changed.
    TaskDueChanged {
        /// The task.
        task_id: TaskId,
        /// New due time (`null`: none).
        #[serde(serialize_with = "crate::event::time_serde::option")]
        due: Option<Timestamp>,
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
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[serde(serialize_with = "crate::event::time_serde::option")]
        until: Option<Timestamp>,
    },
    /// The case was resumed; open tasks' due times moved back by the time on hold.
    Resumed {
        /// Seconds the case spent on hold.
        paused_seconds: i64,
    },
    /// Custom fields were set (`null` removes).
    CustomFieldsSet {
        /// Key -> value.
        values: BTreeMap<String, Value>,
    },
    /// A goal was added.
    GoalAdded {
        /// The goal's id.
        goal_id: GoalId,
        /// Description.
        description: String,
        /// Domain.
        domain: String,
        /// Need addressed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        need_id: Option<NeedId>,
        /// Measure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        measure: Option<Measure>,
        /// Due date.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<NaiveDate>,
    },
    /// Goals were evaluated.
    GoalsEvaluated {
        /// New statuses.
        evaluations: Vec<GoalEvaluation>,
    },
    /// A service was added.
    ServiceAdded {
        /// The service's id.
        service_id: ServiceId,
        /// Name.
        name: String,
        /// Provider.
        provider: String,
        /// Goal served.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        goal_id: Option<GoalId>,
        /// First day.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<NaiveDate>,
        /// Last day.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end: Option<NaiveDate>,
        /// Frequency.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frequency: Option<String>,
    },
    /// A service's status changed.
    ServiceStatusChanged {
        /// The service.
        service_id: ServiceId,
        /// New status.
        status: ServiceStatus,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A service was delivered.
    ServiceDelivered {
        /// The delivery's id.
        delivery_id: DeliveryId,
        /// The service.
        service_id: ServiceId,
        /// When.
        delivered_on: NaiveDate,
        /// Units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        units: Option<f64>,
        /// Remark.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// An outcome was measured.
    OutcomeRecorded {
        /// The measurement's id.
        measurement_id: MeasurementId,
        /// The goal.
        goal_id: GoalId,
        /// Value.
        value: f64,
        /// When measured.
        measured_on: NaiveDate,
        /// Remark.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// An immediate need as the event records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImmediateNeedRecord {
    /// Its id.
    pub id: ImmediateNeedId,
    /// Category.
    pub category: String,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// An identified need as the event records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifiedNeedRecord {
    /// Its id.
    pub id: NeedId,
    /// Domain.
    pub domain: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

impl Event {
    /// Every event type name, in declaration order.
    pub const TYPES: &'static [&'static str] = &[
        "case_opened",
        "client_updated",
        "intake_completed",
        "assessment_recorded",
        "assessment_completed",
        "plan_activated",
        "reassessment_started",
        "case_closed",
        "case_reopened",
        "worker_assigned",
        "worker_unassigned",
        "note_added",
        "document_attached",
        "referral_made",
        "referral_updated",
        "case_transferred",
        "task_added",
        "task_completed",
        "task_cancelled",
        "task_reassigned",
        "task_due_changed",
        "priority_changed",
        "tag_added",
        "tag_removed",
        "placed_on_hold",
        "resumed",
        "custom_fields_set",
        "goal_added",
        "goals_evaluated",
        "service_added",
        "service_status_changed",
        "service_delivered",
        "outcome_recorded",
    ];

    /// The event's type name, as in JSON (`goal_added`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::CaseOpened { .. } => "case_opened",
            Event::ClientUpdated { .. } => "client_updated",
            Event::IntakeCompleted { .. } => "intake_completed",
            Event::AssessmentRecorded { .. } => "assessment_recorded",
            Event::AssessmentCompleted { .. } => "assessment_completed",
            Event::PlanActivated {} => "plan_activated",
            Event::ReassessmentStarted { .. } => "reassessment_started",
            Event::CaseClosed { .. } => "case_closed",
            Event::CaseReopened { .. } => "case_reopened",
            Event::WorkerAssigned { .. } => "worker_assigned",
            Event::WorkerUnassigned { .. } => "worker_unassigned",
            Event::NoteAdded { .. } => "note_added",
            Event::DocumentAttached { .. } => "document_attached",
            Event::ReferralMade { .. } => "referral_made",
            Event::ReferralUpdated { .. } => "referral_updated",
            Event::CaseTransferred { .. } => "case_transferred",
            Event::TaskAdded { .. } => "task_added",
            Event::TaskCompleted { .. } => "task_completed",
            Event::TaskCancelled { .. } => "task_cancelled",
            Event::TaskReassigned { .. } => "task_reassigned",
            Event::TaskDueChanged { .. } => "task_due_changed",
            Event::PriorityChanged { .. } => "priority_changed",
            Event::TagAdded { .. } => "tag_added",
            Event::TagRemoved { .. } => "tag_removed",
            Event::PlacedOnHold { .. } => "placed_on_hold",
            Event::Resumed { .. } => "resumed",
            Event::CustomFieldsSet { .. } => "custom_fields_set",
            Event::GoalAdded { .. } => "goal_added",
            Event::GoalsEvaluated { .. } => "goals_evaluated",
            Event::ServiceAdded { .. } => "service_added",
            Event::ServiceStatusChanged { .. } => "service_status_changed",
            Event::ServiceDelivered { .. } => "service_delivered",
            Event::OutcomeRecorded { .. } => "outcome_recorded",
        }
    }

    /// The id of the record this event creates, if it creates one.
    pub fn created_id(&self) -> Option<Uuid> {
        match self {
            Event::CaseOpened { case_id, .. } => Some(case_id.0),
            Event::AssessmentRecorded { assessment_id, .. } => Some(assessment_id.0),
            Event::NoteAdded { note_id, .. } => Some(note_id.0),
            Event::DocumentAttached { document_id, .. } => Some(document_id.0),
            Event::ReferralMade { referral_id, .. } => Some(referral_id.0),
            Event::CaseTransferred { referral_id, .. } => Some(referral_id.0),
            Event::TaskAdded { task_id, .. } => Some(task_id.0),
            Event::GoalAdded { goal_id, .. } => Some(goal_id.0),
            Event::ServiceAdded { service_id, .. } => Some(service_id.0),
            Event::ServiceDelivered { delivery_id, .. } => Some(delivery_id.0),
            Event::OutcomeRecorded { measurement_id, .. } => Some(measurement_id.0),
            _ => None,
        }
    }
}

/// An event as the engine hands it out: decoded, in its envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// The event's id.
    pub event_id: EventId,
    /// The case.
    pub case_id: CaseId,
    /// Per-case sequence number: 1, 2, ...
    pub sequence: u64,
    /// Position in the store's global log (assigned by the store; 0 before storing).
    pub position: u64,
    /// When it was recorded.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub recorded_at: Timestamp,
    /// Who caused it.
    pub actor: ActorId,
    /// The schema version it was written with (upcast to the current one on read).
    pub schema_version: u32,
    /// What happened.
    pub event: Event,
    /// Hash of the previous event of the case ([`GENESIS_HASH`] for the first).
    pub prev_hash: EventHash,
    /// Hash of this event.
    pub hash: EventHash,
    /// True when parts of the payload were withheld from the reader (confidential notes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// An event as stores keep it: the payload exactly as written, so the hash chain can be
/// checked over the very bytes that were hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// The event's id.
    pub event_id: EventId,
    /// The case.
    pub case_id: CaseId,
    /// Per-case sequence number.
    pub sequence: u64,
    /// Global position (0 until the store assigns it).
    pub position: u64,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// Who caused it.
    pub actor: ActorId,
    /// Event type name (`goal_added`), for indexes and exports. Borrowed from
    /// [`Event::type_name`] when sealed, so sealing does not allocate it.
    pub event_type: Cow<'static, str>,
    /// Schema version of the payload.
    pub schema_version: u32,
    /// The event's JSON, as hashed.
    pub payload: String,
    /// Hash of the previous event of the case.
    pub prev_hash: EventHash,
    /// Hash of this event.
    pub hash: EventHash,
}

/// Formats a timestamp the one way it is hashed and stored: RFC 3339, microseconds, `Z`.
pub fn format_timestamp(at: &Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `format_timestamp`'s bytes written into `buf` without allocating, for the years
/// 0000–9999 (`None` otherwise: the caller formats with chrono).
fn micros_utc<'b>(at: &Timestamp, buf: &'b mut [u8; 30]) -> Option<&'b [u8]> {
    rfc3339_utc(at, Some(6), buf).map(str::as_bytes)
}

/// RFC 3339 in UTC with a `Z`, written into `buf`: `digits` fractional digits (6 for
/// microseconds), or with `None` as chrono's serde writes it (`SecondsFormat::AutoSi`:
/// none, 3, 6 or 9 digits, as few as keep the value). `None` for years outside
/// 0000–9999 and leap seconds, which chrono formats itself.
pub(crate) fn rfc3339_utc<'b>(at: &Timestamp, digits: Option<usize>, buf: &'b mut [u8; 30]) -> Option<&'b str> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = at.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let (digits, fraction) = match digits {
        Some(6) => (6, nanos / 1000),
        Some(_) => return None,
        None if nanos == 0 => (0, 0),
        None if nanos % 1_000_000 == 0 => (3, nanos / 1_000_000),
        None if nanos % 1000 == 0 => (6, nanos / 1000),
        None => (9, nanos),
    };
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (0..width).rev() {
            if let Some(slot) = buf.get_mut(at + i) {
                *slot = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, at.month());
    put(8, 2, at.day());
    put(11, 2, at.hour());
    put(14, 2, at.minute());
    put(17, 2, at.second());
    let mut end = 19;
    if digits > 0 {
        put(20, digits, fraction);
        end = 20 + digits;
    }
    let marks = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'.'), (end, b'Z')];
    for (i, c) in marks {
        if let Some(slot) = buf.get_mut(i) {
            *slot = c;
        }
    }
    std::str::from_utf8(buf.get(..=end)?).ok()
}

/// Serializes a time exactly as chrono's serde does, without its formatting machinery
/// (every summary and many payloads carry several): for `#[serde(serialize_with)]`.
pub mod time_serde {
    use super::{rfc3339_utc, Timestamp};
    use serde::{Serialize, Serializer};

    /// A time.
    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 30];
        match rfc3339_utc(t, None, &mut buf) {
            Some(text) => s.serialize_str(text),
            None => t.serialize(s),
        }
    }

    /// An optional time.
    pub fn option<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => serialize(t, s),
            None => s.serialize_none(),
        }
    }
}

/// SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// The lowercase hex digit of a nibble (0..=15).
fn hex_digit(nibble: u8) -> u8 {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')
}

/// Lowercase hex of a digest.
fn to_hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b & 0x0f));
    }
    // Only ASCII digits and letters went in.
    String::from_utf8(out).unwrap_or_default()
}

/// `n` in decimal digits, written at the end of `buf` (`u64::MAX` has 20): what
/// `n.to_string()` gives, without the formatting machinery (twice per event hashed).
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        // `n % 10` is a single digit.
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.get(start..).unwrap_or_default()
}

/// The hash of an event: SHA-256 over its length-prefixed envelope fields and payload,
/// chained to the previous hash.
pub fn event_hash(e: &StoredEvent) -> EventHash {
    let mut h = Sha256::new();
    let mut uuid_buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    // The previous hash enters as its hex text, as it always has.
    field(e.prev_hash.hex().as_str().as_bytes());
    field(e.event_id.0.hyphenated().encode_lower(&mut uuid_buf).as_bytes());
    field(e.case_id.0.hyphenated().encode_lower(&mut uuid_buf).as_bytes());
    let mut num = [0u8; 20];
    field(decimal(e.sequence, &mut num));
    let mut time = [0u8; 30];
    match micros_utc(&e.recorded_at, &mut time) {
        Some(t) => field(t),
        None => field(format_timestamp(&e.recorded_at).as_bytes()),
    }
    field(e.actor.as_str().as_bytes());
    field(e.event_type.as_bytes());
    field(decimal(u64::from(e.schema_version), &mut num));
    field(e.payload.as_bytes());
    EventHash(h.finalize().into())
}

/// Turns an older payload into the current shape. Every schema change adds an arm here
/// (from version N to N+1), so stored events are never rewritten.
pub fn upcast(event_type: &str, schema_version: u32, payload: Value) -> Result<Value, String> {
    match schema_version {
        SCHEMA_VERSION => Ok(payload),
        v if v > SCHEMA_VERSION => Err(format!(
            "event {event_type} has schema version {v}, newer than this casekit ({SCHEMA_VERSION}); upgrade casekit"
        )),
        v => Err(format!("event {event_type} has unknown schema version {v}")),
    }
}

impl RecordedEvent {
    /// Withholds confidential text from this event (a confidential note's text is
    /// emptied and the event marked `redacted`): for readers who may not see it, and for
    /// exports and frames, which get shared. Returns whether anything was withheld.
    pub fn withhold_confidential_text(&mut self) -> bool {
        match &mut self.event {
            Event::NoteAdded { confidential: true, text, .. } if !text.is_empty() => {
                text.clear();
                self.redacted = true;
                true
            }
            _ => false,
        }
    }
}

impl StoredEvent {
    /// Decodes the payload (upcasting old versions) into a [`RecordedEvent`]. Garbage
    /// is an `integrity` error naming the case and sequence, never a panic.
    pub fn decode(&self) -> Result<RecordedEvent, Error> {
        let fail = |what: String| {
            Error::integrity(Some(self.case_id), format!("event {} of case {}: {what}", self.sequence, self.case_id))
        };
        let value: Value =
            serde_json::from_str(&self.payload).map_err(|e| fail(format!("payload is not JSON: {e}")))?;
        let value = upcast(&self.event_type, self.schema_version, value).map_err(fail)?;
        let event: Event = serde_json::from_value(value).map_err(|e| fail(format!("payload does not decode: {e}")))?;
        if event.type_name() != self.event_type {
            return Err(fail(format!("payload is a {} but the row says {}", event.type_name(), self.event_type)));
        }
        Ok(RecordedEvent {
            event_id: self.event_id,
            case_id: self.case_id,
            sequence: self.sequence,
            position: self.position,
            recorded_at: self.recorded_at,
            actor: self.actor.clone(),
            schema_version: SCHEMA_VERSION,
            event,
            prev_hash: self.prev_hash,
            hash: self.hash,
            redacted: false,
        })
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn an_event_hash_is_its_hex_text_both_ways() {
        let hash = EventHash(Sha256::digest(b"casekit").into());
        let text = to_hex(hash.as_bytes());
        assert_eq!(hash.to_string(), text);
        assert_eq!(hash.hex().as_str(), text);
        assert_eq!(hash.hex().to_string(), text);
        assert_eq!(format!("{:?}", hash.hex()), format!("{text:?}"));
        assert_eq!(text.parse::<EventHash>(), Ok(hash));
        assert_eq!(text.to_uppercase().parse::<EventHash>(), Ok(hash));
        assert!(hash == *text.to_uppercase().as_str());
        assert_eq!(serde_json::to_string(&hash).expect("serialize"), format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<EventHash>(&format!("\"{text}\"")).expect("deserialize"), hash);
        assert_eq!(GENESIS_HASH.to_string(), "0".repeat(64));
        assert_eq!(EventHash::from_slice(hash.as_bytes()), Some(hash));
        assert_eq!(EventHash::from_slice(&[1; 31]), None);
        for bad in ["", "00", &"0".repeat(63), &"0".repeat(65), &format!("{}g", "0".repeat(63)), &"é".repeat(32)] {
            let err = bad.parse::<EventHash>().expect_err(bad);
            assert!(err.to_string().contains("64 hex digits"), "{err}");
            assert!(serde_json::from_str::<EventHash>(&format!("{bad:?}")).is_err());
        }
        // What is wrong, never the text itself.
        assert_eq!("secret".parse::<EventHash>(), Err(InvalidHash::Length(6)));
        let err = format!("{}secret{}", "0".repeat(20), "0".repeat(38)).parse::<EventHash>().expect_err("not hex");
        assert_eq!(err, InvalidHash::NotHex(20));
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(serde_json::from_str::<EventHash>("7").is_err());
    }

    #[test]
    fn decimal_digits_are_to_string() {
        let mut buf = [0u8; 20];
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX - 1, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
    }
    use chrono::DateTime;

    struct Wrapped(Timestamp);

    impl Wrapped {
        fn json(&self) -> String {
            let mut out = Vec::new();
            let mut ser = serde_json::Serializer::new(&mut out);
            time_serde::serialize(&self.0, &mut ser).expect("serialize");
            String::from_utf8(out).expect("utf-8")
        }
    }

    #[test]
    fn the_hash_time_is_the_rfc3339_microsecond_text() {
        let mut buf = [0u8; 30];
        // Every field at its edges, plus a spread of instants across the years.
        let mut secs: Vec<i64> = vec![0, -1, 951_782_400, 4_102_444_799, 253_402_300_799, -62_167_219_200];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            secs.push((x % 253_402_300_800) as i64 - 62_167_219_200);
        }
        for (i, s) in secs.into_iter().enumerate() {
            for nanos in [0, 1_000, 1_999, 5_000_000, 120_000_000, 999_999_999, (i as u32 * 7_919_000) % 1_000_000_000]
            {
                let Some(t) = DateTime::from_timestamp(s, nanos) else { continue };
                let fast = micros_utc(&t, &mut buf).map(|b| String::from_utf8_lossy(b).into_owned());
                assert_eq!(fast.as_deref(), Some(format_timestamp(&t).as_str()), "{s} {nanos}");
                assert_eq!(Wrapped(t).json(), serde_json::to_string(&t).expect("json"), "{s} {nanos}");
            }
        }
        // Outside 0000-9999 the caller falls back to chrono.
        for (s, nanos) in [(-62_167_219_201, 0), (253_402_300_800, 5)] {
            let t = DateTime::from_timestamp(s, nanos).expect("time");
            assert_eq!(Wrapped(t).json(), serde_json::to_string(&t).expect("json"));
        }
        let far = DateTime::from_timestamp(253_402_300_800, 0).expect("year 10000");
        assert!(micros_utc(&far, &mut buf).is_none());
    }
}
