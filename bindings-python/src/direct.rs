//! The fast way in: a command read straight from its Python objects into the core's
//! command type, with no JSON value in between (that tree, its keys and the serde
//! walk over it were most of what a call cost on top of the engine).
//!
//! It accepts exactly what the canonical path (`convert::to_value`, then core's
//! `Command::from_json`) accepts and builds the same command: each Python value is
//! shown to serde the way `serde_json::Value`'s deserializer shows the value
//! `to_value` would have made of it. It never explains a refusal: whenever it cannot
//! go on it returns `None`, and the caller runs the canonical path, which raises the
//! error with its field and message. So both paths fail alike, by construction.

use crate::convert::{self, MAX_DEPTH};
use casekit::command::*;
use casekit::{Command, CommandKind};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::{ffi, intern};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// A command from its JSON form as a Python dict, or `None` when it must go the
/// canonical way (invalid input, or something this path does not handle). With
/// `skip_none`, top-level fields whose value is `None` count as absent (the typed
/// methods' optional keyword arguments).
pub fn command(obj: &Bound<'_, PyAny>, skip_none: bool) -> Option<Command> {
    let dict = obj.cast::<PyDict>().ok()?;
    let py = obj.py();
    let kind = dict.get_item(intern!(py, "type")).ok()??;
    let kind = CommandKind::parse(convert::str_of(kind.cast::<PyString>().ok()?)?)?;
    let fields = Fields { dict, skip_none };
    // Exhaustive on purpose: a new command in core does not compile here until it is
    // listed (every variant's data type has the variant's name).
    macro_rules! parse {
        ($($variant:ident),* $(,)?) => {
            match kind {
                $(CommandKind::$variant => $variant::deserialize(fields).map(Command::$variant),)*
            }
        };
    }
    parse!(
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
    )
    .ok()
}

/// "Go the canonical way": carries no message, since the canonical path writes it.
#[derive(Debug)]
pub struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("refused by the direct conversion")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Refused
    }
}

type Result<T> = std::result::Result<T, Refused>;

/// The command's fields: its dict without `"type"`.
struct Fields<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    skip_none: bool,
}

impl<'de> Deserializer<'de> for Fields<'_, '_> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut map = DictAccess::new(self.dict, 1, self.skip_none, true);
        let value = visitor.visit_map(&mut map)?;
        map.finish()?;
        Ok(value)
    }

    // A command's data is a struct; any other type refuses the map it is given.
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// One Python value, shown to serde as the JSON value `to_value` makes of it.
struct Value<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    depth: usize,
}

impl<'a, 'py> Value<'a, 'py> {
    fn new(obj: &'a Bound<'py, PyAny>, depth: usize) -> Result<Self> {
        if depth > MAX_DEPTH {
            return Err(Refused);
        }
        Ok(Value { obj, depth })
    }

    /// The text a non-JSON Python value stands for (datetime, date, UUID, a record's
    /// `to_dict()`), as `to_value` writes it; `None` for the JSON types.
    fn visit_other<'de, V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value> {
        let obj = self.obj;
        let py = obj.py();
        if convert::is_datetime(obj).map_err(|_| Refused)? {
            let at = convert::datetime_from_py(obj, "value").map_err(|_| Refused)?;
            return visitor.visit_string(casekit::event::format_timestamp(&at));
        }
        if convert::is_date(obj).map_err(|_| Refused)? {
            let text = obj.call_method0(intern!(py, "isoformat")).map_err(|_| Refused)?;
            return visitor.visit_str(convert::str_of(text.cast::<PyString>().map_err(|_| Refused)?).ok_or(Refused)?);
        }
        if convert::is_uuid(obj).map_err(|_| Refused)? {
            let id = convert::uuid_from_py(obj, "value").map_err(|_| Refused)?;
            let mut buf = uuid::Uuid::encode_buffer();
            return visitor.visit_str(id.hyphenated().encode_lower(&mut buf));
        }
        if obj.is_instance_of::<PyBytes>() {
            return Err(Refused);
        }
        let to_dict = obj.getattr(intern!(py, "to_dict")).map_err(|_| Refused)?;
        if !to_dict.is_callable() {
            return Err(Refused);
        }
        let plain = to_dict.call0().map_err(|_| Refused)?;
        Value::new(&plain, self.depth + 1)?.deserialize_any(visitor)
    }
}

impl<'de> Deserializer<'de> for Value<'_, '_> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let obj = self.obj;
        if obj.is_none() {
            return visitor.visit_unit();
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return visitor.visit_str(convert::str_of(s).ok_or(Refused)?);
        }
        if obj.is_instance_of::<PyBool>() {
            return visitor.visit_bool(obj.is_truthy().map_err(|_| Refused)?);
        }
        if obj.is_instance_of::<PyInt>() {
            // As serde_json's Number: non-negative integers are unsigned.
            if let Ok(n) = obj.extract::<i64>() {
                return if n < 0 { visitor.visit_i64(n) } else { visitor.visit_u64(n as u64) };
            }
            return visitor.visit_u64(obj.extract::<u64>().map_err(|_| Refused)?);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            let f = f.value();
            return if f.is_finite() { visitor.visit_f64(f) } else { Err(Refused) };
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            let mut map = DictAccess::new(d, self.depth + 1, false, false);
            let value = visitor.visit_map(&mut map)?;
            map.finish()?;
            return Ok(value);
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            let mut seq = ListAccess { obj, next: 0, depth: self.depth + 1 };
            let value = visitor.visit_seq(&mut seq)?;
            // As serde_json: a visitor that stops early is an error.
            if seq.next < obj.len().map_err(|_| Refused)? {
                return Err(Refused);
            }
            return Ok(value);
        }
        self.visit_other(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.obj.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let obj = self.obj;
        if let Ok(s) = obj.cast::<PyString>() {
            let name: de::value::StrDeserializer<'_, Refused> = convert::str_of(s).ok_or(Refused)?.into_deserializer();
            return visitor.visit_enum(name);
        }
        // `{"variant": value}`, as serde_json reads an externally tagged enum.
        let d = obj.cast::<PyDict>().map_err(|_| Refused)?;
        if d.len() != 1 {
            return Err(Refused);
        }
        let (key, value) = d.iter().next().ok_or(Refused)?;
        let key = key.cast_into::<PyString>().map_err(|_| Refused)?;
        visitor.visit_enum(Variant { key: &key, value: &value, depth: self.depth + 1 })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // The canonical path converts ignored values too, and refuses what it cannot.
        let mut path = String::new();
        convert::to_value(self.obj, &mut path, self.depth).map_err(|_| Refused)?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// A dict's entries; keys must be `str`.
struct DictAccess<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    pos: ffi::Py_ssize_t,
    len: ffi::Py_ssize_t,
    value: Option<Bound<'py, PyAny>>,
    depth: usize,
    /// Top level of a typed method's command: `None` values are left out.
    skip_none: bool,
    /// Top level of a command: `"type"` is not a field.
    skip_type: bool,
    done: bool,
}

