//! How values are laid out in the file, and how rows are read back.
//!
//! - Ids (case, client, event, note) are 16-byte BLOBs: half the size of their text
//!   form, and they sort the same way as `Uuid`'s `Ord`, which keyset pagination needs.
//! - Times are INTEGER microseconds since the Unix epoch (UTC): compact, exact at the
//!   precision the hash chain covers (`format_timestamp` writes microseconds), and
//!   compared as plain integers by the indexes. Summary times used only for filtering
//!   are floored to the microsecond; the summary itself is kept as JSON, exactly.
//!
//! - Hashes (`prev_hash`, `hash`) are their 32 bytes as BLOBs (64 bytes less per event
//!   than the hex text). Files written before `EventHash` kept a hash that was not
//!   lowercase hex as TEXT; core never wrote one, and such a row reads back if it is 64
//!   hex digits, else it is an integrity error.
//!
//! Reading never panics: a value of the wrong type or shape is an integrity error
//! naming the case where the row names one.

use crate::error::integrity;
use casekit::{ActorId, CaseId, CaseSummary, EventHash, EventId, StoreError, StoredEvent, Timestamp};
use chrono::DateTime;
use rusqlite::types::ValueRef;
use rusqlite::Row;
use uuid::Uuid;

/// The columns `event_from_row` reads, in order.
pub(crate) const EVENT_COLUMNS: &str =
    "position, event_id, case_id, sequence, recorded_at, actor, event_type, schema_version, payload, prev_hash, hash";

/// An id as stored.
pub(crate) fn id_bytes(id: Uuid) -> [u8; 16] {
    *id.as_bytes()
}

/// Reads a hash: 32 bytes, or (in a row written by hand or by an older tool) its 64 hex
/// digits as text. Anything else is not a hash.
pub(crate) fn get_hash(
    row: &Row<'_>,
    i: usize,
    what: &str,
    fail: &dyn Fn(String) -> StoreError,
) -> Result<EventHash, StoreError> {
    match value(row, i, fail)? {
        ValueRef::Blob(b) => {
            EventHash::from_slice(b).ok_or_else(|| fail(format!("{what} is {} bytes, not a SHA-256 hash", b.len())))
        }
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map_err(|_| fail(format!("{what} is not UTF-8 text")))?
            .parse()
            .map_err(|e| fail(format!("{what}: {e}"))),
        other => Err(fail(format!("{what} is {:?}, not a hash", other.data_type()))),
    }
}

/// A time as stored: microseconds since the epoch, floored.
pub(crate) fn micros(t: &Timestamp) -> i64 {
    t.timestamp_micros()
}

/// The smallest stored microsecond value that is not before `t` (for strict upper
/// bounds on floored values: `x < t` implies `floor(x) < ceil(t)`).
pub(crate) fn micros_ceil(t: &Timestamp) -> i64 {
    let floor = t.timestamp_micros();
    if t.timestamp_subsec_nanos() % 1000 == 0 {
        floor
    } else {
        floor.saturating_add(1)
    }
}

/// Whether a time survives the round trip through microseconds.
pub(crate) fn is_whole_micros(t: &Timestamp) -> bool {
    t.timestamp_subsec_nanos() % 1000 == 0
}

/// A `u64` as SQLite's signed integer (values above `i64::MAX` never occur in casekit:
/// versions and sequences count events).
pub(crate) fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Reads one column; a driver failure to even fetch it is an integrity failure of the
/// row (the statement itself already stepped).
fn value<'a>(row: &'a Row<'_>, i: usize, fail: &dyn Fn(String) -> StoreError) -> Result<ValueRef<'a>, StoreError> {
    row.get_ref(i).map_err(|e| fail(format!("column {i}: {e}")))
}

pub(crate) fn get_i64(
    row: &Row<'_>,
    i: usize,
    what: &str,
    fail: &dyn Fn(String) -> StoreError,
) -> Result<i64, StoreError> {
    match value(row, i, fail)? {
        ValueRef::Integer(v) => Ok(v),
        other => Err(fail(format!("{what} is {:?}, not an integer", other.data_type()))),
    }
}

pub(crate) fn get_u64(
    row: &Row<'_>,
    i: usize,
    what: &str,
    fail: &dyn Fn(String) -> StoreError,
) -> Result<u64, StoreError> {
    let v = get_i64(row, i, what, fail)?;
    u64::try_from(v).map_err(|_| fail(format!("{what} is negative ({v})")))
}

pub(crate) fn get_text(
    row: &Row<'_>,
    i: usize,
    what: &str,
    fail: &dyn Fn(String) -> StoreError,
) -> Result<String, StoreError> {
    match value(row, i, fail)? {
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).map_err(|_| fail(format!("{what} is not valid UTF-8"))),
        other => Err(fail(format!("{what} is {:?}, not text", other.data_type()))),
    }
}

pub(crate) fn get_uuid(
    row: &Row<'_>,
    i: usize,
    what: &str,
    fail: &dyn Fn(String) -> StoreError,
) -> Result<Uuid, StoreError> {
    match value(row, i, fail)? {
        ValueRef::Blob(b) => Uuid::from_slice(b).map_err(|_| fail(format!("{what} is not a 16-byte id"))),
        other => Err(fail(format!("{what} is {:?}, not a 16-byte id", other.data_type()))),
    }
}

