//! Static validation, rule for rule as the reference runs it before resolving.
//!
//! The reference throws; an aggregate of errors from sibling keys is thrown together, and a
//! failed step stops the steps after it (an object whose keys are invalid is not then checked
//! field by field). Here a check returns `Err(errors)` where the reference throws, so the same
//! errors come out in the same order. The one difference: the reference reports a bad `@merge`
//! object at the empty path `/`; here it is reported at its own path (`/m/@merge/objects/0`).

use crate::replace::{MAX_PATTERN_LENGTH, MAX_REPLACEMENT_LENGTH};
use crate::MappingError;
use serde_json::{Map, Value};

type Checked = Result<(), Vec<MappingError>>;

/// The directives the reference knows.
pub(crate) const DIRECTIVES: [&str; 13] = [
    "@if",
    "@case",
    "@replace",
    "@arrayPath",
    "@path",
    "@json",
    "@flatten",
    "@merge",
    "@template",
    "@literal",
    "@transform",
    "@excludeWhenNull",
    "@liquid",
];

/// Every validation error in a mapping (after the reserved key has been applied).
pub(crate) fn validate_mapping(mapping: &Value) -> Vec<MappingError> {
    match validate(mapping, &mut Vec::new()) {
        Ok(()) => Vec::new(),
        Err(errors) => errors,
    }
}

/// The path of keys and directive names that error pointers are made of.
type Stack = Vec<String>;

fn error(stack: &Stack, message: String) -> Vec<MappingError> {
    vec![MappingError::new(
        format!("/{}", stack.join("/")),
        format!("{message}."),
    )]
}

fn with_key<T>(stack: &mut Stack, key: &str, f: impl FnOnce(&mut Stack) -> T) -> T {
    stack.push(key.to_string());
    let result = f(stack);
    stack.pop();
    result
}

/// `realTypeOrDirective`: any object with an `@` key counts as a directive here, even with other
/// keys, so that such an object is reported rather than read as plain data.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Object(map) if map.keys().any(|k| k.starts_with('@')) => "directive",
        other => crate::value::type_name(other),
    }
}

/// The kind of an option that may be absent (`undefined`).
fn kind_of(value: Option<&Value>) -> &'static str {
    value.map_or("undefined", kind)
}

fn article(kind: &str) -> &'static str {
    match kind.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

fn validate(value: &Value, stack: &mut Stack) -> Checked {
    match (kind(value), value) {
        ("directive", Value::Object(map)) => validate_directive(map, stack),
        (_, Value::Object(map)) => validate_object(map, stack),
        _ => Ok(()),
    }
}

fn validate_directive(map: &Map<String, Value>, stack: &mut Stack) -> Checked {
    let directive_keys: Vec<&String> = map.keys().filter(|k| k.starts_with('@')).collect();
    if directive_keys.len() > 1 {
        return Err(error(
            stack,
            format!(
                "should only have one @-prefixed key but it has {} keys",
                directive_keys.len()
            ),
        ));
    }
    if map
        .keys()
        .any(|k| !k.starts_with('@') && k.as_str() != "_metadata")
    {
        return Err(error(
            stack,
            format!(
                "should only have one @-prefixed key but it has {} keys",
                map.len()
            ),
        ));
    }
    let Some((name, options)) = map.iter().find(|(k, _)| k.starts_with('@')) else {
        return Ok(());
    };
    if !DIRECTIVES.contains(&name.as_str()) {
        return Err(error(stack, format!("has an invalid directive: {name}")));
    }
    with_key(stack, name, |stack| validate_options(name, options, stack))
}

fn validate_options(name: &str, options: &Value, stack: &mut Stack) -> Checked {
    use Check::*;
    use Field::{Optional, Required};
    match name {
        "@if" => with_fields(
            options,
            &[
                ("exists", Optional(DirectiveOrRaw)),
                ("then", Optional(DirectiveOrRaw)),
                ("else", Optional(DirectiveOrRaw)),
            ],
            stack,
        ),
        "@case" => with_fields(
            options,
            &[
                ("operator", Optional(Str)),
                ("value", Optional(DirectiveOrString)),
            ],
            stack,
        ),
        "@replace" => with_fields(
            options,
            &[
                ("pattern", Required(StrOfLength(1, MAX_PATTERN_LENGTH))),
                (
                    "replacement",
                    Optional(StrOfLength(0, MAX_REPLACEMENT_LENGTH)),
                ),
                ("value", Required(DirectiveOrString)),
                ("ignorecase", Optional(Boolean)),
                ("global", Optional(Boolean)),
            ],
            stack,
        ),
        "@arrayPath" => {
            let Value::Array(items) = options else {
                // `validateArray` names the plain type, not "directive".
                return Err(not_a(stack, "an array", crate::value::type_name(options)));
            };
            DirectiveOrString.run(items.first(), stack)?;
            match items.get(1) {
                Some(shape) => validate(shape, stack),
                None => Ok(()),
            }
        }
        "@path" | "@template" => DirectiveOrString.run(Some(options), stack),
        "@json" => with_fields(
            options,
            &[
                ("value", Required(DirectiveOrRaw)),
                ("mode", Required(OneOf(&["encode", "decode"]))),
            ],
            stack,
        ),
        "@flatten" => with_fields(
            options,
            &[
                ("separator", Optional(Str)),
                ("value", Required(DirectiveOrRaw)),
            ],
            stack,
        ),
        "@merge" => {
            with_fields(
                options,
                &[
                    ("direction", Optional(OneOf(&["left", "right"]))),
                    ("objects", Required(Array)),
                ],
                stack,
            )?;
            let Some(Value::Array(objects)) = options.get("objects") else {
                return Ok(());
            };
            with_key(stack, "objects", |stack| {
                objects.iter().enumerate().try_for_each(|(i, object)| {
                    with_key(stack, &i.to_string(), |stack| {
                        DirectiveOrObject.run(Some(object), stack)
                    })
                })
            })
        }
        "@transform" => with_fields(
            options,
            &[
                ("apply", Required(DirectiveOrObject)),
                ("mapping", Required(DirectiveOrObject)),
            ],
            stack,
        ),
        "@literal" | "@excludeWhenNull" => DirectiveOrRaw.run(Some(options), stack),
        "@liquid" => Str.run(Some(options), stack),
        _ => Ok(()),
    }
}

