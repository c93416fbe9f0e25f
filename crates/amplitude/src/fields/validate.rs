//! Pruning (C.4), then coercion and validation (C.5), as actions-core runs them before `perform`.
//!
//! actions-core derives a JSON schema from the fields, prunes the payload with
//! `removeEmptyValues`, wraps lone values of top-level `multiple` fields into arrays
//! (`arrifyFields`), and validates with Ajv, which coerces values in place and removes undeclared
//! keys. [`Node`] is the part of that schema one value is checked against; the functions below
//! walk the payload and the fields together, so recursion is bounded by the depth of the field
//! declarations, never by the depth of the payload.

use super::error::{FieldError, JsonType, Problem};
use super::{Choice, ChoiceValue, Field, FieldKind};
use ampline_js::{json_number, number_to_string, number_value, string_to_number};
use serde_json::{Map, Value};

/// Prunes, coerces and validates a mapped payload against an action's fields.
///
/// Returns the payload the action receives: empty values pruned, values coerced to their
/// field's type, undeclared keys removed. Otherwise returns every problem found (the reference
/// validates with `allErrors`); the event is then rejected as a whole.
pub fn validate_payload(fields: &[Field], payload: Value) -> Result<Value, Vec<FieldError>> {
    let Value::Object(map) = payload else {
        return Err(vec![FieldError {
            path: String::new(),
            problem: Problem::WrongType {
                expected: &[JsonType::Object],
                found: JsonType::of(&payload),
            },
        }]);
    };
    let mut map = map;
    let mut hint = 0;
    map.retain(|key, value| {
        let Some(field) = find_field(fields, key, &mut hint) else {
            // At the top level an empty string is removed whatever the type.
            return value.as_str() != Some("");
        };
        if !prune_in_place(value, Node::Whole(field)) || value.as_str() == Some("") {
            return false;
        }
        // `arrifyFields` runs between pruning and Ajv, on the top level only: there it also
        // wraps a lone object, which Ajv's own array coercion (used for nested fields) refuses.
        if field.multiple && !matches!(value, Value::Array(_) | Value::Null) {
            *value = Value::Array(vec![value.take()]);
        }
        true
    });
    let mut errors = Vec::new();
    check_object(&mut map, fields, false, &Path::Root, &mut errors);
    if errors.is_empty() {
        Ok(Value::Object(map))
    } else {
        Err(errors)
    }
}

/// The schema node a value is checked against.
#[derive(Clone, Copy)]
enum Node<'f> {
    /// The whole value of a field (for a `multiple` field, the array).
    Whole(&'f Field),
    /// One item of a `multiple` field.
    Item(&'f Field),
}

const STRING: &[JsonType] = &[JsonType::String];
const STRING_OR_NULL: &[JsonType] = &[JsonType::String, JsonType::Null];
const NUMBER: &[JsonType] = &[JsonType::Number];
const NUMBER_OR_NULL: &[JsonType] = &[JsonType::Number, JsonType::Null];
const INTEGER: &[JsonType] = &[JsonType::Integer];
const INTEGER_OR_NULL: &[JsonType] = &[JsonType::Integer, JsonType::Null];
const BOOLEAN: &[JsonType] = &[JsonType::Boolean];
const BOOLEAN_OR_NULL: &[JsonType] = &[JsonType::Boolean, JsonType::Null];
// The order matters: coercion tries the types in the order the schema lists them, so a
// boolean given to a datetime field becomes the string "true", not the number 1.
const DATETIME: &[JsonType] = &[JsonType::String, JsonType::Number];
const DATETIME_OR_NULL: &[JsonType] = &[JsonType::String, JsonType::Number, JsonType::Null];
const OBJECT: &[JsonType] = &[JsonType::Object];
const OBJECT_OR_NULL: &[JsonType] = &[JsonType::Object, JsonType::Null];
const ARRAY: &[JsonType] = &[JsonType::Array];

fn kind_types(kind: FieldKind, allow_null: bool) -> &'static [JsonType] {
    match (kind, allow_null) {
        (FieldKind::String | FieldKind::Text | FieldKind::Password, false) => STRING,
        (FieldKind::String | FieldKind::Text | FieldKind::Password, true) => STRING_OR_NULL,
        (FieldKind::Number, false) => NUMBER,
        (FieldKind::Number, true) => NUMBER_OR_NULL,
        (FieldKind::Integer, false) => INTEGER,
        (FieldKind::Integer, true) => INTEGER_OR_NULL,
        (FieldKind::Boolean, false) => BOOLEAN,
        (FieldKind::Boolean, true) => BOOLEAN_OR_NULL,
        (FieldKind::Datetime, false) => DATETIME,
        (FieldKind::Datetime, true) => DATETIME_OR_NULL,
        (FieldKind::Object, false) => OBJECT,
        (FieldKind::Object, true) => OBJECT_OR_NULL,
    }
}

