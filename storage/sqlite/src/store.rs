//! `SqliteStore`: connections, appends, reads, queries and blobs.

use crate::codec::{
    event_from_row, get_text, get_u64, id_bytes, int, is_whole_micros, micros, summary_from_row, EVENT_COLUMNS,
};
use crate::error::{backend_msg, integrity, Context};
use crate::query::{keeps_few, plan, plan_by_time, search, time_range, Plan};
use crate::schema::migrate;
use casekit::event::sha256_hex;
use casekit::store::{push_words, summary_matches, AppendBatch, CaseSummary, StoreQuery};
use casekit::{CaseId, Store, StoreError, StoredEvent};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OpenFlags, OptionalExtension};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

/// When SQLite waits for the disk. See the crate docs for what each guarantees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Synchronous {
    /// `synchronous = NORMAL` in WAL mode: commits are durable across process crashes;
    /// a power loss may lose the last few acknowledged commits, never consistency.
    #[default]
    Normal,
    /// `synchronous = FULL`: the WAL is fsynced before every commit is acknowledged;
    /// acknowledged commits survive power loss.
    Full,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// How a file is opened. `SqliteOptions::default()` is what [`SqliteStore::open`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Durability of each commit (default [`Synchronous::Normal`]).
    pub synchronous: Synchronous,
    /// How long a writer waits for another connection or process to release the write
    /// lock before the append fails with a storage error (default 5 s).
    pub busy_timeout: Duration,
    /// Reader connections kept open beside the writer, so reads run alongside writes
    /// (WAL). 0: every read goes through the writer's connection. Default 4.
    pub readers: usize,
    /// Page cache per connection, in KiB (default 2048, SQLite's own default: appends
    /// touch the tails of the tables; raise it for large files under heavy queries).
    pub cache_size_kib: u32,
    /// A case list filtered by a time range (opened, closed, due) and by a worker or a
    /// client could start from either index: the store first walks the worker's or
    /// client's cases in case-id order (they are usually few) for at most this many
    /// thousand SQLite steps, then takes the cases from the time range's buckets. 0
    /// always takes the buckets; `u32::MAX` always walks. Time ranges alone or with
    /// other filters always take the buckets. Default 1000.
    pub range_walk_budget: u32,
    /// The WAL is copied into the main file (checkpointed) once it holds this many
    /// pages (SQLite's own default is 1000; default here 4000, about 16 MiB: case rows
    /// and index leaves rewritten by many consecutive commits are copied back once per
    /// checkpoint, which measured 15–40 % faster CM-22 runs on ext4). A commit that
    /// fills it leaves the checkpoint to a thread of the store's own and returns (CM-22
    /// one commit a command: about 20 % faster than checkpointing in line); the first
    /// commit after that thread is done copies what came meanwhile, and the WAL starts
    /// over (an import's commit, a large `execute_batch`'s, asks the thread for another
    /// pass instead: CM-22 imports about 13 % faster). A commit checkpoints in line if
    /// the WAL reaches four times this. Under
    /// [`Synchronous::Full`] only an import's commits (a large `execute_batch`) leave
    /// it to the thread: the others wait for the disk anyway.
    /// 0: no automatic checkpoints (SQLite's meaning; the WAL then grows until
    /// [`SqliteStore::checkpoint`] or the last connection closes).
    pub checkpoint_pages: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            readers: 4,
            cache_size_kib: 2048,
            range_walk_budget: 1000,
            checkpoint_pages: 4000,
        }
    }
}

/// A casekit store in one SQLite file (or in memory).
///
/// One writer connection behind a mutex takes every append (`BEGIN IMMEDIATE`, so
/// writers in other processes queue on the file lock); reads go to a small pool of
/// reader connections, which WAL lets run while the writer commits. It is `Send +
/// Sync`: share it (or the `Casebook` over it) between threads.
pub struct SqliteStore {
    /// The thread that writes streamed appends, started by the first one. Dropped
    /// first: its thread ends before the writer's connection closes (on the dropping
    /// thread).
    appender: Mutex<Option<Appender>>,
    writer: Arc<Mutex<Connection>>,
    checkpoints: Arc<Checkpoints>,
    readers: Option<Readers>,
    path: Option<PathBuf>,
    options: SqliteOptions,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).field("options", &self.options).finish()
    }
}

struct Readers {
    idle: Mutex<Vec<Connection>>,
    path: PathBuf,
    options: SqliteOptions,
}

const STATEMENT_CACHE: usize = 64;

/// Commits leave checkpoints to the checkpointer thread until the WAL holds this many
/// times [`SqliteOptions::checkpoint_pages`]: a checkpoint running beside the writer
/// cannot restart the WAL (the writer keeps adding to it), so every so often one in
/// line lets it start over, and the WAL stays bounded.
const DEFERRED_WAL_FACTOR: u32 = 4;

/// When the writer's commits checkpoint, shared by its WAL hook and every thread that
/// writes through it.
#[derive(Default)]
struct Checkpoints {
    /// Set while a commit that defers its checkpoint runs (see `defers`).
    deferring: AtomicBool,
    /// Set while an import's commit (a streamed append's) runs.
    importing: AtomicBool,
    /// A commit found the WAL full and left the checkpoint to that thread.
    wanted: AtomicBool,
    /// The thread has made a checkpoint since the last was asked of it.
    finished: Arc<AtomicBool>,
    /// The file, for the checkpointer thread's connection; `None` in memory.
    path: Option<PathBuf>,
    /// Whether every commit defers its checkpoint, or only an import's: under
    /// `synchronous = FULL` each commit waits for the disk anyway, and a checkpoint
    /// syncing the main file beside it measured 3–6 % slower CM-22 runs than in line.
    every_commit: bool,
    /// The checkpointer thread, started by the first checkpoint a commit leaves to it.
    thread: Mutex<Option<Checkpointer>>,
}

impl Checkpoints {
    fn for_file(path: &Path, synchronous: Synchronous) -> Self {
        Checkpoints {
            path: Some(path.to_path_buf()),
            every_commit: synchronous == Synchronous::Normal,
            ..Checkpoints::default()
        }
    }

    /// Whether a commit (an import's, or not) leaves a full WAL to the thread.
    fn defers(&self, import: bool) -> bool {
        self.path.is_some() && (import || self.every_commit)
    }

    /// After a commit: asks the checkpointer thread for the checkpoint the commit left.
    fn after_commit(&self) {
        if self.wanted.swap(false, Ordering::Relaxed) {
            if let Some(path) = &self.path {
                let mut slot = self.thread.lock().unwrap_or_else(|p| p.into_inner());
                Checkpointer::request(&mut slot, path, &self.finished);
            }
        }
    }

    /// Ends the checkpointer thread (after its current checkpoint, if any), so that the
    /// writer's connection, closed next, is the file's last.
    fn stop(&self) {
        drop(self.thread.lock().unwrap_or_else(|p| p.into_inner()).take());
    }
}

