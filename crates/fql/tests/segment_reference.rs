//! Differential check against recorded results of the reference (`parseFql` + `validate` from
//! `@segment/destination-subscriptions` 3.37.0) for 1000 generated triggers — well-formed ones
//! with mixed connectives, nesting, negation and functions, and random token soup — on a fixed
//! set of events. Where ampline reports no warning it must agree with Segment exactly, both on
//! validity and on every event.

use ampline_fql::Trigger;
use serde_json::Value;

#[test]
fn triggers_without_warnings_read_exactly_as_in_segment() {
    let fixture: Value = match serde_json::from_str(include_str!("segment_reference.json")) {
        Ok(fixture) => fixture,
        Err(e) => panic!("bad fixture: {e}"),
    };
    let events = fixture["events"].as_array().cloned().unwrap_or_default();
    let cases = fixture["cases"].as_array().cloned().unwrap_or_default();
    assert_eq!(cases.len(), 1000);
    let (mut compared, mut warned) = (0, 0);
    for case in &cases {
        let trigger = case[0].as_str().unwrap_or_default();
        let segment = case[1].as_str();
        let ours = Trigger::parse(trigger);
        match (segment, ours) {
            (None, Err(_)) => compared += 1,
            (None, Ok(parsed)) => {
                // Segment rejects nested parentheses; that is the only thing ampline accepts.
                let nested = parsed
                    .warnings()
                    .iter()
                    .any(|w| w.message.contains("parentheses inside parentheses"));
                assert!(
                    nested,
                    "{trigger:?}: Segment rejects it: {:?}",
                    parsed.warnings()
                );
                warned += 1;
            }
            (Some(_), Err(e)) => panic!("{trigger:?}: Segment accepts it, ampline says {e}"),
            (Some(_), Ok(parsed)) if !parsed.warnings().is_empty() => warned += 1,
            (Some(expected), Ok(parsed)) => {
                let actual: String = events
                    .iter()
                    .map(|event| if parsed.matches(event) { '1' } else { '0' })
                    .collect();
                assert_eq!(actual, expected, "{trigger:?}");
                compared += 1;
            }
        }
    }
    assert!(compared > 750, "only {compared} compared ({warned} warned)");
}
