//! Every case in `cases.json` was rendered by the reference (liquidjs through Segment's
//! `evaluateLiquid`, see `oracle.js`); ampline must give the same output or the same error.
//! To add cases, append `{"template": ...}` entries (with `"root"` when the default root will
//! not do) and regenerate: `TZ=UTC node tests/oracle.js < tests/cases.json > new.json`, then
//! replace the file. To check another oracle output without touching the fixture (for example
//! generated templates), point `AMPLINE_LIQUID_CASES` at it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A failed expectation is a failed test.

use ampline_liquid::Template;
use serde_json::Value;

fn render(template: &str, root: &Value) -> Result<String, String> {
    let parsed = Template::parse(template).map_err(|e| e.message)?;
    parsed.render(root).map_err(|e| e.message)
}

#[test]
fn reference_cases() {
    let text = match std::env::var("AMPLINE_LIQUID_CASES") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => include_str!("cases.json").to_string(),
    };
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let default_root = &fixture["default_root"];
    let cases = fixture["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    for case in cases {
        let template = case["template"].as_str().unwrap();
        let root = case.get("root").unwrap_or(default_root);
        let expected = match (case.get("output"), case.get("error")) {
            (Some(Value::String(out)), _) => Ok(out.clone()),
            (_, Some(Value::String(err))) => Err(err.clone()),
            _ => panic!("case without a result: {template}"),
        };
        let actual = render(template, root);
        if actual != expected {
            failures.push(format!(
                "{template:?}\n   expected {expected:?}\n   actual   {actual:?}"
            ));
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
