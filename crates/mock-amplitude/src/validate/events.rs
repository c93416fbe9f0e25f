//! `/2/httpapi` and `/batch` bodies, and the per-item field checks that `/identify` reuses.
//!
//! Checks run in Amplitude's order: body present → JSON → required request fields → event count →
//! (API key, checked by the caller) → per-event fields. Every failing event is collected into one
//! 400 so a client can drop exactly those indexes.

use crate::config::{IndexReporting, Limits};
use crate::reply::Reply;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A request that passed the request-level checks.
#[derive(Debug)]
pub struct EventsRequest {
    pub api_key: String,
    pub events: Vec<Value>,
    pub min_id_length: usize,
}

/// Parses an (already gunzipped) `/2/httpapi` or `/batch` body.
pub fn parse_events_request(
    body: &[u8],
    limits: &Limits,
    reporting: IndexReporting,
) -> Result<EventsRequest, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Reply::missing_body());
    }
    let Ok(Value::Object(mut request)) = serde_json::from_slice::<Value>(body) else {
        return Err(Reply::invalid_json());
    };
    let api_key = match request.remove("api_key") {
        Some(Value::String(key)) if !key.is_empty() => Some(key),
        _ => None,
    };
    let min_id_length = min_id_length(request.get("options"), limits.default_min_id_length)
        .ok_or_else(Reply::invalid_json)?;
    let events = match request.remove("events") {
        Some(Value::Array(events)) => Some(events),
        _ => None,
    };
    let (api_key, events) = match (api_key, events) {
        (Some(api_key), Some(events)) => (api_key, events),
        (api_key, events) => {
            let missing = if api_key.is_none() {
                "api_key"
            } else {
                "events"
            };
            let mut problems = ItemProblems::new(reporting);
            if let Some(events) = &events {
                let rules = FieldRules::events(min_id_length);
                for (index, event) in events.iter().enumerate() {
                    check_item(index, event, &rules, &mut problems);
                }
            }
            return Err(problems.into_reply(Some(missing)));
        }
    };
    if events.len() > limits.max_events_per_request {
        return Err(Reply::payload_too_large());
    }
    Ok(EventsRequest {
        api_key,
        events,
        min_id_length,
    })
}

/// Reads `options.min_id_length`; `None` when it is there but not a non-negative integer.
pub fn min_id_length(options: Option<&Value>, default: usize) -> Option<usize> {
    match options {
        None | Some(Value::Null) => Some(default),
        Some(Value::Object(options)) => match options.get("min_id_length") {
            None | Some(Value::Null) => Some(default),
            Some(value) => value.as_u64().and_then(|n| usize::try_from(n).ok()),
        },
        Some(_) => None,
    }
}

/// Which checks apply to an item: events need `event_type`, identifications do not.
#[derive(Debug, Clone, Copy)]
pub struct FieldRules {
    pub require_event_type: bool,
    pub min_id_length: usize,
}

impl FieldRules {
    pub fn events(min_id_length: usize) -> FieldRules {
        FieldRules {
            require_event_type: true,
            min_id_length,
        }
    }

    pub fn identifications(min_id_length: usize) -> FieldRules {
        FieldRules {
            require_event_type: false,
            min_id_length,
        }
    }
}

/// Failing item indexes per field, in the three maps Amplitude's 400 carries.
#[derive(Debug, Clone)]
pub struct ItemProblems {
    reporting: IndexReporting,
    missing: BTreeMap<&'static str, Vec<usize>>,
    invalid: BTreeMap<&'static str, Vec<usize>>,
    invalid_id_lengths: BTreeMap<&'static str, Vec<usize>>,
    non_object_item: bool,
}

