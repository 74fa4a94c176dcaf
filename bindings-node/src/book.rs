//! `NativeCasebook`: one casebook, its store, and the worker thread that runs every
//! storage call off the JavaScript thread.
//!
//! Each casebook owns one worker thread and a FIFO queue: calls run in the order they
//! were made, so many in-flight promises on one casebook never race each other into
//! conflicts, and the libuv thread pool (file system, DNS, crypto) is never blocked by
//! casekit. Results and subscription events travel back on one threadsafe function, in
//! order: a subscriber sees a command's events before the command's promise settles.

use crate::answer::{self, CommittedEvents};
use crate::clock::{throw, NativeManualClock};
use crate::convert;
use crate::error::Failure;
use casekit::{
    Actor, BatchCommand, BatchSummary, CaseQuery, Casebook, Clock, Committed, DocumentId, DocumentUpload, IdGen,
    Program, Store,
};
use napi::bindgen_prelude::{Buffer, Either, Either3, External, FnArgs, Function, Status};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Env;
use napi_derive::napi;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

type Book = Casebook<Box<dyn Store>>;

thread_local! {
    /// While a call runs inline on the JavaScript thread, the events it publishes are
    /// collected here and handed back with its answer (in order, before it settles).
    static CAPTURE: RefCell<Option<Vec<(u32, String)>>> = const { RefCell::new(None) };
    /// The last actor decoded on this thread: an application usually acts as the same
    /// user many times in a row, and decoding is a fair share of a quick call.
    static LAST_ACTOR: RefCell<Option<(String, Rc<Actor>)>> = const { RefCell::new(None) };
    /// On the worker: the items of a large batch whose first parts have come, decoded
    /// while JavaScript encodes the rest (see `execute_batch_part`).
    static PARTS: RefCell<Option<Parts>> = const { RefCell::new(None) };
}

/// The parts of a batch decoded so far, for the call `request` (the first failure, if
/// one failed: its item is named by its place in the whole batch).
struct Parts {
    request: u32,
    items: Result<Vec<BatchCommand>, Failure>,
}

/// The answer of a call that ran on the JavaScript thread, as JavaScript receives it.
/// Usually a success with text only (a command's head and events, a query's JSON; empty
/// when there is nothing to say) or bytes only (a document), which cross as they are:
/// building an array costs more than many a call. Anything else crosses as `(tag, text,
/// extra, events)`: `tag` 0 = success, 1 = failure (`text` is the structured error);
/// `extra` the batch's events handle; `events` the `(subscription, event JSON)` pairs
/// the call published, or null.
// Spelled out (not with `answer::Extra`) so that the generated TypeScript shows it.
#[napi]
pub type InlineAnswer = Either3<
    String,
    Buffer,
    (u32, Option<String>, Option<Either<Buffer, External<CommittedEvents>>>, Option<Vec<(u32, String)>>),
>;

/// What a call produced.
enum Reply {
    Json(String),
    Bytes(Vec<u8>),
    Committed(Committed),
    Batch(Vec<Committed>),
    Done,
}

/// A call's answer, encoded where the call ran (for the worker's calls, off the
/// JavaScript thread), ready to become JavaScript values.
struct Answer {
    /// 0 = success, 1 = failure (`text` is the structured error).
    tag: u32,
    text: Option<String>,
    payload: Payload,
}

enum Payload {
    None,
    Bytes(Vec<u8>),
    /// A batch's events, one list per command.
    Events(Vec<Vec<casekit::RecordedEvent>>),
}

impl Answer {
    fn of(outcome: Result<Reply, Failure>) -> Answer {
        let encoded = match outcome {
            Ok(Reply::Json(json)) => Ok((Some(json), Payload::None)),
            Ok(Reply::Bytes(bytes)) => Ok((None, Payload::Bytes(bytes))),
            Ok(Reply::Committed(c)) => answer::committed(&c).map(|text| (Some(text), Payload::None)),
            Ok(Reply::Batch(all)) => answer::batch(all).map(|(text, events)| (Some(text), Payload::Events(events))),
            Ok(Reply::Done) => Ok((None, Payload::None)),
            Err(f) => Err(f),
        };
        match encoded {
            Ok((text, payload)) => Answer { tag: 0, text, payload },
            Err(f) => Answer { tag: 1, text: Some(f.to_json()), payload: Payload::None },
        }
    }

    /// `(tag, text, extra)`; on the JavaScript thread (the parts become its values).
    fn into_parts(self) -> (u32, Option<String>, Option<answer::Extra>) {
        let extra = match self.payload {
            Payload::None => None,
            Payload::Bytes(bytes) => Some(Either::A(Buffer::from(bytes))),
            Payload::Events(events) => Some(Either::B(answer::handle(events))),
        };
        (self.tag, self.text, extra)
    }
}

/// What travels back to the JavaScript thread.
enum Message {
    Reply {
        id: u32,
        answer: Answer,
    },
    Event {
        subscription: u32,
        json: String,
    },
    /// Messages wait in the mailbox (see `Postbox`).
    Wake,
}

impl Message {
    /// The dispatcher's arguments for this message, on the JavaScript thread, whichever
    /// way it came (the dispatcher or the mailbox): an answer is no longer queued
    /// (`queued`) nor waited for (`waiting`).
    fn into_delivery(self, queued: &AtomicUsize, waiting: &Waiting, env: &Env) -> Delivery {
        match self {
            Message::Reply { id, answer } => {
                queued.fetch_sub(1, Ordering::AcqRel);
                waiting.release(env);
                let (tag, text, extra) = answer.into_parts();
                (tag, id, text, extra)
            }
            Message::Event { subscription, json } => (2, subscription, Some(json), None),
            Message::Wake => (3, 0, None, None),
        }
    }
}

