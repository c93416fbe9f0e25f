//! The output of a mapping, borrowing what it can.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// What a mapping made of an event: JSON whose parts are borrowed from the event or the mapping
/// where the mapping copied them as they were, and owned where it computed them.
///
/// Missing keys are already dropped and array holes are `null`, as the reference's cleanup
/// leaves them, so this is plain JSON. Keys of an [`Mapped::Object`] are unique.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped<'a> {
    Ref(&'a Value),
    /// Boxed: most values are borrowed, and the enum stays small to move.
    Owned(Box<Value>),
    Array(Vec<Mapped<'a>>),
    Object(Vec<(Cow<'a, str>, Mapped<'a>)>),
}

/// One level of a [`Mapped`] value, whichever way it is held.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'v, 'a> {
    /// `null`, a boolean, a number or a string.
    Scalar(&'v Value),
    Array(Items<'v, 'a>),
    Object(Entries<'v, 'a>),
}

#[derive(Debug, Clone, Copy)]
pub enum Items<'v, 'a> {
    Json(&'v [Value]),
    Mapped(&'v [Mapped<'a>]),
}

#[derive(Debug, Clone, Copy)]
pub enum Entries<'v, 'a> {
    Json(&'v Map<String, Value>),
    Mapped(&'v [(Cow<'a, str>, Mapped<'a>)]),
}

/// A borrowed view of a [`Mapped`] value or of any part of it.
#[derive(Debug, Clone, Copy)]
pub enum MappedRef<'v, 'a> {
    Json(&'v Value),
    Mapped(&'v Mapped<'a>),
}

impl<'a> Mapped<'a> {
    pub fn owned(value: Value) -> Self {
        Mapped::Owned(Box::new(value))
    }

    pub fn shape(&self) -> Shape<'_, 'a> {
        match self {
            Mapped::Ref(v) => json_shape(v),
            Mapped::Owned(v) => json_shape(v),
            Mapped::Array(items) => Shape::Array(Items::Mapped(items)),
            Mapped::Object(entries) => Shape::Object(Entries::Mapped(entries)),
        }
    }

    /// The JSON value, when it is held as one (not built up by the mapping).
    pub fn as_json(&self) -> Option<&Value> {
        match self {
            Mapped::Ref(v) => Some(v),
            Mapped::Owned(v) => Some(v),
            Mapped::Array(_) | Mapped::Object(_) => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        self.as_json().and_then(Value::as_str)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.as_json(), Some(Value::Null))
    }

    /// JavaScript truthiness.
    pub fn is_truthy(&self) -> bool {
        match self.as_json() {
            Some(value) => ampline_js::is_truthy(Some(value)),
            None => true,
        }
    }

    pub fn view(&self) -> MappedRef<'_, 'a> {
        MappedRef::Mapped(self)
    }

    /// The value as owned JSON.
    pub fn into_value(self) -> Value {
        match self {
            Mapped::Ref(v) => v.clone(),
            Mapped::Owned(v) => *v,
            Mapped::Array(items) => {
                Value::Array(items.into_iter().map(Mapped::into_value).collect())
            }
            Mapped::Object(entries) => Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect(),
            ),
        }
    }

    /// The value as JSON, borrowed when it is held as JSON.
    pub fn to_json(&self) -> Cow<'_, Value> {
        match self {
            Mapped::Ref(v) => Cow::Borrowed(v),
            Mapped::Owned(v) => Cow::Borrowed(v),
            other => Cow::Owned(other.clone().into_value()),
        }
    }

    /// Turns a container held as JSON into one of [`Mapped`] parts (borrowing the parts of a
    /// borrowed container, taking those of an owned one), so its parts can be changed one by one.
    /// Scalars are left as they are.
    pub fn open(&mut self) {
        match self {
            Mapped::Ref(Value::Array(items)) => {
                *self = Mapped::Array(items.iter().map(Mapped::Ref).collect());
            }
            Mapped::Ref(Value::Object(map)) => {
                *self = Mapped::Object(
                    map.iter()
                        .map(|(k, v)| (Cow::Borrowed(k.as_str()), Mapped::Ref(v)))
                        .collect(),
                );
            }
            Mapped::Owned(owned) => match owned.as_mut() {
                Value::Array(items) => {
                    *self = Mapped::Array(
                        std::mem::take(items)
                            .into_iter()
                            .map(|v| Mapped::Owned(Box::new(v)))
                            .collect(),
                    );
                }
                Value::Object(map) => {
                    *self = Mapped::Object(
                        std::mem::take(map)
                            .into_iter()
                            .map(|(k, v)| (Cow::Owned(k), Mapped::Owned(Box::new(v))))
                            .collect(),
                    );
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Appends `JSON.stringify(value)`.
    pub fn write_json(&self, out: &mut String) {
        self.view().write_json(out);
    }
}

impl<'v, 'a> MappedRef<'v, 'a> {
    pub fn shape(self) -> Shape<'v, 'a> {
        match self {
            MappedRef::Json(v) => json_shape(v),
            MappedRef::Mapped(m) => m.shape(),
        }
    }

    pub fn as_json(self) -> Option<&'v Value> {
        match self {
            MappedRef::Json(v) => Some(v),
            MappedRef::Mapped(m) => m.as_json(),
        }
    }

    pub fn as_str(self) -> Option<&'v str> {
        self.as_json().and_then(Value::as_str)
    }

    pub fn is_truthy(self) -> bool {
        match self.as_json() {
            Some(value) => ampline_js::is_truthy(Some(value)),
            None => true,
        }
    }

    /// The value as JSON, borrowed when it is held as JSON.
    pub fn to_json(self) -> Cow<'v, Value> {
        match self {
            MappedRef::Json(v) => Cow::Borrowed(v),
            MappedRef::Mapped(m) => m.to_json(),
        }
    }

    /// Appends `JSON.stringify(value)`.
    pub fn write_json(self, out: &mut String) {
        match self.shape() {
            Shape::Scalar(v) => ampline_js::write_json(out, v),
            Shape::Array(Items::Json(_)) | Shape::Object(Entries::Json(_)) => {
                if let Some(v) = self.as_json() {
                    ampline_js::write_json(out, v);
                }
            }
            Shape::Array(Items::Mapped(items)) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Shape::Object(Entries::Mapped(entries)) => ampline_js::write_json_object(
                out,
                entries
                    .iter()
                    .map(|(key, item)| (&**key, |out: &mut String| item.write_json(out))),
            ),
        }
    }
}

impl<'v, 'a> Entries<'v, 'a> {
    pub fn len(self) -> usize {
        match self {
            Entries::Json(map) => map.len(),
            Entries::Mapped(entries) => entries.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub fn get(self, key: &str) -> Option<MappedRef<'v, 'a>> {
        match self {
            Entries::Json(map) => map.get(key).map(MappedRef::Json),
            Entries::Mapped(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| MappedRef::Mapped(v)),
        }
    }

    /// Calls `f` with each key and value, in order.
    pub fn for_each(self, mut f: impl FnMut(&'v str, MappedRef<'v, 'a>)) {
        match self {
            Entries::Json(map) => map.iter().for_each(|(k, v)| f(k, MappedRef::Json(v))),
            Entries::Mapped(entries) => {
                entries.iter().for_each(|(k, v)| f(k, MappedRef::Mapped(v)))
            }
        }
    }
}

impl<'v, 'a> Items<'v, 'a> {
    pub fn len(self) -> usize {
        match self {
            Items::Json(items) => items.len(),
            Items::Mapped(items) => items.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub fn get(self, index: usize) -> Option<MappedRef<'v, 'a>> {
        match self {
            Items::Json(items) => items.get(index).map(MappedRef::Json),
            Items::Mapped(items) => items.get(index).map(MappedRef::Mapped),
        }
    }
}

fn json_shape<'v, 'a>(value: &'v Value) -> Shape<'v, 'a> {
    match value {
        Value::Array(items) => Shape::Array(Items::Json(items)),
        Value::Object(map) => Shape::Object(Entries::Json(map)),
        scalar => Shape::Scalar(scalar),
    }
}
