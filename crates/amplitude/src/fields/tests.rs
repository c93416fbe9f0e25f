//! One test per rule of Part C of the mapping spec (C.1, C.3–C.5) and checklist items 19–20.
//! The differential test in `tests/fields_golden.rs` covers the combinations.

use super::*;
use ampline_mapping::Mapped;
use serde_json::json;

const fn field(kind: FieldKind) -> Field {
    Field::new("f", "F", kind)
}

/// Validates `payload` three ways, which must agree: owned, borrowed, and member by member as a
/// mapping of members makes it.
fn validate(fields: &[Field], payload: Value) -> Result<Value, Vec<FieldError>> {
    let owned = validate_payload(fields, Mapped::owned(payload.clone())).map(Payload::into_value);
    let borrowed = validate_payload(fields, Mapped::Ref(&payload)).map(Payload::into_value);
    assert_eq!(
        owned, borrowed,
        "owned and borrowed payloads validate differently"
    );
    if let Value::Object(members) = &payload {
        let keys: Vec<&str> = members.keys().map(String::as_str).collect();
        let member_fields = MemberFields::new(fields, &keys);
        let mut check = MemberCheck::new(fields, &member_fields);
        for (position, (key, value)) in members.iter().enumerate() {
            check.take(position, key, Mapped::Ref(value));
        }
        let by_member = check.finish().map(Payload::into_value);
        assert_eq!(owned, by_member, "member by member validates differently");
    }
    owned
}

/// The value `f` ends up with, `None` when it was pruned; panics when validation fails.
fn accepted(f: Field, value: Value) -> Option<Value> {
    match validate(&[f], json!({ "f": value })) {
        Ok(output) => output.get("f").cloned(),
        Err(errors) => panic!("{value} rejected: {errors:?}"),
    }
}

fn rejected(f: Field, value: Value) -> Vec<Problem> {
    match validate(&[f], json!({ "f": value })) {
        Ok(output) => panic!("{value} accepted as {output}"),
        Err(errors) => errors.into_iter().map(|e| e.problem).collect(),
    }
}

fn is_rejected(f: Field, value: Value) -> bool {
    validate(&[f], json!({ "f": value })).is_err()
}

// C.1

#[test]
fn default_values_keep_falsy_defaults_and_field_order() {
    const FIELDS: &[Field] = &[
        Field::new("z", "Z", FieldKind::String).default(DefaultMapping::Path("$.userId")),
        Field::new("none", "None", FieldKind::String),
        Field::new("null", "Null", FieldKind::String).default(DefaultMapping::Null),
        Field::new("no", "No", FieldKind::Boolean).default(DefaultMapping::Bool(false)),
        Field::new("zero", "Zero", FieldKind::Number).default(DefaultMapping::Number(0.0)),
        Field::new("empty", "Empty", FieldKind::String).default(DefaultMapping::Text("")),
        Field::new("obj", "Obj", FieldKind::Object).default(DefaultMapping::Object(&[(
            "@if",
            DefaultMapping::Object(&[
                ("exists", DefaultMapping::Path("$.a")),
                (
                    "then",
                    DefaultMapping::Array(&[DefaultMapping::Number(1.5)]),
                ),
            ]),
        )])),
    ];
    let defaults = Value::Object(default_values(FIELDS));
    assert_eq!(
        serde_json::to_string(&defaults).ok(),
        Some(
            r#"{"z":{"@path":"$.userId"},"null":null,"no":false,"zero":0,"empty":"","obj":{"@if":{"exists":{"@path":"$.a"},"then":[1.5]}}}"#
                .to_owned()
        )
    );
}

// C.3

#[test]
fn string_limits_become_length_limits_counted_in_characters() {
    let f = field(FieldKind::String).minimum(2.0).maximum(3.0);
    assert_eq!(
        rejected(f, json!("a")),
        [Problem::TooShort {
            limit: 2.0,
            length: 1
        }]
    );
    assert_eq!(
        rejected(f, json!("abcd")),
        [Problem::TooLong {
            limit: 3.0,
            length: 4
        }]
    );
    // An emoji is one character for Ajv, though two UTF-16 units.
    assert_eq!(accepted(f, json!("a😀b")), Some(json!("a😀b")));
    // The length is checked after coercion.
    assert!(is_rejected(f, json!(12345)));
}