/// Where the worker, subscriptions and log followers send what the JavaScript thread is
/// to see. While JavaScript polls for answers (`start_polling`), messages wait in a
/// mailbox that its polling loop drains (`drain`): no threadsafe-function call (a lock,
/// a queue and a write to the event loop's eventfd on this side; a wake-up, a callback
/// scope and a call on the other) for an answer JavaScript is already looking for.
/// Otherwise they go through the dispatcher, as does a `Wake` for a message that came
/// while polling stopped (its last drain may have missed it). Either way messages from
/// one thread arrive in the order they were posted: JavaScript drains the mailbox before
/// it returns to the event loop, where the dispatcher's calls wait, and while a message
/// handed to the dispatcher has not been delivered, later ones follow it there (polling
/// may have started again meanwhile, and would drain them first).
struct Postbox {
    dispatch: Dispatch,
    mailbox: Mutex<VecDeque<Message>>,
    /// Set once a message is in the mailbox, cleared when it is taken: what a waiting
    /// `drain` watches without taking the lock the worker posts under.
    posted: AtomicBool,
    polling: AtomicBool,
    /// Messages (not `Wake`s) handed to the dispatcher and not delivered yet (the
    /// dispatcher's callback counts them down).
    dispatched: Arc<AtomicUsize>,
}

