//! The fields Segment's edge adds to every accepted message (§1.6).
//!
//! Timestamps, with `receivedAt` the request's arrival time and `sentAt` the client's clock when
//! it sent the request:
//! - `receivedAt`: always set, the same for every message of one request.
//! - `timestamp` present and valid, `sentAt` valid: `originalTimestamp` keeps the client value and
//!   `timestamp = receivedAt - (sentAt - originalTimestamp)`, which cancels the client's clock
//!   skew while keeping how long ago the event happened.
//! - `timestamp` valid but no valid `sentAt`: the skew is unknown, so the client's time is
//!   trusted: `timestamp` is it, normalised to ISO-8601 UTC; `originalTimestamp` keeps the raw value.
//! - `timestamp` missing or unreadable: the event is taken to have happened on arrival:
//!   `timestamp = receivedAt`; an unreadable value is kept in `originalTimestamp` for debugging.
//! - A correction that lands outside JavaScript's date range falls back to `receivedAt`.
//! - A batch envelope's `sentAt` is the time *this* request was sent, so when valid it wins over
//!   an item's own (possibly stale, from a retry queue) `sentAt`, and is stored on each item.
//!
//! `sentAt` stays in the stored message (Segment's debugger shows it); `writeKey` is removed — it
//! identifies the source, which the caller already has, and should not travel to destinations.

use crate::time::{format_iso, parse_client_time};
use serde_json::{Map, Value};

/// Facts of one request that every message in it shares.
pub(crate) struct RequestFacts<'a> {
    pub received_at_ms: i64,
    pub received_at: &'a str,
    /// A batch envelope's valid `sentAt`: the raw value and its epoch milliseconds.
    pub envelope_sent_at: Option<(&'a Value, i64)>,
    pub envelope_context: Option<&'a Map<String, Value>>,
    pub envelope_integrations: Option<&'a Map<String, Value>>,
    /// The value for `context.ip` when the message has none.
    pub client_ip: Option<&'a str>,
}