pub(crate) fn time_from_micros(
    v: i64,
    what: &str,
    fail: &dyn Fn(String) -> StoreError,
) -> Result<Timestamp, StoreError> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| fail(format!("{what} ({v}) is not a time")))
}

/// Reads a row selected with [`EVENT_COLUMNS`]. `case_id` is the case the caller asked
/// for (`None` when reading the global log), so errors name it even when the row's own
/// case id is garbage.
pub(crate) fn event_from_row(row: &Row<'_>, case_id: Option<CaseId>) -> Result<StoredEvent, StoreError> {
    let position = row.get_ref(0).ok().and_then(|v| v.as_i64().ok()).unwrap_or(0);
    let row_case = match row.get_ref(2) {
        Ok(ValueRef::Blob(b)) => Uuid::from_slice(b).ok().map(CaseId),
        _ => None,
    };
    let named = case_id.or(row_case);
    let fail = |what: String| match named {
        Some(c) => integrity(Some(c), format!("case {c}: stored event at position {position}: {what}")),
        None => integrity(None, format!("stored event at position {position}: {what}")),
    };
    let event = StoredEvent {
        position: get_u64(row, 0, "position", &fail)?,
        event_id: EventId(get_uuid(row, 1, "event id", &fail)?),
        case_id: CaseId(get_uuid(row, 2, "case id", &fail)?),
        sequence: get_u64(row, 3, "sequence", &fail)?,
        recorded_at: time_from_micros(get_i64(row, 4, "recorded_at", &fail)?, "recorded_at", &fail)?,
        actor: ActorId::from(get_text(row, 5, "actor", &fail)?),
        event_type: get_text(row, 6, "event type", &fail)?.into(),
        schema_version: {
            let v = get_i64(row, 7, "schema version", &fail)?;
            u32::try_from(v).map_err(|_| fail(format!("schema version {v} is out of range")))?
        },
        payload: get_text(row, 8, "payload", &fail)?,
        prev_hash: get_hash(row, 9, "prev_hash", &fail)?,
        hash: get_hash(row, 10, "hash", &fail)?,
    };
    Ok(event)
}

/// Reads a `(case_id, summary)` row.
pub(crate) fn summary_from_row(row: &Row<'_>) -> Result<CaseSummary, StoreError> {
    let row_case = match row.get_ref(0) {
        Ok(ValueRef::Blob(b)) => Uuid::from_slice(b).ok().map(CaseId),
        _ => None,
    };
    let fail = |what: String| match row_case {
        Some(c) => integrity(Some(c), format!("case {c}: stored summary: {what}")),
        None => integrity(None, format!("stored case summary: {what}")),
    };
    let case_id = CaseId(get_uuid(row, 0, "case id", &fail)?);
    let json = get_text(row, 1, "summary", &fail)?;
    let summary: CaseSummary =
        serde_json::from_str(&json).map_err(|e| fail(format!("summary does not decode: {e}")))?;
    if summary.case_id != case_id {
        return Err(fail(format!("summary belongs to case {}", summary.case_id)));
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: rusqlite::types::Value) -> Result<EventHash, StoreError> {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        let mut stmt = conn.prepare("SELECT ?1").expect("stmt");
        let mut rows = stmt.query([value]).expect("query");
        let row = rows.next().expect("step").expect("row");
        get_hash(row, 0, "hash", &|m| integrity(None, m))
    }

    #[test]
    fn hashes_are_stored_as_their_32_bytes_and_come_back_the_same() {
        let h: EventHash = casekit::event::sha256_hex(b"x").parse().expect("hex");
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        let back: Vec<u8> = conn.query_row("SELECT ?1", [&h.as_bytes()[..]], |r| r.get(0)).expect("query");
        assert_eq!(back, h.as_bytes());
        assert_eq!(read(rusqlite::types::Value::Blob(back)).expect("decode"), h);
    }

    #[test]
    fn hex_text_reads_back_and_anything_else_is_an_integrity_error() {
        use rusqlite::types::Value;
        let hex = casekit::event::sha256_hex(b"x");
        let h: EventHash = hex.parse().expect("hex");
        assert_eq!(read(Value::Text(hex.clone())).expect("lower"), h);
        assert_eq!(read(Value::Text(hex.to_uppercase())).expect("upper"), h);
        for odd in [
            Value::Text(String::new()),
            Value::Text("abc".into()),
            Value::Text("g".repeat(64)),
            Value::Text("ü".repeat(32)),
            Value::Blob(vec![0; 31]),
            Value::Integer(7),
            Value::Null,
        ] {
            let err = read(odd.clone()).expect_err("not a hash");
            assert!(matches!(err, StoreError::Integrity { .. }), "{odd:?}: {err}");
            assert!(err.to_string().contains("hash"), "{err}");
        }
    }

    #[test]
    fn microsecond_bounds_bracket_the_exact_time() {
        let t = DateTime::from_timestamp(1_767_603_600, 1_500).expect("time");
        assert_eq!(micros(&t), 1_767_603_600_000_001);
        assert_eq!(micros_ceil(&t), 1_767_603_600_000_002);
        let whole = DateTime::from_timestamp(1_767_603_600, 2_000).expect("time");
        assert_eq!(micros_ceil(&whole), micros(&whole));
        // Half a microsecond before the epoch: floor -1, ceiling 0.
        let before_epoch = DateTime::from_timestamp(-1, 999_999_500).expect("time");
        assert_eq!(micros(&before_epoch), -1);
        assert_eq!(micros_ceil(&before_epoch), 0);
    }
}
