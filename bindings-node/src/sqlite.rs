//! The SQLite store (crate `casekit-sqlite`): one file, WAL, no setup.

use crate::convert::whole;
use crate::error::Failure;
use casekit::Store;
use casekit_sqlite::{SqliteOption, SqliteOptions, SqliteStore, SqliteTuning, Synchronous};
use serde_json::Value;
use std::time::Duration;

/// The options as the JavaScript layer sends them (`OpenOptions`' `busyTimeoutMs`,
/// `readers`, `cacheSizeKib`, `checkpointPages`, `rangeWalkBudget` under their
/// snake_case names, any JSON value), checked by [`tuning`].
#[derive(Default)]
pub struct Given<'a> {
    pub busy_timeout_ms: Option<&'a Value>,
    pub readers: Option<&'a Value>,
    pub cache_size_kib: Option<&'a Value>,
    pub checkpoint_pages: Option<&'a Value>,
    pub range_walk_budget: Option<&'a Value>,
}

/// The name of a SQLite option in errors (the snake_case of `OpenOptions`' own).
pub fn option_name(option: SqliteOption) -> &'static str {
    match option {
        SqliteOption::BusyTimeout => "busy_timeout_ms",
        SqliteOption::Readers => "readers",
        SqliteOption::CacheSizeKib => "cache_size_kib",
        SqliteOption::CheckpointPages => "checkpoint_pages",
        SqliteOption::RangeWalkBudget => "range_walk_budget",
    }
}

/// Checks the options given (types and ranges), naming the first that is wrong.
pub fn tuning(given: &Given<'_>) -> Result<SqliteTuning, Failure> {
    let u32_max = u64::from(u32::MAX);
    let narrow = |n: Option<u64>| n.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let max_ms = u64::try_from(SqliteTuning::MAX_BUSY_TIMEOUT.as_millis()).unwrap_or(u64::MAX);
    let tuning = SqliteTuning {
        busy_timeout: whole(option_name(SqliteOption::BusyTimeout), given.busy_timeout_ms, max_ms)?
            .map(Duration::from_millis),
        readers: whole(option_name(SqliteOption::Readers), given.readers, SqliteTuning::MAX_READERS as u64)?
            .map(|n| usize::try_from(n).unwrap_or(SqliteTuning::MAX_READERS)),
        cache_size_kib: narrow(whole(option_name(SqliteOption::CacheSizeKib), given.cache_size_kib, u32_max)?),
        checkpoint_pages: narrow(whole(option_name(SqliteOption::CheckpointPages), given.checkpoint_pages, u32_max)?),
        range_walk_budget: narrow(whole(option_name(SqliteOption::RangeWalkBudget), given.range_walk_budget, u32_max)?),
    };
    tuning.check().map_err(|e| Failure::validation(option_name(e.option), format!("expected {}", e.expected)))?;
    Ok(tuning)
}

/// Opens (creating if needed) the SQLite file at `path` in WAL mode; `full` selects
/// `synchronous=FULL` (an fsync per commit), else NORMAL. `:memory:` is a private
/// in-memory SQLite database (its `tuning` is refused before this).
pub fn open(path: &str, full: bool, tuning: SqliteTuning) -> Result<Box<dyn Store>, Failure> {
    let store = if path == ":memory:" {
        SqliteStore::in_memory()
    } else {
        let synchronous = if full { Synchronous::Full } else { Synchronous::Normal };
        SqliteStore::open_with(path, tuning.apply(SqliteOptions { synchronous, ..SqliteOptions::default() }))
    };
    store.map(|s| Box::new(s) as Box<dyn Store>).map_err(|e| Failure::from(casekit::Error::Storage(e)))
}
