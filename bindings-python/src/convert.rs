//! Conversions between Python objects and casekit's JSON-shaped data.
//!
//! Inputs go Python -> `serde_json::Value` -> the core type (serde, with the path of a
//! failing field); outputs go core type -> `Value` -> Python. Every failure is a
//! `ValidationError` naming the field, never a panic: hostile input (NaN, huge ints,
//! deep nesting, lone surrogates, unknown types) is refused here.

use crate::errors;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value};
use std::fmt::Write;

/// Deeper input than this is refused: nothing in casekit nests that deep, and deep
/// recursion is how hostile input turns into a stack overflow.
pub const MAX_DEPTH: usize = 48;

static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SAFE_UNKNOWN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn uuid_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    UUID.import(py, "uuid", "UUID")
}

fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME.import(py, "datetime", "datetime")
}

fn date_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATE.import(py, "datetime", "date")
}

/// Whether `obj` is a `datetime.datetime`.
pub fn is_datetime(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.is_instance(datetime_type(obj.py())?.as_any())
}

/// Whether `obj` is a `datetime.date` (or a `datetime`: ask `is_datetime` first).
pub fn is_date(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.is_instance(date_type(obj.py())?.as_any())
}

/// Whether `obj` is a `uuid.UUID`.
pub fn is_uuid(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.is_instance(uuid_type(obj.py())?.as_any())
}

// In the stable ABI from Python 3.10 on, and exported by CPython with this signature
// since 3.3; pyo3 under `abi3-py39` has only `PyUnicode_AsUTF8String`, which copies the
// text into a new bytes object on every call.
extern "C" {
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut pyo3::ffi::PyObject,
        size: *mut pyo3::ffi::Py_ssize_t,
    ) -> *const std::os::raw::c_char;
}

/// The text of a `str`, borrowed from the string's own UTF-8 form (made once, then
/// kept by the string); `None` if it is not valid Unicode (a lone surrogate).
pub fn str_of<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a str> {
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a str and the GIL is held; the returned buffer belongs to the
    // string object and lives as long as it does, which outlives the borrow of `s`.
    unsafe {
        let data = PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
        if data.is_null() {
            // UnicodeEncodeError: the callers report their own error.
            drop(PyErr::take(s.py()));
            return None;
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), usize::try_from(size).ok()?);
        Some(std::str::from_utf8_unchecked(bytes))
    }
}

/// A `uuid.UUID`, made the way `copy` and `pickle` make one: a bare instance whose two
/// slots are set directly (`UUID(int=...)` runs checks that cost ten times as much,
/// and a valid `uuid::Uuid` needs none of them).
pub fn uuid_to_py<'py>(py: Python<'py>, id: uuid::Uuid) -> PyResult<Bound<'py, PyAny>> {
    let ty = uuid_type(py)?;
    let unknown = SAFE_UNKNOWN.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("uuid")?.getattr("SafeUUID")?.getattr("unknown")?.unbind())
    })?;
    let int = id.as_u128().into_pyobject(py)?;
    // SAFETY: the GIL is held and every pointer is a live object; PyType_GenericNew
    // returns a new reference or NULL with an exception set, and
    // PyObject_GenericSetAttr (which UUID's own __setattr__ forbids, as `object.__setattr__`
    // bypasses it) writes the slot descriptors `int` and `is_safe`.
    unsafe {
        let empty = pyo3::types::PyTuple::empty(py);
        let obj = pyo3::ffi::PyType_GenericNew(ty.as_ptr().cast(), empty.as_ptr(), std::ptr::null_mut());
        let obj = Bound::from_owned_ptr_or_err(py, obj)?;
        if pyo3::ffi::PyObject_GenericSetAttr(obj.as_ptr(), intern!(py, "int").as_ptr(), int.as_ptr()) != 0
            || pyo3::ffi::PyObject_GenericSetAttr(obj.as_ptr(), intern!(py, "is_safe").as_ptr(), unknown.as_ptr()) != 0
        {
            return Err(PyErr::fetch(py));
        }
        Ok(obj)
    }
}