/// The writer's WAL hook, in place of SQLite's automatic checkpoint (which is the same
/// thing without the deferral): once the WAL holds `pages` pages, a commit asks the
/// checkpointer thread for a checkpoint and returns. The WAL can only start over once
/// every frame in it is copied, and commits keep adding frames while the thread copies:
/// so the first commit after the thread is done copies the rest in line (a fraction of
/// the WAL), and the next starts the WAL over; an import's commit asks the thread for
/// another pass instead. A commit that finds the WAL
/// `DEFERRED_WAL_FACTOR` times `pages` (no thread, or one that cannot keep up) waits (up
/// to `wait`) for a running checkpoint to finish and then makes its own in line.
/// Checkpoints are PASSIVE: they copy what no reader still needs.
fn checkpoint_hook(
    checkpoints: Arc<Checkpoints>,
    pages: u32,
    wait: Duration,
) -> impl FnMut(&mut rusqlite::hooks::Wal, std::ffi::c_int) -> rusqlite::Result<()> + Send + 'static {
    // Whether this WAL (until it starts over) has had its checkpoint asked of the thread.
    let mut asked = false;
    move |wal, in_wal| {
        let in_wal = u32::try_from(in_wal).unwrap_or(0);
        if in_wal < pages {
            asked = false;
            return Ok(());
        }
        let full = in_wal >= pages.saturating_mul(DEFERRED_WAL_FACTOR);
        if checkpoints.deferring.load(Ordering::Relaxed) && !full {
            if !asked {
                asked = true;
                checkpoints.finished.store(false, Ordering::Relaxed);
                checkpoints.wanted.store(true, Ordering::Relaxed);
                return Ok(());
            }
            if !checkpoints.finished.load(Ordering::Acquire) {
                return Ok(());
            }
            if checkpoints.importing.load(Ordering::Relaxed) {
                // An import's commit leaves the rest to the thread too (a pass over
                // what came since its last): copying it in line, and syncing the main
                // file, stalled an import's writer for tens of milliseconds each time.
                // The WAL then starts over only once it is full (see above), and its
                // space is that of `DEFERRED_WAL_FACTOR` times `pages` meanwhile.
                checkpoints.finished.store(false, Ordering::Relaxed);
                checkpoints.wanted.store(true, Ordering::Relaxed);
                return Ok(());
            }
            // The thread has copied the bulk of the WAL: what came meanwhile is copied
            // here (PASSIVE, so not the frames a reader still needs), after which the
            // next commit can start the WAL over.
        }
        // The commit has happened whatever the checkpoint does: its failure is not the
        // commit's.
        let started = std::time::Instant::now();
        while wal.checkpoint().is_err() && full && started.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }
}

fn open_connection(path: &Path, options: &SqliteOptions, writer: bool) -> Result<Connection, StoreError> {
    let shown = path.display();
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = crate::vfs::open(path, flags).ctx(|| format!("opening {shown}"))?;
    conn.busy_timeout(options.busy_timeout).ctx(|| format!("setting busy_timeout on {shown}"))?;
    if writer {
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .ctx(|| format!("switching {shown} to WAL"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(backend_msg(format!("{shown}: journal_mode is {mode}, WAL is needed")));
        }
    } else {
        conn.execute_batch("PRAGMA query_only = 1").ctx(|| format!("opening a reader on {shown}"))?;
    }
    configure(&conn, options).ctx(|| format!("configuring {shown}"))?;
    Ok(conn)
}

fn configure(conn: &Connection, options: &SqliteOptions) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {}; PRAGMA cache_size = -{}; PRAGMA temp_store = MEMORY; \
         PRAGMA wal_autocheckpoint = {};",
        options.synchronous.pragma(),
        options.cache_size_kib,
        options.checkpoint_pages,
    ))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    register_functions(conn)
}

impl SqliteStore {
    /// Opens (or creates) the store in the file at `path` with the default options:
    /// WAL, `synchronous = NORMAL`, 5 s busy timeout. Migrates an older file forward;
    /// refuses a file written by a newer casekit-sqlite, or one that is not a database.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens (or creates) the store at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut writer = open_connection(&path, &options, true)?;
        let checkpoints = Arc::new(Checkpoints::for_file(&path, options.synchronous));
        if options.checkpoint_pages > 0 {
            writer
                .wal_hook(Some(checkpoint_hook(
                    Arc::clone(&checkpoints),
                    options.checkpoint_pages,
                    options.busy_timeout,
                )))
                .ctx(|| format!("configuring {}", path.display()))?;
        }
        migrate(&writer).map_err(|e| match e {
            StoreError::Backend(inner) => backend_msg(format!("{}: {inner}", path.display())),
            other => other,
        })?;
        let readers = (options.readers > 0).then(|| Readers {
            idle: Mutex::new(Vec::with_capacity(options.readers)),
            path: path.clone(),
            options,
        });
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            appender: Mutex::new(None),
            checkpoints,
            readers,
            path: Some(path),
            options,
        })
    }

    /// A store in memory, gone when dropped: for tests and notebooks. One connection
    /// (reads share the writer's).
    pub fn in_memory() -> Result<Self, StoreError> {
        let options = SqliteOptions { readers: 0, ..SqliteOptions::default() };
        let conn = Connection::open_in_memory().ctx(|| "opening an in-memory database".into())?;
        configure(&conn, &options).ctx(|| "configuring an in-memory database".into())?;
        migrate(&conn)?;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(conn)),
            appender: Mutex::new(None),
            checkpoints: Arc::new(Checkpoints::default()),
            readers: None,
            path: None,
            options,
        })
    }

    /// The file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &SqliteOptions {
        &self.options
    }

    /// Moves notes still waiting for the text index into it and refreshes the query
    /// planner's statistics (`PRAGMA optimize`, which runs `ANALYZE` where it helps).
    /// Worth calling after a bulk import; cheap otherwise.
    pub fn optimize(&self) -> Result<(), StoreError> {
        let conn = self.writer();
        run(&conn, "BEGIN IMMEDIATE").ctx(|| "optimizing".into())?;
        let flushed = flush_notes(&conn).and_then(|()| run(&conn, "COMMIT")).ctx(|| "indexing pending notes".into());
        if flushed.is_err() && !conn.is_autocommit() {
            let _ = run(&conn, "ROLLBACK");
        }
        flushed?;
        conn.execute_batch("PRAGMA optimize = 0x10002").ctx(|| "optimizing".into())
    }

    /// Copies everything in the WAL into the main file and truncates the WAL (readers
    /// in other processes may keep parts of it alive). Not needed for durability; useful
    /// before copying the file elsewhere. While another checkpoint runs (the store's
    /// own after an import, or another process's) it tries again, for up to
    /// [`SqliteOptions::busy_timeout`]; if the WAL still cannot be emptied then (a
    /// reader elsewhere keeps it), that is a `storage` error saying so.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let conn = self.writer();
        let started = std::time::Instant::now();
        loop {
            // The first column is 1 if the checkpoint could not finish.
            let busy: i64 =
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)).ctx(|| "checkpointing".into())?;
            if busy == 0 {
                return Ok(());
            }
            if started.elapsed() >= self.options.busy_timeout {
                return Err(backend_msg(format!(
                    "checkpointing: the WAL is still in use by another connection after {} ms \
                     (busy_timeout); it was not emptied",
                    self.options.busy_timeout.as_millis()
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        lock_writer(&self.writer)
    }

    /// Where streamed appends go: the appender thread's job queue, starting the thread
    /// if there is none (or the last one is gone). `None` if no thread can be started.
    fn appender(&self) -> Option<mpsc::Sender<Job>> {
        let mut slot = self.appender.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = slot.as_ref().filter(|a| a.is_running()) {
            return a.jobs.clone();
        }
        let (jobs, queue) = mpsc::channel::<Job>();
        let writer = Arc::clone(&self.writer);
        let checkpoints = Arc::clone(&self.checkpoints);
        let thread = std::thread::Builder::new()
            .name("casekit-sqlite-append".into())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    let Job { batches, back } = job;
                    let mut received = Received(batches);
                    let mut release = |b: AppendBatch| {
                        let _ = back.send(Back::Written(b));
                    };
                    let result = match received.next() {
                        Some(Ok(first)) => {
                            write_batches(&writer, &checkpoints, first, &mut received, Notes::AsWritten, &mut release)
                        }
                        Some(Err(e)) => Err(e),
                        None => Ok(Vec::new()),
                    };
                    let _ = back.send(Back::Done(result));
                }
            })
            .ok()?;
        let sender = jobs.clone();
        // Replacing a finished thread's appender joins it (see `Drop for Appender`).
        *slot = Some(Appender { jobs: Some(jobs), thread: Some(thread), pid: std::process::id() });
        Some(sender)
    }

    /// Runs `f` on a reader connection (or the writer's, when there are no readers).
    fn read<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let Some(readers) = &self.readers else {
            return f(&mut self.writer());
        };
        let idle = readers.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match idle {
            Some(c) => c,
            None => open_connection(&readers.path, &readers.options, false)?,
        };
        let result = f(&mut conn);
        if conn.is_autocommit() {
            let mut idle = readers.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < readers.options.readers {
                idle.push(conn);
            }
        }
        result
    }
}

