//! Programs: the service lines cases belong to, with the rules a program adds to the
//! lifecycle (instruments that must be done before planning, custom fields).
//!
//! Programs are configuration, registered with the [`crate::Casebook`] at start-up like
//! code. A program nobody registered has no required instruments and accepts any
//! custom field.

use crate::error::Error;
use crate::ids::ProgramId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// A program's definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Program {
    /// The program's id.
    pub id: ProgramId,
    /// A display name.
    #[serde(default)]
    pub name: String,
    /// Instrument ids that must each be recorded in the current assessment cycle before
    /// `complete_assessment` is accepted.
    #[serde(default)]
    pub required_instruments: Vec<String>,
    /// The custom fields the program defines. When this is not empty, only these keys
    /// are accepted and each value is validated.
    #[serde(default)]
    pub custom_fields: Vec<CustomFieldDef>,
}

impl Program {
    /// A program with no extra rules.
    pub fn new(id: impl Into<ProgramId>, name: impl Into<String>) -> Self {
        Self { id: id.into(), name: name.into(), required_instruments: Vec::new(), custom_fields: Vec::new() }
    }
}

/// One custom field of a program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldDef {
    /// The field's key.
    pub key: String,
    /// The kind of value it holds.
    pub kind: CustomFieldKind,
    /// Whether `open_case` must give it.
    #[serde(default)]
    pub required: bool,
}

/// The kind of value a custom field holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CustomFieldKind {
    /// Any string.
    Text,
    /// Any JSON number.
    Number,
    /// A whole number.
    Integer,
    /// true or false.
    Boolean,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of the listed strings.
    Choice {
        /// The allowed values.
        options: Vec<String>,
    },
}

/// The programs a casebook knows.
#[derive(Clone, Debug, Default)]
pub struct ProgramCatalog {
    programs: HashMap<ProgramId, Program>,
}

impl ProgramCatalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a program.
    pub fn insert(&mut self, program: Program) {
        self.programs.insert(program.id.clone(), program);
    }

    /// Whether no program is registered.
    pub fn is_empty(&self) -> bool {
        self.programs.is_empty()
    }

    /// The program with this id, if registered.
    pub fn get(&self, id: &ProgramId) -> Option<&Program> {
        self.programs.get(id)
    }

    /// Validates custom field values for `program`. `complete` means the values are the
    /// whole set (at open): required fields must be present.
    pub fn validate_custom_fields(
        &self,
        program: &ProgramId,
        values: &BTreeMap<String, Value>,
        complete: bool,
    ) -> Result<(), Error> {
        for key in values.keys() {
            if key.trim().is_empty() {
                return Err(Error::validation("custom_fields", "a custom field key must not be empty"));
            }
        }
        let Some(def) = self.get(program) else { return Ok(()) };
        if def.custom_fields.is_empty() {
            return Ok(());
        }
        for (key, value) in values {
            let field = format!("custom_fields.{key}");
            let Some(spec) = def.custom_fields.iter().find(|f| &f.key == key) else {
                return Err(Error::validation(field, format!("program {} defines no such field", program)));
            };
            if value.is_null() {
                if spec.required {
                    return Err(Error::validation(field, "this field is required"));
                }
                continue;
            }
            check_kind(&spec.kind, value).map_err(|msg| Error::validation(field, msg))?;
        }
        if complete {
            for spec in def.custom_fields.iter().filter(|f| f.required) {
                if values.get(&spec.key).is_none_or(Value::is_null) {
                    return Err(Error::validation(format!("custom_fields.{}", spec.key), "this field is required"));
                }
            }
        }
        Ok(())
    }
}

fn check_kind(kind: &CustomFieldKind, value: &Value) -> Result<(), String> {
    let ok = match kind {
        CustomFieldKind::Text => value.is_string(),
        CustomFieldKind::Number => value.is_number(),
        CustomFieldKind::Integer => value.is_i64() || value.is_u64(),
        CustomFieldKind::Boolean => value.is_boolean(),
        CustomFieldKind::Date => {
            value.as_str().is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
        }
        CustomFieldKind::Choice { options } => value.as_str().is_some_and(|s| options.iter().any(|o| o == s)),
    };
    if ok {
        Ok(())
    } else {
        Err(match kind {
            CustomFieldKind::Text => "expected text".into(),
            CustomFieldKind::Number => "expected a number".into(),
            CustomFieldKind::Integer => "expected a whole number".into(),
            CustomFieldKind::Boolean => "expected true or false".into(),
            CustomFieldKind::Date => "expected a date YYYY-MM-DD".into(),
            CustomFieldKind::Choice { options } => format!("expected one of: {}", options.join(", ")),
        })
    }
}
