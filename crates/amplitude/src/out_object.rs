//! Objects the event actions build from a validated payload and write straight to JSON text.
//!
//! The reference builds each event by spreading objects whose values may be `undefined`: such a
//! key is not sent, but it keeps its place, so a later assignment writes it there, not at the
//! end. [`OutObject`] keeps those places; its values borrow from the payload wherever the
//! reference copies them unchanged, so an event costs one pass of writing, not a copy.

use ampline_mapping::{MappedRef, Shape};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// A value of an [`OutObject`].
#[derive(Debug, Clone)]
pub(crate) enum Out<'v, 'a> {
    /// Keeps its key's place; not sent.
    Undefined,
    Payload(MappedRef<'v, 'a>),
    Text(&'static str),
    String(String),
    /// A text shared with a cache (the user agent's parts).
    Shared(Arc<str>),
    /// A finite number.
    Number(f64),
    /// Boxed, like the rest kept small: an object holds many values.
    Owned(Box<Value>),
    Object(OutObject<'v, 'a>),
}

impl<'v, 'a> Out<'v, 'a> {
    pub(crate) fn from_option(value: Option<Value>) -> Self {
        value.map_or(Out::Undefined, Out::owned)
    }

    pub(crate) fn owned(value: Value) -> Self {
        match value {
            Value::String(text) => Out::String(text),
            Value::Number(n) => Out::number(ampline_js::json_number(&n)),
            other => Out::Owned(Box::new(other)),
        }
    }

    pub(crate) fn number(n: f64) -> Self {
        if n.is_finite() {
            Out::Number(n)
        } else {
            Out::Owned(Box::new(Value::Null))
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Out::Payload(value) => value.as_str(),
            Out::Text(text) => Some(text),
            Out::String(text) => Some(text),
            Out::Shared(text) => Some(text),
            Out::Owned(value) => value.as_str(),
            Out::Undefined | Out::Number(_) | Out::Object(_) => None,
        }
    }

    pub(crate) fn is_truthy(&self) -> bool {
        match self {
            Out::Undefined => false,
            Out::Payload(value) => value.is_truthy(),
            Out::Text(text) => !text.is_empty(),
            Out::String(text) => !text.is_empty(),
            Out::Shared(text) => !text.is_empty(),
            Out::Number(n) => *n != 0.0,
            Out::Owned(value) => ampline_js::is_truthy(Some(value)),
            Out::Object(_) => true,
        }
    }

    pub(crate) fn is_object(&self) -> bool {
        match self {
            Out::Payload(value) => matches!(value.shape(), Shape::Object(_)),
            Out::Owned(value) => value.is_object(),
            Out::Object(_) => true,
            Out::Undefined | Out::Text(_) | Out::String(_) | Out::Shared(_) | Out::Number(_) => {
                false
            }
        }
    }

    /// The value as JSON; `None` for `undefined`.
    pub(crate) fn to_json(&self) -> Option<Cow<'_, Value>> {
        match self {
            Out::Undefined => None,
            Out::Payload(value) => Some(value.to_json()),
            Out::Text(text) => Some(Cow::Owned(Value::from(*text))),
            Out::String(text) => Some(Cow::Owned(Value::from(text.as_str()))),
            Out::Shared(text) => Some(Cow::Owned(Value::from(&**text))),
            Out::Number(n) => Some(Cow::Owned(ampline_js::number_value(*n))),
            Out::Owned(value) => Some(Cow::Borrowed(value)),
            Out::Object(object) => Some(Cow::Owned(object.to_value())),
        }
    }

    /// Appends the value's JSON; `undefined` is never written (objects skip it).
    fn write_json(&self, out: &mut String) {
        match self {
            Out::Undefined => out.push_str("null"),
            Out::Payload(value) => value.write_json(out),
            Out::Text(text) => ampline_js::write_json_string(out, text),
            Out::String(text) => ampline_js::write_json_string(out, text),
            Out::Shared(text) => ampline_js::write_json_string(out, text),
            Out::Number(n) => ampline_js::write_number(out, *n),
            Out::Owned(value) => ampline_js::write_json(out, value),
            Out::Object(object) => object.write_json(out),
        }
    }
}

