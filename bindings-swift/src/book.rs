//! `Casebook`: the engine Swift and Kotlin hold, over an in-memory or SQLite store, and
//! the `ManualClock` and `EventListener` that go with it.
//!
//! Every method is synchronous and thread-safe: call it from a background thread (a
//! Kotlin coroutine on `Dispatchers.IO`, a Swift `Task.detached`) when the store is a
//! file. Every exported call runs inside [`guard`], so a panic is a `Storage` error.

use crate::command::{BatchItem, Command};
use crate::convert::{id, time, time_text, to_json};
use crate::error::{guard, CaseKitError, Result};
use crate::event::{BatchSummary, Committed, RecordedEvent};
use crate::types::{
    Actor, CaseQuery, CaseView, ClientDetails, ClientUpdate, GoalEvaluation, IdentifiedNeedInput, ImmediateNeedInput,
    InstrumentRef, Measure, Page, Program, VerifyReport,
};
use casekit::model::{AssignmentRole, ClosureReason, NoteKind, Priority, ReferralStatus, ServiceStatus};
use casekit::{Clock, IdGen, Store};
use std::collections::HashMap;
use std::sync::Arc;

type Book = casekit::Casebook<Box<dyn Store>>;

/// A clock that only moves when told to: for tests, replays and demos. Pass it to a
/// `Casebook` constructor; without one, a casebook uses the wall clock.
#[derive(Debug, uniffi::Object)]
pub struct ManualClock {
    inner: Arc<casekit::ManualClock>,
}

#[uniffi::export]
impl ManualClock {
    /// A clock standing at `start` (RFC 3339, e.g. `2026-01-05T09:00:00Z`).
    #[uniffi::constructor]
    pub fn new(start: String) -> Result<Arc<Self>> {
        guard(|| {
            let at = time("start", &start)?;
            Ok(Arc::new(ManualClock { inner: Arc::new(casekit::ManualClock::new(at)) }))
        })
    }

    /// The clock's time (RFC 3339).
    pub fn now(&self) -> String {
        time_text(&self.inner.now())
    }

    /// Moves the clock to `at` (RFC 3339; it may go backwards).
    pub fn set(&self, at: String) -> Result<()> {
        guard(|| {
            self.inner.set(time("at", &at)?);
            Ok(())
        })
    }

    /// Moves the clock forward (or back, if negative) by `seconds`.
    pub fn advance(&self, seconds: i64) -> Result<()> {
        guard(|| {
            let by = chrono::Duration::try_seconds(seconds)
                .ok_or_else(|| CaseKitError::validation("seconds", format!("{seconds} is out of range")))?;
            self.inner.advance(by);
            Ok(())
        })
    }
}

/// Receives every event committed through a casebook, in order, right after the commit,
/// on the thread that committed. Implement it in Swift or Kotlin and pass it to
/// `Casebook.subscribe`. An exception (Kotlin) or error (Swift) thrown here is contained:
/// it never undoes or fails the commit, and later events are still delivered.
#[uniffi::export(foreign)]
pub trait EventListener: Send + Sync {
    /// One committed event.
    fn on_event(&self, event: RecordedEvent) -> Result<()>;
}

/// How a SQLite file waits for the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Enum)]
pub enum Synchronous {
    /// Commits survive a crash of the app; a power loss may lose the last few (never
    /// consistency). The default, and right for most apps.
    #[default]
    Normal,
    /// Every commit is fsynced before it is acknowledged: commits survive power loss.
    Full,
}

/// How a SQLite file is opened beyond `synchronous` (the Rust `SqliteOptions`): each
/// `null`/`nil` keeps the store's default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct SqliteTuning {
    /// How long (ms) a write waits for another process (an app extension, a second
    /// connection) holding the file's write lock before it fails with a `Storage`
    /// error. Default 5000; at most a day.
    #[uniffi(default = None)]
    pub busy_timeout_ms: Option<u64>,
    /// Reader connections kept beside the writer, so reads run while a commit is
    /// written. Default 4; 0 reads through the writer; at most 64.
    #[uniffi(default = None)]
    pub readers: Option<u32>,
    /// Each connection's page cache in KiB. Default 2048; at least 1.
    #[uniffi(default = None)]
    pub cache_size_kib: Option<u32>,
    /// The write-ahead log is copied into the file once it holds this many pages.
    /// Default 4000 (about 16 MiB); 0: only by `checkpoint()` or when the last
    /// connection closes.
    #[uniffi(default = None)]
    pub checkpoint_pages: Option<u32>,
    /// How long (thousands of SQLite steps) a list filtered by a time range and a
    /// worker or client walks that person's cases before it takes the time range's
    /// index instead. Default 1000.
    #[uniffi(default = None)]
    pub range_walk_budget: Option<u32>,
}

