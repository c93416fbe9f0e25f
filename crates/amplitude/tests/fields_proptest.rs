//! Arbitrary fields and payloads: validation never panics, and what it accepts has only
//! declared top-level keys.

use ampline_amplitude::fields::{validate_payload, Choice, Field, FieldKind, Payload};
use ampline_mapping::Mapped;
use proptest::prelude::*;
use serde_json::{Map, Value};

const KEYS: &[&str] = &["a", "b", "c", "d"];
const CHOICES: &[Choice] = &[Choice::text("a"), Choice::text("5"), Choice::text("")];

fn kind() -> impl Strategy<Value = FieldKind> {
    prop_oneof![
        Just(FieldKind::String),
        Just(FieldKind::Text),
        Just(FieldKind::Password),
        Just(FieldKind::Number),
        Just(FieldKind::Integer),
        Just(FieldKind::Boolean),
        Just(FieldKind::Datetime),
        Just(FieldKind::Object),
    ]
}

fn limit() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![Just(None), (-3.0..12.0f64).prop_map(|n| Some(n.round()))]
}

/// Fields are `&'static`; the few generated per case are leaked, which a test can afford.
fn fields(depth: u32) -> BoxedStrategy<&'static [Field]> {
    let nested = if depth == 0 {
        Just(None).boxed()
    } else {
        prop_oneof![Just(None), fields(depth - 1).prop_map(Some)].boxed()
    };
    let field = (
        kind(),
        any::<[bool; 5]>(),
        limit(),
        limit(),
        nested,
        0..KEYS.len(),
    )
        .prop_map(|(kind, flags, minimum, maximum, properties, key)| {
            let [multiple, required, allow_null, choices, additional] = flags;
            let mut field = Field::new(KEYS[key], "Field", kind);
            field.multiple = multiple;
            field.required = required;
            field.allow_null = allow_null;
            field.choices = choices.then_some(CHOICES);
            field.minimum = minimum;
            field.maximum = maximum;
            field.properties = properties.filter(|_| kind == FieldKind::Object);
            field.additional_properties = additional;
            field
        });
    proptest::collection::vec(field, 0..4)
        .prop_map(|fields| &*Box::leak(fields.into_boxed_slice()))
        .boxed()
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>()
            .prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just(String::new()),
            Just(" 7 ".to_owned()),
            Just("Infinity".to_owned()),
            Just("0x10".to_owned()),
            Just("2024-01-02".to_owned()),
            ".{0,8}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((prop_oneof![Just("a"), Just("b"), Just("x")], inner), 0..4)
                .prop_map(|entries| Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect::<Map<String, Value>>()
                )),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics_and_keeps_only_declared_keys(fields in fields(2), payload in json()) {
        if let Ok(output) = validate_payload(fields, Mapped::Ref(&payload)).map(Payload::into_value) {
            let Some(map) = output.as_object() else {
                return Err(TestCaseError::fail("accepted output is not an object"));
            };
            for key in map.keys() {
                prop_assert!(fields.iter().any(|field| field.key == key), "undeclared {key}");
            }
        }
    }

    #[test]
    fn errors_always_name_a_path_below_a_declared_field(fields in fields(2), payload in json()) {
        if let (Err(errors), Some(_)) = (validate_payload(fields, Mapped::Ref(&payload)), payload.as_object()) {
            for error in errors {
                let head = error.path.split(['.', '[']).next().unwrap_or("");
                prop_assert!(fields.iter().any(|field| field.key == head), "{error}");
            }
        }
    }
}
