//! CM-22 (`casekit::testing::cm22`, ../shared/BENCHMARKS.md) over PostgreSQL: per case
//! 22 commands from intake to closure, each its own committed append, run by 1, 4 and 8
//! concurrent clients (threads, each with its own `Casebook`, over one store whose
//! pool has a connection per client).
//!
//! `cargo bench -p casekit-postgres [--features compare-sqlite]`
//!
//! Uses `DATABASE_URL` when set, else a throwaway local cluster (fsync on). Runs each
//! client count with `synchronous_commit` on (every commit flushed to disk before it
//! is acknowledged) and off (flushed within ~200 ms; a crash of the *server machine*
//! may lose the last acknowledged commits, never consistency — what SQLite's
//! `synchronous = NORMAL` promises). With `compare-sqlite`, casekit-sqlite runs the same
//! workload in the same run (one file, WAL, `NORMAL`). `CM22_CASES` sets the cases per
//! client (default 40). Prints a table and one JSON line per run.

use casekit::testing::cm22;
use casekit::{Casebook, RandomIds, Store};
use casekit_postgres::testing::{scratch_schema, Cluster, DATABASE_URL};
use casekit_postgres::{PostgresOptions, PostgresStore};
use std::sync::Arc;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const CLIENTS: [usize; 3] = [1, 4, 8];

/// Runs `clients` threads of `cases` CM-22 cases each over `store`; returns seconds.
fn run<S: Store + 'static>(store: Arc<S>, clients: usize, cases: usize) -> Res<f64> {
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || -> Result<(), casekit::Error> {
                let book = Casebook::new(store);
                book.register_program(cm22::program())?;
                cm22::run_each(&book, t * cases, cases, &RandomIds)
            })
        })
        .collect();
    for t in threads {
        t.join().map_err(|_| "a client panicked")??;
    }
    let seconds = start.elapsed().as_secs_f64();
    let events = store.read_log(0, usize::MAX)?.len();
    if events != 22 * cases * clients {
        return Err(format!("expected {} events, found {events}", 22 * cases * clients).into());
    }
    Ok(seconds)
}

fn with_option(url: &str, setting: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}options=-c%20{}", setting.replace('=', "%3D"))
    } else {
        format!("{url} options='-c {setting}'")
    }
}

fn report(store: &str, mode: &str, clients: usize, cases: usize, seconds: f64) {
    let commands = 22 * cases * clients;
    let rate = commands as f64 / seconds;
    println!("| {store} | {mode} | {clients} | {commands} | {seconds:.2} | {rate:.0} |");
    eprintln!(
        r#"{{"impl":"casekit-{store}","mode":"{mode}","clients":{clients},"commands":{commands},"seconds":{seconds:.4},"commands_per_sec":{}}}"#,
        rate.round() as u64
    );
}

fn main() -> Res<()> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary
    // without it, where a benchmark has no business running.
    if !std::env::args().any(|a| a == "--bench") {
        println!("cm22_postgres: a benchmark; run it with `cargo bench -p casekit-postgres`");
        return Ok(());
    }
    let cases: usize = std::env::var("CM22_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let mut cluster = None;
    let url = match std::env::var(DATABASE_URL).ok().filter(|u| !u.is_empty()) {
        Some(url) => url,
        None => {
            let c = Cluster::start(true)?;
            let url = c.url().to_owned();
            cluster = Some(c);
            url
        }
    };
    println!("| store | mode | clients | commands | seconds | commands/s |");
    println!("|---|---|---:|---:|---:|---:|");
    for sync in ["on", "off"] {
        let url = with_option(&url, &format!("synchronous_commit={sync}"));
        for clients in CLIENTS {
            let options = PostgresOptions { schema: scratch_schema(), pool_size: clients, ..Default::default() };
            let store = Arc::new(PostgresStore::connect_with(&url, options)?);
            let seconds = run(store.clone(), clients, cases)?;
            report("postgres", &format!("synchronous_commit={sync}"), clients, cases, seconds);
            let mut admin = postgres::Client::connect(&url, postgres::NoTls)?;
            admin.batch_execute(&format!("DROP SCHEMA \"{}\" CASCADE", store.schema()))?;
        }
    }
    #[cfg(feature = "compare-sqlite")]
    for clients in CLIENTS {
        let path = std::env::temp_dir().join(format!("cm22-pg-compare-{}.db", std::process::id()));
        let remove = |p: &std::path::Path| {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
        };
        remove(&path);
        let store = Arc::new(casekit_sqlite::SqliteStore::open(&path)?);
        let seconds = run(store, clients, cases)?;
        report("sqlite", "wal-normal", clients, cases, seconds);
        remove(&path);
    }
    drop(cluster);
    Ok(())
}