/// An object under construction with JavaScript's assignment semantics.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutObject<'v, 'a> {
    entries: Vec<(Cow<'v, str>, Out<'v, 'a>)>,
    /// The [`key_bit`] of every key is set, so most keys that are not there are known to be new
    /// without a scan.
    key_filter: u64,
    /// Every key is a field's key or the action's own, none of which JSON needs to escape, so
    /// keys are written without a scan.
    plain_keys: bool,
}

/// A key known to need no escapes, as a JSON string.
#[inline(always)]
fn write_plain_key(out: &mut String, key: &str) {
    out.reserve(key.len() + 2);
    out.push('"');
    out.push_str(key);
    out.push('"');
}

/// One of 64 bits for a key, from its length and its first and last bytes: keys of one length
/// (`user_id`, `os_name`, `library`) rarely share it.
fn key_bit(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let first = usize::from(bytes.first().copied().unwrap_or_default());
    let last = usize::from(bytes.last().copied().unwrap_or_default());
    1 << ((bytes.len() + 7 * first + 13 * last) % 64)
}

impl<'v, 'a> OutObject<'v, 'a> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        OutObject {
            entries: Vec::with_capacity(capacity),
            key_filter: 0,
            plain_keys: false,
        }
    }

    /// An Amplitude event: its keys are the action's fields' (validation drops any other key of
    /// the payload) and the action's own.
    pub(crate) fn event(capacity: usize) -> Self {
        OutObject {
            plain_keys: true,
            ..OutObject::with_capacity(capacity)
        }
    }

    /// The entries of an object value (`{...value}` of an object).
    pub(crate) fn of_entries(value: MappedRef<'v, 'a>) -> Self {
        let mut object = OutObject::default();
        if let Shape::Object(entries) = value.shape() {
            object.entries.reserve(entries.len());
            entries.for_each(|key, item| object.push(key, Out::Payload(item)));
        }
        object
    }

    pub(crate) fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds a key the caller knows is not there yet.
    pub(crate) fn push(&mut self, key: impl Into<Cow<'v, str>>, value: Out<'v, 'a>) {
        let key = key.into();
        self.key_filter |= key_bit(&key);
        self.entries.push((key, value));
    }

    /// `object[key] = value`.
    pub(crate) fn set(&mut self, key: impl Into<Cow<'v, str>>, value: Out<'v, 'a>) {
        let key = key.into();
        self.set_within(self.entries.len(), key, value);
    }

    /// `object[key] = value`, for a key that, if present, is among the first `prefix` entries.
    pub(crate) fn set_within(&mut self, prefix: usize, key: Cow<'v, str>, value: Out<'v, 'a>) {
        if self.key_filter & key_bit(&key) != 0 {
            let searched = self.entries.get_mut(..prefix).unwrap_or_default();
            if let Some(slot) = searched
                .iter_mut()
                .find(|(k, _)| ampline_js::same_key(k, &key))
            {
                slot.1 = value;
                return;
            }
        }
        self.push(key, value);
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Out<'v, 'a>> {
        if self.key_filter & key_bit(key) == 0 {
            return None;
        }
        self.entries
            .iter()
            .find(|(k, _)| ampline_js::same_key(k, key))
            .map(|(_, value)| value)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Out<'v, 'a>> {
        if self.key_filter & key_bit(key) == 0 {
            return None;
        }
        self.entries
            .iter_mut()
            .find(|(k, _)| ampline_js::same_key(k, key))
            .map(|(_, value)| value)
    }

    /// A key with a defined value.
    pub(crate) fn defined(&self, key: &str) -> Option<&Out<'v, 'a>> {
        self.get(key)
            .filter(|value| !matches!(value, Out::Undefined))
    }

    /// `{...object, ...other}`, taking `other`'s values.
    pub(crate) fn spread_owned(&mut self, other: OutObject<'v, 'a>) {
        let prefix = self.entries.len();
        if self.key_filter & other.key_filter == 0 {
            // No key can be shared.
            self.key_filter |= other.key_filter;
            self.entries.extend(other.entries);
            return;
        }
        let own_filter = self.key_filter;
        for (key, value) in other.entries {
            self.spread_one(prefix, own_filter, key, value);
        }
    }

    /// `{...object, ...other}`.
    pub(crate) fn spread(&mut self, other: &OutObject<'v, 'a>) {
        let prefix = self.entries.len();
        let own_filter = self.key_filter;
        for (key, value) in &other.entries {
            self.spread_one(prefix, own_filter, key.clone(), value.clone());
        }
    }

    /// One key of a spread object: only this object's own keys (the first `prefix` entries,
    /// whose key bits are `own_filter`) can be met again, as the spread object's are distinct.
    fn spread_one(
        &mut self,
        prefix: usize,
        own_filter: u64,
        key: Cow<'v, str>,
        value: Out<'v, 'a>,
    ) {
        if own_filter & key_bit(&key) == 0 {
            self.push(key, value);
        } else {
            self.set_within(prefix, key, value);
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        Value::Object(
            self.entries
                .iter()
                .filter_map(|(key, value)| Some((key.to_string(), value.to_json()?.into_owned())))
                .collect(),
        )
    }

    /// Appends `JSON.stringify(object)`: `undefined` values are left out.
    pub(crate) fn write_json(&self, out: &mut String) {
        if self.plain_keys {
            self.write_json_with(out, write_plain_key);
        } else {
            self.write_json_with(out, ampline_js::write_json_string);
        }
    }

    #[inline(always)]
    fn write_json_with(&self, out: &mut String, write_key: impl Fn(&mut String, &str)) {
        let defined = self
            .entries
            .iter()
            .filter(|(_, value)| !matches!(value, Out::Undefined));
        ampline_js::write_json_members(out, defined, |out, (key, value)| {
            write_key(out, key);
            out.push(':');
            value.write_json(out);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ampline_mapping::Mapped;
    use serde_json::json;

    fn written(object: &OutObject<'_, '_>) -> String {
        let mut out = String::new();
        object.write_json(&mut out);
        out
    }

    /// An event object writes its keys without escaping them: that holds for every key an
    /// action's payload can have.
    #[test]
    fn field_keys_need_no_escaping() {
        for action in crate::Action::ALL {
            for field in action.fields() {
                let mut escaped = String::new();
                ampline_js::write_json_string(&mut escaped, field.key);
                assert_eq!(escaped, format!("\"{}\"", field.key), "{}", field.key);
            }
        }
    }

    #[test]
    fn an_event_writes_what_a_plain_object_writes() {
        let source = json!({"x": 1, "a": "from source"});
        let mapped = Mapped::Ref(&source);
        let mut event = OutObject::event(4);
        let mut plain = OutObject::default();
        for object in [&mut event, &mut plain] {
            object.push("a", Out::Undefined);
            object.push("z", Out::Text("z"));
            object.spread(&OutObject::of_entries(mapped.view()));
        }
        assert_eq!(written(&event), written(&plain));
        assert_eq!(written(&event), r#"{"a":"from source","z":"z","x":1}"#);
    }

    #[test]
    fn an_undefined_key_keeps_its_place_until_assigned() {
        let mut object = OutObject::default();
        object.push("a", Out::Undefined);
        object.push("b", Out::Text("b"));
        assert_eq!(written(&object), r#"{"b":"b"}"#);
        object.set("a", Out::owned(json!(1)));
        object.set("c", Out::owned(json!(null)));
        assert_eq!(written(&object), r#"{"a":1,"b":"b","c":null}"#);
    }

    #[test]
    fn spreading_overrides_in_place_and_appends_the_rest() {
        let source = json!({"x": 1, "a": "from source", "y": [1, "two"]});
        let mapped = Mapped::Ref(&source);
        let mut object = OutObject::default();
        object.push("a", Out::Undefined);
        object.push("z", Out::Text("z"));
        object.spread(&OutObject::of_entries(mapped.view()));
        assert_eq!(
            written(&object),
            r#"{"a":"from source","z":"z","x":1,"y":[1,"two"]}"#
        );
        assert_eq!(
            object.to_value(),
            json!({"a": "from source", "z": "z", "x": 1, "y": [1, "two"]})
        );
    }
}