impl Postbox {
    fn post(&self, message: Message) {
        if !self.polling.load(Ordering::SeqCst) || self.dispatched.load(Ordering::SeqCst) > 0 {
            self.dispatched.fetch_add(1, Ordering::SeqCst);
            if self.dispatch.call(message, ThreadsafeFunctionCallMode::NonBlocking) != Status::Ok {
                // Never delivered (the casebook is gone): nothing to wait for.
                self.dispatched.fetch_sub(1, Ordering::SeqCst);
            }
            return;
        }
        {
            let mut mailbox = self.mailbox.lock().unwrap_or_else(|p| p.into_inner());
            mailbox.push_back(message);
            self.posted.store(true, Ordering::Release);
        }
        if !self.polling.load(Ordering::SeqCst) {
            self.dispatch.call(Message::Wake, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    fn take(&self) -> VecDeque<Message> {
        let mut mailbox = self.mailbox.lock().unwrap_or_else(|p| p.into_inner());
        self.posted.store(false, Ordering::Relaxed);
        std::mem::take(&mut *mailbox)
    }

    /// Waits up to `wait` for a message to be posted (spinning: the caller expects one
    /// within microseconds), then takes what the mailbox holds.
    fn take_within(&self, wait: Duration) -> VecDeque<Message> {
        if !wait.is_zero() && !self.posted.load(Ordering::Acquire) {
            let start = Instant::now();
            let mut spins: u32 = 0;
            while !self.posted.load(Ordering::Acquire) {
                spins = spins.wrapping_add(1);
                if spins % 32 == 0 && start.elapsed() >= wait {
                    break;
                }
                std::hint::spin_loop();
            }
        }
        self.take()
    }
}

/// Arguments of the JavaScript dispatcher: `(tag, id, text, extra)`. `tag` 0 = success,
/// 1 = failure (text is the structured error), 2 = event for subscription `id`; `text`
/// and `extra` as in `InlineAnswer`.
type DispatchArgs = FnArgs<Delivery>;
/// A message for JavaScript: the dispatcher's arguments.
type Delivery = (u32, u32, Option<String>, Option<answer::Extra>);
type Dispatch = ThreadsafeFunction<Message, (), DispatchArgs, Status, false, true>;

/// One call for the worker.
enum Op {
    Open(StoreSpec),
    Ready,
    Execute {
        actor: String,
        case_id: Option<String>,
        command: String,
        expected: Option<u64>,
    },
    /// `request`: the call whose earlier parts came as `BatchPart`s, if any did;
    /// `summary`: answer with a `BatchSummary`, not the `Committed`s.
    Batch {
        actor: String,
        items: String,
        request: Option<u32>,
        summary: bool,
    },
    /// Part of the items of the `Batch` call `request` that follows.
    BatchPart {
        request: u32,
        items: String,
    },
    Get {
        actor: String,
        case_id: String,
    },
    List {
        actor: String,
        query: String,
    },
    History {
        actor: String,
        case_id: String,
    },
    Verify {
        actor: String,
        case_id: String,
    },
    ReadLog {
        after: u64,
        limit: u64,
    },
    RegisterProgram {
        program: String,
    },
    Attach {
        actor: String,
        case_id: String,
        meta: String,
        content: Vec<u8>,
    },
    DocumentContent {
        actor: String,
        case_id: String,
        document_id: String,
    },
    Checkpoint,
    Follow {
        key: u32,
        options: String,
    },
    Unfollow {
        key: u32,
    },
    Close,
}

struct Job {
    id: u32,
    op: Op,
}

/// Where the casebook keeps its data.
enum StoreSpec {
    Memory,
    Sqlite { path: String, synchronous: Synchronous, tuning: casekit_sqlite::SqliteTuning },
    Postgres { url: String, schema: Option<String>, tuning: casekit_postgres::PostgresTuning },
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum StoreKind {
    Memory,
    Sqlite,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Synchronous {
    #[default]
    Normal,
    Full,
}

/// How the casebook is built (JSON from the JavaScript layer): the store, and where ids
/// come from.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    store: StoreKind,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    synchronous: Synchronous,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    ids: Ids,
    // SQLite files only (see `sqlite::tuning`); checked there, to name the option.
    #[serde(default)]
    busy_timeout_ms: Option<serde_json::Value>,
    #[serde(default)]
    readers: Option<serde_json::Value>,
    #[serde(default)]
    cache_size_kib: Option<serde_json::Value>,
    #[serde(default)]
    checkpoint_pages: Option<serde_json::Value>,
    #[serde(default)]
    range_walk_budget: Option<serde_json::Value>,
    // PostgreSQL URLs only (see `postgres::tuning`).
    #[serde(default)]
    pool_size: Option<serde_json::Value>,
    #[serde(default)]
    connect_timeout_ms: Option<serde_json::Value>,
    #[serde(default)]
    checkout_timeout_ms: Option<serde_json::Value>,
    #[serde(default)]
    tls_root_certificates: Option<serde_json::Value>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Ids {
    #[default]
    Random,
    Sequential,
}

/// The document metadata given with `attach_document`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadMeta {
    name: String,
    media_type: String,
    #[serde(default)]
    category: Option<String>,
}

/// What the worker and the JavaScript thread share.
struct Shared {
    /// Calls queued for (or running on) the worker and not answered yet.
    queued: Arc<AtomicUsize>,
    /// `None` until a file store is open, and again after `close`.
    book: RwLock<Option<Arc<Book>>>,
    /// Why the store did not open, if it did not: every call answers with it.
    open_failure: RwLock<Option<Failure>>,
    /// The PostgreSQL store behind `book`, when it is one: it follows the log.
    postgres: RwLock<Option<Arc<casekit_postgres::PostgresStore>>>,
    /// Running log followers, by the key their events are delivered under.
    followers: Mutex<HashMap<u32, casekit_postgres::LogFollower>>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    post: Arc<Postbox>,
}

/// Answers the JavaScript thread waits for from the worker. While there are any, the
/// dispatcher keeps the process alive; when the last one is in, the process may exit
/// (a subscription alone never keeps it alive). Counted on the JavaScript thread only.
#[derive(Default)]
struct Waiting {
    count: AtomicUsize,
    /// The dispatcher's threadsafe function (set once, right after it is built).
    tsfn: AtomicPtr<napi::sys::napi_threadsafe_function__>,
}

impl Waiting {
    /// One more answer to wait for (on the JavaScript thread).
    fn hold(&self, env: &Env) {
        if self.count.fetch_add(1, Ordering::Relaxed) == 0 {
            self.set_ref(env, true);
        }
    }

    /// One answer in, or one call that never reached the worker (on the JavaScript thread).
    fn release(&self, env: &Env) {
        let before = self.count.fetch_sub(1, Ordering::Relaxed);
        if before == 1 {
            self.set_ref(env, false);
        } else if before == 0 {
            // Unbalanced (cannot happen): stay at zero.
            self.count.store(0, Ordering::Relaxed);
        }
    }

    fn set_ref(&self, env: &Env, on: bool) {
        let raw = self.tsfn.load(Ordering::Acquire);
        if raw.is_null() {
            return;
        }
        // SAFETY: on the JavaScript thread with its env; `raw` is the dispatcher's
        // threadsafe function, which lives as long as the casebook that calls this (it
        // is released only when the last `Arc<Dispatch>` drops, after the worker ends and
        // the casebook is collected).
        unsafe {
            if on {
                napi::sys::napi_ref_threadsafe_function(env.raw(), raw);
            } else {
                napi::sys::napi_unref_threadsafe_function(env.raw(), raw);
            }
        }
    }
}

impl Shared {
    fn book(&self) -> Result<Arc<Book>, Failure> {
        if let Some(book) = self.book.read().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(book);
        }
        match self.open_failure.read().unwrap_or_else(|p| p.into_inner()).clone() {
            Some(failure) => Err(failure),
            None => Err(Failure::storage("the casebook is closed")),
        }
    }
}

/// The native half of `Casebook`. Methods that touch storage take a request id and
/// answer through the dispatcher given to the constructor; the JavaScript layer turns
/// that into promises.
#[napi]
pub struct NativeCasebook {
    shared: Arc<Shared>,
    waiting: Arc<Waiting>,
    jobs: Option<Sender<Job>>,
    subscriptions: HashMap<u32, casekit::SubscriptionId>,
    /// Run quick calls on the calling thread (the in-memory store, which does no I/O).
    inline: bool,
}

#[napi]
impl NativeCasebook {
    /// A casebook for `spec` (JSON: `{"store": "memory" | "sqlite", "path"?, "synchronous"?,
    /// "ids"?}`). A memory store is ready at once; a SQLite store opens on the worker
    /// thread: call `open` and wait for its answer before anything else.
    // The dispatcher's type is spelled out (not an alias) so that the generated
    // TypeScript shows its parameters.
    #[allow(clippy::type_complexity)]
    #[napi(constructor, catch_unwind)]
    pub fn new(
        spec: String,
        clock: Option<&NativeManualClock>,
        dispatch: Function<FnArgs<(u32, u32, Option<String>, Option<Either<Buffer, External<CommittedEvents>>>)>, ()>,
    ) -> napi::Result<Self, String> {
        let spec: Spec = convert::parse("options", &spec).map_err(throw)?;
        let tuning = crate::sqlite::tuning(&crate::sqlite::Given {
            busy_timeout_ms: spec.busy_timeout_ms.as_ref(),
            readers: spec.readers.as_ref(),
            cache_size_kib: spec.cache_size_kib.as_ref(),
            checkpoint_pages: spec.checkpoint_pages.as_ref(),
            range_walk_budget: spec.range_walk_budget.as_ref(),
        })
        .map_err(throw)?;
        let pg_tuning = crate::postgres::tuning(&crate::postgres::Given {
            pool_size: spec.pool_size.as_ref(),
            connect_timeout_ms: spec.connect_timeout_ms.as_ref(),
            checkout_timeout_ms: spec.checkout_timeout_ms.as_ref(),
            tls_root_certificates: spec.tls_root_certificates.as_ref(),
        })
        .map_err(throw)?;
        let postgres = matches!((&spec.store, &spec.path), (StoreKind::Sqlite, Some(p)) if is_postgres(p));
        let sqlite_file =
            matches!((&spec.store, &spec.path), (StoreKind::Sqlite, Some(p)) if !is_postgres(p) && p != ":memory:");
        if let (false, Some(option)) = (sqlite_file, tuning.first_given()) {
            return Err(throw(Failure::validation(crate::sqlite::option_name(option), "applies to SQLite files only")));
        }
        if let (false, Some(option)) = (postgres, pg_tuning.first_given()) {
            let name = crate::postgres::option_name(option);
            return Err(throw(Failure::validation(name, "applies to PostgreSQL URLs only")));
        }
        let store = match (spec.store, spec.path) {
            (StoreKind::Memory, _) => StoreSpec::Memory,
            (StoreKind::Sqlite, Some(path)) if is_postgres(&path) => {
                StoreSpec::Postgres { url: path, schema: spec.schema, tuning: pg_tuning }
            }
            (StoreKind::Sqlite, Some(path)) => {
                check_location(&path).map_err(throw)?;
                if spec.schema.is_some() {
                    return Err(throw(Failure::validation("schema", "a schema applies to PostgreSQL URLs only")));
                }
                StoreSpec::Sqlite { path, synchronous: spec.synchronous, tuning }
            }
            (StoreKind::Sqlite, None) => {
                return Err(throw(Failure::validation("path", "a SQLite store needs a file path")))
            }
        };
        let clock: Arc<dyn Clock> = match clock {
            Some(c) => c.inner.clone(),
            None => Arc::new(casekit::SystemClock),
        };
        let ids: Arc<dyn IdGen> = match spec.ids {
            Ids::Random => Arc::new(casekit::RandomIds),
            Ids::Sequential => Arc::new(casekit::SequentialIds::new()),
        };
        // Worker calls not answered on the JavaScript thread yet: decremented when the
        // answer is handed to the dispatcher, so a call run inline never overtakes one.
        let queued = Arc::new(AtomicUsize::new(0));
        let answered = queued.clone();
        let waiting = Arc::new(Waiting::default());
        let released = waiting.clone();
        let dispatched = Arc::new(AtomicUsize::new(0));
        let delivered = dispatched.clone();
        let dispatch = dispatch
            .build_threadsafe_function::<Message>()
            .callee_handled::<false>()
            .weak::<true>()
            .build_callback(move |ctx| {
                if !matches!(ctx.value, Message::Wake) {
                    delivered.fetch_sub(1, Ordering::SeqCst);
                }
                Ok(FnArgs::from(ctx.value.into_delivery(&answered, &released, &ctx.env)))
            })
            .map_err(|e| throw(Failure::storage(format!("cannot create the dispatcher: {e}"))))?;
        let inline = matches!(store, StoreSpec::Memory);
        let book = match &store {
            StoreSpec::Memory => {
                let store: Box<dyn Store> = Box::new(casekit::MemoryStore::new());
                Some(Arc::new(Casebook::with_clock(store, clock.clone(), ids.clone())))
            }
            StoreSpec::Sqlite { .. } | StoreSpec::Postgres { .. } => None,
        };
        waiting.tsfn.store(dispatch.raw(), Ordering::Release);
        let shared = Arc::new(Shared {
            queued,
            book: RwLock::new(book),
            open_failure: RwLock::new(None),
            postgres: RwLock::new(None),
            followers: Mutex::new(HashMap::new()),
            clock,
            ids,
            post: Arc::new(Postbox {
                dispatch,
                mailbox: Mutex::new(VecDeque::new()),
                posted: AtomicBool::new(false),
                polling: AtomicBool::new(false),
                dispatched,
            }),
        });
        let (tx, rx) = mpsc::channel::<Job>();
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("casekit-node".into())
            .spawn(move || work(&worker, &rx))
            .map_err(|e| throw(Failure::storage(format!("cannot start the casekit worker thread: {e}"))))?;
        if !matches!(store, StoreSpec::Memory) {
            // Queued first, so every later call waits for the store.
            shared.queued.fetch_add(1, Ordering::AcqRel);
            let _ = tx.send(Job { id: 0, op: Op::Open(store) });
        }
        Ok(Self { shared, waiting, jobs: Some(tx), subscriptions: HashMap::new(), inline })
    }

    /// Waits for the store to open (answers after the `open` queued by the constructor).
    #[napi(catch_unwind)]
    pub fn ready(&self, env: Env, id: u32) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::Ready)
    }

    /// Runs a command (`command` JSON, `{"type": ...}`); `case_id` is ignored for
    /// `open_case`. Answers with the `Committed` head (`[case_id, version, phase,
    /// created_id]` JSON) and the handle of its events.
    #[napi(catch_unwind)]
    pub fn execute(
        &self,
        env: Env,
        id: u32,
        actor: String,
        case_id: Option<String>,
        command: String,
        expected_version: Option<f64>,
    ) -> napi::Result<Option<InlineAnswer>, String> {
        let expected = expected_version.map(|v| convert::count("expected_version", v)).transpose().map_err(throw)?;
        self.submit(&env, id, Op::Execute { actor, case_id, command, expected })
    }

    /// Runs many commands in one transaction (`items` JSON: `[{case_id?, command,
    /// expected_version?}]`, after the items of the `execute_batch_part` calls made for
    /// `id` if `parts`). Answers with a JSON array of `Committed` heads and one handle
    /// for all their events, or with `summary` a `BatchSummary` as JSON.
    #[napi(catch_unwind)]
    pub fn execute_batch(
        &self,
        env: Env,
        id: u32,
        actor: String,
        items: String,
        parts: bool,
        summary: bool,
    ) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::Batch { actor, items, request: parts.then_some(id), summary })
    }

    /// The first items of the batch call `id` that follows (`items` JSON, as for
    /// `execute_batch`): the worker decodes them while JavaScript encodes the next part,
    /// instead of decoding all of a large batch after JavaScript has encoded it. No
    /// answer: a failure is the batch call's.
    #[napi(catch_unwind)]
    pub fn execute_batch_part(&self, id: u32, items: String) -> napi::Result<(), String> {
        let Some(jobs) = self.jobs.as_ref() else {
            return Err(throw(Failure::storage("the casebook is closed")));
        };
        // Internal (no answer, id 0), but counted as queued: calls that follow keep
        // their place behind it.
        self.shared.queued.fetch_add(1, Ordering::AcqRel);
        jobs.send(Job { id: 0, op: Op::BatchPart { request: id, items } }).map_err(|_| {
            self.shared.queued.fetch_sub(1, Ordering::AcqRel);
            throw(Failure::storage("the casebook is closed"))
        })
    }

    /// A case as the actor may see it.
    #[napi(catch_unwind)]
    pub fn get(&self, env: Env, id: u32, actor: String, case_id: String) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::Get { actor, case_id })
    }

    /// A page of case summaries (`query` JSON: a `CaseQuery`).
    #[napi(catch_unwind)]
    pub fn list(&self, env: Env, id: u32, actor: String, query: String) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::List { actor, query })
    }

    /// A case's events as the actor may see them.
    #[napi(catch_unwind)]
    pub fn history(
        &self,
        env: Env,
        id: u32,
        actor: String,
        case_id: String,
    ) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::History { actor, case_id })
    }

    /// Checks a case's hash chain.
    #[napi(catch_unwind)]
    pub fn verify(
        &self,
        env: Env,
        id: u32,
        actor: String,
        case_id: String,
    ) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::Verify { actor, case_id })
    }

    /// The global event log after a position.
    #[napi(catch_unwind)]
    pub fn read_log(&self, env: Env, id: u32, after: f64, limit: f64) -> napi::Result<Option<InlineAnswer>, String> {
        let after = convert::count("after", after).map_err(throw)?;
        let limit = convert::count("limit", limit).map_err(throw)?;
        self.submit(&env, id, Op::ReadLog { after, limit })
    }

    /// Copies the SQLite write-ahead log into the database file and empties it.
    #[napi(catch_unwind)]
    pub fn checkpoint(&self, env: Env, id: u32) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::Checkpoint)
    }

    /// Registers (or replaces) a program (`program` JSON).
    #[napi(catch_unwind)]
    pub fn register_program(&self, env: Env, id: u32, program: String) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::RegisterProgram { program })
    }

    /// Stores a document's bytes and attaches its metadata (`meta` JSON: `{name,
    /// media_type, category?}`).
    #[napi(catch_unwind)]
    pub fn attach_document(
        &self,
        env: Env,
        id: u32,
        actor: String,
        case_id: String,
        meta: String,
        content: &[u8],
    ) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::Attach { actor, case_id, meta, content: content.to_vec() })
    }

    /// A document's bytes, verified against their hash.
    #[napi(catch_unwind)]
    pub fn document_content(
        &self,
        env: Env,
        id: u32,
        actor: String,
        case_id: String,
        document_id: String,
    ) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::DocumentContent { actor, case_id, document_id })
    }

    /// Closes the casebook after the calls already made; later calls fail.
    #[napi(catch_unwind)]
    pub fn close(&mut self, env: Env, id: u32) -> napi::Result<(), String> {
        let result = self.submit(&env, id, Op::Close);
        self.jobs = None;
        result.map(|_| ())
    }

    /// From now on messages wait in the mailbox for `drain` (see `Postbox`).
    #[napi(catch_unwind)]
    pub fn start_polling(&self) {
        self.shared.post.polling.store(true, Ordering::SeqCst);
    }

    /// Messages go through the dispatcher again; answers what waited in the mailbox, as
    /// `drain` does.
    // Spelled out: the TypeScript generator does not see through a type alias.
    #[allow(clippy::type_complexity)]
    #[napi(catch_unwind)]
    pub fn stop_polling(
        &self,
        env: Env,
    ) -> Option<Vec<(u32, u32, Option<String>, Option<Either<Buffer, External<CommittedEvents>>>)>> {
        self.shared.post.polling.store(false, Ordering::SeqCst);
        self.drain(env, None)
    }

    /// What waited in the mailbox, in order, as the dispatcher's arguments `(tag, id,
    /// text, extra)`; `None` if nothing did. With `wait_micros`, first waits that long at
    /// most (at most 1,000) for a message if none is there: a call in flight is answered
    /// within microseconds, sooner than the event loop turns again (the loop is held up
    /// for no longer than that).
    // Spelled out: the TypeScript generator does not see through a type alias.
    #[allow(clippy::type_complexity)]
    #[napi(catch_unwind)]
    pub fn drain(
        &self,
        env: Env,
        wait_micros: Option<u32>,
    ) -> Option<Vec<(u32, u32, Option<String>, Option<Either<Buffer, External<CommittedEvents>>>)>> {
        let wait = Duration::from_micros(u64::from(wait_micros.unwrap_or(0).min(1_000)));
        let messages = self.shared.post.take_within(wait);
        if messages.is_empty() {
            return None;
        }
        // (A `Wake` never waits in the mailbox: it only goes through the dispatcher.)
        Some(messages.into_iter().map(|m| m.into_delivery(&self.shared.queued, &self.waiting, &env)).collect())
    }

    /// Delivers every event committed through this casebook, in order, to the
    /// dispatcher as subscription `key` (the JavaScript layer picks the key).
    #[napi(catch_unwind)]
    pub fn subscribe(&mut self, key: u32) -> napi::Result<(), String> {
        let book = self.shared.book().map_err(throw)?;
        let post = self.shared.post.clone();
        let id = book.subscribe(move |event| {
            let Ok(json) = serde_json::to_string(event) else { return };
            let queued = CAPTURE.with(|c| match c.borrow_mut().as_mut() {
                Some(captured) => {
                    captured.push((key, json));
                    None
                }
                None => Some(json),
            });
            if let Some(json) = queued {
                post.post(Message::Event { subscription: key, json });
            }
        });
        if let Some(old) = self.subscriptions.insert(key, id) {
            book.unsubscribe(old);
        }
        Ok(())
    }

    /// Follows a PostgreSQL store's global log (`options` JSON: `after_position`,
    /// `batch_size`, `poll_interval_ms`), delivering every event to the dispatcher as
    /// subscription `key` (the JavaScript layer picks the key, from the same sequence as
    /// subscriptions').
    #[napi(catch_unwind)]
    pub fn follow_log(
        &self,
        env: Env,
        id: u32,
        key: u32,
        options: String,
    ) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::Follow { key, options })
    }

    /// Stops follower `key`: answers the position of the last event it delivered (null
    /// if there is no such follower), or what stopped it early.
    #[napi(catch_unwind)]
    pub fn unfollow(&self, env: Env, id: u32, key: u32) -> napi::Result<Option<InlineAnswer>, String> {
        self.submit(&env, id, Op::Unfollow { key })
    }

    /// Follower `key` now, as JSON (`{position, delivered, reconnects, last_error,
    /// running}`), or null if there is no such follower (not started yet, or stopped).
    #[napi(catch_unwind)]
    pub fn follower_status(&self, key: u32) -> Option<String> {
        let followers = self.shared.followers.lock().unwrap_or_else(|p| p.into_inner());
        let f = followers.get(&key)?;
        let status = serde_json::json!({
            "position": f.position(),
            "delivered": f.delivered(),
            "reconnects": f.reconnects(),
            "last_error": f.last_error(),
            "running": f.is_running(),
        });
        Some(status.to_string())
    }

    /// Stops subscription `key`. Returns whether it existed.
    #[napi(catch_unwind)]
    pub fn unsubscribe(&mut self, key: u32) -> bool {
        match (self.subscriptions.remove(&key), self.shared.book()) {
            (Some(id), Ok(book)) => book.unsubscribe(id),
            (Some(_), Err(_)) => true,
            (None, _) => false,
        }
    }
}

