//! The schema and its forward-only migrations, keyed on `PRAGMA user_version`.
//!
//! A file is migrated on open, step by step, each step in its own `BEGIN IMMEDIATE`
//! transaction that re-reads the version first (another process may have migrated the
//! file meanwhile). Steps are never edited once released: a change to the schema is a
//! new step. `tests/migrations.rs` opens files built at every earlier version.

use crate::error::{backend, backend_msg, Context};
use casekit::StoreError;
use rusqlite::Connection;

/// The schema version this crate writes. A file at a newer version is refused (open it
/// with a newer casekit-sqlite); older files are migrated forward on open.
pub const SCHEMA_VERSION: u32 = 7;

/// Version 1: events, case summaries with their first indexes, tags, assignees, blobs.
const V1: &str = "
CREATE TABLE events (
    position       INTEGER PRIMARY KEY,          -- the global log order
    case_id        BLOB    NOT NULL,             -- 16-byte UUID
    sequence       INTEGER NOT NULL,             -- 1, 2, ... per case
    event_id       BLOB    NOT NULL,
    recorded_at    INTEGER NOT NULL,             -- microseconds since the epoch, UTC
    actor          TEXT    NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,             -- the event JSON exactly as hashed
    prev_hash      BLOB    NOT NULL,             -- 32 bytes (or the text, if not hex)
    hash           BLOB    NOT NULL,
    UNIQUE (case_id, sequence)
);
CREATE TABLE cases (
    case_id    BLOB    PRIMARY KEY,
    version    INTEGER NOT NULL,
    phase      TEXT    NOT NULL,
    program    TEXT    NOT NULL,
    client_id  BLOB    NOT NULL,
    priority   TEXT    NOT NULL,
    on_hold    INTEGER NOT NULL,
    next_due   INTEGER,                          -- microseconds, floored
    opened_at  INTEGER NOT NULL,
    closed_at  INTEGER,
    updated_at INTEGER NOT NULL,
    tags       TEXT    NOT NULL,                 -- JSON array, mirrored in case_tags
    assignees  TEXT    NOT NULL,                 -- JSON array, mirrored in case_assignees
    summary    TEXT    NOT NULL                  -- the CaseSummary JSON as core computed it
) WITHOUT ROWID;
CREATE INDEX cases_phase ON cases (phase, case_id, program);
CREATE INDEX cases_program ON cases (program, case_id);
CREATE INDEX cases_client ON cases (client_id, case_id, program);
CREATE TABLE case_tags (
    tag     TEXT NOT NULL,
    case_id BLOB NOT NULL,
    PRIMARY KEY (tag, case_id)
) WITHOUT ROWID;
CREATE TABLE case_assignees (
    actor   TEXT NOT NULL,
    case_id BLOB NOT NULL,
    PRIMARY KEY (actor, case_id)
) WITHOUT ROWID;
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,                     -- lowercase hex of the bytes' SHA-256
    bytes  BLOB NOT NULL
);
";

/// Version 2: full-text search over notes. The index holds each note's words as
/// `casekit::store::words` cuts them, joined by spaces, under FTS5's `ascii` tokenizer
/// (which then only splits on the spaces): so the store matches exactly the words core
/// means, in every script. Contentless: the text itself stays in the events.
///
/// A new note's words wait in `notes.pending` (as ` w1 w2 ... `) and move into the FTS
/// index in bulk every few hundred notes: one FTS5 segment per note commit would cost
/// more than the rest of the append. Searches look at both. The waiting notes are those
/// after `notes_indexed.upto`: the tail of the table, found without an index of their
/// own (one page less to write per note).
const V2: &str = "
CREATE TABLE notes (
    note_key     INTEGER PRIMARY KEY,            -- the FTS rowid
    note_id      BLOB    NOT NULL,
    case_id      BLOB    NOT NULL,
    confidential INTEGER NOT NULL,
    pending      TEXT                            -- the words until they are in notes_fts
);
CREATE TABLE notes_indexed (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL                        -- notes up to this key are in notes_fts
);
INSERT INTO notes_indexed (id, upto) VALUES (1, 0);
CREATE VIRTUAL TABLE notes_fts USING fts5(
    words, content='', detail='none', columnsize=0, tokenize='ascii'
);
";

