//! # casekit-ffi
//!
//! The Swift and Kotlin binding of casekit, made with uniffi proc-macros. This crate is
//! thin: it converts types and maps errors, and holds no domain rules (those live in
//! `casekit`). The Swift and Kotlin sources are generated from the compiled library
//! (uniffi "library mode") by `bindings-swift/scripts/test.sh`; they are not committed.
//!
//! What crosses the boundary:
//! - `Casebook` (an object): commands as typed methods (`completeIntake`, ...), the
//!   generic `execute(Command)` and `executeBatch`, `get`, `list`, `history`, `verify`,
//!   `readLog`, `subscribe`/`unsubscribe` with an `EventListener` implemented in Swift
//!   or Kotlin, documents, programs. In-memory and SQLite stores.
//! - Records mirroring casekit's (`CaseView`, `Goal`, ...), casekit's own plain enums.
//!   Ids are UUID text, times RFC 3339 text, dates `YYYY-MM-DD`; free-form JSON values
//!   (assessment responses, custom fields) are JSON text. Events come typed (`Event`)
//!   and as casekit's JSON (`eventJson`).
//! - `CaseKitError`: one variant per stable error code; no panic crosses the boundary.

#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

uniffi::setup_scaffolding!("casekit");

pub mod book;
pub mod command;
pub mod convert;
pub mod error;
pub mod event;
pub mod types;

pub use book::{Casebook, EventListener, ManualClock, SqliteTuning, Synchronous};
pub use command::{BatchItem, Command};
pub use error::CaseKitError;
pub use event::{Committed, Event, IdentifiedNeedRecord, RecordedEvent};
pub use types::*;

/// The version of casekit this library was built from.
#[uniffi::export]
pub fn casekit_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Panics inside the library on purpose, to prove that a panic reaches Swift or Kotlin
/// as `CaseKitError.Storage` and never as a crash (for tests only).
#[uniffi::export]
pub fn panic_for_tests(message: String) -> Result<(), CaseKitError> {
    error::guard(|| panic!("{message}"))
}
