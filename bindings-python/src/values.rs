//! Small values handed to every call: the acting user and the manual clock.

use crate::convert;
use crate::errors::{self, guard};
use casekit::{ActorId, ProgramId, Role};
use pyo3::prelude::*;
use std::sync::Arc;

/// The acting user of a call. casekit does not authenticate: the application does, and
/// hands each call the actor it authenticated.
#[pyclass(module = "casekit", frozen, eq)]
#[derive(PartialEq, Eq)]
pub struct Actor {
    pub inner: Arc<casekit::Actor>,
}

#[pymethods]
impl Actor {
    #[new]
    #[pyo3(signature = (
        id: "str",
        roles: "collections.abc.Sequence[str] | None" = None,
        programs: "collections.abc.Sequence[str] | None" = None,
    ))]
    fn new(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        roles: Option<&Bound<'_, PyAny>>,
        programs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(py, || {
            let id: String = convert::from_py(id, "id")?;
            if id.trim().is_empty() {
                return Err(errors::validation(py, "id", "an actor needs an id"));
            }
            let roles: Vec<Role> = match roles {
                Some(r) if !r.is_none() => convert::from_py(r, "roles")?,
                _ => Vec::new(),
            };
            let programs: Vec<String> = match programs {
                Some(p) if !p.is_none() => convert::from_py(p, "programs")?,
                _ => Vec::new(),
            };
            Ok(Actor {
                inner: Arc::new(casekit::Actor::new(
                    ActorId::from(id),
                    roles,
                    programs.into_iter().map(ProgramId::from),
                )),
            })
        })
    }

    /// The application's id for the user.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id.as_str()
    }

    /// The actor's roles, sorted.
    #[getter]
    fn roles(&self) -> Vec<&str> {
        self.inner.roles.iter().map(|r| r.as_str()).collect()
    }

    /// The programs the actor works in, sorted.
    #[getter]
    fn programs(&self) -> Vec<&str> {
        self.inner.programs.iter().map(|p| p.as_str()).collect()
    }

    /// The actor's JSON form: `{"id": ..., "roles": [...], "programs": [...]}`.
    #[pyo3(signature = () -> "dict[str, typing.Any]")]
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &*self.inner)
    }

    fn __repr__(&self) -> String {
        let roles: Vec<&str> = self.inner.roles.iter().map(|r| r.as_str()).collect();
        let programs: Vec<&str> = self.inner.programs.iter().map(|p| p.as_str()).collect();
        format!("Actor({:?}, roles={:?}, programs={:?})", self.inner.id.as_str(), roles, programs)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.id.hash(&mut h);
        h.finish()
    }
}

/// A clock that moves only when told to: for tests, replays and scenarios.
#[pyclass(module = "casekit", frozen)]
pub struct ManualClock {
    pub inner: Arc<casekit::ManualClock>,
}

#[pymethods]
impl ManualClock {
    #[new]
    #[pyo3(signature = (start: "datetime.datetime | str"))]
    fn new(py: Python<'_>, start: &Bound<'_, PyAny>) -> PyResult<Self> {
        guard(py, || {
            let start = convert::datetime_from_py(start, "start")?;
            Ok(ManualClock { inner: Arc::new(casekit::ManualClock::new(start)) })
        })
    }

    /// The clock's time (timezone-aware, UTC).
    #[pyo3(signature = () -> "datetime.datetime")]
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        use casekit::Clock;
        convert::datetime_to_py(py, &self.inner.now())
    }

    /// Moves the clock to `at` (a timezone-aware datetime; it may go backwards).
    #[pyo3(signature = (at: "datetime.datetime | str"))]
    fn set(&self, py: Python<'_>, at: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            self.inner.set(convert::datetime_from_py(at, "at")?);
            Ok(())
        })
    }

    /// Moves the clock forward (or back, with negative values).
    #[pyo3(signature = (seconds = 0.0, *, minutes = 0.0, hours = 0.0, days = 0.0))]
    fn advance(&self, py: Python<'_>, seconds: f64, minutes: f64, hours: f64, days: f64) -> PyResult<()> {
        guard(py, || {
            let total = seconds + minutes * 60.0 + hours * 3600.0 + days * 86400.0;
            let micros = (total * 1e6).round();
            // A clock moved by more than a few thousand years is a bug in the caller.
            if !micros.is_finite() || micros.abs() > 1e17 {
                return Err(errors::validation(py, "seconds", "not a usable duration"));
            }
            self.inner.advance(chrono::Duration::microseconds(micros as i64));
            Ok(())
        })
    }

    fn __repr__(&self) -> String {
        use casekit::Clock;
        format!("ManualClock({})", casekit::event::format_timestamp(&self.inner.now()))
    }
}