/// Version 3: the rest of the case-list filters get their indexes. Equality filters
/// index `(value, case_id)`, so a page in case-id order is a range scan after the
/// cursor; range filters index `(time, program)` and sort the matching ids. Every index
/// carries the program, so the reader's program scope is checked without a table
/// lookup (version 1's indexes are shaped the same way).
const V3: &str = "
CREATE INDEX cases_priority ON cases (priority, case_id, program);
CREATE INDEX cases_next_due ON cases (next_due, program) WHERE next_due IS NOT NULL;
CREATE INDEX cases_opened ON cases (opened_at, program);
CREATE INDEX cases_closed ON cases (closed_at, program) WHERE closed_at IS NOT NULL;
";

/// Version 4: note search reads the notes from the events themselves; the `notes` table
/// (one more row, and page, per note commit) goes. The FTS rowid of a note is its
/// event's log position × 2, plus 1 if it is confidential, so a match yields the event
/// (and through it the case) and the confidentiality without another table. Notes after
/// `notes_indexed.upto` (now a log position) are not in the index yet: an append that
/// crosses a multiple of `NOTE_FLUSH_POSITIONS` moves them in, in bulk (one FTS5
/// segment per note commit would cost more than the rest of the append); searches read
/// the waiting ones from the tail of the log. The index is rebuilt from the events.
const V4: &str = "
DROP TABLE notes;
DROP TABLE notes_fts;
CREATE VIRTUAL TABLE notes_fts USING fts5(
    words, content='', detail='none', columnsize=0, tokenize='ascii'
);
UPDATE notes_indexed SET upto = 0;
";

/// Version 5: the time-range filters page in case-id order too. Case ids (UUIDv7) and
/// times are correlated, so a range's cases are a block of ids that a walk in id order
/// may reach only after most of the file, and version 3's `(time, program)` indexes
/// had to sort every id in the range. Each time column now has two bucket indexes,
/// `(time >> 37, case_id, time, program)` (buckets of about 38 hours) and `(time >> 42,
/// ...)` (about 51 days): a range is cut into whole coarse buckets in the middle and
/// fine ones at the edges (see `query::buckets`), and each bucket yields its cases in
/// id order after the cursor, trimmed to the range by the time it carries. They
/// replace version 3's range indexes, so a write that sets a time adds two index
/// entries where it added one.
const V5: &str = "
DROP INDEX cases_next_due;
DROP INDEX cases_opened;
DROP INDEX cases_closed;
CREATE INDEX cases_opened_b37 ON cases (opened_at >> 37, case_id, opened_at, program);
CREATE INDEX cases_opened_b42 ON cases (opened_at >> 42, case_id, opened_at, program);
CREATE INDEX cases_closed_b37 ON cases (closed_at >> 37, case_id, closed_at, program) WHERE closed_at IS NOT NULL;
CREATE INDEX cases_closed_b42 ON cases (closed_at >> 42, case_id, closed_at, program) WHERE closed_at IS NOT NULL;
CREATE INDEX cases_due_b37 ON cases (next_due >> 37, case_id, next_due, program) WHERE next_due IS NOT NULL;
CREATE INDEX cases_due_b42 ON cases (next_due >> 42, case_id, next_due, program) WHERE next_due IS NOT NULL;
";

/// Version 6: note search pages in case-id order. Version 4's FTS rowids followed the
/// log, so a search had to find the case of every matching note (thousands of event
/// lookups for a common word) before it could cut a page. A note's FTS rowid is now a
/// key in `note_keys`, made of the first 40 bits of its case's id and a slot: the index
/// yields matches in (nearly) case-id order, a page reads about its own size after the
/// cursor, and `note_keys` (filled by the flush, with the case and confidentiality,
/// never by a note's own commit) names the case. Keys of a prefix whose slots have run
/// out are negative, outside the order, and every search reads them all (see
/// `notes.rs`). The index is rebuilt from the events.
const V6: &str = "
DROP TABLE notes_fts;
CREATE VIRTUAL TABLE notes_fts USING fts5(
    words, content='', detail='none', columnsize=0, tokenize='ascii'
);
CREATE TABLE note_keys (
    key          INTEGER PRIMARY KEY,            -- the note's rowid in notes_fts
    case_id      BLOB    NOT NULL,
    confidential INTEGER NOT NULL
);
UPDATE notes_indexed SET upto = 0;
";

