//! Differential test of `ampline_js::date` against dayjs and Node.js's `Date`.
//!
//! `dates_golden.json` is written by `tools/dates/generate.js` (TZ=UTC): a seeded corpus of
//! date strings in dayjs, ISO and V8-legacy forms, near-misses, garbage, numbers and other JSON
//! values, each with the reference's `dayjs.utc(x).isValid()` / `.valueOf()`,
//! `formatSessionId(x)` and ajv `date-like` result.

use ampline_js::date::{
    amplitude_event_time, amplitude_session_id, dayjs_utc_value_of, format_session_id,
    is_date_like, parse_js_date,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// Golden numbers: a number, `null` for NaN, or `"Infinity"`.
fn golden_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

#[derive(Default)]
struct Tally {
    total: usize,
    failed: usize,
}

#[test]
fn agrees_with_dayjs_and_v8_on_the_golden_corpus() {
    // DATES_GOLDEN points at a larger corpus from a local stress run of the generator.
    let text = match std::env::var("DATES_GOLDEN") {
        Ok(path) => std::fs::read_to_string(path).unwrap_or_default(),
        Err(_) => include_str!("dates_golden.json").to_owned(),
    };
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
    assert!(
        cases.len() > 3000,
        "golden corpus missing or too small: {}",
        cases.len()
    );

    let mut by_class: BTreeMap<String, Tally> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for case in &cases {
        let input = &case["input"];
        let category = case["category"].as_str().unwrap_or("?");
        let path = case["path"].as_str().unwrap_or("?");
        let class = format!("{category}/{path}");

        let expected_value = golden_number(&case["value"]);
        let expected_session = golden_number(&case["session"]);
        let expected_date_like = case["date_like"].as_bool();

        let value = dayjs_utc_value_of(input);
        let session = format_session_id(input);
        let date_like = input.as_str().map(is_date_like);

        let valid_agrees = case["valid"].as_bool() == Some(value.is_some());
        let agrees = valid_agrees
            && value == expected_value
            && session == expected_session
            && date_like == expected_date_like;
        let tally = by_class.entry(class.clone()).or_default();
        tally.total += 1;
        if !agrees {
            tally.failed += 1;
            mismatches.push(format!(
                "{class}: {input}: expected value {expected_value:?} session {expected_session:?} \
                 date-like {expected_date_like:?}; got {value:?} {session:?} {date_like:?}"
            ));
        }
    }

    let total: usize = by_class.values().map(|t| t.total).sum();
    let failed: usize = by_class.values().map(|t| t.failed).sum();
    for (class, tally) in &by_class {
        println!(
            "{class:24} {:5} cases, {:3} mismatches",
            tally.total, tally.failed
        );
    }
    for line in mismatches.iter().take(200) {
        println!("{line}");
    }
    #[allow(clippy::cast_precision_loss)]
    let agreement = 100.0 * (total - failed) as f64 / total as f64;
    println!("agreement: {agreement:.2}% of {total} cases");

    let strict_failures: usize = by_class
        .iter()
        .filter(|(class, _)| class.ends_with("/regex") || class.starts_with("iso/"))
        .map(|(_, t)| t.failed)
        .sum();
    assert_eq!(
        strict_failures, 0,
        "dayjs-regex and ISO forms must agree exactly"
    );
    assert!(agreement >= 99.0, "agreement {agreement:.2}% is below 99%");
}

#[test]
fn dayjs_pattern_reads_components_as_utc() {
    let ms = |s: &str| dayjs_utc_value_of(&Value::from(s));
    assert_eq!(ms("2024-01-01"), Some(1_704_067_200_000.0));
    assert_eq!(ms("2024-01-01 10:20:30"), Some(1_704_104_430_000.0));
    assert_eq!(ms("20240101T102030"), Some(1_704_104_430_000.0));
    // The fraction's first three digits are taken as written: ".5" is 5 ms, not 500.
    assert_eq!(ms("2024-01-01T00:00:00.5"), Some(1_704_067_200_005.0));
    assert_eq!(ms("2024-01-01T00:00:00.123456"), Some(1_704_067_200_123.0));
    // Overflowing fields roll over instead of failing.
    assert_eq!(ms("2024-13-45"), ms("2025-02-14"));
    assert_eq!(ms("2024-02-30"), ms("2024-03-01"));
    assert_eq!(ms("2024-01-00"), ms("2023-12-31"));
    // Two-digit years are 1900s in Date.UTC.
    assert_eq!(ms("0050-01-01"), ms("1950-01-01"));
}

#[test]
fn strings_ending_in_z_and_other_forms_use_date_parse() {
    let ms = |s: &str| dayjs_utc_value_of(&Value::from(s));
    assert_eq!(ms("2024-01-01T00:00:00.5Z"), Some(1_704_067_200_500.0));
    assert_eq!(ms("2024-13-01T00:00:00Z"), None);
    assert_eq!(ms("2024-01-01T10:00:00+02:00"), Some(1_704_096_000_000.0));
    assert_eq!(ms("+002024-01-01"), Some(1_704_067_200_000.0));
    assert_eq!(
        ms("Tue, 05 Mar 2024 10:00:00 GMT"),
        Some(1_709_632_800_000.0)
    );
    assert_eq!(
        ms("Tue Mar 05 2024 12:00:00 GMT+0200 (Central European Summer Time)"),
        Some(1_709_632_800_000.0)
    );
    assert_eq!(ms("12/25/2024"), Some(1_735_084_800_000.0));
    assert_eq!(ms("Dec 25 2024 10:00 PM EST"), Some(1_735_182_000_000.0));
    // A missing year in the legacy grammar is 2001.
    assert_eq!(ms("Jan 5"), Some(978_652_800_000.0));
    assert_eq!(ms("not a date"), None);
    assert_eq!(ms(""), None);
}

#[test]
fn non_string_values() {
    assert_eq!(dayjs_utc_value_of(&Value::Null), None);
    assert_eq!(dayjs_utc_value_of(&Value::Bool(true)), Some(1.0));
    assert_eq!(
        dayjs_utc_value_of(&serde_json::json!(1700000000000.9)),
        Some(1_700_000_000_000.0)
    );
    assert_eq!(dayjs_utc_value_of(&serde_json::json!(-1.5)), Some(-1.0));
    assert_eq!(
        dayjs_utc_value_of(&serde_json::json!(8.64e15)),
        Some(8.64e15)
    );
    assert_eq!(dayjs_utc_value_of(&serde_json::json!(8.64e15 + 2.0)), None);
    assert_eq!(
        dayjs_utc_value_of(&serde_json::json!([2024])),
        Some(1_704_067_200_000.0)
    );
    assert_eq!(dayjs_utc_value_of(&serde_json::json!({"a": 1})), None);
}

#[test]
fn session_ids_and_date_like() {
    let session = |v: Value| format_session_id(&v);
    assert_eq!(
        session(Value::from("1700000000000")),
        Some(1_700_000_000_000.0)
    );
    assert_eq!(session(Value::from("12")), Some(12.0));
    assert_eq!(
        session(Value::from("2024-01-01")),
        Some(1_704_067_200_000.0)
    );
    assert_eq!(session(Value::from("x")), None);
    assert_eq!(session(Value::from("9".repeat(400))), Some(f64::INFINITY));

    assert!(is_date_like("2024-01-01"));
    assert!(is_date_like("1700000000"));
    assert!(is_date_like("-1.5"));
    assert!(!is_date_like("NaN"));
    assert!(!is_date_like("9000000000000"));
    assert!(!is_date_like("soon"));
}

#[test]
fn date_parse_matches_v8_quirks() {
    assert_eq!(
        parse_js_date("2024-01-01T24:00:00Z"),
        Some(1_704_153_600_000.0)
    );
    assert_eq!(parse_js_date("2024-01-01T24:00:01Z"), None);
    assert_eq!(parse_js_date("-000000-01-01T00:00:00Z"), None);
    assert_eq!(parse_js_date("+275760-09-13T00:00:00.000Z"), Some(8.64e15));
    assert_eq!(parse_js_date("+275760-09-13T00:00:00.001Z"), None);
    // Everything after a NUL character is ignored.
    assert_eq!(
        parse_js_date("Jan 5 2024\u{0}xx"),
        Some(1_704_412_800_000.0)
    );
    assert_eq!(parse_js_date("13"), None);
    assert_eq!(parse_js_date("123"), Some(-58_285_699_200_000.0));
}

#[test]
fn amplitude_fields_drop_falsy_and_invalid_values() {
    let time = |v: Value| amplitude_event_time(Some(&v));
    assert_eq!(amplitude_event_time(None), None);
    assert_eq!(time(Value::from(0)), None);
    assert_eq!(time(Value::from("")), None);
    assert_eq!(time(Value::from("garbage")), None);
    assert_eq!(time(Value::from(false)), None);
    assert_eq!(time(Value::from(true)), Some(1.0));
    assert_eq!(
        time(Value::from("2024-01-01T00:00:00.000Z")),
        Some(1_704_067_200_000.0)
    );

    let session = |v: Value| amplitude_session_id(Some(&v));
    assert_eq!(amplitude_session_id(None), None);
    assert_eq!(session(Value::from(0)), None);
    assert_eq!(
        session(Value::from(1_700_000_000_000_u64)),
        Some(1_700_000_000_000.0)
    );
    // Short digit strings pass dayjs's validity check through the legacy grammar ("12" is
    // 2001-12-01), then are sent as the number itself.
    assert_eq!(session(Value::from("12")), Some(12.0));
    assert_eq!(session(Value::from("13")), None);
    assert_eq!(
        session(Value::from("2024-01-01")),
        Some(1_704_067_200_000.0)
    );
}
