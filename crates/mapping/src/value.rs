//! Values in the middle of a run, where JavaScript's `undefined` can sit inside containers.

use crate::Mapped;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// A value produced while resolving a mapping.
///
/// Values read from the event stay borrowed (`Ref`) until the output is built. Containers the
/// mapping builds (`Array`, `Object`) may hold `Undefined`: the reference keeps those until its
/// final cleanup, and several directives see the difference between a missing key and no key.
#[derive(Debug, Clone)]
pub(crate) enum Js<'a> {
    Undefined,
    Ref(&'a Value),
    /// Boxed: most values are borrowed, and the enum stays small to move.
    Owned(Box<Value>),
    Array(Vec<Js<'a>>),
    Object(Vec<(Cow<'a, str>, Js<'a>)>),
}

impl<'a> Js<'a> {
    pub(crate) fn string(s: String) -> Js<'a> {
        Js::Owned(Box::new(Value::String(s)))
    }

    /// The JSON value underneath, when this is not a container the mapping built.
    pub(crate) fn as_json(&self) -> Option<&Value> {
        match self {
            Js::Ref(v) => Some(v),
            Js::Owned(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        self.as_json().and_then(Value::as_str)
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(self, Js::Undefined)
    }

    /// Neither `undefined` nor `null`.
    pub(crate) fn is_present(&self) -> bool {
        !matches!(self, Js::Undefined | Js::Ref(Value::Null))
    }

    pub(crate) fn is_null(&self) -> bool {
        self.as_json().is_some_and(Value::is_null)
    }

    /// A plain object, as `realTypeOf(v) === 'object'` sees it.
    pub(crate) fn is_object(&self) -> bool {
        match self {
            Js::Object(_) => true,
            Js::Ref(v) => v.is_object(),
            Js::Owned(v) => v.is_object(),
            _ => false,
        }
    }

    /// `realTypeOf`: the lower-case tag of `Object.prototype.toString`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Js::Undefined => "undefined",
            Js::Ref(v) => type_name(v),
            Js::Owned(v) => type_name(v),
            Js::Array(_) => "array",
            Js::Object(_) => "object",
        }
    }

    /// The reference's final cleanup plus JSON serialization: missing object keys are dropped and
    /// array holes become `null`. `None` when the value itself is missing.
    pub(crate) fn into_value(self) -> Option<Value> {
        match self {
            Js::Undefined => None,
            Js::Ref(v) => Some(v.clone()),
            Js::Owned(v) => Some(*v),
            Js::Array(items) => Some(Value::Array(
                items
                    .into_iter()
                    .map(|item| item.into_value().unwrap_or(Value::Null))
                    .collect(),
            )),
            Js::Object(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (key, item) in entries {
                    if let Some(item) = item.into_value() {
                        map.insert(key.into_owned(), item);
                    }
                }
                Some(Value::Object(map))
            }
        }
    }

    /// The same cleanup, keeping what is borrowed borrowed.
    pub(crate) fn into_mapped(self) -> Option<Mapped<'a>> {
        match self {
            Js::Undefined => None,
            Js::Ref(v) => Some(Mapped::Ref(v)),
            Js::Owned(v) => Some(Mapped::Owned(v)),
            Js::Array(items) => Some(Mapped::Array(
                items
                    .into_iter()
                    .map(|item| {
                        item.into_mapped()
                            .unwrap_or(Mapped::Owned(Box::new(Value::Null)))
                    })
                    .collect(),
            )),
            Js::Object(entries) => Some(Mapped::Object(
                entries
                    .into_iter()
                    .filter_map(|(key, item)| Some((key, item.into_mapped()?)))
                    .collect(),
            )),
        }
    }

    /// `removeUndefined`: drops missing object keys, recursively, but leaves array holes, which
    /// the reference keeps as `undefined` items.
    pub(crate) fn without_missing_keys(self) -> Js<'a> {
        match self {
            Js::Array(items) => {
                Js::Array(items.into_iter().map(Js::without_missing_keys).collect())
            }
            Js::Object(entries) => Js::Object(
                entries
                    .into_iter()
                    .filter(|(_, v)| !v.is_undefined())
                    .map(|(k, v)| (k, v.without_missing_keys()))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// `realTypeOf` of a JSON value.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Appends `String(value)`. Inside arrays, `undefined` and `null` items render as empty text.
pub(crate) fn write_string_form(out: &mut String, value: &Js<'_>) {
    match value {
        Js::Undefined => out.push_str("undefined"),
        Js::Ref(v) => ampline_js::write_js_string(out, v),
        Js::Owned(v) => ampline_js::write_js_string(out, v),
        Js::Object(_) => out.push_str("[object Object]"),
        Js::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if item.is_present() {
                    write_string_form(out, item);
                }
            }
        }
    }
}

