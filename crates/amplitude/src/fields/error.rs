//! Validation problems, worded like `@segment/ajv-human-errors` but naming the field by path.

use serde_json::Value;
use std::fmt;

/// One reason a payload was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Where the problem is: `event_type`, `products[1].price`; empty for the payload itself.
    pub path: String,
    pub problem: Problem,
}

/// What is wrong with the value at a [`FieldError::path`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// The value has none of the allowed types and cannot be coerced to one.
    WrongType {
        expected: &'static [JsonType],
        found: JsonType,
    },
    /// The value is not one of the field's choices.
    NotAChoice { allowed: Vec<Value> },
    /// A string shorter than the field's minimum, counted in characters.
    TooShort { limit: f64, length: usize },
    /// A string longer than the field's maximum, counted in characters.
    TooLong { limit: f64, length: usize },
    /// A number below the field's minimum.
    BelowMinimum { limit: f64 },
    /// A number above the field's maximum.
    AboveMaximum { limit: f64 },
    /// A datetime string that does not read as a date.
    NotADate,
    /// A required field is absent after pruning (`""`, and `null` where not allowed, count as
    /// absent).
    Missing,
}

/// A JSON type as the schema names it; `Integer` is a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Null,
    Object,
    Array,
}

impl JsonType {
    /// The type of a JSON value (numbers are `Number`).
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(_) => Self::Boolean,
            Value::Number(_) => Self::Number,
            Value::String(_) => Self::String,
            Value::Array(_) => Self::Array,
            Value::Object(_) => Self::Object,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Null => "null",
            Self::Object => "object",
            Self::Array => "array",
        }
    }

    fn with_article(self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            other => format!("{} {}", article(other.name()), other.name()),
        }
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `a`, `a or b`, `a, b, or c`.
fn write_list(f: &mut fmt::Formatter<'_>, items: &[String]) -> fmt::Result {
    match items {
        [] => f.write_str("nothing"),
        [one] => f.write_str(one),
        [first, second] => write!(f, "{first} or {second}"),
        [init @ .., last] => write!(f, "{}, or {last}", init.join(", ")),
    }
}

fn plural(count: f64) -> &'static str {
    if count == 1.0 {
        "character"
    } else {
        "characters"
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongType { expected, found } => {
                let names: Vec<String> = expected.iter().map(|t| t.name().to_owned()).collect();
                let first = names.first().map_or("", String::as_str);
                write!(f, "must be {} ", article(first))?;
                write_list(f, &names)?;
                write!(f, " but it was {}", found.with_article())
            }
            Self::NotAChoice { allowed } => {
                let names: Vec<String> = allowed.iter().map(Value::to_string).collect();
                f.write_str("must be one of: ")?;
                write_list(f, &names)
            }
            Self::TooShort { limit, length } => write!(
                f,
                "must be {} {} or more but it was {length} {}",
                ampline_js::number_to_string(*limit),
                plural(*limit),
                plural(*length as f64)
            ),
            Self::TooLong { limit, length } => write!(
                f,
                "must be {} {} or fewer but it was {length} {}",
                ampline_js::number_to_string(*limit),
                plural(*limit),
                plural(*length as f64)
            ),
            Self::BelowMinimum { limit } => write!(
                f,
                "must be equal to or greater than {}",
                ampline_js::number_to_string(*limit)
            ),
            Self::AboveMaximum { limit } => write!(
                f,
                "must be equal to or less than {}",
                ampline_js::number_to_string(*limit)
            ),
            Self::NotADate => f.write_str("must be a valid date-like string but it was not"),
            Self::Missing => f.write_str("is required but missing"),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "The payload {}.", self.problem)
        } else {
            write!(f, "The field {} {}.", self.path, self.problem)
        }
    }
}

impl std::error::Error for FieldError {}
