//! Per-message validation (§1.5), with Segment's ingest codes (§1.4).
//!
//! Leniencies, each because a real client sends it:
//! - `null` and `""` ids are absent (analytics-python sends `"userId": null`).
//! - Numeric ids are turned into strings (their JavaScript `String()` form, integers exactly):
//!   analytics.js passes through whatever `identify(123)` was given, and analytics-python
//!   stringifies numeric ids itself, so a number is a client's id, not garbage. Other types get
//!   `id_not_string`.
//! - `null` optional fields (`properties`, `traits`, `name`, `context`, …) count as absent.

use crate::error::MessageError;
use crate::route::MessageType;
use serde_json::{Map, Value};

/// Longest `messageId` accepted, in characters (Segment's documented maximum).
pub const MAX_MESSAGE_ID_CHARS: usize = 100;

/// Checks `message` as a message of type `message_type`, normalising numeric ids to strings.
pub(crate) fn validate_message(
    message: &mut Map<String, Value>,
    message_type: MessageType,
) -> Result<(), MessageError> {
    for (field, code) in [
        ("context", "context_not_object"),
        ("integrations", "integrations_not_object"),
        ("properties", "properties_not_object"),
        ("traits", "traits_not_object"),
    ] {
        if matches!(message.get(field), Some(value) if !value.is_null() && !value.is_object()) {
            return Err(MessageError::new(
                code,
                format!("`{field}` must be an object"),
            ));
        }
    }
    check_message_id(message)?;

    let user_id = read_id(message, "userId", "id_not_string")?;
    let anonymous_id = read_id(message, "anonymousId", "id_not_string")?;
    if !user_id && !anonymous_id {
        return Err(MessageError::new(
            "no_user_anon_id",
            "`userId` or `anonymousId` must be a non-empty string",
        ));
    }

    match message_type {
        MessageType::Track => match message.get("event") {
            None | Some(Value::Null) => return Err(event_not_defined()),
            Some(Value::String(event)) if event.is_empty() => return Err(event_not_defined()),
            Some(Value::String(_)) => {}
            Some(_) => {
                return Err(MessageError::new(
                    "event_not_string",
                    "`event` must be a string",
                ))
            }
        },
        MessageType::Page | MessageType::Screen => {
            for (field, code) in [
                ("name", "name_not_string"),
                ("category", "category_not_string"),
            ] {
                if matches!(message.get(field), Some(value) if !value.is_null() && !value.is_string())
                {
                    return Err(MessageError::new(
                        code,
                        format!("`{field}` must be a string"),
                    ));
                }
            }
        }
        MessageType::Group => {
            if !read_id(message, "groupId", "group_id_not_string")? {
                return Err(MessageError::new(
                    "group_id_not_defined",
                    "a group call needs a non-empty `groupId`",
                ));
            }
        }
        MessageType::Alias => {
            if !read_id(message, "previousId", "previous_id_not_string")? {
                return Err(MessageError::new(
                    "previous_id_not_defined",
                    "an alias call needs a non-empty `previousId`",
                ));
            }
            if !user_id {
                return Err(MessageError::new(
                    "user_id_not_defined",
                    "an alias call needs a non-empty `userId`",
                ));
            }
        }
        MessageType::Identify => {}
    }
    Ok(())
}

fn event_not_defined() -> MessageError {
    MessageError::new(
        "event_not_defined",
        "a track call needs a non-empty `event`",
    )
}

/// Whether the id field holds a usable id; numbers are rewritten to their string form.
fn read_id(
    message: &mut Map<String, Value>,
    field: &str,
    not_string_code: &'static str,
) -> Result<bool, MessageError> {
    let Some(value) = message.get_mut(field) else {
        return Ok(false);
    };
    match value {
        Value::Null => Ok(false),
        Value::String(id) => Ok(!id.is_empty()),
        Value::Number(number) => {
            *value = Value::String(number_as_id(number));
            Ok(true)
        }
        _ => Err(MessageError::new(
            not_string_code,
            format!("`{field}` must be a string"),
        )),
    }
}

fn number_as_id(number: &serde_json::Number) -> String {
    if number.is_i64() || number.is_u64() {
        number.to_string()
    } else {
        ampline_js::number_to_string(ampline_js::json_number(number))
    }
}

