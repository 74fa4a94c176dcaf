//! Following a PostgreSQL store's global log (`Casebook.follow_log`): the store's
//! follower thread calls back into Python for every event any instance commits.

use crate::convert;
use crate::errors::{self, guard};
use casekit_postgres::{FollowOptions, LogFollower, PostgresStore};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The most events one read of the log may fetch.
const MAX_BATCH: u64 = 100_000;
/// The longest pause between reads without a notification: an hour.
const MAX_POLL: Duration = Duration::from_secs(3600);

/// A running log follower (`casekit.LogFollower` wraps it). Stopping it, or dropping
/// it, stops its thread.
#[pyclass(module = "casekit._native", frozen, weakref)]
pub struct Follower {
    inner: Mutex<Option<LogFollower>>,
    /// `(position, delivered, reconnects)` when it stopped.
    last: Mutex<(u64, u64, u64)>,
}

/// Starts following `store`'s log with `callback(event_dict)`.
pub fn start(
    py: Python<'_>,
    store: &Arc<PostgresStore>,
    callback: Py<PyAny>,
    after_position: Option<&Bound<'_, PyAny>>,
    batch_size: Option<&Bound<'_, PyAny>>,
    poll_interval: Option<&Bound<'_, PyAny>>,
) -> PyResult<Follower> {
    if !callback.bind(py).is_callable() {
        return Err(errors::validation(py, "callback", "expected a callable"));
    }
    let defaults = FollowOptions::default();
    let whole = |value: Option<&Bound<'_, PyAny>>, field: &str, lo: u64, hi: u64| -> PyResult<Option<u64>> {
        let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(None) };
        let bad = || errors::validation(py, field, format!("expected a whole number from {lo} to {hi}"));
        if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
            return Err(bad());
        }
        value.extract::<u64>().ok().filter(|v| (lo..=hi).contains(v)).ok_or_else(bad).map(Some)
    };
    let after_position = whole(after_position, "after_position", 0, u64::MAX)?.unwrap_or(defaults.after_position);
    let batch_size = match whole(batch_size, "batch_size", 1, MAX_BATCH)? {
        Some(n) => usize::try_from(n).unwrap_or(defaults.batch_size),
        None => defaults.batch_size,
    };
    let poll_interval = match poll_interval.filter(|v| !v.is_none()) {
        None => defaults.poll_interval,
        Some(poll_interval) => {
            let bad = || {
                errors::validation(
                    py,
                    "poll_interval",
                    format!("expected seconds above 0, at most {}", MAX_POLL.as_secs()),
                )
            };
            let number = !poll_interval.is_instance_of::<PyBool>()
                && (poll_interval.is_instance_of::<PyInt>() || poll_interval.is_instance_of::<PyFloat>());
            let secs: f64 = if number { poll_interval.extract().map_err(|_| bad())? } else { return Err(bad()) };
            match Duration::try_from_secs_f64(secs) {
                Ok(d) if !d.is_zero() && d <= MAX_POLL => d,
                _ => return Err(bad()),
            }
        }
    };
    let options = FollowOptions { after_position, batch_size, poll_interval, ..defaults };
    let store = Arc::clone(store);
    let follower = py
        .detach(|| {
            store.follow_log(options, move |event| {
                Python::attach(|py| {
                    let result = convert::to_py(py, event).and_then(|e| callback.call1(py, (e,)));
                    if let Err(err) = result {
                        err.write_unraisable(py, Some(callback.bind(py)));
                    }
                })
            })
        })
        .map_err(|e| errors::to_py(py, &casekit::Error::Storage(e)))?;
    Ok(Follower { inner: Mutex::new(Some(follower)), last: Mutex::new((after_position, 0, 0)) })
}

impl Follower {
    fn with<T>(&self, f: impl FnOnce(&LogFollower) -> T) -> Option<T> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(f)
    }

    /// `(position, delivered, reconnects)`: as they are, or as they were when it stopped.
    fn counts(&self) -> (u64, u64, u64) {
        self.with(|f| (f.position(), f.delivered(), f.reconnects()))
            .unwrap_or_else(|| *self.last.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[pymethods]
impl Follower {
    /// The position of the last event delivered (the one it started after, until it
    /// delivers one); after `stop`, where it stopped.
    #[getter]
    fn position(&self) -> u64 {
        self.counts().0
    }

    /// How many events it has delivered.
    #[getter]
    fn delivered(&self) -> u64 {
        self.counts().1
    }

    /// How many times it has reconnected after losing its connection.
    #[getter]
    fn reconnects(&self) -> u64 {
        self.counts().2
    }

    /// The last failure it recovered from (or is still retrying), if any.
    #[getter]
    fn last_error(&self) -> Option<String> {
        self.with(LogFollower::last_error).flatten()
    }

    /// Whether its thread is still following.
    #[getter]
    fn is_running(&self) -> bool {
        self.with(LogFollower::is_running).unwrap_or(false)
    }

    /// Stops following and waits for the thread (without the GIL: the thread may be
    /// waiting for it to deliver an event). Returns the position of the last event
    /// delivered; raises what stopped it early, if anything did. `None` if it was
    /// already stopped.
    fn stop(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        guard(py, || {
            let Some(follower) = self.inner.lock().unwrap_or_else(PoisonError::into_inner).take() else {
                return Ok(None);
            };
            *self.last.lock().unwrap_or_else(PoisonError::into_inner) =
                (follower.position(), follower.delivered(), follower.reconnects());
            match py.detach(|| follower.stop()) {
                Ok(position) => Ok(Some(position)),
                Err(e) => Err(errors::to_py(py, &e)),
            }
        })
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let follower = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(follower) = follower {
            // Joining its thread, which may be waiting for the GIL this thread holds.
            Python::attach(|py| py.detach(move || drop(follower)));
        }
    }
}