#[test]
fn text_and_password_fields_ignore_limits() {
    for kind in [FieldKind::Text, FieldKind::Password] {
        let f = field(kind).minimum(2.0).maximum(3.0);
        assert_eq!(accepted(f, json!("a")), Some(json!("a")));
        assert_eq!(accepted(f, json!("abcdef")), Some(json!("abcdef")));
    }
}

#[test]
fn number_limits_apply_when_non_zero() {
    let f = field(FieldKind::Number).minimum(1.0).maximum(10.0);
    assert_eq!(
        rejected(f, json!(0.5)),
        [Problem::BelowMinimum { limit: 1.0 }]
    );
    assert_eq!(
        rejected(f, json!("11")),
        [Problem::AboveMaximum { limit: 10.0 }]
    );
    assert_eq!(accepted(f, json!(10)), Some(json!(10)));
    let negative = field(FieldKind::Number).minimum(-5.0);
    assert!(is_rejected(negative, json!(-6)));
}

#[test]
fn integer_fields_ignore_limits() {
    let f = field(FieldKind::Integer).minimum(1.0).maximum(2.0);
    assert_eq!(accepted(f, json!(100)), Some(json!(100)));
    assert_eq!(accepted(f, json!(-100)), Some(json!(-100)));
}

#[test]
fn boolean_fields_take_booleans() {
    let f = field(FieldKind::Boolean);
    assert_eq!(accepted(f, json!(true)), Some(json!(true)));
    assert_eq!(
        rejected(f, json!({})),
        [Problem::WrongType {
            expected: &[JsonType::Boolean],
            found: JsonType::Object
        }]
    );
}

#[test]
fn datetime_fields_take_date_strings_and_numbers() {
    let f = field(FieldKind::Datetime);
    assert_eq!(
        accepted(f, json!(1_700_000_000_000_i64)),
        Some(json!(1_700_000_000_000_i64))
    );
    assert_eq!(accepted(f, json!("2024-01-02")), Some(json!("2024-01-02")));
    assert_eq!(rejected(f, json!("tomorrow")), [Problem::NotADate]);
}

#[test]
fn object_without_properties_is_left_untouched() {
    let f = field(FieldKind::Object);
    let value = json!({"a": null, "b": "", "c": [null]});
    assert_eq!(accepted(f, value.clone()), Some(value));
    assert!(is_rejected(f, json!("a")));
}

#[test]
fn object_with_properties_drops_undeclared_keys_unless_additional_properties() {
    const PROPERTIES: &[Field] = &[Field::new("name", "Name", FieldKind::String)];
    let f = field(FieldKind::Object).properties(PROPERTIES);
    assert_eq!(
        accepted(f, json!({"name": 5, "extra": 1})),
        Some(json!({"name": "5"}))
    );
    let open = f.additional_properties();
    assert_eq!(
        accepted(open, json!({"name": 5, "extra": 1})),
        Some(json!({"name": "5", "extra": 1}))
    );
}

#[test]
fn choices_are_case_sensitive() {
    const CHOICES: &[Choice] = &[
        Choice::labelled("Europe", "europe"),
        Choice::text("north_america"),
    ];
    let f = field(FieldKind::String).choices(CHOICES);
    assert_eq!(accepted(f, json!("europe")), Some(json!("europe")));
    assert_eq!(
        rejected(f, json!("Europe")),
        [Problem::NotAChoice {
            allowed: vec![json!("europe"), json!("north_america")]
        }]
    );
}

#[test]
fn numeric_choices_compare_after_coercion() {
    const CHOICES: &[Choice] = &[Choice {
        label: "Seven",
        value: ChoiceValue::Number(7.0),
    }];
    let f = field(FieldKind::Number).choices(CHOICES);
    assert_eq!(accepted(f, json!(" 7 ")), Some(json!(7)));
    assert!(is_rejected(f, json!(8)));
}

