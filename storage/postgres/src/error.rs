//! The one place where the driver's errors become casekit's: callers only ever see
//! `StoreError`, never a `postgres` type.

use casekit::{CaseId, StoreError};
use postgres::error::SqlState;
use std::fmt;

/// A driver failure with what the store was doing (and for which case) when it failed.
#[derive(Debug)]
struct BackendError {
    context: String,
    source: Option<postgres::Error>,
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            // The driver's Display for server errors is only "db error"; the server's
            // own message says what happened.
            Some(source) => match source.as_db_error() {
                Some(db) => write!(f, "postgres: {}: {} ({})", self.context, db.message(), db.code().code()),
                None => write!(f, "postgres: {}: {source}", self.context),
            },
            None => write!(f, "postgres: {}", self.context),
        }
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A backend error: `err` happened while doing `context`.
pub(crate) fn backend(context: impl Into<String>, err: postgres::Error) -> StoreError {
    StoreError::Backend(Box::new(BackendError { context: context.into(), source: Some(err) }))
}

/// A backend error with no driver error behind it.
pub(crate) fn backend_msg(context: impl Into<String>) -> StoreError {
    StoreError::Backend(Box::new(BackendError { context: context.into(), source: None }))
}

/// Stored data failed to decode.
pub(crate) fn integrity(case_id: Option<CaseId>, message: impl Into<String>) -> StoreError {
    StoreError::Integrity { case_id, message: message.into() }
}

/// Adds context to driver results.
pub(crate) trait Context<T> {
    /// Maps the error to a backend error saying what was being done.
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, postgres::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|e| backend(context(), e))
    }
}

/// Whether the server refused a transaction only because of concurrency (a deadlock or
/// a serialization failure): running it again from the start may well succeed.
pub(crate) fn is_retryable(err: &postgres::Error) -> bool {
    matches!(err.code(), Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE)
}

/// Whether the error is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &postgres::Error) -> bool {
    err.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// Whether the connection is gone (closed by the server, the network, or a restart):
/// the pool drops it, and work that had not started may run again on a fresh one.
pub(crate) fn is_connection_lost(err: &postgres::Error) -> bool {
    err.is_closed()
        || matches!(err.code(), Some(c) if *c == SqlState::ADMIN_SHUTDOWN
            || *c == SqlState::CRASH_SHUTDOWN
            || *c == SqlState::CANNOT_CONNECT_NOW
            || c.code().starts_with("08"))
        || (err.as_db_error().is_none() && std::error::Error::source(err).is_some_and(|s| s.is::<std::io::Error>()))
}
