//! Conditions as Segment's parser builds them, compiled for evaluation.
//!
//! Everything an evaluation needs is worked out here, once: the expected value's string form
//! and number form, the operator, and the path split into pieces. Evaluation then compares
//! borrowed event data against these without building any string.

use crate::lexer::{Kind, Token};
use crate::lookup::{member, Actual, Path};
use serde_json::Value;

/// Where a condition reads its actual value.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A top-level key of the event: `type`, `event`, `name` or `userId`.
    TopLevel(&'static str),
    /// A path inside one of the objects `properties`, `traits` or `context`.
    Inside(&'static str, Path),
}

/// A string test's expected text. `match(F, "😀x")` drops the first UTF-16 unit of its value,
/// which can leave the second half of a surrogate pair in front of the text.
#[derive(Debug, Clone)]
pub(crate) struct Suffix {
    lone_low_surrogate: Option<u16>,
    text: Box<str>,
}

/// The comparison, with its expected value in the form it is compared in.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Equals(Box<str>),
    NotEquals(Box<str>),
    NumberEquals(f64),
    NumberNotEquals(f64),
    Less(f64),
    LessOrEqual(f64),
    Greater(f64),
    GreaterOrEqual(f64),
    Contains(Box<str>),
    NotContains(Box<str>),
    StartsWith(Box<str>),
    NotStartsWith(Box<str>),
    EndsWith(Suffix),
    NotEndsWith(Suffix),
    Exists,
    NotExists,
    IsTrue,
    IsFalse,
    /// An operator the reference does not know (`==`, `.`, …): never true.
    Never,
}

#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub(crate) source: Source,
    pub(crate) test: Test,
}

/// The reference's `getTokenValue`: the typed value a token stands for.
enum Expected {
    Text(String),
    Number(f64),
    Bool(bool),
}

impl Expected {
    fn of(token: &Token) -> Expected {
        match token.kind {
            Kind::Str => {
                let text = token.text.strip_prefix('"').unwrap_or(&token.text);
                Expected::Text(text.strip_suffix('"').unwrap_or(text).to_owned())
            }
            Kind::Number => Expected::Number(ampline_js::string_to_number(&token.text)),
            Kind::Ident if token.text == "true" => Expected::Bool(true),
            Kind::Ident if token.text == "false" => Expected::Bool(false),
            _ => Expected::Text(token.text.clone()),
        }
    }

    /// `String(value)`.
    fn into_text(self) -> String {
        match self {
            Expected::Text(text) => text,
            Expected::Number(n) => ampline_js::number_to_string(n),
            Expected::Bool(b) => b.to_string(),
        }
    }

    /// `Number(value)`.
    fn number(&self) -> f64 {
        match self {
            Expected::Text(text) => ampline_js::string_to_number(text),
            Expected::Number(n) => *n,
            Expected::Bool(b) => f64::from(u8::from(*b)),
        }
    }
}

/// The condition types of Segment's parser, by field head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    Type,
    Event,
    Name,
    UserId,
    Properties,
    Traits,
    Context,
}

impl Head {
    /// The head of a word: its part before the first `.`.
    pub(crate) fn of(word: &str) -> Option<Head> {
        match word.split('.').next().unwrap_or_default() {
            "type" => Some(Head::Type),
            "event" => Some(Head::Event),
            "name" => Some(Head::Name),
            "userId" => Some(Head::UserId),
            "properties" => Some(Head::Properties),
            "traits" => Some(Head::Traits),
            "context" => Some(Head::Context),
            _ => None,
        }
    }

    fn object(self) -> Option<&'static str> {
        match self {
            Head::Properties => Some("properties"),
            Head::Traits => Some("traits"),
            Head::Context => Some("context"),
            _ => None,
        }
    }

    fn source(self, word: &str) -> Source {
        match self.object() {
            Some(object) => {
                let path = word
                    .strip_prefix(object)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .unwrap_or(word);
                Source::Inside(object, Path::new(path))
            }
            None => Source::TopLevel(match self {
                Head::Type => "type",
                Head::Event => "event",
                Head::Name => "name",
                _ => "userId",
            }),
        }
    }
}

