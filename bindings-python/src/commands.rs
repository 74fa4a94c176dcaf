//! Commands from their JSON form. The core's `Command` is an internally tagged enum,
//! whose serde errors lose the path of the failing field; reading the `type` first and
//! then the command's own struct keeps it (`client.household_size`, not `value`).

use crate::convert::{self, from_value};
use crate::errors;
use casekit::{BatchCommand, CaseId, Command, CommandKind};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use serde_json::Value;

macro_rules! commands {
    ($($variant:ident),* $(,)?) => {
        /// A command from its JSON form; `root` prefixes field names in errors.
        pub fn from_json(py: Python<'_>, value: Value, root: &str) -> PyResult<Command> {
            let Value::Object(mut map) = value else {
                return Err(errors::validation(py, if root.is_empty() { "command" } else { root },
                    "expected a mapping with a \"type\""));
            };
            let type_field = convert::join(root, "type");
            let name = match map.remove("type") {
                Some(Value::String(s)) => s,
                Some(_) => return Err(errors::validation(py, &type_field, "expected the command's name")),
                None => return Err(errors::validation(py, &type_field, "missing: which command?")),
            };
            let Some(kind) = CommandKind::parse(&name) else {
                let known: Vec<&str> = CommandKind::ALL.iter().map(|k| k.as_str()).collect();
                return Err(errors::validation(py, &type_field,
                    format!("unknown command {name:?}; expected one of {}", known.join(", "))));
            };
            let rest = Value::Object(map);
            // Exhaustive: a new command in the core does not compile until it is listed.
            Ok(match kind {
                $(CommandKind::$variant => Command::$variant(from_value(py, rest, root)?),)*
            })
        }
    };
}

commands!(
    OpenCase,
    CompleteIntake,
    RecordAssessment,
    CompleteAssessment,
    ActivatePlan,
    StartReassessment,
    Close,
    Reopen,
    UpdateClient,
    AssignWorker,
    UnassignWorker,
    AddNote,
    AttachDocument,
    ReferOut,
    UpdateReferral,
    Transfer,
    AddTask,
    CompleteTask,
    CancelTask,
    ReassignTask,
    SetTaskDue,
    SetPriority,
    AddTag,
    RemoveTag,
    PlaceOnHold,
    Resume,
    SetCustomFields,
    AddGoal,
    EvaluateGoals,
    AddService,
    SetServiceStatus,
    RecordServiceDelivery,
    RecordOutcome,
);

/// A command from a Python mapping.
pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Command> {
    let mut path = String::new();
    let value = convert::to_value(obj, &mut path, 0)?;
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
    let mut out = Vec::new();
    for (i, item) in items.try_iter()?.enumerate() {
        let item = item?;
        let root = format!("items[{i}]");
        let Ok(map) = item.cast::<PyDict>() else {
            return Err(errors::validation(py, &root, "expected a mapping"));
        };
        for key in map.keys() {
            let key: String = key.extract().unwrap_or_default();
            if !matches!(key.as_str(), "case_id" | "command" | "expected_version") {
                return Err(errors::validation(py, &convert::join(&root, &key), "unknown key"));
            }
        }
        let case_id = match map.get_item("case_id")? {
            Some(c) if !c.is_none() => Some(CaseId(convert::uuid_from_py(&c, &convert::join(&root, "case_id"))?)),
            _ => None,
        };
        let command_root = convert::join(&root, "command");
        let Some(command) = map.get_item("command")? else {
            return Err(errors::validation(py, &command_root, "missing"));
        };
        let mut path = command_root.clone();
        let value = convert::to_value(&command, &mut path, 0)?;
        let command = from_json(py, value, &command_root)?;
        let expected_version = convert::u64_from_py(
            map.get_item("expected_version")?.as_ref(),
            &convert::join(&root, "expected_version"),
        )?;
        out.push(BatchCommand { case_id, command, expected_version });
    }
    Ok(out)
}
