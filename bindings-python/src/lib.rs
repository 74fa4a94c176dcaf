//! `casekit._native`: the private native module behind the `casekit` Python package.
//!
//! Thin by design (DESIGN.md, "Bindings"): it converts Python values to the core's
//! types and back, maps errors to exceptions, releases the GIL around engine and store
//! work, and keeps Rust panics from reaching Python. The typed, documented API lives in
//! the Python package (`python/casekit`).
//!
//! The module is declared inline (`#[pymodule] mod`) because that is what pyo3's
//! introspection reads: its type stub, `python/casekit/_native.pyi`, is generated from
//! the built library by `stubgen` (see the README).

/// The module's own allocator (mimalloc, configured for it: see `casekit-alloc`).
#[global_allocator]
static ALLOCATOR: casekit_alloc::Allocator = casekit_alloc::Allocator;

mod book;
mod commands;
mod committed;
mod convert;
mod direct;
mod errors;
mod follow;
mod frames;
mod introspection;
mod stores;
mod values;

/// The private native module behind the `casekit` package; the typed API is the package.
#[pyo3::pymodule]
mod _native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::book::{_panic_for_tests, _parse_command_canonical, command_names, error_codes, parse_command, Book};
    #[pymodule_export]
    use crate::committed::Committed;
    #[pymodule_export]
    use crate::errors::{
        CaseKitError, ConflictError, IntegrityError, InvalidTransitionError, NotFoundError, PermissionDeniedError,
        StorageError, ValidationError,
    };
    #[pymodule_export]
    use crate::follow::Follower;
    #[pymodule_export]
    use crate::frames::ArrowStream;
    #[pymodule_export]
    use crate::values::{Actor, ManualClock};

    /// The version of casekit.
    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// The code a panic inside the native module is reported with.
    #[pymodule_export]
    const PANIC_CODE: &str = crate::errors::PANIC_CODE_TEXT;

    /// Takes no module argument, so pyo3 still knows every member (the stub stays complete).
    #[pymodule_init]
    fn init(py: Python<'_>) -> PyResult<()> {
        crate::errors::init(py)
    }
}
