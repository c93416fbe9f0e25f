//! Compiling any JSON as a mapping, and applying any compiled mapping to any event, returns a
//! result rather than panicking.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ampline_mapping::Mapping;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Keys a mapping is made of, so that generated objects are often directives with options.
const KEYS: &[&str] = &[
    "@path",
    "@template",
    "@literal",
    "@if",
    "@case",
    "@replace",
    "@arrayPath",
    "@json",
    "@flatten",
    "@merge",
    "@transform",
    "@excludeWhenNull",
    "@liquid",
    "@nope",
    "_metadata",
    "__segment_internal_directive",
    "exists",
    "blank",
    "then",
    "else",
    "operator",
    "value",
    "pattern",
    "replacement",
    "pattern2",
    "replacement2",
    "global",
    "ignorecase",
    "mode",
    "separator",
    "omitArrays",
    "objects",
    "direction",
    "apply",
    "mapping",
    "a",
    "b",
    "0",
    "1",
    "",
];

const STRINGS: &[&str] = &[
    "",
    "$.",
    "$.a",
    "$.a.b",
    "$.b[0]",
    "a.$.b",
    "$.a[\"b\"]",
    "{{a}}",
    "{{{a}}}",
    "{{ }}",
    "{{a.length}}",
    "lower",
    "upper",
    "encode",
    "decode",
    "left",
    "right",
    ".",
    "$&$`$'",
    "a",
    "😀",
    "straße",
    " 7 ",
    "{\"a\":[1]}",
    "{{ a | upcase }}",
    "0",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-z@_$.\\[\\]0-9]{0,6}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(|s| Value::String(s.to_string())),
        "\\PC{0,8}".prop_map(Value::String),
    ]
}

fn json(depth: u32) -> impl Strategy<Value = Value> {
    leaf().prop_recursive(depth, 64, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn object(depth: u32) -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json(depth)), 0..6)
        .prop_map(|entries| Value::Object(entries.into_iter().collect()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn compiling_and_applying_never_panics(mapping in json(6), event in object(4)) {
        if let Ok(compiled) = Mapping::compile(&mapping) {
            let _ = compiled.apply(&event);
            let _ = compiled.apply(&Value::Array(vec![event]));
        }
    }

    /// Mappings whose directives sit inside arrays skip validation, so every runtime check is
    /// reached.
    #[test]
    fn unvalidated_directives_never_panic(items in prop::collection::vec(json(6), 1..4), event in object(4)) {
        let mapping = serde_json::json!({"items": items});
        let compiled = Mapping::compile(&mapping).expect("arrays are not validated");
        let _ = compiled.apply(&event);
    }
}