#[test]
fn allow_null_adds_null_to_type_and_choices() {
    const CHOICES: &[Choice] = &[Choice::text("a")];
    let f = field(FieldKind::String).choices(CHOICES).allow_null();
    assert_eq!(accepted(f, json!(null)), Some(json!(null)));
    assert_eq!(accepted(f, json!("a")), Some(json!("a")));
    // ...but a number that is not finite is stored as null without being null.
    let n = field(FieldKind::Number).allow_null().choices(&[Choice {
        label: "One",
        value: ChoiceValue::Number(1.0),
    }]);
    assert!(is_rejected(n, json!("Infinity")));
}

#[test]
fn multiple_fields_are_arrays_whose_items_never_allow_null() {
    let f = field(FieldKind::String).multiple().allow_null();
    assert_eq!(
        accepted(f, json!(["a", null, "b"])),
        Some(json!(["a", "b"]))
    );
    assert_eq!(accepted(f, json!(null)), None);
}

#[test]
fn required_fields_must_be_present() {
    let f = field(FieldKind::String).required();
    let errors = validate(&[f], json!({})).err();
    assert_eq!(
        errors,
        Some(vec![FieldError {
            path: "f".to_owned(),
            problem: Problem::Missing
        }])
    );
}

#[test]
fn undeclared_top_level_keys_are_removed() {
    let f = field(FieldKind::String);
    assert_eq!(
        validate(&[f], json!({"f": "a", "other": 1})).ok(),
        Some(json!({"f": "a"}))
    );
}

// C.4

#[test]
fn top_level_empty_string_is_removed_for_every_type() {
    for f in [
        field(FieldKind::String),
        field(FieldKind::String).allow_null(),
        field(FieldKind::Number),
        field(FieldKind::Datetime),
    ] {
        assert_eq!(accepted(f, json!("")), None);
    }
}

#[test]
fn top_level_null_is_removed_unless_allowed_and_never_for_multiple() {
    assert_eq!(accepted(field(FieldKind::Number), json!(null)), None);
    assert_eq!(
        accepted(field(FieldKind::Number).allow_null(), json!(null)),
        Some(json!(null))
    );
    assert_eq!(
        accepted(
            field(FieldKind::Number).allow_null().multiple(),
            json!(null)
        ),
        None
    );
}

#[test]
fn nested_values_are_pruned_by_their_type() {
    const PROPERTIES: &[Field] = &[
        Field::new("s", "S", FieldKind::String),
        Field::new("n", "N", FieldKind::Number),
        Field::new("z", "Z", FieldKind::Number).allow_null(),
        Field::new("list", "List", FieldKind::Number).multiple(),
    ];
    let f = field(FieldKind::Object).properties(PROPERTIES);
    assert_eq!(
        accepted(
            f,
            json!({"s": "", "n": "", "z": null, "list": ["1", 2, null, "", true]})
        ),
        Some(json!({"s": "", "z": null, "list": [1, 2, 1]}))
    );
    assert_eq!(accepted(f, json!({"s": null, "n": null})), Some(json!({})));
}

/// A declared object that validation leaves as it is is decided in one look; these are the
/// values on either side of that line.
#[test]
fn nested_objects_kept_whole_still_meet_every_rule() {
    const BEHAVIORS: &[Choice] = &[Choice::text("use_mapping"), Choice::text("legacy")];
    const PROPERTIES: &[Field] = &[
        Field::new("behavior", "Behavior", FieldKind::String)
            .choices(BEHAVIORS)
            .required(),
        Field::new("mapping", "Mapping", FieldKind::String),
        Field::new("when", "When", FieldKind::Datetime),
        Field::new("inner", "Inner", FieldKind::Object).properties(&[Field::new(
            "s",
            "S",
            FieldKind::String,
        )]),
    ];
    let f = field(FieldKind::Object).properties(PROPERTIES);
    let whole = json!({"behavior": "legacy", "mapping": "", "when": 0, "inner": {"s": ""}});
    assert_eq!(accepted(f, whole.clone()), Some(whole));
    assert_eq!(
        rejected(f, json!({"behavior": "Legacy"})),
        [Problem::NotAChoice {
            allowed: vec![json!("use_mapping"), json!("legacy")]
        }]
    );
    assert_eq!(rejected(f, json!({"mapping": "x"})), [Problem::Missing]);
    assert_eq!(
        rejected(f, json!({"behavior": "legacy", "when": ""})),
        [Problem::NotADate]
    );
    assert_eq!(
        accepted(
            f,
            json!({"behavior": "legacy", "extra": 1, "inner": {"s": 2}})
        ),
        Some(json!({"behavior": "legacy", "inner": {"s": "2"}}))
    );
}

