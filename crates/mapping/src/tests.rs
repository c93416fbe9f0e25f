//! Behaviour by checklist item, validation and runtime errors with their pointers, and the depth
//! bound. Every expected output here was first checked against the reference `transform`; the
//! broader differential cases live in `tests/reference`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use serde_json::json;

fn run(mapping: Value, event: Value) -> Option<Value> {
    Mapping::compile(&mapping)
        .expect("valid mapping")
        .apply(&event)
        .expect("applies")
}

fn runtime_error(mapping: Value, event: Value) -> MappingError {
    Mapping::compile(&mapping)
        .expect("valid mapping")
        .apply(&event)
        .expect_err("fails at run time")
}

fn validation_errors(mapping: Value) -> Vec<String> {
    Mapping::compile(&mapping)
        .expect_err("invalid mapping")
        .errors
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn item_11_lookups_stop_at_falsy_values() {
    let event = json!({"z": 0, "n": null, "f": false, "e": "", "one": 1});
    let out = run(
        json!({
            "z": {"@path": "$.z.x"}, "n": {"@path": "$.n.x"}, "f": {"@path": "$.f.x"},
            "e": {"@path": "$.e.x"}, "one": {"@path": "$.one.x"}
        }),
        event,
    );
    assert_eq!(out, Some(json!({"z": 0, "n": null, "f": false, "e": ""})));
}

#[test]
fn item_11_array_items_are_not_validated() {
    // The same directive outside an array is rejected statically.
    assert_eq!(
        validation_errors(json!({"a": {"@path": 5}})),
        ["/a/@path should be a string or a mapping directive but it is a number."]
    );
    let error = runtime_error(json!({"a": [{"@path": 5}]}), json!({}));
    assert_eq!(error.pointer, "/a/0/@path");
    assert_eq!(error.message, "@path: expected string, got number");
    assert_eq!(
        run(json!({"a": [{"@path": "$.x", "x": 1}]}), json!({"x": 9})),
        Some(json!({"a": [{"@path": "$.x", "x": 1}]}))
    );
}

#[test]
fn item_12_missing_keys_go_and_holes_stay() {
    let out = run(
        json!({"a": {"b": {"@path": "$.m"}}, "c": [{"@path": "$.m"}], "e": null}),
        json!({}),
    );
    assert_eq!(out, Some(json!({"a": {}, "c": [null], "e": null})));
    assert_eq!(run(json!({"@path": "$.m"}), json!({})), None);
}

#[test]
fn item_12_only_the_first_root_marker_is_stripped() {
    let event = json!({"a": {"b": 1}, "$": {"b": 2}});
    assert_eq!(
        run(
            json!({"x": {"@path": "a.$.b"}, "y": {"@path": "$.$.b"}}),
            event
        ),
        Some(json!({"x": 1, "y": 2}))
    );
}

#[test]
fn item_13_triple_braces_first_and_missing_renders_empty() {
    let event = json!({"x": "{{y}}", "y": "why", "n": null});
    assert_eq!(
        run(
            json!({"t": {"@template": "{{{x}}}|{{n}}|{{missing}}|{{$.y}}"}}),
            event
        ),
        Some(json!({"t": "why|||"}))
    );
}

#[test]
fn item_14_literal_and_if() {
    assert_eq!(
        run(
            json!({"a": {"@literal": {"@path": "$.v"}}}),
            json!({"v": 3})
        ),
        Some(json!({"a": 3}))
    );
    let mapping = json!({
        "exists_wins": {"@if": {"exists": {"@path": "$.none"}, "blank": "x", "then": 1, "else": 2}},
        "blank_loose": {"@if": {"blank": {"@path": "$.list"}, "then": "content", "else": "none"}},
        "falsy_else": {"@if": {"exists": {"@path": "$.none"}, "then": 1, "else": ""}},
        "empty_then": {"@if": {"exists": "x", "then": ""}}
    });
    assert_eq!(
        run(mapping, json!({"list": [null]})),
        Some(json!({"exists_wins": 2, "blank_loose": "none", "empty_then": ""}))
    );
}

#[test]
fn item_15_case_and_replace() {
    let mapping = json!({
        "upper": {"@case": {"operator": "upper", "value": {"@path": "$.s"}}},
        "number": {"@case": {"operator": "upper", "value": {"@path": "$.n"}}},
        "literal": {"@replace": {"pattern": ".", "replacement": "[$&]", "value": "a.b"}},
        "negative": {"@replace": {"pattern": "-", "replacement": "_", "value": {"@path": "$.neg"}}},
        "object": {"@replace": {"pattern": "a", "value": {"@path": "$.o"}}}
    });
    let event = json!({"s": "straße", "n": 5, "neg": -5, "o": {"a": 1}});
    assert_eq!(
        run(mapping, event),
        Some(
            json!({"upper": "STRASSE", "number": 5, "literal": "a[.]b", "negative": "_5", "object": ""})
        )
    );
}

#[test]
fn item_16_array_path_and_json_mode() {
    let shape = json!({"id": {"@path": "$.sku"}, "user": {"@path": "$.userId"}});
    let event = json!({"userId": "u", "one": {"sku": "S"}, "many": [{"sku": "A"}, null]});
    assert_eq!(
        run(
            json!({"one": {"@arrayPath": ["$.one", shape]}, "many": {"@arrayPath": ["$.many", shape]}}),
            event
        ),
        Some(json!({"one": [{"id": "S"}], "many": [{"id": "A"}, {"id": null, "user": null}]}))
    );
    assert_eq!(
        run(
            json!({"a": {"@json": {"mode": "ENCODE", "value": "x"}}, "b": {"@json": {"mode": "encode", "value": {"k": [1.0]}}}}),
            json!({})
        ),
        Some(json!({"b": "{\"k\":[1]}"}))
    );
}

#[test]
fn item_17_flatten_and_merge() {
    assert_eq!(
        run(
            json!({"f": {"@flatten": {"value": 5, "separator": "."}}}),
            json!({})
        ),
        Some(json!({"f": {"": 5}}))
    );
    let mapping = json!({
        "right": {"@merge": {"objects": [{"k": 1, "o": {"x": 1}}, {"k": 2, "o": {"y": 2}}], "direction": "right"}},
        "left": {"@merge": {"objects": [{"k": 1}, {"k": 2}], "direction": "left"}},
        "upper": {"@merge": {"objects": [{"k": 1}, {"k": 2}], "direction": "LEFT"}},
        "erased": {"@merge": {"objects": [{"k": "v"}, {"k": {"@path": "$.none"}}], "direction": "right"}}
    });
    assert_eq!(
        run(mapping, json!({})),
        Some(
            json!({"right": {"k": 2, "o": {"y": 2}}, "left": {"k": 1}, "upper": {"k": 2}, "erased": {}})
        )
    );
}

#[test]
fn item_18_transform_and_exclude_when_null() {
    let mapping = json!({
        "t": {"@transform": {
            "apply": {"name": {"@path": "$.properties.name"}},
            "mapping": {"n": {"@path": "$.name"}, "hidden": {"@path": "$.userId"}}
        }},
        "x": {"@excludeWhenNull": {"@path": "$.o"}}
    });
    let event = json!({"userId": "u", "properties": {"name": "N"}, "o": {"a": null, "b": [null], "c": {"d": null}}});
    assert_eq!(
        run(mapping, event),
        Some(json!({"t": {"n": "N"}, "x": {"b": [null], "c": {}}}))
    );
}

#[test]
fn metadata_is_ignored_and_reserved_key_wraps_the_rest() {
    let mapping = json!({
        "__segment_internal_directive": {"@transform": {"apply": {"uid": {"@path": "$.userId"}}}},
        "out": {"@path": "$.uid", "_metadata": {"label": "x"}}
    });
    assert_eq!(
        run(mapping, json!({"userId": "u"})),
        Some(json!({"out": "u"}))
    );
    assert_eq!(
        validation_errors(json!({"__segment_internal_directive": {"@path": "x"}})),
        ["/ The root directive must be an object"]
    );
}

#[test]
fn validation_reports_every_error_with_its_pointer() {
    let errors = validation_errors(json!({
        "a": {"@case": {"operator": "lower", "value": 5}},
        "b": {"@foo": 1},
        "c": {"@path": "$.x", "y": 1},
        "d": {"@replace": {"pattern": "", "value": "x", "global": "yes"}},
        "e": {"@merge": {"objects": [{"ok": 1}, "x"], "direction": "right"}},
        "f": {"@if": {"exists": "x", "blank": {"@path": 5}}}
    }));
    assert_eq!(
        errors,
        [
            "/a/@case/value should be a string or a mapping directive but it is a number.",
            "/b has an invalid directive: @foo.",
            "/c should only have one @-prefixed key but it has 2 keys.",
            "/d/@replace/pattern should be a string of length 1 or greater.",
            "/d/@replace/global should be a boolean but it is a string.",
            "/e/@merge/objects/1 should be a object or a mapping directive but it is a string.",
            "/f/@if/blank/@path should be a string or a mapping directive but it is a number.",
        ]
    );
}

#[test]
fn runtime_errors_name_the_directive() {
    let error = runtime_error(
        json!({"a": {"b": {"@path": {"@path": "$.n"}}}}),
        json!({"n": 5}),
    );
    assert_eq!(error.pointer, "/a/b/@path");
    assert_eq!(error.message, "@path: expected string, got number");

    let error = runtime_error(json!({"a": [{"@nope": 1}]}), json!({}));
    assert_eq!(error.pointer, "/a/0");
    assert_eq!(
        error.message,
        "@nope is not a valid directive, got undefined"
    );

    let error = runtime_error(json!({"a": {"@case": {"value": "x"}}}), json!({}));
    assert_eq!(error.pointer, "/a/@case");

    let error = Mapping::compile(&json!({}))
        .unwrap()
        .apply(&json!([1]))
        .unwrap_err();
    assert_eq!(error.message, "data must be an object, got array");
}

#[test]
fn failing_directives_in_untaken_branches_are_harmless() {
    let mapping =
        json!({"a": {"@if": {"exists": "x", "then": 1, "else": {"@case": {"value": "x"}}}}});
    assert_eq!(run(mapping, json!({})), Some(json!({"a": 1})));
}

#[test]
fn transform_validates_its_apply_mapping_when_it_runs() {
    let mapping =
        json!({"a": [{"@transform": {"apply": {"x": {"@path": 5}}, "mapping": {"y": 1}}}]});
    let error = runtime_error(mapping, json!({}));
    assert_eq!(error.pointer, "/a/0/@transform");
    assert!(error
        .message
        .contains("/a/0/@transform/apply/x/@path should be a string"));
}

#[test]
fn liquid_length_and_empty_template() {
    assert_eq!(
        run(json!({"a": {"@liquid": ""}}), json!({})),
        Some(json!({"a": ""}))
    );
    let long = "x".repeat(1001);
    let error = runtime_error(json!({"a": {"@liquid": long}}), json!({}));
    assert_eq!(
        error.message,
        "liquid template values are limited to 1000 characters"
    );
    // The limit counts UTF-16 units: 501 emoji are 1002 units.
    let emoji = "😀".repeat(501);
    assert!(runtime_error(json!({"a": {"@liquid": emoji}}), json!({}))
        .message
        .contains("limited to 1000"));
    assert_eq!(
        validation_errors(json!({"a": {"@liquid": 5}})),
        ["/a/@liquid should be a string but it is a number."]
    );
}

/// `{"k": {"k": … leaf}}`, built by moving values (the `json!` macro would copy `inner` by
/// serializing it, recursively).
fn nested(depth: usize, leaf: Value) -> Value {
    (0..depth).fold(leaf, |inner, _| {
        let mut object = Map::new();
        object.insert("k".to_string(), inner);
        Value::Object(object)
    })
}

#[test]
fn nesting_is_bounded() {
    assert!(Mapping::compile(&nested(MAX_DEPTH, json!(1))).is_ok());
    let deepest = Mapping::compile(&nested(MAX_DEPTH - 1, json!({"@path": "$.k"}))).unwrap();
    assert_eq!(
        deepest.apply(&json!({"k": 7})).unwrap(),
        Some(nested(MAX_DEPTH - 1, json!(7)))
    );
    let too_deep = Mapping::compile(&nested(MAX_DEPTH + 1, json!(1))).unwrap_err();
    assert!(too_deep.errors[0].message.contains("nested deeper than 64"));

    // A chain of transforms is nesting too.
    let chain = (0..200).fold(
        json!({"@path": "$.v"}),
        |inner, _| json!({"@transform": {"apply": {"v": inner}, "mapping": {"@path": "$.v"}}}),
    );
    assert!(Mapping::compile(&chain).is_err());

    // Far deeper than the limit: rejected without recursing that deep. Dropping the value
    // itself recurses, so it is leaked rather than dropped.
    let very_deep = nested(100_000, json!(1));
    assert!(Mapping::compile(&very_deep).is_err());
    std::mem::forget(very_deep);
}

#[test]
fn deep_events_are_walked_without_recursion() {
    let mapping =
        Mapping::compile(&json!({"a": {"@path": "$.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k"}}))
            .unwrap();
    let event = nested(40, json!(1));
    assert_eq!(
        mapping.apply(&event).unwrap(),
        Some(json!({"a": nested(21, json!(1))}))
    );
}

#[test]
fn built_objects_put_integer_keys_first() {
    let out = run(
        json!({"b": 1, "2": 2, "a": {"@path": "$.x"}, "1": 1}),
        json!({"x": 0}),
    );
    let mut text = String::new();
    ampline_js::write_json(&mut text, &out.unwrap());
    assert_eq!(text, r#"{"1":1,"2":2,"b":1,"a":0}"#);
}

/// Paths sharing prefixes resolve each prefix once per run (`path::Memo`); the results must be
/// those of walking every path on its own, whatever the prefix holds and whatever the root.
#[test]
fn paths_sharing_prefixes_resolve_as_if_walked_alone() {
    let event = json!({
        "context": {"device": {"id": "d1", "type": ""}, "name": "abc", "zero": 0, "none": null, "count": 7, "yes": true},
        "items": [{"context": {"device": {"id": "item"}}}],
    });
    let mapping = json!({
        "id": {"@path": "$.context.device.id"},
        "id_again": {"@path": "$.context.device.id"},
        "type": {"@path": "$.context.device.type"},
        "below_falsy": {"@path": "$.context.device.type.x"},
        "below_zero": {"@path": "$.context.zero.x.y"},
        "missing": {"@path": "$.context.nothing.x"},
        "missing_again": {"@path": "$.context.nothing.x"},
        "missing_deeper": {"@path": "$.context.nothing.x.y"},
        "below_null": {"@path": "$.context.none.x.y"},
        "below_number": {"@path": "$.context.count.x"},
        "below_true": {"@path": "$.context.yes.x"},
        "indexed": {"@path": "$.items.0.context.device.id"},
        "indexed_length": {"@path": "$.items.length"},
        "length": {"@path": "$.context.name.length"},
        "char": {"@path": "$.context.name.1"},
        "whole": {"@path": "$.context.device"},
        "from_items": {"@arrayPath": ["$.items", {"id": {"@path": "$.context.device.id"}}]},
        "from_root_again": {"@arrayPath": ["$.", {"id": {"@path": "$.context.device.id"}}]},
        "templated": {"@template": "{{context.device.id}}"},
    });
    assert_eq!(
        run(mapping, event),
        Some(json!({
            "id": "d1", "id_again": "d1", "type": "", "below_falsy": "", "below_zero": 0,
            "below_null": null, "indexed": "item", "indexed_length": 1,
            "length": 3, "char": "b", "whole": {"id": "d1", "type": ""},
            "from_items": [{"id": "item"}], "from_root_again": [{"id": "d1"}], "templated": "d1",
        }))
    );
}

/// A mapping of members gives, member by member, exactly the entries its output has, with each
/// member's position among its keys; a mapping whose root is a directive has no members.
#[test]
fn members_are_the_entries_of_the_output_with_their_positions() {
    let mapping = json!({
        "id": {"@path": "$.userId"},
        "gone": {"@path": "$.missing"},
        "fixed": "text",
        "nested": {"a": {"@path": "$.context.ip"}},
        "either": {"@if": {"exists": {"@path": "$.nope"}, "then": 1, "else": {"@path": "$.event"}}}
    });
    let event = json!({"userId": "u1", "event": "Signed Up", "context": {"ip": "203.0.113.9"}});
    let compiled = Mapping::compile(&mapping).unwrap();
    assert_eq!(
        compiled.member_keys(),
        Some(vec!["id", "gone", "fixed", "nested", "either"])
    );
    let mut members = Vec::new();
    let has_members = compiled
        .apply_members(&event, |position, key, value| {
            members.push((position, key, value.into_value()));
        })
        .unwrap();
    assert!(has_members);
    assert_eq!(
        members,
        [
            (0, "id", json!("u1")),
            (2, "fixed", json!("text")),
            (3, "nested", json!({"a": "203.0.113.9"})),
            (4, "either", json!("Signed Up")),
        ]
    );
    let whole = compiled.apply(&event).unwrap().unwrap();
    let entries: Vec<(String, Value)> = members
        .into_iter()
        .map(|(_, key, value)| (key.to_owned(), value))
        .collect();
    assert_eq!(whole, Value::Object(entries.into_iter().collect()));

    let directive = Mapping::compile(&json!({"@path": "$.context"})).unwrap();
    assert_eq!(directive.member_keys(), None);
    assert!(!directive.apply_members(&event, |_, _, _| {}).unwrap());
    assert!(compiled.apply_members(&json!([1]), |_, _, _| {}).is_err());
}