/// A timezone-aware `datetime` in UTC.
pub fn datetime_to_py<'py>(py: Python<'py>, at: &casekit::Timestamp) -> PyResult<Bound<'py, PyAny>> {
    let text = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
    datetime_type(py)?.call_method1("fromisoformat", (text,))
}

/// Reads a timezone-aware `datetime` (or an RFC 3339 string).
pub fn datetime_from_py(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<casekit::Timestamp> {
    let py = obj.py();
    let text = if obj.is_instance(datetime_type(py)?.as_any())? {
        if obj.call_method0("utcoffset")?.is_none() {
            return Err(errors::validation(
                py,
                field,
                "times must be timezone-aware (for example tzinfo=timezone.utc)",
            ));
        }
        obj.call_method0("isoformat")?.extract::<String>()?
    } else if let Ok(s) = obj.cast::<PyString>() {
        str_of(s).ok_or_else(|| errors::validation(py, field, "not valid Unicode"))?.to_owned()
    } else {
        return Err(errors::validation(py, field, "expected a timezone-aware datetime"));
    };
    chrono::DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| errors::validation(py, field, format!("not a valid time ({e})")))
}

/// Reads a UUID given as `uuid.UUID` or text.
pub fn uuid_from_py(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<uuid::Uuid> {
    let py = obj.py();
    let uuid = uuid_type(py)?;
    // A UUID object first: the typed API hands them back and forth.
    if obj.get_type().is(uuid) || obj.is_instance(uuid.as_any())? {
        let n: u128 = obj.getattr(intern!(py, "int"))?.extract()?;
        return Ok(uuid::Uuid::from_u128(n));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text = str_of(s).ok_or_else(|| errors::validation(py, field, "not valid Unicode"))?;
        return uuid::Uuid::parse_str(text).map_err(|_| errors::validation(py, field, "not a valid UUID"));
    }
    Err(errors::validation(py, field, "expected a UUID or its text"))
}

/// Reads an optional unsigned integer (a version, a position, a limit).
pub fn u64_from_py(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<u64>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    let py = obj.py();
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(errors::validation(py, field, "expected a whole number"));
    }
    obj.extract::<u64>().map(Some).map_err(|_| errors::validation(py, field, "out of range (0 to 2**64-1)"))
}

/// An optional number of seconds (an int or a float, not a bool) as a duration;
/// `None` and a missing value are `None`. A negative, infinite or NaN value is refused,
/// naming `field`.
pub fn seconds_from_py(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<std::time::Duration>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    let py = obj.py();
    let bad = || errors::validation(py, field, "expected a number of seconds (0 or more)");
    if obj.is_instance_of::<PyBool>() || !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>()) {
        return Err(bad());
    }
    let secs: f64 = obj.extract().map_err(|_| bad())?;
    std::time::Duration::try_from_secs_f64(secs).map(Some).map_err(|_| bad())
}

/// An optional whole number from `lo` to `hi` ([`u64_from_py`], then the range), naming
/// `field` when it is not.
pub fn u64_in(obj: Option<&Bound<'_, PyAny>>, field: &str, lo: u64, hi: u64) -> PyResult<Option<u64>> {
    let Some(obj) = obj else { return Ok(None) };
    match u64_from_py(Some(obj), field)? {
        Some(v) if !(lo..=hi).contains(&v) => {
            Err(errors::validation(obj.py(), field, format!("expected a whole number from {lo} to {hi}")))
        }
        other => Ok(other),
    }
}

