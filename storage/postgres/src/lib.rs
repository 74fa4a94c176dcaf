//! # casekit-postgres
//!
//! The PostgreSQL store for [`casekit`]: one database shared by any number of
//! application instances. [`PostgresStore`] implements [`casekit::Store`] and behaves
//! exactly like the in-memory reference store (it runs core's conformance kit
//! unchanged); [`PostgresStore::follow_log`] delivers every event committed by any
//! instance to code running in this one.
//!
//! ```no_run
//! use casekit::{Actor, Casebook, Role, command::OpenCase, model::ClientDetails};
//! use casekit_postgres::PostgresStore;
//!
//! let book = Casebook::new(PostgresStore::connect("postgres://app@db.internal/cases")?);
//! let worker = Actor::new("iris", [Role::IntakeWorker], ["housing"]);
//! let opened = book.open_case(&worker, OpenCase {
//!     program: "housing".into(),
//!     client: ClientDetails { name: "Ada Lovelace".into(), ..Default::default() },
//!     ..Default::default()
//! })?;
//! assert_eq!(opened.version, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The API is synchronous like the rest of casekit (the `postgres` client runs its own
//! small runtime inside); connections come from a pool of [`PostgresOptions::pool_size`].
//! TLS is the `tls` cargo feature (off by default; rustls with the ring provider, so no
//! system OpenSSL is needed or loaded): with it, the URL's `sslmode`
//! (`disable`, `prefer` — the default —, `require`) applies, and server certificates are
//! verified against the system's store plus [`PostgresOptions::tls_root_certificates`].
//! Without it, connections are in the clear and `sslmode=require` is refused.
//!
//! ## Layout and migrations
//!
//! Everything lives in one schema ([`PostgresOptions::schema`], `casekit` by default),
//! created and migrated forward on connect. `casekit_schema_version` records the
//! versions applied; a schema newer than this crate ([`SCHEMA_VERSION`]) is refused
//! with a clear error, never changed. Events are kept exactly as core hands them over
//! (payload TEXT, not jsonb; `recorded_at` a `timestamptz` at the microseconds the hash
//! chain covers).
//!
//! ## Concurrency
//!
//! An append is one transaction. Its expected-version check is the database's: the
//! case row is written with `UPDATE … WHERE case_id = $1 AND version = $expected` (or
//! `INSERT … ON CONFLICT DO NOTHING` for a new case), which waits for a concurrent
//! writer of the same case and re-checks after its commit; a row not written is a
//! [`casekit::StoreError::Conflict`] carrying the version read back. `UNIQUE (case_id,
//! sequence)` on the events is the backstop. Multi-case appends lock their cases in id
//! order first. A deadlock or serialization failure (`40P01`, `40001`) is retried
//! internally, from the start, up to 4 times, then returned as a storage error; so is a
//! connection found lost before the transaction began. A connection lost *during*
//! `COMMIT` is reported as a storage error saying the outcome is unknown (check the
//! case's version).
//!
//! ## The global log has no gaps a reader could see filled later
//!
//! Positions come from a one-row counter, `log_head`, updated as the last statement of
//! every append (`UPDATE log_head SET position = position + n`), in the same statement
//! that inserts the events numbered from it. The row stays locked until the append
//! commits, so appends take positions one after another and each commits before the
//! next can take its own: position order *is* commit order. PostgreSQL makes a commit
//! visible before it releases the transaction's locks, so by the time any append holds
//! position p+1, every event up to p is visible to every new snapshot. A reader of
//! `read_log` therefore never sees p+1 without p, and positions are contiguous (a
//! rolled-back append gives its numbers back). The price is that commits of appends
//! are serialized from that last statement to the end of their commit; everything
//! before it (version checks, summaries, note words) runs concurrently.
//!
//! ## Following the log from another instance
//!
//! Every append also queues `pg_notify('casekit_log_<schema>', '')`, delivered when it
//! commits. A [`LogFollower`] (from [`PostgresStore::follow_log`]) listens on that
//! channel on a connection of its own, reads the log after the last position it
//! delivered when woken (or every [`FollowOptions::poll_interval`], as a fallback), and
//! calls back with each event in order. When its connection is lost it reconnects,
//! listens again before reading, and resumes from its last position: nothing is lost,
//! nothing is delivered twice.

#![deny(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod codec;
mod error;
mod follower;
mod pool;
mod query;
mod schema;
mod store;
mod tuning;

#[cfg(feature = "testing")]
pub mod testing;

pub use follower::{FollowOption, FollowOptionError, FollowOptions, LogFollower};
pub use schema::SCHEMA_VERSION;
pub use store::{PostgresOptions, PostgresStore};
pub use tuning::{PostgresOption, PostgresTuning, PostgresTuningError};
