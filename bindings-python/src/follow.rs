//! Following a PostgreSQL store's global log (`Casebook.follow_log`): the store's
//! follower thread calls back into Python for every event any instance commits.

use crate::convert;
use crate::errors::{self, guard};
use casekit_postgres::{FollowOption, FollowOptions, LogFollower, PostgresStore};
use pyo3::prelude::*;
use std::sync::{Arc, Mutex, PoisonError};

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
    let max_batch = FollowOptions::MAX_BATCH_SIZE as u64;
    let options = FollowOptions {
        after_position: convert::u64_from_py(after_position, "after_position")?.unwrap_or(defaults.after_position),
        batch_size: convert::u64_in(batch_size, "batch_size", 1, max_batch)?
            .map_or(defaults.batch_size, |n| usize::try_from(n).unwrap_or(FollowOptions::MAX_BATCH_SIZE)),
        poll_interval: convert::seconds_from_py(poll_interval, "poll_interval")?.unwrap_or(defaults.poll_interval),
        ..defaults
    };
    options.check().map_err(|e| {
        let field = match e.option {
            FollowOption::BatchSize => "batch_size",
            FollowOption::PollInterval => "poll_interval",
            FollowOption::ReconnectDelay => "reconnect_delay",
        };
        errors::validation(py, field, format!("expected {}", e.expected))
    })?;
    let start = options.after_position;
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
    Ok(Follower { inner: Mutex::new(Some(follower)), last: Mutex::new((start, 0, 0)) })
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
