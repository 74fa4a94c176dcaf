//! casekit's errors as Python exceptions: one base class with a `.code`, one subclass
//! per stable code (DESIGN.md), converted in one place. This is also the one place
//! where a Rust panic is stopped before it can reach Python.

use casekit::{Error, ErrorCode};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::{create_exception, PyTypeInfo};
use std::panic::{catch_unwind, AssertUnwindSafe};

create_exception!(casekit, CaseKitError, PyException, "Base class of every casekit error; `.code` is the stable code.");
create_exception!(casekit, NotFoundError, CaseKitError, "No such case, goal, task or document (`not_found`).");
create_exception!(
    casekit,
    InvalidTransitionError,
    CaseKitError,
    "The command is not allowed in the case's phase or hold state (`invalid_transition`)."
);
create_exception!(casekit, ValidationError, CaseKitError, "Bad or missing input; `.field` names it (`validation`).");
create_exception!(
    casekit,
    PermissionDeniedError,
    CaseKitError,
    "The actor may not do or see this (`permission_denied`)."
);
create_exception!(
    casekit,
    ConflictError,
    CaseKitError,
    "The case changed since it was read: optimistic concurrency (`conflict`)."
);
create_exception!(casekit, StorageError, CaseKitError, "The store failed; nothing was half-written (`storage`).");
create_exception!(
    casekit,
    IntegrityError,
    CaseKitError,
    "Stored data failed verification: hash chain, blob hash (`integrity`)."
);

/// The code a panic inside the native module is reported with: the call failed inside
/// casekit, and the caller can do nothing about it but report it, like a store failure.
pub const PANIC_CODE: ErrorCode = ErrorCode::Storage;

/// The exception class of a code. The one exhaustive match between codes and classes.
fn class_of(py: Python<'_>, code: ErrorCode) -> Bound<'_, PyType> {
    match code {
        ErrorCode::NotFound => NotFoundError::type_object(py),
        ErrorCode::InvalidTransition => InvalidTransitionError::type_object(py),
        ErrorCode::Validation => ValidationError::type_object(py),
        ErrorCode::PermissionDenied => PermissionDeniedError::type_object(py),
        ErrorCode::Conflict => ConflictError::type_object(py),
        ErrorCode::Storage => StorageError::type_object(py),
        ErrorCode::Integrity => IntegrityError::type_object(py),
    }
}

/// Registers the exception classes on the module, each with class-level defaults for
/// `.code`, `.field` and `.case_id` (so an instance raised from Python has them too).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = CaseKitError::type_object(py);
    base.setattr("code", "internal")?;
    base.setattr("field", py.None())?;
    base.setattr("case_id", py.None())?;
    m.add("CaseKitError", &base)?;
    for code in ErrorCode::ALL {
        let class = class_of(py, code);
        class.setattr("code", code.as_str())?;
        let name = class.name()?;
        m.add(name.to_cow()?.as_ref(), class)?;
    }
    Ok(())
}

/// A Python exception for a casekit error: the class of its code, the message, and the
/// attributes `.code`, `.field` and `.case_id` (a `uuid.UUID` or `None`).
pub fn to_py(py: Python<'_>, err: &Error) -> PyErr {
    make(py, err.code(), err.to_string(), err.field(), err.case_id().map(|c| c.0))
}

/// A Python exception of `code` built from parts.
pub fn make(
    py: Python<'_>,
    code: ErrorCode,
    message: String,
    field: Option<&str>,
    case_id: Option<uuid::Uuid>,
) -> PyErr {
    let class = class_of(py, code);
    let built = class.call1((message.clone(),)).and_then(|value| {
        value.setattr("code", code.as_str())?;
        value.setattr("field", field)?;
        let case = match case_id {
            Some(id) => crate::convert::uuid_to_py(py, id)?,
            None => py.None().into_bound(py),
        };
        value.setattr("case_id", case)?;
        Ok(PyErr::from_value(value))
    });
    // Building an exception object only fails when Python is out of memory; fall back
    // to the bare class so the caller still sees the right type.
    built.unwrap_or_else(|_| PyErr::from_type(class, message))
}

/// A validation error on `field`.
pub fn validation(py: Python<'_>, field: &str, message: impl Into<String>) -> PyErr {
    let message = message.into();
    make(py, ErrorCode::Validation, format!("invalid {field}: {message}"), Some(field), None)
}

/// Runs `f`, turning a panic into a `StorageError` (code `storage`, message starting
/// with "internal error"). pyo3 would turn it into `PanicException`, which is not an
/// `Exception` and would escape `except Exception` handlers.
pub fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => Err(internal(py, &*panic)),
    }
}

/// The exception for a caught panic.
pub fn internal(py: Python<'_>, panic: &(dyn std::any::Any + Send)) -> PyErr {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    make(py, PANIC_CODE, format!("internal error in casekit (please report it): {what}"), None, None)
}