/// Appends `first` and then every batch of `rest`, in one `BEGIN IMMEDIATE`
/// transaction: all, or (on any error, the iterator's included) none. Hands every
/// batch it took to `release` once done with it (the caller frees them where they
/// were made).
///
/// Notes go into the text index in one of two ways. `Notes::AtFlush`: as
/// [`NOTE_FLUSH_POSITIONS`] says, once the log crosses a multiple of it (one commit
/// in hundreds pays for the others). `Notes::AsWritten`: every batch's notes right
/// after its events, and whatever was waiting before the append at its start, so
/// that a streamed append indexes while its caller still stages (and ends with
/// nothing waiting).
fn write_batches(
    writer: &Mutex<Connection>,
    checkpoints: &Checkpoints,
    first: AppendBatch,
    rest: &mut dyn Iterator<Item = Result<AppendBatch, StoreError>>,
    notes: Notes,
    release: &mut dyn FnMut(AppendBatch),
) -> Result<Vec<u64>, StoreError> {
    let first_case = first.case_id;
    let conn = lock_writer(writer);
    // Batches kept for a flush at the end (`Notes::AtFlush`).
    let mut kept = Vec::new();
    if let Err(e) = run(&conn, "BEGIN IMMEDIATE").ctx(|| format!("case {first_case}: starting the append")) {
        release(first);
        return Err(e);
    }
    let indexing = || format!("case {first_case}: indexing notes");
    let mut index = match notes {
        Notes::AtFlush => None,
        Notes::AsWritten => match NoteIndexer::new(&conn).and_then(|mut ix| ix.waiting().map(|()| ix)) {
            Ok(ix) => Some(ix),
            Err(e) => {
                let _ = run(&conn, "ROLLBACK");
                release(first);
                return Err(e).ctx(indexing);
            }
        },
    };
    let mut positions = Vec::new();
    let mut write = |b: AppendBatch| -> Result<(), StoreError> {
        let enc = encode(&b)?;
        let from = positions.len();
        append_batch(&conn, &b, &enc, &mut positions)?;
        match &mut index {
            Some(ix) => {
                let indexed = ix.batch(&b, positions.get(from..).unwrap_or_default()).ctx(indexing);
                release(b);
                indexed
            }
            None => {
                kept.push(b);
                Ok(())
            }
        }
    };
    let mut written = write(first);
    while written.is_ok() {
        match rest.next() {
            None => break,
            Some(b) => written = b.and_then(&mut write),
        }
    }
    let written = written.and_then(|()| match index {
        Some(_) => mark_indexed(&conn).ctx(indexing),
        None => flush_if_crossed(&conn, &kept, &positions).ctx(indexing),
    });
    kept.into_iter().for_each(&mut *release);
    // The commit leaves a checkpoint it would make to the checkpointer thread.
    let import = index.is_some();
    checkpoints.deferring.store(checkpoints.defers(import), Ordering::Relaxed);
    checkpoints.importing.store(import && checkpoints.defers(import), Ordering::Relaxed);
    let committed = written.and_then(|()| run(&conn, "COMMIT").ctx(|| format!("case {first_case}: committing")));
    checkpoints.deferring.store(false, Ordering::Relaxed);
    checkpoints.importing.store(false, Ordering::Relaxed);
    if committed.is_err() && !conn.is_autocommit() {
        let _ = run(&conn, "ROLLBACK");
    }
    drop(index);
    drop(conn);
    checkpoints.after_commit();
    committed.map(|()| positions)
}

/// Locks the writer's connection. A panic while holding the lock can only have
/// happened between statements; roll back whatever transaction it left open and carry on.
fn lock_writer(writer: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    let conn = writer.lock().unwrap_or_else(|p| p.into_inner());
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    conn
}

/// What an append writes for one batch, computed before taking the lock.
struct Encoded {
    case_id: [u8; 16],
    indexed: Indexed,
    on_hold: i64,
    updated_at: i64,
    tags: String,
    assignees: String,
    summary: String,
}

/// The indexed columns of a case row: when none changes, the update leaves the
/// indexes alone.
#[derive(PartialEq, Eq)]
struct Indexed {
    phase: String,
    program: String,
    client_id: Vec<u8>,
    priority: String,
    next_due: Option<i64>,
    opened_at: i64,
    closed_at: Option<i64>,
}

fn encode(b: &AppendBatch) -> Result<Encoded, StoreError> {
    let s = &b.summary;
    let json = |what: &str, r: serde_json::Result<String>| {
        r.map_err(|e| backend_msg(format!("case {}: encoding the {what}: {e}", b.case_id)))
    };
    if s.case_id != b.case_id {
        return Err(backend_msg(format!("append for case {}: the summary is of case {}", b.case_id, s.case_id)));
    }
    for e in &b.events {
        if !is_whole_micros(&e.recorded_at) {
            return Err(backend_msg(format!(
                "append for case {}: event {} is recorded at {}, finer than the microseconds the store keeps",
                b.case_id, e.sequence, e.recorded_at
            )));
        }
    }
    Ok(Encoded {
        case_id: id_bytes(b.case_id.0),
        indexed: Indexed {
            phase: s.phase.as_str().to_owned(),
            program: s.program.to_string(),
            client_id: id_bytes(s.client_id.0).to_vec(),
            priority: s.priority.as_str().to_owned(),
            next_due: s.next_due.as_ref().map(micros),
            opened_at: micros(&s.opened_at),
            closed_at: s.closed_at.as_ref().map(micros),
        },
        on_hold: i64::from(s.on_hold),
        updated_at: micros(&s.updated_at),
        tags: json("tags", serde_json::to_string(&s.tags))?,
        assignees: json("assignees", serde_json::to_string(&s.assignees))?,
        summary: json("summary", serde_json::to_string(s))?,
    })
}

