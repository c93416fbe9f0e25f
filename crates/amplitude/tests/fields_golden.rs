//! Differential test against actions-core 3.170.0: every case in `fields_golden.json` (written
//! by `tools/fields-oracle`, `npm run golden`) must pass or fail as it does there, and a passing
//! payload must come out equal as JSON.

use ampline_amplitude::fields::{validate_payload, Choice, ChoiceValue, Field, FieldKind, Payload};
use ampline_mapping::Mapped;
use serde_json::Value;

const GOLDEN: &str = include_str!("fields_golden.json");

/// Field definitions in the golden file are actions-core's JSON. Tests need `&'static` fields,
/// so the parsed definitions are leaked; they live as long as the test binary anyway.
fn leak_str(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

fn parse_fields(definitions: &Value) -> &'static [Field] {
    let Some(map) = definitions.as_object() else {
        panic!("fields must be an object: {definitions}");
    };
    let fields: Vec<Field> = map
        .iter()
        .map(|(key, definition)| parse_field(key, definition))
        .collect();
    Box::leak(fields.into_boxed_slice())
}

fn parse_field(key: &str, definition: &Value) -> Field {
    let text = |name: &str| definition.get(name).and_then(Value::as_str);
    let flag = |name: &str| definition.get(name).and_then(Value::as_bool) == Some(true);
    let number = |name: &str| definition.get(name).and_then(Value::as_f64);
    let kind = match text("type") {
        Some("string") => FieldKind::String,
        Some("text") => FieldKind::Text,
        Some("password") => FieldKind::Password,
        Some("number") => FieldKind::Number,
        Some("integer") => FieldKind::Integer,
        Some("boolean") => FieldKind::Boolean,
        Some("datetime") => FieldKind::Datetime,
        Some("object") => FieldKind::Object,
        other => panic!("unknown field type {other:?}"),
    };
    let mut field = Field::new(leak_str(key), leak_str(text("label").unwrap_or(key)), kind);
    field.multiple = flag("multiple");
    field.required = flag("required");
    field.allow_null = flag("allowNull");
    field.additional_properties = flag("additionalProperties");
    field.minimum = number("minimum");
    field.maximum = number("maximum");
    field.properties = definition.get("properties").map(parse_fields);
    field.choices = definition
        .get("choices")
        .and_then(Value::as_array)
        .map(|choices| {
            let parsed: Vec<Choice> = choices.iter().map(parse_choice).collect();
            &*Box::leak(parsed.into_boxed_slice())
        });
    field
}

fn parse_choice(choice: &Value) -> Choice {
    let (label, value) = match choice {
        Value::Object(_) => (
            choice.get("label").and_then(Value::as_str).unwrap_or(""),
            choice.get("value").unwrap_or(&Value::Null),
        ),
        other => ("", other),
    };
    let value = match value {
        Value::String(text) => ChoiceValue::Text(leak_str(text)),
        Value::Number(n) => ChoiceValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        other => panic!("unsupported choice {other}"),
    };
    Choice {
        label: leak_str(label),
        value,
    }
}

/// JSON equality with numbers compared as doubles (`5` and `5.0` are the same JS number).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| same_json(x, y)))
        }
        _ => a == b,
    }
}

#[test]
fn agrees_with_actions_core_on_every_golden_case() {
    let cases: Vec<Value> = match serde_json::from_str(GOLDEN) {
        Ok(cases) => cases,
        Err(error) => panic!("golden file does not parse: {error}"),
    };
    assert!(cases.len() > 3000, "golden file has {} cases", cases.len());
    let mut disagreements = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let fields = parse_fields(&case["fields"]);
        let expected_ok = case["ok"].as_bool() == Some(true);
        // Owned (as a computed payload is) and borrowed (as one copied from the event is) must
        // come out the same.
        let result = validate_payload(fields, Mapped::owned(case["payload"].clone()))
            .map(Payload::into_value);
        let borrowed =
            validate_payload(fields, Mapped::Ref(&case["payload"])).map(Payload::into_value);
        assert_eq!(result, borrowed, "case {index}: owned and borrowed differ");
        let agrees = match (&result, expected_ok) {
            (Ok(output), true) => same_json(output, &case["output"]),
            (Err(_), false) => true,
            _ => false,
        };
        if !agrees {
            let ours = match &result {
                Ok(output) => format!("ok {output}"),
                Err(errors) => format!(
                    "err {}",
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
            disagreements.push(format!("case {index}: {case}\n  ours: {ours}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
