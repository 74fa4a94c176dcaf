//! Commands from their JSON form, through core's `Command::from_json`, which keeps the
//! path of the failing field (`client.household_size`, not `value`).

use crate::convert;
use crate::errors;
use casekit::{BatchCommand, CaseId, Command};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use serde_json::Value;

/// A command from its JSON form (core's `Command::from_json`, which names the failing
/// field); `root` prefixes field names in errors.
pub fn from_json(py: Python<'_>, value: Value, root: &str) -> PyResult<Command> {
    Command::from_json(value).map_err(|e| match e {
        casekit::Error::Validation { field, message } => {
            errors::validation(py, &casekit::field_within(root, &field), message)
        }
        other => errors::to_py(py, &other),
    })
}

/// A command from a Python mapping. With `omit_none`, top-level fields whose value is
/// `None` count as absent (a typed method's omitted keyword arguments).
pub fn from_py(obj: &Bound<'_, PyAny>, omit_none: bool) -> PyResult<Command> {
    if let Some(command) = crate::direct::command(obj, omit_none) {
        return Ok(command);
    }
    // The canonical path: it accepts the same commands, and explains a refusal.
    canonical_from_py(obj, omit_none)
}

/// A command the canonical way: Python -> JSON value -> core's `Command::from_json`.
pub fn canonical_from_py(obj: &Bound<'_, PyAny>, omit_none: bool) -> PyResult<Command> {
    let mut path = String::new();
    let mut value = convert::to_value(obj, &mut path, 0)?;
    if let (true, Value::Object(fields)) = (omit_none, &mut value) {
        fields.retain(|_, v| !v.is_null());
    }
    from_json(obj.py(), value, "")
}

/// A batch from a list of `{"case_id", "command", "expected_version"}` mappings.
pub fn batch_from_py(items: &Bound<'_, PyAny>) -> PyResult<Vec<BatchCommand>> {
    let py = items.py();
    if !(items.is_instance_of::<PyList>() || items.is_instance_of::<PyTuple>()) {
        return Err(errors::validation(
            py,
            "items",
            "expected a list of {\"case_id\", \"command\", \"expected_version\"}",
        ));
    }
    let mut out = Vec::with_capacity(items.len().unwrap_or(0));
    for (i, item) in items.try_iter()?.enumerate() {
        out.push(batch_item(&item?, i)?);
    }
    Ok(out)
}

/// One item of a batch. Field names (`items[3].command.text`) are only written when an
/// item is refused: the error is then made again, the slow way, with its name.
fn batch_item(item: &Bound<'_, PyAny>, i: usize) -> PyResult<BatchCommand> {
    let py = item.py();
    let root = || format!("items[{i}]");
    let Ok(map) = item.cast::<PyDict>() else {
        return Err(errors::validation(py, &root(), "expected a mapping"));
    };
    let case_id = map.get_item(intern!(py, "case_id"))?;
    let command = map.get_item(intern!(py, "command"))?;
    let expected_version = map.get_item(intern!(py, "expected_version"))?;
    let known = [&case_id, &command, &expected_version].iter().filter(|v| v.is_some()).count();
    if map.len() != known {
        for key in map.keys() {
            let key: String = key.extract().unwrap_or_default();
            if !matches!(key.as_str(), "case_id" | "command" | "expected_version") {
                return Err(errors::validation(py, &casekit::field_within(&root(), &key), "unknown key"));
            }
        }
    }
    let case_id = match case_id {
        Some(c) if !c.is_none() => Some(CaseId(
            convert::uuid_from_py(&c, "case_id")
                .or_else(|_| convert::uuid_from_py(&c, &casekit::field_within(&root(), "case_id")))?,
        )),
        _ => None,
    };
    let command_root = || casekit::field_within(&root(), "command");
    let Some(command) = command else {
        return Err(errors::validation(py, &command_root(), "missing"));
    };
    let command = match crate::direct::command(&command, false) {
        Some(command) => command,
        None => {
            let command_root = command_root();
            let mut path = command_root.clone();
            let value = convert::to_value(&command, &mut path, 0)?;
            from_json(py, value, &command_root)?
        }
    };
    let expected_version = convert::u64_from_py(expected_version.as_ref(), "expected_version").or_else(|_| {
        convert::u64_from_py(expected_version.as_ref(), &casekit::field_within(&root(), "expected_version"))
    })?;
    Ok(BatchCommand { case_id, command, expected_version })
}