/// Version 7: a case's events are found through a chain instead of an index. Each event
/// names the log position of its case's previous event (`prev_position`, NULL for the
/// first) and the case row the position of its last (`last_position`): loading a case
/// walks back from there, one primary-key lookup an event — what the `(case_id,
/// sequence)` index cost a load too, since every entry led to the same lookup — and an
/// append no longer writes an index page besides the table's: one page fewer per commit
/// of the four or so a command writes (CM-22 one commit a command: 18–21 % faster, an
/// import 12–15 %; the file 6 % smaller). The events table is rebuilt without its
/// `UNIQUE (case_id, sequence)` (the version check under the write lock is what keeps a
/// case's sequences whole, as it always was); the chain is filled from the old index
/// before it goes. A broken chain (a row missing or altered by hand) makes a load scan
/// the log instead, so `verify` still reports where the history breaks. Migrating a
/// file rewrites its events once: a 1,000,000-case file (2.8 million events, 2 GB) took
/// about 20 s, its WAL briefly holding the new table; the old table's pages stay in the
/// file as free pages that later appends reuse (`VACUUM` gives them back).
const V7: &str = "
ALTER TABLE cases ADD COLUMN last_position INTEGER;  -- the log position of the case's last event
UPDATE cases SET last_position =
    (SELECT position FROM events WHERE events.case_id = cases.case_id ORDER BY sequence DESC LIMIT 1);
CREATE TABLE events_chained (
    position       INTEGER PRIMARY KEY,          -- the global log order
    case_id        BLOB    NOT NULL,             -- 16-byte UUID
    sequence       INTEGER NOT NULL,             -- 1, 2, ... per case
    event_id       BLOB    NOT NULL,
    recorded_at    INTEGER NOT NULL,             -- microseconds since the epoch, UTC
    actor          TEXT    NOT NULL,
    event_type     TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL,             -- the event JSON exactly as hashed
    prev_hash      BLOB    NOT NULL,             -- 32 bytes (or the text, if not hex)
    hash           BLOB    NOT NULL,
    prev_position  INTEGER                       -- the case's event before this one; NULL for its first
);
INSERT INTO events_chained
    SELECT position, case_id, sequence, event_id, recorded_at, actor, event_type, schema_version, payload,
           prev_hash, hash,
           (SELECT p.position FROM events p WHERE p.case_id = e.case_id AND p.sequence = e.sequence - 1)
    FROM events e ORDER BY position;
DROP TABLE events;
ALTER TABLE events_chained RENAME TO events;
";

/// One migration: the SQL, then optional code (data backfills).
struct Migration {
    version: u32,
    sql: &'static str,
    backfill: Option<fn(&Connection) -> rusqlite::Result<()>>,
}

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, sql: V1, backfill: None },
    // Version 2 used to index the notes of older files here; version 4 rebuilds the
    // index from the events for every file, so the step only creates its tables now.
    Migration { version: 2, sql: V2, backfill: None },
    Migration { version: 3, sql: V3, backfill: None },
    // Version 4 used to rebuild the note index here; version 6 rebuilds it (in its new
    // shape) for every file, so the step only resets it now.
    Migration { version: 4, sql: V4, backfill: None },
    Migration { version: 5, sql: V5, backfill: None },
    Migration { version: 6, sql: V6, backfill: Some(crate::store::flush_notes) },
    Migration { version: 7, sql: V7, backfill: None },
];

fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).ctx(|| "reading the schema version".into())?;
    u32::try_from(v).map_err(|_| backend_msg(format!("the file's schema version {v} is not one casekit-sqlite wrote")))
}

fn too_new(found: u32) -> StoreError {
    backend_msg(format!(
        "the file has schema version {found}, newer than this casekit-sqlite supports ({SCHEMA_VERSION}); \
         open it with a newer casekit-sqlite"
    ))
}

/// Brings the file up to [`SCHEMA_VERSION`]. Refuses files from the future.
pub(crate) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let found = user_version(conn)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found > SCHEMA_VERSION {
        return Err(too_new(found));
    }
    for m in MIGRATIONS {
        conn.execute_batch("BEGIN IMMEDIATE").ctx(|| format!("starting migration to schema version {}", m.version))?;
        let step = (|| {
            let current = user_version(conn)?;
            if current > SCHEMA_VERSION {
                return Err(too_new(current));
            }
            if current >= m.version {
                return Ok(());
            }
            if current != m.version - 1 {
                return Err(backend_msg(format!(
                    "schema version {current} cannot be migrated to {}: a step is missing",
                    m.version
                )));
            }
            let fail = |e| backend(format!("migrating the schema to version {}", m.version), e);
            conn.execute_batch(m.sql).map_err(fail)?;
            if let Some(backfill) = m.backfill {
                backfill(conn).map_err(fail)?;
            }
            // PRAGMA takes no bound parameters; the version is a constant of ours.
            conn.execute_batch(&format!("PRAGMA user_version = {}", m.version)).map_err(fail)?;
            Ok(())
        })();
        match step {
            Ok(()) => conn.execute_batch("COMMIT").ctx(|| format!("committing schema version {}", m.version))?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}