/// Converts a Python value into JSON. `path` names the value in errors.
pub fn to_value(obj: &Bound<'_, PyAny>, path: &mut String, depth: usize) -> PyResult<Value> {
    let py = obj.py();
    if depth > MAX_DEPTH {
        return Err(errors::validation(py, field_name(path), format!("nested deeper than {MAX_DEPTH} levels")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return match str_of(s) {
            Some(text) => Ok(Value::String(text.to_owned())),
            None => Err(errors::validation(py, field_name(path), "text is not valid Unicode (lone surrogate?)")),
        };
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.is_truthy()?));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(n) = obj.extract::<i64>() {
            return Ok(Value::Number(n.into()));
        }
        if let Ok(n) = obj.extract::<u64>() {
            return Ok(Value::Number(n.into()));
        }
        return Err(errors::validation(py, field_name(path), "integer out of range (64 bits)"));
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| errors::validation(py, field_name(path), "NaN and infinity are not allowed"));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(errors::validation(py, field_name(path), "mapping keys must be strings"));
            };
            let key = str_of(key)
                .ok_or_else(|| errors::validation(py, field_name(path), "a key is not valid Unicode"))?
                .to_owned();
            let len = path.len();
            // In place: the path is only read if a value is refused.
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key);
            let value = to_value(&v, path, depth + 1)?;
            path.truncate(len);
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            let len = path.len();
            let _ = write!(path, "[{i}]");
            out.push(to_value(&item?, path, depth + 1)?);
            path.truncate(len);
        }
        return Ok(Value::Array(out));
    }
    if obj.is_instance(datetime_type(py)?.as_any())? {
        let at = datetime_from_py(obj, field_name(path))?;
        return Ok(Value::String(casekit::event::format_timestamp(&at)));
    }
    if obj.is_instance(date_type(py)?.as_any())? {
        return Ok(Value::String(obj.call_method0("isoformat")?.extract()?));
    }
    if obj.is_instance(uuid_type(py)?.as_any())? {
        return Ok(Value::String(uuid_from_py(obj, field_name(path))?.to_string()));
    }
    if obj.is_instance_of::<PyBytes>() {
        return Err(errors::validation(py, field_name(path), "bytes are not accepted here"));
    }
    // Typed records (casekit.Client, casekit.Measure, ...) and other objects that know
    // their JSON form.
    if let Ok(to_dict) = obj.getattr("to_dict") {
        if to_dict.is_callable() {
            let plain = to_dict.call0()?;
            return to_value(&plain, path, depth + 1);
        }
    }
    let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into());
    Err(errors::validation(py, field_name(path), format!("values of type {type_name} are not accepted")))
}

fn field_name(path: &str) -> &str {
    if path.is_empty() {
        "value"
    } else {
        path
    }
}

/// Converts a Python value into a core type, naming the failing field on error.
pub fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, root: &str) -> PyResult<T> {
    let mut path = String::new();
    let value = to_value(obj, &mut path, 0).map_err(|e| prefix(obj.py(), e, root))?;
    from_value(obj.py(), value, root)
}

/// Deserializes JSON into a core type, naming the failing field on error.
pub fn from_value<T: DeserializeOwned>(py: Python<'_>, value: Value, root: &str) -> PyResult<T> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let mut path = e.path().to_string();
        if path == "." {
            path.clear();
        }
        let message = e.into_inner().to_string();
        // serde names a missing or unknown field only in its message; put it in the path.
        for prefix in ["missing field `", "unknown field `"] {
            if let Some(name) = message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()) {
                if !(path == name || path.ends_with(&format!(".{name}"))) {
                    path = casekit::field_within(&path, name);
                }
            }
        }
        let field = casekit::field_within(root, &path);
        errors::validation(py, if field.is_empty() { "value" } else { &field }, message)
    })
}

/// Adds `root` in front of a validation error's field.
fn prefix(py: Python<'_>, err: PyErr, root: &str) -> PyErr {
    if root.is_empty() {
        return err;
    }
    let value = err.value(py);
    let field: Option<String> = value.getattr("field").ok().and_then(|f| f.extract().ok());
    match field {
        Some(f) => {
            let full = if f == "value" { root.to_owned() } else { casekit::field_within(root, &f) };
            let _ = value.setattr("field", full);
            err
        }
        None => err,
    }
}

/// Converts JSON into Python objects (dicts, lists, str, int, float, bool, None).
pub fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, value_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Converts a core value into Python data in its JSON shape.
pub fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| errors::make(py, casekit::ErrorCode::Storage, format!("internal error: {e}"), None, None))?;
    value_to_py(py, &json)
}
