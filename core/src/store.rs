//! The storage contract. Stores are adapters: they keep events, summaries and blobs and
//! answer queries; they hold no domain rules (the summaries they index are computed
//! here, in core).

use crate::auth::NoteAccess;
use crate::clock::Timestamp;
use crate::error::StoreError;
use crate::event::StoredEvent;
use crate::ids::*;
use crate::model::{Phase, Priority, TaskStatus};
use crate::state::CaseState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A case's row in the case list: what list queries filter on and return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// The case.
    pub case_id: CaseId,
    /// Its program.
    pub program: ProgramId,
    /// Its phase.
    pub phase: Phase,
    /// The client's id.
    pub client_id: ClientId,
    /// The client's name.
    pub client_name: String,
    /// Priority.
    pub priority: Priority,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Assigned workers, sorted.
    pub assignees: Vec<ActorId>,
    /// The primary worker.
    pub primary_worker: Option<ActorId>,
    /// Whether the case is on hold.
    pub on_hold: bool,
    /// The earliest due time of an open task (none while on hold or closed).
    #[serde(serialize_with = "crate::event::time_serde::option")]
    pub next_due: Option<Timestamp>,
    /// Open tasks.
    pub open_tasks: u32,
    /// When it was opened.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub opened_at: Timestamp,
    /// When it was closed (none while open).
    #[serde(serialize_with = "crate::event::time_serde::option")]
    pub closed_at: Option<Timestamp>,
    /// When it last changed.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub updated_at: Timestamp,
    /// Its version.
    pub version: u64,
}

impl CaseSummary {
    /// The summary of a case.
    pub fn of(s: &CaseState) -> CaseSummary {
        let mut assignees: Vec<ActorId> = s.assignments.iter().map(|a| a.worker.clone()).collect();
        assignees.sort();
        CaseSummary {
            case_id: s.id,
            program: s.program.clone(),
            phase: s.phase,
            client_id: s.client_id,
            client_name: s.client.name.clone(),
            priority: s.priority,
            tags: s.tags.clone(),
            assignees,
            primary_worker: s.primary_worker().cloned(),
            on_hold: s.on_hold(),
            next_due: s.next_due(),
            open_tasks: u32::try_from(s.tasks.iter().filter(|t| t.status == TaskStatus::Open).count())
                .unwrap_or(u32::MAX),
            opened_at: s.opened_at,
            closed_at: s.closure.as_ref().map(|c| c.closed_at),
            updated_at: s.updated_at,
            version: s.version,
        }
    }
}

/// A note as the text index keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteEntry {
    /// The note.
    pub note_id: NoteId,
    /// Its text.
    pub text: String,
    /// Whether it is confidential.
    pub confidential: bool,
}

/// One case's new events and its updated projection, appended atomically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendBatch {
    /// The case.
    pub case_id: CaseId,
    /// The version the case must have now (0: it must not exist yet).
    pub expected_version: u64,
    /// The new events, sequences `expected_version + 1 ..`.
    pub events: Vec<StoredEvent>,
    /// The case's summary after the events.
    pub summary: CaseSummary,
    /// Notes the events added, for the text index: one per `note_added` event, in the
    /// order of those events.
    pub notes: Vec<NoteEntry>,
}

/// A case list filter. Every field narrows the list; `None` does not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseQuery {
    /// Cases in this phase.
    pub phase: Option<Phase>,
    /// Cases of this program.
    pub program: Option<ProgramId>,
    /// Cases assigned to this worker.
    pub assignee: Option<ActorId>,
    /// Cases of this client.
    pub client_id: Option<ClientId>,
    /// Cases with this priority.
    pub priority: Option<Priority>,
    /// Cases with this tag.
    pub tag: Option<String>,
    /// Cases with an open task due at or before this time (overdue at that time).
    pub due_before: Option<Timestamp>,
    /// Cases on hold (true) or not (false).
    pub on_hold: Option<bool>,
    /// Cases opened at or after this time.
    pub opened_from: Option<Timestamp>,
    /// Cases opened before this time.
    pub opened_to: Option<Timestamp>,
    /// Cases closed at or after this time.
    pub closed_from: Option<Timestamp>,
    /// Cases closed before this time.
    pub closed_to: Option<Timestamp>,
    /// Cases with a note the reader may see that contains every word of this text.
    pub text: Option<String>,
    /// Keyset cursor: cases after this one (the `next_cursor` of the previous page).
    pub after: Option<CaseId>,
    /// Page size (default 50, at most 1000).
    pub limit: Option<u32>,
}