fn not_a(stack: &Stack, expected: &str, actual: &str) -> Vec<MappingError> {
    error(
        stack,
        format!(
            "should be {expected} but it is {} {actual}",
            article(actual)
        ),
    )
}

/// `validateObject`: a plain object, each of whose values is validated in turn.
fn validate_object_value(value: &Value, stack: &mut Stack) -> Checked {
    match value {
        Value::Object(map) if kind(value) == "object" => validate_object(map, stack),
        other => Err(not_a(stack, "an object", kind(other))),
    }
}

fn validate_object(map: &Map<String, Value>, stack: &mut Stack) -> Checked {
    let mut errors = Vec::new();
    for (key, value) in map {
        if let Err(e) = with_key(stack, key, |stack| validate(value, stack)) {
            errors.extend(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

enum Field {
    Required(Check),
    Optional(Check),
}

/// `validateObjectWithFields`: the object as a whole first (stopping there if it fails), then
/// each listed field.
fn with_fields(options: &Value, fields: &[(&str, Field)], stack: &mut Stack) -> Checked {
    validate_object_value(options, stack)?;
    let mut errors = Vec::new();
    for (name, field) in fields {
        let value = options.get(*name);
        let checked = match (field, value) {
            (Field::Required(_), None) => Err(error(
                stack,
                format!("should have field \"{name}\" but it doesn't"),
            )),
            (Field::Required(check) | Field::Optional(check), Some(value)) => {
                with_key(stack, name, |stack| check.run(Some(value), stack))
            }
            (Field::Optional(_), None) => Ok(()),
        };
        if let Err(e) = checked {
            errors.extend(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The reference's per-option validators.
#[derive(Clone, Copy)]
enum Check {
    DirectiveOrRaw,
    DirectiveOrString,
    DirectiveOrObject,
    Str,
    StrOfLength(usize, usize),
    OneOf(&'static [&'static str]),
    Boolean,
    Array,
}

impl Check {
    fn run(self, value: Option<&Value>, stack: &mut Stack) -> Checked {
        let kind = kind_of(value);
        match (self, value) {
            (_, Some(Value::Object(map))) if kind == "directive" && self.takes_directive() => {
                validate_directive(map, stack)
            }
            (Check::DirectiveOrRaw, Some(_)) => Ok(()),
            (Check::DirectiveOrRaw, None) => Err(error(
                stack,
                "should be a mapping directive or a JSON value but it is an undefined".into(),
            )),
            (Check::DirectiveOrString, Some(Value::String(_))) => Ok(()),
            (Check::DirectiveOrString, _) => Err(error(
                stack,
                format!(
                    "should be a string or a mapping directive but it is {} {kind}",
                    article(kind)
                ),
            )),
            (Check::DirectiveOrObject, Some(v @ Value::Object(_))) => {
                validate_object_value(v, stack)
            }
            (Check::DirectiveOrObject, _) => Err(error(
                stack,
                format!(
                    "should be a object or a mapping directive but it is {} {kind}",
                    article(kind)
                ),
            )),
            (Check::Str, Some(Value::String(_))) => Ok(()),
            (Check::StrOfLength(min, max), Some(Value::String(s))) => {
                let length = ampline_js::utf16_len(s);
                if length < min {
                    Err(error(
                        stack,
                        format!("should be a string of length {min} or greater"),
                    ))
                } else if length > max {
                    Err(error(
                        stack,
                        format!("should be a string of length {max} or less"),
                    ))
                } else {
                    Ok(())
                }
            }
            (Check::OneOf(allowed), Some(Value::String(s))) => {
                if allowed.contains(&s.to_lowercase().as_str()) {
                    Ok(())
                } else {
                    let mut quoted = String::new();
                    ampline_js::write_json_string(&mut quoted, s);
                    Err(error(
                        stack,
                        format!("should be one of {} but it is {quoted}", allowed.join(", ")),
                    ))
                }
            }
            (Check::Str | Check::StrOfLength(..) | Check::OneOf(_), _) => {
                Err(not_a(stack, "a string", kind))
            }
            (Check::Boolean, Some(Value::Bool(_))) => Ok(()),
            (Check::Boolean, _) => Err(not_a(stack, "a boolean", kind)),
            (Check::Array, Some(Value::Array(_))) => Ok(()),
            (Check::Array, _) => Err(not_a(
                stack,
                "an array",
                value.map_or("undefined", crate::value::type_name),
            )),
        }
    }

    fn takes_directive(self) -> bool {
        matches!(
            self,
            Check::DirectiveOrRaw | Check::DirectiveOrString | Check::DirectiveOrObject
        )
    }
}
