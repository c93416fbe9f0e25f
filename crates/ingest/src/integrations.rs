//! The `integrations` object: does a message go to Amplitude (Actions)?
//!
//! Segment's rule (§2.2): names are case-sensitive keys; a bool or an options object (= enabled)
//! under the destination's name decides; otherwise `All` decides, and it defaults to true. The
//! destination has two names — `Amplitude (Actions)` in the catalog and its creation name
//! `Actions Amplitude` (where analytics.js's session plugin writes `session_id`) — and
//! analytics.js honours both, so both are honoured here: an explicit `false` under either name
//! disables, otherwise `true` or an object under either enables. Values of other types (null,
//! strings, numbers) say nothing and fall through to `All`, as does a non-bool `All`. The
//! classic destination's name `Amplitude` is a different destination and is ignored.

use serde_json::Value;

/// The destination's catalog name.
pub const AMPLITUDE_ACTIONS: &str = "Amplitude (Actions)";
/// The destination's creation name, also the key holding `session_id`.
pub const ACTIONS_AMPLITUDE: &str = "Actions Amplitude";

/// Whether `message`'s `integrations` object lets it reach Amplitude (Actions).
pub fn routes_to_amplitude(message: &Value) -> bool {
    let Some(integrations) = message.get("integrations").and_then(Value::as_object) else {
        return true;
    };
    let mut explicitly_enabled = false;
    for name in [AMPLITUDE_ACTIONS, ACTIONS_AMPLITUDE] {
        match integrations.get(name) {
            Some(Value::Bool(false)) => return false,
            Some(Value::Bool(true) | Value::Object(_)) => explicitly_enabled = true,
            _ => {}
        }
    }
    explicitly_enabled || integrations.get("All") != Some(&Value::Bool(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn routing_table() {
        let table = [
            (json!({}), true),
            (json!({"integrations": null}), true),
            (json!({"integrations": "x"}), true),
            (json!({"integrations": {}}), true),
            (json!({"integrations": {"All": true}}), true),
            (json!({"integrations": {"All": false}}), false),
            (json!({"integrations": {"All": "false"}}), true),
            (
                json!({"integrations": {"All": false, "Actions Amplitude": true}}),
                true,
            ),
            (
                json!({"integrations": {"All": false, "Amplitude (Actions)": true}}),
                true,
            ),
            (
                json!({"integrations": {"All": false, "Actions Amplitude": {"session_id": 1}}}),
                true,
            ),
            (
                json!({"integrations": {"All": false, "Amplitude (Actions)": {}}}),
                true,
            ),
            (json!({"integrations": {"Actions Amplitude": false}}), false),
            (
                json!({"integrations": {"Amplitude (Actions)": false}}),
                false,
            ),
            (
                json!({"integrations": {"All": true, "Amplitude (Actions)": false}}),
                false,
            ),
            (
                json!({"integrations": {"Actions Amplitude": {"session_id": 1}, "Amplitude (Actions)": false}}),
                false,
            ),
            (
                json!({"integrations": {"All": false, "Actions Amplitude": null}}),
                false,
            ),
            (
                json!({"integrations": {"All": false, "Actions Amplitude": "yes"}}),
                false,
            ),
            (
                json!({"integrations": {"All": false, "Amplitude": true}}),
                false,
            ),
            (json!({"integrations": {"Amplitude": false}}), true),
            (json!({"integrations": {"actions amplitude": false}}), true),
            (json!({"integrations": {"all": false}}), true),
        ];
        for (message, expected) in table {
            assert_eq!(routes_to_amplitude(&message), expected, "{message}");
        }
    }
}