impl NativeCasebook {
    fn submit(&self, env: &Env, id: u32, op: Op) -> napi::Result<Option<InlineAnswer>, String> {
        let Some(jobs) = self.jobs.as_ref() else {
            return Err(throw(Failure::storage("the casebook is closed")));
        };
        // The in-memory store does no I/O: a call costs microseconds, less than a thread
        // hop, so it runs here and answers at once when nothing is queued before it
        // (keeping call order). Batches can be long and always run on the worker.
        let quick = !matches!(op, Op::Batch { .. } | Op::Close | Op::Open(_) | Op::Ready);
        if self.inline && quick && self.shared.queued.load(Ordering::Acquire) == 0 {
            return Ok(Some(run_inline(&self.shared, op)));
        }
        let alive = !self.shared.post.dispatch.aborted();
        if alive {
            self.waiting.hold(env);
        }
        self.shared.queued.fetch_add(1, Ordering::AcqRel);
        jobs.send(Job { id, op }).map(|()| None).map_err(|_| {
            self.shared.queued.fetch_sub(1, Ordering::AcqRel);
            if alive {
                self.waiting.release(env);
            }
            throw(Failure::storage("the casebook is closed"))
        })
    }
}

/// Runs a call on the JavaScript thread, collecting the events it publishes.
fn run_inline(shared: &Shared, op: Op) -> InlineAnswer {
    CAPTURE.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let answer = catch_unwind(AssertUnwindSafe(|| Answer::of(run(shared, op))))
        .unwrap_or_else(|payload| Answer::of(Err(Failure::panic(&*payload))));
    let captured = CAPTURE.with(|c| c.borrow_mut().take()).filter(|events| !events.is_empty());
    match (answer.into_parts(), captured) {
        ((0, text, None), None) => Either3::A(text.unwrap_or_default()),
        ((0, None, Some(Either::A(bytes))), None) => Either3::B(bytes),
        ((tag, text, extra), captured) => Either3::C((tag, text, extra, captured)),
    }
}