/// A case row as the append finds it, compared with what the append writes: which
/// indexed columns change, and the side lists as stored where they change.
struct Current {
    version: u64,
    /// The log position of the case's last event: the next one's `prev_position`.
    last_position: i64,
    /// Per indexed column, in `INDEXED_COLUMNS` order: whether the append changes it.
    changed: [bool; 7],
    /// The stored tags (JSON), when the append changes them.
    old_tags: Option<String>,
    /// The stored assignees (JSON), when the append changes them.
    old_assignees: Option<String>,
}

/// The case row's indexed columns, in the order of `Current::changed`.
const INDEXED_COLUMNS: [&str; 7] = ["phase", "program", "client_id", "priority", "next_due", "opened_at", "closed_at"];

fn current(conn: &Connection, case_id: CaseId, key: &[u8; 16], enc: &Encoded) -> Result<Option<Current>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT version, phase, program, client_id, priority, next_due, opened_at, closed_at, tags, assignees, \
             last_position FROM cases WHERE case_id = ?1",
        )
        .ctx(|| format!("case {case_id}: reading its version"))?;
    let mut rows = stmt.query([&key[..]]).ctx(|| format!("case {case_id}: reading its version"))?;
    let Some(row) = rows.next().ctx(|| format!("case {case_id}: reading its version"))? else { return Ok(None) };
    let fail = |what: String| integrity(Some(case_id), format!("case {case_id}: stored case row: {what}"));
    let value = |i: usize| row.get_ref(i).map_err(|e| fail(e.to_string()));
    // Compared where they lie in the row, without copying them out.
    let text_differs = |i: usize, what: &str, new: &str| -> Result<bool, StoreError> {
        match value(i)? {
            ValueRef::Text(t) => Ok(t != new.as_bytes()),
            other => Err(fail(format!("{what} is {:?}, not text", other.data_type()))),
        }
    };
    let int_differs = |i: usize, what: &str, new: Option<i64>| -> Result<bool, StoreError> {
        match value(i)? {
            ValueRef::Null => Ok(new.is_some()),
            ValueRef::Integer(v) => Ok(new != Some(v)),
            other => Err(fail(format!("{what} is {:?}, not an integer", other.data_type()))),
        }
    };
    let ix = &enc.indexed;
    let client_differs = match value(3)? {
        ValueRef::Blob(b) => b != ix.client_id.as_slice(),
        _ => return Err(fail("client id is not an id".into())),
    };
    if matches!(value(6)?, ValueRef::Null) {
        return Err(fail("opened_at is Null, not an integer".into()));
    }
    let changed = [
        text_differs(1, "phase", &ix.phase)?,
        text_differs(2, "program", &ix.program)?,
        client_differs,
        text_differs(4, "priority", &ix.priority)?,
        int_differs(5, "next_due", ix.next_due)?,
        int_differs(6, "opened_at", Some(ix.opened_at))?,
        int_differs(7, "closed_at", ix.closed_at)?,
    ];
    let old_tags = if text_differs(8, "tags", &enc.tags)? { Some(get_text(row, 8, "tags", &fail)?) } else { None };
    let old_assignees =
        if text_differs(9, "assignees", &enc.assignees)? { Some(get_text(row, 9, "assignees", &fail)?) } else { None };
    let last_position = match value(10)? {
        ValueRef::Integer(p) => p,
        other => return Err(fail(format!("last_position is {:?}, not a log position", other.data_type()))),
    };
    Ok(Some(Current { version: get_u64(row, 0, "version", &fail)?, last_position, changed, old_tags, old_assignees }))
}

/// An append that crosses a multiple of this many log positions moves the notes not
/// yet in the text index into it: searches read at most about this many events (and
/// one append's) from the tail of the log.
const NOTE_FLUSH_POSITIONS: u64 = 512;

/// The fields of a `note_added` payload the search needs.
#[derive(serde::Deserialize)]
struct NotePayload {
    text: String,
    #[serde(default)]
    confidential: bool,
}

/// A note's words for the index (` w1 w2 ... `), or `None` if the payload does not
/// decode (the index leaves it out; `verify` reports the event).
fn note_words(payload: &str, out: &mut String) -> Option<bool> {
    let note: NotePayload = serde_json::from_str(payload).ok()?;
    index_words(&note.text, out);
    Some(note.confidential)
}

/// `casekit_note_match(payload, word, ...)`: whether a `note_added` payload has every
/// word (as `casekit::store::words` cuts them). Searches use it on the notes not yet
/// in the FTS index.
fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "casekit_note_match",
        -1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let Ok(payload) = ctx.get_raw(0).as_str() else { return Ok(false) };
            let mut words = String::new();
            if note_words(payload, &mut words).is_none() {
                return Ok(false);
            }
            for i in 1..ctx.len() {
                let Ok(word) = ctx.get_raw(i).as_str() else { return Ok(false) };
                if !words.contains(&format!(" {word} ")) {
                    return Ok(false);
                }
            }
            Ok(true)
        },
    )
}

/// When an append puts its notes into the text index (see `SqliteStore::write_batches`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Notes {
    AtFlush,
    AsWritten,
}

/// Moves every note after `notes_indexed.upto` into the FTS index (one segment for all
/// of them) and moves the mark to the end of the log.
pub(crate) fn flush_notes(conn: &Connection) -> rusqlite::Result<()> {
    NoteIndexer::new(conn)?.waiting()?;
    mark_indexed(conn)
}

/// A note's words as the index holds them (` w1 w2 ... `), into `out`.
fn index_words(text: &str, out: &mut String) {
    out.clear();
    out.push(' ');
    push_words(text, out);
}

/// After an append indexed its notes as written: nothing is waiting any more.
fn mark_indexed(conn: &Connection) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE notes_indexed SET upto = (SELECT coalesce(max(position), 0) FROM events)")?
        .execute([])
        .map(|_| ())
}

/// The flush of an append that indexes at flush time: if the append crossed a multiple
/// of [`NOTE_FLUSH_POSITIONS`], every waiting note goes into the index. When nothing
/// before the append is waiting (an import's appends each flush their own notes), the
/// append's notes are taken from its batches and the log is not read at all.
fn flush_if_crossed(conn: &Connection, batches: &[AppendBatch], positions: &[u64]) -> rusqlite::Result<()> {
    let (Some(&first), Some(&last)) = (positions.first(), positions.last()) else { return Ok(()) };
    if last / NOTE_FLUSH_POSITIONS <= first.saturating_sub(1) / NOTE_FLUSH_POSITIONS {
        return Ok(());
    }
    let mut ix = NoteIndexer::new(conn)?;
    if ix.upto.saturating_add(1) < i64::try_from(first).unwrap_or(i64::MAX) {
        ix.waiting()?;
    } else {
        let mut at = positions;
        for b in batches {
            let (mine, rest) = at.split_at(b.events.len().min(at.len()));
            ix.batch(b, mine)?;
            at = rest;
        }
    }
    mark_indexed(conn)
}

