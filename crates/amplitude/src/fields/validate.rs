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
use ampline_mapping::{Entries, Mapped, MappedRef, Shape};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A validated payload: the keys of the fields it sets, in the mapping's order, with values
/// coerced to their field's type. What the mapping copied from the event stays borrowed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Payload<'a> {
    entries: Vec<(Cow<'a, str>, Mapped<'a>)>,
}

impl<'a> Payload<'a> {
    pub fn entries(&self) -> &[(Cow<'a, str>, Mapped<'a>)] {
        &self.entries
    }

    /// The payload as an owned JSON object.
    pub fn into_map(self) -> Map<String, Value> {
        self.entries
            .into_iter()
            .map(|(key, value)| (key.into_owned(), value.into_value()))
            .collect()
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.into_map())
    }
}

/// Prunes, coerces and validates a mapped payload against an action's fields.
///
/// Returns the payload the action receives: empty values pruned, values coerced to their
/// field's type, undeclared keys removed. Otherwise returns every problem found (the reference
/// validates with `allErrors`); the event is then rejected as a whole.
pub fn validate_payload<'a>(
    fields: &[Field],
    payload: Mapped<'a>,
) -> Result<Payload<'a>, Vec<FieldError>> {
    let mut payload = payload;
    payload.open();
    let mut entries = match payload {
        Mapped::Object(entries) => entries,
        other => {
            return Err(vec![FieldError {
                path: String::new(),
                problem: Problem::WrongType {
                    expected: &[JsonType::Object],
                    found: json_type(other.view()),
                },
            }])
        }
    };
    let mut errors = Vec::new();
    check_object(&mut entries, fields, Level::Top, &Path::Root, &mut errors);
    if errors.is_empty() {
        Ok(Payload { entries })
    } else {
        Err(errors)
    }
}

/// Where an object sits, which decides what happens before its keys are checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The payload itself: values are pruned first (recursively) and lone values of `multiple`
    /// fields wrapped, and keys of no field are removed.
    Top,
    /// An object field with declared properties, pruned already; `additional_properties`
    /// says whether keys of no field stay.
    Nested { additional_properties: bool },
}

