//! Following the global log from any instance: a background thread that delivers every
//! event committed by any writer sharing the database, in position order, exactly once.
//!
//! The thread keeps one connection of its own that `LISTEN`s on the schema's channel;
//! every append queues a `pg_notify` on it inside its transaction, which PostgreSQL
//! delivers when (and only if) the append commits. On a notification (or every
//! `poll_interval`, in case one is lost) the thread reads `read_log(last delivered, …)`
//! and hands the events over in order. Because the log never shows a gap that a later
//! commit fills (see the crate docs), "everything after the last position delivered"
//! is always exactly what is left to deliver: after a lost connection the thread
//! reconnects, listens again *before* reading, and resumes from that position, so
//! nothing is lost and nothing is delivered twice.

use crate::error::backend_msg;
use crate::pool::{quoted, Conn, Connector};
use crate::store::{channel, read_log_on, PostgresStore};
use casekit::{Error, RecordedEvent, StoreError, StoredEvent};
use postgres::fallible_iterator::FallibleIterator;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a [`LogFollower`] reads the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowOptions {
    /// Deliver events after this position (0: from the start of the log). Persist
    /// [`LogFollower::position`] and pass it here to resume where a follower stopped.
    pub after_position: u64,
    /// How many events one read fetches at most. Default 500.
    pub batch_size: usize,
    /// How often the log is read even without a notification (a fallback: notifications
    /// normally wake the follower at once). Default 2 s.
    pub poll_interval: Duration,
    /// The first pause before reconnecting after the connection is lost; it doubles on
    /// each failed attempt, up to 5 s. Default 100 ms.
    pub reconnect_delay: Duration,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            after_position: 0,
            batch_size: 500,
            poll_interval: Duration::from_secs(2),
            reconnect_delay: Duration::from_millis(100),
        }
    }
}

/// One of [`FollowOptions`]' fields, for an error that names it in the caller's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowOption {
    /// `batch_size`.
    BatchSize,
    /// `poll_interval`.
    PollInterval,
    /// `reconnect_delay`.
    ReconnectDelay,
}

/// A [`FollowOptions`] field out of its range: which, and what it expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowOptionError {
    /// The field.
    pub option: FollowOption,
    /// What it takes, for the message ("1 to 100000").
    pub expected: String,
}

impl std::fmt::Display for FollowOptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: expected {}", self.option, self.expected)
    }
}

impl std::error::Error for FollowOptionError {}

impl FollowOptions {
    /// The most events one read may fetch.
    pub const MAX_BATCH_SIZE: usize = 100_000;
    /// The longest `poll_interval` and `reconnect_delay`: an hour.
    pub const MAX_INTERVAL: Duration = Duration::from_secs(60 * 60);

    /// Refuses the first field out of its range: a batch of 1 to
    /// [`MAX_BATCH_SIZE`](Self::MAX_BATCH_SIZE) events, intervals above zero and at
    /// most [`MAX_INTERVAL`](Self::MAX_INTERVAL). [`PostgresStore::follow_log`] checks
    /// them too.
    pub fn check(&self) -> Result<(), FollowOptionError> {
        let out = |option, expected: String| Err(FollowOptionError { option, expected });
        if self.batch_size == 0 || self.batch_size > Self::MAX_BATCH_SIZE {
            return out(FollowOption::BatchSize, format!("1 to {}", Self::MAX_BATCH_SIZE));
        }
        let interval = format!("more than 0 s, at most {} s", Self::MAX_INTERVAL.as_secs());
        if self.poll_interval.is_zero() || self.poll_interval > Self::MAX_INTERVAL {
            return out(FollowOption::PollInterval, interval);
        }
        if self.reconnect_delay.is_zero() || self.reconnect_delay > Self::MAX_INTERVAL {
            return out(FollowOption::ReconnectDelay, interval);
        }
        Ok(())
    }
}

/// The longest pause between reconnection attempts.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(5);

/// How long the thread waits at a time before looking at its stop flag.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// A running log follower. Dropping it stops the thread (and waits for it).
#[derive(Debug)]
pub struct LogFollower {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    /// The position of the last event delivered.
    position: AtomicU64,
    delivered: AtomicU64,
    reconnects: AtomicU64,
    /// The last connection or read failure (the thread retries them), for diagnostics.
    last_error: Mutex<Option<String>>,
    /// What stopped the thread for good, if anything did.
    fatal: Mutex<Option<Error>>,
}

