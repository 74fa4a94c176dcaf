//! Connections: how they are opened (URL, TLS, the store's schema on the search path)
//! and a small blocking pool of them, each with its own prepared-statement cache.

use crate::error::{backend, backend_msg, is_connection_lost, Context};
use crate::PostgresOptions;
use casekit::StoreError;
use postgres::config::SslMode;
use postgres::types::ToSql;
use postgres::{Client, Config, Row, Statement};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest schema name a store accepts: its notification channel
/// (`casekit_log_<schema>`) must fit PostgreSQL's 63-byte identifiers.
pub(crate) const MAX_SCHEMA_LEN: usize = 48;

/// Checks a schema name: letters, digits and `_`, not starting with a digit. Anything
/// else would need quoting rules everywhere the name travels (channels, advisory keys,
/// logs); a plain identifier keeps it simple.
pub(crate) fn check_schema(schema: &str) -> Result<(), StoreError> {
    let ok = !schema.is_empty()
        && schema.len() <= MAX_SCHEMA_LEN
        && schema.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && schema.as_bytes().first().is_some_and(|b| !b.is_ascii_digit())
        && !schema.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(backend_msg(format!(
            "schema name {schema:?} is not allowed: use 1 to {MAX_SCHEMA_LEN} ASCII letters, digits or `_`, \
             not starting with a digit or `pg_`"
        )))
    }
}

/// A schema name quoted as an SQL identifier (names are checked by [`check_schema`], so
/// quoting only preserves case).
pub(crate) fn quoted(schema: &str) -> String {
    format!("\"{}\"", schema.replace('"', "\"\""))
}

/// How connections are made: the parsed URL, the TLS connector, the schema.
#[derive(Clone)]
pub(crate) struct Connector {
    config: Config,
    tls: Tls,
    schema: String,
}

#[derive(Clone)]
enum Tls {
    Plain,
    #[cfg(feature = "tls")]
    Rustls(tokio_postgres_rustls::MakeRustlsConnect),
}

impl Connector {
    /// Parses `url` (`postgres://user:pass@host:port/db?sslmode=...`, or the key=value
    /// form). The URL's own settings win; casekit only fills in what it leaves out.
    pub(crate) fn new(url: &str, options: &PostgresOptions) -> Result<Connector, StoreError> {
        let schema = options.schema.as_str();
        check_schema(schema)?;
        let mut config: Config = url.parse().map_err(|e: postgres::Error| {
            // The driver's message never includes the URL (which may hold a password).
            backend_msg(format!("the connection URL is not valid: {e}"))
        })?;
        if config.get_application_name().is_none() {
            config.application_name("casekit");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        let tls = tls_for(&config, &options.tls_root_certificates)?;
        Ok(Connector { config, tls, schema: schema.to_owned() })
    }

    /// The schema the store lives in.
    pub(crate) fn schema(&self) -> &str {
        &self.schema
    }

    /// A new connection with the store's schema first on its search path.
    /// `application_name` overrides the URL's (the log follower names itself).
    pub(crate) fn connect(&self, application_name: Option<&str>) -> Result<Client, StoreError> {
        let mut config = self.config.clone();
        if let Some(name) = application_name {
            config.application_name(name);
        }
        let mut client = match &self.tls {
            Tls::Plain => config.connect(postgres::NoTls),
            #[cfg(feature = "tls")]
            Tls::Rustls(tls) => config.connect(tls.clone()),
        }
        .ctx(|| "connecting".into())?;
        // Every statement names its tables unqualified; the search path puts them in
        // the store's schema (which may not exist until the first migration: fine).
        client
            .batch_execute(&format!("SET search_path TO {}, pg_catalog", quoted(&self.schema)))
            .ctx(|| format!("selecting schema {}", self.schema))?;
        Ok(client)
    }
}

/// The TLS connector (rustls, so nothing is loaded until a connection asks for TLS):
/// server certificates are verified against the system's certificate store and `roots`
/// (with `sslmode=prefer`, the default, a server without TLS is still reached in the
/// clear; `require` insists on TLS).
#[cfg(feature = "tls")]
fn tls_for(config: &Config, roots: &[Vec<u8>]) -> Result<Tls, StoreError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    if matches!(config.get_ssl_mode(), SslMode::Disable) {
        return Ok(Tls::Plain);
    }
    let mut store = rustls::RootCertStore::empty();
    // The system's store; certificates it cannot parse are skipped (as OpenSSL does).
    let system = rustls_native_certs::load_native_certs();
    let _ = store.add_parsable_certificates(system.certs);
    for (i, pem) in roots.iter().enumerate() {
        let bad = |e: String| backend_msg(format!("tls_root_certificates[{i}] is not a PEM certificate: {e}"));
        let mut found = false;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| bad(e.to_string()))?;
            store.add(cert).map_err(|e| bad(e.to_string()))?;
            found = true;
        }
        if !found {
            return Err(bad("no certificate in it".into()));
        }
    }
    // ring rather than rustls' preferred aws-lc-rs: that one needs cmake and a C
    // toolchain's worth of build on every machine (and the mobile targets). ring's
    // provider is deprecated for lacking post-quantum key exchange only.
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| backend_msg(format!("setting up TLS: {e}")))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Tls::Rustls(tokio_postgres_rustls::MakeRustlsConnect::new(config)))
}

