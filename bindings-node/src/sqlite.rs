//! The SQLite store (crate `casekit-sqlite`): one file, WAL, no setup.

use crate::error::Failure;
use casekit::Store;
use casekit_sqlite::{SqliteOptions, SqliteStore, Synchronous};

/// Opens (creating if needed) the SQLite file at `path` in WAL mode; `full` selects
/// `synchronous=FULL` (an fsync per commit), else NORMAL. `:memory:` is a private
/// in-memory SQLite database.
pub fn open(path: &str, full: bool) -> Result<Box<dyn Store>, Failure> {
    let store = if path == ":memory:" {
        SqliteStore::in_memory()
    } else {
        let synchronous = if full { Synchronous::Full } else { Synchronous::Normal };
        SqliteStore::open_with(path, SqliteOptions { synchronous, ..SqliteOptions::default() })
    };
    store.map(|s| Box::new(s) as Box<dyn Store>).map_err(|e| Failure::from(casekit::Error::Storage(e)))
}