/// Puts notes into the text index, inside the caller's transaction: each note's words
/// as one FTS row, keyed as `notes.rs` explains.
struct NoteIndexer<'c> {
    conn: &'c Connection,
    /// `notes_indexed.upto` when the indexer was made: notes after it were waiting.
    upto: i64,
    insert: rusqlite::CachedStatement<'c>,
    keyed: rusqlite::CachedStatement<'c>,
    keys: crate::notes::Keys,
    words: String,
}

impl<'c> NoteIndexer<'c> {
    fn new(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(NoteIndexer {
            conn,
            upto: conn.prepare_cached("SELECT upto FROM notes_indexed")?.query_row([], |r| r.get(0))?,
            insert: conn.prepare_cached("INSERT INTO notes_fts (rowid, words) VALUES (?1, ?2)")?,
            keyed: conn.prepare_cached("INSERT INTO note_keys (key, case_id, confidential) VALUES (?1, ?2, ?3)")?,
            keys: crate::notes::Keys::default(),
            words: String::with_capacity(256),
        })
    }

    /// Indexes `self.words` as a note of `case_id`.
    fn add_words(&mut self, case_id: &[u8], confidential: bool) -> rusqlite::Result<()> {
        let key = self.keys.next(self.conn, case_id)?;
        self.keyed.execute(params![key, case_id, confidential])?;
        self.insert.execute(params![key, self.words])?;
        Ok(())
    }

    /// Indexes the notes of `b`, just written at `positions`: from the batch itself
    /// when it carries every note's text, else from the log.
    fn batch(&mut self, b: &AppendBatch, positions: &[u64]) -> rusqlite::Result<()> {
        let notes = b.events.iter().filter(|e| e.event_type == "note_added").count();
        if notes == 0 {
            return Ok(());
        }
        if notes != b.notes.len() {
            let (Some(&first), Some(&last)) = (positions.first(), positions.last()) else { return Ok(()) };
            let clamp = |p: u64| i64::try_from(p).unwrap_or(i64::MAX);
            return self.read_log_notes(clamp(first).saturating_sub(1), clamp(last));
        }
        let key = id_bytes(b.case_id.0);
        for n in &b.notes {
            index_words(&n.text, &mut self.words);
            self.add_words(&key, n.confidential)?;
        }
        Ok(())
    }

    /// Indexes the notes that were waiting when the indexer was made.
    fn waiting(&mut self) -> rusqlite::Result<()> {
        self.read_log_notes(self.upto, i64::MAX)
    }

    /// Indexes the notes at log positions after `after`, up to `through`, read from
    /// the log.
    fn read_log_notes(&mut self, after: i64, through: i64) -> rusqlite::Result<()> {
        let mut select = self.conn.prepare_cached(
            "SELECT case_id, payload FROM events WHERE position > ?1 AND position <= ?2 \
             AND event_type = 'note_added' ORDER BY position",
        )?;
        let mut rows = select.query([after, through])?;
        while let Some(row) = rows.next()? {
            let Ok(payload) = row.get_ref(1).and_then(|v| v.as_str().map_err(Into::into)) else { continue };
            let Some(confidential) = note_words(payload, &mut self.words) else { continue };
            // A case id that is not 16 bytes is left out of the index (`verify` reports it).
            let Ok(case_id) = row.get_ref(0).and_then(|v| v.as_blob().map_err(Into::into)) else { continue };
            if case_id.len() != 16 {
                continue;
            }
            self.add_words(case_id, confidential)?;
        }
        Ok(())
    }
}

/// Brings a side table (`case_tags` or `case_assignees`) in line with the summary.
fn sync_side(
    conn: &Connection,
    case_id: CaseId,
    key: &[u8; 16],
    table: &str,
    column: &str,
    old: &str,
    new: &[String],
) -> Result<(), StoreError> {
    let old: Vec<String> = if old.is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(old)
            .map_err(|e| integrity(Some(case_id), format!("case {case_id}: stored {table} do not decode: {e}")))?
    };
    let ctx = || format!("case {case_id}: updating {table}");
    for gone in old.iter().filter(|o| !new.contains(o)) {
        conn.prepare_cached(&format!("DELETE FROM {table} WHERE {column} = ?1 AND case_id = ?2"))
            .and_then(|mut s| s.execute(params![gone, &key[..]]))
            .ctx(ctx)?;
    }
    for added in new.iter().filter(|n| !old.contains(n)) {
        conn.prepare_cached(&format!("INSERT OR IGNORE INTO {table} ({column}, case_id) VALUES (?1, ?2)"))
            .and_then(|mut s| s.execute(params![added, &key[..]]))
            .ctx(ctx)?;
    }
    Ok(())
}