impl Drop for NativeCasebook {
    fn drop(&mut self) {
        // Garbage-collected without `close`: let the worker finish what is queued and stop.
        if let Some(jobs) = self.jobs.take() {
            self.shared.queued.fetch_add(1, Ordering::AcqRel);
            let _ = jobs.send(Job { id: 0, op: Op::Close });
        }
    }
}

/// How long the worker keeps polling for the next call before it sleeps: a caller that
/// awaits each call sends the next one a few microseconds after the answer, and catching
/// it awake saves a thread wake-up per call, which on many machines (virtual ones above
/// all) costs more than a quick SQLite commit. `CASEKIT_NODE_SPIN_US` overrides it
/// (0: never poll).
fn spin_window() -> Duration {
    const DEFAULT_MICROS: u64 = 100;
    let micros =
        std::env::var("CASEKIT_NODE_SPIN_US").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(DEFAULT_MICROS);
    Duration::from_micros(micros.min(10_000))
}

fn next_job(rx: &Receiver<Job>, spin: Duration) -> Option<Job> {
    if !spin.is_zero() {
        let start = Instant::now();
        let mut polls: u32 = 0;
        loop {
            match rx.try_recv() {
                Ok(job) => return Some(job),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) if start.elapsed() < spin => {
                    polls = polls.wrapping_add(1);
                    // Now and then, let another thread that wants this CPU have it.
                    if polls % 64 == 0 {
                        std::thread::yield_now();
                    } else {
                        std::hint::spin_loop();
                    }
                }
                Err(TryRecvError::Empty) => break,
            }
        }
    }
    rx.recv().ok()
}