impl SqliteTuning {
    /// As the SQLite store takes it, checked: a validation error names the first
    /// option out of range.
    fn checked(&self) -> Result<casekit_sqlite::SqliteTuning> {
        let tuning = casekit_sqlite::SqliteTuning {
            busy_timeout: self.busy_timeout_ms.map(std::time::Duration::from_millis),
            readers: self.readers.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            cache_size_kib: self.cache_size_kib,
            checkpoint_pages: self.checkpoint_pages,
            range_walk_budget: self.range_walk_budget,
        };
        tuning
            .check()
            .map_err(|e| CaseKitError::validation(option_name(e.option), format!("expected {}", e.expected)))?;
        Ok(tuning)
    }
}

/// The name of a SQLite option in errors (the snake_case of `SqliteTuning`'s fields).
fn option_name(option: casekit_sqlite::SqliteOption) -> &'static str {
    use casekit_sqlite::SqliteOption as T;
    match option {
        T::BusyTimeout => "busy_timeout_ms",
        T::Readers => "readers",
        T::CacheSizeKib => "cache_size_kib",
        T::CheckpointPages => "checkpoint_pages",
        T::RangeWalkBudget => "range_walk_budget",
    }
}

/// The case-management engine over one store: commands, queries and subscriptions.
///
/// Kotlin: `Casebook.inMemory()`, `Casebook.open(path)`; Swift: `Casebook.inMemory()`,
/// `try Casebook.open(path:)`. Every command method takes the acting `Actor` first, then
/// the case id, then the command's fields, then an optional `expectedVersion` (the
/// command is refused with `Conflict` unless the case is at that version).
#[derive(uniffi::Object)]
pub struct Casebook {
    book: Book,
    store: &'static str,
}

impl Casebook {
    fn build(store: Box<dyn Store>, kind: &'static str, clock: Option<Arc<ManualClock>>, sequential: bool) -> Self {
        let clock: Arc<dyn Clock> = match clock {
            Some(c) => c.inner.clone(),
            None => Arc::new(casekit::SystemClock),
        };
        let ids: Arc<dyn IdGen> =
            if sequential { Arc::new(casekit::SequentialIds::new()) } else { Arc::new(casekit::RandomIds) };
        Casebook { book: casekit::Casebook::with_clock(store, clock, ids), store: kind }
    }

    fn run(&self, actor: &Actor, case_id: Option<&str>, command: Command, expected: Option<u64>) -> Result<Committed> {
        guard(|| {
            let case_id = case_id.map(|c| id("case_id", c)).transpose()?;
            let command = command.into_core()?;
            Committed::of(self.book.execute_command(&actor.into(), case_id, command, expected)?)
        })
    }

    fn on_case(&self, actor: &Actor, case_id: &str, command: Command, expected: Option<u64>) -> Result<Committed> {
        self.run(actor, Some(case_id), command, expected)
    }
}

#[uniffi::export]
impl Casebook {
    /// A casebook over an in-memory store (gone when dropped): for tests, previews and
    /// caches. `clock`: a manual clock (default: the wall clock); `sequentialIds`: ids
    /// `00000000-0000-7000-8000-000000000001`, `...002`, ... instead of random UUIDv7s
    /// (for tests and reproducible demos).
    #[uniffi::constructor(default(clock = None, sequential_ids = false))]
    pub fn in_memory(clock: Option<Arc<ManualClock>>, sequential_ids: bool) -> Arc<Self> {
        Arc::new(Casebook::build(Box::new(casekit::MemoryStore::new()), "memory", clock, sequential_ids))
    }