fn append_batch(conn: &Connection, b: &AppendBatch, enc: &Encoded, positions: &mut Vec<u64>) -> Result<(), StoreError> {
    let case_id = b.case_id;
    let key = &enc.case_id;
    let found = current(conn, case_id, key, enc)?;
    let actual = found.as_ref().map_or(0, |c| c.version);
    if actual != b.expected_version {
        return Err(StoreError::Conflict { case_id, expected: b.expected_version, actual });
    }
    for (i, e) in b.events.iter().enumerate() {
        if e.case_id != case_id || e.sequence != b.expected_version + i as u64 + 1 {
            return Err(backend_msg(format!("append for case {case_id}: event {} is out of sequence", e.sequence)));
        }
    }
    let ctx = || format!("case {case_id}: appending events");
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO events (case_id, sequence, event_id, recorded_at, actor, event_type, schema_version, \
             payload, prev_hash, hash, prev_position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .ctx(ctx)?;
    // Each event names its case's event before it: the chain `load` walks back.
    let mut prev_position = found.as_ref().map(|c| c.last_position);
    for e in &b.events {
        insert
            .execute(params![
                &key[..],
                int(e.sequence),
                &id_bytes(e.event_id.0)[..],
                micros(&e.recorded_at),
                e.actor.as_str(),
                e.event_type,
                e.schema_version,
                e.payload,
                &e.prev_hash.as_bytes()[..],
                &e.hash.as_bytes()[..],
                prev_position,
            ])
            .ctx(ctx)?;
        let position = conn.last_insert_rowid();
        prev_position = Some(position);
        positions.push(u64::try_from(position).unwrap_or(0));
    }
    let last_position = prev_position;
    let version = int(b.expected_version + b.events.len() as u64);
    let ix = &enc.indexed;
    let ctx = || format!("case {case_id}: writing its summary");
    match &found {
        None => {
            conn.prepare_cached(
                "INSERT INTO cases (case_id, version, phase, program, client_id, priority, on_hold, next_due, \
                 opened_at, closed_at, updated_at, tags, assignees, summary, last_position) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    &key[..],
                    version,
                    ix.phase,
                    ix.program,
                    ix.client_id,
                    ix.priority,
                    enc.on_hold,
                    ix.next_due,
                    ix.opened_at,
                    ix.closed_at,
                    enc.updated_at,
                    enc.tags,
                    enc.assignees,
                    enc.summary,
                    last_position,
                ])
            })
            .ctx(ctx)?;
        }
        Some(old) if !old.changed.contains(&true) => {
            conn.prepare_cached(
                "UPDATE cases SET version = ?2, on_hold = ?3, updated_at = ?4, tags = ?5, assignees = ?6, \
                 summary = ?7, last_position = ?8 WHERE case_id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    &key[..],
                    version,
                    enc.on_hold,
                    enc.updated_at,
                    enc.tags,
                    enc.assignees,
                    enc.summary,
                    last_position
                ])
            })
            .ctx(ctx)?;
        }
        Some(old) => {
            // Only the indexed columns that changed: SQLite rewrites the entries of every
            // index whose column is assigned, even to the same value (a phase change
            // would otherwise touch all seven indexes: four more pages per commit).
            let mut sql = String::from(
                "UPDATE cases SET version = ?2, on_hold = ?3, updated_at = ?4, tags = ?5, assignees = ?6, summary = ?7, \
                 last_position = ?8",
            );
            let opt = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
            let new_values = [
                Value::Text(ix.phase.clone()),
                Value::Text(ix.program.clone()),
                Value::Blob(ix.client_id.clone()),
                Value::Text(ix.priority.clone()),
                opt(ix.next_due),
                Value::Integer(ix.opened_at),
                opt(ix.closed_at),
            ];
            let mut values: Vec<Value> = Vec::with_capacity(7);
            for ((column, value), changed) in INDEXED_COLUMNS.iter().zip(new_values).zip(old.changed) {
                if changed {
                    values.push(value);
                    let _ = write!(sql, ", {column} = ?{}", 8 + values.len());
                }
            }
            sql.push_str(" WHERE case_id = ?1");
            conn.prepare_cached(&sql)
                .and_then(|mut s| {
                    let fixed: [&dyn rusqlite::ToSql; 8] = [
                        &&key[..],
                        &version,
                        &enc.on_hold,
                        &enc.updated_at,
                        &enc.tags,
                        &enc.assignees,
                        &enc.summary,
                        &last_position,
                    ];
                    let all: Vec<&dyn rusqlite::ToSql> =
                        fixed.into_iter().chain(values.iter().map(|v| v as &dyn rusqlite::ToSql)).collect();
                    s.execute(all.as_slice())
                })
                .ctx(ctx)?;
        }
    }
    // A new case has no side rows yet; an existing one's lists as stored, where they change.
    let (old_tags, old_assignees) = match &found {
        None => (Some(""), Some("")),
        Some(c) => (c.old_tags.as_deref(), c.old_assignees.as_deref()),
    };
    if let Some(old) = old_tags.filter(|old| *old != enc.tags) {
        sync_side(conn, case_id, key, "case_tags", "tag", old, &b.summary.tags)?;
    }
    if let Some(old) = old_assignees.filter(|old| *old != enc.assignees) {
        let new: Vec<String> = b.summary.assignees.iter().map(|a| a.to_string()).collect();
        sync_side(conn, case_id, key, "case_assignees", "actor", old, &new)?;
    }
    Ok(())
}

/// What the caller of `append_streamed` hands its writer thread.
// Nearly every message is a batch: boxing it would cost an allocation per case.
#[allow(clippy::large_enum_variant)]
enum Handed {
    Batch(AppendBatch),
    /// The caller's iterator failed: roll back with this error.
    Failed(StoreError),
    /// Every batch has been handed over: commit.
    End,
}

/// The writer thread's side: the batches as they come; an error if the caller failed
/// (or is gone without saying it finished), so that nothing half-made is committed.
struct Received(mpsc::Receiver<Handed>);

impl Iterator for Received {
    type Item = Result<AppendBatch, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        match spin_recv(&self.0) {
            Ok(Handed::Batch(b)) => Some(Ok(b)),
            Ok(Handed::End) => None,
            Ok(Handed::Failed(e)) => Some(Err(e)),
            Err(_) => Some(Err(backend_msg("the append was abandoned before its last batch"))),
        }
    }
}

/// How long a thread of a streamed append keeps polling its queue before it sleeps on
/// it. While an import streams, the two threads take turns being ahead by a case or so;
/// a thread that sleeps each time must be woken by the other (a futex wake, tens of
/// microseconds on virtual machines: longer than staging or writing a case of a few
/// commands), and the two cores were measured busy only 1.3 of the time.
const SPIN: Duration = Duration::from_micros(200);