fn work(shared: &Shared, rx: &Receiver<Job>) {
    let spin = spin_window();
    while let Some(Job { id, op }) = next_job(rx, spin) {
        let closing = matches!(op, Op::Close);
        if !matches!(op, Op::Batch { .. } | Op::BatchPart { .. }) {
            // Parts of a batch call that never came (encoding its next part failed).
            PARTS.with(|parts| parts.borrow_mut().take());
        }
        let answer = catch_unwind(AssertUnwindSafe(|| Answer::of(run(shared, op))))
            .unwrap_or_else(|payload| Answer::of(Err(Failure::panic(&*payload))));
        if id != 0 {
            shared.post.post(Message::Reply { id, answer });
        } else {
            // Internal calls (open, close on drop) have no answer to wait for.
            shared.queued.fetch_sub(1, Ordering::AcqRel);
        }
        if closing {
            break;
        }
    }
}

fn json<T: Serialize>(value: &T) -> Result<Reply, Failure> {
    serde_json::to_string(value)
        .map(Reply::Json)
        .map_err(|e| Failure::storage(format!("cannot encode the answer: {e}")))
}

/// The actor given as `json`, decoded once for as long as the same text keeps coming.
fn actor_of(json: String) -> Result<Rc<Actor>, Failure> {
    let cached = LAST_ACTOR.with(|last| match &*last.borrow() {
        Some((text, actor)) if *text == json => Some(actor.clone()),
        _ => None,
    });
    if let Some(actor) = cached {
        return Ok(actor);
    }
    let actor = Rc::new(convert::actor(&json)?);
    LAST_ACTOR.with(|last| *last.borrow_mut() = Some((json, actor.clone())));
    Ok(actor)
}

