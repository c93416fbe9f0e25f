//! Whatever arrives, decoding answers: an accepted result whose bookkeeping adds up, or a clear
//! 400/401 with a code and a message. Never a panic.

mod common;

use ampline_ingest::{Ingested, Rejection};
use common::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const PATHS: [&str; 16] = [
    "/v1/track",
    "/v1/identify",
    "/v1/page",
    "/v1/screen",
    "/v1/group",
    "/v1/alias",
    "/v1/t",
    "/v1/i",
    "/v1/p",
    "/v1/s",
    "/v1/g",
    "/v1/a",
    "/v1/batch",
    "/v1/b",
    "/v1/import",
    "/v1/m",
];

const KEYS: [&str; 20] = [
    "type",
    "userId",
    "anonymousId",
    "event",
    "properties",
    "traits",
    "context",
    "integrations",
    "timestamp",
    "sentAt",
    "messageId",
    "groupId",
    "previousId",
    "name",
    "category",
    "writeKey",
    "batch",
    "ip",
    "All",
    "Actions Amplitude",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-zA-Z0-9 :.+-]{0,12}".prop_map(Value::String),
        Just(json!("WK")),
        Just(json!("track")),
        Just(json!("2024-06-10T08:00:00.000Z")),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        let key = prop_oneof![
            proptest::sample::select(KEYS.as_slice()).prop_map(str::to_owned),
            "[a-z]{1,4}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Objects that tend to get past authentication and the envelope checks.
fn message_like() -> impl Strategy<Value = Value> {
    proptest::collection::vec(
        (proptest::sample::select(KEYS.as_slice()), any_json()),
        0..10,
    )
    .prop_map(|pairs| {
        let mut map: Map<String, Value> =
            pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        map.insert("writeKey".to_owned(), json!("WK"));
        Value::Object(map)
    })
}

/// A valid message of a random type with a few fields replaced by arbitrary values.
fn mostly_valid_message() -> impl Strategy<Value = Value> {
    const TYPES: [&str; 6] = ["track", "identify", "page", "screen", "group", "alias"];
    (
        proptest::sample::select(TYPES.as_slice()),
        proptest::collection::vec(
            (proptest::sample::select(KEYS.as_slice()), any_json()),
            0..3,
        ),
    )
        .prop_map(|(message_type, overrides)| {
            let mut message = json!({
                "type": message_type, "userId": "u", "anonymousId": "a", "event": "E",
                "groupId": "g", "previousId": "p", "name": "N", "properties": {"k": 1},
                "timestamp": "2024-06-10T08:00:00.000Z", "writeKey": "WK",
            });
            for (key, value) in overrides {
                message[key] = value;
            }
            message
        })
}

fn envelope() -> impl Strategy<Value = Value> {
    let item = prop_oneof![mostly_valid_message(), message_like(), any_json()];
    (
        proptest::collection::vec(item, 1..12),
        any_json(),
        any_json(),
    )
        .prop_map(|(batch, context, sent_at)| {
            let mut envelope = json!({"writeKey": "WK", "batch": batch, "sentAt": sent_at});
            if context.is_object() {
                envelope["context"] = context;
            }
            envelope
        })
}

fn check_rejection(rejection: &Rejection) -> Result<(), TestCaseError> {
    prop_assert!(
        rejection.status == 400 || rejection.status == 401,
        "{rejection}"
    );
    prop_assert!(!rejection.code.is_empty());
    prop_assert!(!rejection.message.is_empty());
    let body: Value = serde_json::from_str(&rejection.body_string())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&body["code"], &json!(rejection.code));
    Ok(())
}