/// `rx.recv()`, polling for [`SPIN`] first (yielding the CPU now and then to a thread
/// that wants it).
fn spin_recv<T>(rx: &mpsc::Receiver<T>) -> Result<T, mpsc::RecvError> {
    let start = std::time::Instant::now();
    let mut polls: u32 = 0;
    loop {
        match rx.try_recv() {
            Ok(v) => return Ok(v),
            Err(mpsc::TryRecvError::Disconnected) => return Err(mpsc::RecvError),
            Err(mpsc::TryRecvError::Empty) => {}
        }
        polls = polls.wrapping_add(1);
        if polls % 64 == 0 {
            if start.elapsed() >= SPIN {
                return rx.recv();
            }
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

/// One streamed append, for the appender thread: the batches as the caller hands them
/// over, and where to send back each batch once written, then the outcome.
struct Job {
    batches: mpsc::Receiver<Handed>,
    back: mpsc::Sender<Back>,
}

/// What the appender thread sends back to the caller of `append_streamed`.
// Nearly every message is a batch: boxing it would cost an allocation per case.
#[allow(clippy::large_enum_variant)]
enum Back {
    /// A batch it is done with, to be freed by the caller (where it was made: freeing on
    /// the appender thread while the caller allocates contends for the allocator's locks).
    Written(AppendBatch),
    /// The append's outcome; nothing follows.
    Done(Result<Vec<u64>, StoreError>),
}

/// The appender thread: it lives as long as the store (a new thread per import cost
/// milliseconds before it first ran) and writes one streamed append at a time.
struct Appender {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The process that started the thread: a child forked since has no such thread.
    pid: u32,
}

impl Appender {
    /// Whether the thread is there to take a job.
    fn is_running(&self) -> bool {
        self.pid == std::process::id() && self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for Appender {
    fn drop(&mut self) {
        // Closing the queue ends the thread once its current job (if any) is done; the
        // writer's connection is then the store's alone again.
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            if self.pid == std::process::id() {
                let _ = t.join();
            } else {
                // A forked child: the thread was its parent's and is not here. Joining
                // would return at once (glibc counts it finished) and then panic, its
                // result never having come.
                std::mem::forget(t);
            }
        }
    }
}

/// The checkpointer thread, started for the first checkpoint a commit leaves to it, with
/// a connection of its own: it copies the WAL into the main file while the writer goes
/// on appending.
struct Checkpointer {
    requests: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The process that started the thread: a child forked since has no such thread.
    pid: u32,
}

impl Checkpointer {
    /// Asks for a checkpoint (requests made while one runs are answered by the next),
    /// starting the thread if there is none. If none can be started, the WAL goes on
    /// growing until a commit checkpoints in line.
    fn request(slot: &mut Option<Checkpointer>, path: &Path, finished: &Arc<AtomicBool>) {
        let running =
            |c: &Checkpointer| c.pid == std::process::id() && c.thread.as_ref().is_some_and(|t| !t.is_finished());
        if !slot.as_ref().is_some_and(running) {
            let (requests, queue) = mpsc::channel::<()>();
            let path = path.to_path_buf();
            let finished = Arc::clone(finished);
            let thread = std::thread::Builder::new().name("casekit-sqlite-checkpoint".into()).spawn(move || {
                let mut conn: Option<Connection> = None;
                while queue.recv().is_ok() {
                    while queue.try_recv().is_ok() {}
                    if conn.is_none() {
                        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                            | OpenFlags::SQLITE_OPEN_URI
                            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                        conn = crate::vfs::open(&path, flags).ok();
                    }
                    // PASSIVE: copies what it can without waiting for anyone; what it
                    // cannot copy (a failure too) is left for the next checkpoint.
                    if let Some(c) = &conn {
                        let _ = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    }
                    finished.store(true, Ordering::Release);
                }
            });
            *slot = thread.ok().map(|t| Checkpointer {
                requests: Some(requests),
                thread: Some(t),
                pid: std::process::id(),
            });
        }
        if let Some(requests) = slot.as_ref().and_then(|c| c.requests.as_ref()) {
            let _ = requests.send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(t) = self.thread.take() {
            if self.pid == std::process::id() {
                let _ = t.join();
            } else {
                // A forked child's copy of its parent's thread: see `Drop for Appender`.
                std::mem::forget(t);
            }
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // The appender thread first (it may be committing, and so asking for
        // checkpoints), then the checkpointer thread and its connection: the writer's
        // connection, closed with the fields, is then the file's last, which
        // checkpoints the WAL and removes it.
        drop(self.appender.get_mut().unwrap_or_else(|p| p.into_inner()).take());
        self.checkpoints.stop();
    }
}

enum Failed {
    Interrupted,
    Store(StoreError),
}

/// Runs a case-list plan: a page from the cursor, every row checked exactly against
/// the filter (the SQL bounds are supersets), more rounds if a check dropped rows.
fn run_query(conn: &Connection, mut plan: Plan, q: &StoreQuery<'_>) -> Result<Vec<CaseSummary>, Failed> {
    let fail = |e: rusqlite::Error| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) {
            Failed::Interrupted
        } else {
            Failed::Store(crate::error::backend("querying cases", e))
        }
    };
    let mut after = q.filter.after.map(|c| id_bytes(c.0).to_vec()).unwrap_or_default();
    let mut out: Vec<CaseSummary> = Vec::new();
    let mut stmt = conn.prepare_cached(&plan.sql).map_err(fail)?;
    loop {
        let want = q.limit - out.len();
        plan.page(std::mem::take(&mut after), want);
        let mut rows = stmt.query(params_from_iter(plan.params.iter())).map_err(fail)?;
        let mut seen = 0;
        while let Some(row) = rows.next().map_err(fail)? {
            seen += 1;
            let summary = summary_from_row(row).map_err(Failed::Store)?;
            after = id_bytes(summary.case_id.0).to_vec();
            // Exact check on the exact summary: the SQL bounds are supersets.
            if summary_matches(&summary, q) {
                out.push(summary);
            }
        }
        if seen < want || out.len() >= q.limit {
            return Ok(out);
        }
    }
}

fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// A case's events after `after_sequence`, walked back along the chain from the case
/// row's `last_position` (one primary-key lookup an event) and returned in order.
/// `None` if the chain is broken (an event missing, or not the case's next-to-last
/// where it should be): the caller then reads the case's events by scanning the log,
/// so that `verify` sees what is there and reports where the history breaks.
fn load_chain(
    conn: &Connection,
    case_id: CaseId,
    key: &[u8; 16],
    after_sequence: u64,
) -> Result<Option<Vec<StoredEvent>>, StoreError> {
    let ctx = || format!("case {case_id}: loading its events");
    let fail = |what: String| integrity(Some(case_id), format!("case {case_id}: stored case row: {what}"));
    let mut head = conn.prepare_cached("SELECT version, last_position FROM cases WHERE case_id = ?1").ctx(ctx)?;
    let mut rows = head.query([&key[..]]).ctx(ctx)?;
    let Some(row) = rows.next().ctx(ctx)? else { return Ok(Some(Vec::new())) };
    let version = get_u64(row, 0, "version", &fail)?;
    if version <= after_sequence {
        return Ok(Some(Vec::new()));
    }
    let Ok(ValueRef::Integer(mut at)) = row.get_ref(1) else { return Ok(None) };
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {EVENT_COLUMNS}, prev_position FROM events WHERE position = ?1"))
        .ctx(ctx)?;
    let capacity = usize::try_from(version - after_sequence).unwrap_or(0).min(4096);
    let mut out = Vec::with_capacity(capacity);
    let mut sequence = version;
    loop {
        let mut rows = stmt.query([at]).ctx(ctx)?;
        let Some(row) = rows.next().ctx(ctx)? else { return Ok(None) };
        let event = event_from_row(row, Some(case_id))?;
        if event.case_id != case_id || event.sequence != sequence {
            return Ok(None);
        }
        out.push(event);
        if sequence == after_sequence + 1 {
            break;
        }
        match row.get_ref(11) {
            Ok(ValueRef::Integer(prev)) => at = prev,
            _ => return Ok(None),
        }
        sequence -= 1;
    }
    out.reverse();
    Ok(Some(out))
}

/// A case's events after `after_sequence` by scanning the whole log (there is no index
/// by case): for a case whose chain is broken.
fn load_scan(
    conn: &Connection,
    case_id: CaseId,
    key: &[u8; 16],
    after_sequence: u64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let ctx = || format!("case {case_id}: loading its events");
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE case_id = ?1 AND sequence > ?2 ORDER BY sequence"
        ))
        .ctx(ctx)?;
    let mut rows = stmt.query(params![&key[..], clamp(after_sequence)]).ctx(ctx)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().ctx(ctx)? {
        out.push(event_from_row(row, Some(case_id))?);
    }
    Ok(out)
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn append(&self, batches: Vec<AppendBatch>) -> Result<Vec<u64>, StoreError> {
        let mut batches = batches.into_iter();
        let Some(first) = batches.next() else { return Ok(Vec::new()) };
        write_batches(&self.writer, &self.checkpoints, first, &mut batches.map(Ok), Notes::AtFlush, &mut drop)
    }

    /// Writes on a thread of its own (one per store, started by the first streamed
    /// append) while the caller's iterator makes the next batches (the engine stages a
    /// large `execute_batch` this way): the two overlap. Each batch's notes go into the
    /// text index as it is written.
    fn append_streamed(
        &self,
        batches: &mut dyn Iterator<Item = Result<AppendBatch, StoreError>>,
    ) -> Result<Vec<u64>, StoreError> {
        let Some(first) = batches.next() else { return Ok(Vec::new()) };
        let first = first?;
        let (tx, rx) = mpsc::channel::<Handed>();
        let (back_tx, back) = mpsc::channel::<Back>();
        let job = Job { batches: rx, back: back_tx };
        // A queue whose thread is gone hands the job back: start a new thread once.
        let queued = match self.appender().map(|jobs| jobs.send(job)) {
            Some(Ok(())) => true,
            Some(Err(mpsc::SendError(job))) => self.appender().is_some_and(|jobs| jobs.send(job).is_ok()),
            None => false,
        };
        if !queued {
            // No thread to spare: write on this one, as `append` does.
            return write_batches(&self.writer, &self.checkpoints, first, batches, Notes::AsWritten, &mut drop);
        }
        let mut next = Some(Ok(first));
        let mut done = None;
        while let Some(item) = next.take().or_else(|| batches.next()) {
            let failed = item.is_err();
            // A send fails once the appender has stopped (it failed): its error is the
            // one to report.
            if tx.send(item.map_or_else(Handed::Failed, Handed::Batch)).is_err() || failed {
                break;
            }
            // Free what has been written meanwhile, so that an import holds only the
            // batches in flight. An outcome this early is a failure: stop there.
            match back.try_recv() {
                Ok(Back::Written(b)) => drop(b),
                Ok(Back::Done(result)) => {
                    done = Some(result);
                    break;
                }
                Err(_) => {}
            }
        }
        let _ = tx.send(Handed::End);
        drop(tx);
        while done.is_none() {
            match spin_recv(&back) {
                Ok(Back::Written(b)) => drop(b),
                Ok(Back::Done(result)) => done = Some(result),
                Err(_) => done = Some(Err(backend_msg("the append's writer thread failed unexpectedly"))),
            }
        }
        done.unwrap_or_else(|| Err(backend_msg("the append's writer thread failed unexpectedly")))
    }

    fn load(&self, case_id: CaseId, after_sequence: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let key = id_bytes(case_id.0);
        self.read(|conn| match load_chain(conn, case_id, &key, after_sequence)? {
            Some(events) => Ok(events),
            None => load_scan(conn, case_id, &key, after_sequence),
        })
    }

    fn version(&self, case_id: CaseId) -> Result<Option<u64>, StoreError> {
        let key = id_bytes(case_id.0);
        // A point lookup the engine makes before every command: the writer's connection
        // has the row in its cache (a reader's cache is dropped after every commit).
        let conn = self.writer();
        {
            let conn = &*conn;
            let ctx = || format!("case {case_id}: reading its version");
            let v: Option<Value> = conn
                .prepare_cached("SELECT version FROM cases WHERE case_id = ?1")
                .ctx(ctx)?
                .query_row([&key[..]], |r| r.get(0))
                .optional()
                .ctx(ctx)?;
            match v {
                None => Ok(None),
                Some(Value::Integer(v)) if v >= 0 => Ok(Some(v as u64)),
                Some(other) => {
                    Err(integrity(Some(case_id), format!("case {case_id}: stored version {other:?} is not a version")))
                }
            }
        }
    }

    fn read_log(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.read(|conn| {
            let ctx = || format!("reading the log after position {after_position}");
            // No `LIMIT ?`: SQLite marks a statement whose LIMIT is a parameter to be
            // prepared again whenever that parameter is bound anew, which a cached
            // statement is on every use (its bindings are cleared when it goes back to
            // the cache): a tail of the log re-parsed and re-planned its query each time.
            // The rows come in rowid order as they are stepped, so stopping at `limit`
            // reads no more than LIMIT would.
            let mut stmt = conn
                .prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE position > ?1 ORDER BY position"))
                .ctx(ctx)?;
            let mut rows = stmt.query(params![clamp(after_position)]).ctx(ctx)?;
            let mut out = Vec::with_capacity(limit.min(4096));
            while out.len() < limit {
                let Some(row) = rows.next().ctx(ctx)? else { break };
                out.push(event_from_row(row, None)?);
            }
            Ok(out)
        })
    }

    fn query(&self, q: &StoreQuery<'_>) -> Result<Vec<CaseSummary>, StoreError> {
        let text = match &q.filter.text {
            Some(t) => match search(t) {
                Some(expr) => Some(expr),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        if q.limit == 0 {
            return Ok(Vec::new());
        }
        let answer = |r: Result<Vec<CaseSummary>, Failed>| match r {
            Ok(out) => Ok(out),
            Err(Failed::Store(e)) => Err(e),
            Err(Failed::Interrupted) => Err(backend_msg("querying cases: interrupted")),
        };
        if let Some(search) = text {
            return self.read(|conn| crate::notes::run_text_query(conn, q, &search));
        }
        let Some(range) = time_range(q) else {
            let plan = plan(q);
            return self.read(|conn| answer(run_query(conn, plan, q)));
        };
        let budget = self.options.range_walk_budget;
        let by_time = plan_by_time(q, range);
        if !keeps_few(q) || budget == 0 {
            return self.read(|conn| answer(run_query(conn, by_time, q)));
        }
        // A time range and a worker's or a client's cases: walk their index in id order
        // (cheap: they are few), but only for a bounded number of steps; past that, take
        // the range's buckets.
        let walk = plan(q);
        self.read(|conn| {
            let mut steps = 0u32;
            conn.progress_handler(
                1000,
                Some(move || {
                    steps = steps.saturating_add(1);
                    steps > budget
                }),
            )
            .ctx(|| "querying cases".into())?;
            let walked = run_query(conn, walk, q);
            conn.progress_handler(0, None::<fn() -> bool>).ctx(|| "querying cases".into())?;
            match walked {
                Err(Failed::Interrupted) => answer(run_query(conn, by_time, q)),
                other => answer(other),
            }
        })
    }

    fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let hash = sha256_hex(bytes);
        let conn = self.writer();
        conn.prepare_cached("INSERT OR IGNORE INTO blobs (sha256, bytes) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![hash, bytes]))
            .ctx(|| format!("storing blob {hash}"))?;
        Ok(hash)
    }

    fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let bytes: Option<Value> = self.read(|conn| {
            conn.prepare_cached("SELECT bytes FROM blobs WHERE sha256 = ?1")
                .and_then(|mut s| s.query_row([sha256], |r| r.get(0)).optional())
                .ctx(|| format!("reading blob {sha256}"))
        })?;
        let bytes = match bytes {
            None => return Ok(None),
            Some(Value::Blob(b)) => b,
            // Empty content may come back as an empty text or blob depending on how it
            // was written; anything else is damage.
            Some(Value::Text(t)) => t.into_bytes(),
            Some(_) => return Err(integrity(None, format!("blob {sha256} is not stored as bytes"))),
        };
        if sha256_hex(&bytes) != sha256 {
            return Err(integrity(None, format!("blob {sha256} does not match its hash")));
        }
        Ok(Some(bytes))
    }

    /// [`SqliteStore::checkpoint`]: the WAL copied into the main file and emptied.
    fn checkpoint(&self) -> Result<(), StoreError> {
        SqliteStore::checkpoint(self)
    }
}
