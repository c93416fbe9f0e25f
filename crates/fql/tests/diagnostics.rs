//! Error positions and messages, and the warnings that flag where Segment reads a trigger
//! differently.

use ampline_fql::{ParseError, Trigger, Warning};

fn error(trigger: &str) -> ParseError {
    match Trigger::parse(trigger) {
        Ok(_) => panic!("{trigger:?} should be invalid"),
        Err(e) => e,
    }
}

fn warnings(trigger: &str) -> Vec<Warning> {
    match Trigger::parse(trigger) {
        Ok(parsed) => parsed.warnings().to_vec(),
        Err(e) => panic!("{trigger:?} should parse: {e}"),
    }
}

/// Positions of the warnings, each checked to mention `topic`.
fn warned_at(trigger: &str, topic: &str) -> Vec<usize> {
    let found = warnings(trigger);
    for warning in &found {
        assert!(
            warning.message.contains(topic),
            "{trigger:?}: {:?} should mention {topic:?}",
            warning.message
        );
    }
    found.iter().map(|w| w.position).collect()
}

#[test]
fn errors_name_the_char_offset_and_what_was_expected() {
    let cases: &[(&str, usize, &str)] = &[
        (r#"type = "x" #"#, 11, "found `#`"),
        (r#"event = "é" #"#, 12, "found `#`"),
        ("type = \"x\" and\r", 14, "found carriage return"),
        (r#"userId!="x""#, 6, "after `!=`, found `\"`"),
        (r#"properties.x>5"#, 12, "after a word, found `>`"),
        (r#"(type = "x""#, 11, "expected `)`, found end of input"),
        ("type", 4, "expected an operator and a value after `type`"),
        (
            "properties.x",
            12,
            "expected an operator and a value after `properties.x`",
        ),
        ("(type)", 5, "expected an operator and a value after `type`"),
        (
            r#"type = "abc"#,
            7,
            "expected a closing \", found end of input",
        ),
        ("x = 1.2.3", 7, "second `.`"),
        (
            "x = 1.",
            5,
            "expected a digit after the decimal point, found end of input",
        ),
        (
            "contains",
            0,
            "expected a field as the 1st argument of contains()",
        ),
        (
            "contains(",
            0,
            "expected a value as the 2nd argument of contains()",
        ),
        (
            "match(event",
            0,
            "expected a value as the 2nd argument of match()",
        ),
        ("", 0, "expected a condition, found end of input"),
        (
            r#"anonymousId = "x""#,
            17,
            "expected a condition, found end of input",
        ),
        ("()", 0, "found only empty groups"),
        (
            r#"type = "a" and (match(event, "x*")"#,
            34,
            "expected `)`, found end of input (Segment ends the group at the `)` of the call at \
             position 16)",
        ),
        (
            "! contains(event, \"x\")",
            0,
            "expected `=`, a letter or `(` after `!`",
        ),
    ];
    for &(trigger, position, message) in cases {
        let e = error(trigger);
        assert_eq!(e.position, position, "{trigger:?}: {e}");
        assert!(e.message.contains(message), "{trigger:?}: {e}");
        assert!(e.message.starts_with("expected"), "{trigger:?}: {e}");
    }
}

#[test]
fn nesting_is_limited_so_deep_input_cannot_exhaust_the_stack() {
    let nested = |depth: usize| format!("{}type = \"a\"{}", "(".repeat(depth), ")".repeat(depth));
    assert!(Trigger::parse(&nested(32)).is_ok());
    let e = error(&nested(33));
    assert_eq!(e.position, 32, "{e}");
    assert!(e.message.contains("at most 32 levels"), "{e}");
    let e = error(&"!(".repeat(100_000));
    assert_eq!(e.position, 65, "{e}");
}

#[test]
fn unambiguous_triggers_have_no_warnings() {
    for trigger in [
        r#"type = "track" and event != "Order Completed""#,
        r#"type = "track" or type = "page" or type = "screen""#,
        r#"type = "identify" and (traits.email != null or userId != null)"#,
        r#"(event = "a" or event = "b") and properties.total > 100"#,
        r#"!contains(event, "Test") and match(properties.sku, "SKU-*")"#,
        r#"contains(event, "x") or (type = "a" and type = "b")"#,
        r#"type = "track" and"#,
    ] {
        assert_eq!(warnings(trigger), [], "{trigger:?}");
    }
}

#[test]
fn mixing_and_with_or_warns_at_the_first_different_connective() {
    assert_eq!(
        warned_at(r#"type = "a" and event = "b" or name = "c""#, "mixed"),
        [27]
    );
    assert_eq!(
        warned_at(r#"type = "a" or event = "b" and name = "c" or x"#, "mixed"),
        [26]
    );
    // Each level is judged on its own.
    assert_eq!(
        warned_at(r#"type = "a" and (event = "b" or name = "c")"#, "mixed"),
        Vec::<usize>::new()
    );
    let message = &warnings(r#"type = "a" and event = "b" or name = "c""#)[0].message;
    assert!(message.contains("last connective (`or`)"), "{message}");
}

#[test]
fn negating_a_group_or_condition_warns() {
    assert_eq!(warned_at(r#"!(type = "a")"#, "`!` before a group"), [0]);
    assert_eq!(
        warned_at(r#"type = "b" and !type = "a""#, "`!` before a condition"),
        [15]
    );
    assert_eq!(warnings(r#"!contains(event, "a")"#), []);
}

#[test]
fn function_calls_inside_parentheses_warn() {
    assert_eq!(
        warned_at(
            r#"type = "a" and (contains(event, "x") or name = "n")"#,
            "inside parentheses"
        ),
        [16]
    );
    assert_eq!(
        warned_at(
            r#"(type = "a" and !match(event, "x*"))"#,
            "inside parentheses"
        ),
        [17]
    );
}

#[test]
fn parentheses_inside_parentheses_warn() {
    assert_eq!(
        warned_at(r#"((type = "a"))"#, "Segment accepts only one level"),
        [1]
    );
    assert_eq!(
        warned_at(
            r#"type = "a" and (event = "b" or (name = "c"))"#,
            "only one level"
        ),
        [31]
    );
}

#[test]
fn dropped_heads_warn() {
    assert_eq!(
        warned_at(
            r#"anonymousId = "x" and type = "a""#,
            "`anonymousId` is not a field"
        ),
        [0]
    );
    assert_eq!(
        warned_at(r#"type = "a" and Type != "b""#, "`Type` is not a field"),
        [15]
    );
    assert_eq!(
        warned_at(r#"type = "a" or Properties.x exists 1"#, "is not a field"),
        [14]
    );
    assert_eq!(
        warned_at(
            r#"constructor = "x" and type = "a""#,
            "`constructor` is not a field"
        ),
        [0]
    );
}

#[test]
fn a_trigger_can_carry_several_warnings_in_source_order() {
    let found = warnings(r#"!(a = 1 and type = "x") or anonymousId = "y" and event = "e""#);
    let positions: Vec<usize> = found.iter().map(|w| w.position).collect();
    assert_eq!(positions, [0, 2, 27, 45], "{found:?}");
}
