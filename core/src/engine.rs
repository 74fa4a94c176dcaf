//! `Casebook`: what applications hold. One call = load (or cached state) -> authorize
//! -> decide -> append with optimistic concurrency -> evolve -> notify subscribers.

use crate::actor::Actor;
use crate::auth::{can_see_confidential, ensure_can_read, NoteAccess};
use crate::clock::{Clock, IdGen, SequentialIds, Timestamp};
use crate::command::{AttachDocument, Command, OpenCase};
use crate::decide::{decide, Context};
use crate::envelope::{fold, seal, seal_onto, Sealed};
use crate::error::{from_store, Error, Result, StoreError};
use crate::event::{event_hash, sha256_hex, Event, EventHash, RecordedEvent, StoredEvent, GENESIS_HASH};
use crate::ids::{CaseId, DocumentId};
use crate::model::Phase;
use crate::program::{Program, ProgramCatalog};
use crate::state::{replay, CaseState};
use crate::store::{AppendBatch, CaseQuery, CaseSummary, NoteEntry, Store, StoreQuery, DEFAULT_PAGE, MAX_PAGE};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use uuid::Uuid;

/// How many times a command without an expected version is retried after another
/// writer got there first.
const MAX_ATTEMPTS: usize = 5;

/// Batches of at least this many items are staged as the store appends them
/// (`Store::append_streamed`: a store may write the first cases on another thread
/// while later ones are staged); smaller ones are staged whole first.
pub const PIPELINE_FROM: usize = 64;

/// The result of a command that was committed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Committed {
    /// The case.
    pub case_id: CaseId,
    /// Its version after the command.
    pub version: u64,
    /// Its phase after the command.
    pub phase: Phase,
    /// The id of the record the command created (the case, goal, task, note, ...).
    pub created_id: Option<Uuid>,
    /// The events the command appended.
    pub events: Vec<RecordedEvent>,
}

/// What a batch wrote, for callers that want no answer per command (an import of
/// thousands of commands, say): [`Casebook::execute_batch_summary`], or
/// [`BatchSummary::of`] the answers of [`Casebook::execute_batch`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    /// How many commands were committed.
    pub commands: u64,
    /// How many events they appended.
    pub events: u64,
    /// How many distinct cases they touched (opened or changed).
    pub cases: u64,
    /// The global log position of the first event appended (`None` if none was).
    pub first_position: Option<u64>,
    /// The global log position of the last event appended: read the log after it for
    /// what came next.
    pub last_position: Option<u64>,
}

impl BatchSummary {
    /// The summary of a batch's answers.
    pub fn of(committed: &[Committed]) -> Self {
        let mut cases: HashSet<&CaseId> = HashSet::new();
        let mut summary = BatchSummary { commands: committed.len() as u64, ..BatchSummary::default() };
        for c in committed {
            cases.insert(&c.case_id);
            summary.events += c.events.len() as u64;
            for e in &c.events {
                summary.first_position = Some(summary.first_position.map_or(e.position, |p| p.min(e.position)));
                summary.last_position = Some(summary.last_position.map_or(e.position, |p| p.max(e.position)));
            }
        }
        summary.cases = cases.len() as u64;
        summary
    }
}

/// One command of a batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchCommand {
    /// The case (`None` for `open_case`; give the new case an id in the command to refer
    /// to it later in the same batch).
    #[serde(default)]
    pub case_id: Option<CaseId>,
    /// The command.
    pub command: Command,
    /// The version the case must have before this command, if the caller knows it.
    #[serde(default)]
    pub expected_version: Option<u64>,
}

/// A page of a list query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next_cursor: Option<CaseId>,
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// The case.
    pub case_id: CaseId,
    /// Events checked.
    pub events_checked: u64,
    /// Whether the whole chain verified.
    pub valid: bool,
    /// The first event that failed, if any.
    pub first_broken_sequence: Option<u64>,
    /// What failed.
    pub problem: Option<String>,
    /// Hash of the last event checked.
    pub head_hash: Option<EventHash>,
}

/// A document's bytes and metadata, for [`Casebook::attach_document`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentUpload {
    /// File name.
    pub name: String,
    /// MIME type.
    pub media_type: String,
    /// Category.
    pub category: Option<String>,
    /// The content.
    pub content: Vec<u8>,
}

/// A subscription's handle, for [`Casebook::unsubscribe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubscriptionId(pub u64);

type Subscriber = dyn Fn(&RecordedEvent) + Send + Sync;

/// A batch being staged: per case, its working state and the events sealed so far.
#[derive(Default)]
struct Staged {
    work: HashMap<CaseId, Working>,
    order: Vec<CaseId>,
    /// Per item: case, range of its events in the case's sealed list, phase after it.
    results: Vec<(CaseId, usize, usize, Phase)>,
}

struct Working {
    state: Option<CaseState>,
    sealed: Option<Sealed>,
}

impl Staged {
    /// The append for the `i`-th case of `order` (its sealed events move out).
    fn batch(&mut self, i: usize) -> Option<AppendBatch> {
        let id = self.order.get(i)?;
        match self.work.get_mut(id) {
            Some(Working { sealed: Some(sealed), state: Some(state) }) => Some(batch_for(sealed, state)),
            _ => None,
        }
    }
}