/// The default page size.
pub const DEFAULT_PAGE: u32 = 50;
/// The largest page size.
pub const MAX_PAGE: u32 = 1000;

/// A query as the engine hands it to a store: the caller's filter, narrowed to what the
/// actor may see.
#[derive(Clone, Debug)]
pub struct StoreQuery<'a> {
    /// The caller's filter.
    pub filter: &'a CaseQuery,
    /// Programs the actor reaches (`None`: all).
    pub programs: Option<Vec<ProgramId>>,
    /// Which confidential notes the text search may match.
    pub notes: NoteAccess,
    /// How many summaries to return at most, in case id order after `filter.after`.
    pub limit: usize,
}

/// The words of a text, as every store tokenizes them for note search: maximal runs of
/// alphanumeric characters, lowercased.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// Appends the [`words`] of `text` to `out`, each followed by a space, without a
/// string per word (stores index every note's words on the write path).
pub fn push_words(text: &str, out: &mut String) {
    if text.is_ascii() {
        // Most notes: runs of ASCII letters and digits (for ASCII, `char::is_alphanumeric`
        // is `u8::is_ascii_alphanumeric`), copied a word at a time, then lowercased in place.
        let alnum = |b: u8| b.is_ascii_alphanumeric();
        let start = out.len();
        out.reserve(text.len() + 1);
        let mut rest = text;
        while let Some(first) = rest.bytes().position(alnum) {
            let tail = rest.get(first..).unwrap_or_default();
            let (word, after) = tail.split_at(tail.bytes().position(|b| !alnum(b)).unwrap_or(tail.len()));
            out.push_str(word);
            out.push(' ');
            rest = after;
        }
        out[start..].make_ascii_lowercase();
        return;
    }
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if w.is_ascii() {
            out.extend(w.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            // `str::to_lowercase` knows context rules (a final sigma) that per-char
            // lowercasing does not; non-ASCII words take the exact path.
            out.push_str(&w.to_lowercase());
        }
        out.push(' ');
    }
}

/// Whether a summary passes every filter but the text and the cursor (which stores
/// answer with their own indexes). Stores with no query engine of their own use it.
pub fn summary_matches(s: &CaseSummary, q: &StoreQuery<'_>) -> bool {
    let f = q.filter;
    if let Some(programs) = &q.programs {
        if !programs.contains(&s.program) {
            return false;
        }
    }
    f.phase.is_none_or(|p| p == s.phase)
        && f.program.as_ref().is_none_or(|p| p == &s.program)
        && f.assignee.as_ref().is_none_or(|a| s.assignees.contains(a))
        && f.client_id.is_none_or(|c| c == s.client_id)
        && f.priority.is_none_or(|p| p == s.priority)
        && f.tag.as_ref().is_none_or(|t| s.tags.contains(t))
        && f.due_before.is_none_or(|t| s.next_due.is_some_and(|d| d <= t))
        && f.on_hold.is_none_or(|h| h == s.on_hold)
        && f.opened_from.is_none_or(|t| s.opened_at >= t)
        && f.opened_to.is_none_or(|t| s.opened_at < t)
        && f.closed_from.is_none_or(|t| s.closed_at.is_some_and(|c| c >= t))
        && f.closed_to.is_none_or(|t| s.closed_at.is_some_and(|c| c < t))
}

/// Where events, case summaries and document bytes live.
///
/// Every method is atomic. `append` writes all batches or none, and only if each case's
/// version equals its batch's `expected_version` (else [`StoreError::Conflict`]).
/// `read_log` never shows a reader a gap that a later commit could fill.
pub trait Store: Send + Sync {
    /// Appends the batches atomically. Returns the global positions assigned to the
    /// events, in order. The batches are the store's to keep (an in-memory store moves
    /// their events instead of copying them).
    fn append(&self, batches: Vec<AppendBatch>) -> Result<Vec<u64>, StoreError>;

