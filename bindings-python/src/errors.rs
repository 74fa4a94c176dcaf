//! casekit's errors as Python exceptions: one base class with a `.code`, one subclass
//! per stable code (DESIGN.md), converted in one place. This is also the one place
//! where a Rust panic is stopped before it can reach Python.

use crate::introspection;
use casekit::{Error, ErrorCode};
use pyo3::exceptions::{PyException, PySystemError};
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::{create_exception, PyTypeInfo};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// An exception class in module `casekit` (`create_exception!`), also described for the
/// stub generator.
macro_rules! exception {
    ($name:ident($base:ty), $doc:literal) => {
        create_exception!(casekit, $name, $base, $doc);
        introspection::exception_class!($name, $base, $doc);
    };
}

exception!(CaseKitError(PyException), "Base class of every casekit error; `.code` is the stable code.");
exception!(NotFoundError(CaseKitError), "No such case, goal, task or document (`not_found`).");
exception!(
    InvalidTransitionError(CaseKitError),
    "The command is not allowed in the case's phase or hold state (`invalid_transition`)."
);
exception!(ValidationError(CaseKitError), "Bad or missing input; `.field` names it (`validation`).");
exception!(PermissionDeniedError(CaseKitError), "The actor may not do or see this (`permission_denied`).");
exception!(ConflictError(CaseKitError), "The case changed since it was read: optimistic concurrency (`conflict`).");
exception!(StorageError(CaseKitError), "The store failed; nothing was half-written (`storage`).");
exception!(IntegrityError(CaseKitError), "Stored data failed verification: hash chain, blob hash (`integrity`).");

// The attributes `init` gives the classes and `make` gives each instance.
introspection::class_attribute!(CaseKitError, "code", "str", "The stable code (`internal` on the base class).");
introspection::class_attribute!(CaseKitError, "field", "str | None", "The input field at fault, if any.");
introspection::class_attribute!(CaseKitError, "case_id", "uuid.UUID | None", "The case concerned, if any.");

/// The code a panic inside the native module is reported with: the call failed inside
/// casekit, and the caller can do nothing about it but report it, like a store failure.
pub const PANIC_CODE: ErrorCode = ErrorCode::Storage;

/// `PANIC_CODE` as text, exported as `_native.PANIC_CODE`: a constant, so that pyo3 sees
/// it (`ErrorCode::as_str` is not a `const fn`); `init` checks that the two agree.
pub const PANIC_CODE_TEXT: &str = "storage";

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

/// Gives the exception classes their class-level defaults for `.code`, `.field` and
/// `.case_id` (so an instance raised from Python has them too); the module exports the
/// classes themselves.
pub fn init(py: Python<'_>) -> PyResult<()> {
    if PANIC_CODE.as_str() != PANIC_CODE_TEXT {
        return Err(PySystemError::new_err("casekit: PANIC_CODE_TEXT differs from PANIC_CODE"));
    }
    let base = CaseKitError::type_object(py);
    base.setattr("code", "internal")?;
    base.setattr("field", py.None())?;
    base.setattr("case_id", py.None())?;
    for code in ErrorCode::ALL {
        class_of(py, code).setattr("code", code.as_str())?;
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
