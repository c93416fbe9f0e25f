//! Object spread and `undefined` as the reference's actions use them.
//!
//! The reference builds each event by spreading objects whose values may be `undefined`. Such a
//! key is not sent, but it keeps its place: a later spread that gives it a value writes it there,
//! not at the end. [`JsObject`] keeps those places so the keys of a request come out in the
//! reference's order.

use serde_json::{Map, Value};

/// An object under construction whose keys may be `undefined` (kept in place, not sent).
#[derive(Debug, Default)]
pub(crate) struct JsObject {
    map: Map<String, Value>,
    undefined: Vec<String>,
}

impl JsObject {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// `object[key] = value`, where `None` is `undefined`.
    pub(crate) fn set(&mut self, key: &str, value: Option<Value>) {
        match value {
            Some(value) => {
                if !self.undefined.is_empty() {
                    self.undefined.retain(|k| k != key);
                }
                self.map.insert(key.to_owned(), value);
            }
            None => {
                if !self.map.contains_key(key) {
                    self.map.insert(key.to_owned(), Value::Null);
                }
                if !self.undefined.iter().any(|k| k == key) {
                    self.undefined.push(key.to_owned());
                }
            }
        }
    }

    /// `{...object, ...other}`, taking `other`'s values.
    pub(crate) fn spread_owned(&mut self, mut other: Map<String, Value>) {
        // The usual case: `other` shares no key with this object. Then the result is this
        // object's entries followed by `other`'s, built by moving this object's few entries in
        // front of `other` rather than re-inserting (and re-hashing) all of `other`.
        if !self.map.keys().any(|key| other.contains_key(key)) {
            for (index, (key, value)) in std::mem::take(&mut self.map).into_iter().enumerate() {
                other.shift_insert(index, key, value);
            }
            self.map = other;
            return;
        }
        for (key, value) in other {
            if !self.undefined.is_empty() {
                self.undefined.retain(|k| *k != key);
            }
            self.map.insert(key, value);
        }
    }

    /// What `JSON.stringify` sees: the defined keys in place.
    pub(crate) fn into_map(self) -> Map<String, Value> {
        let JsObject { mut map, undefined } = self;
        if !undefined.is_empty() {
            map.retain(|key, _| !undefined.iter().any(|k| k == key));
        }
        map
    }
}

/// `{...value}` into `target`: an object's entries, an array's or string's items by index;
/// other values add nothing.
///
/// A string spreads into UTF-16 code units; astral characters cannot be split into lone
/// surrogates in a Rust string, so they are kept whole under one index (listed as a deviation).
pub(crate) fn spread_value(target: &mut Map<String, Value>, value: Option<&Value>) {
    match value {
        Some(Value::Object(map)) => {
            for (key, item) in map {
                target.insert(key.clone(), item.clone());
            }
        }
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                target.insert(index.to_string(), item.clone());
            }
        }
        Some(Value::String(text)) => {
            let mut index = 0usize;
            for c in text.chars() {
                target.insert(index.to_string(), Value::String(c.to_string()));
                index += c.len_utf16();
            }
        }
        _ => {}
    }
}

pub(crate) fn truthy(value: Option<&Value>) -> bool {
    ampline_js::is_truthy(value)
}

/// `Math.round`: halves round toward positive infinity.
pub(crate) fn js_round(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let floor = x.floor();
    if x - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

/// `text.replace(/needle/i, replacement)` for an ASCII `needle`: the first match only. Without
/// the `u` flag JavaScript folds no non-ASCII character onto an ASCII letter, so ASCII
/// case-insensitivity is exact.
pub(crate) fn replace_first_ignore_ascii_case(
    text: &str,
    needle: &str,
    replacement: &str,
) -> String {
    let (haystack, pattern) = (text.as_bytes(), needle.as_bytes());
    let found = haystack
        .windows(pattern.len())
        .position(|window| window.eq_ignore_ascii_case(pattern));
    match found {
        // The match starts and ends on ASCII bytes, so both cuts are char boundaries.
        Some(start) => match (text.get(..start), text.get(start + pattern.len()..)) {
            (Some(before), Some(after)) => format!("{before}{replacement}{after}"),
            _ => text.to_owned(),
        },
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn undefined_keys_keep_their_place() {
        let mut object = JsObject::new();
        object.set("os_name", Some(json!("Mac OS")));
        object.set("device_manufacturer", None);
        object.set("library", None);
        object.set("event_type", Some(json!("e")));
        object.set("device_manufacturer", Some(json!("Apple")));
        let keys: Vec<String> = object.into_map().keys().cloned().collect();
        assert_eq!(keys, ["os_name", "device_manufacturer", "event_type"]);
    }

    #[test]
    fn spreading_owned_keeps_earlier_places_and_appends_the_rest() {
        let spread = |other: Value| {
            let mut object = JsObject::new();
            object.set("os_name", Some(json!("Mac OS")));
            object.set("device_type", None);
            if let Value::Object(other) = other {
                object.spread_owned(other);
            }
            let keys: Vec<String> = object.into_map().keys().cloned().collect();
            keys
        };
        assert_eq!(spread(json!({"a": 1, "b": 2})), ["os_name", "a", "b"]);
        assert_eq!(
            spread(json!({"a": 1, "device_type": "x", "os_name": "y"})),
            ["os_name", "device_type", "a"]
        );
    }

    #[test]
    fn spreads_like_javascript() {
        let mut target = Map::new();
        spread_value(&mut target, Some(&json!("ab")));
        spread_value(&mut target, Some(&json!(5)));
        spread_value(&mut target, Some(&json!({"x": 1})));
        assert_eq!(Value::Object(target), json!({"0": "a", "1": "b", "x": 1}));
    }

    #[test]
    fn rounds_halves_up() {
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(-2.5), -2.0);
        assert_eq!(js_round(1.4), 1.0);
    }

    #[test]
    fn replaces_the_first_match_ignoring_ascii_case() {
        assert_eq!(
            replace_first_ignore_ascii_case("IOS-ios", "ios", "iOS"),
            "iOS-ios"
        );
        assert_eq!(
            replace_first_ignore_ascii_case("ÿandroid", "android", "Android"),
            "ÿAndroid"
        );
        assert_eq!(replace_first_ignore_ascii_case("web", "ios", "iOS"), "web");
    }
}