fn run(shared: &Shared, op: Op) -> Result<Reply, Failure> {
    match op {
        Op::Open(spec) => {
            let (store, postgres) = open_store(spec).inspect_err(|failure| {
                // Answered to the first call (`ready`, which `open` awaits) and every later one.
                *shared.open_failure.write().unwrap_or_else(|p| p.into_inner()) = Some(failure.clone());
            })?;
            *shared.postgres.write().unwrap_or_else(|p| p.into_inner()) = postgres;
            let book = Arc::new(Casebook::with_clock(store, shared.clock.clone(), shared.ids.clone()));
            *shared.book.write().unwrap_or_else(|p| p.into_inner()) = Some(book);
            Ok(Reply::Done)
        }
        Op::Close => {
            let followers: Vec<_> = shared.followers.lock().unwrap_or_else(|p| p.into_inner()).drain().collect();
            drop(followers); // each stops its thread
            shared.postgres.write().unwrap_or_else(|p| p.into_inner()).take();
            let book = shared.book.write().unwrap_or_else(|p| p.into_inner()).take();
            drop(book);
            Ok(Reply::Done)
        }
        Op::Follow { key, options } => {
            shared.book()?;
            let Some(store) = shared.postgres.read().unwrap_or_else(|p| p.into_inner()).clone() else {
                return Err(Failure::validation("store", "following the log needs a PostgreSQL store"));
            };
            let options = crate::postgres::follow_options(&options)?;
            let post = shared.post.clone();
            let follower = store
                .follow_log(options, move |event| {
                    let Ok(json) = serde_json::to_string(event) else { return };
                    post.post(Message::Event { subscription: key, json });
                })
                .map_err(|e| Failure::from(casekit::Error::Storage(e)))?;
            let replaced = shared.followers.lock().unwrap_or_else(|p| p.into_inner()).insert(key, follower);
            drop(replaced);
            Ok(Reply::Done)
        }
        Op::Unfollow { key } => {
            let follower = shared.followers.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
            match follower {
                None => Ok(Reply::Json("null".into())),
                Some(f) => json(&f.stop()?),
            }
        }
        Op::Execute { actor, case_id, command, expected } => {
            let book = shared.book()?;
            let actor = actor_of(actor)?;
            let command = convert::command(&command)?;
            let case_id = case_id.as_deref().map(convert::case_id).transpose()?;
            Ok(Reply::Committed(book.execute_command(&actor, case_id, command, expected)?))
        }
        Op::BatchPart { request, items } => {
            PARTS.with(|parts| {
                let mut parts = parts.borrow_mut();
                // Parts of an earlier call that never came (its encoding failed) go.
                let mine = parts.take().filter(|p| p.request == request);
                let mut mine = mine.unwrap_or(Parts { request, items: Ok(Vec::new()) });
                if let Ok(done) = &mut mine.items {
                    match convert::parse_items(&items, done.len()) {
                        Ok(more) => done.extend(more),
                        Err(f) => mine.items = Err(f),
                    }
                }
                *parts = Some(mine);
            });
            Ok(Reply::Done)
        }
        Op::Batch { actor, items, request, summary } => {
            let earlier = PARTS.with(|parts| parts.borrow_mut().take());
            let mut all = match (request, earlier) {
                (None, _) => Vec::new(),
                (Some(r), Some(p)) if p.request == r => p.items?,
                (Some(_), _) => return Err(Failure::storage("the first parts of this batch were lost")),
            };
            let book = shared.book()?;
            let actor = actor_of(actor)?;
            if all.is_empty() {
                all = convert::parse_items(&items, 0)?;
            } else {
                let offset = all.len();
                all.extend(convert::parse_items(&items, offset)?);
            }
            let done = book.execute_batch(&actor, &all)?;
            if !summary {
                return Ok(Reply::Batch(done));
            }
            let summary = BatchSummary::of(&done);
            answer::discard(done);
            json(&summary)
        }
        Op::Ready => shared.book().map(|_| Reply::Done),
        Op::Get { actor, case_id } => {
            let book = shared.book()?;
            json(&book.get(&*actor_of(actor)?, convert::case_id(&case_id)?)?)
        }
        Op::List { actor, query } => {
            let book = shared.book()?;
            let actor = actor_of(actor)?;
            let query: CaseQuery = convert::parse("", &query)?;
            json(&book.list(&actor, &query)?)
        }
        Op::History { actor, case_id } => {
            let book = shared.book()?;
            json(&book.history(&*actor_of(actor)?, convert::case_id(&case_id)?)?)
        }
        Op::Verify { actor, case_id } => {
            let book = shared.book()?;
            json(&book.verify(&*actor_of(actor)?, convert::case_id(&case_id)?)?)
        }
        Op::ReadLog { after, limit } => {
            let book = shared.book()?;
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            json(&book.read_log(after, limit)?)
        }
        Op::Checkpoint => {
            shared.book()?.checkpoint()?;
            Ok(Reply::Done)
        }
        Op::RegisterProgram { program } => {
            let book = shared.book()?;
            let program: Program = convert::parse("", &program)?;
            book.register_program(program)?;
            Ok(Reply::Done)
        }
        Op::Attach { actor, case_id, meta, content } => {
            let book = shared.book()?;
            let actor = actor_of(actor)?;
            let case_id = convert::case_id(&case_id)?;
            let meta: UploadMeta = convert::parse("", &meta)?;
            let upload =
                DocumentUpload { name: meta.name, media_type: meta.media_type, category: meta.category, content };
            Ok(Reply::Committed(book.attach_document(&actor, case_id, upload)?))
        }
        Op::DocumentContent { actor, case_id, document_id } => {
            let book = shared.book()?;
            let actor = actor_of(actor)?;
            let case_id = convert::case_id(&case_id)?;
            let document_id = DocumentId(convert::uuid("document_id", &document_id)?);
            Ok(Reply::Bytes(book.document_content(&actor, case_id, document_id)?))
        }
    }
}