impl Shared {
    fn note(&self, err: impl std::fmt::Display) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(err.to_string());
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

impl LogFollower {
    /// The position of the last event delivered (the `after_position` it started from,
    /// until it delivers one).
    pub fn position(&self) -> u64 {
        self.shared.position.load(Ordering::Acquire)
    }

    /// How many events it has delivered.
    pub fn delivered(&self) -> u64 {
        self.shared.delivered.load(Ordering::Acquire)
    }

    /// How many times it has reconnected after losing its connection.
    pub fn reconnects(&self) -> u64 {
        self.shared.reconnects.load(Ordering::Acquire)
    }

    /// The last failure it recovered from (or is still retrying), if any.
    pub fn last_error(&self) -> Option<String> {
        self.shared.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the thread is still following (false once stopped, or after an event it
    /// could not decode or a callback that panicked).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops following and waits for the thread. Returns the position of the last event
    /// delivered, or what stopped the follower early: an `integrity` error for an event
    /// that does not decode, a `storage` error for a callback that panicked (that event
    /// counts as not delivered).
    pub fn stop(mut self) -> Result<u64, Error> {
        self.halt();
        match self.shared.fatal.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(e) => Err(e),
            None => Ok(self.position()),
        }
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LogFollower {
    fn drop(&mut self) {
        self.halt();
    }
}

type Deliver = Box<dyn FnMut(&StoredEvent) -> Result<(), Error> + Send>;

impl PostgresStore {
    /// Starts a thread that calls `on_event` with every event in the global log after
    /// `options.after_position` — committed by this instance or any other sharing the
    /// database — decoded, in position order, each exactly once, until the returned
    /// handle is stopped or dropped. It survives lost connections (it reconnects and
    /// resumes where it was). An event that does not decode stops it with an
    /// `integrity` error (see [`LogFollower::stop`]).
    pub fn follow_log(
        &self,
        options: FollowOptions,
        mut on_event: impl FnMut(&RecordedEvent) + Send + 'static,
    ) -> Result<LogFollower, StoreError> {
        self.start_follower(
            options,
            Box::new(move |stored: &StoredEvent| {
                let event = stored.decode()?;
                on_event(&event);
                Ok(())
            }),
        )
    }

    /// Like [`follow_log`](Self::follow_log), with the events as stored (payload
    /// undecoded): for copying the log elsewhere, or checking its hash chains.
    pub fn follow_stored_log(
        &self,
        options: FollowOptions,
        mut on_event: impl FnMut(&StoredEvent) + Send + 'static,
    ) -> Result<LogFollower, StoreError> {
        self.start_follower(
            options,
            Box::new(move |stored: &StoredEvent| {
                on_event(stored);
                Ok(())
            }),
        )
    }

    fn start_follower(&self, options: FollowOptions, deliver: Deliver) -> Result<LogFollower, StoreError> {
        options.check().map_err(|e| backend_msg(format!("follow options: {e}")))?;
        let shared = Arc::new(Shared::default());
        shared.position.store(options.after_position, Ordering::Release);
        let follower = Follower {
            connector: self.connector().clone(),
            channel: channel(self.schema()),
            options,
            shared: shared.clone(),
            deliver,
        };
        let thread = std::thread::Builder::new()
            .name(format!("casekit-follower-{}", self.schema()))
            .spawn(move || follower.run())
            .map_err(|e| backend_msg(format!("starting the log follower thread: {e}")))?;
        Ok(LogFollower { shared, thread: Some(thread) })
    }
}

struct Follower {
    connector: Connector,
    channel: String,
    options: FollowOptions,
    shared: Arc<Shared>,
    deliver: Deliver,
}

impl Follower {
    fn run(mut self) {
        let mut conn: Option<Conn> = None;
        let mut delay = self.options.reconnect_delay;
        let mut connected_before = false;
        let batch_size = self.options.batch_size.max(1);
        while !self.shared.stopping() {
            let c = match conn.as_mut() {
                Some(c) => c,
                None => match self.listen() {
                    Ok(c) => {
                        if connected_before {
                            self.shared.reconnects.fetch_add(1, Ordering::AcqRel);
                        }
                        connected_before = true;
                        delay = self.options.reconnect_delay;
                        conn.insert(c)
                    }
                    Err(e) => {
                        self.shared.note(e);
                        self.pause(delay);
                        delay = (delay * 2).min(MAX_RECONNECT_DELAY);
                        continue;
                    }
                },
            };
            // Notifications queued so far are answered by the read below; any that
            // arrives after this drain wakes the wait that follows it.
            let drained = c.client.notifications().iter().count();
            if let Err(e) = drained {
                self.shared.note(format!("log follower: reading notifications: {e}"));
                conn = None;
                continue;
            }
            let position = self.shared.position.load(Ordering::Acquire);
            let events = match read_log_on(c, position, batch_size) {
                Ok(events) => events,
                Err(StoreError::Integrity { case_id, message }) => {
                    self.fail(Error::Integrity { case_id, message });
                    return;
                }
                Err(e) => {
                    self.shared.note(e);
                    conn = None;
                    self.pause(delay);
                    continue;
                }
            };
            let full = events.len() >= batch_size;
            for e in &events {
                if self.shared.stopping() {
                    return;
                }
                if e.position <= self.shared.position.load(Ordering::Acquire) {
                    continue;
                }
                match catch_unwind(AssertUnwindSafe(|| (self.deliver)(e))) {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => {
                        self.fail(err);
                        return;
                    }
                    Err(_) => {
                        self.fail(Error::Storage(backend_msg(format!(
                            "the log follower's callback panicked at position {}",
                            e.position
                        ))));
                        return;
                    }
                }
                self.shared.position.store(e.position, Ordering::Release);
                self.shared.delivered.fetch_add(1, Ordering::AcqRel);
            }
            if full {
                continue;
            }
            if let Err(e) = self.wait(c) {
                self.shared.note(e);
                conn = None;
            }
        }
    }

    fn fail(&self, err: Error) {
        *self.shared.fatal.lock().unwrap_or_else(|p| p.into_inner()) = Some(err);
    }

    /// A fresh connection listening on the log's channel.
    fn listen(&self) -> Result<Conn, StoreError> {
        let name = format!("casekit follower {}", self.connector.schema());
        let client = self.connector.connect(Some(&name))?;
        let mut conn = Conn::new(client);
        crate::pool::batch(&mut conn, &format!("LISTEN {}", quoted(&self.channel)), || {
            format!("listening on {}", self.channel)
        })?;
        Ok(conn)
    }

    /// Sleeps `d`, waking early when asked to stop.
    fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        while !self.shared.stopping() {
            let now = Instant::now();
            if now >= until {
                return;
            }
            std::thread::sleep((until - now).min(STOP_CHECK));
        }
    }

    /// Waits for a notification, the poll interval, or a request to stop.
    fn wait(&self, conn: &mut Conn) -> Result<(), String> {
        let until = Instant::now() + self.options.poll_interval;
        while !self.shared.stopping() {
            let start = Instant::now();
            if start >= until {
                return Ok(());
            }
            let slice = (until - start).min(STOP_CHECK);
            let next = conn.client.notifications().timeout_iter(slice).next();
            match next {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => {
                    if conn.client.is_closed() {
                        return Err("log follower: the connection was closed".into());
                    }
                    // `None` before the time is up means the server hung up: let the
                    // read that follows find out.
                    if start.elapsed() + Duration::from_millis(5) < slice {
                        return Ok(());
                    }
                }
                Err(e) => return Err(format!("log follower: waiting for notifications: {e}")),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_options_out_of_range_are_named() {
        assert_eq!(FollowOptions::default().check(), Ok(()));
        let edge = FollowOptions {
            batch_size: FollowOptions::MAX_BATCH_SIZE,
            poll_interval: FollowOptions::MAX_INTERVAL,
            reconnect_delay: Duration::from_millis(1),
            ..FollowOptions::default()
        };
        assert_eq!(edge.check(), Ok(()));
        let d = FollowOptions::default;
        for (bad, option) in [
            (FollowOptions { batch_size: 0, ..d() }, FollowOption::BatchSize),
            (FollowOptions { batch_size: FollowOptions::MAX_BATCH_SIZE + 1, ..d() }, FollowOption::BatchSize),
            (FollowOptions { poll_interval: Duration::ZERO, ..d() }, FollowOption::PollInterval),
            (
                FollowOptions { poll_interval: FollowOptions::MAX_INTERVAL + Duration::from_secs(1), ..d() },
                FollowOption::PollInterval,
            ),
            (FollowOptions { reconnect_delay: Duration::ZERO, ..d() }, FollowOption::ReconnectDelay),
        ] {
            assert_eq!(bad.check().map_err(|e| e.option), Err(option));
        }
    }
}