/// A present `messageId` must be a string (numbers are converted) of at most 100 characters;
/// `null` and `""` are absent and will be generated.
fn check_message_id(message: &mut Map<String, Value>) -> Result<(), MessageError> {
    let Some(value) = message.get_mut("messageId") else {
        return Ok(());
    };
    if let Value::Number(number) = value {
        *value = Value::String(number_as_id(number));
    }
    match value {
        Value::Null => Ok(()),
        Value::String(id) if id.chars().count() > MAX_MESSAGE_ID_CHARS => Err(MessageError::new(
            "message_id_too_long",
            format!("`messageId` is longer than {MAX_MESSAGE_ID_CHARS} characters"),
        )),
        Value::String(_) => Ok(()),
        _ => Err(MessageError::new(
            "message_id_not_string",
            "`messageId` must be a string",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(message: Value, message_type: MessageType) -> Result<Value, &'static str> {
        let Value::Object(mut map) = message else {
            return Err("not an object");
        };
        validate_message(&mut map, message_type).map_err(|e| e.code)?;
        Ok(Value::Object(map))
    }

    fn code(message: Value, message_type: MessageType) -> &'static str {
        check(message, message_type).err().unwrap_or("accepted")
    }

    use MessageType::*;

    #[test]
    fn ids() {
        assert_eq!(code(json!({}), Identify), "no_user_anon_id");
        assert_eq!(
            code(json!({"userId": null, "anonymousId": null}), Identify),
            "no_user_anon_id"
        );
        assert_eq!(
            code(json!({"userId": "", "anonymousId": ""}), Identify),
            "no_user_anon_id"
        );
        assert_eq!(
            code(json!({"userId": null, "anonymousId": "a"}), Identify),
            "accepted"
        );
        assert_eq!(code(json!({"userId": "u"}), Identify), "accepted");
        assert_eq!(code(json!({"userId": true}), Identify), "id_not_string");
        assert_eq!(
            code(json!({"userId": "u", "anonymousId": {}}), Identify),
            "id_not_string"
        );
        assert_eq!(
            code(json!({"anonymousId": ["a"]}), Identify),
            "id_not_string"
        );
    }

    #[test]
    fn numeric_ids_become_strings() {
        let out = check(
            json!({"userId": 12345678901234567890_u64, "anonymousId": 1.5, "messageId": 7}),
            Identify,
        );
        assert_eq!(
            out,
            Ok(json!({"userId": "12345678901234567890", "anonymousId": "1.5", "messageId": "7"}))
        );
        let out = check(json!({"userId": 1e21, "groupId": -3}), Group);
        assert_eq!(out, Ok(json!({"userId": "1e+21", "groupId": "-3"})));
    }

    #[test]
    fn track_event() {
        assert_eq!(code(json!({"userId": "u"}), Track), "event_not_defined");
        assert_eq!(
            code(json!({"userId": "u", "event": null}), Track),
            "event_not_defined"
        );
        assert_eq!(
            code(json!({"userId": "u", "event": ""}), Track),
            "event_not_defined"
        );
        assert_eq!(
            code(json!({"userId": "u", "event": 5}), Track),
            "event_not_string"
        );
        assert_eq!(
            code(json!({"userId": "u", "event": "E"}), Track),
            "accepted"
        );
    }

    #[test]
    fn page_and_screen_names() {
        for t in [Page, Screen] {
            assert_eq!(code(json!({"userId": "u"}), t), "accepted");
            assert_eq!(
                code(json!({"userId": "u", "name": null, "category": null}), t),
                "accepted"
            );
            assert_eq!(
                code(json!({"userId": "u", "name": 1}), t),
                "name_not_string"
            );
            assert_eq!(
                code(json!({"userId": "u", "name": "n", "category": []}), t),
                "category_not_string"
            );
        }
        // Only page and screen constrain `name`.
        assert_eq!(
            code(json!({"userId": "u", "name": 1}), Identify),
            "accepted"
        );
    }

    #[test]
    fn group_and_alias() {
        assert_eq!(code(json!({"userId": "u"}), Group), "group_id_not_defined");
        assert_eq!(
            code(json!({"userId": "u", "groupId": ""}), Group),
            "group_id_not_defined"
        );
        assert_eq!(
            code(json!({"userId": "u", "groupId": {}}), Group),
            "group_id_not_string"
        );
        assert_eq!(
            code(json!({"anonymousId": "a", "groupId": "g"}), Group),
            "accepted"
        );
        assert_eq!(
            code(json!({"userId": "u"}), Alias),
            "previous_id_not_defined"
        );
        assert_eq!(
            code(json!({"userId": "u", "previousId": false}), Alias),
            "previous_id_not_string"
        );
        assert_eq!(
            code(json!({"anonymousId": "a", "previousId": "p"}), Alias),
            "user_id_not_defined"
        );
        assert_eq!(
            code(json!({"userId": "u", "previousId": "p"}), Alias),
            "accepted"
        );
    }

    #[test]
    fn object_fields() {
        assert_eq!(
            code(
                json!({"userId": "u", "event": "E", "properties": []}),
                Track
            ),
            "properties_not_object"
        );
        assert_eq!(
            code(
                json!({"userId": "u", "event": "E", "properties": null}),
                Track
            ),
            "accepted"
        );
        assert_eq!(
            code(json!({"userId": "u", "traits": "x"}), Identify),
            "traits_not_object"
        );
        assert_eq!(
            code(json!({"userId": "u", "groupId": "g", "traits": 1}), Group),
            "traits_not_object"
        );
        assert_eq!(
            code(json!({"userId": "u", "context": "x"}), Identify),
            "context_not_object"
        );
        assert_eq!(
            code(json!({"userId": "u", "integrations": [true]}), Identify),
            "integrations_not_object"
        );
    }

    #[test]
    fn message_ids() {
        let long = "x".repeat(MAX_MESSAGE_ID_CHARS + 1);
        let max = "é".repeat(MAX_MESSAGE_ID_CHARS);
        assert_eq!(
            code(json!({"userId": "u", "messageId": long}), Identify),
            "message_id_too_long"
        );
        assert_eq!(
            code(json!({"userId": "u", "messageId": max}), Identify),
            "accepted"
        );
        assert_eq!(
            code(json!({"userId": "u", "messageId": {}}), Identify),
            "message_id_not_string"
        );
        assert_eq!(
            code(json!({"userId": "u", "messageId": null}), Identify),
            "accepted"
        );
    }
}