impl ItemProblems {
    pub fn new(reporting: IndexReporting) -> ItemProblems {
        ItemProblems {
            reporting,
            missing: BTreeMap::new(),
            invalid: BTreeMap::new(),
            invalid_id_lengths: BTreeMap::new(),
            non_object_item: false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.missing.is_empty()
            && self.invalid.is_empty()
            && self.invalid_id_lengths.is_empty()
            && !self.non_object_item
    }

    pub fn missing(&mut self, field: &'static str, index: usize) {
        note(&mut self.missing, self.reporting, field, index);
    }

    pub fn invalid(&mut self, field: &'static str, index: usize) {
        note(&mut self.invalid, self.reporting, field, index);
    }

    pub fn invalid_id_length(&mut self, field: &'static str, index: usize) {
        note(&mut self.invalid_id_lengths, self.reporting, field, index);
    }

    pub fn non_object_item(&mut self) {
        self.non_object_item = true;
    }

    /// The 400 for these problems; `missing_field` names a missing request-level field.
    pub fn into_reply(self, missing_field: Option<&str>) -> Reply {
        if self.non_object_item && missing_field.is_none() {
            return Reply::error(400, "Invalid event JSON");
        }
        let error = if missing_field.is_some() || !self.missing.is_empty() {
            "Request missing required field"
        } else {
            "Invalid field values on some events"
        };
        let mut body = Map::new();
        body.insert("code".into(), json!(400));
        body.insert("error".into(), json!(error));
        if let Some(field) = missing_field {
            body.insert("missing_field".into(), json!(field));
        }
        for (name, map) in [
            ("events_with_invalid_fields", self.invalid),
            ("events_with_missing_fields", self.missing),
            ("events_with_invalid_id_lengths", self.invalid_id_lengths),
        ] {
            if !map.is_empty() {
                body.insert(name.into(), json!(map));
            }
        }
        Reply::json(400, Value::Object(body))
    }
}

fn note(
    map: &mut BTreeMap<&'static str, Vec<usize>>,
    reporting: IndexReporting,
    field: &'static str,
    index: usize,
) {
    let indexes = map.entry(field).or_default();
    let already_listed = indexes.last() == Some(&index);
    if already_listed || (reporting == IndexReporting::FirstPerField && !indexes.is_empty()) {
        return;
    }
    indexes.push(index);
}

/// IDs Amplitude refuses whatever their length (compared case-insensitively).
const INVALID_IDS: [&str; 14] = [
    "anonymous",
    "nil",
    "none",
    "null",
    "n/a",
    "na",
    "undefined",
    "unknown",
    "",
    "00000000-0000-0000-0000-000000000000",
    "{}",
    "lmy47d",
    "0",
    "-1",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdVerdict {
    Valid,
    /// Shorter than `min_id_length`: removed from the item.
    TooShort,
    /// On the refused list, or an all-zero device ID: the item fails.
    Invalid,
}

pub fn classify_id(field: &str, id: &str, min_id_length: usize) -> IdVerdict {
    if INVALID_IDS.iter().any(|bad| bad.eq_ignore_ascii_case(id)) {
        return IdVerdict::Invalid;
    }
    if field == "device_id" && id.chars().all(|c| c == '0' || c == '-') {
        return IdVerdict::Invalid;
    }
    if id.chars().count() < min_id_length {
        return IdVerdict::TooShort;
    }
    IdVerdict::Valid
}

#[derive(Clone, Copy)]
enum Expected {
    Text,
    Integer,
    Number,
    Object,
    Boolean,
    Groups,
}

fn expected_type(field: &str) -> Option<(&'static str, Expected)> {
    use Expected::*;
    let found = match field {
        "app_version" => ("app_version", Text),
        "platform" => ("platform", Text),
        "os_name" => ("os_name", Text),
        "os_version" => ("os_version", Text),
        "device_brand" => ("device_brand", Text),
        "device_manufacturer" => ("device_manufacturer", Text),
        "device_model" => ("device_model", Text),
        "carrier" => ("carrier", Text),
        "country" => ("country", Text),
        "region" => ("region", Text),
        "city" => ("city", Text),
        "dma" => ("dma", Text),
        "language" => ("language", Text),
        "productId" => ("productId", Text),
        "revenueType" => ("revenueType", Text),
        "currency" => ("currency", Text),
        "ip" => ("ip", Text),
        "idfa" => ("idfa", Text),
        "idfv" => ("idfv", Text),
        "adid" => ("adid", Text),
        "android_id" => ("android_id", Text),
        "android_app_set_id" => ("android_app_set_id", Text),
        "insert_id" => ("insert_id", Text),
        "user_agent" => ("user_agent", Text),
        "partner_id" => ("partner_id", Text),
        "version_name" => ("version_name", Text),
        "start_version" => ("start_version", Text),
        "time" => ("time", Integer),
        "event_id" => ("event_id", Integer),
        "session_id" => ("session_id", Integer),
        "quantity" => ("quantity", Integer),
        "price" => ("price", Number),
        "revenue" => ("revenue", Number),
        "location_lat" => ("location_lat", Number),
        "location_lng" => ("location_lng", Number),
        "event_properties" => ("event_properties", Object),
        "user_properties" => ("user_properties", Object),
        "group_properties" => ("group_properties", Object),
        "ingestion_metadata" => ("ingestion_metadata", Object),
        "plan" => ("plan", Object),
        "$skip_user_properties_sync" => ("$skip_user_properties_sync", Boolean),
        "groups" => ("groups", Groups),
        _ => return None,
    };
    Some(found)
}

fn has_type(value: &Value, expected: Expected) -> bool {
    match expected {
        Expected::Text => value.is_string(),
        Expected::Integer => value.is_i64() || value.is_u64(),
        Expected::Number => value.is_number(),
        Expected::Object => value.is_object(),
        Expected::Boolean => value.is_boolean(),
        Expected::Groups => value.as_object().is_some_and(|groups| {
            groups.values().all(|names| match names {
                Value::String(_) | Value::Number(_) => true,
                Value::Array(names) => names
                    .iter()
                    .all(|name| name.is_string() || name.is_number()),
                _ => false,
            })
        }),
    }
}

/// Checks one event (or identification) and notes its problems under `index`. A `null` field
/// counts as absent.
pub fn check_item(index: usize, item: &Value, rules: &FieldRules, problems: &mut ItemProblems) {
    let Value::Object(item) = item else {
        problems.non_object_item();
        return;
    };
    let mut has_event_type = false;
    let mut has_usable_id = false;
    let mut has_invalid_id = false;
    let mut short_ids: [Option<&'static str>; 2] = [None, None];
    for (field, value) in item {
        if value.is_null() {
            continue;
        }
        match field.as_str() {
            "event_type" => match value.as_str() {
                Some("") => {}
                Some(_) => has_event_type = true,
                None => {
                    // Present but of the wrong type: invalid, not also missing.
                    has_event_type = true;
                    problems.invalid("event_type", index);
                }
            },
            "user_id" | "device_id" => {
                let (name, slot) = if field == "user_id" {
                    ("user_id", 0)
                } else {
                    ("device_id", 1)
                };
                let verdict = value.as_str().map_or(IdVerdict::Invalid, |id| {
                    classify_id(name, id, rules.min_id_length)
                });
                match verdict {
                    IdVerdict::Valid => has_usable_id = true,
                    IdVerdict::TooShort => {
                        if let Some(entry) = short_ids.get_mut(slot) {
                            *entry = Some(name);
                        }
                    }
                    IdVerdict::Invalid => {
                        has_invalid_id = true;
                        problems.invalid(name, index);
                    }
                }
            }
            other => {
                if let Some((name, expected)) = expected_type(other) {
                    if !has_type(value, expected) {
                        problems.invalid(name, index);
                    }
                }
            }
        }
    }
    if rules.require_event_type && !has_event_type {
        problems.missing("event_type", index);
    }
    if !has_usable_id && !has_invalid_id {
        let mut any_short = false;
        for name in short_ids.into_iter().flatten() {
            any_short = true;
            problems.invalid_id_length(name, index);
        }
        if !any_short {
            problems.missing("user_id", index);
        }
    }
}

/// Checks every event of a request.
pub fn check_events(
    events: &[Value],
    rules: &FieldRules,
    reporting: IndexReporting,
) -> ItemProblems {
    let mut problems = ItemProblems::new(reporting);
    for (index, event) in events.iter().enumerate() {
        check_item(index, event, rules, &mut problems);
    }
    problems
}

/// What Amplitude does to an accepted item before storing it: IDs shorter than `min_id_length`
/// are removed, a missing `time` becomes the upload time (events only), and strings longer than
/// `max_string_chars` are truncated (values and property names, at any depth).
pub fn normalize_item(
    item: &mut Value,
    min_id_length: usize,
    max_string_chars: usize,
    default_time_ms: Option<u64>,
) {
    let Value::Object(fields) = item else {
        return;
    };
    for name in ["user_id", "device_id"] {
        let too_short = fields
            .get(name)
            .and_then(Value::as_str)
            .is_some_and(|id| classify_id(name, id, min_id_length) == IdVerdict::TooShort);
        if too_short {
            fields.shift_remove(name);
        }
    }
    if let Some(now_ms) = default_time_ms {
        if fields.get("time").is_none_or(Value::is_null) {
            fields.insert("time".into(), json!(now_ms));
        }
    }
    truncate_strings(item, max_string_chars);
}

/// Truncates every string (and object key) longer than `max_chars` characters.
pub fn truncate_strings(value: &mut Value, max_chars: usize) {
    match value {
        Value::String(text) => truncate_in_place(text, max_chars),
        Value::Array(items) => {
            for item in items {
                truncate_strings(item, max_chars);
            }
        }
        Value::Object(fields) => {
            if fields.keys().any(|key| key.len() > max_chars) {
                let rebuilt: Map<String, Value> = std::mem::take(fields)
                    .into_iter()
                    .map(|(mut key, value)| {
                        truncate_in_place(&mut key, max_chars);
                        (key, value)
                    })
                    .collect();
                *fields = rebuilt;
            }
            for item in fields.values_mut() {
                truncate_strings(item, max_chars);
            }
        }
        _ => {}
    }
}

fn truncate_in_place(text: &mut String, max_chars: usize) {
    // A string of at most `max_chars` bytes cannot have more chars; skip the char walk.
    if text.len() <= max_chars {
        return;
    }
    if let Some((cut, _)) = text.char_indices().nth(max_chars) {
        text.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<EventsRequest, Reply> {
        parse_events_request(body.as_bytes(), &Limits::default(), IndexReporting::All)
    }

    fn error_body(result: Result<EventsRequest, Reply>) -> Value {
        match result {
            Err(Reply {
                body: crate::reply::ReplyBody::Json(body),
                ..
            }) => body,
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }

    fn problems_for(events: Value, reporting: IndexReporting) -> Value {
        let events = events.as_array().cloned().unwrap_or_default();
        let problems = check_events(&events, &FieldRules::events(5), reporting);
        match problems.into_reply(None).body {
            crate::reply::ReplyBody::Json(body) => body,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_level_errors_follow_amplitude_wording() {
        assert_eq!(
            error_body(parse("  \n")),
            json!({"code":400,"error":"Missing request body"})
        );
        assert_eq!(
            error_body(parse("{\"api_key\":")),
            json!({"code":400,"error":"Invalid JSON request body"})
        );
        assert_eq!(
            error_body(parse("[1]")),
            json!({"code":400,"error":"Invalid JSON request body"})
        );
        assert_eq!(
            error_body(parse(r#"{"Events":[],"api_key":"k"}"#)),
            json!({"code":400,"error":"Request missing required field","missing_field":"events"})
        );
        assert_eq!(
            error_body(parse(r#"{"events":[{"user_id":"user-1"}]}"#)),
            json!({"code":400,"error":"Request missing required field","missing_field":"api_key",
                   "events_with_missing_fields":{"event_type":[0]}})
        );
    }

    #[test]
    fn too_many_events_is_payload_too_large() {
        let limits = Limits {
            max_events_per_request: 2,
            ..Limits::default()
        };
        let body = r#"{"api_key":"k","events":[{},{},{}]}"#;
        let reply = parse_events_request(body.as_bytes(), &limits, IndexReporting::All);
        assert_eq!(reply.err(), Some(Reply::payload_too_large()));
    }

    #[test]
    fn options_min_id_length_is_read_and_checked() {
        let parsed = parse(r#"{"api_key":"k","events":[],"options":{"min_id_length":1}}"#);
        assert_eq!(parsed.map(|r| r.min_id_length).ok(), Some(1));
        assert_eq!(
            parse(r#"{"api_key":"k","events":[]}"#)
                .map(|r| r.min_id_length)
                .ok(),
            Some(5)
        );
        assert!(parse(r#"{"api_key":"k","events":[],"options":{"min_id_length":"3"}}"#).is_err());
    }

    #[test]
    fn field_problems_list_every_failing_index() {
        let body = problems_for(
            json!([
                {"event_type":"ok","user_id":"user-1","time":1},
                {"user_id":"user-2"},
                {"event_type":"x","user_id":"user-3","time":"2024-01-01T00:00:00Z"},
                {"event_type":"x","user_id":"user-4","time":1.5,"event_properties":[]},
                {"event_type":"x","device_id":"null"},
                {"event_type":"x","device_id":"0000-0000"},
                {"event_type":"x","user_id":"abc"},
                {"event_type":"x"},
                {"event_type":"x","user_id":"abc","device_id":"device-1"},
                {"event_type":7,"user_id":"user-9","groups":{"org":["a",{}]}},
            ]),
            IndexReporting::All,
        );
        assert_eq!(
            body,
            json!({"code":400,"error":"Request missing required field",
                "events_with_invalid_fields":{"device_id":[4,5],"event_properties":[3],
                    "event_type":[9],"groups":[9],"time":[2,3]},
                "events_with_missing_fields":{"event_type":[1],"user_id":[7]},
                "events_with_invalid_id_lengths":{"user_id":[6]}})
        );
    }

    #[test]
    fn first_per_field_reporting_keeps_only_the_first_index() {
        let body = problems_for(
            json!([{"event_type":"x","user_id":"user-1","time":"a"},
                   {"event_type":"x","user_id":"user-2","time":"b"}]),
            IndexReporting::FirstPerField,
        );
        assert_eq!(
            body,
            json!({"code":400,"error":"Invalid field values on some events",
                   "events_with_invalid_fields":{"time":[0]}})
        );
    }

    #[test]
    fn non_object_events_are_invalid_event_json() {
        let body = problems_for(json!([1]), IndexReporting::All);
        assert_eq!(body, json!({"code":400,"error":"Invalid event JSON"}));
    }

    #[test]
    fn id_classification() {
        assert_eq!(classify_id("user_id", "Anonymous", 5), IdVerdict::Invalid);
        assert_eq!(classify_id("user_id", "-1", 1), IdVerdict::Invalid);
        assert_eq!(classify_id("user_id", "0000", 1), IdVerdict::Valid);
        assert_eq!(classify_id("device_id", "0000", 1), IdVerdict::Invalid);
        assert_eq!(classify_id("user_id", "abcd", 5), IdVerdict::TooShort);
        assert_eq!(classify_id("user_id", "ééééé", 5), IdVerdict::Valid);
    }

    #[test]
    fn normalize_strips_short_ids_defaults_time_and_truncates() {
        let long = "é".repeat(1030);
        let mut event = json!({"event_type":"x","user_id":"abc","device_id":"device-1",
            "event_properties":{"note": long, "list":[long]}});
        event["event_properties"][long.as_str()] = json!(1);
        normalize_item(&mut event, 5, 1024, Some(42));
        assert_eq!(event.get("user_id"), None);
        assert_eq!(event["time"], json!(42));
        let kept = "é".repeat(1024);
        assert_eq!(event["event_properties"]["note"], json!(kept));
        assert_eq!(event["event_properties"]["list"][0], json!(kept));
        assert_eq!(event["event_properties"][kept.as_str()], json!(1));
        let mut timed = json!({"time": 7});
        normalize_item(&mut timed, 5, 1024, Some(42));
        assert_eq!(timed["time"], json!(7));
    }
}
