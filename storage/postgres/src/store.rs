//! `PostgresStore`: connecting, appends, reads, queries and blobs.

use crate::codec::{event_from_row, get, int, is_whole_micros, summary_from_row};
use crate::error::{backend, backend_msg, integrity, is_connection_lost, is_retryable, is_unique_violation, Context};
use crate::pool::{batch, Conn, Connector, Pool};
use crate::query::plan;
use crate::schema;
use casekit::event::sha256_hex;
use casekit::store::{summary_matches, words, AppendBatch, CaseSummary, StoreQuery};
use casekit::{CaseId, Store, StoreError, StoredEvent, Timestamp};
use postgres::types::ToSql;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How a store connects. `PostgresOptions::default()` is what [`PostgresStore::connect`]
/// uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The schema holding the store's tables (created on first connect). Several
    /// stores can share one database under different schemas. Default `casekit`.
    /// ASCII letters, digits and `_`, at most 48 bytes.
    pub schema: String,
    /// The most connections the store opens (they are opened on demand). Default 8.
    pub pool_size: usize,
    /// How long opening a connection may take, unless the URL sets `connect_timeout`.
    /// Default 10 s.
    pub connect_timeout: Duration,
    /// How long a call waits for a free connection when all `pool_size` are busy
    /// before it fails with a storage error. Default 30 s.
    pub checkout_timeout: Duration,
    /// Certificate authorities (PEM) trusted for TLS besides the system's, e.g. a
    /// cloud provider's or a private CA. Needs the `tls` feature. Default none.
    pub tls_root_certificates: Vec<Vec<u8>>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: "casekit".into(),
            pool_size: 8,
            connect_timeout: Duration::from_secs(10),
            checkout_timeout: Duration::from_secs(30),
            tls_root_certificates: Vec::new(),
        }
    }
}

/// A casekit store in a PostgreSQL database, shared by any number of application
/// instances. `Send + Sync`: share it (or the `Casebook` over it) between threads.
///
/// See the crate docs for what it guarantees under concurrency.
pub struct PostgresStore {
    pool: Arc<Pool>,
    options: PostgresOptions,
    channel: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may carry a password.
        f.debug_struct("PostgresStore").field("options", &self.options).finish()
    }
}

/// How many times an append refused by a deadlock or serialization failure, or whose
/// connection was lost before it started, is run again before the error is returned.
const APPEND_ATTEMPTS: usize = 4;

