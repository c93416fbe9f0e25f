//! Property tests: parsing never panics, evaluation never panics, and precedence reads as the
//! expression that was printed.

use ampline_fql::Trigger;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// The language's tokens, including the awkward ones, to build "token soup".
const TOKENS: &[&str] = &[
    "type",
    "event",
    "name",
    "userId",
    "properties",
    "properties.x",
    "properties.a.b",
    "traits.t",
    "context.c",
    "anonymousId",
    "constructor",
    "contains",
    "match",
    "and",
    "or",
    "AND",
    "null",
    "true",
    "false",
    "nu",
    "an",
    "a",
    "o",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "!",
    "!(",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "\"track\"",
    "\"x*\"",
    "\"*x\"",
    "'q'",
    "\"",
    "'",
    "5",
    "-",
    "+1.5",
    "1.",
    "0",
    "exists",
    "is_true",
    "\\",
    "\\ ",
    "#",
    "*",
    "`",
    "\r",
    "😀",
    "\"😀a\"",
];
const SEPARATORS: &[&str] = &["", " ", " ", "\t", "\n", "  "];

fn token_soup() -> impl Strategy<Value = String> {
    vec(
        (
            prop::sample::select(TOKENS),
            prop::sample::select(SEPARATORS),
        ),
        0..14,
    )
    .prop_map(|pieces| pieces.into_iter().flat_map(|(t, s)| [t, s]).collect())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-10i64..10).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z0-9 😀é]{0,5}".prop_map(Value::from),
        prop::sample::select(vec!["track", "x", "eos", "null", "true", ""]).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop::sample::select(vec![
            "type",
            "event",
            "name",
            "userId",
            "properties",
            "traits",
            "context",
            "x",
            "a",
            "b",
            "0",
            "length",
            "constructor",
        ]);
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((key, inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<String, Value>>(),
                )
            }),
        ]
    })
}

/// A boolean expression over leaves `properties.pN = true`.
#[derive(Debug, Clone)]
enum Expr {
    Leaf(usize),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

const LEAVES: usize = 5;

fn expr() -> impl Strategy<Value = Expr> {
    (0..LEAVES)
        .prop_map(Expr::Leaf)
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                vec(inner.clone(), 2..4).prop_map(Expr::And),
                vec(inner, 2..4).prop_map(Expr::Or),
            ]
        })
}

impl Expr {
    fn evaluate(&self, bits: &[bool]) -> bool {
        match self {
            Expr::Leaf(i) => bits[*i],
            Expr::Not(e) => !e.evaluate(bits),
            Expr::And(es) => es.iter().all(|e| e.evaluate(bits)),
            Expr::Or(es) => es.iter().any(|e| e.evaluate(bits)),
        }
    }

    /// Prints with the fewest parentheses precedence allows (`!` > `and` > `or`).
    fn print(&self, parent: u8) -> String {
        let (own, text) = match self {
            Expr::Leaf(i) => (4, format!("properties.p{i} = true")),
            Expr::Not(e) => match **e {
                Expr::Leaf(_) => (3, format!("!{}", e.print(3))),
                _ => (3, format!("!({})", e.print(0))),
            },
            Expr::And(es) => (2, join(es, " and ", 2)),
            Expr::Or(es) => (1, join(es, " or ", 1)),
        };
        if own < parent {
            format!("({text})")
        } else {
            text
        }
    }
}

fn join(es: &[Expr], connective: &str, precedence: u8) -> String {
    es.iter()
        .map(|e| e.print(precedence + 1))
        .collect::<Vec<_>>()
        .join(connective)
}

fn event(bits: &[bool]) -> Value {
    let properties: Map<String, Value> = bits
        .iter()
        .enumerate()
        .map(|(i, b)| (format!("p{i}"), Value::Bool(*b)))
        .collect();
    json!({ "properties": properties })
}

/// One level of parentheses, one connective per level, no `!`: Segment's unambiguous subset.
fn unambiguous() -> impl Strategy<Value = String> {
    let group = (any::<bool>(), vec(0..LEAVES, 1..4)).prop_map(|(or, leaves)| {
        let connective = if or { " or " } else { " and " };
        let text = leaves
            .iter()
            .map(|i| format!("properties.p{i} = true"))
            .collect::<Vec<_>>()
            .join(connective);
        format!("({text})")
    });
    let item = prop_oneof![
        (0..LEAVES).prop_map(|i| format!("properties.p{i} = true")),
        group,
        Just(r#"contains(event, "x")"#.to_owned()),
    ];
    (any::<bool>(), vec(item, 1..5))
        .prop_map(|(or, items)| items.join(if or { " or " } else { " and " }))
}

fn sample_events() -> Vec<Value> {
    vec![
        Value::Null,
        json!("track"),
        json!([]),
        json!({"type": "track", "event": "x", "properties": {"x": 5, "a": {"b": "track"}}}),
        json!({"properties": {"x": "😀a", "a": 0}, "traits": {"t": null}, "context": {"c": true}}),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_arbitrary_text_never_panics(source in any::<String>()) {
        if let Ok(trigger) = Trigger::parse(&source) {
            for event in sample_events() {
                let _ = trigger.matches(&event);
            }
        }
    }

    #[test]
    fn token_soup_parses_and_evaluates_without_panicking(
        source in token_soup(),
        events in vec(json_value(), 1..4),
    ) {
        match Trigger::parse(&source) {
            Ok(trigger) => {
                for warning in trigger.warnings() {
                    prop_assert!(warning.position <= source.chars().count());
                }
                for event in events.iter().chain(sample_events().iter()) {
                    let _ = trigger.matches(event);
                }
            }
            Err(e) => prop_assert!(e.position <= source.chars().count(), "{e}"),
        }
    }

    #[test]
    fn precedence_reads_the_printed_expression(e in expr(), bits in vec(any::<bool>(), LEAVES)) {
        let source = e.print(0);
        let trigger = Trigger::parse(&source);
        prop_assert!(trigger.is_ok(), "{source}: {trigger:?}");
        if let Ok(trigger) = trigger {
            prop_assert_eq!(trigger.matches(&event(&bits)), e.evaluate(&bits), "{}", source);
        }
    }

    #[test]
    fn segments_unambiguous_subset_has_no_warnings(source in unambiguous()) {
        let trigger = Trigger::parse(&source);
        prop_assert!(trigger.is_ok(), "{source}: {trigger:?}");
        if let Ok(trigger) = trigger {
            prop_assert!(trigger.warnings().is_empty(), "{source}: {:?}", trigger.warnings());
        }
    }
}