fn json_type(value: MappedRef<'_, '_>) -> JsonType {
    match value.shape() {
        Shape::Scalar(v) => JsonType::of(v),
        Shape::Array(_) => JsonType::Array,
        Shape::Object(_) => JsonType::Object,
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
    // Most often the very next field.
    if fields
        .get(*hint)
        .is_some_and(|field| ampline_js::same_key(field.key, key))
    {
        *hint += 1;
        return Some(*hint - 1);
    }
    find_field_index_from(fields, key, hint)
}

#[inline(never)]
fn find_field_index_from(fields: &[Field], key: &str, hint: &mut usize) -> Option<usize> {
    let start = (*hint).min(fields.len());
    let (before, after) = fields.split_at(start);
    let found = after
        .iter()
        .position(|field| ampline_js::same_key(field.key, key))
        .map(|i| start + i)
        .or_else(|| {
            before
                .iter()
                .position(|field| ampline_js::same_key(field.key, key))
        })?;
    *hint = found + 1;
    Some(found)
}

/// `removeEmptyValues` below the top level, for the keys of an object whose properties are
/// declared.
fn prune_object(entries: &mut Vec<(Cow<'_, str>, Mapped<'_>)>, fields: &[Field]) {
    let mut hint = 0;
    entries.retain_mut(|(key, value)| match find_field(fields, key, &mut hint) {
        Some(field) => prune_in_place(value, Node::Whole(field)),
        None => true,
    });
}

/// `removeEmptyValues` for one value; `false` removes it. A borrowed container is opened (its
/// parts borrowed one by one) only when something in it may go.
fn prune_in_place(value: &mut Mapped<'_>, node: Node<'_>) -> bool {
    match value.shape() {
        Shape::Array(items) => {
            // Items are kept or dropped but not pruned themselves: the reference filters on
            // the pruned item and keeps the original.
            let Some(item_node) = node.items() else {
                return true;
            };
            let all_survive = (0..items.len()).all(|i| {
                items
                    .get(i)
                    .is_some_and(|item| survives_pruning(item, item_node))
            });
            if !all_survive {
                value.open();
                if let Mapped::Array(items) = value {
                    items.retain(|item| survives_pruning(item.view(), item_node));
                }
            }
            true
        }
        Shape::Object(entries) => {
            if let Some((properties, _)) = node.object() {
                if may_lose_keys(entries) {
                    value.open();
                    if let Mapped::Object(entries) = value {
                        prune_object(entries, properties);
                    }
                }
            }
            true
        }
        Shape::Scalar(_) => survives_pruning(value.view(), node),
    }
}

/// Whether pruning can take anything out of an object: only `null`, `""` and what containers
/// hold can go.
fn may_lose_keys(entries: Entries<'_, '_>) -> bool {
    let mut may = false;
    entries.for_each(|_, item| {
        may |= match item.shape() {
            Shape::Scalar(Value::Null) => true,
            Shape::Scalar(Value::String(text)) => text.is_empty(),
            Shape::Scalar(_) => false,
            Shape::Array(_) | Shape::Object(_) => true,
        }
    });
    may
}

/// Below the top level, null goes unless the type allows it and `""` goes unless the type is a
/// string; everything else stays.
fn survives_pruning(value: MappedRef<'_, '_>, node: Node<'_>) -> bool {
    match value.as_json() {
        Some(Value::Null) => node.types().contains(&JsonType::Null),
        Some(Value::String(s)) if s.is_empty() => node.types().contains(&JsonType::String),
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

/// Ajv's object keywords, `required`, `properties`, and `additionalProperties` with
/// `removeAdditional`, in one pass over the keys. Problems are reported in the fields' order,
/// as the reference reports them.
fn check_object(
    entries: &mut Vec<(Cow<'_, str>, Mapped<'_>)>,
    fields: &[Field],
    level: Level,
    path: &Path<'_>,
    errors: &mut Vec<FieldError>,
) {
    let mut object = ObjectCheck::new(fields, level, path, errors);
    let mut hint = 0;
    entries.retain_mut(
        |(key, value)| match find_field_index(fields, key, &mut hint) {
            Some(index) => object.keep(index, value, errors),
            None => match level {
                Level::Top => false,
                Level::Nested {
                    additional_properties,
                } => additional_properties,
            },
        },
    );
    object.finish(errors);
}

/// One object's check, key by key: what has been met and which field each problem belongs to.
struct ObjectCheck<'f, 'p> {
    fields: &'f [Field],
    level: Level,
    path: &'p Path<'p>,
    first_error: usize,
    /// The field index of each problem reported here, to order them afterwards.
    owners: Vec<usize>,
    seen: FieldSet,
    /// The indices of the required fields, when known in advance; otherwise every field is
    /// looked at.
    required: Option<&'f [usize]>,
}

impl<'f, 'p> ObjectCheck<'f, 'p> {
    fn new(fields: &'f [Field], level: Level, path: &'p Path<'p>, errors: &[FieldError]) -> Self {
        ObjectCheck {
            fields,
            level,
            path,
            first_error: errors.len(),
            owners: Vec::new(),
            seen: FieldSet::new(fields.len()),
            required: None,
        }
    }

    /// Prunes, coerces and checks the value of the field at `index`; `false` when the key goes.
    #[inline(always)]
    fn keep(&mut self, index: usize, value: &mut Mapped<'_>, errors: &mut Vec<FieldError>) -> bool {
        let Some(field) = self.fields.get(index) else {
            return false;
        };
        if is_plainly_kept(value.view(), field, self.level) {
            self.seen.insert(index);
            return true;
        }
        self.check(index, field, value, errors)
    }

    /// [`ObjectCheck::keep`] for a value that is not plainly kept.
    #[inline(never)]
    fn check(
        &mut self,
        index: usize,
        field: &Field,
        value: &mut Mapped<'_>,
        errors: &mut Vec<FieldError>,
    ) -> bool {
        if self.level == Level::Top {
            if !prune_in_place(value, Node::Whole(field)) || value.as_str() == Some("") {
                return false;
            }
            // `arrifyFields` runs between pruning and Ajv, on the top level only: there it
            // also wraps a lone object, which Ajv's own array coercion (used for nested
            // fields) refuses.
            if field.multiple && !matches!(value.shape(), Shape::Array(_)) && !value.is_null() {
                let lone = std::mem::replace(value, Mapped::owned(Value::Null));
                *value = Mapped::Array(vec![lone]);
            }
        }
        self.seen.insert(index);
        check(
            value,
            Node::Whole(field),
            &Path::Key(self.path, field.key),
            errors,
        );
        let reported = errors.len() - self.first_error;
        if reported > self.owners.len() {
            self.owners.resize(reported, index);
        }
        true
    }

    /// `required`, then the problems in the fields' order.
    fn finish(mut self, errors: &mut Vec<FieldError>) {
        let missing = |index: &usize| !self.seen.contains(*index);
        let missing: Vec<usize> = match self.required {
            Some(required) => required.iter().copied().filter(missing).collect(),
            None => required_fields(self.fields).filter(missing).collect(),
        };
        for index in missing {
            if let Some(field) = self.fields.get(index) {
                report(errors, &Path::Key(self.path, field.key), Problem::Missing);
                self.owners.push(index);
            }
        }
        if let Some(reported) = errors.get_mut(self.first_error..) {
            if reported.len() > 1 {
                let mut keyed: Vec<(usize, FieldError)> = self
                    .owners
                    .into_iter()
                    .zip(reported.iter().cloned())
                    .collect();
                keyed.sort_by_key(|(owner, _)| *owner);
                for (slot, (_, error)) in reported.iter_mut().zip(keyed) {
                    *slot = error;
                }
            }
        }
    }
}

/// The indices of the required fields.
fn required_fields(fields: &[Field]) -> impl Iterator<Item = usize> + '_ {
    fields
        .iter()
        .enumerate()
        .filter(|(_, field)| field.required)
        .map(|(index, _)| index)
}

/// What [`MemberCheck`] needs of a mapping of members, found once: each member's field (by the
/// member's position) and which fields are required.
#[derive(Debug, Clone)]
pub struct MemberFields {
    field_of_member: Vec<Option<usize>>,
    required: Vec<usize>,
}

impl MemberFields {
    pub fn new(fields: &[Field], member_keys: &[&str]) -> Self {
        let mut hint = 0;
        MemberFields {
            field_of_member: member_keys
                .iter()
                .map(|key| find_field_index(fields, key, &mut hint))
                .collect(),
            required: required_fields(fields).collect(),
        }
    }
}

/// [`validate_payload`] for a payload that comes member by member from a mapping of members
/// whose fields are known ([`MemberFields`]): no key is looked up.
pub struct MemberCheck<'a, 'f> {
    field_of_member: &'f [Option<usize>],
    object: ObjectCheck<'f, 'static>,
    entries: Vec<(Cow<'a, str>, Mapped<'a>)>,
    errors: Vec<FieldError>,
}

impl<'a, 'f> MemberCheck<'a, 'f> {
    /// `members` must have been made for these `fields`.
    pub fn new(fields: &'f [Field], members: &'f MemberFields) -> Self {
        let mut object = ObjectCheck::new(fields, Level::Top, &Path::Root, &[]);
        object.required = Some(&members.required);
        MemberCheck {
            field_of_member: &members.field_of_member,
            object,
            entries: Vec::with_capacity(members.field_of_member.len()),
            errors: Vec::new(),
        }
    }

    /// The member at `position`; a member of no field is removed, as an undeclared key is.
    pub fn take(&mut self, position: usize, key: &'a str, mut value: Mapped<'a>) {
        let Some(index) = self.field_of_member.get(position).copied().flatten() else {
            return;
        };
        if self.object.keep(index, &mut value, &mut self.errors) {
            self.entries.push((Cow::Borrowed(key), value));
        }
    }

    pub fn finish(mut self) -> Result<Payload<'a>, Vec<FieldError>> {
        self.object.finish(&mut self.errors);
        if self.errors.is_empty() {
            Ok(Payload {
                entries: self.entries,
            })
        } else {
            Err(self.errors)
        }
    }
}

/// Which fields of an object have been met.
enum FieldSet {
    Small(u128),
    Large(Vec<bool>),
}

impl FieldSet {
    fn new(fields: usize) -> Self {
        if fields <= 128 {
            FieldSet::Small(0)
        } else {
            FieldSet::Large(vec![false; fields])
        }
    }

    fn insert(&mut self, index: usize) {
        match self {
            FieldSet::Small(bits) => *bits |= 1u128.checked_shl(index as u32).unwrap_or(0),
            FieldSet::Large(flags) => {
                if let Some(flag) = flags.get_mut(index) {
                    *flag = true;
                }
            }
        }
    }

    fn contains(&self, index: usize) -> bool {
        match self {
            FieldSet::Small(bits) => bits & 1u128.checked_shl(index as u32).unwrap_or(0) != 0,
            FieldSet::Large(flags) => flags.get(index).copied().unwrap_or(false),
        }
    }
}

/// Coerces `value` in place to the node's type and checks the node's keywords.
fn check(value: &mut Mapped<'_>, node: Node<'_>, path: &Path<'_>, errors: &mut Vec<FieldError>) {
    let types = node.types();
    // A numeric string such as "Infinity" coerces to a number JSON cannot hold; it is stored
    // as null (what `JSON.stringify` writes) but must not pass as null.
    let mut non_finite = false;
    if !has_type(value.view(), types) {
        match coerce(value.view(), types) {
            Some(Coerced::Value(coerced)) => *value = Mapped::owned(coerced),
            Some(Coerced::NonFinite) => {
                *value = Mapped::owned(Value::Null);
                non_finite = true;
            }
            None => {
                let found = json_type(value.view());
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
    match value.shape() {
        Shape::Scalar(Value::String(text)) => {
            if node.date_like() && !ampline_js::date::is_date_like(text) {
                report(errors, path, Problem::NotADate);
            }
            let (minimum, maximum) = node.length_limits();
            if minimum.is_some() || maximum.is_some() {
                // Ajv counts code points, not UTF-16 units.
                let length = text.chars().count();
                if let Some(limit) = minimum.filter(|limit| (length as f64) < *limit) {
                    report(errors, path, Problem::TooShort { limit, length });
                }
                if let Some(limit) = maximum.filter(|limit| (length as f64) > *limit) {
                    report(errors, path, Problem::TooLong { limit, length });
                }
            }
        }
        Shape::Scalar(Value::Number(number)) => {
            let n = json_number(number);
            let (minimum, maximum) = node.range_limits();
            if let Some(limit) = minimum.filter(|limit| n < *limit) {
                report(errors, path, Problem::BelowMinimum { limit });
            }
            if let Some(limit) = maximum.filter(|limit| n > *limit) {
                report(errors, path, Problem::AboveMaximum { limit });
            }
        }
        Shape::Object(_) => {
            if let Some((properties, additional_properties)) = node.object() {
                value.open();
                if let Mapped::Object(entries) = value {
                    let level = Level::Nested {
                        additional_properties,
                    };
                    check_object(entries, properties, level, path, errors);
                }
            }
        }
        Shape::Array(_) => {
            if let Some(item_node) = node.items() {
                value.open();
                if let Mapped::Array(items) = value {
                    for (index, item) in items.iter_mut().enumerate() {
                        check(item, item_node, &Path::Index(path, index), errors);
                    }
                }
            }
        }
        Shape::Scalar(_) => {}
    }
    if let Some((choices, allows_null)) = node.choices() {
        let listed = !non_finite
            && (choices
                .iter()
                .any(|choice| choice_matches(choice.value, value.view()))
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

/// The usual case of a key, at any level, decided in one look: a value of its field's own type
/// that pruning keeps and that needs no coercion, within the field's choices if it has any. It
/// stays as it is. `""` is removed at the top level only; `null` is never plainly kept.
#[inline(always)]
fn is_plainly_kept(value: MappedRef<'_, '_>, field: &Field, level: Level) -> bool {
    if field.multiple || field.minimum.is_some() || field.maximum.is_some() {
        return false;
    }
    let of_its_type = match (field.kind, value.shape()) {
        (
            FieldKind::String | FieldKind::Text | FieldKind::Password,
            Shape::Scalar(Value::String(text)),
        ) => !text.is_empty() || level != Level::Top,
        (FieldKind::Datetime, Shape::Scalar(Value::String(text))) => {
            !text.is_empty() && ampline_js::date::is_date_like(text)
        }
        (FieldKind::Number | FieldKind::Datetime, Shape::Scalar(Value::Number(_)))
        | (FieldKind::Boolean, Shape::Scalar(Value::Bool(_))) => true,
        (FieldKind::Integer, Shape::Scalar(Value::Number(n))) => json_number(n).fract() == 0.0,
        (FieldKind::Object, Shape::Object(entries)) => {
            return field.choices.is_none()
                && field
                    .properties
                    .is_none_or(|properties| is_plainly_valid_object(entries, properties));
        }
        _ => false,
    };
    of_its_type
        && field.choices.is_none_or(|choices| {
            choices
                .iter()
                .any(|choice| choice_matches(choice.value, value))
        })
}

/// An object that pruning, coercion and validation against its declared `properties` leave as it
/// is: every key is a declared property whose value is plainly kept, and every required property
/// is there.
#[inline(never)]
fn is_plainly_valid_object(entries: Entries<'_, '_>, properties: &[Field]) -> bool {
    let nested = Level::Nested {
        additional_properties: false,
    };
    let mut hint = 0;
    let mut required_met = 0;
    let mut valid = true;
    entries.for_each(|key, item| {
        valid = valid
            && find_field(properties, key, &mut hint).is_some_and(|property| {
                required_met += usize::from(property.required);
                is_plainly_kept(item, property, nested)
            });
    });
    valid && required_met == properties.iter().filter(|p| p.required).count()
}

fn choice_matches(choice: ChoiceValue, value: MappedRef<'_, '_>) -> bool {
    match (choice, value.as_json()) {
        (ChoiceValue::Text(text), Some(Value::String(s))) => text == s,
        (ChoiceValue::Number(n), Some(Value::Number(m))) => n == json_number(m),
        _ => false,
    }
}

fn has_type(value: MappedRef<'_, '_>, types: &[JsonType]) -> bool {
    let shape = value.shape();
    types.iter().any(|t| match (t, shape) {
        (JsonType::Object, Shape::Object(_)) | (JsonType::Array, Shape::Array(_)) => true,
        (JsonType::String, Shape::Scalar(Value::String(_)))
        | (JsonType::Number, Shape::Scalar(Value::Number(_)))
        | (JsonType::Boolean, Shape::Scalar(Value::Bool(_)))
        | (JsonType::Null, Shape::Scalar(Value::Null)) => true,
        (JsonType::Integer, Shape::Scalar(Value::Number(n))) => json_number(n).fract() == 0.0,
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
fn coerce(value: MappedRef<'_, '_>, types: &[JsonType]) -> Option<Coerced> {
    // Ajv coerces only towards scalar types and arrays; a schema of objects alone is not
    // coerced at all, not even by unwrapping.
    if types == OBJECT {
        return None;
    }
    let data = match value.shape() {
        // Ajv tests the unwrapped item against all the types at once (a conjunction), so
        // with a union type the item never passes as it is and must convert instead:
        // `[3]` fails as "number or null", `[""]` becomes null, `[0]` for a datetime "0".
        Shape::Array(items) if items.len() == 1 => {
            let only = items.get(0)?;
            if types.len() == 1 && has_type(only, types) {
                return Some(Coerced::Value(only.to_json().into_owned()));
            }
            only
        }
        _ => value,
    };
    // Only scalars convert; containers have no type to convert to but their own.
    let Shape::Scalar(data) = data.shape() else {
        return None;
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
