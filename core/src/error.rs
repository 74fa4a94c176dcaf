//! The one error type of casekit, with stable codes every binding maps the same way.

use crate::ids::CaseId;
use crate::lifecycle::{CommandKind, Phase};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The stable error codes (DESIGN.md). Bindings switch on these, never on messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No such case / goal / task / document.
    NotFound,
    /// Command not allowed in the current phase or hold state.
    InvalidTransition,
    /// Bad or missing input; names the field.
    Validation,
    /// The actor may not do or see this.
    PermissionDenied,
    /// The case changed since it was read (optimistic concurrency).
    Conflict,
    /// The store failed; nothing was half-written.
    Storage,
    /// Stored data failed verification (hash chain, blob hash).
    Integrity,
}

impl ErrorCode {
    /// Every code, in a stable order.
    pub const ALL: [ErrorCode; 7] = [
        ErrorCode::NotFound,
        ErrorCode::InvalidTransition,
        ErrorCode::Validation,
        ErrorCode::PermissionDenied,
        ErrorCode::Conflict,
        ErrorCode::Storage,
        ErrorCode::Integrity,
    ];

    /// The code as text, e.g. `invalid_transition`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::Validation => "validation",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Storage => "storage",
            ErrorCode::Integrity => "integrity",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in casekit. Every rejected command returns one of these
/// and changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such case or record.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What was looked for: `case`, `goal`, `task`, ...
        entity: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// The command is not allowed in the case's current phase or hold state.
    #[error("{command} is not allowed {state}")]
    InvalidTransition {
        /// The rejected command.
        command: CommandKind,
        /// The case's phase (`None`: the case does not exist yet).
        phase: Option<Phase>,
        /// Whether the case is on hold.
        on_hold: bool,
        /// Where the command was refused, in words (`in phase closed`, `while on hold`, ...).
        state: String,
    },
    /// Bad or missing input.
    #[error("invalid {field}: {message}")]
    Validation {
        /// The offending field, as a dotted path into the command (`client.name`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The actor may not do or see this.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// The case changed since the caller read it.
    #[error("case {case_id} changed: expected version {expected}, found {actual}")]
    Conflict {
        /// The case.
        case_id: CaseId,
        /// The version the caller expected.
        expected: u64,
        /// The version the store holds.
        actual: u64,
    },
    /// The store failed; nothing was half-written.
    #[error("storage: {0}")]
    Storage(#[from] StoreError),
    /// Stored data failed verification.
    #[error("integrity: {message}")]
    Integrity {
        /// The case whose data failed, where known.
        case_id: Option<CaseId>,
        /// What failed.
        message: String,
    },
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Error::Validation { .. } => ErrorCode::Validation,
            Error::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Storage(StoreError::Conflict { .. }) => ErrorCode::Conflict,
            Error::Storage(StoreError::Integrity { .. }) => ErrorCode::Integrity,
            Error::Storage(_) => ErrorCode::Storage,
            Error::Integrity { .. } => ErrorCode::Integrity,
        }
    }

    /// The offending field of a validation error.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The case the error concerns, where the error names one.
    pub fn case_id(&self) -> Option<CaseId> {
        match self {
            Error::Conflict { case_id, .. } => Some(*case_id),
            Error::Integrity { case_id, .. } => *case_id,
            Error::Storage(StoreError::Integrity { case_id, .. }) => *case_id,
            Error::Storage(StoreError::Conflict { case_id, .. }) => Some(*case_id),
            _ => None,
        }
    }

    /// A validation error on `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation { field: field.into(), message: message.into() }
    }

    /// The error with a validation field named as part of `path`: `text` within
    /// `items[3].command` is `items[3].command.text` (an empty field names `path` itself).
    /// Other errors are returned as they are.
    pub fn within(self, path: &str) -> Self {
        match self {
            Error::Validation { field, message } => Error::Validation { field: field_within(path, &field), message },
            other => other,
        }
    }

    /// A missing record.
    pub fn not_found(entity: &'static str, id: impl fmt::Display) -> Self {
        Error::NotFound { entity, id: id.to_string() }
    }

    /// A refusal.
    pub fn denied(message: impl Into<String>) -> Self {
        Error::PermissionDenied(message.into())
    }

    /// Stored data failed verification.
    pub fn integrity(case_id: Option<CaseId>, message: impl Into<String>) -> Self {
        Error::Integrity { case_id, message: message.into() }
    }
}

/// `field` named as part of `path`, as validation errors name nested input: `text` within
/// `items[3].command` is `items[3].command.text`, `[2]` within `tags` is `tags[2]`; an
/// empty field is `path` itself, and an empty path leaves `field` as it is. Bindings name
/// what they decode the same way.
pub fn field_within(path: &str, field: &str) -> String {
    match (path, field) {
        ("", f) => f.to_owned(),
        (p, "") => p.to_owned(),
        (p, f) if f.starts_with('[') => format!("{p}{f}"),
        (p, f) => format!("{p}.{f}"),
    }
}

/// What a store adapter reports. Adapters convert their driver errors into `Backend`;
/// callers never see a driver type.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The expected version did not match: someone else appended first.
    #[error("case {case_id} changed: expected version {expected}, found {actual}")]
    Conflict {
        /// The case.
        case_id: CaseId,
        /// The version the append expected.
        expected: u64,
        /// The version the store holds.
        actual: u64,
    },
    /// Stored data failed verification (garbage rows, blob hash mismatch, ...).
    #[error("{message}")]
    Integrity {
        /// The case whose data failed, where known.
        case_id: Option<CaseId>,
        /// What failed.
        message: String,
    },
    /// The backend failed (I/O, driver, corrupt file, ...).
    #[error("{0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A backend error from any error value.
    pub fn backend(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Backend(err.into())
    }
}

/// Conflicts and integrity failures found by a store are the same errors the engine
/// reports itself, so callers match on one variant whoever found them.
pub(crate) fn from_store(err: StoreError) -> Error {
    match err {
        StoreError::Conflict { case_id, expected, actual } => Error::Conflict { case_id, expected, actual },
        StoreError::Integrity { case_id, message } => Error::Integrity { case_id, message },
        other => Error::Storage(other),
    }
}

/// `Result` with casekit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn within_names_a_validation_field_inside_a_path_and_leaves_other_errors() {
        let named = |field: &str| Error::validation(field, "bad").within("items[3].command").field().map(str::to_owned);
        assert_eq!(named("text").as_deref(), Some("items[3].command.text"));
        assert_eq!(named("client.name").as_deref(), Some("items[3].command.client.name"));
        assert_eq!(named("[2]").as_deref(), Some("items[3].command[2]"));
        assert_eq!(named("").as_deref(), Some("items[3].command"));
        assert_eq!(super::field_within("", "tags[1]"), "tags[1]");
        assert_eq!(super::field_within("", "[1]"), "[1]");
        let denied = Error::denied("no").within("items[3].command");
        assert!(matches!(denied, Error::PermissionDenied(ref m) if m == "no"));
    }
}