#[test]
fn required_empty_or_disallowed_null_counts_as_absent() {
    let f = field(FieldKind::String).required();
    assert_eq!(rejected(f, json!("")), [Problem::Missing]);
    assert_eq!(rejected(f, json!(null)), [Problem::Missing]);
}

#[test]
fn objects_inside_multiple_object_fields_are_not_pruned() {
    const PROPERTIES: &[Field] = &[
        Field::new("name", "Name", FieldKind::String),
        Field::new("price", "Price", FieldKind::Number),
    ];
    let f = field(FieldKind::Object).multiple().properties(PROPERTIES);
    // The nulls are coerced rather than dropped; a lone object is wrapped at the top level.
    assert_eq!(
        accepted(f, json!({"name": null, "price": null})),
        Some(json!([{"name": "", "price": 0}]))
    );
    assert!(is_rejected(f, json!([{"price": ""}])));
}

// C.5

#[test]
fn string_coercion() {
    let f = field(FieldKind::String);
    assert_eq!(accepted(f, json!(5.0)), Some(json!("5")));
    assert_eq!(accepted(f, json!(1e21)), Some(json!("1e+21")));
    assert_eq!(accepted(f, json!(true)), Some(json!("true")));
    assert_eq!(accepted(f, json!(["a"])), Some(json!("a")));
    assert_eq!(accepted(f, json!([5])), Some(json!("5")));
    assert_eq!(accepted(f, json!([null])), Some(json!("")));
    assert!(is_rejected(f, json!(["a", "b"])));
    assert!(is_rejected(f, json!({"a": 1})));
    assert!(is_rejected(f, json!([["a"]])));
}

#[test]
fn number_coercion() {
    let f = field(FieldKind::Number);
    for (input, output) in [
        (json!(" 7 "), json!(7)),
        (json!("0x10"), json!(16)),
        (json!("1e3"), json!(1000)),
        (json!(" "), json!(0)),
        (json!("Infinity"), json!(null)),
        (json!(true), json!(1)),
        (json!(false), json!(0)),
        (json!([5]), json!(5)),
        (json!(["2.5"]), json!(2.5)),
    ] {
        assert_eq!(accepted(f, input), Some(output));
    }
    assert!(is_rejected(f, json!("abc")));
    assert!(is_rejected(f, json!("NaN")));
}

#[test]
fn integer_coercion_requires_whole_numbers() {
    let f = field(FieldKind::Integer);
    assert_eq!(accepted(f, json!("5.0")), Some(json!(5)));
    assert_eq!(accepted(f, json!(5.0)), Some(json!(5.0)));
    assert!(is_rejected(f, json!(5.5)));
    assert!(is_rejected(f, json!("5.5")));
}

#[test]
fn boolean_coercion_is_narrow() {
    let f = field(FieldKind::Boolean);
    assert_eq!(accepted(f, json!("true")), Some(json!(true)));
    assert_eq!(accepted(f, json!("false")), Some(json!(false)));
    assert_eq!(accepted(f, json!(1)), Some(json!(true)));
    assert_eq!(accepted(f, json!(0)), Some(json!(false)));
    for value in [json!("TRUE"), json!("1"), json!(2), json!("yes")] {
        assert!(is_rejected(f, value));
    }
}

