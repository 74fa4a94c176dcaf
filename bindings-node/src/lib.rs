//! casekit-node: the native addon behind the npm package `casekit`.
//!
//! Thin by design: JSON text and plain values in, core calls, JSON text out, and every
//! error mapped to a stable code (DESIGN.md). The typed, idiomatic API (`Casebook`,
//! `completeIntake`, promises, `Error` objects with `.code`) lives in the TypeScript
//! layer (`ts/index.ts`) over this module. No panic crosses into Node: synchronous
//! functions are wrapped by `catch_unwind`, and the worker thread catches per call.

#![deny(clippy::unwrap_used, clippy::expect_used)]

/// The addon's own allocator (mimalloc, configured for it: see `casekit-alloc`). A
/// batch's allocations are made on the casebook's worker and freed on the SQLite
/// writer's and the answer freer's threads, which glibc's malloc handles slowly.
#[global_allocator]
static ALLOCATOR: casekit_alloc::Allocator = casekit_alloc::Allocator;

mod answer;
mod book;
mod clock;
mod convert;
mod error;
mod postgres;
mod sqlite;

// Exported to JavaScript by `#[napi]`; named here so every build target sees it used.
pub use answer::committed_events;

use napi_derive::napi;

/// The snake_case names of every command core knows, in declaration order.
#[napi(catch_unwind)]
pub fn command_kinds() -> Vec<String> {
    casekit::CommandKind::ALL.iter().map(|k| k.as_str().to_owned()).collect()
}

/// The stable error codes, in order.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<String> {
    casekit::ErrorCode::ALL.iter().map(|c| c.as_str().to_owned()).collect()
}

/// Panics on purpose, to prove that panics stop at the boundary (tests only).
#[napi(catch_unwind)]
pub fn panic_for_test(message: String) {
    panic!("{message}");
}