fn is_postgres(location: &str) -> bool {
    let lower = location.to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// A file path opens the SQLite store; `postgres://` URLs the PostgreSQL store.
fn check_location(path: &str) -> Result<(), Failure> {
    let lower = path.to_ascii_lowercase();
    if lower.contains("://") {
        return Err(Failure::validation("url", "give a file path (SQLite) or a postgres:// URL"));
    }
    if path.is_empty() || path.contains('\0') {
        return Err(Failure::validation("path", "expected a file path"));
    }
    Ok(())
}

/// The store, and the PostgreSQL store behind it when it is one.
type Opened = (Box<dyn Store>, Option<Arc<casekit_postgres::PostgresStore>>);

fn open_store(spec: StoreSpec) -> Result<Opened, Failure> {
    match spec {
        StoreSpec::Memory => Ok((Box::new(casekit::MemoryStore::new()), None)),
        StoreSpec::Sqlite { path, synchronous, tuning } => {
            crate::sqlite::open(&path, synchronous == Synchronous::Full, tuning).map(|s| (s, None))
        }
        StoreSpec::Postgres { url, schema, tuning } => {
            let mut options = tuning.apply(casekit_postgres::PostgresOptions::default());
            if let Some(schema) = schema {
                options.schema = schema;
            }
            let store = casekit_postgres::PostgresStore::connect_with(&url, options)
                .map_err(|e| Failure::from(casekit::Error::Storage(e)))?;
            let store = Arc::new(store);
            Ok((Box::new(Arc::clone(&store)), Some(store)))
        }
    }
}
