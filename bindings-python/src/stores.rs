//! Which store a path or URL names, and opening it. Adding a store is one arm here.

use crate::convert;
use crate::errors;
use casekit::{Error, Store};
use casekit_postgres::{PostgresOption, PostgresOptions, PostgresStore, PostgresTuning};
use casekit_sqlite::{SqliteOption, SqliteOptions, SqliteStore, SqliteTuning, Synchronous};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use std::sync::Arc;
use std::time::Duration;

/// How durable each SQLite commit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sync {
    /// WAL, synced at checkpoints: a crash may lose the last commits, never corrupts.
    Normal,
    /// WAL, synced at every commit.
    Full,
}

/// The name of a SQLite option as `Casebook.open` takes it.
fn option_name(option: SqliteOption) -> &'static str {
    match option {
        SqliteOption::BusyTimeout => "busy_timeout",
        SqliteOption::Readers => "readers",
        SqliteOption::CacheSizeKib => "cache_size_kib",
        SqliteOption::CheckpointPages => "checkpoint_pages",
        SqliteOption::RangeWalkBudget => "range_walk_budget",
    }
}

/// The name of a PostgreSQL option as `Casebook.open` takes it.
fn pg_option_name(option: PostgresOption) -> String {
    match option {
        PostgresOption::PoolSize => "pool_size".into(),
        PostgresOption::ConnectTimeout => "connect_timeout".into(),
        PostgresOption::CheckoutTimeout => "checkout_timeout".into(),
        PostgresOption::TlsRootCertificates(None) => "tls_root_certificates".into(),
        PostgresOption::TlsRootCertificates(Some(i)) => format!("tls_root_certificates[{i}]"),
    }
}

/// The store options given to `open`: for a SQLite file, and for PostgreSQL.
#[derive(Clone, Debug, Default)]
pub struct Tuning {
    pub sqlite: SqliteTuning,
    pub postgres: PostgresTuning,
}

/// Reads the store options from `tuning` (`{name: value}`, only the ones given; the
/// Python layer leaves out the `None`s). Refuses unknown names, wrong types and values
/// out of range, naming the option.
pub fn tuning(py: Python<'_>, tuning: Option<&Bound<'_, PyDict>>) -> PyResult<Tuning> {
    let mut out = Tuning::default();
    let Some(dict) = tuning else { return Ok(out) };
    let u32_max = u64::from(u32::MAX);
    for (key, value) in dict.iter() {
        let name: String = key.extract().map_err(|_| errors::validation(py, "options", "names must be strings"))?;
        let bad = |what: &str| errors::validation(py, &name, format!("expected {what}"));
        let whole = |max: u64| -> PyResult<u64> { Ok(convert::u64_in(Some(&value), &name, 0, max)?.unwrap_or(0)) };
        let seconds =
            || -> PyResult<Duration> { Ok(convert::seconds_from_py(Some(&value), &name)?.unwrap_or_default()) };
        let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        let (sqlite, postgres) = (&mut out.sqlite, &mut out.postgres);
        match name.as_str() {
            "busy_timeout" => {
                sqlite.busy_timeout = Some(seconds()?);
            }
            "readers" => {
                let v = whole(SqliteTuning::MAX_READERS as u64)?;
                sqlite.readers = Some(usize::try_from(v).unwrap_or(SqliteTuning::MAX_READERS));
            }
            "cache_size_kib" => sqlite.cache_size_kib = Some(narrow(whole(u32_max)?)),
            "checkpoint_pages" => sqlite.checkpoint_pages = Some(narrow(whole(u32_max)?)),
            "range_walk_budget" => sqlite.range_walk_budget = Some(narrow(whole(u32_max)?)),
            "pool_size" => {
                let v = whole(PostgresTuning::MAX_POOL_SIZE as u64)?;
                postgres.pool_size = Some(usize::try_from(v).unwrap_or(PostgresTuning::MAX_POOL_SIZE));
            }
            "connect_timeout" => postgres.connect_timeout = Some(seconds()?),
            "checkout_timeout" => postgres.checkout_timeout = Some(seconds()?),
            "tls_root_certificates" => {
                let what = "a list of PEM certificates (bytes or str)";
                if value.is_instance_of::<PyString>() || value.is_instance_of::<PyBytes>() {
                    return Err(bad(what)); // one certificate where a list is expected
                }
                let mut pems = Vec::new();
                for (i, item) in value.try_iter().map_err(|_| bad(what))?.enumerate() {
                    let item = item.map_err(|_| bad(what))?;
                    let pem = if let Ok(b) = item.cast::<PyBytes>() {
                        b.as_bytes().to_vec()
                    } else if let Ok(s) = item.cast::<PyString>() {
                        s.to_cow().map_err(|_| bad(what))?.as_bytes().to_vec()
                    } else {
                        let field = format!("tls_root_certificates[{i}]");
                        return Err(errors::validation(py, &field, "expected a PEM certificate (bytes or str)"));
                    };
                    pems.push(pem);
                }
                postgres.tls_root_certificates = Some(pems);
            }
            _ => return Err(errors::validation(py, &name, "no such option")),
        }
    }
    let (sqlite, postgres) = (&out.sqlite, &out.postgres);
    sqlite.check().map_err(|e| errors::validation(py, option_name(e.option), format!("expected {}", e.expected)))?;
    postgres
        .check()
        .map_err(|e| errors::validation(py, &pg_option_name(e.option), format!("expected {}", e.expected)))?;
    Ok(out)
}

