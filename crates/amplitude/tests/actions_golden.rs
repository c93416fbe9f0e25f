//! Differential test against `@segment/action-destinations`' Amplitude destination: every case in
//! `actions_golden.json` (written by `tests/reference/actions-oracle.js`, which runs the
//! reference with its HTTP client stubbed) must be rejected where the reference rejects it, and
//! otherwise produce the same requests — same URLs, same bodies, keys in the same order,
//! numbers written the same way. The oracle already removed the documented deviations from the
//! reference's side. Key order is compared after moving integer-like keys first, as JavaScript
//! orders them (a documented deviation: this crate keeps insertion order).

use ampline_amplitude::{run, Action, Body, CompiledAction, ContentType, Request, Settings};
use ampline_useragent::UserAgentCache;
use serde_json::Value;

const GOLDEN: &str = include_str!("actions_golden.json");

fn json_text(value: &Value) -> String {
    let mut out = String::new();
    ampline_js::write_json(&mut out, &js_key_order(value));
    out
}

/// JavaScript's own-key order: canonical array indices ascending, then the other keys in
/// insertion order.
fn js_key_order(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let is_index = |key: &str| {
                key.parse::<u32>()
                    .is_ok_and(|n| n != u32::MAX && n.to_string() == key)
            };
            let mut indices: Vec<(&String, &Value)> =
                map.iter().filter(|(k, _)| is_index(k)).collect();
            indices.sort_by_key(|(k, _)| k.parse::<u32>().unwrap_or_default());
            let others = map.iter().filter(|(k, _)| !is_index(k));
            Value::Object(
                indices
                    .into_iter()
                    .chain(others)
                    .map(|(k, v)| (k.clone(), js_key_order(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(js_key_order).collect()),
        other => other.clone(),
    }
}

/// A form field's value, with JSON text brought into JavaScript key order.
fn form_value(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ (Value::Object(_) | Value::Array(_))) => json_text(&value),
        _ => text.to_owned(),
    }
}

/// A request in the golden file's shape, with JSON bodies as text so key order counts.
fn describe(request: &Request) -> Value {
    let (content_type, body) = match (&request.content_type, &request.body) {
        // The body as sent, read back with its key order, then integer-like keys moved first.
        (ContentType::Json, body @ Body::Events(_)) => {
            let sent: Value = serde_json::from_str(&body.encode()).unwrap_or(Value::Null);
            ("json", Value::from(json_text(&sent)))
        }
        (ContentType::Form, Body::Form(fields)) => (
            "form",
            fields
                .iter()
                .map(|(k, v)| Value::from(vec![k.clone(), form_value(v)]))
                .collect(),
        ),
        _ => ("mismatched", Value::Null),
    };
    serde_json::json!({"method": "POST", "url": request.url, "content_type": content_type, "body": body})
}

fn expected(request: &Value) -> Value {
    let mut request = request.clone();
    if request["content_type"] == "json" {
        request["body"] = Value::from(json_text(&request["body"]));
    } else if let Some(fields) = request["body"].as_array() {
        let fields: Vec<Value> = fields
            .iter()
            .map(|pair| {
                let key = pair[0].as_str().unwrap_or_default();
                let value = pair[1].as_str().unwrap_or_default();
                Value::from(vec![key.to_owned(), form_value(value)])
            })
            .collect();
        request["body"] = Value::from(fields);
    }
    request
}

#[test]
fn requests_match_the_reference() {
    let golden: Value = match serde_json::from_str(GOLDEN) {
        Ok(golden) => golden,
        Err(e) => panic!("golden file: {e}"),
    };
    let cases = golden["cases"].as_array().cloned().unwrap_or_default();
    assert!(cases.len() > 300, "too few cases: {}", cases.len());
    let mut cache = UserAgentCache::new(64);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?");
        let Some(action) = case["action"].as_str().and_then(Action::from_id) else {
            panic!("{name}: unknown action {}", case["action"]);
        };
        let settings = match Settings::from_json(&case["settings"]) {
            Ok(settings) => settings,
            Err(e) => panic!("{name}: {e}"),
        };
        let result = if case["mapping"].is_null() {
            run(action, &case["event"], None, &settings, Some(&mut cache))
        } else {
            match CompiledAction::new(action, &case["mapping"]) {
                Ok(compiled) => compiled.run(&case["event"], &settings, Some(&mut cache)),
                Err(e) => Err(e),
            }
        };
        match (result, case.get("error")) {
            (Err(_), Some(_)) => {}
            (Ok(requests), Some(error)) => failures.push(format!(
                "{name}: reference failed ({error}) but got {requests:?}"
            )),
            (Err(error), None) => failures.push(format!("{name}: unexpected error {error}")),
            (Ok(requests), None) => {
                let got: Vec<Value> = requests.iter().map(describe).collect();
                let want: Vec<Value> = case["requests"]
                    .as_array()
                    .map(|r| r.iter().map(expected).collect())
                    .unwrap_or_default();
                if got != want {
                    failures.push(format!(
                        "{name}:\n  got  {}\n  want {}",
                        Value::from(got),
                        Value::from(want)
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn actions_declare_what_the_reference_declares() {
    let golden: Value = serde_json::from_str(GOLDEN).unwrap_or_default();
    let declared = golden["actions"].as_array().cloned().unwrap_or_default();
    assert_eq!(declared.len(), Action::ALL.len());
    for reference in &declared {
        let id = reference["id"].as_str().unwrap_or_default();
        let Some(action) = Action::from_id(id) else {
            panic!("unknown action {id}");
        };
        assert_eq!(action.title(), reference["title"], "{id}");
        assert_eq!(action.description(), reference["description"], "{id}");
        assert_eq!(action.default_trigger(), reference["trigger"], "{id}");
        let fields: Vec<Value> = action
            .fields()
            .iter()
            .map(|f| {
                let kind = format!("{:?}", f.kind).to_lowercase();
                let properties: Vec<&str> =
                    f.properties.unwrap_or(&[]).iter().map(|p| p.key).collect();
                serde_json::json!({
                    "key": f.key, "label": f.label, "description": f.description, "type": kind,
                    "multiple": f.multiple, "required": f.required, "allowNull": f.allow_null,
                    "properties": properties, "additionalProperties": f.additional_properties
                })
            })
            .collect();
        assert_eq!(Value::from(fields), reference["fields"], "{id}");
        // Same mapping, keys in the same order.
        assert_eq!(
            json_text(&action.default_mapping()),
            json_text(&reference["defaults"]),
            "{id}"
        );
    }
}

#[test]
fn presets_are_the_reference_presets() {
    use ampline_amplitude::{Preset, PresetTarget};
    let golden: Value = serde_json::from_str(GOLDEN).unwrap_or_default();
    let presets = golden["presets"].as_array().cloned().unwrap_or_default();
    assert_eq!(presets.len(), Preset::ALL.len());
    for (preset, reference) in Preset::ALL.iter().zip(&presets) {
        assert_eq!(preset.name(), reference["name"]);
        assert_eq!(preset.trigger(), reference["trigger"]);
        let target = match preset.target() {
            PresetTarget::Cloud(action) => action.id(),
            PresetTarget::Browser(plugin) => plugin.id(),
        };
        assert_eq!(target, reference["action"]);
        assert_eq!(
            json_text(&preset.mapping()),
            json_text(&reference["mapping"])
        );
    }
}