    /// A casebook over the SQLite file at `path` (created if missing; WAL mode), or a
    /// private in-memory SQLite database for `":memory:"`. On iOS and Android pass a path
    /// inside the app's own files directory. `tuning`: the file's options beyond
    /// `synchronous` (busy timeout, readers, page cache, checkpoints); out of range, or
    /// given for `":memory:"`, a `Validation` error naming the option, and nothing is
    /// opened.
    #[uniffi::constructor(default(synchronous = None, clock = None, sequential_ids = false, tuning = None))]
    pub fn open(
        path: String,
        synchronous: Option<Synchronous>,
        clock: Option<Arc<ManualClock>>,
        sequential_ids: bool,
        tuning: Option<SqliteTuning>,
    ) -> Result<Arc<Self>> {
        guard(|| {
            use casekit_sqlite::{SqliteOptions, SqliteStore, Synchronous as S};
            if path.trim().is_empty() {
                return Err(CaseKitError::validation("path", "a SQLite store needs a file path (or \":memory:\")"));
            }
            let synchronous = match synchronous.unwrap_or_default() {
                Synchronous::Normal => S::Normal,
                Synchronous::Full => S::Full,
            };
            let tuning = tuning.map(|t| t.checked()).transpose()?.unwrap_or_default();
            let store = if path == ":memory:" {
                if let Some(option) = tuning.first_given() {
                    let name = option_name(option);
                    return Err(CaseKitError::validation(name, "applies to SQLite files only, not \":memory:\""));
                }
                SqliteStore::in_memory()
            } else {
                SqliteStore::open_with(&path, tuning.apply(SqliteOptions { synchronous, ..SqliteOptions::default() }))
            }
            .map_err(|e| CaseKitError::from(casekit::Error::Storage(e)))?;
            Ok(Arc::new(Casebook::build(Box::new(store), "sqlite", clock, sequential_ids)))
        })
    }

    /// Which store the casebook runs on: `memory` or `sqlite`.
    pub fn store_kind(&self) -> String {
        self.store.to_owned()
    }

    /// Registers (or replaces) a program's rules: required instruments, custom fields.
    pub fn register_program(&self, program: Program) -> Result<()> {
        guard(|| Ok(self.book.register_program(program.into())?))
    }

    /// A registered program, if any.
    pub fn program(&self, id: String) -> Option<Program> {
        self.book.program(&id.into()).map(Into::into)
    }

    // -- Generic entry points -------------------------------------------------------------

    /// Runs any command (`caseId` is ignored for `Command.OpenCase`). The typed methods
    /// below do the same with one method per command.
    #[uniffi::method(default(expected_version = None))]
    pub fn execute(
        &self,
        actor: Actor,
        case_id: Option<String>,
        command: Command,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.run(&actor, case_id.as_deref(), command, expected_version)
    }

    /// Runs many commands as one transaction: all are committed, or none (the first
    /// failure is thrown and nothing is stored). For imports and offline sync.
    pub fn execute_batch(&self, actor: Actor, items: Vec<BatchItem>) -> Result<Vec<Committed>> {
        guard(|| {
            let items = core_items(items)?;
            self.book.execute_batch(&(&actor).into(), &items)?.into_iter().map(Committed::of).collect()
        })
    }

    /// `executeBatch`, answered with what it wrote (counts and log positions) instead of
    /// a `Committed` per command: the same transaction, all or nothing, for imports and
    /// offline sync, which need no answer per command.
    pub fn execute_batch_summary(&self, actor: Actor, items: Vec<BatchItem>) -> Result<BatchSummary> {
        guard(|| {
            let items = core_items(items)?;
            Ok(self.book.execute_batch_summary(&(&actor).into(), &items)?.into())
        })
    }

    // -- Lifecycle ----------------------------------------------------------------------