#[cfg(not(feature = "tls"))]
fn tls_for(config: &Config, roots: &[Vec<u8>]) -> Result<Tls, StoreError> {
    if matches!(config.get_ssl_mode(), SslMode::Require) || !roots.is_empty() {
        return Err(backend_msg(
            "the connection asks for TLS (sslmode=require or tls_root_certificates), but this casekit-postgres \
             was built without its `tls` feature",
        ));
    }
    Ok(Tls::Plain)
}

/// A connection and the statements prepared on it.
pub(crate) struct Conn {
    pub(crate) client: Client,
    statements: HashMap<&'static str, Statement>,
    /// Set when the connection is in an unknown state (a failed rollback, a lost
    /// connection): it is closed instead of going back to the pool.
    pub(crate) broken: bool,
    /// When it was last returned to the pool.
    idle_since: Instant,
}

impl Conn {
    pub(crate) fn new(client: Client) -> Conn {
        Conn { client, statements: HashMap::new(), broken: false, idle_since: Instant::now() }
    }

    /// `sql`, prepared once per connection.
    pub(crate) fn statement(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    /// Notes a failure: a lost connection is not reused.
    pub(crate) fn saw(&mut self, err: &postgres::Error) {
        if is_connection_lost(err) {
            self.broken = true;
        }
    }

    /// Runs a prepared (and cached) query.
    pub(crate) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        let result = self.statement(sql).and_then(|s| self.client.query(&s, params));
        if let Err(e) = &result {
            self.saw(e);
        }
        result
    }

    /// Runs a prepared (and cached) statement; returns the rows it touched.
    pub(crate) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        let result = self.statement(sql).and_then(|s| self.client.execute(&s, params));
        if let Err(e) = &result {
            self.saw(e);
        }
        result
    }
}

/// A connection idle longer than this is checked with a round trip before it is lent.
const IDLE_CHECK_AFTER: Duration = Duration::from_secs(15);

/// A fixed-size pool of connections, opened on demand. Callers that find every
/// connection busy wait for one (up to the checkout timeout).
pub(crate) struct Pool {
    connector: Connector,
    size: usize,
    checkout_timeout: Duration,
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    idle: Vec<Conn>,
    /// Connections open, idle or lent out.
    open: usize,
}

impl Pool {
    pub(crate) fn new(connector: Connector, size: usize, checkout_timeout: Duration) -> Pool {
        Pool {
            connector,
            size: size.max(1),
            checkout_timeout,
            state: Mutex::new(State { idle: Vec::new(), open: 0 }),
            freed: Condvar::new(),
        }
    }

    pub(crate) fn connector(&self) -> &Connector {
        &self.connector
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is two plain values updated in single statements: a panic elsewhere
        // cannot leave it half-changed.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A connection: an idle one, a new one if fewer than `size` are open, or the next
    /// one returned.
    pub(crate) fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let deadline = Instant::now() + self.checkout_timeout;
        let mut state = self.lock();
        loop {
            if let Some(mut conn) = state.idle.pop() {
                if conn.client.is_closed() {
                    state.open -= 1;
                    continue;
                }
                if conn.idle_since.elapsed() < IDLE_CHECK_AFTER {
                    return Ok(Pooled { pool: self, conn: Some(conn) });
                }
                // Idle for a while: the server may have restarted or a firewall dropped
                // it. A round trip now saves a failed (and, for an append, ambiguous)
                // call later.
                drop(state);
                if conn.client.is_valid(Duration::from_secs(5)).is_ok() {
                    return Ok(Pooled { pool: self, conn: Some(conn) });
                }
                drop(conn);
                state = self.lock();
                state.open -= 1;
                continue;
            }
            if state.open < self.size {
                state.open += 1;
                drop(state);
                return match self.connector.connect(None) {
                    Ok(client) => Ok(Pooled { pool: self, conn: Some(Conn::new(client)) }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(backend_msg(format!(
                    "no database connection was free within {:?} (pool size {})",
                    self.checkout_timeout, self.size
                )));
            }
            state = self.freed.wait_timeout(state, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    fn put(&self, conn: Conn) {
        let mut state = self.lock();
        let mut closed = Vec::new();
        if conn.broken || conn.client.is_closed() {
            state.open -= 1;
            // One lost connection usually means the others are gone too (a server
            // restart, a network cut): close the idle ones rather than fail on each.
            closed = std::mem::take(&mut state.idle);
            state.open -= closed.len();
            closed.push(conn);
        } else {
            let mut conn = conn;
            conn.idle_since = Instant::now();
            state.idle.push(conn);
        }
        drop(state);
        self.freed.notify_all();
        drop(closed);
    }
}

/// A connection lent by the pool; it goes back when dropped.
pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        // Only `drop` takes the connection out.
        match &self.conn {
            Some(c) => c,
            None => unreachable!("a pooled connection is present until dropped"),
        }
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        match &mut self.conn {
            Some(c) => c,
            None => unreachable!("a pooled connection is present until dropped"),
        }
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.put(conn);
        }
    }
}

/// Runs `sql` on `conn` and maps a failure with `context`, marking a lost connection.
pub(crate) fn batch(conn: &mut Conn, sql: &str, context: impl FnOnce() -> String) -> Result<(), StoreError> {
    conn.client.batch_execute(sql).map_err(|e| {
        conn.saw(&e);
        backend(context(), e)
    })
}
