//! The form endpoints' payloads: `identification` for `/identify` and `/groupidentify`, `mapping`
//! for `/usermap`. Each is one JSON object or an array of them, in a form field.

use super::events::{check_item, FieldRules, ItemProblems};
use super::form::FormFields;
use crate::config::IndexReporting;
use crate::reply::Reply;
use serde_json::Value;

/// The `api_key` field, or the 400 for its absence.
pub fn form_api_key(fields: &FormFields) -> Result<&str, Reply> {
    fields
        .get("api_key")
        .filter(|key| !key.is_empty())
        .ok_or_else(|| Reply::missing_field("api_key"))
}

/// Reads a JSON object-or-array field. `malformed` is the 400 for an absent, unparseable, empty
/// or non-object payload (Amplitude's legacy plain-text codes, e.g. `missing_event`).
pub fn json_items(fields: &FormFields, name: &str, malformed: &str) -> Result<Vec<Value>, Reply> {
    let malformed = || Reply::text(400, malformed);
    let text = fields.get(name).ok_or_else(malformed)?;
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(item)) => vec![Value::Object(item)],
        Ok(Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_object) => items,
        _ => return Err(malformed()),
    };
    Ok(items)
}

/// `options={"min_id_length":N}` on `/identify`.
pub fn form_min_id_length(fields: &FormFields, default: usize) -> Result<usize, Reply> {
    let Some(text) = fields.get("options") else {
        return Ok(default);
    };
    let options = serde_json::from_str::<Value>(text).map_err(|_| Reply::invalid_json())?;
    super::events::min_id_length(Some(&options), default).ok_or_else(Reply::invalid_json)
}

/// `/identify`: the event field rules without `event_type`.
pub fn check_identifications(
    items: &[Value],
    min_id_length: usize,
    reporting: IndexReporting,
) -> ItemProblems {
    let rules = FieldRules::identifications(min_id_length);
    let mut problems = ItemProblems::new(reporting);
    for (index, item) in items.iter().enumerate() {
        check_item(index, item, &rules, &mut problems);
    }
    problems
}

/// `/groupidentify`: `group_type` and `group_value` strings, `group_properties` an object.
pub fn check_group_identifications(items: &[Value], reporting: IndexReporting) -> ItemProblems {
    let mut problems = ItemProblems::new(reporting);
    for (index, item) in items.iter().enumerate() {
        for name in ["group_type", "group_value"] {
            match item.get(name) {
                None | Some(Value::Null) => problems.missing(name, index),
                Some(Value::String(text)) if text.is_empty() => problems.missing(name, index),
                Some(Value::String(_)) => {}
                Some(_) => problems.invalid(name, index),
            }
        }
        match item.get("group_properties") {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(_) => problems.invalid("group_properties", index),
        }
    }
    problems
}

/// `/usermap`: `{user_id, global_user_id}` or `{user_id, unmap: true}`, never both.
pub fn check_mappings(items: &[Value], reporting: IndexReporting) -> ItemProblems {
    let mut problems = ItemProblems::new(reporting);
    for (index, item) in items.iter().enumerate() {
        match item.get("user_id") {
            Some(Value::String(id)) if !id.is_empty() => {}
            None | Some(Value::Null) => problems.missing("user_id", index),
            Some(_) => problems.invalid("user_id", index),
        }
        let unmap = match item.get("unmap") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(unmap)) => *unmap,
            Some(_) => {
                problems.invalid("unmap", index);
                false
            }
        };
        match (item.get("global_user_id"), unmap) {
            (None | Some(Value::Null), true) => {}
            (None | Some(Value::Null), false) => problems.missing("global_user_id", index),
            (Some(_), true) => problems.invalid("global_user_id", index),
            (Some(Value::String(id)), false) if !id.is_empty() => {}
            (Some(_), false) => problems.invalid("global_user_id", index),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::ReplyBody;
    use crate::validate::form::parse_urlencoded;
    use serde_json::json;

    fn body(problems: ItemProblems) -> Value {
        match problems.into_reply(None).body {
            ReplyBody::Json(body) => body,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn identification_accepts_object_or_array_and_refuses_the_rest() {
        let one = parse_urlencoded(b"identification=%7B%22user_id%22%3A%22u-123%22%7D");
        assert_eq!(
            json_items(&one, "identification", "missing_event").map(|i| i.len()),
            Ok(1)
        );
        let many = parse_urlencoded(br#"identification=[{"user_id":"a"},{"device_id":"b"}]"#);
        assert_eq!(
            json_items(&many, "identification", "missing_event").map(|i| i.len()),
            Ok(2)
        );
        for bad in [
            &b""[..],
            b"identification=",
            b"identification=[]",
            b"identification=[1]",
            b"identification=\"x\"",
        ] {
            let fields = parse_urlencoded(bad);
            assert_eq!(
                json_items(&fields, "identification", "missing_event"),
                Err(Reply::text(400, "missing_event"))
            );
        }
    }

    #[test]
    fn api_key_and_options_fields() {
        let fields = parse_urlencoded(br#"api_key=&options={"min_id_length":2}"#);
        assert_eq!(form_api_key(&fields), Err(Reply::missing_field("api_key")));
        assert_eq!(form_min_id_length(&fields, 5), Ok(2));
        assert_eq!(form_min_id_length(&parse_urlencoded(b"a=b"), 5), Ok(5));
        assert!(form_min_id_length(&parse_urlencoded(b"options=nope"), 5).is_err());
    }

    #[test]
    fn identifications_need_an_id_but_no_event_type() {
        let items = vec![
            json!({"user_id":"user-1","user_properties":{"$set":{"plan":"pro"}}}),
            json!({"user_properties":{}}),
            json!({"device_id":"device-1","user_properties":"pro"}),
        ];
        assert_eq!(
            body(check_identifications(&items, 5, IndexReporting::All)),
            json!({"code":400,"error":"Request missing required field",
                   "events_with_invalid_fields":{"user_properties":[2]},
                   "events_with_missing_fields":{"user_id":[1]}})
        );
    }

    #[test]
    fn group_identifications_need_type_and_value() {
        let items = vec![
            json!({"group_type":"org","group_value":"acme","group_properties":{"size":3}}),
            json!({"group_type":"org"}),
            json!({"group_type":"org","group_value":7,"group_properties":[1]}),
        ];
        assert!(check_group_identifications(&items[..1], IndexReporting::All).is_empty());
        assert_eq!(
            body(check_group_identifications(&items, IndexReporting::All)),
            json!({"code":400,"error":"Request missing required field",
                   "events_with_invalid_fields":{"group_properties":[2],"group_value":[2]},
                   "events_with_missing_fields":{"group_value":[1]}})
        );
    }

    #[test]
    fn mappings_map_or_unmap_but_not_both() {
        let items = vec![
            json!({"user_id":"a","global_user_id":"g"}),
            json!({"user_id":"b","unmap":true}),
            json!({"user_id":"c","unmap":true,"global_user_id":"g"}),
            json!({"global_user_id":"g"}),
            json!({"user_id":"e"}),
        ];
        assert!(check_mappings(&items[..2], IndexReporting::All).is_empty());
        assert_eq!(
            body(check_mappings(&items, IndexReporting::All)),
            json!({"code":400,"error":"Request missing required field",
                   "events_with_invalid_fields":{"global_user_id":[2]},
                   "events_with_missing_fields":{"global_user_id":[4],"user_id":[3]}})
        );
    }
}