fn check_outcome(call: &Call<'_>, batch_len: Option<usize>) -> Result<(), TestCaseError> {
    match call.run() {
        Err(rejection) => check_rejection(&rejection),
        Ok(Ingested::MetricsDiscarded) => {
            prop_assert_eq!(call.path, "/v1/m");
            Ok(())
        }
        Ok(Ingested::Events(accepted)) => {
            prop_assert_eq!(accepted.source, 1);
            for item in &accepted.messages {
                let message = &item.message;
                prop_assert!(message["type"].is_string());
                prop_assert!(message["messageId"]
                    .as_str()
                    .is_some_and(|id| !id.is_empty()));
                prop_assert_eq!(&message["receivedAt"], &json!(NOW_ISO));
                prop_assert!(message["timestamp"].is_string());
                prop_assert!(message.get("writeKey").is_none());
                let has_id = ["userId", "anonymousId"]
                    .iter()
                    .any(|k| message[*k].as_str().is_some_and(|id| !id.is_empty()));
                prop_assert!(has_id, "{}", message);
            }
            for rejected in &accepted.rejected {
                prop_assert!(!rejected.code.is_empty() && !rejected.message.is_empty());
            }
            if let Some(len) = batch_len {
                let mut indexes: Vec<usize> = accepted
                    .messages
                    .iter()
                    .map(|m| m.index)
                    .chain(accepted.rejected.iter().map(|r| r.index))
                    .collect();
                indexes.sort_unstable();
                prop_assert_eq!(indexes, (0..len).collect::<Vec<_>>());
            } else {
                prop_assert_eq!(accepted.messages.len(), 1);
                prop_assert!(accepted.rejected.is_empty());
            }
            Ok(())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_on_every_route(
        path in proptest::sample::select(PATHS.as_slice()),
        body in proptest::collection::vec(any::<u8>(), 0..512),
        gzipped in any::<bool>(),
        with_basic in any::<bool>(),
    ) {
        let auth = basic("WK");
        let packed = gzip(&body);
        let mut call = Call::new(path, if gzipped { &packed } else { &body });
        call.content_encoding = gzipped.then_some("gzip");
        call.authorization = with_basic.then_some(auth.as_str());
        let is_batch_route = matches!(path, "/v1/batch" | "/v1/b" | "/v1/import");
        let batch_len = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("batch").and_then(Value::as_array).map(Vec::len));
        check_outcome(&call, if is_batch_route { batch_len } else { None })?;
    }

    #[test]
    fn arbitrary_json_on_every_route(
        path in proptest::sample::select(PATHS.as_slice()),
        body in prop_oneof![any_json(), message_like(), mostly_valid_message(), envelope()],
        gzipped in any::<bool>(),
    ) {
        let text = body.to_string();
        let packed = gzip(text.as_bytes());
        let mut call = Call::new(path, if gzipped { &packed } else { text.as_bytes() });
        call.content_encoding = gzipped.then_some("gzip");
        let is_batch_route = matches!(path, "/v1/batch" | "/v1/b" | "/v1/import");
        let batch_len = body.get("batch").and_then(Value::as_array).map(Vec::len);
        check_outcome(&call, if is_batch_route { batch_len } else { None })?;
    }

    #[test]
    fn corrected_timestamp_arithmetic(
        event_ms in 946_684_800_000_i64..4_102_444_800_000,
        delay_ms in 0_i64..86_400_000,
    ) {
        let sent_ms = event_ms + delay_ms;
        let iso = |ms| ampline_ingest::format_iso(ms).unwrap_or_default();
        let body = json!({"writeKey": "WK", "sentAt": iso(sent_ms), "batch": [
            {"type": "track", "event": "E", "userId": "u", "timestamp": iso(event_ms)}
        ]}).to_string();
        let call = Call::new("/v1/batch", body.as_bytes());
        let accepted = call.accepted().map_err(TestCaseError::fail)?;
        let message = accepted.messages.first().map(|m| m.message.clone()).unwrap_or_default();
        prop_assert_eq!(&message["timestamp"], &json!(iso(NOW - delay_ms)));
        prop_assert_eq!(&message["originalTimestamp"], &json!(iso(event_ms)));
    }
}