impl<'a, 'py> DictAccess<'a, 'py> {
    fn new(dict: &'a Bound<'py, PyDict>, depth: usize, skip_none: bool, skip_type: bool) -> Self {
        let len = dict.len() as ffi::Py_ssize_t;
        DictAccess { dict, pos: 0, len, value: None, depth, skip_none, skip_type, done: false }
    }

    /// The next entry, as owned references (`PyDict_Next` lends them).
    fn next_entry(&mut self) -> Result<Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        let py = self.dict.py();
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: the GIL is held, `pos` only ever comes from PyDict_Next, and the lent
        // references are turned into owned ones before any Python code can run.
        let found = unsafe { ffi::PyDict_Next(self.dict.as_ptr(), &mut self.pos, &mut key, &mut value) };
        if found == 0 {
            return Ok(None);
        }
        // A dict changed under us (by a to_dict() or isoformat() it called): give up.
        if self.dict.len() as ffi::Py_ssize_t != self.len {
            return Err(Refused);
        }
        let (key, value) = unsafe { (Bound::from_borrowed_ptr(py, key), Bound::from_borrowed_ptr(py, value)) };
        Ok(Some((key, value)))
    }

    fn finish(&self) -> Result<()> {
        if self.done {
            Ok(())
        } else {
            Err(Refused)
        }
    }
}

impl<'de> MapAccess<'de> for DictAccess<'_, '_> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        loop {
            let Some((key, value)) = self.next_entry()? else {
                self.done = true;
                return Ok(None);
            };
            let key = key.cast_into::<PyString>().map_err(|_| Refused)?;
            let text = convert::str_of(&key).ok_or(Refused)?;
            if (self.skip_type && text == "type") || (self.skip_none && value.is_none()) {
                continue;
            }
            self.value = Some(value);
            return seed.deserialize(Key { text }).map(Some);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let value = self.value.take().ok_or(Refused)?;
        seed.deserialize(Value::new(&value, self.depth)?)
    }

    fn size_hint(&self) -> Option<usize> {
        None
    }
}

/// A list's or tuple's items.
struct ListAccess<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    next: usize,
    depth: usize,
}

impl<'de> SeqAccess<'de> for ListAccess<'_, '_> {
    type Error = Refused;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        // By index, with the length read each time: a list that changes under us (from
        // a to_dict() it called) is read safely, and the check after the walk catches it.
        if self.next >= self.obj.len().map_err(|_| Refused)? {
            return Ok(None);
        }
        let item = self.obj.get_item(self.next).map_err(|_| Refused)?;
        self.next += 1;
        seed.deserialize(Value::new(&item, self.depth)?).map(Some)
    }
}

/// A dict key, as serde_json shows an object's key (text; a unit variant's name).
struct Key<'a> {
    text: &'a str,
}

impl<'de> Deserializer<'de> for Key<'_> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(self.text)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let name: de::value::StrDeserializer<'_, Refused> = self.text.into_deserializer();
        visitor.visit_enum(name)
    }

    // serde_json parses numbers and booleans out of keys; here their visitors refuse
    // the text, and the canonical path reads them.
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// `{"variant": value}`: an externally tagged enum, read as serde_json reads it.
struct Variant<'a, 'py> {
    key: &'a Bound<'py, PyString>,
    value: &'a Bound<'py, PyAny>,
    depth: usize,
}

impl<'de, 'a, 'py> de::EnumAccess<'de> for Variant<'a, 'py> {
    type Error = Refused;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self)> {
        let name = seed.deserialize(Key { text: convert::str_of(self.key).ok_or(Refused)? })?;
        Ok((name, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, '_> {
    type Error = Refused;

    fn unit_variant(self) -> Result<()> {
        // serde_json: `{"variant": null}` is a unit variant too.
        if self.value.is_none() {
            Ok(())
        } else {
            Err(Refused)
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(Value::new(self.value, self.depth)?)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        // serde_json takes a non-empty array here (an empty one is a unit): leave the
        // rare cases to it.
        if !self.value.is_instance_of::<PyList>() || self.value.len().map_err(|_| Refused)? == 0 {
            return Err(Refused);
        }
        Value::new(self.value, self.depth)?.deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value> {
        if !self.value.is_instance_of::<PyDict>() {
            return Err(Refused);
        }
        Value::new(self.value, self.depth)?.deserialize_any(visitor)
    }
}