/// A limit of 0 (or NaN) is no limit: the reference tests the limit for truthiness.
fn limit(value: Option<f64>) -> Option<f64> {
    value.filter(|limit| *limit != 0.0 && !limit.is_nan())
}

impl<'f> Node<'f> {
    fn types(self) -> &'static [JsonType] {
        match self {
            Self::Whole(field) if field.multiple => ARRAY,
            // The nested object schema's `type: "object"` overwrites the nullable type.
            Self::Whole(field) if is_declared_object(field) => OBJECT,
            Self::Whole(field) => kind_types(field.kind, field.allow_null),
            Self::Item(field) => kind_types(field.kind, false),
        }
    }

    /// Declared properties and whether other keys are kept.
    fn object(self) -> Option<(&'f [Field], bool)> {
        match self {
            Self::Whole(field) if field.multiple => None,
            Self::Whole(field) | Self::Item(field) if field.kind == FieldKind::Object => field
                .properties
                .map(|properties| (properties, field.additional_properties)),
            _ => None,
        }
    }

    fn items(self) -> Option<Node<'f>> {
        match self {
            Self::Whole(field) if field.multiple => Some(Self::Item(field)),
            _ => None,
        }
    }

    /// The enum and whether it admits null. A `multiple` field's enum moves to its items, null
    /// included; a `multiple` object field with properties gets a whole new item schema.
    fn choices(self) -> Option<(&'f [Choice], bool)> {
        match self {
            Self::Whole(field) if field.multiple => None,
            Self::Item(field) if is_declared_object(field) => None,
            Self::Whole(field) | Self::Item(field) => {
                field.choices.map(|choices| (choices, field.allow_null))
            }
        }
    }

    /// Length limits: only single `string` fields have them.
    fn length_limits(self) -> (Option<f64>, Option<f64>) {
        match self {
            Self::Whole(field) if !field.multiple && field.kind == FieldKind::String => {
                (limit(field.minimum), limit(field.maximum))
            }
            _ => (None, None),
        }
    }

    /// Range limits: only single `number` fields have them.
    fn range_limits(self) -> (Option<f64>, Option<f64>) {
        match self {
            Self::Whole(field) if !field.multiple && field.kind == FieldKind::Number => {
                (limit(field.minimum), limit(field.maximum))
            }
            _ => (None, None),
        }
    }

    /// Whether strings must be dates. The `date-like` format sits on the field's schema, so a
    /// `multiple` datetime field's items are never checked.
    fn date_like(self) -> bool {
        matches!(self, Self::Whole(field) if !field.multiple && field.kind == FieldKind::Datetime)
    }
}

fn is_declared_object(field: &Field) -> bool {
    field.kind == FieldKind::Object && field.properties.is_some()
}

/// The field declared for `key`. Mapped payloads usually list their keys in the fields' own
/// order, so the scan starts after the previous match (`hint`) and wraps around: a linear scan
/// of static keys is cheaper than hashing, and the hint makes it one comparison in the usual case.
fn find_field<'f>(fields: &'f [Field], key: &str, hint: &mut usize) -> Option<&'f Field> {
    find_field_index(fields, key, hint).and_then(|i| fields.get(i))
}

fn find_field_index(fields: &[Field], key: &str, hint: &mut usize) -> Option<usize> {
    let start = (*hint).min(fields.len());
    let (before, after) = fields.split_at(start);
    let found = after
        .iter()
        .position(|field| field.key == key)
        .map(|i| start + i)
        .or_else(|| before.iter().position(|field| field.key == key))?;
    *hint = found + 1;
    Some(found)
}

/// `removeEmptyValues` below the top level, for the keys of an object whose properties are
/// declared. Pruning happens in place so the map keeps its entries and their hashes.
fn prune_object(map: &mut Map<String, Value>, fields: &[Field]) {
    let mut hint = 0;
    map.retain(|key, value| match find_field(fields, key, &mut hint) {
        Some(field) => prune_in_place(value, Node::Whole(field)),
        None => true,
    });
}

/// `removeEmptyValues` for one value; `false` removes it.
fn prune_in_place(value: &mut Value, node: Node<'_>) -> bool {
    match value {
        Value::Array(items) => {
            // Items are kept or dropped but not pruned themselves: the reference filters on
            // the pruned item and keeps the original.
            if let Some(item_node) = node.items() {
                items.retain(|item| survives_pruning(item, item_node));
            }
            true
        }
        Value::Object(map) => {
            if let Some((properties, _)) = node.object() {
                prune_object(map, properties);
            }
            true
        }
        scalar => survives_pruning(scalar, node),
    }
}

