//! `casekit._native`: the private native module behind the `casekit` Python package.
//!
//! Thin by design (DESIGN.md, "Bindings"): it converts Python values to the core's
//! types and back, maps errors to exceptions, releases the GIL around engine and store
//! work, and keeps Rust panics from reaching Python. The typed, documented API lives in
//! the Python package (`python/casekit`).

mod book;
mod commands;
mod convert;
mod errors;
mod frames;
mod stores;
mod values;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<values::Actor>()?;
    m.add_class::<values::ManualClock>()?;
    m.add_class::<book::Book>()?;
    m.add_class::<book::Committed>()?;
    m.add_class::<frames::ArrowStream>()?;
    m.add_function(wrap_pyfunction!(book::parse_command, m)?)?;
    m.add_function(wrap_pyfunction!(book::command_names, m)?)?;
    m.add_function(wrap_pyfunction!(book::error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(book::_panic_for_tests, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PANIC_CODE", errors::PANIC_CODE.as_str())?;
    Ok(())
}
