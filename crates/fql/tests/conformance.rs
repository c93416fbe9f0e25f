//! Part A of `docs/mapping-and-triggers.md`, case by case. Every case here was checked against
//! the reference (`parseFql` + `validate` from `@segment/destination-subscriptions` 3.37.0),
//! except those in `ampline_reads_*` tests, which pin the deliberate precedence change.
//!
//! A case is `(trigger, event, matches)`; `INVALID` lists triggers that must not parse.

use ampline_fql::Trigger;
use serde_json::Value;

fn check(cases: &[(&str, &str, bool)]) {
    for &(trigger, event, expected) in cases {
        let event: Value = match serde_json::from_str(event) {
            Ok(event) => event,
            Err(e) => panic!("bad event {event}: {e}"),
        };
        match Trigger::parse(trigger) {
            Ok(parsed) => assert_eq!(
                parsed.matches(&event),
                expected,
                "trigger {trigger:?} on {event}"
            ),
            Err(e) => panic!("trigger {trigger:?} should parse: {e}"),
        }
    }
}

fn check_invalid(triggers: &[&str]) {
    for trigger in triggers {
        assert!(
            Trigger::parse(trigger).is_err(),
            "trigger {trigger:?} should be invalid"
        );
    }
}

// Checklist 1: an invalid trigger matches nothing; CR, `#`, backtick and `*` outside strings.
#[test]
fn checklist_1_invalid_characters_outside_strings() {
    check_invalid(&[
        "type = \"track\"\r",
        "type = \"track\" \r",
        r#"type = "track" # comment"#,
        r#"type = `track`"#,
        r#"type = *"#,
        "",
        "   ",
    ]);
    check(&[
        (r#"event = "a#b*`c""#, r#"{"event":"a#b*`c"}"#, true),
        ("event = \"a\rb\"", r#"{"event":"a\rb"}"#, true),
    ]);
}

// Checklist 2: `!=`, `<=`, `>=` need a terminator; words need a terminator or `. ( = !`.
#[test]
fn checklist_2_operators_and_words_need_terminators() {
    check_invalid(&[
        r#"userId!="x""#,
        r#"type !="x""#,
        r#"properties.x>5"#,
        r#"properties.x<=5"#,
        r#"type"track""#,
        r#"type[0] = "x""#,
        r#"properties.a[0] = 1"#,
        "! contains(event, \"x\")",
        "type = \"track\" !",
    ]);
    check(&[
        (r#"type="track""#, r#"{"type":"track"}"#, true),
        (r#"properties.x >=5"#, r#"{"properties":{"x":6}}"#, false),
        (r#"properties.x >= 5"#, r#"{"properties":{"x":6}}"#, true),
        (r#"properties.x <= 5"#, r#"{"properties":{"x":5}}"#, true),
        (r#"properties.x < 5"#, r#"{"properties":{"x":5}}"#, false),
        (r#"properties.x <5"#, r#"{"properties":{"x":4}}"#, true),
        (r#"userId != "x""#, r#"{"userId":"y"}"#, true),
    ]);
}

// Checklist 3: `and`, `or`, `null` are keywords only in lower case and before a terminator.
#[test]
fn checklist_3_keywords_are_lower_case_and_terminated() {
    check(&[
        (
            r#"type = "track" OR event = "x""#,
            r#"{"type":"track","event":"y"}"#,
            false,
        ),
        (
            r#"type = "track" AND event = "x""#,
            r#"{"type":"track","event":"x"}"#,
            true,
        ),
        (
            r#"type = "track" or(event = "x")"#,
            r#"{"type":"track"}"#,
            false,
        ),
        (r#"userId = NULL"#, r#"{"userId":"NULL"}"#, true),
        (r#"userId = NULL"#, r#"{}"#, false),
        (r#"userId = null"#, r#"{}"#, true),
        (r#"userId = Null"#, r#"{"userId":"Null"}"#, true),
    ]);
}

// A.1 end-of-input truncation: a last word that is a prefix of `and`, `or`, `null` is cut.
#[test]
fn a1_end_of_input_truncates_short_words() {
    check(&[
        (r#"userId = nu"#, r#"{"userId":"n"}"#, true),
        (r#"userId = nu"#, r#"{"userId":"nu"}"#, false),
        (r#"userId = nul"#, r#"{"userId":"n"}"#, true),
        (r#"userId = an"#, r#"{"userId":"a"}"#, true),
        (r#"userId = nu "#, r#"{"userId":"nu"}"#, true),
        (r#"userId = nulls"#, r#"{"userId":"nulls"}"#, true),
        (r#"userId = o"#, r#"{"userId":"o"}"#, true),
    ]);
}

// Checklist 4: no escapes in strings, single quotes stay, quote sharing.
#[test]
fn checklist_4_strings_and_quote_sharing() {
    check(&[
        (r#"type = 'track'"#, r#"{"type":"track"}"#, false),
        (r#"type = 'track'"#, r#"{"type":"'track'"}"#, true),
        (
            r#"event="A"and type="B""#,
            r#"{"event":"A","type":"C"}"#,
            true,
        ),
        (
            r#"event="A"and type="B""#,
            r#"{"event":"B","type":"B"}"#,
            false,
        ),
        (r#"event = "a\"b""#, r#"{"event":"a\\"}"#, true),
        (r#"event = "it's""#, r#"{"event":"it's"}"#, true),
        (r#"event = 'say "hi"'"#, r#"{"event":"'say \"hi\"'"}"#, true),
        (r#"event = """#, r#"{"event":""}"#, true),
    ]);
    // A CRLF after a string is swallowed by the next string, which is then unterminated.
    check_invalid(&["type = \"track\"\r\n"]);
    check_invalid(&[r#"type = "track"#, r#"type = 'track"#]);
}

// A.1 numbers: digits and one point, no exponent, a lone `-` is NaN.
#[test]
fn a1_numbers() {
    check(&[
        (
            r#"properties.x = 1.50"#,
            r#"{"properties":{"x":1.5}}"#,
            true,
        ),
        (r#"event = 1.50"#, r#"{"event":"1.5"}"#, true),
        (r#"properties.x = 5"#, r#"{"properties":{"x":5.0}}"#, true),
        (r#"properties.x = +5"#, r#"{"properties":{"x":5}}"#, true),
        (
            r#"properties.x = -.5"#,
            r#"{"properties":{"x":-0.5}}"#,
            true,
        ),
        (
            r#"properties.x = 1e3"#,
            r#"{"properties":{"x":1000}}"#,
            false,
        ),
        (r#"properties.x = 1e3"#, r#"{"properties":{"x":1}}"#, true),
        (r#"properties.x != -"#, r#"{"properties":{"x":1}}"#, true),
        (r#"properties.x = -"#, r#"{"properties":{"x":1}}"#, false),
        (r#"event = -"#, r#"{"event":"NaN"}"#, true),
        (r#"properties.x < 007"#, r#"{"properties":{"x":6}}"#, true),
    ]);
    check_invalid(&[
        "properties.x = 1.",
        "properties.x = 1.2.3",
        "properties.x = 1..2",
    ]);
}

// A.1 escapes and dotted words.
#[test]
fn a1_escapes_and_dotted_words() {
    check(&[
        (
            r#"properties.my\ key = 1"#,
            r#"{"properties":{"my key":1}}"#,
            true,
        ),
        (
            r#"properties.a\.b = 1"#,
            r#"{"properties":{"a.b":1}}"#,
            false,
        ),
        (
            r#"properties.a\.b = 1"#,
            r#"{"properties":{"a":{"b":1}}}"#,
            true,
        ),
        (
            r#"properties.items.0 = "x""#,
            r#"{"properties":{"items":["x"]}}"#,
            false,
        ),
        (
            r#"properties.items = "x""#,
            r#"{"properties":{"items":["x"]}}"#,
            false,
        ),
        (
            r#"properties.a\[0\] = 1"#,
            r#"{"properties":{"a":[1]}}"#,
            true,
        ),
    ]);
    check_invalid(&["properties.a = \\"]);
}

// Checklist 5 / A.2: only the known heads form conditions; others vanish.
#[test]
fn checklist_5_unknown_heads_vanish() {
    check_invalid(&[
        r#"anonymousId = "x""#,
        r#"Type = "track""#,
        r#"TYPE = "track" and Event = "x""#,
    ]);
    check(&[
        (
            r#"anonymousId = "x" and type = "track""#,
            r#"{"type":"track","anonymousId":"y"}"#,
            true,
        ),
        (
            r#"anonymousId = "x" or type = "track""#,
            r#"{"type":"page","anonymousId":"x"}"#,
            false,
        ),
        (
            r#"properties = "x""#,
            r#"{"properties":{"properties":"x"}}"#,
            true,
        ),
        (r#"properties = "x""#, r#"{"properties":"x"}"#, false),
        (r#"type.x = "track""#, r#"{"type":"track"}"#, true),
        (r#"traits.email = "a""#, r#"{"traits":{"email":"a"}}"#, true),
        (r#"context.ip = "1""#, r#"{"context":{"ip":"1"}}"#, true),
        (
            r#"properties."a b" = 1"#,
            r#"{"properties":{"a b":1}}"#,
            false,
        ),
        (
            r#"properties."a b" != 1"#,
            r#"{"properties":{"a b":1}}"#,
            false,
        ),
    ]);
}

// Checklist 6 / A.3: flat levels, last connective, one level of parentheses — for triggers
// whose grouping is unambiguous, these read as in Segment.
#[test]
fn checklist_6_levels_that_read_as_in_segment() {
    check(&[
        (
            r#"type = "a" or type = "b" or type = "c""#,
            r#"{"type":"c"}"#,
            true,
        ),
        (
            r#"type = "a" and event = "e" and name = "n""#,
            r#"{"type":"a","event":"e"}"#,
            false,
        ),
        (
            r#"type = "a" and (event = "x" or event = "y")"#,
            r#"{"type":"a","event":"y"}"#,
            true,
        ),
        (
            r#"type = "a" and (event = "x" or event = "y")"#,
            r#"{"type":"b","event":"y"}"#,
            false,
        ),
        (
            r#"(event = "x" or event = "y") and type = "a""#,
            r#"{"type":"a","event":"x"}"#,
            true,
        ),
        (r#"type = "a" or"#, r#"{"type":"a"}"#, true),
        (r#"type = "a" and"#, r#"{"type":"a"}"#, true),
        (r#"or type = "a" type = "b""#, r#"{"type":"b"}"#, true),
        (r#"type = "a" event = "e""#, r#"{"type":"a"}"#, false),
        (
            r#"type = "a" or event = "e" name = "n""#,
            r#"{"name":"n"}"#,
            true,
        ),
        (
            r#"type = "a" event = "e" or name = "n""#,
            r#"{"name":"n"}"#,
            true,
        ),
        (r#"type = "a")"#, r#"{"type":"a"}"#, true),
        (r#"(type = "a")"#, r#"{"type":"a"}"#, true),
        (r#"type = "a" and ()"#, r#"{"type":"a"}"#, false),
        (r#"() or type = "a""#, r#"{"type":"a"}"#, false),
        (r#"type = "a" or ()"#, r#"{"type":"a"}"#, true),
        (
            r#"type = "a" or (anonymousId = "x")"#,
            r#"{"type":"b"}"#,
            false,
        ),
        (r#"(contains(event, "x"))"#, r#"{"event":"x"}"#, true),
        (
            r#"(type = "a" and contains(event, "x"))"#,
            r#"{"type":"a","event":"x"}"#,
            true,
        ),
    ]);
    // Connectives that are not keywords count as nothing, so the level stays `and`.
    check(&[
        (r#"type = "a" AND type = "b""#, r#"{"type":"a"}"#, false),
        (r#"type = "a" OR type = "b""#, r#"{"type":"a"}"#, false),
        (r#"type = "a" or(type = "b")"#, r#"{"type":"a"}"#, false),
    ]);
    check_invalid(&["(type = \"a\"", "()", "(anonymousId = \"x\")", "(", ")"]);
}

// The deliberate change: precedence and nesting. Segment's readings are in the comments.
#[test]
fn ampline_reads_mixed_levels_with_precedence() {
    check(&[
        // Segment: or(a, b, c), which matches.
        (
            r#"type = "x" and event = "y" or name = "n""#,
            r#"{"name":"n"}"#,
            true,
        ),
        (
            r#"type = "x" and event = "y" or name = "n""#,
            r#"{"type":"x"}"#,
            false,
        ),
        // Segment: and(a, b, c).
        (
            r#"type = "x" or event = "y" and name = "n""#,
            r#"{"type":"x"}"#,
            true,
        ),
        // Segment: or(a, b): ampline ignores the trailing `or`.
        (r#"type = "x" and event = "y" or"#, r#"{"type":"x"}"#, false),
        // Segment rejects these.
        (r#"((type = "x"))"#, r#"{"type":"x"}"#, true),
        (
            r#"type = "x" and (event = "y" or (name = "n"))"#,
            r#"{"type":"x","name":"n"}"#,
            true,
        ),
        // Segment: or(x, contains, name): the group ends at the call's `)`.
        (
            r#"type = "x" and (contains(event,"O") or name = "n")"#,
            r#"{"name":"n"}"#,
            false,
        ),
        (
            r#"type = "x" and (contains(event,"O") or name = "n")"#,
            r#"{"type":"x","event":"Order"}"#,
            true,
        ),
    ]);
}

// Checklist 7: Segment's `!` negates only contains/match; ampline also negates groups and
// conditions (with a warning).
#[test]
fn checklist_7_negation() {
    check(&[
        (r#"!contains(event, "x")"#, r#"{"event":"abc"}"#, true),
        (r#"!contains(event, "x")"#, r#"{"event":"xyz"}"#, false),
        (r#"!contains(event, "x")"#, r#"{}"#, false),
        (r#"!contains(event, "x")"#, r#"{"event":5}"#, false),
        (r#"!match(event, "x*")"#, r#"{"event":"abc"}"#, true),
        (r#"!match(event, "x*")"#, r#"{"event":"xbc"}"#, false),
        (r#"!match(event, "*c")"#, r#"{"event":"abc"}"#, false),
        (r#"!match(event, "*c")"#, r#"{}"#, false),
    ]);
}

#[test]
fn ampline_reads_negated_groups_and_conditions() {
    check(&[
        // Segment drops the `!`: true on {"type":"x"}.
        (r#"!(type = "x")"#, r#"{"type":"x"}"#, false),
        (r#"!(type = "x")"#, r#"{"type":"y"}"#, true),
        (r#"!type = "x""#, r#"{"type":"x"}"#, false),
        (
            r#"!type = "x" and event = "e""#,
            r#"{"type":"y","event":"e"}"#,
            true,
        ),
        (r#"!(type = "x" or event = "e")"#, r#"{"event":"e"}"#, false),
        // A negated missing-field test is true, unlike !contains.
        (r#"!(contains(event, "x"))"#, r#"{}"#, true),
    ]);
}

// Checklist 8: `= null`/`!= null` test absence except on type and event; `= true`/`= false`
// test booleans only on userId and inside objects.
#[test]
fn checklist_8_null_and_booleans_by_head() {
    check(&[
        (r#"event = null"#, r#"{}"#, false),
        (r#"event = null"#, r#"{"event":"null"}"#, true),
        (r#"type != null"#, r#"{}"#, true),
        (r#"name = null"#, r#"{}"#, true),
        (r#"name = null"#, r#"{"name":null}"#, true),
        (r#"name != null"#, r#"{"name":""}"#, true),
        (r#"name = true"#, r#"{"name":true}"#, false),
        (r#"name = true"#, r#"{"name":"true"}"#, true),
        (r#"userId = true"#, r#"{"userId":true}"#, true),
        (r#"userId = true"#, r#"{"userId":"true"}"#, false),
        (r#"userId = false"#, r#"{"userId":false}"#, true),
        (r#"userId = null"#, r#"{"userId":null}"#, true),
        (r#"userId != null"#, r#"{"userId":0}"#, true),
        (r#"properties.x = null"#, r#"{"properties":{}}"#, true),
        (r#"properties.x = null"#, r#"{}"#, true),
        (
            r#"properties.x != null"#,
            r#"{"properties":{"x":false}}"#,
            true,
        ),
        (
            r#"properties.x = true"#,
            r#"{"properties":{"x":true}}"#,
            true,
        ),
        (
            r#"properties.x = false"#,
            r#"{"properties":{"x":"false"}}"#,
            false,
        ),
        (r#"traits.x = false"#, r#"{"traits":{"x":false}}"#, true),
        (r#"context.x = true"#, r#"{"context":{"x":true}}"#, true),
        // `!= true` keeps the operator: the text "true".
        (
            r#"properties.x != true"#,
            r#"{"properties":{"x":true}}"#,
            true,
        ),
        (
            r#"properties.x != true"#,
            r#"{"properties":{"x":"true"}}"#,
            false,
        ),
        // `= N` / `!= N` are number tests inside objects, string tests elsewhere.
        (r#"properties.x = 5"#, r#"{"properties":{"x":"5"}}"#, false),
        (r#"properties.x != 5"#, r#"{"properties":{"x":"5"}}"#, false),
        (r#"properties.x != 5"#, r#"{"properties":{"x":6}}"#, true),
        (r#"userId = 5"#, r#"{"userId":"5"}"#, true),
        (r#"userId = 5"#, r#"{"userId":5}"#, false),
        (r#"properties.x = "5""#, r#"{"properties":{"x":"5"}}"#, true),
        (r#"properties.x = "5""#, r#"{"properties":{"x":5}}"#, false),
        // Inside objects the value keeps its type: `< true` compares with 1.
        (
            r#"properties.x < true"#,
            r#"{"properties":{"x":0.5}}"#,
            true,
        ),
        (r#"userId < true"#, r#"{"userId":0}"#, false),
    ]);
}

// Checklist 9: on a missing field everything but `!=` (and not_exists) is false.
#[test]
fn checklist_9_missing_fields() {
    check(&[
        (r#"properties.x = "a""#, r#"{"properties":{}}"#, false),
        (r#"properties.x = 5"#, r#"{"properties":{}}"#, false),
        (r#"properties.x != 5"#, r#"{"properties":{}}"#, false),
        (r#"properties.x < 5"#, r#"{"properties":{}}"#, false),
        (r#"properties.x >= 5"#, r#"{"properties":{}}"#, false),
        (
            r#"contains(properties.x, "a")"#,
            r#"{"properties":{}}"#,
            false,
        ),
        (
            r#"!contains(properties.x, "a")"#,
            r#"{"properties":{}}"#,
            false,
        ),
        (
            r#"match(properties.x, "a*")"#,
            r#"{"properties":{}}"#,
            false,
        ),
        (
            r#"!match(properties.x, "a*")"#,
            r#"{"properties":{}}"#,
            false,
        ),
        (
            r#"!match(properties.x, "*a")"#,
            r#"{"properties":{}}"#,
            false,
        ),
        (r#"properties.x != "a""#, r#"{"properties":{}}"#, true),
        (r#"event != "a""#, "{}", true),
        (r#"event != "a""#, r#"{"event":null}"#, true),
        (r#"event != "5""#, r#"{"event":5}"#, true),
        (r#"event != "true""#, r#"{"event":true}"#, true),
    ]);
}

// Checklist 10 / A.6: match() is starts-with for a trailing `*`, else ends-with minus the first
// character.
#[test]
fn checklist_10_match() {
    check(&[
        (
            r#"match(event, "Order*")"#,
            r#"{"event":"Order Completed"}"#,
            true,
        ),
        (
            r#"match(event, "Order*")"#,
            r#"{"event":"My Order"}"#,
            false,
        ),
        (
            r#"match(event, "*Done")"#,
            r#"{"event":"Order Done"}"#,
            true,
        ),
        (r#"match(event, "Order")"#, r#"{"event":"Border"}"#, true),
        (r#"match(event, "Order")"#, r#"{"event":"rder"}"#, true),
        (r#"match(event, "Order")"#, r#"{"event":"Orde"}"#, false),
        (
            r#"match(event, "*Order*")"#,
            r#"{"event":"*Order Done"}"#,
            true,
        ),
        (
            r#"match(event, "*Order*")"#,
            r#"{"event":"Order Done"}"#,
            false,
        ),
        (r#"match(event, "*")"#, r#"{"event":""}"#, true),
        (r#"match(event, "*")"#, r#"{"event":5}"#, false),
        (r#"match(event, 'Or*')"#, r#"{"event":"Or*"}"#, false),
        (r#"match(event, 'Or*')"#, r#"{"event":"xOr*'"}"#, true),
        (r#"match(event, "😀ab")"#, r#"{"event":"x😀ab"}"#, true),
        (r#"match(event, "😀ab")"#, r#"{"event":"xab"}"#, false),
        (
            r#"match(properties.x, 15)"#,
            r#"{"properties":{"x":"5"}}"#,
            true,
        ),
        (
            r#"match(traits.email, "*@b.c")"#,
            r#"{"traits":{"email":"a@b.c"}}"#,
            true,
        ),
    ]);
}

// A.6: contains() argument quirks.
#[test]
fn a6_contains_arguments() {
    check(&[
        (r#"contains(event, "Or")"#, r#"{"event":"Order"}"#, true),
        (r#"contains(event, "or")"#, r#"{"event":"Order"}"#, false),
        (r#"contains(event "x")"#, r#"{"event":"a)b"}"#, true),
        (r#"contains(event "x")"#, r#"{"event":"x"}"#, false),
        (r#"contains(name, 5)"#, r#"{"name":"150"}"#, true),
        (r#"contains(userId, true)"#, r#"{"userId":"is true"}"#, true),
        (
            r#"contains(properties, "p")"#,
            r#"{"properties":{"properties":"p"}}"#,
            true,
        ),
        (
            r#"contains(propertiesX, "p")"#,
            r#"{"properties":{"propertiesX":"p"}}"#,
            true,
        ),
        (
            r#"contains(context.ip, "1.2")"#,
            r#"{"context":{"ip":"1.2.3.4"}}"#,
            true,
        ),
        (
            r#"contains(event, "x") and contains(type, "t")"#,
            r#"{"event":"x"}"#,
            true,
        ),
        (r#"contains(event, "x""#, r#"{"event":"x"}"#, true),
    ]);
    check_invalid(&[
        "contains(",
        "contains(event",
        r#"contains(type, "t")"#,
        r#"(contains(type, "t"))"#,
    ]);
}

// A.4: building conditions.
#[test]
fn a4_condition_building() {
    check(&[
        (r#"type = track"#, r#"{"type":"track"}"#, true),
        (r#"type = true"#, r#"{"type":"true"}"#, true),
        (r#"type == "x""#, r#"{"type":"="}"#, true),
        (r#"type == "x""#, r#"{"type":"x"}"#, false),
        (r#"type =="#, r#"{"type":"="}"#, true),
        (r#"type ="#, r#"{"type":"eos"}"#, true),
        (r#"(type =)"#, r#"{"type":"eos"}"#, true),
        (r#"type = )"#, r#"{"type":")"}"#, true),
        (r#"type = ="#, r#"{"type":"="}"#, true),
        (
            r#"type = , and event = "e""#,
            r#"{"type":",","event":"e"}"#,
            true,
        ),
        (r#"event contains "O""#, r#"{"event":"Order"}"#, true),
        (r#"event starts_with "O""#, r#"{"event":"Order"}"#, true),
        (r#"event ends_with "r""#, r#"{"event":"Order"}"#, true),
        (r#"event not_contains "x""#, r#"{"event":"Order"}"#, true),
        (
            r#"properties.x exists x"#,
            r#"{"properties":{"x":0}}"#,
            true,
        ),
        (
            r#"properties.x exists or type = "t""#,
            r#"{"type":"t"}"#,
            false,
        ),
        (r#"properties.x not_exists 1"#, r#"{"properties":{}}"#, true),
        (r#"type is_true 1"#, r#"{"type":true}"#, true),
        (
            r#"properties.x number_equals "5""#,
            r#"{"properties":{"x":5}}"#,
            true,
        ),
        (r#"type <> "x""#, r#"{"type":"y"}"#, false),
        (r#"type !x"#, r#"{"type":"y"}"#, false),
        (r#"properties.x = "#, r#"{"properties":{"x":"eos"}}"#, true),
        (r#"match(event,"#, r#"{"event":"chaos"}"#, true),
    ]);
    check_invalid(&["type", "(type)", "properties.x"]);
}

// A.5: the evaluation table.
#[test]
fn a5_evaluation_table() {
    check(&[
        (r#"event = "Order""#, r#"{"event":"order"}"#, false),
        (r#"properties.x = "5""#, r#"{"properties":{"x":5}}"#, false),
        (r#"properties.x != "5""#, r#"{"properties":{"x":5}}"#, true),
        (r#"properties.x = 5"#, r#"{"properties":{"x":5.0}}"#, true),
        (r#"properties.x < "6""#, r#"{"properties":{"x":5}}"#, true),
        (r#"properties.x > """#, r#"{"properties":{"x":1}}"#, true),
        (
            r#"properties.x > "abc""#,
            r#"{"properties":{"x":1}}"#,
            false,
        ),
        (
            r#"properties.x < "abc""#,
            r#"{"properties":{"x":1}}"#,
            false,
        ),
        (r#"properties.x > 5"#, r#"{"properties":{"x":"6"}}"#, false),
        (
            r#"properties.x <= 5"#,
            r#"{"properties":{"x":true}}"#,
            false,
        ),
        (r#"event contains """#, r#"{"event":""}"#, true),
        (r#"event not_starts_with "a""#, r#"{"event":5}"#, false),
        (
            r#"properties.x exists 1"#,
            r#"{"properties":{"x":""}}"#,
            true,
        ),
        (
            r#"properties.x exists 1"#,
            r#"{"properties":{"x":null}}"#,
            false,
        ),
        (
            r#"properties.x not_exists 1"#,
            r#"{"properties":{"x":null}}"#,
            true,
        ),
        (
            r#"properties.x is_false 1"#,
            r#"{"properties":{"x":0}}"#,
            false,
        ),
        (r#"event = "Order" or event = "x""#, "null", false),
        (r#"event != "x""#, "null", false),
        (r#"event != "x""#, r#""str""#, true),
        (r#"event != "x""#, "[1]", true),
    ]);
}

// A.5: lookups in properties, traits and context.
#[test]
fn a5_lookup() {
    check(&[
        (r#"properties.a.b = 0"#, r#"{"properties":{"a":0}}"#, true),
        (
            r#"properties.a.b = null"#,
            r#"{"properties":{"a":false}}"#,
            false,
        ),
        (
            r#"properties.a.b != null"#,
            r#"{"properties":{"a":false}}"#,
            true,
        ),
        (r#"properties.a.b = """#, r#"{"properties":{"a":""}}"#, true),
        (
            r#"properties.a.b = 1"#,
            r#"{"properties":{"a":{"b":1}}}"#,
            true,
        ),
        (
            r#"properties.name.length > 3"#,
            r#"{"properties":{"name":"abcd"}}"#,
            true,
        ),
        (
            r#"properties.name.length > 3"#,
            r#"{"properties":{"name":"abc"}}"#,
            false,
        ),
        (
            r#"properties.name.length = 2"#,
            r#"{"properties":{"name":"😀"}}"#,
            true,
        ),
        (
            r#"properties.items.length = 2"#,
            r#"{"properties":{"items":[1,2]}}"#,
            true,
        ),
        (
            r#"properties.o.constructor != null"#,
            r#"{"properties":{"o":{}}}"#,
            true,
        ),
        (
            r#"properties.o.toString = null"#,
            r#"{"properties":{"o":{}}}"#,
            false,
        ),
        (
            r#"properties.s.trim exists 1"#,
            r#"{"properties":{"s":"x"}}"#,
            true,
        ),
        (
            r#"properties.s.trim exists 1"#,
            r#"{"properties":{"s":5}}"#,
            false,
        ),
        (
            r#"properties.s.toFixed exists 1"#,
            r#"{"properties":{"s":5}}"#,
            true,
        ),
        (
            r#"properties.s.map exists 1"#,
            r#"{"properties":{"s":[]}}"#,
            true,
        ),
        (
            r#"properties.a\.\.b = 1"#,
            r#"{"properties":{"a":{"b":1}}}"#,
            true,
        ),
        (
            r#"properties.\. = 1 or type = "t""#,
            r#"{"type":"t"}"#,
            false,
        ),
        (
            r#"type = "t" or properties.\. = 1"#,
            r#"{"type":"t"}"#,
            true,
        ),
        (r#"properties\. != 1"#, r#"{"properties":{"":1}}"#, false),
        (r#"properties\. != "1""#, r#"{"properties":{"":"1"}}"#, true),
        (
            r#"properties.s.0 = "a""#,
            r#"{"properties":{"s":"abc"}}"#,
            false,
        ),
    ]);
}

// Functions and conditions built from JavaScript's inherited members: `constructor` is found by
// Segment's head lookup, so it takes an operator and a value (and builds nothing).
#[test]
fn inherited_words_as_heads() {
    check(&[
        (r#"constructor = "x" type = "t""#, r#"{"type":"t"}"#, true),
        (r#"anonymousId type = "t""#, r#"{"type":"t"}"#, true),
        (
            r#"constructor type = "t" event = "e""#,
            r#"{"type":"t","event":"e"}"#,
            true,
        ),
    ]);
    check_invalid(&[r#"constructor type = "t""#, "constructor"]);
}
