//! Conversions from what JavaScript hands over (JSON text, numbers, strings) into core
//! types. Valid input takes the fast path (one `serde_json` parse); only a refusal pays
//! for a second, path-tracking parse that names the offending field.

use crate::error::{decode_failure, Failure};
use casekit::command::Command;
use casekit::{Actor, BatchCommand, CaseId, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Parses `json` as a `T`; `what` prefixes the field path of a refusal (`""`: none).
pub fn parse<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, Failure> {
    serde_json::from_str::<T>(json).map_err(|first| {
        let mut de = serde_json::Deserializer::from_str(json);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => decode_failure(what, Some(e.path().to_string()), e.inner()),
            Ok(_) => decode_failure(what, None, &first),
        }
    })
}

/// Batch items (a JSON array of `{case_id?, command, expected_version?}`) that start
/// at `offset` in their batch: a failure names its item by its place in the batch
/// (`items[offset + k]...`).
pub fn parse_items(json: &str, offset: usize) -> Result<Vec<BatchCommand>, Failure> {
    parse::<Vec<BatchCommand>>("items", json).map_err(|mut failure| {
        if offset > 0 {
            failure.shift_index("items[", offset);
        }
        failure
    })
}

/// The acting user (`{id, roles, programs}`).
pub fn actor(json: &str) -> Result<Actor, Failure> {
    parse("actor", json)
}

/// A command (`{"type": "add_note", ...}`).
pub fn command(json: &str) -> Result<Command, Failure> {
    serde_json::from_str::<Command>(json).map_err(|first| explain_command(json, &first))
}

/// A case id (or any record id) given as a UUID string.
pub fn uuid(field: &str, text: &str) -> Result<Uuid, Failure> {
    Uuid::parse_str(text)
        .map_err(|_| Failure::validation(field, "expected a UUID such as 0190f1c2-7d3e-7a4b-8c5d-6e7f8091a2b3"))
}

/// A case id.
pub fn case_id(text: &str) -> Result<CaseId, Failure> {
    uuid("case_id", text).map(CaseId)
}

/// A non-negative whole number that JavaScript can hold exactly.
pub fn count(field: &str, n: f64) -> Result<u64, Failure> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= MAX_SAFE_INTEGER {
        // Exact: checked above to be a whole number within 2^53.
        Ok(n as u64)
    } else {
        Err(Failure::validation(field, "expected a whole number between 0 and 2^53 - 1"))
    }
}

/// An RFC 3339 time (`2026-01-05T09:00:00Z`), as JavaScript's `Date#toISOString` gives.
pub fn timestamp(field: &str, text: &str) -> Result<Timestamp, Failure> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| Failure::validation(field, "expected an ISO-8601 time such as 2026-01-05T09:00:00Z"))
}

/// Why a command did not decode, naming the field (core's `Command::from_json` keeps
/// the path that serde loses inside an internally tagged enum).
fn explain_command(json: &str, first: &serde_json::Error) -> Failure {
    let value: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => return decode_failure("", None, &e),
    };
    match casekit::Command::from_json(value) {
        Err(e) => Failure::from(e),
        Ok(_) => decode_failure("", None, first),
    }
}

/// An option's whole number up to `max` (`None` when absent or null), or a validation
/// error naming `field`.
pub fn whole(field: &str, value: Option<&serde_json::Value>, max: u64) -> Result<Option<u64>, Failure> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n <= max => Ok(Some(n)),
            _ => Err(Failure::validation(field, format!("expected a whole number from 0 to {max}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_inside_a_command() {
        let err = command(r#"{"type":"open_case","program":"p","client":{"name":"A","household_size":"x"}}"#)
            .err()
            .map(|f| f.field);
        assert_eq!(err, Some(Some("client.household_size".to_owned())));
        let err = command(r#"{"type":"complete_intake"}"#).err().map(|f| f.field);
        assert_eq!(err, Some(Some("eligible".to_owned())));
        let err = command(r#"{"type":"nope"}"#).err().map(|f| f.field);
        assert_eq!(err, Some(Some("type".to_owned())));
    }

    #[test]
    fn counts_are_exact() {
        assert!(count("n", f64::NAN).is_err());
        assert!(count("n", -1.0).is_err());
        assert!(count("n", 1.5).is_err());
        assert!(count("n", 1e300).is_err());
        assert_eq!(count("n", 7.0).ok(), Some(7));
    }
}