#[test]
fn datetime_coercion() {
    let f = field(FieldKind::Datetime);
    for value in [
        "2024-01-02",
        "12/25/2024",
        "Tue, 02 Jan 2024 10:00:00 GMT",
        "2024-13-45",
        "1700000000",
    ] {
        assert_eq!(accepted(f, json!(value)), Some(json!(value)));
    }
    assert!(is_rejected(f, json!(true)));
    // A multiple datetime field's items are never checked as dates.
    let list = f.multiple();
    assert_eq!(accepted(list, json!("tomorrow")), Some(json!(["tomorrow"])));
}

#[test]
fn multiple_wraps_scalars_and_coerces_items() {
    let f = field(FieldKind::Number).multiple();
    assert_eq!(accepted(f, json!("5")), Some(json!([5])));
    assert_eq!(
        accepted(f, json!(["1", 2, null, "", true])),
        Some(json!([1, 2, 1]))
    );
    assert_eq!(accepted(f, json!([[3]])), Some(json!([3])));
}

#[test]
fn object_fields_are_not_coerced() {
    let f = field(FieldKind::Object);
    assert!(is_rejected(f, json!("{}")));
    assert!(is_rejected(f, json!([{}])));
}

#[test]
fn union_types_do_not_unwrap_matching_single_item_arrays() {
    // Ajv compares the unwrapped item with all types at once, so only conversions apply.
    assert!(is_rejected(
        field(FieldKind::Number).allow_null(),
        json!([3])
    ));
    assert_eq!(
        accepted(field(FieldKind::String).allow_null(), json!([""])),
        Some(json!(null))
    );
    assert_eq!(
        accepted(field(FieldKind::Datetime), json!([0])),
        Some(json!("0"))
    );
    assert_eq!(
        accepted(field(FieldKind::Object).allow_null(), json!(0)),
        Some(json!(null))
    );
}

// Checklist 19–20

#[test]
fn defaults_are_never_applied_at_run_time() {
    let f = field(FieldKind::String).default(DefaultMapping::Text("x"));
    assert_eq!(validate(&[f], json!({})).ok(), Some(json!({})));
}

#[test]
fn pruning_precedes_validation() {
    let f = field(FieldKind::Number).required();
    // `""` would fail as a number; pruned first, it is simply missing.
    assert_eq!(rejected(f, json!("")), [Problem::Missing]);
}

#[test]
fn zero_limits_are_ignored() {
    let s = field(FieldKind::String).minimum(0.0).maximum(0.0);
    assert_eq!(accepted(s, json!("abc")), Some(json!("abc")));
    let n = field(FieldKind::Number).minimum(0.0).maximum(0.0);
    assert_eq!(accepted(n, json!(-4)), Some(json!(-4)));
}

// Errors

#[test]
fn all_errors_are_collected_with_paths() {
    const PRODUCT: &[Field] = &[Field::new("price", "Price", FieldKind::Number)];
    const FIELDS: &[Field] = &[
        Field::new("event_type", "Event Type", FieldKind::String).required(),
        Field::new("products", "Products", FieldKind::Object)
            .multiple()
            .properties(PRODUCT),
    ];
    let errors = validate(
        FIELDS,
        json!({"products": [{"price": 1}, {"price": "abc"}]}),
    )
    .err()
    .unwrap_or_default();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "The field event_type is required but missing.",
            "The field products[1].price must be a number but it was a string.",
        ]
    );
}

#[test]
fn a_payload_that_is_not_an_object_is_rejected() {
    let errors = validate(&[], json!([1])).err().unwrap_or_default();
    assert_eq!(
        errors.first().map(ToString::to_string).as_deref(),
        Some("The payload must be an object but it was an array.")
    );
}

#[test]
fn type_errors_name_every_allowed_type() {
    let errors = validate(&[field(FieldKind::Datetime).allow_null()], json!({"f": {}}))
        .err()
        .unwrap_or_default();
    assert_eq!(
        errors.first().map(ToString::to_string).as_deref(),
        Some("The field f must be a string, number, or null but it was an object.")
    );
}