/// `field operator value`, built as Segment builds it for each head.
pub(crate) fn condition(field: &Token, operator: &Token, value: &Token, head: Head) -> Condition {
    let op = operator.text.as_str();
    let equals = op == "=";
    let not_equals = op == "!=";
    let special = match head {
        Head::Type | Head::Event => None,
        Head::Name | Head::UserId | Head::Properties | Head::Traits | Head::Context => {
            match value.text.as_str() {
                "null" if not_equals => Some(Test::Exists),
                "null" if equals => Some(Test::NotExists),
                "true" if equals && head != Head::Name => Some(Test::IsTrue),
                "false" if equals && head != Head::Name => Some(Test::IsFalse),
                _ => None,
            }
        }
    };
    let expected = Expected::of(value);
    let test = special.unwrap_or_else(|| match (head.object(), expected) {
        (Some(_), Expected::Number(n)) if equals => Test::NumberEquals(n),
        (Some(_), Expected::Number(n)) if not_equals => Test::NumberNotEquals(n),
        // Inside objects the value keeps its type, so `< true` compares with 1.
        (Some(_), expected) => {
            let number = expected.number();
            test_for(op, expected.into_text(), number)
        }
        // Top-level fields compare with the value's string form, so `< true` is never true.
        (None, expected) => {
            let text = expected.into_text();
            let number = ampline_js::string_to_number(&text);
            test_for(op, text, number)
        }
    });
    Condition {
        source: head.source(&field.text),
        test,
    }
}

