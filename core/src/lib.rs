//! # casekit
//!
//! Embeddable case management: the whole case-management process — intake, needs
//! assessment, service planning, implementation and monitoring, evaluation, closure,
//! reassessment and reopening — as a typed, event-sourced state machine.
//!
//! The domain is two pure functions over one transition table ([`lifecycle::RULES`]):
//! [`decide()`] validates a command and returns events; [`evolve`] applies an event.
//! [`Casebook`] runs them against a [`Store`] with optimistic concurrency,
//! authorization and subscriptions. This crate does no I/O: stores live in their own
//! crates (`casekit-sqlite`, `casekit-postgres`); [`MemoryStore`] is the reference.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Input reaches almost every path of the engine: no panicking shortcuts outside tests.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

pub mod actor;
pub mod auth;
pub mod clock;
pub mod command;
pub mod decide;
pub mod engine;
pub mod envelope;
pub mod error;
pub mod event;
pub mod ids;
pub mod lifecycle;
pub mod memory;
pub mod model;
pub mod program;
pub mod state;
pub mod store;
pub mod typestate;

#[cfg(any(test, feature = "testing"))]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
pub mod testing;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub use actor::{Actor, Role};
pub use clock::{Clock, IdGen, ManualClock, SequentialIds, Timestamp};
#[cfg(feature = "system")]
pub use clock::{RandomIds, SystemClock};
pub use command::{Command, CommandKind};
pub use decide::{decide, Context};
pub use engine::{
    BatchCommand, BatchSummary, Casebook, Committed, DocumentUpload, Page, SubscriptionId, VerifyReport,
    DEFAULT_CACHE_CAPACITY, PIPELINE_FROM,
};
pub use error::{field_within, Error, ErrorCode, Result, StoreError};
pub use event::{Event, EventHash, RecordedEvent, StoredEvent};
pub use ids::*;
pub use memory::MemoryStore;
pub use model::{Phase, Priority};
pub use program::{CustomFieldDef, CustomFieldKind, Program, ProgramCatalog};
pub use state::{evolve, replay, CaseState};
pub use store::{AppendBatch, CaseQuery, CaseSummary, Store, StoreQuery};
