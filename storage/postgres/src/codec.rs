//! How values are laid out in the tables, and how rows are read back.
//!
//! - Ids are `uuid` (which sorts like `Uuid`'s `Ord`: keyset pagination needs that).
//! - Event times are `timestamptz`, exact at the microseconds the hash chain covers.
//!   Summary times used only for filtering are floored to the microsecond; the summary
//!   itself is kept as JSON, exactly, and is what queries return.
//! - Versions, sequences and positions are `bigint`.
//!
//! Reading never panics: a value of the wrong type or shape is an integrity error
//! naming the case where the row names one.

use crate::error::integrity;
use casekit::{ActorId, CaseId, CaseSummary, EventHash, EventId, StoreError, StoredEvent, Timestamp};
use chrono::DateTime;
use postgres::types::FromSql;
use postgres::Row;
use uuid::Uuid;

/// A time floored to the microsecond (PostgreSQL keeps microseconds and would round).
pub(crate) fn floor_micros(t: &Timestamp) -> Timestamp {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(*t)
}

/// The smallest whole microsecond not before `t` (for strict upper bounds on floored
/// values: `x < t` implies `floor(x) < ceil(t)`).
pub(crate) fn ceil_micros(t: &Timestamp) -> Timestamp {
    let floor = floor_micros(t);
    if is_whole_micros(t) {
        floor
    } else {
        floor + chrono::Duration::microseconds(1)
    }
}

/// Whether a time survives the round trip through microseconds.
pub(crate) fn is_whole_micros(t: &Timestamp) -> bool {
    t.timestamp_subsec_nanos() % 1000 == 0
}

/// A `u64` count as `bigint` (versions, sequences and positions never reach `i64::MAX`).
pub(crate) fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Reads column `i`, mapping a type mismatch or NULL to an integrity failure.
pub(crate) fn get<'a, T: FromSql<'a>>(
    row: &'a Row,
    i: usize,
    what: &str,
    fail: &dyn Fn(String) -> StoreError,
) -> Result<T, StoreError> {
    row.try_get(i).map_err(|e| fail(format!("{what}: {e}")))
}

/// Reads a non-negative `bigint` column.
pub(crate) fn get_u64(row: &Row, i: usize, what: &str, fail: &dyn Fn(String) -> StoreError) -> Result<u64, StoreError> {
    let v: i64 = get(row, i, what, fail)?;
    u64::try_from(v).map_err(|_| fail(format!("{what} is negative ({v})")))
}

/// Reads an event row (the columns of `store::event_select!`, in order). `case_id` is the case the caller asked
/// for (`None` when reading the global log), so errors name it even when the row's own
/// case id is garbage.
pub(crate) fn event_from_row(row: &Row, case_id: Option<CaseId>) -> Result<StoredEvent, StoreError> {
    let position: i64 = row.try_get(0).unwrap_or(0);
    let named = case_id.or_else(|| row.try_get::<_, Uuid>(2).ok().map(CaseId));
    let fail = |what: String| match named {
        Some(c) => integrity(Some(c), format!("case {c}: stored event at position {position}: {what}")),
        None => integrity(None, format!("stored event at position {position}: {what}")),
    };
    let schema_version: i32 = get(row, 7, "schema version", &fail)?;
    Ok(StoredEvent {
        position: get_u64(row, 0, "position", &fail)?,
        event_id: EventId(get(row, 1, "event id", &fail)?),
        case_id: CaseId(get(row, 2, "case id", &fail)?),
        sequence: get_u64(row, 3, "sequence", &fail)?,
        recorded_at: get(row, 4, "recorded_at", &fail)?,
        actor: ActorId::from(get::<String>(row, 5, "actor", &fail)?),
        event_type: get::<String>(row, 6, "event type", &fail)?.into(),
        schema_version: u32::try_from(schema_version)
            .map_err(|_| fail(format!("schema version {schema_version} is out of range")))?,
        payload: get(row, 8, "payload", &fail)?,
        prev_hash: get_hash(row, 9, "prev_hash", &fail)?,
        hash: get_hash(row, 10, "hash", &fail)?,
    })
}

/// Reads a hash column (64 hex digits).
fn get_hash(row: &Row, i: usize, what: &str, fail: &dyn Fn(String) -> StoreError) -> Result<EventHash, StoreError> {
    let text: &str = get(row, i, what, fail)?;
    text.parse().map_err(|e| fail(format!("{what}: {e}")))
}

/// Reads a `(case_id, summary)` row.
pub(crate) fn summary_from_row(row: &Row) -> Result<CaseSummary, StoreError> {
    let row_case = row.try_get::<_, Uuid>(0).ok().map(CaseId);
    let fail = |what: String| match row_case {
        Some(c) => integrity(Some(c), format!("case {c}: stored summary: {what}")),
        None => integrity(None, format!("stored case summary: {what}")),
    };
    let case_id = CaseId(get(row, 0, "case id", &fail)?);
    let json: &str = get(row, 1, "summary", &fail)?;
    let summary: CaseSummary = serde_json::from_str(json).map_err(|e| fail(format!("summary does not decode: {e}")))?;
    if summary.case_id != case_id {
        return Err(fail(format!("summary belongs to case {}", summary.case_id)));
    }
    Ok(summary)
}
