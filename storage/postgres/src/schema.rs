//! The schema and its forward-only migrations, recorded in `casekit_schema_version`.
//!
//! Every instance migrates on connect. The whole migration is one transaction behind an
//! advisory lock keyed on the schema name, so instances starting together migrate once
//! and never see half a schema. Steps are never edited once released: a change is a
//! new step. A schema newer than this code is refused, never touched.

use crate::error::{backend_msg, Context};
use crate::pool::{batch, quoted, Conn};
use casekit::StoreError;

/// The schema version this crate writes. A schema at a newer version is refused
/// (connect with a newer casekit-postgres); older ones are migrated forward on connect.
pub const SCHEMA_VERSION: u32 = 1;

/// Version 1: the global log, case summaries, the note word index, blobs.
///
/// - `events` keeps every event exactly as core hands it over: the payload is TEXT, not
///   jsonb (which would reorder keys and break the hash chain), and `recorded_at` is a
///   `timestamptz` (microseconds, the precision the chain hashes).
/// - `log_head` is the one row that hands out global positions. Updating it locks it
///   until commit, so appends commit in position order (see the crate docs).
/// - `cases` has a column per list filter; tags and assignees are arrays with GIN
///   indexes; `summary` is the `CaseSummary` JSON as core computed it (exact times).
/// - `note_words` holds each note's words as `casekit::store::words` cuts them, so the
///   store matches exactly the words core means, in every script.
const V1: &str = "
CREATE TABLE log_head (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    position bigint  NOT NULL
) WITH (fillfactor = 10);
INSERT INTO log_head (id, position) VALUES (true, 0);

CREATE TABLE events (
    position       bigint      PRIMARY KEY,
    case_id        uuid        NOT NULL,
    sequence       bigint      NOT NULL CHECK (sequence > 0),
    event_id       uuid        NOT NULL,
    recorded_at    timestamptz NOT NULL,
    actor          text        NOT NULL,
    event_type     text        NOT NULL,
    schema_version integer     NOT NULL,
    payload        text        NOT NULL,
    prev_hash      text        NOT NULL,
    hash           text        NOT NULL,
    UNIQUE (case_id, sequence)
);

CREATE TABLE cases (
    case_id    uuid        PRIMARY KEY,
    version    bigint      NOT NULL CHECK (version > 0),
    phase      text        NOT NULL,
    program    text        NOT NULL,
    client_id  uuid        NOT NULL,
    priority   text        NOT NULL,
    on_hold    boolean     NOT NULL,
    next_due   timestamptz,            -- floored to the microsecond, for the index
    opened_at  timestamptz NOT NULL,   -- likewise
    closed_at  timestamptz,
    updated_at timestamptz NOT NULL,
    tags       text[]      NOT NULL,
    assignees  text[]      NOT NULL,
    summary    text        NOT NULL    -- the CaseSummary JSON, exact
) WITH (fillfactor = 80);
CREATE INDEX cases_phase ON cases (phase, case_id);
CREATE INDEX cases_program ON cases (program, case_id);
CREATE INDEX cases_client ON cases (client_id, case_id);
CREATE INDEX cases_priority ON cases (priority, case_id);
CREATE INDEX cases_on_hold ON cases (case_id) WHERE on_hold;
CREATE INDEX cases_next_due ON cases (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX cases_opened ON cases (opened_at);
CREATE INDEX cases_closed ON cases (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX cases_tags ON cases USING gin (tags);
CREATE INDEX cases_assignees ON cases USING gin (assignees);

CREATE TABLE note_words (
    word         text    NOT NULL,
    case_id      uuid    NOT NULL,
    note_id      uuid    NOT NULL,
    confidential boolean NOT NULL,
    PRIMARY KEY (word, case_id, note_id)
);

CREATE TABLE blobs (
    sha256 text  PRIMARY KEY,   -- lowercase hex of the bytes' SHA-256
    bytes  bytea NOT NULL
);
";

struct Migration {
    version: u32,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[Migration { version: 1, sql: V1 }];

/// A stable advisory-lock key for migrating `schema` (FNV-1a over its name).
fn migration_lock_key(schema: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"casekit-postgres migrate ".iter().chain(schema.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

fn too_new(schema: &str, found: u32) -> StoreError {
    backend_msg(format!(
        "schema {schema} is at casekit-postgres schema version {found}, newer than this casekit-postgres \
         supports ({SCHEMA_VERSION}); connect with a newer casekit-postgres"
    ))
}

/// The schema's version (0: not created yet).
pub(crate) fn current_version(conn: &mut Conn, schema: &str) -> Result<u32, StoreError> {
    let ctx = || format!("reading the version of schema {schema}");
    let exists: bool = conn
        .client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = \
             'casekit_schema_version')",
            &[&schema],
        )
        .and_then(|r| r.try_get(0))
        .ctx(ctx)?;
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = conn
        .client
        .query_one(&format!("SELECT max(version) FROM {}.casekit_schema_version", quoted(schema)), &[])
        .and_then(|r| r.try_get(0))
        .ctx(ctx)?;
    let v = v.unwrap_or(0);
    u32::try_from(v).map_err(|_| backend_msg(format!("schema {schema} records version {v}, not one casekit wrote")))
}

/// Brings `schema` up to [`SCHEMA_VERSION`]; returns the version it was at.
pub(crate) fn migrate(conn: &mut Conn, schema: &str) -> Result<u32, StoreError> {
    // The common case, without taking any lock: already current.
    let found = current_version(conn, schema)?;
    if found == SCHEMA_VERSION {
        return Ok(found);
    }
    if found > SCHEMA_VERSION {
        return Err(too_new(schema, found));
    }
    batch(conn, "BEGIN", || format!("migrating schema {schema}"))?;
    let result = migrate_locked(conn, schema);
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = batch(conn, end, || format!("migrating schema {schema}: {end}"));
    if ended.is_err() && result.is_ok() {
        conn.broken = true;
    }
    let found = result?;
    ended?;
    Ok(found)
}

fn migrate_locked(conn: &mut Conn, schema: &str) -> Result<u32, StoreError> {
    let ctx = || format!("migrating schema {schema}");
    conn.client.execute("SELECT pg_advisory_xact_lock($1)", &[&migration_lock_key(schema)]).ctx(ctx)?;
    // Under the lock: another instance may have migrated meanwhile.
    let exists: bool = conn
        .client
        .query_one("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)", &[&schema])
        .and_then(|r| r.try_get(0))
        .ctx(ctx)?;
    if !exists {
        // Only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
        // database even when the schema is there.
        batch(conn, &format!("CREATE SCHEMA {}", quoted(schema)), ctx)?;
    }
    batch(
        conn,
        &format!(
            "CREATE TABLE IF NOT EXISTS {}.casekit_schema_version (
                 version    integer     PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
            quoted(schema)
        ),
        ctx,
    )?;
    // The search path named the schema before it existed; set it again so the steps'
    // unqualified names land in it.
    batch(conn, &format!("SET LOCAL search_path TO {}, pg_catalog", quoted(schema)), ctx)?;
    let found = current_version(conn, schema)?;
    if found > SCHEMA_VERSION {
        return Err(too_new(schema, found));
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        let step = || format!("migrating schema {schema} to version {}", m.version);
        batch(conn, m.sql, step)?;
        let v = i32::try_from(m.version).map_err(|_| backend_msg(step()))?;
        conn.client.execute("INSERT INTO casekit_schema_version (version) VALUES ($1)", &[&v]).ctx(step)?;
    }
    Ok(found)
}
