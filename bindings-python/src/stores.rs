//! Which store a path or URL names, and opening it. Adding a store is one arm here.

use crate::errors;
use casekit::{Error, Store};
use casekit_postgres::{PostgresOptions, PostgresStore};
use casekit_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use pyo3::prelude::*;

/// How durable each SQLite commit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sync {
    /// WAL, synced at checkpoints: a crash may lose the last commits, never corrupts.
    Normal,
    /// WAL, synced at every commit.
    Full,
}

/// A store to open.
#[derive(Clone, Debug)]
pub enum Spec {
    /// A SQLite file (`:memory:` for an in-memory SQLite database).
    Sqlite { path: String, sync: Sync },
    /// A PostgreSQL database, in one schema.
    Postgres { url: String, schema: String },
}

impl Spec {
    /// For `repr` and `Casebook.store`.
    pub fn describe(&self) -> String {
        match self {
            Spec::Sqlite { path, .. } => format!("sqlite:{path}"),
            // Never echo the URL: it may carry a password.
            Spec::Postgres { schema, .. } => format!("postgres (schema {schema})"),
        }
    }
}

/// Reads `path_or_url`: `postgres://` / `postgresql://` URLs, `sqlite://PATH` or
/// `sqlite:PATH`, `:memory:`, or a plain file path.
pub fn parse(py: Python<'_>, target: &str, synchronous: &str, schema: Option<&str>) -> PyResult<Spec> {
    let sync = match synchronous {
        "normal" => Sync::Normal,
        "full" => Sync::Full,
        _ => return Err(errors::validation(py, "synchronous", "expected \"normal\" or \"full\"")),
    };
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        let schema = schema.unwrap_or("casekit").to_owned();
        return Ok(Spec::Postgres { url: target.to_owned(), schema });
    }
    if schema.is_some() {
        return Err(errors::validation(py, "schema", "a schema applies to PostgreSQL URLs only"));
    }
    let path = if let Some(rest) = target.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = target.strip_prefix("sqlite:") {
        rest
    } else if lower.contains("://") {
        return Err(errors::validation(py, "url", "unknown kind of store; give a file path or a sqlite: URL"));
    } else {
        target
    };
    if path.trim().is_empty() {
        return Err(errors::validation(py, "path_or_url", "give a file path"));
    }
    if path.contains('\0') {
        return Err(errors::validation(py, "path_or_url", "a path cannot contain NUL"));
    }
    Ok(Spec::Sqlite { path: path.to_owned(), sync })
}

/// Opens the store. Runs without the GIL.
pub fn open(spec: Spec) -> Result<Box<dyn Store>, Error> {
    match spec {
        Spec::Sqlite { path, sync } => open_sqlite(&path, sync),
        Spec::Postgres { url, schema } => {
            let options = PostgresOptions { schema, ..PostgresOptions::default() };
            PostgresStore::connect_with(&url, options).map(|s| Box::new(s) as Box<dyn Store>).map_err(Error::Storage)
        }
    }
}

fn open_sqlite(path: &str, sync: Sync) -> Result<Box<dyn Store>, Error> {
    let store = if path == ":memory:" {
        SqliteStore::in_memory()
    } else {
        let synchronous = match sync {
            Sync::Normal => Synchronous::Normal,
            Sync::Full => Synchronous::Full,
        };
        SqliteStore::open_with(path, SqliteOptions { synchronous, ..SqliteOptions::default() })
    };
    store.map(|s| Box::new(s) as Box<dyn Store>).map_err(Error::Storage)
}
