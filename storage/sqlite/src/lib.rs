//! # casekit-sqlite
//!
//! The embedded default store for [`casekit`]: one SQLite file, no server, no
//! setup. [`SqliteStore`] implements [`casekit::Store`] and behaves exactly like the
//! in-memory reference store (it runs core's conformance kit unchanged).
//!
//! ```no_run
//! use casekit::{Actor, Casebook, Role, command::OpenCase, model::ClientDetails};
//! use casekit_sqlite::SqliteStore;
//!
//! let book = Casebook::new(SqliteStore::open("cases.db")?);
//! let worker = Actor::new("iris", [Role::IntakeWorker], ["housing"]);
//! let opened = book.open_case(&worker, OpenCase {
//!     program: "housing".into(),
//!     client: ClientDetails { name: "Ada Lovelace".into(), ..Default::default() },
//!     ..Default::default()
//! })?;
//! assert_eq!(opened.version, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Durability
//!
//! Files are opened in WAL mode (write-ahead log). Every append is one
//! `BEGIN IMMEDIATE` ... `COMMIT` transaction, so it is all or nothing whatever happens:
//! a crash, a killed process or a power cut never leaves half a command behind, and
//! never corrupts the file. What the `synchronous` setting decides is only how recent
//! the last surviving command is after a *power loss or OS crash*:
//!
//! - [`Synchronous::Normal`] (the default): a commit is acknowledged once it is written
//!   to the WAL, without waiting for the disk. A crash or kill of the *process* loses
//!   nothing that was acknowledged (the operating system holds the data). A *power
//!   loss* or kernel crash can lose the last transactions acknowledged before it — those
//!   not yet made durable by a WAL checkpoint or a later sync — but the file stays
//!   consistent: it shows the database as of some earlier commit. About 2–3 × faster
//!   per command than `Full` on a typical disk.
//! - [`Synchronous::Full`]: the WAL is fsynced at every commit, before the commit is
//!   acknowledged. An acknowledged command survives power loss too (as far as the disk
//!   honours flushes).
//!
//! ## Several processes
//!
//! Several processes (and threads) may share one file. Writers take the write lock up
//! front (`BEGIN IMMEDIATE`) and wait up to [`SqliteOptions::busy_timeout`] for it;
//! the expected-version check runs inside the transaction, so a stale write is refused
//! with [`casekit::StoreError::Conflict`] whichever process got there first. Readers
//! never block the writer, nor the writer them. Network file systems are not supported
//! (SQLite's WAL needs shared memory between the processes).
//!
//! ## Memory
//!
//! Each connection keeps a page cache of [`SqliteOptions::cache_size_kib`] (2 MiB by
//! default, SQLite's own default: appends touch the tails of the tables). A server with
//! a large file and heavy case lists gives it more.
//!
//! ## Connections
//!
//! A store holds one writer connection behind a mutex (every append and blob write,
//! and the version lookup the engine makes before each command, whose row the writer
//! has in cache) and a small pool of reader connections for loads, the log and case
//! lists ([`SqliteOptions::readers`]; WAL lets them read while the writer commits).
//! [`SqliteStore::in_memory`] has the one connection only.
//!
//! A large `execute_batch` (an import) is written by a thread of the store's own,
//! started by the first such batch and ended when the store is dropped: it takes each
//! case from the engine as soon as the case is staged, writes it and puts its notes
//! into the text index, while the calling thread stages the next cases; one
//! transaction all the same. Every other append is written on the caller's thread. A
//! commit that fills the WAL ([`SqliteOptions::checkpoint_pages`]) leaves the
//! checkpoint to one more thread with a connection of its own, which copies the WAL
//! into the main file while the next commits are written; the first commit after it is
//! done copies what came meanwhile, so that the WAL can start over (under
//! [`Synchronous::Full`] only an import's commits leave it: the others checkpoint
//! before they return, as SQLite does). A process forked after an import starts threads
//! of its own when it writes (SQLite's rule stands: do not use a connection opened
//! before `fork` in the child).
//!
//! ## Queries
//!
//! Every case-list filter is answered from an index whose order is the case id, so a
//! page costs about its own size after the keyset cursor. Time ranges (opened, closed,
//! due) too: each time column has two bucket indexes, `(time >> 37, case_id, ...)`
//! (about 38 hours a bucket) and `(time >> 42, case_id, ...)` (about 51 days); a range
//! is cut into whole coarse buckets and at most 32 fine ones at each edge, and each
//! bucket yields its cases in id order after the cursor (empty buckets and open ends
//! are skipped in the index). Combined with a worker or a client, a time range first
//! lets their index walk for a bounded time ([`SqliteOptions::range_walk_budget`]).
//! The reader's program scope is carried by every index. Note
//! search uses FTS5 over the words exactly as [`casekit::store::words`] cuts them (user
//! text is reduced to quoted words, so it can never be FTS syntax). Its rowids follow
//! the case ids (the first 40 bits of a note's case id, then a slot), so a search
//! pages in case-id order too: it reads the index from the cursor on until it has a
//! page's worth of cases, finishing the prefix it is in, then checks them against the
//! rest of the filter; a confidential note counts only for readers who may see it.
//!
//! ## Layout
//!
//! Events are kept exactly as core hands them over (the payload text byte for byte, so
//! the hash chain verifies over the stored bytes); each case has one summary row with a
//! column per indexed filter; tags and assignees live in side tables keyed for keyset
//! pagination; note text is indexed by FTS5 straight from the `note_added` events
//! (no copy of the text; notes of the last few hundred log positions wait and are
//! searched at the tail of the log, then move into the index in bulk, each with a row
//! in `note_keys` naming its case; an import indexes its notes as it writes them);
//! a file's connections open through casekit's own SQLite VFS, the platform's default
//! with a commit's WAL frames written in one call (the file stays an ordinary SQLite
//! file that any SQLite opens); document bytes
//! live in a content-addressed blob table. The schema is versioned with `PRAGMA user_version` and migrated forward
//! on open (see [`SCHEMA_VERSION`]).

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod codec;
mod error;
mod notes;
mod query;
mod schema;
mod store;
mod tuning;
// The one module with `unsafe`: the VFS, which SQLite calls through C function pointers.
#[allow(unsafe_code)]
mod vfs;

pub use schema::SCHEMA_VERSION;
pub use store::{SqliteOptions, SqliteStore, Synchronous};
pub use tuning::{SqliteOption, SqliteTuning, SqliteTuningError};