    /// Appends the batches `batches` yields, as [`append`](Store::append) does: all in
    /// one transaction, or none. An `Err` from the iterator abandons the append (the
    /// store rolls back and returns that error). The engine streams large
    /// [`execute_batch`](crate::Casebook::execute_batch) calls through this while it
    /// is still staging their later cases; the iterator may block meanwhile, and never
    /// calls back into the store. The default collects the batches, then appends; a
    /// store that can write the first batches while later ones are being made
    /// overrides it.
    fn append_streamed(
        &self,
        batches: &mut dyn Iterator<Item = Result<AppendBatch, StoreError>>,
    ) -> Result<Vec<u64>, StoreError> {
        let all = batches.collect::<Result<Vec<_>, _>>()?;
        self.append(all)
    }

    /// A case's events with sequence greater than `after_sequence`, in order.
    fn load(&self, case_id: CaseId, after_sequence: u64) -> Result<Vec<StoredEvent>, StoreError>;

    /// A case's current version (`None`: no such case).
    fn version(&self, case_id: CaseId) -> Result<Option<u64>, StoreError>;

    /// Events of every case with position greater than `after_position`, in position
    /// order, at most `limit`.
    fn read_log(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;

    /// Summaries matching the query, in case id order, after `filter.after`, at most
    /// `limit`.
    fn query(&self, query: &StoreQuery<'_>) -> Result<Vec<CaseSummary>, StoreError>;

    /// Stores bytes under their SHA-256 and returns it (lowercase hex). Idempotent.
    fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError>;

    /// The bytes stored under `sha256`, verified against it (a mismatch is
    /// [`StoreError::Integrity`]).
    fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Makes the store's main file hold every committed change on its own, so that it
    /// can be copied (a backup, a notebook's data shared) while the application runs.
    /// The SQLite store copies its write-ahead log into the database file and empties
    /// it. The default does nothing: stores with nothing of the kind (in memory) or
    /// with backup tools of their own (PostgreSQL).
    fn checkpoint(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

macro_rules! forward_store {
    ($($ptr:ident),*) => {$(
        impl<T: Store + ?Sized> Store for $ptr<T> {
            fn append(&self, batches: Vec<AppendBatch>) -> Result<Vec<u64>, StoreError> {
                (**self).append(batches)
            }
            fn append_streamed(
                &self,
                batches: &mut dyn Iterator<Item = Result<AppendBatch, StoreError>>,
            ) -> Result<Vec<u64>, StoreError> {
                (**self).append_streamed(batches)
            }
            fn load(&self, case_id: CaseId, after_sequence: u64) -> Result<Vec<StoredEvent>, StoreError> {
                (**self).load(case_id, after_sequence)
            }
            fn version(&self, case_id: CaseId) -> Result<Option<u64>, StoreError> {
                (**self).version(case_id)
            }
            fn read_log(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
                (**self).read_log(after_position, limit)
            }
            fn query(&self, query: &StoreQuery<'_>) -> Result<Vec<CaseSummary>, StoreError> {
                (**self).query(query)
            }
            fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError> {
                (**self).put_blob(bytes)
            }
            fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
                (**self).get_blob(sha256)
            }
            fn checkpoint(&self) -> Result<(), StoreError> {
                (**self).checkpoint()
            }
        }
    )*};
}

forward_store!(Arc, Box);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_words_writes_exactly_the_words() {
        for text in [
            "",
            "  ,;: ",
            "Rent ARREARS, paid: 2x £40 on 3/4",
            "Plain ASCII: rent-arrears (x2), paid_in_full; 100% DONE!",
            "a",
            " trailing word",
            "ΟΔΟΣ Σ ΣΑΣ café ÉCOLE naïve İstanbul ß",
            "tab\tnew\nline—dash_underscore 東京 ۱۲۳",
        ] {
            let mut out = String::new();
            push_words(text, &mut out);
            let expected: String = words(text).map(|w| w + " ").collect();
            assert_eq!(out, expected, "{text}");
        }
    }
}
