//! The one place where SQLite's errors become casekit's: callers only ever see
//! `StoreError`, never a rusqlite type.

use casekit::{CaseId, StoreError};
use std::fmt;

/// A driver failure with what the store was doing (and for which case) when it failed.
#[derive(Debug)]
struct BackendError {
    context: String,
    source: Option<rusqlite::Error>,
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "sqlite: {}: {source}", self.context),
            None => write!(f, "sqlite: {}", self.context),
        }
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A backend error: `err` happened while doing `context`.
pub(crate) fn backend(context: impl Into<String>, err: rusqlite::Error) -> StoreError {
    StoreError::Backend(Box::new(BackendError { context: context.into(), source: Some(err) }))
}

/// A backend error with no driver error behind it.
pub(crate) fn backend_msg(context: impl Into<String>) -> StoreError {
    StoreError::Backend(Box::new(BackendError { context: context.into(), source: None }))
}

/// Stored data of `case_id` failed to decode.
pub(crate) fn integrity(case_id: Option<CaseId>, message: impl Into<String>) -> StoreError {
    StoreError::Integrity { case_id, message: message.into() }
}

/// Adds context to rusqlite results.
pub(crate) trait Context<T> {
    /// Maps the error to a backend error saying what was being done.
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|e| backend(context(), e))
    }
}