    /// Opens a case for a client in a program. `customFieldsJson`: a JSON object of
    /// program-defined fields. The new case's id is `createdId` (and `caseId`).
    #[uniffi::method(default(
        client_id = None,
        case_id = None,
        priority = None,
        tags = [],
        assign_to = None,
        custom_fields_json = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn open_case(
        &self,
        actor: Actor,
        program: String,
        client: ClientDetails,
        client_id: Option<String>,
        case_id: Option<String>,
        priority: Option<Priority>,
        tags: Vec<String>,
        assign_to: Option<String>,
        custom_fields_json: Option<String>,
    ) -> Result<Committed> {
        let command =
            Command::OpenCase { program, client, client_id, case_id, priority, tags, assign_to, custom_fields_json };
        self.run(&actor, None, command, None)
    }

    /// Finishes intake (`eligible` must be true) and records immediate needs.
    #[uniffi::method(default(immediate_needs = [], expected_version = None))]
    pub fn complete_intake(
        &self,
        actor: Actor,
        case_id: String,
        eligible: bool,
        immediate_needs: Vec<ImmediateNeedInput>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::CompleteIntake { eligible, immediate_needs }, expected_version)
    }

    /// Records an assessment. `responsesJson`: a JSON object, item id -> answer.
    #[uniffi::method(default(risk_flags = [], identified_needs = [], expected_version = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn record_assessment(
        &self,
        actor: Actor,
        case_id: String,
        instrument: InstrumentRef,
        responses_json: String,
        scores: HashMap<String, f64>,
        bands: HashMap<String, String>,
        risk_flags: Vec<String>,
        identified_needs: Vec<IdentifiedNeedInput>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        let command =
            Command::RecordAssessment { instrument, responses_json, scores, bands, risk_flags, identified_needs };
        self.on_case(&actor, &case_id, command, expected_version)
    }

    /// Finishes the assessment and moves the case to planning.
    #[uniffi::method(default(summary = None, expected_version = None))]
    pub fn complete_assessment(
        &self,
        actor: Actor,
        case_id: String,
        summary: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::CompleteAssessment { summary }, expected_version)
    }

    /// Activates the service plan (it needs at least one goal).
    #[uniffi::method(default(expected_version = None))]
    pub fn activate_plan(&self, actor: Actor, case_id: String, expected_version: Option<u64>) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::ActivatePlan, expected_version)
    }

    /// Goes back to assessment from planning or active work (a new assessment cycle).
    #[uniffi::method(default(expected_version = None))]
    pub fn start_reassessment(
        &self,
        actor: Actor,
        case_id: String,
        reason: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::StartReassessment { reason }, expected_version)
    }

    /// Closes the case (open tasks are cancelled by the close).
    #[uniffi::method(default(expected_version = None))]
    pub fn close(
        &self,
        actor: Actor,
        case_id: String,
        reason: ClosureReason,
        summary: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::Close { reason, summary }, expected_version)
    }

    /// Reopens a closed case (it goes back to assessment).
    #[uniffi::method(default(expected_version = None))]
    pub fn reopen(
        &self,
        actor: Actor,
        case_id: String,
        reason: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::Reopen { reason }, expected_version)
    }

    // -- Case administration --------------------------------------------------------------

    /// Changes client details (the fields given replace the current ones).
    #[uniffi::method(default(expected_version = None))]
    pub fn update_client(
        &self,
        actor: Actor,
        case_id: String,
        changes: ClientUpdate,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::UpdateClient { changes }, expected_version)
    }

    /// Assigns a worker (`role` `None`: primary).
    #[uniffi::method(default(role = None, expected_version = None))]
    pub fn assign_worker(
        &self,
        actor: Actor,
        case_id: String,
        worker: String,
        role: Option<AssignmentRole>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::AssignWorker { worker, role }, expected_version)
    }

    /// Removes a worker's assignment.
    #[uniffi::method(default(expected_version = None))]
    pub fn unassign_worker(
        &self,
        actor: Actor,
        case_id: String,
        worker: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::UnassignWorker { worker }, expected_version)
    }

    /// Adds a note (`kind` `None`: general). Confidential notes are visible only to the
    /// assigned workers and supervisors.
    #[uniffi::method(default(kind = None, confidential = false, expected_version = None))]
    pub fn add_note(
        &self,
        actor: Actor,
        case_id: String,
        text: String,
        kind: Option<NoteKind>,
        confidential: bool,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::AddNote { text, kind, confidential }, expected_version)
    }

    /// Stores a document's bytes in the blob store and attaches its metadata to the case
    /// (hash and size are computed here). Read them back with `documentContent`.
    #[uniffi::method(default(category = None))]
    pub fn attach_document(
        &self,
        actor: Actor,
        case_id: String,
        name: String,
        media_type: String,
        content: Vec<u8>,
        category: Option<String>,
    ) -> Result<Committed> {
        guard(|| {
            let case_id = id("case_id", &case_id)?;
            let upload = casekit::DocumentUpload { name, media_type, category, content };
            Committed::of(self.book.attach_document(&(&actor).into(), case_id, upload)?)
        })
    }

    /// Attaches a document's metadata only, for bytes kept elsewhere (the
    /// `attach_document` command itself: `sha256` is the content's hash, 64 hex digits).
    #[uniffi::method(default(category = None, expected_version = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn attach_document_metadata(
        &self,
        actor: Actor,
        case_id: String,
        name: String,
        media_type: String,
        sha256: String,
        size_bytes: u64,
        category: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        let command = Command::AttachDocument { name, media_type, sha256, size_bytes, category };
        self.on_case(&actor, &case_id, command, expected_version)
    }

    /// A document's bytes, verified against its hash.
    pub fn document_content(&self, actor: Actor, case_id: String, document_id: String) -> Result<Vec<u8>> {
        guard(|| {
            let case_id = id("case_id", &case_id)?;
            let document_id = id("document_id", &document_id)?;
            Ok(self.book.document_content(&(&actor).into(), case_id, document_id)?)
        })
    }

    /// Refers the client to another organisation.
    #[uniffi::method(default(service = None, expected_version = None))]
    pub fn refer_out(
        &self,
        actor: Actor,
        case_id: String,
        organization: String,
        service: Option<String>,
        reason: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::ReferOut { organization, service, reason }, expected_version)
    }

    /// Records the answer to a referral.
    #[uniffi::method(default(expected_version = None))]
    pub fn update_referral(
        &self,
        actor: Actor,
        case_id: String,
        referral_id: String,
        status: ReferralStatus,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::UpdateReferral { referral_id, status }, expected_version)
    }

    /// Transfers the case to another program and/or worker (supervisors).
    #[uniffi::method(default(to_program = None, to_worker = None, expected_version = None))]
    pub fn transfer(
        &self,
        actor: Actor,
        case_id: String,
        to_program: Option<String>,
        to_worker: Option<String>,
        reason: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::Transfer { to_program, to_worker, reason }, expected_version)
    }

    // -- Tasks --------------------------------------------------------------------------

    /// Adds a task (`due`: RFC 3339).
    #[uniffi::method(default(task_id = None, due = None, assignee = None, expected_version = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn add_task(
        &self,
        actor: Actor,
        case_id: String,
        task_id: Option<String>,
        title: String,
        due: Option<String>,
        assignee: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::AddTask { task_id, title, due, assignee }, expected_version)
    }

    /// Marks a task done.
    #[uniffi::method(default(expected_version = None))]
    pub fn complete_task(
        &self,
        actor: Actor,
        case_id: String,
        task_id: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::CompleteTask { task_id }, expected_version)
    }

    /// Cancels a task.
    #[uniffi::method(default(expected_version = None))]
    pub fn cancel_task(
        &self,
        actor: Actor,
        case_id: String,
        task_id: String,
        reason: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::CancelTask { task_id, reason }, expected_version)
    }

    /// Gives a task to someone else.
    #[uniffi::method(default(expected_version = None))]
    pub fn reassign_task(
        &self,
        actor: Actor,
        case_id: String,
        task_id: String,
        assignee: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::ReassignTask { task_id, assignee }, expected_version)
    }

    /// Changes (RFC 3339) or clears (`None`) a task's due time.
    #[uniffi::method(default(expected_version = None))]
    pub fn set_task_due(
        &self,
        actor: Actor,
        case_id: String,
        task_id: String,
        due: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::SetTaskDue { task_id, due }, expected_version)
    }

    // -- Priority, tags, holds, custom fields ------------------------------------------------

    /// Changes the case's priority.
    #[uniffi::method(default(expected_version = None))]
    pub fn set_priority(
        &self,
        actor: Actor,
        case_id: String,
        priority: Priority,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::SetPriority { priority }, expected_version)
    }

    /// Adds a tag.
    #[uniffi::method(default(expected_version = None))]
    pub fn add_tag(
        &self,
        actor: Actor,
        case_id: String,
        tag: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::AddTag { tag }, expected_version)
    }

    /// Removes a tag.
    #[uniffi::method(default(expected_version = None))]
    pub fn remove_tag(
        &self,
        actor: Actor,
        case_id: String,
        tag: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::RemoveTag { tag }, expected_version)
    }

    /// Puts the case on hold (deadlines pause; `until`: RFC 3339).
    #[uniffi::method(default(until = None, expected_version = None))]
    pub fn place_on_hold(
        &self,
        actor: Actor,
        case_id: String,
        reason: String,
        until: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::PlaceOnHold { reason, until }, expected_version)
    }

    /// Resumes a case on hold (open tasks' due times move by the time on hold).
    #[uniffi::method(default(expected_version = None))]
    pub fn resume(&self, actor: Actor, case_id: String, expected_version: Option<u64>) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::Resume, expected_version)
    }

    /// Sets program-defined custom fields: `valuesJson` is a JSON object (`null` removes).
    #[uniffi::method(default(expected_version = None))]
    pub fn set_custom_fields(
        &self,
        actor: Actor,
        case_id: String,
        values_json: String,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::SetCustomFields { values_json }, expected_version)
    }

    // -- Plan: goals, services, outcomes --------------------------------------------------

    /// Adds a goal to the plan (`due`: `YYYY-MM-DD`).
    #[uniffi::method(default(goal_id = None, need_id = None, measure = None, due = None, expected_version = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn add_goal(
        &self,
        actor: Actor,
        case_id: String,
        goal_id: Option<String>,
        description: String,
        domain: String,
        need_id: Option<String>,
        measure: Option<Measure>,
        due: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        let command = Command::AddGoal { goal_id, description, domain, need_id, measure, due };
        self.on_case(&actor, &case_id, command, expected_version)
    }

    /// Evaluates goals: sets their status.
    #[uniffi::method(default(expected_version = None))]
    pub fn evaluate_goals(
        &self,
        actor: Actor,
        case_id: String,
        evaluations: Vec<GoalEvaluation>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::EvaluateGoals { evaluations }, expected_version)
    }

    /// Adds a service to the plan (`start`, `end`: `YYYY-MM-DD`).
    #[uniffi::method(default(
        service_id = None,
        goal_id = None,
        start = None,
        end = None,
        frequency = None,
        expected_version = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn add_service(
        &self,
        actor: Actor,
        case_id: String,
        service_id: Option<String>,
        name: String,
        provider: String,
        goal_id: Option<String>,
        start: Option<String>,
        end: Option<String>,
        frequency: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        let command = Command::AddService { service_id, name, provider, goal_id, start, end, frequency };
        self.on_case(&actor, &case_id, command, expected_version)
    }

    /// Changes a service's status (a reason is required when discontinued).
    #[uniffi::method(default(reason = None, expected_version = None))]
    pub fn set_service_status(
        &self,
        actor: Actor,
        case_id: String,
        service_id: String,
        status: ServiceStatus,
        reason: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::SetServiceStatus { service_id, status, reason }, expected_version)
    }

    /// Records a delivery of a service (`deliveredOn`: `YYYY-MM-DD`).
    #[uniffi::method(default(units = None, note = None, expected_version = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn record_service_delivery(
        &self,
        actor: Actor,
        case_id: String,
        service_id: String,
        delivered_on: String,
        units: Option<f64>,
        note: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        let command = Command::RecordServiceDelivery { service_id, delivered_on, units, note };
        self.on_case(&actor, &case_id, command, expected_version)
    }

    /// Records a measurement of a goal's outcome (`measuredOn`: `YYYY-MM-DD`).
    #[uniffi::method(default(note = None, expected_version = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn record_outcome(
        &self,
        actor: Actor,
        case_id: String,
        goal_id: String,
        value: f64,
        measured_on: String,
        note: Option<String>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        self.on_case(&actor, &case_id, Command::RecordOutcome { goal_id, value, measured_on, note }, expected_version)
    }

    // -- Queries ------------------------------------------------------------------------

    /// A case as `actor` may see it.
    pub fn get(&self, actor: Actor, case_id: String) -> Result<CaseView> {
        guard(|| Ok(self.book.get(&(&actor).into(), id("case_id", &case_id)?)?.into()))
    }

    /// Lists the cases `actor` may see, filtered and paged (pass a page's `nextCursor` as
    /// the next query's `after`).
    pub fn list(&self, actor: Actor, query: CaseQuery) -> Result<Page> {
        guard(|| Ok(self.book.list(&(&actor).into(), &query.into_core()?)?.into()))
    }

    /// A case's events as `actor` may see them (confidential notes the actor may not read
    /// keep their place, with their text withheld and `redacted` set).
    pub fn history(&self, actor: Actor, case_id: String) -> Result<Vec<RecordedEvent>> {
        guard(|| RecordedEvent::all(self.book.history(&(&actor).into(), id("case_id", &case_id)?)?))
    }

    /// Recomputes a case's hash chain over the stored bytes and reports the first broken
    /// link.
    pub fn verify(&self, actor: Actor, case_id: String) -> Result<VerifyReport> {
        guard(|| Ok(self.book.verify(&(&actor).into(), id("case_id", &case_id)?)?.into()))
    }

    /// The global log after `afterPosition`, in order, at most `limit` events: for the
    /// app's own projections, exports and sync. Unscoped: the host's feed, not a user's.
    #[uniffi::method(default(after_position = 0, limit = 1000))]
    pub fn read_log(&self, after_position: u64, limit: u32) -> Result<Vec<RecordedEvent>> {
        guard(|| RecordedEvent::all(self.book.read_log(after_position, limit as usize)?))
    }

    /// Makes a SQLite file complete on its own: the write-ahead log is copied into the
    /// database file and emptied, so the file alone can be copied (a backup, iCloud or
    /// Auto Backup of the app's data) while the casebook stays open. Nothing to do for
    /// the in-memory and PostgreSQL stores. A `Storage` error if another connection's
    /// reader keeps the log from being emptied within the busy timeout.
    pub fn checkpoint(&self) -> Result<()> {
        guard(|| Ok(self.book.checkpoint()?))
    }

    /// The case view as casekit's JSON (the interchange form: exports, sync, tests).
    pub fn get_json(&self, actor: Actor, case_id: String) -> Result<String> {
        guard(|| to_json(&self.book.get(&(&actor).into(), id("case_id", &case_id)?)?))
    }

    /// The history as casekit's JSON: an array of events in their envelopes.
    pub fn history_json(&self, actor: Actor, case_id: String) -> Result<String> {
        guard(|| to_json(&self.book.history(&(&actor).into(), id("case_id", &case_id)?)?))
    }

    // -- Subscriptions ------------------------------------------------------------------

    /// Calls `listener` with every event committed through this casebook, after the
    /// commit, in order. Returns the subscription's id, for `unsubscribe`.
    pub fn subscribe(&self, listener: Arc<dyn EventListener>) -> u64 {
        let id = self.book.subscribe(move |e| {
            // An event that cannot be represented is skipped rather than failing a
            // commit that already happened.
            // A failing listener is the application's bug; it must not touch the commit.
            if let Ok(record) = RecordedEvent::of(e.clone()) {
                let _ = listener.on_event(record);
            }
        });
        id.0
    }

    /// Stops a subscription. Returns whether it existed.
    pub fn unsubscribe(&self, subscription: u64) -> bool {
        self.book.unsubscribe(casekit::SubscriptionId(subscription))
    }
}

/// A batch's items as the core takes them, a bad one named by its place (`items[3]...`).
fn core_items(items: Vec<BatchItem>) -> Result<Vec<casekit::BatchCommand>> {
    items.into_iter().enumerate().map(|(i, it)| it.into_core(&format!("items[{i}]"))).collect()
}