/// Appends `JSON.stringify(value)` for a value that is not `undefined`: missing members are
/// omitted and array holes written as `null`.
pub(crate) fn write_json(out: &mut String, value: &Js<'_>) {
    match value {
        Js::Undefined => out.push_str("null"),
        Js::Ref(v) => ampline_js::write_json(out, v),
        Js::Owned(v) => ampline_js::write_json(out, v),
        Js::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Js::Object(entries) => {
            let defined = entries.iter().filter(|(_, item)| !item.is_undefined());
            ampline_js::write_json_object(
                out,
                defined.map(|(key, item)| (&**key, |out: &mut String| write_json(out, item))),
            );
        }
    }
}

/// The string's UTF-16 code units, one string each, as JavaScript indexes a string. A lone
/// surrogate half cannot be held in a Rust string and becomes U+FFFD.
pub(crate) fn utf16_units(s: &str) -> impl Iterator<Item = String> + '_ {
    s.encode_utf16().map(|unit| {
        char::from_u32(u32::from(unit))
            .unwrap_or('\u{fffd}')
            .to_string()
    })
}

/// The key as an array index (`0` to 2^32 − 2, written canonically), which JavaScript objects
/// list before every other key, in ascending order.
pub(crate) fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    u32::try_from(n).ok().filter(|&n| n != u32::MAX)
}

/// Puts entries in JavaScript's own-key order: array-index keys first, ascending, then the rest
/// in insertion order.
pub(crate) fn order_keys_like_js<K: AsRef<str>, V>(entries: &mut [(K, V)]) {
    if entries
        .iter()
        .any(|(k, _)| array_index(k.as_ref()).is_some())
    {
        entries.sort_by_key(|(k, _)| match array_index(k.as_ref()) {
            Some(i) => (0, i),
            None => (1, 0),
        });
    }
}

/// `order_keys_like_js` applied to every object inside `value`, for values JavaScript would
/// have built itself (e.g. by `JSON.parse`).
pub(crate) fn order_value_keys_like_js(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(order_value_keys_like_js),
        Value::Object(map) => {
            let needs_sorting = map.keys().any(|k| array_index(k).is_some());
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            for (_, v) in &mut entries {
                order_value_keys_like_js(v);
            }
            if needs_sorting {
                order_keys_like_js(&mut entries);
            }
            *map = entries.into_iter().collect();
        }
        _ => {}
    }
}

/// An object being built with JavaScript assignment semantics: assigning an existing key
/// replaces its value and keeps its position.
#[derive(Default)]
pub(crate) struct ObjectBuilder<'a> {
    entries: Vec<(Cow<'a, str>, Js<'a>)>,
    /// Positions by key, built once the object is large enough for a scan to cost more.
    positions: Option<HashMap<Cow<'a, str>, usize>>,
}

impl<'a> ObjectBuilder<'a> {
    const INDEX_FROM: usize = 16;

    pub(crate) fn assign(&mut self, key: Cow<'a, str>, value: Js<'a>) {
        if self.positions.is_none() && self.entries.len() >= Self::INDEX_FROM {
            let positions = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            self.positions = Some(positions);
        }
        let existing = match &self.positions {
            Some(positions) => positions.get(&key).copied(),
            None => self.entries.iter().position(|(k, _)| *k == key),
        };
        match existing.and_then(|i| self.entries.get_mut(i)) {
            Some(slot) => slot.1 = value,
            None => {
                if let Some(positions) = &mut self.positions {
                    positions.insert(key.clone(), self.entries.len());
                }
                self.entries.push((key, value));
            }
        }
    }

    pub(crate) fn finish(mut self) -> Js<'a> {
        order_keys_like_js(&mut self.entries);
        Js::Object(self.entries)
    }
}
