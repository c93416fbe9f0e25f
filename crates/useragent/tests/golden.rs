//! Agreement with the reference on real user agents.
//!
//! The golden files hold, per user agent, the fields Segment's Amplitude destination derives
//! from it with `@amplitude/ua-parser-js` 0.7.25 (see tools/ua-golden). At least 99% must
//! agree on all five fields; every disagreement is printed so it can be looked at.

use std::io::{BufRead, BufReader};

use ampline_useragent::parse_user_agent;
use flate2::read::GzDecoder;
use serde_json::{Map, Value};

fn golden_lines(name: &str) -> Vec<Map<String, Value>> {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    BufReader::new(GzDecoder::new(file))
        .lines()
        .map(|line| {
            let line = line.unwrap_or_else(|e| panic!("{path}: {e}"));
            match serde_json::from_str(&line) {
                Ok(Value::Object(object)) => object,
                other => panic!("{path}: not an object: {other:?}"),
            }
        })
        .collect()
}

fn check_agreement(name: &str) {
    let cases = golden_lines(name);
    assert!(!cases.is_empty(), "{name} is empty");
    let mut disagreements = 0;
    for mut expected in cases.iter().cloned() {
        let Some(Value::String(user_agent)) = expected.remove("ua") else {
            panic!("{name}: a line without \"ua\"");
        };
        let actual: Map<String, Value> = parse_user_agent(&user_agent, None)
            .into_pairs()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        if actual != expected {
            disagreements += 1;
            println!(
                "DISAGREE {}\n  expected {}\n  actual   {}",
                Value::String(user_agent),
                Value::Object(expected),
                Value::Object(actual)
            );
        }
    }
    let agreement = 1.0 - disagreements as f64 / cases.len() as f64;
    println!(
        "{name}: {} of {} agree ({:.3}%)",
        cases.len() - disagreements,
        cases.len(),
        agreement * 100.0
    );
    assert!(
        agreement >= 0.99,
        "{name}: only {:.3}% agree",
        agreement * 100.0
    );
}

#[test]
fn agrees_with_reference_on_common_user_agents() {
    check_agreement("user-agents.jsonl.gz");
}

#[test]
fn agrees_with_reference_on_long_tail_user_agents() {
    check_agreement("device-detector.jsonl.gz");
}

#[test]
fn agrees_with_reference_on_mutated_user_agents() {
    check_agreement("mutated.jsonl.gz");
}