/// Below the top level, null goes unless the type allows it and `""` goes unless the type is a
/// string; everything else stays.
fn survives_pruning(value: &Value, node: Node<'_>) -> bool {
    match value {
        Value::Null => node.types().contains(&JsonType::Null),
        Value::String(s) if s.is_empty() => node.types().contains(&JsonType::String),
        _ => true,
    }
}

/// Where a value sits, rendered only when a problem is reported.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn render(&self) -> String {
        match self {
            Self::Root => String::new(),
            Self::Key(Self::Root, key) => (*key).to_owned(),
            Self::Key(parent, key) => format!("{}.{key}", parent.render()),
            Self::Index(parent, index) => format!("{}[{index}]", parent.render()),
        }
    }
}

fn report(errors: &mut Vec<FieldError>, path: &Path<'_>, problem: Problem) {
    errors.push(FieldError {
        path: path.render(),
        problem,
    });
}

/// Ajv's object keywords: `required`, `properties`, and `additionalProperties` with
/// `removeAdditional`.
fn check_object(
    map: &mut Map<String, Value>,
    fields: &[Field],
    additional_properties: bool,
    path: &Path<'_>,
    errors: &mut Vec<FieldError>,
) {
    // One pass over the entries instead of one hashed lookup per field.
    let mut slots: Vec<Option<&mut Value>> =
        std::iter::repeat_with(|| None).take(fields.len()).collect();
    let mut hint = 0;
    for (key, value) in map.iter_mut() {
        let slot = find_field_index(fields, key, &mut hint).and_then(|i| slots.get_mut(i));
        if let Some(slot) = slot {
            *slot = Some(value);
        }
    }
    for (field, slot) in fields.iter().zip(slots) {
        let field_path = Path::Key(path, field.key);
        match slot {
            Some(value) => check(value, Node::Whole(field), &field_path, errors),
            None if field.required => report(errors, &field_path, Problem::Missing),
            None => {}
        }
    }
    if !additional_properties {
        map.retain(|key, _| find_field_index(fields, key, &mut hint).is_some());
    }
}

/// Coerces `value` in place to the node's type and checks the node's keywords.
fn check(value: &mut Value, node: Node<'_>, path: &Path<'_>, errors: &mut Vec<FieldError>) {
    let types = node.types();
    // A numeric string such as "Infinity" coerces to a number JSON cannot hold; it is stored
    // as null (what `JSON.stringify` writes) but must not pass as null.
    let mut non_finite = false;
    if !has_type(value, types) {
        match coerce(value, types) {
            Some(Coerced::Value(coerced)) => *value = coerced,
            Some(Coerced::NonFinite) => {
                *value = Value::Null;
                non_finite = true;
            }
            None => {
                let found = JsonType::of(value);
                report(
                    errors,
                    path,
                    Problem::WrongType {
                        expected: types,
                        found,
                    },
                );
                return;
            }
        }
    }
    match value {
        Value::String(text) => {
            if node.date_like() && !ampline_js::date::is_date_like(text) {
                report(errors, path, Problem::NotADate);
            }
            let (minimum, maximum) = node.length_limits();
            // Ajv counts code points, not UTF-16 units.
            let length = text.chars().count();
            if let Some(limit) = minimum.filter(|limit| (length as f64) < *limit) {
                report(errors, path, Problem::TooShort { limit, length });
            }
            if let Some(limit) = maximum.filter(|limit| (length as f64) > *limit) {
                report(errors, path, Problem::TooLong { limit, length });
            }
        }
        Value::Number(number) => {
            let n = json_number(number);
            let (minimum, maximum) = node.range_limits();
            if let Some(limit) = minimum.filter(|limit| n < *limit) {
                report(errors, path, Problem::BelowMinimum { limit });
            }
            if let Some(limit) = maximum.filter(|limit| n > *limit) {
                report(errors, path, Problem::AboveMaximum { limit });
            }
        }
        Value::Object(map) => {
            if let Some((properties, additional)) = node.object() {
                check_object(map, properties, additional, path, errors);
            }
        }
        Value::Array(items) => {
            if let Some(item_node) = node.items() {
                for (index, item) in items.iter_mut().enumerate() {
                    check(item, item_node, &Path::Index(path, index), errors);
                }
            }
        }
        Value::Null | Value::Bool(_) => {}
    }
    if let Some((choices, allows_null)) = node.choices() {
        let listed = !non_finite
            && (choices
                .iter()
                .any(|choice| choice_matches(choice.value, value))
                || (allows_null && value.is_null()));
        if !listed {
            let mut allowed: Vec<Value> = choices.iter().map(|c| c.value.to_value()).collect();
            if allows_null {
                allowed.push(Value::Null);
            }
            report(errors, path, Problem::NotAChoice { allowed });
        }
    }
}