/// The case states kept between calls, least recently used first out. A state is
/// taken out while a writer works on it and put back after, which counts as a use.
/// Each entry carries the tick of its last use, and `by_use` orders the entries by it,
/// so a full cache finds its oldest entry in O(log n) (an import brings a new case
/// with nearly every batch item).
#[derive(Default)]
struct CaseCache {
    states: HashMap<CaseId, (CaseState, u64)>,
    by_use: BTreeMap<u64, CaseId>,
    tick: u64,
}

impl CaseCache {
    fn remove(&mut self, id: &CaseId) -> Option<CaseState> {
        let (state, used) = self.states.remove(id)?;
        self.by_use.remove(&used);
        Some(state)
    }

    fn get(&mut self, id: &CaseId) -> Option<CaseState> {
        self.tick += 1;
        let (state, used) = self.states.get_mut(id)?;
        self.by_use.remove(used);
        *used = self.tick;
        self.by_use.insert(self.tick, *id);
        Some(state.clone())
    }

    fn put(&mut self, state: CaseState, capacity: usize) {
        self.tick += 1;
        let id = state.id;
        if let Some(slot) = self.states.get_mut(&id) {
            self.by_use.remove(&slot.1);
            *slot = (state, self.tick);
            self.by_use.insert(self.tick, id);
            return;
        }
        while self.states.len() >= capacity {
            let Some((_, oldest)) = self.by_use.pop_first() else { break };
            self.states.remove(&oldest);
        }
        self.states.insert(id, (state, self.tick));
        self.by_use.insert(self.tick, id);
    }
}

/// How many cases' states a [`Casebook`] keeps in memory unless told otherwise: enough
/// for the cases a team works on at once, small enough for a phone or a notebook
/// (a case of a few dozen events takes a few KiB).
pub const DEFAULT_CACHE_CAPACITY: usize = 256;

/// The engine applications hold: commands, queries and subscriptions over one store.
///
/// ```
/// use casekit::{Actor, Casebook, MemoryStore, Role, command::{OpenCase, CompleteIntake}};
/// use casekit::model::ClientDetails;
///
/// let book = Casebook::new(MemoryStore::new());
/// let worker = Actor::new("iris", [Role::IntakeWorker], ["housing"]);
/// let opened = book.open_case(&worker, OpenCase {
///     program: "housing".into(),
///     client: ClientDetails { name: "Ada Lovelace".into(), ..Default::default() },
///     ..Default::default()
/// })?;
/// let done = book.execute(&worker, opened.case_id,
///     CompleteIntake { eligible: true, immediate_needs: vec![] }, Some(opened.version))?;
/// assert_eq!(done.phase, casekit::Phase::Assessment);
/// # Ok::<(), casekit::Error>(())
/// ```
pub struct Casebook<S> {
    store: S,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    programs: RwLock<ProgramCatalog>,
    cache: Mutex<CaseCache>,
    cache_capacity: usize,
    subscribers: RwLock<Vec<(SubscriptionId, Arc<Subscriber>)>>,
    next_subscription: AtomicU64,
}

impl<S: Store> Casebook<S> {
    /// A casebook over `store` with the wall clock and random UUIDv7 ids.
    #[cfg(feature = "system")]
    pub fn new(store: S) -> Self {
        Self::with_clock(store, Arc::new(crate::clock::SystemClock), Arc::new(crate::clock::RandomIds))
    }

    /// A casebook with an injected clock and id source (fixed ones in tests).
    pub fn with_clock(store: S, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>) -> Self {
        Self {
            store,
            clock,
            ids,
            programs: RwLock::new(ProgramCatalog::new()),
            cache: Mutex::new(CaseCache::default()),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            subscribers: RwLock::new(Vec::new()),
            next_subscription: AtomicU64::new(1),
        }
    }

