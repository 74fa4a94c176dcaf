//! The one place where everything that can go wrong becomes the structured error the
//! JavaScript layer turns into an `Error` with a stable `code` (DESIGN.md).
//!
//! Messages never echo input values: serde's messages quote the offending value
//! (`invalid type: string "Ada Lovelace"`), which may be personal data, so they are
//! rewritten here before they leave Rust.

use casekit::{Error, ErrorCode};
use serde::Serialize;
use std::any::Any;

/// A failure as JavaScript receives it (JSON): `code` is one of the stable codes.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_version: Option<u64>,
}

impl Failure {
    /// A validation failure on `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        Failure {
            code: ErrorCode::Validation.as_str(),
            message: format!("invalid {field}: {message}"),
            field: Some(field),
            case_id: None,
            expected_version: None,
            actual_version: None,
        }
    }

    /// Adds `offset` to the index that follows `prefix` (`items[`) at the start of the
    /// field, in the field and where the message names it: a failure found in a part of a
    /// list, told as a failure of the whole list.
    pub fn shift_index(&mut self, prefix: &str, offset: usize) {
        let Some(field) = &self.field else { return };
        let Some((index, rest)) = field.strip_prefix(prefix).and_then(|r| r.split_once(']')) else { return };
        let Some(shifted) = index.parse::<usize>().ok().and_then(|i| i.checked_add(offset)) else { return };
        let new = format!("{prefix}{shifted}]{rest}");
        self.message = self.message.replacen(field.as_str(), &new, 1);
        self.field = Some(new);
    }

    /// A failure of the store (or of the binding's own machinery).
    pub fn storage(message: impl Into<String>) -> Self {
        Failure {
            code: ErrorCode::Storage.as_str(),
            message: message.into(),
            field: None,
            case_id: None,
            expected_version: None,
            actual_version: None,
        }
    }

    /// A panic caught at the boundary. Nothing was committed by the call that panicked
    /// unless the store had already committed; the engine itself never panics on input.
    pub fn panic(payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Failure::storage(format!("internal error in casekit (caught at the binding boundary): {what}"))
    }

    /// The JSON the JavaScript layer decodes.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| format!(r#"{{"code":"{}","message":"unserializable error"}}"#, self.code))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let (expected_version, actual_version) = match &e {
            Error::Conflict { expected, actual, .. } => (Some(*expected), Some(*actual)),
            Error::Storage(casekit::StoreError::Conflict { expected, actual, .. }) => (Some(*expected), Some(*actual)),
            _ => (None, None),
        };
        Failure {
            code: e.code().as_str(),
            message: e.to_string(),
            field: e.field().map(str::to_owned),
            case_id: e.case_id().map(|c| c.to_string()),
            expected_version,
            actual_version,
        }
    }
}

/// Turns a serde error on the input named `what` into a validation failure. `path` is
/// where in the input it happened (`client.household_size`), if known.
pub fn decode_failure(what: &str, path: Option<String>, err: &serde_json::Error) -> Failure {
    let message = scrub(&err.to_string());
    let path = path.filter(|p| !p.is_empty() && p != "." && p != "?");
    let named = named_in(&message).map(str::to_owned);
    // serde_path_to_error's path ends at an unknown field, but stops at the parent of a
    // missing one.
    let missing = message.starts_with("missing field");
    let inner = match (path, named) {
        (Some(p), Some(n)) if missing => Some(casekit::field_within(&p, &n)),
        (p, n) => p.or(n),
    };
    let field = match (what.is_empty(), inner) {
        // An item of a list is `items[3]...`, as the core and the other bindings name it.
        (_, Some(p)) => casekit::field_within(what, &p),
        (true, None) => "input".to_owned(),
        (false, None) => what.to_owned(),
    };
    Failure::validation(field, message)
}

/// The field a serde message names (`missing field `x``, `unknown field `x``).
fn named_in(message: &str) -> Option<&str> {
    for prefix in ["missing field `", "unknown field `", "duplicate field `"] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return rest.split('`').next().filter(|s| !s.is_empty());
        }
    }
    if message.starts_with("unknown variant `") && message.contains("expected one of `open_case`") {
        return Some("type");
    }
    None
}

/// Drops serde's `at line L column C` (the JSON is the binding's, not the caller's) and
/// the quoted input value of `invalid type/value` messages.
fn scrub(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    for kind in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(kind) {
            if let Some(quoted) = rest.strip_prefix("string \"") {
                if let Some(end) = quoted.rfind("\", expected") {
                    return format!("{kind}a string, expected{}", &quoted[end + "\", expected".len()..]);
                }
                return format!("{kind}a string");
            }
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some(end) = rest.find("`, expected") {
            return format!("unknown variant, expected{}", &rest[end + "`, expected".len()..]);
        }
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_values() {
        assert_eq!(
            scrub("invalid type: string \"Ada\", expected u32 at line 1 column 9"),
            "invalid type: a string, expected u32"
        );
        assert_eq!(scrub("missing field `name` at line 1 column 2"), "missing field `name`");
        assert_eq!(named_in("missing field `name`"), Some("name"));
    }
}