/// An operator by name. The reference's internal names work infix too (`event contains "x"`).
fn test_for(operator: &str, text: String, number: f64) -> Test {
    match operator {
        "=" => Test::Equals(text.into()),
        "!=" => Test::NotEquals(text.into()),
        "number_equals" => Test::NumberEquals(number),
        "number_not_equals" => Test::NumberNotEquals(number),
        "<" => Test::Less(number),
        "<=" => Test::LessOrEqual(number),
        ">" => Test::Greater(number),
        ">=" => Test::GreaterOrEqual(number),
        "contains" => Test::Contains(text.into()),
        "not_contains" => Test::NotContains(text.into()),
        "starts_with" => Test::StartsWith(text.into()),
        "not_starts_with" => Test::NotStartsWith(text.into()),
        "ends_with" => Test::EndsWith(Suffix::whole(text)),
        "not_ends_with" => Test::NotEndsWith(Suffix::whole(text)),
        "exists" => Test::Exists,
        "not_exists" => Test::NotExists,
        "is_true" => Test::IsTrue,
        "is_false" => Test::IsFalse,
        _ => Test::Never,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Contains,
    Match,
}

impl Function {
    pub(crate) fn of(token: &Token) -> Option<Function> {
        match (token.kind, token.text.as_str()) {
            (Kind::Ident, "contains") => Some(Function::Contains),
            (Kind::Ident, "match") => Some(Function::Match),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Function::Contains => "contains",
            Function::Match => "match",
        }
    }
}

/// `contains(F, V)` / `match(F, V)`, negated by a leading `!`. `None` when F is not a field the
/// functions accept (`contains(type, "x")` adds nothing).
pub(crate) fn function_call(
    function: Function,
    negated: bool,
    field: &Token,
    value: &Token,
) -> Option<Condition> {
    let f = field.text.as_str();
    let source = match f {
        "event" => Source::TopLevel("event"),
        "name" => Source::TopLevel("name"),
        "userId" => Source::TopLevel("userId"),
        // Any word that merely starts with the object's name counts (`propertiesX`).
        _ => {
            let object = ["properties", "traits", "context"]
                .into_iter()
                .find(|object| f.starts_with(object))?;
            let path = f
                .strip_prefix(object)
                .and_then(|rest| rest.strip_prefix('.'))
                .unwrap_or(f);
            Source::Inside(object, Path::new(path))
        }
    };
    let text = Expected::of(value).into_text();
    let test = match function {
        Function::Contains if negated => Test::NotContains(text.into()),
        Function::Contains => Test::Contains(text.into()),
        Function::Match if value.text.ends_with("*\"") => {
            let mut text = text;
            text.pop();
            if negated {
                Test::NotStartsWith(text.into())
            } else {
                Test::StartsWith(text.into())
            }
        }
        Function::Match => {
            let suffix = Suffix::without_first_unit(&text);
            if negated {
                Test::NotEndsWith(suffix)
            } else {
                Test::EndsWith(suffix)
            }
        }
    };
    Some(Condition { source, test })
}

impl Suffix {
    fn whole(text: String) -> Suffix {
        Suffix {
            lone_low_surrogate: None,
            text: text.into(),
        }
    }

    /// `text.slice(1)` in UTF-16 units.
    fn without_first_unit(text: &str) -> Suffix {
        let mut chars = text.chars();
        let lone_low_surrogate = match chars.next() {
            Some(c) if c.len_utf16() == 2 => {
                let mut pair = [0; 2];
                c.encode_utf16(&mut pair);
                Some(pair[1])
            }
            _ => None,
        };
        Suffix {
            lone_low_surrogate,
            text: chars.as_str().into(),
        }
    }

    fn ends(&self, actual: Actual<'_>) -> Option<bool> {
        if let Actual::LoneSurrogate(unit) = actual {
            return Some(match self.lone_low_surrogate {
                None => self.text.is_empty(),
                Some(low) => self.text.is_empty() && low == unit,
            });
        }
        let text = actual.text()?;
        let Some(before) = text.strip_suffix(&*self.text) else {
            return Some(false);
        };
        Some(match self.lone_low_surrogate {
            None => true,
            Some(low) => before.chars().next_back().is_some_and(|c| {
                let mut pair = [0; 2];
                c.len_utf16() == 2 && c.encode_utf16(&mut pair)[1] == low
            }),
        })
    }
}

/// `actual.includes(e)` / `startsWith(e)` for strings, including a lone surrogate reached by
/// indexing, which only contains and starts with the empty string.
fn string_test(actual: Actual<'_>, test: impl Fn(&str) -> bool, expected: &str) -> Option<bool> {
    match actual {
        Actual::LoneSurrogate(_) => Some(expected.is_empty()),
        _ => actual.text().map(test),
    }
}

impl Test {
    /// The reference's `validateValue`.
    pub(crate) fn holds(&self, actual: Actual<'_>) -> bool {
        let number = || actual.number();
        match self {
            Test::Equals(e) => actual.text() == Some(e),
            Test::NotEquals(e) => actual.text() != Some(e),
            Test::NumberEquals(e) => number().is_some_and(|n| n == *e),
            Test::NumberNotEquals(e) => number().is_some_and(|n| n != *e),
            Test::Less(e) => number().is_some_and(|n| n < *e),
            Test::LessOrEqual(e) => number().is_some_and(|n| n <= *e),
            Test::Greater(e) => number().is_some_and(|n| n > *e),
            Test::GreaterOrEqual(e) => number().is_some_and(|n| n >= *e),
            Test::Contains(e) => string_test(actual, |s| s.contains(&**e), e) == Some(true),
            Test::NotContains(e) => string_test(actual, |s| s.contains(&**e), e) == Some(false),
            Test::StartsWith(e) => string_test(actual, |s| s.starts_with(&**e), e) == Some(true),
            Test::NotStartsWith(e) => {
                string_test(actual, |s| s.starts_with(&**e), e) == Some(false)
            }
            Test::EndsWith(suffix) => suffix.ends(actual) == Some(true),
            Test::NotEndsWith(suffix) => suffix.ends(actual) == Some(false),
            Test::Exists => !matches!(actual, Actual::Missing | Actual::Json(Value::Null)),
            Test::NotExists => matches!(actual, Actual::Missing | Actual::Json(Value::Null)),
            Test::IsTrue => matches!(actual, Actual::Json(Value::Bool(true))),
            Test::IsFalse => matches!(actual, Actual::Json(Value::Bool(false))),
            Test::Never => false,
        }
    }
}

impl Condition {
    /// Whether the condition holds for `event`; `None` where the reference throws.
    pub(crate) fn holds(&self, event: &Value) -> Option<bool> {
        let object = match event {
            Value::Object(object) => Some(object),
            // `null.type` throws in JavaScript; other non-objects just have no such key.
            Value::Null => return None,
            _ => None,
        };
        let field = |key: &str| {
            object
                .and_then(|object| member(object, key))
                .map_or(Actual::Missing, Actual::Json)
        };
        let actual = match &self.source {
            Source::TopLevel(key) => field(key),
            Source::Inside(key, path) => path.find(field(key))?,
        };
        Some(self.test.holds(actual))
    }
}
