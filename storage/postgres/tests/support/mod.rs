//! Shared by the integration tests: actors, a small deterministic random workload, and
//! running a test of this binary as a child process.

#![allow(dead_code)]

// The random workload, readers and queries are shared by every store's tests.
pub use casekit::testing::random::*;

/// Runs the test named `name` of this test binary in a child process with `env` set
/// (the test checks its variables and does the child's work), against the same
/// database as this process; returns the child with its stdout piped.
pub fn spawn_child(name: &str, env: &[(&str, String)]) -> std::process::Child {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads", "1", "-q"]);
    cmd.env(casekit_postgres::testing::DATABASE_URL, casekit_postgres::testing::database_url());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::inherit());
    cmd.spawn().expect("spawn child")
}

/// A direct connection to the test database, for looking behind the store's back.
pub fn admin() -> postgres::Client {
    postgres::Client::connect(&casekit_postgres::testing::database_url(), postgres::NoTls).expect("admin connection")
}

/// Polls `count` (a `SELECT count(*) FROM pg_stat_activity ...` with `params`) every
/// couple of milliseconds until `done` holds for what it counts; fails the test with
/// `what` if that takes 20 seconds.
pub fn await_activity(
    db: &mut postgres::Client,
    count: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
    done: impl Fn(i64) -> bool,
    what: &str,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let n: i64 = db.query_one(count, params).expect("pg_stat_activity").get(0);
        if done(n) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{what}");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}
