//! Action fields as data, and what happens to a mapped payload before an action sees it.
//!
//! An action declares its fields as [`Field`] constants. Three things come from them:
//!
//! - [`default_values`]: each field's default mapping, which presets use as their mapping (C.1).
//!   Defaults are never merged into a payload at run time.
//! - [`validate_payload`]: the payload produced by the mapping is pruned, coerced and validated
//!   exactly as actions-core does it (`removeEmptyValues`, then Ajv 8 with `coerceTypes: "array"`,
//!   `allErrors` and `removeAdditional`, over the JSON schema that `fieldsToJsonSchema` derives;
//!   C.2–C.5). The result is the payload the action works on, or every problem found.
//!
//! The reference builds a JSON schema and hands it to Ajv; here the fields are interpreted
//! directly, with the schema's shape made explicit in `validate::Node`. The quirks of that
//! schema are kept on purpose, because they decide which events Segment accepts:
//!
//! - Only `string` fields get length limits; `text` and `password` fields ignore `minimum` and
//!   `maximum`, as do `integer` fields. A limit of 0 is no limit.
//! - An object field with `properties` never accepts `null`, even with `allow_null`: the nested
//!   schema's type replaces the nullable one. Without `properties`, `allow_null` makes Ajv coerce
//!   `0` and `false` to `null`.
//! - A single-item array stands for its item, but with a union type (`allow_null`, and every
//!   datetime) the item must *convert*: Ajv checks it against all the types at once, which no
//!   value passes. So `[3]` fails for a nullable number, `[""]` becomes `null` for a nullable
//!   string and `[0]` becomes `"0"` for a datetime.
//! - Items of a `multiple` field never allow `null`, and `multiple` datetime items are not checked
//!   for being dates. Objects inside a `multiple` object field are not pruned, so a `null` in
//!   them is coerced (to `""`, `0` or `false`) rather than dropped.
//!
//! Conditional `required` rules (`required: {conditions}`) and string `format`s other than the
//! type's own are not modelled: the Amplitude destination uses neither.

mod error;
mod validate;

pub use error::{FieldError, JsonType, Problem};
pub use validate::{validate_payload, MemberCheck, MemberFields, Payload};

use serde_json::{Map, Value};

/// The type a field declares, as in actions-core's `FieldTypeName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A single-line string. The only kind for which `minimum`/`maximum` limit the length.
    String,
    /// A string edited as multi-line text.
    Text,
    /// A string the UI masks.
    Password,
    /// Any finite number; `minimum`/`maximum` limit it when non-zero.
    Number,
    /// A whole number; `minimum`/`maximum` are ignored, as in the reference.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A number, or a string that JavaScript's `Date`/dayjs reads as a date.
    Datetime,
    /// A JSON object, free-form or with declared [`Field::properties`].
    Object,
}

/// One allowed value of a field with choices. Matching is exact and case-sensitive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    /// What the UI shows.
    pub label: &'static str,
    /// What the payload must contain.
    pub value: ChoiceValue,
}

impl Choice {
    /// A text choice labelled as its value.
    pub const fn text(value: &'static str) -> Self {
        Self {
            label: value,
            value: ChoiceValue::Text(value),
        }
    }

    /// A text choice with its own label.
    pub const fn labelled(label: &'static str, value: &'static str) -> Self {
        Self {
            label,
            value: ChoiceValue::Text(value),
        }
    }
}

/// The value of a [`Choice`]: actions-core allows strings and numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChoiceValue {
    Text(&'static str),
    Number(f64),
}

impl ChoiceValue {
    /// The choice as JSON.
    pub fn to_value(self) -> Value {
        match self {
            Self::Text(text) => Value::from(text),
            Self::Number(n) => ampline_js::number_value(n),
        }
    }
}

/// A field's default: a mapping written as constant data, so fields can be `const`s.
///
/// Directives are ordinary objects (`Object(&[("@if", …)])`); [`DefaultMapping::Path`] is a
/// shorthand for the most common one, `{"@path": "…"}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultMapping {
    Null,
    Bool(bool),
    Number(f64),
    Text(&'static str),
    /// `{"@path": path}`.
    Path(&'static str),
    Array(&'static [DefaultMapping]),
    Object(&'static [(&'static str, DefaultMapping)]),
}

