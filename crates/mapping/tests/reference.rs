//! Replays the cases in `reference/expected.json`, whose expectations were recorded from
//! Segment's reference `transform` (see `reference/cases.js`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ampline_mapping::{Mapping, MappingError};
use serde_json::Value;

fn json_text(value: &Value) -> String {
    let mut out = String::new();
    ampline_js::write_json(&mut out, value);
    out
}

fn rendered(error: &MappingError) -> String {
    format!("{} {}", error.pointer, error.message)
}

/// The reference reports a bad `@merge` object at the empty path; we report its real path.
fn same_validation_error(ours: &str, reference: &str) -> bool {
    match reference.strip_prefix("/ should be a object") {
        Some(rest) => ours.contains("/@merge/objects/") && ours.ends_with(rest),
        None => ours == reference,
    }
}

#[test]
fn every_case_matches_the_reference() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("reference/expected.json")).expect("expected.json");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let event = case.get("event").cloned().unwrap_or(Value::Null);
        let outcome = Mapping::compile(&case["mapping"]);
        let problem = match (case.get("validation"), case.get("error"), outcome) {
            (Some(expected), _, Err(invalid)) => {
                let expected: Vec<&str> = expected
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_str().unwrap())
                    .collect();
                let ours: Vec<String> = invalid.errors.iter().map(rendered).collect();
                let same = ours.len() == expected.len()
                    && ours
                        .iter()
                        .zip(&expected)
                        .all(|(o, e)| same_validation_error(o, e));
                (!same).then(|| format!("validation {ours:?} != {expected:?}"))
            }
            (Some(expected), _, Ok(mapping)) => {
                // The reference validates `@transform`'s `apply` only when it runs.
                match mapping.apply(&event) {
                    Err(e) => {
                        let expected = expected[0].as_str().unwrap();
                        (!e.message.contains(expected))
                            .then(|| format!("runtime {e} lacks {expected}"))
                    }
                    Ok(out) => Some(format!("expected validation {expected}, got {out:?}")),
                }
            }
            (None, _, Err(invalid)) => {
                let expected = case.get("error").and_then(Value::as_str);
                match expected {
                    Some(message) if invalid.errors.iter().any(|e| e.message == message) => None,
                    _ => Some(format!("unexpected compile error {invalid}")),
                }
            }
            (None, Some(expected), Ok(mapping)) => match mapping.apply(&event) {
                Err(e) if e.message == expected.as_str().unwrap() => None,
                other => Some(format!("expected error {expected}, got {other:?}")),
            },
            (None, None, Ok(mapping)) => {
                let expected = case.get("output");
                match mapping.apply(&event) {
                    Ok(ours) => {
                        let ours_text = ours.as_ref().map(json_text);
                        let expected_text = expected.map(json_text);
                        (ours_text != expected_text)
                            .then(|| format!("{ours_text:?} != {expected_text:?}"))
                    }
                    Err(e) => Some(format!("unexpected error {e}")),
                }
            }
        };
        if let Some(problem) = problem {
            failures.push(format!("{name}: {problem}"));
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
