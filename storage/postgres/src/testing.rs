//! A PostgreSQL for tests and benchmarks (the `testing` feature).
//!
//! [`database_url`] is `DATABASE_URL` when it is set; otherwise it starts a throwaway
//! cluster once per process with the installed PostgreSQL server binaries (`initdb` and
//! `pg_ctl` on a temporary directory, listening on 127.0.0.1 and a free port) and stops
//! it when the process exits — also when a test panics, and, through a small watchdog
//! process, when the process is killed. If neither works it panics with a message
//! saying what to install: tests that need PostgreSQL fail, they never skip.
//!
//! Every test works in a schema of its own ([`scratch_store`]), dropped afterwards, so
//! tests share one cluster (or one `DATABASE_URL` database) without seeing each other.

// Tests and benchmarks: failing loudly is the point here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{PostgresOptions, PostgresStore};
use casekit::store::{AppendBatch, CaseSummary, StoreQuery};
use casekit::{CaseId, Store, StoreError, StoredEvent};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The variable naming an existing database to test against instead of a throwaway
/// cluster. Tests pass it on to the child processes they spawn.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// A running throwaway cluster; stopped (and its directory removed) when dropped.
#[derive(Debug)]
pub struct Cluster {
    url: String,
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

/// How a [`Cluster`] is set up beyond the defaults.
#[derive(Clone, Debug, Default)]
pub struct ClusterConfig {
    /// `fsync` on (the benchmark) or off (tests: a killed *process* never loses a
    /// commit either way; only a power loss would).
    pub fsync: bool,
    /// More server settings (`-c name=value`), e.g. `("ssl", "on")`.
    pub settings: Vec<(String, String)>,
    /// Files written into the data directory before it starts (owner-only), e.g. a
    /// TLS certificate and key.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Cluster {
    /// Starts a cluster with `fsync` on or off and otherwise the defaults.
    pub fn start(fsync: bool) -> Result<Cluster, String> {
        Cluster::start_with(&ClusterConfig { fsync, ..Default::default() })
    }

    /// Starts a cluster set up by `config`.
    pub fn start_with(config: &ClusterConfig) -> Result<Cluster, String> {
        let bin = find_binaries()?;
        let as_postgres = is_root();
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("casekit-pg-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        if as_postgres {
            // initdb refuses to run as root: the cluster belongs to the `postgres` user.
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| format!("giving {} to the postgres user: {e}", dir.display()))?;
        }
        let cluster = Cluster { url: String::new(), dir, bin, as_postgres };
        let data = cluster.dir.join("data");
        let out = cluster
            .tool("initdb")
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .map_err(|e| format!("running initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        for (name, bytes) in &config.files {
            use std::os::unix::fs::PermissionsExt;
            let path = data.join(name);
            std::fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("protecting {}: {e}", path.display()))?;
            if as_postgres {
                let (uid, gid) = postgres_user()?;
                std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                    .map_err(|e| format!("giving {} to the postgres user: {e}", path.display()))?;
            }
        }
        let extra: String = config.settings.iter().map(|(k, v)| format!(" -c {k}={v}")).collect();
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let settings = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync={} -c max_connections=300 \
                 -c shared_buffers=128MB{extra}",
                cluster.dir.display(),
                if config.fsync { "on" } else { "off" }
            );
            let log = cluster.dir.join("log");
            let out = cluster
                .tool("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-o", &settings, "-w", "-t", "60", "start"])
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("running pg_ctl: {e}"))?;
            if out.status.success() {
                let mut cluster = cluster;
                cluster.url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
                cluster.watch();
                return Ok(cluster);
            }
            last = format!(
                "{}{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        Err(format!("pg_ctl could not start the cluster: {last}"))
    }

    /// The cluster's URL (`postgres://postgres@127.0.0.1:PORT/postgres`).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        cmd.current_dir(&self.dir);
        cmd
    }

    /// Starts a watchdog that stops the cluster if this process dies without doing it
    /// (SIGKILL, abort): it polls the process and cleans up once it is gone.
    fn watch(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = if self.as_postgres {
            format!("runuser -u postgres -- '{}'", pg_ctl.display())
        } else {
            format!("'{}'", pg_ctl.display())
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             if [ -d '{dir}/data' ]; then {stop} -D '{dir}/data' -m immediate stop; rm -rf '{dir}'; fi",
            pid = std::process::id(),
            dir = self.dir.display(),
        );
        // Its own process group: a Ctrl-C to the test run must not take it down first.
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
    }

    fn stop(&self) {
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

fn postgres_user() -> Result<(u32, u32), String> {
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("reading /etc/passwd: {e}"))?;
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"postgres")).then(|| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))?
        })
        .ok_or_else(|| "running as root, but there is no `postgres` user to own the cluster".into())
}

/// The directory with `initdb` and `pg_ctl`: `$PG_BIN`, the newest
/// `/usr/lib/postgresql/*/bin`, `pg_config --bindir`, or the `PATH`.
fn find_binaries() -> Result<PathBuf, String> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("PG_BIN").map(PathBuf::from) {
        return if has(&dir) { Ok(dir) } else { Err(format!("PG_BIN={} has no initdb and pg_ctl", dir.display())) };
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, d)| has(d))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Ok(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has(&dir) {
            return Ok(dir);
        }
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if has(&dir) {
            return Ok(dir);
        }
    }
    Err("no PostgreSQL server binaries (initdb, pg_ctl) found in $PG_BIN, /usr/lib/postgresql/*/bin, \
         `pg_config --bindir` or PATH"
        .into())
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| format!("finding a free port: {e}"))
}

