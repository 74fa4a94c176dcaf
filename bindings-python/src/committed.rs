//! `casekit.Committed`, the result of a committed command: the public class itself,
//! with no Python wrapper around it (one object per command). Ids become `uuid.UUID`
//! when read; events are converted when first read, then kept.

use crate::convert;
use pyo3::inspect::PyStaticExpr;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};
use pyo3::{intern, type_hint_identifier, type_hint_subscript};
use std::convert::Infallible;

static EVENT: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The result of a committed command. Events are converted only when read.
#[pyclass(module = "casekit", frozen)]
pub struct Committed {
    inner: casekit::Committed,
    /// The typed events (`casekit.Event`), made on first read.
    events: PyOnceLock<Py<PyList>>,
}

impl Committed {
    pub fn new(inner: casekit::Committed) -> Self {
        Committed { inner, events: PyOnceLock::new() }
    }
}

#[pymethods]
impl Committed {
    /// The case.
    #[getter]
    fn case_id<'py>(&self, py: Python<'py>) -> PyResult<Uuid<'py>> {
        convert::uuid_to_py(py, self.inner.case_id.0).map(Uuid)
    }

    /// The case's version after the command.
    #[getter]
    fn version(&self) -> u64 {
        self.inner.version
    }

    /// The case's phase after the command.
    #[getter]
    fn phase(&self) -> &'static str {
        self.inner.phase.as_str()
    }

    /// The id of the record the command created (case, goal, task, note, ...).
    #[getter]
    fn created_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Uuid<'py>>> {
        self.inner.created_id.map(|u| convert::uuid_to_py(py, u).map(Uuid)).transpose()
    }

    /// The types of the events the command appended (cheaper than `events`).
    #[getter]
    fn event_types(&self) -> Vec<&'static str> {
        self.inner.events.iter().map(|e| e.event.type_name()).collect()
    }

    /// The events the command appended.
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Events<'py>> {
        let events = self.events.get_or_try_init(py, || -> PyResult<Py<PyList>> {
            let from_json = EVENT.import(py, "casekit._records", "Event")?.getattr(intern!(py, "from_json"))?;
            let list = PyList::empty(py);
            for event in &self.inner.events {
                list.append(from_json.call1((convert::to_py(py, event)?,))?)?;
            }
            Ok(list.unbind())
        })?;
        // A copy each time: the caller may change the list it gets.
        Ok(Events(PyList::new(py, events.bind(py).iter())?))
    }

    /// The core's JSON form of the result.
    #[pyo3(signature = () -> "dict[str, typing.Any]")]
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        out.set_item("case_id", self.inner.case_id.0.to_string())?;
        out.set_item("version", self.inner.version)?;
        out.set_item("phase", self.inner.phase.as_str())?;
        out.set_item("created_id", self.inner.created_id.map(|u| u.to_string()))?;
        out.set_item("events", convert::to_py(py, &self.inner.events)?)?;
        Ok(out)
    }

    fn __repr__(&self) -> String {
        let created = self.inner.created_id.map_or_else(|| "None".to_owned(), |u| u.to_string());
        format!(
            "Committed(case_id={}, version={}, phase='{}', created_id={created})",
            self.inner.case_id.0,
            self.inner.version,
            self.inner.phase.as_str()
        )
    }
}

/// A `uuid.UUID` (so typed in the stub).
pub struct Uuid<'py>(Bound<'py, PyAny>);

impl<'py> IntoPyObject<'py> for Uuid<'py> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = Infallible;
    const OUTPUT_TYPE: PyStaticExpr = type_hint_identifier!("uuid", "UUID");

    fn into_pyobject(self, _py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(self.0)
    }
}

/// A list of `casekit.Event` (so typed in the stub).
pub struct Events<'py>(Bound<'py, PyList>);

impl<'py> IntoPyObject<'py> for Events<'py> {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = Infallible;
    const OUTPUT_TYPE: PyStaticExpr = type_hint_subscript!(
        type_hint_identifier!("builtins", "list"),
        type_hint_identifier!("casekit._records", "Event")
    );

    fn into_pyobject(self, _py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(self.0)
    }
}