impl DefaultMapping {
    /// The mapping as JSON, in declaration order.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => ampline_js::number_value(*n),
            Self::Text(text) => Value::from(*text),
            Self::Path(path) => {
                let mut directive = Map::new();
                directive.insert("@path".to_owned(), Value::from(*path));
                Value::Object(directive)
            }
            Self::Array(items) => Value::Array(items.iter().map(Self::to_value).collect()),
            Self::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| ((*key).to_owned(), value.to_value()))
                    .collect(),
            ),
        }
    }
}

/// One input field of an action (actions-core's `InputField`, minus UI-only settings).
///
/// Build one with [`Field::new`] and the `const` builder methods, so actions can declare their
/// fields as constants:
///
/// ```
/// use ampline_amplitude::fields::{DefaultMapping, Field, FieldKind};
///
/// const EVENT_TYPE: Field = Field::new("event_type", "Event Type", FieldKind::String)
///     .description("The event name.")
///     .required()
///     .default(DefaultMapping::Path("$.event"));
/// assert!(EVENT_TYPE.required);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The payload key.
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub kind: FieldKind,
    /// An array of `kind` values; a lone value is wrapped into one.
    pub multiple: bool,
    /// Must be present after pruning.
    pub required: bool,
    /// `null` is a valid value (but see the module docs for objects and `multiple`).
    pub allow_null: bool,
    /// When set, the value must be one of these.
    pub choices: Option<&'static [Choice]>,
    /// Minimum length of a `string`, or minimum of a `number`; ignored when 0.
    pub minimum: Option<f64>,
    /// Maximum length of a `string`, or maximum of a `number`; ignored when 0.
    pub maximum: Option<f64>,
    /// The declared keys of an `object` field. Undeclared keys are removed from the value
    /// unless `additional_properties` is set.
    pub properties: Option<&'static [Field]>,
    pub additional_properties: bool,
    /// The mapping a preset uses for this field.
    pub default: Option<DefaultMapping>,
}

impl Field {
    /// A single, optional, non-null field with no limits and no default.
    pub const fn new(key: &'static str, label: &'static str, kind: FieldKind) -> Self {
        Self {
            key,
            label,
            description: "",
            kind,
            multiple: false,
            required: false,
            allow_null: false,
            choices: None,
            minimum: None,
            maximum: None,
            properties: None,
            additional_properties: false,
            default: None,
        }
    }

    pub const fn description(self, description: &'static str) -> Self {
        Self {
            description,
            ..self
        }
    }

    pub const fn required(self) -> Self {
        Self {
            required: true,
            ..self
        }
    }

    pub const fn multiple(self) -> Self {
        Self {
            multiple: true,
            ..self
        }
    }

    pub const fn allow_null(self) -> Self {
        Self {
            allow_null: true,
            ..self
        }
    }

    pub const fn choices(self, choices: &'static [Choice]) -> Self {
        Self {
            choices: Some(choices),
            ..self
        }
    }

    pub const fn minimum(self, minimum: f64) -> Self {
        Self {
            minimum: Some(minimum),
            ..self
        }
    }

    pub const fn maximum(self, maximum: f64) -> Self {
        Self {
            maximum: Some(maximum),
            ..self
        }
    }

    pub const fn properties(self, properties: &'static [Field]) -> Self {
        Self {
            properties: Some(properties),
            ..self
        }
    }

    pub const fn additional_properties(self) -> Self {
        Self {
            additional_properties: true,
            ..self
        }
    }

    pub const fn default(self, default: DefaultMapping) -> Self {
        Self {
            default: Some(default),
            ..self
        }
    }
}

/// `{key: default}` for every field that has a default, in field order (C.1). Defaults of
/// `null`, `false`, `0` and `""` are included; nested properties' defaults are not, as in the
/// reference, which reads only the top level.
pub fn default_values(fields: &[Field]) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|field| Some((field.key.to_owned(), field.default?.to_value())))
        .collect()
}

#[cfg(test)]
mod tests;
