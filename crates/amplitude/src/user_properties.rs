//! Building Amplitude's `user_properties` operations (`$set`, `$setOnce`) from UTM parameters
//! and the referrer, as Log Event, Log Purchase and Identify User do.

use crate::js_object::{spread_value, truthy};
use ampline_mapping::{MappedRef, Shape};
use serde_json::{Map, Value};

/// UTM parameters as last-touch (`$set`) and first-touch (`$setOnce`, `initial_…`) properties.
/// No (or an empty) UTM object gives no operations.
pub fn utm_operations(utm_properties: Option<&Value>) -> Map<String, Value> {
    let mut operations = Map::new();
    let Some(utm) = utm_properties.filter(|v| truthy(Some(v))) else {
        return operations;
    };
    let mut set = Map::new();
    let mut set_once = Map::new();
    if let Value::Object(entries) = utm {
        for (key, value) in entries {
            set.insert(key.clone(), value.clone());
            set_once.insert(format!("initial_{key}"), value.clone());
        }
    }
    operations.insert("$set".to_owned(), Value::Object(set));
    operations.insert("$setOnce".to_owned(), Value::Object(set_once));
    operations
}

/// The referrer as last-touch `referrer` and first-touch `initial_referrer`.
pub fn referrer_operations(referrer: Option<&Value>) -> Map<String, Value> {
    let mut operations = Map::new();
    let Some(referrer) = referrer.filter(|v| truthy(Some(v))) else {
        return operations;
    };
    let mut set = Map::new();
    set.insert("referrer".to_owned(), referrer.clone());
    let mut set_once = Map::new();
    set_once.insert("initial_referrer".to_owned(), referrer.clone());
    operations.insert("$set".to_owned(), Value::Object(set));
    operations.insert("$setOnce".to_owned(), Value::Object(set_once));
    operations
}

/// Merges user-property objects left to right; later keys win, except that `$set` and
/// `$setOnce` are merged key by key rather than replaced.
pub fn merge_user_properties(parts: &[Map<String, Value>]) -> Map<String, Value> {
    let mut merged = Map::new();
    for part in parts {
        let mut next = merged.clone();
        for (key, value) in part {
            next.insert(key.clone(), value.clone());
        }
        for operation in ["$set", "$setOnce"] {
            let (before, current) = (merged.get(operation), part.get(operation));
            if truthy(before) || truthy(current) {
                let mut combined = Map::new();
                spread_value(&mut combined, before);
                spread_value(&mut combined, current);
                next.insert(operation.to_owned(), Value::Object(combined));
            }
        }
        merged = next;
    }
    merged
}

/// The mapped user properties without the keys that the action reads on its own.
pub fn without_reserved_keys(user_properties: Option<&Value>) -> Map<String, Value> {
    let mut kept = Map::new();
    if let Some(Value::Object(map)) = user_properties {
        for (key, value) in map {
            if key != "utm_properties" && key != "referrer" {
                kept.insert(key.clone(), value.clone());
            }
        }
    }
    kept
}

/// Whether an operation object has anything to send: a key or item whose value is not `""`.
pub fn has_content(value: MappedRef<'_, '_>) -> bool {
    match value.shape() {
        Shape::Object(entries) => {
            let mut found = false;
            entries.for_each(|_, item| found |= item.as_str() != Some(""));
            found
        }
        Shape::Array(items) => (0..items.len())
            .filter_map(|i| items.get(i))
            .any(|item| item.as_str() != Some("")),
        Shape::Scalar(Value::String(text)) => !text.is_empty(),
        Shape::Scalar(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn utm_becomes_set_and_initial_set_once() {
        let operations = utm_operations(Some(&json!({"utm_source": "google"})));
        assert_eq!(
            Value::Object(operations),
            json!({"$set": {"utm_source": "google"}, "$setOnce": {"initial_utm_source": "google"}})
        );
        assert!(utm_operations(None).is_empty());
    }

    #[test]
    fn referrer_becomes_set_and_initial_set_once() {
        let operations = referrer_operations(Some(&json!("https://a.example/")));
        assert_eq!(
            Value::Object(operations),
            json!({"$set": {"referrer": "https://a.example/"}, "$setOnce": {"initial_referrer": "https://a.example/"}})
        );
        assert!(referrer_operations(Some(&json!(""))).is_empty());
    }

    #[test]
    fn merging_combines_operations_and_keeps_other_keys() {
        let merged = merge_user_properties(&[
            object(json!({"$set": {"utm_source": "g"}, "$setOnce": {"initial_utm_source": "g"}})),
            object(json!({"$set": {"referrer": "r"}})),
            object(json!({"plan": "pro", "$set": {"x": 1}})),
        ]);
        assert_eq!(
            Value::Object(merged),
            json!({"$set": {"utm_source": "g", "referrer": "r", "x": 1}, "$setOnce": {"initial_utm_source": "g"}, "plan": "pro"})
        );
    }

    #[test]
    fn reserved_keys_are_dropped_from_user_properties() {
        let kept =
            without_reserved_keys(Some(&json!({"utm_properties": 1, "referrer": 2, "a": 3})));
        assert_eq!(Value::Object(kept), json!({"a": 3}));
    }

    #[test]
    fn content_ignores_empty_strings() {
        let content = |value: Value| has_content(ampline_mapping::Mapped::Ref(&value).view());
        assert!(!content(json!({"a": ""})));
        assert!(content(json!({"a": "", "b": null})));
        assert!(!content(json!(["", ""])));
        assert!(content(json!(["", 0])));
        assert!(!content(json!(null)));
    }
}