/// Merges a batch envelope's `context` and `integrations` into the item. The item's own keys
/// win, one level deep: an item `context.library` replaces the envelope's whole `library`.
/// Validation has already made sure both are objects or absent/null.
pub(crate) fn merge_envelope(message: &mut Map<String, Value>, facts: &RequestFacts<'_>) {
    for (field, envelope) in [
        ("context", facts.envelope_context),
        ("integrations", facts.envelope_integrations),
    ] {
        let Some(envelope) = envelope.filter(|map| !map.is_empty()) else {
            continue;
        };
        let Some(target) = object_field(message, field) else {
            continue;
        };
        for (key, value) in envelope {
            if !target.contains_key(key) {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The object at `message[field]`, created when absent or not an object (validation has
/// already refused non-null non-objects).
fn object_field<'m>(
    message: &'m mut Map<String, Value>,
    field: &str,
) -> Option<&'m mut Map<String, Value>> {
    let slot = message.entry(field.to_owned()).or_insert(Value::Null);
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Adds `type`, `messageId`, `context.ip`, the timestamps and `receivedAt`; removes `writeKey`.
pub(crate) fn enrich(
    message: &mut Map<String, Value>,
    type_name: &str,
    facts: &RequestFacts<'_>,
    new_message_id: &dyn Fn() -> String,
) {
    message.remove("writeKey");
    message.insert("type".to_owned(), Value::String(type_name.to_owned()));

    let has_message_id =
        matches!(message.get("messageId"), Some(Value::String(id)) if !id.is_empty());
    if !has_message_id {
        message.insert("messageId".to_owned(), Value::String(new_message_id()));
    }

    if let Some(ip) = facts.client_ip {
        if let Some(context) = object_field(message, "context") {
            if context.get("ip").is_none_or(Value::is_null) {
                context.insert("ip".to_owned(), Value::String(ip.to_owned()));
            }
        }
    }

    let sent_at_ms = match facts.envelope_sent_at {
        Some((raw, ms)) => {
            message.insert("sentAt".to_owned(), raw.clone());
            Some(ms)
        }
        None => message.get("sentAt").and_then(parse_client_time),
    };
    let client_timestamp = message.remove("timestamp").filter(|value| !value.is_null());
    let timestamp = match &client_timestamp {
        None => facts.received_at.to_owned(),
        Some(raw) => match (parse_client_time(raw), sent_at_ms) {
            (Some(original), Some(sent)) => facts
                .received_at_ms
                .checked_sub(sent.saturating_sub(original))
                .and_then(format_iso)
                .unwrap_or_else(|| facts.received_at.to_owned()),
            (Some(original), None) => {
                format_iso(original).unwrap_or_else(|| facts.received_at.to_owned())
            }
            (None, _) => facts.received_at.to_owned(),
        },
    };
    if let Some(raw) = client_timestamp {
        message.insert("originalTimestamp".to_owned(), raw);
    }
    message.insert("timestamp".to_owned(), Value::String(timestamp));
    message.insert(
        "receivedAt".to_owned(),
        Value::String(facts.received_at.to_owned()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_718_006_401_000; // 2024-06-10T08:00:01.000Z

    fn facts<'a>(received_at: &'a str, sent_at: Option<(&'a Value, i64)>) -> RequestFacts<'a> {
        RequestFacts {
            received_at_ms: NOW,
            received_at,
            envelope_sent_at: sent_at,
            envelope_context: None,
            envelope_integrations: None,
            client_ip: Some("198.51.100.7"),
        }
    }

    fn run(message: Value, facts: &RequestFacts<'_>) -> Value {
        let Value::Object(mut map) = message else {
            return Value::Null;
        };
        merge_envelope(&mut map, facts);
        enrich(&mut map, "track", facts, &|| "generated-id".to_owned());
        Value::Object(map)
    }

    const RECEIVED: &str = "2024-06-10T08:00:01.000Z";

    #[test]
    fn corrects_clock_skew_with_sent_at() {
        // Client clock 1 hour behind; event 120 ms before sending; received 1 s after "sending".
        let out = run(
            json!({"timestamp": "2024-06-10T07:00:00.000Z", "sentAt": "2024-06-10T07:00:00.120Z"}),
            &facts(RECEIVED, None),
        );
        assert_eq!(out["timestamp"], "2024-06-10T08:00:00.880Z");
        assert_eq!(out["originalTimestamp"], "2024-06-10T07:00:00.000Z");
        assert_eq!(out["sentAt"], "2024-06-10T07:00:00.120Z");
        assert_eq!(out["receivedAt"], RECEIVED);
    }

    #[test]
    fn envelope_sent_at_wins_and_is_stored() {
        let envelope_sent = json!("2024-06-10T08:00:00.500+00:00");
        let out = run(
            json!({"timestamp": "2024-06-10T08:00:00.000Z", "sentAt": "2020-01-01T00:00:00Z"}),
            &facts(RECEIVED, Some((&envelope_sent, 1_718_006_400_500))),
        );
        assert_eq!(out["timestamp"], "2024-06-10T08:00:00.500Z");
        assert_eq!(out["sentAt"], envelope_sent);
    }

    #[test]
    fn missing_or_invalid_times() {
        let out = run(json!({}), &facts(RECEIVED, None));
        assert_eq!(out["timestamp"], RECEIVED);
        assert_eq!(out.get("originalTimestamp"), None);

        let out = run(json!({"timestamp": null}), &facts(RECEIVED, None));
        assert_eq!(out["timestamp"], RECEIVED);
        assert_eq!(out.get("originalTimestamp"), None);

        let out = run(
            json!({"timestamp": "not a date", "sentAt": "2024-06-10T08:00:00Z"}),
            &facts(RECEIVED, None),
        );
        assert_eq!(out["timestamp"], RECEIVED);
        assert_eq!(out["originalTimestamp"], "not a date");

        // No sentAt: the client's own time, normalised.
        let out = run(
            json!({"timestamp": "2024-06-09T10:00:00.123456+02:00"}),
            &facts(RECEIVED, None),
        );
        assert_eq!(out["timestamp"], "2024-06-09T08:00:00.123Z");

        // Unreadable sentAt is as good as none.
        let out = run(
            json!({"timestamp": "2024-06-09T08:00:00Z", "sentAt": "soon"}),
            &facts(RECEIVED, None),
        );
        assert_eq!(out["timestamp"], "2024-06-09T08:00:00.000Z");

        // A correction outside the JS date range falls back to receivedAt.
        let out = run(
            json!({"timestamp": "-271821-04-20T00:00:00.000Z", "sentAt": "+275760-09-13T00:00:00.000Z"}),
            &facts(RECEIVED, None),
        );
        assert_eq!(out["timestamp"], RECEIVED);
    }

    #[test]
    fn message_id_ip_type_and_write_key() {
        let out = run(
            json!({"writeKey": "WK", "type": "x"}),
            &facts(RECEIVED, None),
        );
        assert_eq!(out["messageId"], "generated-id");
        assert_eq!(out["context"]["ip"], "198.51.100.7");
        assert_eq!(out["type"], "track");
        assert_eq!(out.get("writeKey"), None);

        let out = run(
            json!({"messageId": "m1", "context": {"ip": "1.2.3.4"}}),
            &facts(RECEIVED, None),
        );
        assert_eq!(out["messageId"], "m1");
        assert_eq!(out["context"]["ip"], "1.2.3.4");

        let out = run(
            json!({"messageId": "", "context": {"ip": null}}),
            &facts(RECEIVED, None),
        );
        assert_eq!(out["messageId"], "generated-id");
        assert_eq!(out["context"]["ip"], "198.51.100.7");

        let mut no_ip = facts(RECEIVED, None);
        no_ip.client_ip = None;
        let out = run(json!({}), &no_ip);
        assert_eq!(out.get("context"), None);
    }

    #[test]
    fn envelope_merge_item_keys_win() {
        let context = json!({"library": {"name": "analytics-python"}, "locale": "en"});
        let integrations = json!({"All": false, "Actions Amplitude": true});
        let mut f = facts(RECEIVED, None);
        f.envelope_context = context.as_object();
        f.envelope_integrations = integrations.as_object();
        let out = run(
            json!({"context": {"library": {"name": "mine"}}, "integrations": null}),
            &f,
        );
        assert_eq!(out["context"]["library"], json!({"name": "mine"}));
        assert_eq!(out["context"]["locale"], "en");
        assert_eq!(out["integrations"], integrations);
    }
}
