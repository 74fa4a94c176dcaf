//! The one error type Swift and Kotlin see, and the boundary where a Rust panic is
//! stopped before it can reach the host.
//!
//! Swift: `CaseKitError.NotFound(detail:)`, ...; Kotlin: `CaseKitException.NotFound`, ...
//! (uniffi renames `Error` to `Exception` in Kotlin). Every variant is one of the stable
//! codes of DESIGN.md; `code()` returns it as text (`"not_found"`, ...), the same string
//! every binding reports.
//!
//! The text field is called `detail`, not `message`: in Kotlin every exception already has
//! a `message` property, and uniffi would generate a clashing one.

use casekit::{Error, ErrorCode, StoreError};
use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// An error from casekit, with its stable code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
pub enum CaseKitError {
    /// No such case / goal / task / document.
    NotFound {
        /// What was not found, in words.
        detail: String,
    },
    /// The command is not allowed in the case's current phase or hold state.
    InvalidTransition {
        /// Which command was refused, and where.
        detail: String,
    },
    /// Bad or missing input.
    Validation {
        /// The offending field: a dotted path into the command in snake_case
        /// (`client.name`, `tags[1]`, `evaluations[0].goal_id`), or a query field (`limit`).
        field: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The actor may not do or see this.
    PermissionDenied {
        /// What was refused.
        detail: String,
    },
    /// The case changed since the caller read it (optimistic concurrency).
    Conflict {
        /// What happened, in words.
        detail: String,
        /// The case.
        case_id: String,
        /// The version the caller expected.
        expected: u64,
        /// The version the store holds.
        actual: u64,
    },
    /// The store failed; nothing was half-written. A panic inside the library is reported
    /// here too (its detail starts with `internal error`), never as a crash of the host.
    Storage {
        /// What failed.
        detail: String,
    },
    /// Stored data failed verification (hash chain, blob hash).
    Integrity {
        /// What failed.
        detail: String,
    },
}

impl CaseKitError {
    /// The stable code.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            CaseKitError::NotFound { .. } => ErrorCode::NotFound,
            CaseKitError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            CaseKitError::Validation { .. } => ErrorCode::Validation,
            CaseKitError::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            CaseKitError::Conflict { .. } => ErrorCode::Conflict,
            CaseKitError::Storage { .. } => ErrorCode::Storage,
            CaseKitError::Integrity { .. } => ErrorCode::Integrity,
        }
    }

    /// The text of the error, without its code.
    pub fn detail_text(&self) -> &str {
        match self {
            CaseKitError::NotFound { detail }
            | CaseKitError::InvalidTransition { detail }
            | CaseKitError::Validation { detail, .. }
            | CaseKitError::PermissionDenied { detail }
            | CaseKitError::Conflict { detail, .. }
            | CaseKitError::Storage { detail }
            | CaseKitError::Integrity { detail } => detail,
        }
    }

    /// A validation error on `field`.
    pub fn validation(field: impl Into<String>, detail: impl Into<String>) -> Self {
        CaseKitError::Validation { field: field.into(), detail: detail.into() }
    }

    /// The error with a validation field named as part of `path` (`items[3].command`),
    /// as the core names a batch item's fields; other errors as they are.
    pub fn within(self, path: &str) -> Self {
        match self {
            CaseKitError::Validation { field, detail } => {
                CaseKitError::Validation { field: casekit::field_within(path, &field), detail }
            }
            other => other,
        }
    }

    /// A failure of the binding's own machinery (serialization, a poisoned lock).
    pub fn storage(detail: impl Into<String>) -> Self {
        CaseKitError::Storage { detail: detail.into() }
    }

    /// A panic caught at the boundary. The engine never panics on input; this is the last
    /// line of defence, so the host sees an error instead of an abort.
    pub fn panic(payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        CaseKitError::storage(format!("internal error in casekit (caught at the binding boundary): {what}"))
    }
}

/// Swift's and Kotlin's view of the error: methods on the error value.
#[uniffi::export]
impl CaseKitError {
    /// The stable code as text: `not_found`, `invalid_transition`, `validation`,
    /// `permission_denied`, `conflict`, `storage` or `integrity`.
    pub fn code(&self) -> String {
        self.error_code().as_str().to_owned()
    }

    /// The offending field of a validation error; `None` for every other code.
    pub fn field_name(&self) -> Option<String> {
        match self {
            CaseKitError::Validation { field, .. } => Some(field.clone()),
            _ => None,
        }
    }
}

impl fmt::Display for CaseKitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseKitError::Validation { field, detail } => write!(f, "validation: invalid {field}: {detail}"),
            other => write!(f, "{}: {}", other.error_code(), other.detail_text()),
        }
    }
}

impl std::error::Error for CaseKitError {}

/// The one audited conversion from casekit's error: one exhaustive match on the code.
impl From<Error> for CaseKitError {
    fn from(e: Error) -> Self {
        let detail = e.to_string();
        match e.code() {
            ErrorCode::NotFound => CaseKitError::NotFound { detail },
            ErrorCode::InvalidTransition => CaseKitError::InvalidTransition { detail },
            ErrorCode::Validation => {
                CaseKitError::Validation { field: e.field().unwrap_or_default().to_owned(), detail }
            }
            ErrorCode::PermissionDenied => CaseKitError::PermissionDenied { detail },
            ErrorCode::Conflict => {
                let (case_id, expected, actual) = match &e {
                    Error::Conflict { case_id, expected, actual }
                    | Error::Storage(StoreError::Conflict { case_id, expected, actual }) => {
                        (case_id.to_string(), *expected, *actual)
                    }
                    _ => (e.case_id().map(|c| c.to_string()).unwrap_or_default(), 0, 0),
                };
                CaseKitError::Conflict { detail, case_id, expected, actual }
            }
            ErrorCode::Storage => CaseKitError::Storage { detail },
            ErrorCode::Integrity => CaseKitError::Integrity { detail },
        }
    }
}

/// A Swift or Kotlin `EventListener` threw: uniffi hands the exception here instead of
/// panicking, and the engine drops it (a listener never fails a commit).
impl From<uniffi::UnexpectedUniFFICallbackError> for CaseKitError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        CaseKitError::storage(format!("an event listener failed: {}", e.reason))
    }
}

/// Runs `f`, turning a panic into [`CaseKitError::Storage`]. Every exported function and
/// method goes through this (uniffi catches panics too, but would report them as an
/// untyped internal error).
pub fn guard<T>(f: impl FnOnce() -> Result<T, CaseKitError>) -> Result<T, CaseKitError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(CaseKitError::panic(&*payload)))
}

/// `Result` with [`CaseKitError`].
pub type Result<T, E = CaseKitError> = std::result::Result<T, E>;