    /// Sets how many cases' states are kept in memory between calls (default
    /// [`DEFAULT_CACHE_CAPACITY`]). A larger cache saves replays of busy cases (a
    /// server with thousands of active cases); a smaller one saves memory (a phone).
    /// 0 keeps none (every call loads the case from the store).
    pub fn with_cache_capacity(mut self, cases: usize) -> Self {
        self.cache_capacity = cases;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Makes the store's file complete on its own, to copy it while the application
    /// runs ([`Store::checkpoint`]; the SQLite store empties its write-ahead log into
    /// the database file). Nothing to do for the in-memory and PostgreSQL stores.
    pub fn checkpoint(&self) -> Result<()> {
        self.store.checkpoint().map_err(from_store)
    }

    /// Registers (or replaces) a program's rules.
    pub fn register_program(&self, program: Program) -> Result<()> {
        if program.id.as_str().trim().is_empty() {
            return Err(Error::validation("id", "a program needs an id"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, f) in program.custom_fields.iter().enumerate() {
            if f.key.trim().is_empty() || !seen.insert(f.key.as_str()) {
                return Err(Error::validation(format!("custom_fields[{i}].key"), "keys must be unique and not empty"));
            }
        }
        self.programs.write().unwrap_or_else(|p| p.into_inner()).insert(program);
        Ok(())
    }

    /// A registered program.
    pub fn program(&self, id: &crate::ids::ProgramId) -> Option<Program> {
        self.programs.read().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    /// Opens a case.
    pub fn open_case(&self, actor: &Actor, command: OpenCase) -> Result<Committed> {
        let case_id = command.case_id;
        self.run(actor, case_id, &Command::OpenCase(command), None)
    }

    /// Runs a command on an existing case. With `expected_version`, the command is
    /// refused with `conflict` unless the case is at that version; without it, the
    /// command is decided against the latest state (and retried if another writer
    /// commits in between).
    pub fn execute(
        &self,
        actor: &Actor,
        case_id: CaseId,
        command: impl Into<Command>,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        let command = command.into();
        if let Command::OpenCase(_) = command {
            return Err(Error::validation("type", "open cases with open_case"));
        }
        self.run(actor, Some(case_id), &command, expected_version)
    }

    /// Runs a command given as JSON-shaped data (`{"type": "add_note", ...}`): for
    /// bindings and tools. `case_id` is ignored for `open_case`.
    pub fn execute_command(
        &self,
        actor: &Actor,
        case_id: Option<CaseId>,
        command: Command,
        expected_version: Option<u64>,
    ) -> Result<Committed> {
        match command {
            Command::OpenCase(open) => self.open_case(actor, open),
            other => {
                let case_id = case_id.ok_or_else(|| Error::validation("case_id", "this command needs a case"))?;
                self.run(actor, Some(case_id), &other, expected_version)
            }
        }
    }

    fn run(
        &self,
        actor: &Actor,
        case_id: Option<CaseId>,
        command: &Command,
        expected: Option<u64>,
    ) -> Result<Committed> {
        let now = self.now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Writers trust the cache (the append's version check catches a stale one),
            // except when the caller's expected version disagrees with it: then the
            // store decides whether that is a conflict or just a stale cache.
            let mut state = match case_id {
                Some(id) => self.checkout_for_write(id)?,
                None => None,
            };
            if let (Some(exp), Some(id)) = (expected, case_id) {
                if state.as_ref().map_or(0, |s| s.version) != exp {
                    state = self.refresh(id, state)?;
                }
            }
            if let Some(exp) = expected {
                let state_exists = state.is_some();
                let actual = state.as_ref().map_or(0, |s| s.version);
                if actual != exp {
                    let id = state.as_ref().map(|s| s.id).or(case_id);
                    self.checkin(state);
                    return match id {
                        Some(case_id) if state_exists => Err(Error::Conflict { case_id, expected: exp, actual }),
                        // No such case: expecting a version means it should exist.
                        _ => Err(Error::not_found("case", case_id.map(|c| c.to_string()).unwrap_or_default())),
                    };
                }
            }
            if state.is_none() && !matches!(command, Command::OpenCase(_)) {
                let id = case_id.map(|c| c.to_string()).unwrap_or_default();
                return Err(Error::not_found("case", id));
            }
            let sealed = {
                let programs = self.programs.read().unwrap_or_else(|p| p.into_inner());
                let ctx = Context { actor, now, ids: &*self.ids, programs: &programs };
                decide(state.as_ref(), command, &ctx).and_then(|events| seal(state.as_ref(), events, &ctx))
            };
            let sealed = match sealed {
                Ok(s) => s,
                Err(e) => {
                    self.checkin(state);
                    return Err(e);
                }
            };
            match self.commit(state, sealed) {
                Ok(done) => return Ok(done),
                Err(Error::Conflict { .. }) if expected.is_none() && attempt < MAX_ATTEMPTS => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// [`Casebook::execute_batch`], answering with a [`BatchSummary`] instead of a
    /// [`Committed`] per command: the same transaction, the same all-or-nothing, for
    /// callers (imports) that need no answer per command.
    pub fn execute_batch_summary(&self, actor: &Actor, items: &[BatchCommand]) -> Result<BatchSummary> {
        self.execute_batch(actor, items).map(|done| BatchSummary::of(&done))
    }

    /// Runs many commands as one transaction: all are committed, or none (the first
    /// failure is returned and nothing is stored). The path for imports and bulk work.
    ///
    /// Sizing an import: a batch's cases stay in the case cache afterwards, so a later
    /// batch that goes on with them (say, a second pass that refers to ids the first
    /// created) finds them there only if the cache holds them all. Keep a batch's cases
    /// within [`Casebook::with_cache_capacity`] (default [`DEFAULT_CACHE_CAPACITY`]) or
    /// raise it; a store's own page cache bounds the useful size of one transaction too
    /// (CM-22 through the SQLite store at default settings: 100 cases a batch imports
    /// ≈ 25 % faster than 1,000).
    ///
    /// A batch of [`PIPELINE_FROM`] items or more is staged as the store appends it
    /// ([`Store::append_streamed`]): each case goes to the store once no later item
    /// names it, so a store that writes on a thread of its own (the SQLite store)
    /// overlaps the writing with the deciding, sealing and hashing of the later cases.
    /// The result, the log order included, is the same either way.
    pub fn execute_batch(&self, actor: &Actor, items: &[BatchCommand]) -> Result<Vec<Committed>> {
        let mut attempt = 0;
        let (staged, positions) = loop {
            attempt += 1;
            // On failure the working states (which may hold uncommitted events) are
            // dropped: they were taken out of the cache and reload on demand.
            // The first attempt trusts the cached states, as a single command does (the
            // append's version check catches a stale one); a refused append stages
            // again from the store, where expected versions are checked against the
            // truth.
            let mut staged = Staged::default();
            self.preload(items, &mut staged, attempt > 1)?;
            let appended = if items.len() >= PIPELINE_FROM {
                let programs = self.programs.read().unwrap_or_else(|p| p.into_inner());
                let mut staging = Staging::new(self, &programs, actor, items, staged);
                let appended = self.store.append_streamed(&mut staging);
                let (staged, failed, taken) = staging.finish();
                if let Some(e) = failed {
                    // The store rolled back: nothing of the batch was written.
                    return Err(e);
                }
                if appended.is_ok() && !taken {
                    return Err(Error::Storage(StoreError::backend(
                        "the store reported the batch appended before taking all of it",
                    )));
                }
                appended.map(|positions| (staged, positions))
            } else {
                self.stage(actor, items, &mut staged)?;
                let batches: Vec<AppendBatch> = (0..staged.order.len()).filter_map(|i| staged.batch(i)).collect();
                self.store.append(batches).map(|positions| (staged, positions))
            };
            match appended {
                Ok(done) => break done,
                Err(StoreError::Conflict { .. }) if attempt < MAX_ATTEMPTS => continue,
                Err(e) => return Err(from_store(e)),
            }
        };
        let mut staged = staged;
        let mut pos = positions.into_iter();
        for id in &staged.order {
            if let Some(Working { sealed: Some(sealed), .. }) = staged.work.get_mut(id) {
                for e in sealed.recorded.iter_mut() {
                    e.position = pos.next().unwrap_or(0);
                }
            }
        }
        // Each case's items are in order, so its events move out front to back.
        let mut recorded: HashMap<CaseId, std::vec::IntoIter<RecordedEvent>> = HashMap::new();
        let mut states = Vec::with_capacity(staged.work.len());
        for (id, w) in staged.work {
            if let Some(sealed) = w.sealed {
                recorded.insert(id, sealed.recorded.into_iter());
            }
            states.push(w.state);
        }
        let mut out = Vec::with_capacity(staged.results.len());
        for (case_id, start, end, phase) in staged.results {
            let events: Vec<RecordedEvent> =
                recorded.get_mut(&case_id).map(|it| it.by_ref().take(end - start).collect()).unwrap_or_default();
            out.push(Committed {
                case_id,
                version: events.last().map_or(0, |e| e.sequence),
                phase,
                created_id: events.iter().find_map(|e| e.event.created_id()),
                events,
            });
        }
        for state in states {
            self.checkin(state);
        }
        for c in &out {
            self.notify(&c.events);
        }
        Ok(out)
    }

    /// Takes the state of every case the items name out of the cache (or the store)
    /// before anything is staged, so that staging itself never touches the store (and
    /// can run beside an append that holds the store's write lock): with `fresh`, each
    /// case's state as the store has it; without, as cached, refreshed only where the
    /// first item for a case expects another version than the cached one.
    fn preload(&self, items: &[BatchCommand], staged: &mut Staged, fresh: bool) -> Result<()> {
        for item in items {
            let Some(id) = target_of(item) else { continue };
            let std::collections::hash_map::Entry::Vacant(slot) = staged.work.entry(id) else { continue };
            let mut state = match (&item.command, fresh) {
                (_, true) => self.checkout(id)?,
                // A case the caller opens under its own id is new unless cached: if the
                // store has it after all, the append is refused and the batch stages
                // again from the store.
                (Command::OpenCase(_), false) => self.lock_cache().remove(&id),
                (_, false) => self.checkout_for_write(id)?,
            };
            if let (Some(exp), false) = (item.expected_version, fresh) {
                // A cached state that disagrees with the caller may just be stale: the
                // store decides.
                if state.as_ref().map_or(0, |s| s.version) != exp {
                    state = self.refresh(id, state)?;
                }
            }
            slot.insert(Working { state, sealed: None });
        }
        Ok(())
    }

    /// Decides and seals every item on the working states `preload` left in `staged`,
    /// without touching the store.
    fn stage(&self, actor: &Actor, items: &[BatchCommand], staged: &mut Staged) -> Result<()> {
        let programs = self.programs.read().unwrap_or_else(|p| p.into_inner());
        let ctx = Context { actor, now: self.now(), ids: &*self.ids, programs: &programs };
        for (index, item) in items.iter().enumerate() {
            stage_item(&ctx, index, item, staged)?;
        }
        Ok(())
    }

    /// Appends one command's sealed events with the case's new summary; the new state
    /// goes back to the cache, and subscribers hear of the events.
    fn commit(&self, state: Option<CaseState>, mut sealed: Sealed) -> Result<Committed> {
        let next = fold(state, &sealed.recorded)
            .ok_or_else(|| Error::integrity(Some(sealed.case_id), "events do not open the case"))?;
        let batch = batch_for(&mut sealed, &next);
        let positions = match self.store.append(vec![batch]) {
            Ok(p) => p,
            Err(e) => {
                self.evict(sealed.case_id);
                return Err(from_store(e));
            }
        };
        let mut events = sealed.recorded;
        for (e, position) in events.iter_mut().zip(positions.into_iter().chain(std::iter::repeat(0))) {
            e.position = position;
        }
        let committed = Committed {
            case_id: next.id,
            version: next.version,
            phase: next.phase,
            created_id: events.iter().find_map(|e| e.event.created_id()),
            events,
        };
        self.checkin(Some(next));
        self.notify(&committed.events);
        Ok(committed)
    }

    /// A case as `actor` may see it.
    pub fn get(&self, actor: &Actor, case_id: CaseId) -> Result<CaseState> {
        let state = self.current(case_id)?.ok_or_else(|| Error::not_found("case", case_id))?;
        ensure_can_read(actor, &state)?;
        Ok(redact(actor, state))
    }

    /// Lists cases `actor` may see, filtered and paged (keyset pagination in case id
    /// order: pass the page's `next_cursor` as `after`).
    pub fn list(&self, actor: &Actor, query: &CaseQuery) -> Result<Page<CaseSummary>> {
        let limit = query.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::validation("limit", format!("must be between 1 and {MAX_PAGE}")));
        }
        if let Some(text) = &query.text {
            if crate::store::words(text).next().is_none() {
                return Err(Error::validation("text", "search for at least one word"));
            }
        }
        let programs = actor.program_scope().map(|p| p.iter().cloned().collect::<Vec<_>>());
        if programs.as_ref().is_some_and(Vec::is_empty) || actor.roles.is_empty() {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        }
        let q = StoreQuery { filter: query, programs, notes: NoteAccess::of(actor), limit: limit as usize + 1 };
        let mut items = self.store.query(&q).map_err(from_store)?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|s| s.case_id)
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// A case's events as `actor` may see them: confidential notes the actor may not
    /// read keep their place in the history, with their text withheld (`redacted`).
    pub fn history(&self, actor: &Actor, case_id: CaseId) -> Result<Vec<RecordedEvent>> {
        let state = self.current(case_id)?.ok_or_else(|| Error::not_found("case", case_id))?;
        ensure_can_read(actor, &state)?;
        let sees = can_see_confidential(actor, &state);
        let stored = self.store.load(case_id, 0).map_err(from_store)?;
        let mut out = Vec::with_capacity(stored.len());
        for s in &stored {
            let mut e = s.decode()?;
            if !sees {
                e.withhold_confidential_text();
            }
            out.push(e);
        }
        Ok(out)
    }

    /// Recomputes a case's hash chain over the stored bytes and reports the first broken
    /// link.
    pub fn verify(&self, actor: &Actor, case_id: CaseId) -> Result<VerifyReport> {
        let stored = self.store.load(case_id, 0).map_err(from_store)?;
        if stored.is_empty() {
            return Err(Error::not_found("case", case_id));
        }
        // Authorize on what can be read of the case; a case too broken to replay is
        // checked for readers of its program as the first event names it.
        let program = stored.first().and_then(|s| s.decode().ok()).and_then(|e| match e.event {
            Event::CaseOpened { program, .. } => Some(program),
            _ => None,
        });
        let readable = match self.current(case_id) {
            Ok(Some(state)) => crate::auth::can_read(actor, &state.program),
            _ => program.as_ref().is_some_and(|p| crate::auth::can_read(actor, p)) || actor.program_scope().is_none(),
        };
        if !readable {
            return Err(Error::denied(format!("{} may not read case {case_id}", actor.id)));
        }
        Ok(verify_chain(case_id, &stored))
    }

    /// The global log after `after_position`, in order: for the application's own
    /// projections, exports and sync. Unscoped (like subscriptions): it is the host's
    /// feed, not a user's view.
    pub fn read_log(&self, after_position: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        let stored = self.store.read_log(after_position, limit).map_err(from_store)?;
        stored.iter().map(StoredEvent::decode).collect()
    }

    /// Calls `f` with every event committed through this casebook, after the commit, in
    /// order. Subscribers are the application's own code and see every event as stored;
    /// a panicking subscriber is contained and does not affect the commit.
    pub fn subscribe(&self, f: impl Fn(&RecordedEvent) + Send + Sync + 'static) -> SubscriptionId {
        let id = SubscriptionId(self.next_subscription.fetch_add(1, Ordering::Relaxed));
        self.subscribers.write().unwrap_or_else(|p| p.into_inner()).push((id, Arc::new(f)));
        id
    }

    /// Stops a subscription. Returns whether it existed.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let mut subs = self.subscribers.write().unwrap_or_else(|p| p.into_inner());
        let before = subs.len();
        subs.retain(|(s, _)| *s != id);
        subs.len() != before
    }

    /// Stores a document's bytes in the blob store and attaches its metadata to the case.
    pub fn attach_document(&self, actor: &Actor, case_id: CaseId, upload: DocumentUpload) -> Result<Committed> {
        let command = Command::AttachDocument(AttachDocument {
            name: upload.name,
            media_type: upload.media_type,
            sha256: sha256_hex(&upload.content),
            size_bytes: upload.content.len() as u64,
            category: upload.category,
        });
        // Decide once before storing the bytes, so a refused command stores nothing.
        {
            let state = self.current(case_id)?.ok_or_else(|| Error::not_found("case", case_id))?;
            let programs = self.programs.read().unwrap_or_else(|p| p.into_inner());
            let scratch = SequentialIds::new();
            let ctx = Context { actor, now: self.now(), ids: &scratch, programs: &programs };
            decide(Some(&state), &command, &ctx)?;
        }
        self.store.put_blob(&upload.content).map_err(from_store)?;
        self.run(actor, Some(case_id), &command, None)
    }

    /// A document's bytes, verified against its hash.
    pub fn document_content(&self, actor: &Actor, case_id: CaseId, document_id: DocumentId) -> Result<Vec<u8>> {
        let state = self.get(actor, case_id)?;
        let doc = state
            .documents
            .iter()
            .find(|d| d.id == document_id)
            .ok_or_else(|| Error::not_found("document", document_id))?;
        match self.store.get_blob(&doc.sha256).map_err(from_store)? {
            Some(bytes) => Ok(bytes),
            None => Err(Error::not_found("document content", &doc.sha256)),
        }
    }

    fn now(&self) -> Timestamp {
        let now = self.clock.now();
        chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
    }

    fn lock_cache(&self) -> MutexGuard<'_, CaseCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a case's latest state out of the cache (or loads it), for a writer.
    fn checkout(&self, id: CaseId) -> Result<Option<CaseState>> {
        let cached = self.lock_cache().remove(&id);
        self.refresh(id, cached)
    }

    /// Takes a case's state out of the cache without asking the store whether it is
    /// current: for writers, whose append is refused if it is not (and then retried on
    /// a fresh state). Loads the case on a cache miss.
    fn checkout_for_write(&self, id: CaseId) -> Result<Option<CaseState>> {
        match self.lock_cache().remove(&id) {
            Some(state) => Ok(Some(state)),
            None => self.refresh(id, None),
        }
    }

    /// The latest state, leaving a copy in the cache.
    fn current(&self, id: CaseId) -> Result<Option<CaseState>> {
        let cached = self.lock_cache().get(&id);
        let state = self.refresh(id, cached)?;
        if let Some(s) = &state {
            self.checkin(Some(s.clone()));
        }
        Ok(state)
    }

    /// Brings a cached state up to the store's version (loading what other writers
    /// appended), or loads the case from scratch.
    fn refresh(&self, id: CaseId, cached: Option<CaseState>) -> Result<Option<CaseState>> {
        let Some(version) = self.store.version(id).map_err(from_store)? else { return Ok(None) };
        match cached {
            Some(s) if s.version == version => Ok(Some(s)),
            Some(s) if s.version < version => {
                let newer = self.store.load(id, s.version).map_err(from_store)?;
                let decoded = newer.iter().map(StoredEvent::decode).collect::<Result<Vec<_>>>()?;
                let mut state = s;
                for e in &decoded {
                    if e.sequence != state.version + 1 || e.prev_hash != state.head_hash {
                        return Err(Error::integrity(
                            Some(id),
                            format!("case {id}: event {} is out of order", e.sequence),
                        ));
                    }
                    crate::state::apply(&mut state, e);
                }
                Ok(Some(state))
            }
            _ => {
                let stored = self.store.load(id, 0).map_err(from_store)?;
                let decoded = stored.iter().map(StoredEvent::decode).collect::<Result<Vec<_>>>()?;
                replay(&decoded)
            }
        }
    }

    fn checkin(&self, state: Option<CaseState>) {
        let Some(state) = state else { return };
        if self.cache_capacity == 0 {
            return;
        }
        self.lock_cache().put(state, self.cache_capacity);
    }

    fn evict(&self, id: CaseId) {
        self.lock_cache().remove(&id);
    }

    fn notify(&self, events: &[RecordedEvent]) {
        let subs: Vec<Arc<Subscriber>> =
            self.subscribers.read().unwrap_or_else(|p| p.into_inner()).iter().map(|(_, f)| f.clone()).collect();
        if subs.is_empty() {
            return;
        }
        for e in events {
            for f in &subs {
                // A subscriber's panic must not unwind into the engine (or across FFI).
                let _ = catch_unwind(AssertUnwindSafe(|| f(e)));
            }
        }
    }
}

/// The store's batch for sealed events; the stored form moves into the batch (callers
/// keep the recorded form).
fn batch_for(sealed: &mut Sealed, state: &CaseState) -> AppendBatch {
    let notes = sealed
        .recorded
        .iter()
        .filter_map(|e| match &e.event {
            Event::NoteAdded { note_id, text, confidential, .. } => {
                Some(NoteEntry { note_id: *note_id, text: text.clone(), confidential: *confidential })
            }
            _ => None,
        })
        .collect();
    AppendBatch {
        case_id: sealed.case_id,
        expected_version: sealed.expected_version,
        events: std::mem::take(&mut sealed.stored),
        summary: CaseSummary::of(state),
        notes,
    }
}

/// The case an item names up front (`None` for an `open_case` without an id, and for
/// an item missing its case, which staging refuses).
fn target_of(item: &BatchCommand) -> Option<CaseId> {
    match (&item.command, item.case_id) {
        (Command::OpenCase(open), _) => open.case_id,
        (_, id) => id,
    }
}

/// Decides and seals item `index` of a batch on its case's working state; returns the
/// case. A validation error names the item's field (`items[3].command.text`).
fn stage_item(ctx: &Context<'_>, index: usize, item: &BatchCommand, staged: &mut Staged) -> Result<CaseId> {
    let target = target_of(item);
    if target.is_none() && !matches!(item.command, Command::OpenCase(_)) {
        return Err(Error::validation(format!("items[{index}].case_id"), "this command needs a case"));
    }
    let decided = |state: Option<&CaseState>| {
        decide(state, &item.command, ctx).map_err(|e| e.within(&format!("items[{index}].command")))
    };
    let state = target.and_then(|id| staged.work.get(&id)).and_then(|w| w.state.as_ref());
    if let Some(exp) = item.expected_version {
        let actual = state.map_or(0, |s| s.version);
        if actual != exp {
            let case_id = target.unwrap_or(CaseId(Uuid::nil()));
            return Err(Error::Conflict { case_id, expected: exp, actual });
        }
    }
    if state.is_none() && !matches!(item.command, Command::OpenCase(_)) {
        return Err(Error::not_found("case", target.map(|c| c.to_string()).unwrap_or_default()));
    }
    let Staged { work, order, results } = staged;
    // A case the batch has a state for: its events are sealed in place, onto the ones
    // its earlier items sealed.
    if let Some(Working { state: slot @ Some(_), sealed }) = target.and_then(|id| work.get_mut(&id)) {
        let (case_id, start) = {
            let state = slot.as_ref();
            let events = decided(state)?;
            let (case_id, version) = state.map_or((CaseId(Uuid::nil()), 0), |s| (s.id, s.version));
            let all = sealed.get_or_insert_with(|| {
                order.push(case_id);
                Sealed { case_id, expected_version: version, stored: Vec::new(), recorded: Vec::new() }
            });
            let start = all.recorded.len();
            seal_onto(all, state, events, ctx)?;
            (case_id, start)
        };
        let new = sealed.as_ref().and_then(|all| all.recorded.get(start..)).unwrap_or_default();
        *slot = fold(slot.take(), new);
        let phase = slot.as_ref().map_or(Phase::Intake, |s| s.phase);
        results.push((case_id, start, start + new.len(), phase));
        return Ok(case_id);
    }
    // A case the batch opens.
    let state = target.and_then(|id| work.get(&id)).and_then(|w| w.state.as_ref());
    let sealed = seal(state, decided(state)?, ctx)?;
    let case_id = sealed.case_id;
    let w = work.entry(case_id).or_insert(Working { state: None, sealed: None });
    w.state = fold(w.state.take(), &sealed.recorded);
    let phase = w.state.as_ref().map_or(Phase::Intake, |s| s.phase);
    let all = w.sealed.get_or_insert_with(|| {
        order.push(case_id);
        Sealed { case_id, expected_version: sealed.expected_version, stored: Vec::new(), recorded: Vec::new() }
    });
    let start = all.recorded.len();
    all.stored.extend(sealed.stored);
    all.recorded.extend(sealed.recorded);
    results.push((case_id, start, all.recorded.len(), phase));
    Ok(case_id)
}

/// A large batch staged lazily, as the store's `append_streamed` asks for it: each
/// case's events are handed over once no later item names the case (and every case
/// first named before it has gone), so a store can write the first cases while the
/// later ones are staged. The same cases, events and order as staging first and
/// appending after. A failed item ends the stream with an error (the store rolls
/// back) and is kept for `finish`.
struct Staging<'a> {
    ctx: Context<'a>,
    items: std::slice::Iter<'a, BatchCommand>,
    index: usize,
    staged: Staged,
    /// Per case named up front, the index of the last item naming it.
    last: HashMap<CaseId, usize>,
    /// Cases whose last item is staged, not handed over yet.
    done: HashSet<CaseId>,
    /// How many cases of `staged.order` have been handed over.
    handed: usize,
    failed: Option<Error>,
    ended: bool,
}

impl<'a> Staging<'a> {
    fn new<S: Store>(
        book: &'a Casebook<S>,
        programs: &'a ProgramCatalog,
        actor: &'a Actor,
        items: &'a [BatchCommand],
        staged: Staged,
    ) -> Self {
        let mut last = HashMap::with_capacity(staged.work.len());
        for (index, item) in items.iter().enumerate() {
            if let Some(id) = target_of(item) {
                last.insert(id, index);
            }
        }
        Staging {
            ctx: Context { actor, now: book.now(), ids: &*book.ids, programs },
            items: items.iter(),
            index: 0,
            staged,
            last,
            done: HashSet::new(),
            handed: 0,
            failed: None,
            ended: false,
        }
    }

    /// The staged batch, the error that ended staging if one did, and whether the
    /// store took the whole stream.
    fn finish(self) -> (Staged, Option<Error>, bool) {
        (self.staged, self.failed, self.ended)
    }

    /// The next case of `staged.order` if it may go (`all`: every case may).
    fn hand_over(&mut self, all: bool) -> Option<AppendBatch> {
        loop {
            let id = *self.staged.order.get(self.handed)?;
            if !all && !self.done.remove(&id) {
                return None;
            }
            self.handed += 1;
            if let Some(batch) = self.staged.batch(self.handed - 1) {
                return Some(batch);
            }
        }
    }
}

impl Iterator for Staging<'_> {
    type Item = std::result::Result<AppendBatch, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.ended {
                return None;
            }
            if let Some(batch) = self.hand_over(false) {
                return Some(Ok(batch));
            }
            let Some(item) = self.items.next() else {
                let rest = self.hand_over(true);
                self.ended = rest.is_none();
                return rest.map(Ok);
            };
            let index = self.index;
            self.index += 1;
            match stage_item(&self.ctx, index, item, &mut self.staged) {
                Ok(case_id) => {
                    if self.last.get(&case_id).is_none_or(|&last| last <= index) {
                        self.done.insert(case_id);
                    }
                }
                Err(e) => {
                    self.failed = Some(e);
                    self.ended = true;
                    return Some(Err(StoreError::backend("the batch was abandoned: one of its commands failed")));
                }
            }
        }
    }
}