/// The process-wide cluster, stopped at exit.
static SHARED: OnceLock<Mutex<Option<Cluster>>> = OnceLock::new();

extern "C" fn stop_shared_cluster() {
    if let Some(m) = SHARED.get() {
        if let Some(cluster) = m.lock().unwrap_or_else(|p| p.into_inner()).take() {
            drop(cluster);
        }
    }
}

/// The database tests use: `DATABASE_URL` if set, else this process's throwaway
/// cluster (started on first use, stopped at exit). Panics, saying why and what to
/// install, when neither is available: the tests must run, never skip.
pub fn database_url() -> String {
    if let Some(url) = std::env::var(DATABASE_URL).ok().filter(|u| !u.trim().is_empty()) {
        return url;
    }
    let shared = SHARED.get_or_init(|| {
        let cluster = Cluster::start(false).unwrap_or_else(|e| {
            panic!(
                "the PostgreSQL tests need a database: set DATABASE_URL=postgres://..., or install the \
                 PostgreSQL server binaries (Debian: apt-get install postgresql) so a throwaway cluster can \
                 start. Starting one failed: {e}"
            )
        });
        // Statics are never dropped: stop the cluster when the process exits.
        #[allow(unsafe_code)]
        // SAFETY: registers a plain `extern "C" fn` with no arguments, as atexit expects.
        unsafe {
            libc::atexit(stop_shared_cluster);
        }
        Mutex::new(Some(cluster))
    });
    let guard = shared.lock().unwrap_or_else(|p| p.into_inner());
    guard.as_ref().map(|c| c.url.clone()).expect("the shared cluster is running")
}

/// A schema name no other test (in this process or another) uses.
pub fn scratch_schema() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() % 1_000_000_000).unwrap_or(0);
    format!("t_{}_{}_{stamp}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A store in a fresh schema of the test database; the schema is dropped with it.
pub fn scratch_store() -> ScratchStore {
    scratch_store_with(PostgresOptions { schema: scratch_schema(), ..Default::default() })
}

/// A store with `options` (its schema is dropped with it).
pub fn scratch_store_with(options: PostgresOptions) -> ScratchStore {
    let url = database_url();
    let store = PostgresStore::connect_with(&url, options).unwrap_or_else(|e| panic!("connecting the store: {e}"));
    ScratchStore { store, url, keep: false }
}

/// A [`PostgresStore`] in a schema of its own, dropped (with everything in it) when the
/// store is — unless [`ScratchStore::keep`] was called.
#[derive(Debug)]
pub struct ScratchStore {
    store: PostgresStore,
    url: String,
    keep: bool,
}

impl ScratchStore {
    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Leaves the schema in place when dropped (for other processes still using it).
    pub fn keep(&mut self) {
        self.keep = true;
    }

    /// Another store over the same schema, as a second application instance would have.
    pub fn another_instance(&self) -> PostgresStore {
        PostgresStore::connect_with(&self.url, self.store.options().clone())
            .unwrap_or_else(|e| panic!("connecting a second instance: {e}"))
    }
}

impl std::ops::Deref for ScratchStore {
    type Target = PostgresStore;
    fn deref(&self) -> &PostgresStore {
        &self.store
    }
}

impl Drop for ScratchStore {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if let Ok(mut client) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let schema = crate::pool::quoted(self.store.schema());
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

impl Store for ScratchStore {
    fn append(&self, batches: Vec<AppendBatch>) -> Result<Vec<u64>, StoreError> {
        self.store.append(batches)
    }
    fn load(&self, case_id: CaseId, after_sequence: u64) -> Result<Vec<StoredEvent>, StoreError> {
        self.store.load(case_id, after_sequence)
    }
    fn version(&self, case_id: CaseId) -> Result<Option<u64>, StoreError> {
        self.store.version(case_id)
    }
    fn read_log(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.store.read_log(after_position, limit)
    }
    fn query(&self, query: &StoreQuery<'_>) -> Result<Vec<CaseSummary>, StoreError> {
        self.store.query(query)
    }
    fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError> {
        self.store.put_blob(bytes)
    }
    fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.get_blob(sha256)
    }
}

/// The longest pause [`before_commit`] makes, in microseconds (0: none).
static COMMIT_PAUSE_MICROS: AtomicU64 = AtomicU64::new(0);

/// Makes every append of this process pause for a pseudo-random time up to `max`
/// after writing and before committing — holding its transaction open, as a slow
/// writer would. For tests of what readers see meanwhile and of writers killed
/// mid-transaction. `Duration::ZERO` turns it off.
pub fn pause_before_commit(max: Duration) {
    COMMIT_PAUSE_MICROS.store(u64::try_from(max.as_micros()).unwrap_or(u64::MAX), Ordering::Release);
}

/// Whether appends are to pause before committing.
pub(crate) fn pausing() -> bool {
    COMMIT_PAUSE_MICROS.load(Ordering::Acquire) > 0
}

/// The hook the append calls right before `COMMIT` (only in builds with `testing`).
pub(crate) fn before_commit() {
    let max = COMMIT_PAUSE_MICROS.load(Ordering::Acquire);
    if max == 0 {
        return;
    }
    static SEED: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let mut x = SEED.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    std::thread::sleep(Duration::from_micros(x % (max + 1)));
}
