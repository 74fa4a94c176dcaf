//! How values are laid out in the file, and how rows are read back.
//!
//! - Ids (case, client, event, note) are 16-byte BLOBs: half the size of their text
//!   form, and they sort the same way as `Uuid`'s `Ord`, which keyset pagination needs.
//! - Times are INTEGER microseconds since the Unix epoch (UTC): compact, exact at the
//!   precision the hash chain covers (`format_timestamp` writes microseconds), and
//!   compared as plain integers by the indexes. Summary times used only for filtering
//!   are floored to the microsecond; the summary itself is kept as JSON, exactly.
//!
//! - Hashes (`prev_hash`, `hash`) are 32-byte BLOBs when they are lowercase SHA-256
//!   hex, as core writes them (64 bytes less per event); anything else is kept as the
//!   TEXT it was, so every value round-trips exactly.
//!
//! Reading never panics: a value of the wrong type or shape is an integrity error
//! naming the case where the row names one.

use crate::error::integrity;
use casekit::{ActorId, CaseId, CaseSummary, EventId, StoreError, StoredEvent, Timestamp};
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

/// A hash as stored: 32 bytes if it is canonical lowercase hex, else the text itself.
/// Bound as a statement parameter without allocating (two per event appended).
pub(crate) enum HashParam<'a> {
    Bytes([u8; 32]),
    Text(&'a str),
}

impl<'a> HashParam<'a> {
    pub(crate) fn of(hex: &'a str) -> Self {
        fn nibble(c: u8) -> Option<u8> {
            match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            }
        }
        let b = hex.as_bytes();
        if b.len() != 64 {
            return HashParam::Text(hex);
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
            match (pair.first().copied().and_then(nibble), pair.get(1).copied().and_then(nibble)) {
                (Some(hi), Some(lo)) => *slot = (hi << 4) | lo,
                _ => return HashParam::Text(hex),
            }
        }
        HashParam::Bytes(out)
    }
}

impl rusqlite::ToSql for HashParam<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(match self {
            HashParam::Bytes(b) => rusqlite::types::ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            HashParam::Text(t) => rusqlite::types::ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

/// Reads a hash stored as a [`HashParam`].
pub(crate) fn get_hash(
    row: &Row<'_>,
    i: usize,
    what: &str,
    fail: &dyn Fn(String) -> StoreError,
) -> Result<String, StoreError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match value(row, i, fail)? {
        ValueRef::Blob(b) if b.len() == 32 => {
            let mut s = String::with_capacity(64);
            for byte in b {
                s.push(char::from(HEX[usize::from(byte >> 4)]));
                s.push(char::from(HEX[usize::from(byte & 15)]));
            }
            Ok(s)
        }
        ValueRef::Text(_) => get_text(row, i, what, fail),
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
        actor: ActorId(get_text(row, 5, "actor", &fail)?),
        event_type: get_text(row, 6, "event type", &fail)?,
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

    fn round_trip(hash: &str) -> String {
        let conn = rusqlite::Connection::open_in_memory().expect("db");
        let mut stmt = conn.prepare("SELECT ?1").expect("stmt");
        let mut rows = stmt.query([HashParam::of(hash)]).expect("query");
        let row = rows.next().expect("step").expect("row");
        get_hash(row, 0, "hash", &|m| integrity(None, m)).expect("decode")
    }

    #[test]
    fn canonical_hashes_are_stored_as_32_bytes_and_come_back_the_same() {
        let h = casekit::event::sha256_hex(b"x");
        assert!(matches!(HashParam::of(&h), HashParam::Bytes(_)));
        assert_eq!(round_trip(&h), h);
    }

    #[test]
    fn anything_else_is_kept_as_text() {
        let upper = casekit::event::sha256_hex(b"x").to_uppercase();
        for odd in ["", "abc", upper.as_str(), &"g".repeat(64), "ü".repeat(32).as_str()] {
            assert!(matches!(HashParam::of(odd), HashParam::Text(_)), "{odd}");
            assert_eq!(round_trip(odd), odd);
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
