//! Introspection data for what pyo3 0.30's macros do not describe yet: exceptions made
//! with `create_exception!` (pyo3 issue #5137; a `#[pyclass(extends = PyException)]`
//! needs Python 3.12 under abi3, and we build abi3-py39).
//!
//! The data has the format of the macros' own: an exported symbol
//! `PYO3_INTROSPECTION_1_*` holding a native-endian `u32` length and then one JSON
//! object, which `pyo3-introspection` reads along with theirs. A base class is
//! serialized by pyo3 itself, from the Rust type; an attribute's type is written as text,
//! like the `#[pyo3(signature = (x: "type"))]` annotations, and `stubgen` parses both.

/// One serialized introspection object, laid out as `pyo3-introspection` reads it.
#[repr(C)]
pub struct Fragment<const N: usize> {
    length: u32,
    json: [u8; N],
}

/// The length of `parts` joined.
pub const fn joined_len(parts: &[&[u8]]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < parts.len() {
        len += parts[i].len();
        i += 1;
    }
    len
}

/// `parts` joined into a fragment; `N` must be `joined_len(parts)` (checked at compile time).
pub const fn fragment<const N: usize>(parts: &[&[u8]]) -> Fragment<N> {
    assert!(N == joined_len(parts) && N <= u32::MAX as usize);
    let mut json = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            json[at] = parts[i][j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    Fragment { length: N as u32, json }
}

/// Whether `text` can stand between JSON quotes as it is (it has nothing to escape).
pub const fn json_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' || bytes[i] == b'\\' || bytes[i] < 0x20 {
            return false;
        }
        i += 1;
    }
    true
}

/// Emits one introspection object, the concatenation of `parts` (byte strings), under
/// the symbol `symbol`.
macro_rules! emit {
    ($symbol:expr, [$($part:expr),+ $(,)?]) => {
        const _: () = {
            const PARTS: &[&[u8]] = &[$($part),+];
            #[used]
            #[unsafe(export_name = $symbol)]
            static FRAGMENT: $crate::introspection::Fragment<{ $crate::introspection::joined_len(PARTS) }> =
                $crate::introspection::fragment(PARTS);
        };
    };
}

/// Describes the exception class `$class` (made by `create_exception!`): its base class,
/// `$base` (a Rust type, written as pyo3 writes it in any annotation), and its docstring.
macro_rules! exception_class {
    ($class:ident, $base:ty, $doc:literal) => {
        const _: () = {
            assert!($crate::introspection::json_plain($doc));
            const BASE: pyo3::inspect::PyStaticExpr = <$base as pyo3::PyTypeInfo>::TYPE_HINT;
            const BASE_JSON: [u8; pyo3::inspect::serialized_len_for_introspection(&BASE)] = {
                let mut json = [0; pyo3::inspect::serialized_len_for_introspection(&BASE)];
                pyo3::inspect::serialize_for_introspection(&BASE, &mut json);
                json
            };
            $crate::introspection::emit!(
                concat!("PYO3_INTROSPECTION_1_casekit_", stringify!($class)),
                [
                    b"{\"type\":\"class\",\"id\":\"",
                    $class::_PYO3_INTROSPECTION_ID.as_bytes(),
                    concat!("\",\"name\":\"", stringify!($class), "\",\"bases\":[").as_bytes(),
                    &BASE_JSON,
                    concat!("],\"decorators\":[],\"doc\":\"", $doc, "\"}").as_bytes(),
                ]
            );
        };
    };
}

/// Describes the attribute `$name` of the class `$class`: its type, as text, and its
/// docstring.
macro_rules! class_attribute {
    ($class:ident, $name:literal, $type:literal, $doc:literal) => {
        const _: () = assert!(
            $crate::introspection::json_plain($name)
                && $crate::introspection::json_plain($type)
                && $crate::introspection::json_plain($doc)
        );
        $crate::introspection::emit!(
            concat!("PYO3_INTROSPECTION_1_casekit_", stringify!($class), "_", $name),
            [
                b"{\"type\":\"attribute\",\"parent\":\"",
                $class::_PYO3_INTROSPECTION_ID.as_bytes(),
                concat!(
                    "\",\"name\":\"",
                    $name,
                    "\",\"annotation\":{\"type\":\"constant\",\"kind\":\"str\",\"value\":\"",
                    $type,
                    "\"},\"doc\":\"",
                    $doc,
                    "\"}"
                )
                .as_bytes(),
            ]
        );
    };
}

pub(crate) use {class_attribute, emit, exception_class};