/// The notification channel of a schema's log.
pub(crate) fn channel(schema: &str) -> String {
    format!("casekit_log_{schema}")
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`, or the
    /// `key=value` form) with the default options, and migrates the `casekit` schema
    /// forward (creating it on first use). Refuses a schema written by a newer
    /// casekit-postgres.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PostgresOptions::default())
    }

    /// Connects with `options` and migrates the schema forward.
    pub fn connect_with(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let connector = Connector::new(url, &options)?;
        let pool = Arc::new(Pool::new(connector, options.pool_size, options.checkout_timeout));
        let store = PostgresStore { pool, channel: channel(&options.schema), options };
        store.migrate()?;
        Ok(store)
    }

    /// Brings the schema up to [`crate::SCHEMA_VERSION`] (a no-op when it is there).
    /// [`connect`](Self::connect) runs it; it is safe to run from many instances at once.
    pub fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get()?;
        schema::migrate(&mut conn, &self.options.schema).map(|_| ())
    }

    /// The schema version recorded in the database (0: not created).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let mut conn = self.pool.get()?;
        schema::current_version(&mut conn, &self.options.schema)
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &PostgresOptions {
        &self.options
    }

    /// The schema the store lives in.
    pub fn schema(&self) -> &str {
        &self.options.schema
    }

    pub(crate) fn connector(&self) -> &Connector {
        self.pool.connector()
    }

    /// Runs a read on a pooled connection; a connection found lost is replaced once
    /// (reads are safe to repeat).
    fn read<T>(&self, mut f: impl FnMut(&mut Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.get()?;
            match f(&mut conn) {
                Err(_) if conn.broken && attempt < 2 => continue,
                result => return result,
            }
        }
    }
}

/// What an append writes for one batch, computed before touching the database.
struct Encoded {
    phase: String,
    program: String,
    client_id: Uuid,
    priority: String,
    on_hold: bool,
    next_due: Option<Timestamp>,
    opened_at: Timestamp,
    closed_at: Option<Timestamp>,
    updated_at: Timestamp,
    tags: Vec<String>,
    assignees: Vec<String>,
    summary: String,
}

fn encode(b: &AppendBatch) -> Result<Encoded, StoreError> {
    use crate::codec::floor_micros as floor;
    let s = &b.summary;
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
    let summary =
        serde_json::to_string(s).map_err(|e| backend_msg(format!("case {}: encoding the summary: {e}", b.case_id)))?;
    Ok(Encoded {
        phase: s.phase.as_str().to_owned(),
        program: s.program.to_string(),
        client_id: s.client_id.0,
        priority: s.priority.as_str().to_owned(),
        on_hold: s.on_hold,
        next_due: s.next_due.as_ref().map(floor),
        opened_at: floor(&s.opened_at),
        closed_at: s.closed_at.as_ref().map(floor),
        updated_at: floor(&s.updated_at),
        tags: s.tags.clone(),
        assignees: s.assignees.iter().map(|a| a.to_string()).collect(),
        summary,
    })
}

/// The events of an append as column arrays, for one `unnest` insert.
#[derive(Default)]
struct EventColumns {
    case_id: Vec<Uuid>,
    sequence: Vec<i64>,
    event_id: Vec<Uuid>,
    recorded_at: Vec<Timestamp>,
    actor: Vec<String>,
    event_type: Vec<String>,
    schema_version: Vec<i32>,
    payload: Vec<String>,
    prev_hash: Vec<String>,
    hash: Vec<String>,
}

impl EventColumns {
    fn of(batches: &[AppendBatch]) -> Result<EventColumns, StoreError> {
        let mut c = EventColumns::default();
        for e in batches.iter().flat_map(|b| &b.events) {
            c.case_id.push(e.case_id.0);
            c.sequence.push(int(e.sequence));
            c.event_id.push(e.event_id.0);
            c.recorded_at.push(e.recorded_at);
            c.actor.push(e.actor.to_string());
            c.event_type.push(e.event_type.to_string());
            c.schema_version.push(i32::try_from(e.schema_version).map_err(|_| {
                backend_msg(format!("case {}: event {}: schema version out of range", e.case_id, e.sequence))
            })?);
            c.payload.push(e.payload.clone());
            c.prev_hash.push(e.prev_hash.to_string());
            c.hash.push(e.hash.to_string());
        }
        Ok(c)
    }
}

/// The note words of an append, for one `unnest` insert.
#[derive(Default)]
struct NoteColumns {
    word: Vec<String>,
    case_id: Vec<Uuid>,
    note_id: Vec<Uuid>,
    confidential: Vec<bool>,
}

impl NoteColumns {
    fn of(batches: &[AppendBatch]) -> NoteColumns {
        let mut c = NoteColumns::default();
        for b in batches {
            for n in &b.notes {
                let distinct: BTreeSet<String> = words(&n.text).collect();
                for w in distinct {
                    c.word.push(w);
                    c.case_id.push(b.case_id.0);
                    c.note_id.push(n.note_id.0);
                    c.confidential.push(n.confidential);
                }
            }
        }
        c
    }
}

const LOCK_CASES: &str = "SELECT case_id FROM cases WHERE case_id = ANY($1) ORDER BY case_id FOR UPDATE";

const INSERT_CASE: &str = "INSERT INTO cases (case_id, version, phase, program, client_id, priority, on_hold, \
     next_due, opened_at, closed_at, updated_at, tags, assignees, summary) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (case_id) DO NOTHING";

const UPDATE_CASE: &str = "UPDATE cases SET version = $2, phase = $3, program = $4, client_id = $5, priority = $6, \
     on_hold = $7, next_due = $8, opened_at = $9, closed_at = $10, updated_at = $11, tags = $12, assignees = $13, \
     summary = $14 WHERE case_id = $1 AND version = $15";

const VERSION: &str = "SELECT version FROM cases WHERE case_id = $1";

const INSERT_NOTES: &str = "INSERT INTO note_words (word, case_id, note_id, confidential) \
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::boolean[]) ON CONFLICT DO NOTHING";

/// Takes the log head (locking it until commit: see the crate docs), numbers the
/// events from it, inserts them, and queues the notification that wakes followers.
const INSERT_EVENTS: &str = "WITH head AS ( \
         UPDATE log_head SET position = position + $1 RETURNING position - $1 AS base \
     ), ins AS ( \
         INSERT INTO events (position, case_id, sequence, event_id, recorded_at, actor, event_type, \
             schema_version, payload, prev_hash, hash) \
         SELECT head.base + e.n, e.case_id, e.sequence, e.event_id, e.recorded_at, e.actor, e.event_type, \
             e.schema_version, e.payload, e.prev_hash, e.hash \
         FROM head, unnest($2::uuid[], $3::bigint[], $4::uuid[], $5::timestamptz[], $6::text[], $7::text[], \
             $8::integer[], $9::text[], $10::text[], $11::text[]) \
             WITH ORDINALITY AS e(case_id, sequence, event_id, recorded_at, actor, event_type, schema_version, \
             payload, prev_hash, hash, n) \
         RETURNING position \
     ) \
     SELECT (SELECT min(position) FROM ins), (SELECT count(*) FROM ins), pg_notify($12, '') IS NULL";

macro_rules! event_select {
    ($rest:literal) => {
        concat!(
            "SELECT position, event_id, case_id, sequence, recorded_at, actor, event_type, schema_version, payload, \
             prev_hash, hash FROM events ",
            $rest
        )
    };
}

const LOAD: &str = event_select!("WHERE case_id = $1 AND sequence > $2 ORDER BY sequence");
const READ_LOG: &str = event_select!("WHERE position > $1 ORDER BY position LIMIT $2");

/// A one-case append as one statement (so one round trip, committed on its own): the
/// case row written only at the expected version (`$case`, returning the case id), then
/// — only if it was — the note words, the log head (locked from here to the commit),
/// the events numbered from it, and the notification. Returns the rows the case write
/// touched, the first position and the events stored.
macro_rules! append_one {
    ($case:literal) => {
        concat!(
            "WITH upd AS (",
            $case,
            "), notes AS ( \
                 INSERT INTO note_words (word, case_id, note_id, confidential) \
                 SELECT w.word, $1::uuid, w.note_id, w.confidential \
                 FROM unnest($26::text[], $27::uuid[], $28::boolean[]) AS w(word, note_id, confidential) \
                 WHERE EXISTS (SELECT 1 FROM upd) ON CONFLICT DO NOTHING \
             ), head AS ( \
                 UPDATE log_head SET position = position + $16 WHERE EXISTS (SELECT 1 FROM upd) \
                 RETURNING position - $16 AS base \
             ), ins AS ( \
                 INSERT INTO events (position, case_id, sequence, event_id, recorded_at, actor, event_type, \
                     schema_version, payload, prev_hash, hash) \
                 SELECT head.base + e.n, $1::uuid, e.sequence, e.event_id, e.recorded_at, e.actor, e.event_type, \
                     e.schema_version, e.payload, e.prev_hash, e.hash \
                 FROM head, unnest($17::bigint[], $18::uuid[], $19::timestamptz[], $20::text[], $21::text[], \
                     $22::integer[], $23::text[], $24::text[], $25::text[]) \
                     WITH ORDINALITY AS e(sequence, event_id, recorded_at, actor, event_type, schema_version, \
                     payload, prev_hash, hash, n) \
                 RETURNING position \
             ) \
             SELECT (SELECT count(*) FROM upd), (SELECT min(position) FROM ins), (SELECT count(*) FROM ins), \
                 (SELECT count(*) FROM (SELECT pg_notify($29, '') FROM upd) AS n)"
        )
    };
}

const APPEND_NEW_CASE: &str = append_one!(
    "INSERT INTO cases (case_id, version, phase, program, client_id, priority, on_hold, next_due, opened_at, \
     closed_at, updated_at, tags, assignees, summary) \
     SELECT $1::uuid, $2::bigint, $3::text, $4::text, $5::uuid, $6::text, $7::boolean, $8::timestamptz, \
     $9::timestamptz, $10::timestamptz, $11::timestamptz, $12::text[], $13::text[], $14::text \
     WHERE $15::bigint = 0 ON CONFLICT (case_id) DO NOTHING RETURNING case_id"
);

const APPEND_TO_CASE: &str = append_one!(
    "UPDATE cases SET version = $2, phase = $3, program = $4, client_id = $5, priority = $6, on_hold = $7, \
     next_due = $8, opened_at = $9, closed_at = $10, updated_at = $11, tags = $12, assignees = $13, \
     summary = $14 WHERE case_id = $1 AND version = $15 RETURNING case_id"
);

/// Whether a batch's events are the case's next ones, in order.
fn in_sequence(b: &AppendBatch) -> bool {
    b.events.iter().enumerate().all(|(i, e)| e.case_id == b.case_id && e.sequence == b.expected_version + i as u64 + 1)
}

/// A one-case append in one statement. Inside an explicit transaction only when a test
/// holds commits open ([`crate::testing::pause_before_commit`]).
fn append_single(conn: &mut Conn, channel: &str, b: &AppendBatch, enc: &Encoded) -> Result<Vec<u64>, Failed> {
    let case_id = b.case_id;
    #[cfg(feature = "testing")]
    let in_transaction = crate::testing::pausing();
    #[cfg(not(feature = "testing"))]
    let in_transaction = false;
    if in_transaction {
        if let Err(e) = conn.client.batch_execute("BEGIN") {
            conn.saw(&e);
            let lost = is_connection_lost(&e);
            let err = backend(format!("case {case_id}: starting the append"), e);
            return Err(if lost { Failed::Retry(err) } else { Failed::Final(err) });
        }
    }
    let version = int(b.expected_version + b.events.len() as u64);
    let expected = int(b.expected_version);
    let ev = EventColumns::of(std::slice::from_ref(b)).map_err(Failed::Final)?;
    let notes = NoteColumns::of(std::slice::from_ref(b));
    let count = int(ev.sequence.len() as u64);
    let params: [&(dyn ToSql + Sync); 29] = [
        &case_id.0,
        &version,
        &enc.phase,
        &enc.program,
        &enc.client_id,
        &enc.priority,
        &enc.on_hold,
        &enc.next_due,
        &enc.opened_at,
        &enc.closed_at,
        &enc.updated_at,
        &enc.tags,
        &enc.assignees,
        &enc.summary,
        &expected,
        &count,
        &ev.sequence,
        &ev.event_id,
        &ev.recorded_at,
        &ev.actor,
        &ev.event_type,
        &ev.schema_version,
        &ev.payload,
        &ev.prev_hash,
        &ev.hash,
        &notes.word,
        &notes.note_id,
        &notes.confidential,
        &channel,
    ];
    let sql = if b.expected_version == 0 { APPEND_NEW_CASE } else { APPEND_TO_CASE };
    let result = conn.query(sql, &params);
    let end = |conn: &mut Conn, sql: &str| -> Result<(), Failed> {
        if !in_transaction {
            return Ok(());
        }
        #[cfg(feature = "testing")]
        if sql == "COMMIT" {
            crate::testing::before_commit();
        }
        conn.client.batch_execute(sql).map_err(|e| {
            conn.saw(&e);
            conn.broken = true;
            Failed::Final(backend(format!("case {case_id}: {sql}"), e))
        })
    };
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            end(conn, "ROLLBACK")?;
            if is_unique_violation(&e) {
                return Err(Failed::Final(duplicate_conflict(
                    conn,
                    std::slice::from_ref(b),
                    backend("appending events", e),
                )));
            }
            if is_connection_lost(&e) && !in_transaction {
                // The statement commits itself: it may have, before the connection broke.
                return Err(Failed::Final(backend(
                    format!(
                        "case {case_id}: the connection was lost during the append; it may or may not have \
                         been stored (check the case's version)"
                    ),
                    e,
                )));
            }
            return Err(failed(conn, format!("case {case_id}: appending"), e));
        }
    };
    let fail = |what: String| Failed::Final(backend_msg(format!("case {case_id}: appending: {what}")));
    let row = rows.first().ok_or_else(|| fail("no result came back".into()))?;
    let touched: i64 = row.try_get(0).map_err(|e| fail(e.to_string()))?;
    let first: Option<i64> = row.try_get(1).map_err(|e| fail(e.to_string()))?;
    let inserted: i64 = row.try_get(2).map_err(|e| fail(e.to_string()))?;
    if touched != 1 {
        end(conn, "ROLLBACK")?;
        let actual = version_in(conn, case_id).map_err(Failed::Final)?;
        return Err(Failed::Final(StoreError::Conflict { case_id, expected: b.expected_version, actual }));
    }
    let first = first.and_then(|p| u64::try_from(p).ok());
    let Some(first) = first.filter(|_| inserted == count) else {
        end(conn, "ROLLBACK")?;
        return Err(fail(format!("{inserted} of {count} events were stored")));
    };
    end(conn, "COMMIT")?;
    Ok((first..first + count as u64).collect())
}

/// Why an attempt at an append failed.
enum Failed {
    /// Nothing was written and running it again may succeed.
    Retry(StoreError),
    /// The answer.
    Final(StoreError),
    /// An event's (case, sequence) is already stored: a conflict, to be named once the
    /// transaction is rolled back.
    Duplicate(StoreError),
}

/// After a duplicate (case, sequence): the first batch whose case already holds events
/// past its expected version, as a conflict with the version actually stored.
fn duplicate_conflict(conn: &mut Conn, batches: &[AppendBatch], err: StoreError) -> StoreError {
    for b in batches {
        let rows = conn.query("SELECT max(sequence) FROM events WHERE case_id = $1", &[&b.case_id.0]);
        let stored: Option<i64> = match rows.as_ref().ok().and_then(|r| r.first()).map(|r| r.try_get(0)) {
            Some(Ok(v)) => v,
            _ => return err,
        };
        let actual = stored.and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
        if actual > b.expected_version {
            return StoreError::Conflict { case_id: b.case_id, expected: b.expected_version, actual };
        }
    }
    err
}

/// Reads a case's committed version inside the current transaction (0: none).
fn version_in(conn: &mut Conn, case_id: CaseId) -> Result<u64, StoreError> {
    let ctx = || format!("case {case_id}: reading its version");
    let rows = conn.query(VERSION, &[&case_id.0]).ctx(ctx)?;
    let fail = |what: String| integrity(Some(case_id), format!("case {case_id}: stored version: {what}"));
    match rows.first() {
        None => Ok(0),
        Some(row) => crate::codec::get_u64(row, 0, "version", &fail),
    }
}

/// Classifies a driver error met inside the append's transaction.
fn failed(conn: &mut Conn, context: String, err: postgres::Error) -> Failed {
    conn.saw(&err);
    if is_retryable(&err) {
        Failed::Retry(backend(context, err))
    } else {
        Failed::Final(backend(context, err))
    }
}

fn append_once(
    conn: &mut Conn,
    channel: &str,
    batches: &[AppendBatch],
    encoded: &[Encoded],
) -> Result<Vec<u64>, Failed> {
    let first = batches.first().map(|b| b.case_id).unwrap_or(CaseId(Uuid::nil()));
    if let Err(e) = conn.client.batch_execute("BEGIN") {
        conn.saw(&e);
        let lost = is_connection_lost(&e);
        let err = backend(format!("case {first}: starting the append"), e);
        // Nothing was sent that could have been stored: safe to run again elsewhere.
        return Err(if lost { Failed::Retry(err) } else { Failed::Final(err) });
    }
    let written = write(conn, channel, batches, encoded);
    let positions = match written {
        Ok(p) => p,
        Err(f) => {
            if batch(conn, "ROLLBACK", || "rolling back".into()).is_err() {
                conn.broken = true;
                return Err(f);
            }
            return Err(match f {
                Failed::Duplicate(e) => Failed::Final(duplicate_conflict(conn, batches, e)),
                other => other,
            });
        }
    };
    #[cfg(feature = "testing")]
    crate::testing::before_commit();
    match conn.client.batch_execute("COMMIT") {
        Ok(()) => Ok(positions),
        Err(e) => {
            conn.saw(&e);
            if is_connection_lost(&e) {
                // The server may have committed before the connection broke.
                return Err(Failed::Final(backend(
                    format!(
                        "case {first}: the connection was lost while committing; the append may or may not \
                         have been stored (check the case's version)"
                    ),
                    e,
                )));
            }
            if batch(conn, "ROLLBACK", || "rolling back".into()).is_err() {
                conn.broken = true;
            }
            Err(failed(conn, format!("case {first}: committing"), e))
        }
    }
}

/// The statements of one append, inside its transaction.
fn write(conn: &mut Conn, channel: &str, batches: &[AppendBatch], encoded: &[Encoded]) -> Result<Vec<u64>, Failed> {
    let cases: BTreeSet<Uuid> = batches.iter().map(|b| b.case_id.0).collect();
    if cases.len() > 1 {
        // Lock the existing rows in one order, so two multi-case appends cannot
        // deadlock by locking the same cases in opposite orders.
        let ids: Vec<Uuid> = cases.into_iter().collect();
        if let Err(e) = conn.query(LOCK_CASES, &[&ids]) {
            return Err(failed(conn, "locking the cases of a batch".into(), e));
        }
    }
    for (b, enc) in batches.iter().zip(encoded) {
        let case_id = b.case_id;
        let version = int(b.expected_version + b.events.len() as u64);
        let expected = int(b.expected_version);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &case_id.0,
            &version,
            &enc.phase,
            &enc.program,
            &enc.client_id,
            &enc.priority,
            &enc.on_hold,
            &enc.next_due,
            &enc.opened_at,
            &enc.closed_at,
            &enc.updated_at,
            &enc.tags,
            &enc.assignees,
            &enc.summary,
        ];
        // The expected-version check is the database's: the row is written only if
        // it is (still) at the expected version; a concurrent writer's lock is waited
        // for and its commit re-checked.
        let touched = if b.expected_version == 0 {
            conn.execute(INSERT_CASE, &params)
        } else {
            params.push(&expected);
            conn.execute(UPDATE_CASE, &params)
        };
        let touched = match touched {
            Ok(n) => n,
            Err(e) => return Err(failed(conn, format!("case {case_id}: writing its summary"), e)),
        };
        if touched != 1 {
            let actual = version_in(conn, case_id).map_err(Failed::Final)?;
            return Err(Failed::Final(StoreError::Conflict { case_id, expected: b.expected_version, actual }));
        }
        for (i, e) in b.events.iter().enumerate() {
            if e.case_id != case_id || e.sequence != b.expected_version + i as u64 + 1 {
                return Err(Failed::Final(backend_msg(format!(
                    "append for case {case_id}: event {} is out of sequence",
                    e.sequence
                ))));
            }
        }
    }
    let notes = NoteColumns::of(batches);
    if !notes.word.is_empty() {
        if let Err(e) = conn.execute(INSERT_NOTES, &[&notes.word, &notes.case_id, &notes.note_id, &notes.confidential])
        {
            return Err(failed(conn, "indexing notes".into(), e));
        }
    }
    let ev = EventColumns::of(batches).map_err(Failed::Final)?;
    let n = ev.case_id.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = int(n as u64);
    let rows = conn.query(
        INSERT_EVENTS,
        &[
            &count,
            &ev.case_id,
            &ev.sequence,
            &ev.event_id,
            &ev.recorded_at,
            &ev.actor,
            &ev.event_type,
            &ev.schema_version,
            &ev.payload,
            &ev.prev_hash,
            &ev.hash,
            &channel,
        ],
    );
    let rows = match rows {
        Ok(r) => r,
        Err(e) if is_unique_violation(&e) => {
            // The backstop, UNIQUE (case_id, sequence): the version checks above make it
            // unreachable unless the tables were changed behind the store's back.
            return Err(Failed::Duplicate(backend("appending events", e)));
        }
        Err(e) => return Err(failed(conn, "appending events".into(), e)),
    };
    let fail = |what: String| Failed::Final(backend_msg(format!("appending events: {what}")));
    let row = rows.first().ok_or_else(|| fail("no positions came back".into()))?;
    let first: Option<i64> = row.try_get(0).map_err(|e| fail(e.to_string()))?;
    let inserted: i64 = row.try_get(1).map_err(|e| fail(e.to_string()))?;
    let first = first.and_then(|p| u64::try_from(p).ok()).ok_or_else(|| fail("no positions came back".into()))?;
    if inserted != count {
        return Err(fail(format!("{inserted} of {n} events were stored")));
    }
    Ok((first..first + n as u64).collect())
}

impl Store for PostgresStore {
    fn append(&self, batches: Vec<AppendBatch>) -> Result<Vec<u64>, StoreError> {
        let batches = batches.as_slice();
        if batches.is_empty() {
            return Ok(Vec::new());
        }
        let encoded = batches.iter().map(encode).collect::<Result<Vec<_>, _>>()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.get()?;
            // One case (what every command is): one statement. Several: a transaction.
            let attempt_result = match (batches, encoded.as_slice()) {
                ([b], [enc]) if !b.events.is_empty() && in_sequence(b) => {
                    append_single(&mut conn, &self.channel, b, enc)
                }
                _ => append_once(&mut conn, &self.channel, batches, &encoded),
            };
            match attempt_result {
                Ok(positions) => return Ok(positions),
                Err(Failed::Retry(_)) if attempt < APPEND_ATTEMPTS => {
                    drop(conn);
                    // A short, growing pause lets the other transaction finish.
                    std::thread::sleep(Duration::from_millis(2 << attempt));
                }
                Err(Failed::Retry(e) | Failed::Final(e) | Failed::Duplicate(e)) => return Err(e),
            }
        }
    }

    fn load(&self, case_id: CaseId, after_sequence: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let after = int(after_sequence);
        self.read(|conn| {
            let rows = conn.query(LOAD, &[&case_id.0, &after]).ctx(|| format!("case {case_id}: loading its events"))?;
            rows.iter().map(|r| event_from_row(r, Some(case_id))).collect()
        })
    }

    fn version(&self, case_id: CaseId) -> Result<Option<u64>, StoreError> {
        self.read(|conn| {
            let rows = conn.query(VERSION, &[&case_id.0]).ctx(|| format!("case {case_id}: reading its version"))?;
            let fail = |what: String| integrity(Some(case_id), format!("case {case_id}: stored version: {what}"));
            rows.first().map(|row| crate::codec::get_u64(row, 0, "version", &fail)).transpose()
        })
    }

    fn read_log(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.read(|conn| read_log_on(conn, after_position, limit))
    }

    fn query(&self, q: &StoreQuery<'_>) -> Result<Vec<CaseSummary>, StoreError> {
        if q.limit == 0 {
            return Ok(Vec::new());
        }
        let Some(plan) = plan(q) else { return Ok(Vec::new()) };
        self.read(|conn| {
            let mut out = Vec::new();
            let mut after = q.filter.after;
            loop {
                // Rows the SQL keeps may still fail the exact time checks: ask for what
                // is missing, and go on after the last row seen until the page is full
                // or the rows run out.
                let want = q.limit - out.len();
                let (sql, extra) = plan.round(after, want);
                let params: Vec<&(dyn ToSql + Sync)> =
                    plan.params().chain(extra.iter().map(|p| &**p as &(dyn ToSql + Sync))).collect();
                let rows = conn.client.query(&sql, &params).map_err(|e| {
                    conn.saw(&e);
                    backend("querying cases", e)
                })?;
                for row in &rows {
                    let summary = summary_from_row(row)?;
                    after = Some(summary.case_id);
                    if summary_matches(&summary, q) {
                        out.push(summary);
                    }
                }
                if rows.len() < want || out.len() >= q.limit {
                    return Ok(out);
                }
            }
        })
    }

    fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let hash = sha256_hex(bytes);
        self.read(|conn| {
            conn.execute(
                "INSERT INTO blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
                &[&hash, &bytes],
            )
            .ctx(|| format!("storing blob {hash}"))
        })?;
        Ok(hash)
    }

    fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = self.read(|conn| {
            conn.query("SELECT bytes FROM blobs WHERE sha256 = $1", &[&sha256]).ctx(|| format!("reading blob {sha256}"))
        })?;
        let Some(row) = rows.first() else { return Ok(None) };
        let fail = |what: String| integrity(None, format!("blob {sha256}: {what}"));
        let bytes: Vec<u8> = get(row, 0, "bytes", &fail)?;
        if sha256_hex(&bytes) != sha256 {
            return Err(integrity(None, format!("blob {sha256} does not match its hash")));
        }
        Ok(Some(bytes))
    }
}

/// The global log after `after_position`, on `conn` (the store's or a follower's).
pub(crate) fn read_log_on(conn: &mut Conn, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
    let after = int(after_position);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows =
        conn.query(READ_LOG, &[&after, &limit]).ctx(|| format!("reading the log after position {after_position}"))?;
    rows.iter().map(|r| event_from_row(r, None)).collect()
}