fn redact(actor: &Actor, mut state: CaseState) -> CaseState {
    if !can_see_confidential(actor, &state) {
        state.notes.retain(|n| !n.confidential);
    }
    state
}

/// Checks a case's stored events: contiguous sequences, each chained to the previous
/// hash, each hash recomputed over the stored bytes, each payload decodable.
pub fn verify_chain(case_id: CaseId, stored: &[StoredEvent]) -> VerifyReport {
    let mut prev = GENESIS_HASH;
    let mut checked = 0u64;
    for (i, e) in stored.iter().enumerate() {
        let expected_seq = i as u64 + 1;
        let problem = if e.case_id != case_id {
            Some(format!("event {} belongs to case {}", e.sequence, e.case_id))
        } else if e.sequence != expected_seq {
            Some(format!("expected event {expected_seq}, found {}", e.sequence))
        } else if e.prev_hash != prev {
            Some(format!("event {} does not chain to event {}", e.sequence, expected_seq - 1))
        } else if event_hash(e) != e.hash {
            Some(format!("event {} was altered: its hash does not match its content", e.sequence))
        } else if let Err(err) = e.decode() {
            Some(err.to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            return VerifyReport {
                case_id,
                events_checked: checked,
                valid: false,
                first_broken_sequence: Some(expected_seq),
                problem: Some(problem),
                head_hash: (checked > 0).then_some(prev),
            };
        }
        prev = e.hash;
        checked += 1;
    }
    VerifyReport {
        case_id,
        events_checked: checked,
        valid: true,
        first_broken_sequence: None,
        problem: None,
        head_hash: (checked > 0).then_some(prev),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use crate::command::OpenCase;
    use crate::memory::MemoryStore;
    use crate::model::ClientDetails;

    #[test]
    fn the_cache_lets_the_least_recently_used_case_go() {
        let book = Casebook::new(MemoryStore::new()).with_cache_capacity(2);
        let sup = Actor::new("sam", [Role::Supervisor], ["p"]);
        let open = |name: &str| {
            let client = ClientDetails { name: name.into(), ..Default::default() };
            book.open_case(&sup, OpenCase { program: "p".into(), client, ..Default::default() }).expect("open").case_id
        };
        let (a, b) = (open("a"), open("b"));
        book.get(&sup, a).expect("get a");
        let c = open("c");
        let cached = |id: CaseId| book.lock_cache().states.contains_key(&id);
        assert!(cached(a) && cached(c) && !cached(b), "b was used least recently");
        // Evicted cases reload on demand.
        assert_eq!(book.get(&sup, b).expect("get b").id, b);
        assert_eq!(book.lock_cache().states.len(), 2);
    }

    #[test]
    fn the_cache_keeps_the_most_recently_used_cases_over_many_uses() {
        let book = Casebook::new(MemoryStore::new()).with_cache_capacity(3);
        let sup = Actor::new("sam", [Role::Supervisor], ["p"]);
        let mut model: Vec<CaseId> = Vec::new(); // least recently used first
        let used = |model: &mut Vec<CaseId>, id: CaseId| {
            model.retain(|m| *m != id);
            model.push(id);
            if model.len() > 3 {
                model.remove(0);
            }
        };
        let mut ids = Vec::new();
        for step in 0..60usize {
            // Open a case now and then, otherwise read one chosen by a fixed stride.
            if ids.is_empty() || step % 7 == 0 {
                let client = ClientDetails { name: format!("c{step}"), ..Default::default() };
                let id = book
                    .open_case(&sup, OpenCase { program: "p".into(), client, ..Default::default() })
                    .expect("open")
                    .case_id;
                ids.push(id);
                used(&mut model, id);
            } else {
                let id = *ids.get((step * 5) % ids.len()).expect("an id");
                book.get(&sup, id).expect("get");
                used(&mut model, id);
            }
            let cache = book.lock_cache();
            let mut cached: Vec<CaseId> = cache.by_use.values().copied().collect();
            assert_eq!(cached, model, "step {step}: cached cases in order of use");
            cached.sort();
            let mut keys: Vec<CaseId> = cache.states.keys().copied().collect();
            keys.sort();
            assert_eq!(keys, cached, "step {step}: the order covers exactly the cached states");
            for (tick, id) in &cache.by_use {
                assert_eq!(cache.states.get(id).map(|(_, t)| *t), Some(*tick));
            }
        }
    }
}
