//! Text <-> casekit values. Ids cross the boundary as UUID text, times as RFC 3339 UTC
//! text, dates as `YYYY-MM-DD`, free-form JSON (assessment responses, custom fields) as
//! JSON text. Parsing failures are validation errors naming the field, never panics.

use crate::error::{CaseKitError, Result};
use casekit::Timestamp;
use chrono::{NaiveDate, SecondsFormat};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// An id of any kind from its UUID text.
pub fn id<T: From<Uuid>>(field: &str, text: &str) -> Result<T> {
    if text.is_empty() {
        return Err(CaseKitError::validation(field, "missing: give an id (a UUID)"));
    }
    Uuid::parse_str(text)
        .map(T::from)
        .map_err(|e| CaseKitError::validation(field, format!("{text:?} is not a UUID: {e}")))
}

/// An optional id.
pub fn opt_id<T: From<Uuid>>(field: &str, text: Option<String>) -> Result<Option<T>> {
    text.map(|t| id(field, &t)).transpose()
}

/// A time from RFC 3339 text (any offset; stored as UTC), parsed exactly as casekit's
/// JSON form is.
pub fn time(field: &str, text: &str) -> Result<Timestamp> {
    text.parse::<Timestamp>()
        .map_err(|e| CaseKitError::validation(field, format!("{text:?} is not an RFC 3339 time: {e}")))
}

/// An optional time.
pub fn opt_time(field: &str, text: Option<String>) -> Result<Option<Timestamp>> {
    text.map(|t| time(field, &t)).transpose()
}

/// A calendar date, `YYYY-MM-DD`.
pub fn date(field: &str, text: &str) -> Result<NaiveDate> {
    text.parse::<NaiveDate>()
        .map_err(|e| CaseKitError::validation(field, format!("{text:?} is not a date YYYY-MM-DD: {e}")))
}

/// An optional date.
pub fn opt_date(field: &str, text: Option<String>) -> Result<Option<NaiveDate>> {
    text.map(|t| date(field, &t)).transpose()
}

/// A JSON object given as text (`{"key": value, ...}`).
pub fn json_object(field: &str, text: &str) -> Result<BTreeMap<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map.into_iter().collect()),
        Ok(other) => Err(CaseKitError::validation(field, format!("expected a JSON object, got {other}"))),
        Err(e) => Err(CaseKitError::validation(field, format!("not JSON: {e}"))),
    }
}

/// A time as casekit's JSON writes it: RFC 3339 UTC with `Z`, fractional seconds only
/// when not zero.
pub fn time_text(at: &Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A date as `YYYY-MM-DD`.
pub fn date_text(day: &NaiveDate) -> String {
    day.to_string()
}

/// A JSON object as text.
pub fn json_text(map: &BTreeMap<String, Value>) -> String {
    // Serializing a map of JSON values cannot fail (keys are strings, values are JSON).
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

/// Any serializable value as JSON text, failing as a storage error.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| CaseKitError::storage(format!("cannot serialize: {e}")))
}

/// Sequence items: `field[i]`.
pub fn item(field: &str, i: usize) -> String {
    format!("{field}[{i}]")
}
