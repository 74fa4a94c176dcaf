//! Shared by the integration tests: a small random workload, queries to compare stores
//! with, and a way to run a test's helper in a child process.

#![allow(dead_code)]

// The random workload, readers and queries are shared by every store's tests.
pub use casekit::testing::random::*;

/// Runs the test named `name` of this test binary in a child process with `env` set
/// (the test checks the variable and does the child's work); returns the child.
pub fn spawn_child(name: &str, env: &[(&str, String)]) -> std::process::Child {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads", "1", "-q"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::inherit());
    cmd.spawn().expect("spawn child")
}