fn choice_matches(choice: ChoiceValue, value: &Value) -> bool {
    match (choice, value) {
        (ChoiceValue::Text(text), Value::String(s)) => text == s,
        (ChoiceValue::Number(n), Value::Number(m)) => n == json_number(m),
        _ => false,
    }
}

fn has_type(value: &Value, types: &[JsonType]) -> bool {
    types.iter().any(|t| match (t, value) {
        (JsonType::String, Value::String(_))
        | (JsonType::Number, Value::Number(_))
        | (JsonType::Boolean, Value::Bool(_))
        | (JsonType::Null, Value::Null)
        | (JsonType::Object, Value::Object(_))
        | (JsonType::Array, Value::Array(_)) => true,
        (JsonType::Integer, Value::Number(n)) => json_number(n).fract() == 0.0,
        _ => false,
    })
}

enum Coerced {
    Value(Value),
    /// A string that reads as ±Infinity, coerced to a number type.
    NonFinite,
}

/// Ajv's `coerceTypes: "array"` for a value of none of `types`: a single-item array stands for
/// its item; then the first type, in schema order, that the value converts to wins.
fn coerce(value: &Value, types: &[JsonType]) -> Option<Coerced> {
    // Ajv coerces only towards scalar types and arrays; a schema of objects alone is not
    // coerced at all, not even by unwrapping.
    if types == OBJECT {
        return None;
    }
    let data = match value {
        Value::Array(items) => match items.as_slice() {
            // Ajv tests the unwrapped item against all the types at once (a conjunction), so
            // with a union type the item never passes as it is and must convert instead:
            // `[3]` fails as "number or null", `[""]` becomes null, `[0]` for a datetime "0".
            [only] if types.len() == 1 && has_type(only, types) => {
                return Some(Coerced::Value(only.clone()))
            }
            [only] => only,
            _ => value,
        },
        _ => value,
    };
    types.iter().find_map(|t| coerce_to(data, *t))
}

fn coerce_to(data: &Value, target: JsonType) -> Option<Coerced> {
    let number = |n: f64| {
        Some(if n.is_finite() {
            Coerced::Value(number_value(n))
        } else {
            Coerced::NonFinite
        })
    };
    let is_zero = |n: &serde_json::Number| json_number(n) == 0.0;
    match (target, data) {
        (JsonType::String, Value::Number(n)) => Some(Coerced::Value(Value::String(
            number_to_string(json_number(n)),
        ))),
        (JsonType::String, Value::Bool(b)) => Some(Coerced::Value(Value::String(b.to_string()))),
        (JsonType::String, Value::Null) => Some(Coerced::Value(Value::String(String::new()))),
        (JsonType::Number | JsonType::Integer, Value::Bool(b)) => number(f64::from(u8::from(*b))),
        (JsonType::Number | JsonType::Integer, Value::Null) => number(0.0),
        // Ajv's test is `s && s == +s`: a non-empty string whose `Number(s)` is not NaN; for
        // integers also `!(s % 1)`, which Infinity passes (`Infinity % 1` is NaN).
        (JsonType::Number, Value::String(s)) if !s.is_empty() => {
            let n = string_to_number(s);
            if n.is_nan() {
                None
            } else {
                number(n)
            }
        }
        (JsonType::Integer, Value::String(s)) if !s.is_empty() => {
            let n = string_to_number(s);
            let remainder = n % 1.0;
            if !n.is_nan() && (remainder == 0.0 || remainder.is_nan()) {
                number(n)
            } else {
                None
            }
        }
        (JsonType::Boolean, Value::String(s)) if s == "false" => {
            Some(Coerced::Value(Value::Bool(false)))
        }
        (JsonType::Boolean, Value::String(s)) if s == "true" => {
            Some(Coerced::Value(Value::Bool(true)))
        }
        (JsonType::Boolean, Value::Number(n)) if is_zero(n) => {
            Some(Coerced::Value(Value::Bool(false)))
        }
        (JsonType::Boolean, Value::Number(n)) if json_number(n) == 1.0 => {
            Some(Coerced::Value(Value::Bool(true)))
        }
        (JsonType::Boolean, Value::Null) => Some(Coerced::Value(Value::Bool(false))),
        (JsonType::Null, Value::String(s)) if s.is_empty() => Some(Coerced::Value(Value::Null)),
        (JsonType::Null, Value::Number(n)) if is_zero(n) => Some(Coerced::Value(Value::Null)),
        (JsonType::Null, Value::Bool(false)) => Some(Coerced::Value(Value::Null)),
        (JsonType::Array, Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null) => {
            Some(Coerced::Value(Value::Array(vec![data.clone()])))
        }
        _ => None,
    }
}