/// A store to open.
#[derive(Clone, Debug)]
pub enum Spec {
    /// A SQLite file (`:memory:` for an in-memory SQLite database).
    Sqlite { path: String, sync: Sync, tuning: SqliteTuning },
    /// A PostgreSQL database, in one schema.
    Postgres { url: String, schema: String, tuning: PostgresTuning },
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
pub fn parse(py: Python<'_>, target: &str, synchronous: &str, schema: Option<&str>, tuning: Tuning) -> PyResult<Spec> {
    let sync = match synchronous {
        "normal" => Sync::Normal,
        "full" => Sync::Full,
        _ => return Err(errors::validation(py, "synchronous", "expected \"normal\" or \"full\"")),
    };
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        if let Some(option) = tuning.sqlite.first_given() {
            return Err(errors::validation(py, option_name(option), "applies to SQLite files only"));
        }
        let schema = schema.unwrap_or("casekit").to_owned();
        return Ok(Spec::Postgres { url: target.to_owned(), schema, tuning: tuning.postgres });
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
    if let Some(option) = tuning.postgres.first_given() {
        return Err(errors::validation(py, &pg_option_name(option), "applies to PostgreSQL URLs only"));
    }
    if path == ":memory:" {
        if let Some(option) = tuning.sqlite.first_given() {
            return Err(errors::validation(py, option_name(option), "applies to SQLite files only, not \":memory:\""));
        }
    }
    Ok(Spec::Sqlite { path: path.to_owned(), sync, tuning: tuning.sqlite })
}

/// An open store, and the PostgreSQL store behind it when it is one (for following the
/// log, which only that store does).
pub struct Opened {
    pub store: Box<dyn Store>,
    pub postgres: Option<Arc<PostgresStore>>,
}

/// Opens the store. Runs without the GIL.
pub fn open(spec: Spec) -> Result<Opened, Error> {
    match spec {
        Spec::Sqlite { path, sync, tuning } => Ok(Opened { store: open_sqlite(&path, sync, tuning)?, postgres: None }),
        Spec::Postgres { url, schema, tuning } => {
            let options = tuning.apply(PostgresOptions { schema, ..PostgresOptions::default() });
            let store = Arc::new(PostgresStore::connect_with(&url, options).map_err(Error::Storage)?);
            Ok(Opened { store: Box::new(Arc::clone(&store)), postgres: Some(store) })
        }
    }
}

fn open_sqlite(path: &str, sync: Sync, tuning: SqliteTuning) -> Result<Box<dyn Store>, Error> {
    let store = if path == ":memory:" {
        SqliteStore::in_memory()
    } else {
        let synchronous = match sync {
            Sync::Normal => Synchronous::Normal,
            Sync::Full => Synchronous::Full,
        };
        SqliteStore::open_with(path, tuning.apply(SqliteOptions { synchronous, ..SqliteOptions::default() }))
    };
    store.map(|s| Box::new(s) as Box<dyn Store>).map_err(Error::Storage)
}
