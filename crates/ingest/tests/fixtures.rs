//! Bodies as real Segment clients send them (hand-written after §3.2 and §4 of the sources doc).

mod common;

use ampline_ingest::routes_to_amplitude;
use common::*;
use serde_json::{json, Value};

const AJS_DEFAULT: &str = include_str!("fixtures/ajs_default_track.json");
const AJS_BATCHING: &str = include_str!("fixtures/ajs_batching.json");
const NODE_BATCH: &str = include_str!("fixtures/node_batch.json");
const PYTHON_BATCH: &str = include_str!("fixtures/python_batch.json");

fn field(messages: &[Value], name: &str) -> Vec<Value> {
    messages.iter().map(|m| m[name].clone()).collect()
}

fn accepted_messages(call: &Call<'_>) -> Vec<Value> {
    let accepted = call.accepted();
    assert_eq!(
        accepted.as_ref().map(|a| a.rejected.len()),
        Ok(0),
        "{accepted:?}"
    );
    assert_eq!(accepted.as_ref().map(|a| a.source), Ok(1));
    accepted
        .map(|a| a.messages.into_iter().map(|m| m.message).collect())
        .unwrap_or_default()
}

#[test]
fn analytics_js_default_mode() {
    // analytics.js >= 1.84: body key plus Basic auth, text/plain (ignored), per-event sentAt.
    let auth = basic("WK");
    let mut call = Call::new("/v1/t", AJS_DEFAULT.as_bytes());
    call.authorization = Some(&auth);
    let messages = accepted_messages(&call);
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message["type"], "track");
    assert_eq!(message["event"], "Signed Up");
    assert_eq!(message["userId"], Value::Null);
    assert_eq!(
        message["messageId"],
        "ajs-next-1718006400000-8c1e5f2a-1d3b-4e6f-a7b8-c9d0e1f2a3b4"
    );
    assert_eq!(message["originalTimestamp"], "2024-06-10T08:00:00.000Z");
    assert_eq!(message["sentAt"], "2024-06-10T08:00:00.120Z");
    assert_eq!(message["timestamp"], "2024-06-10T08:00:00.880Z");
    assert_eq!(message["receivedAt"], NOW_ISO);
    assert_eq!(message["context"]["ip"], PEER);
    assert_eq!(message["context"]["library"]["version"], "next-1.84.1");
    assert_eq!(
        message["integrations"]["Actions Amplitude"]["session_id"],
        1_718_006_000_000_i64
    );
    assert_eq!(message.get("writeKey"), None);
    assert_eq!(message["_metadata"]["bundled"], json!(["Segment.io"]));
    assert!(routes_to_amplitude(message));

    // Pre-1.84: body key only.
    assert_eq!(
        accepted_messages(&Call::new("/v1/t", AJS_DEFAULT.as_bytes())).len(),
        1
    );
}

#[test]
fn analytics_js_batching_mode() {
    let auth = basic("WK");
    let mut call = Call::new("/v1/b", AJS_BATCHING.as_bytes());
    call.authorization = Some(&auth);
    let messages = accepted_messages(&call);
    assert_eq!(
        field(&messages, "type"),
        [json!("page"), json!("identify"), json!("track")]
    );
    assert_eq!(
        field(&messages, "timestamp"),
        [
            json!("2024-06-10T07:59:59.600Z"),
            json!("2024-06-10T08:00:00.100Z"),
            json!("2024-06-10T08:00:00.600Z")
        ]
    );
    assert!(messages
        .iter()
        .all(|m| m["sentAt"] == "2024-06-10T08:00:00.400Z"));
    assert!(messages.iter().all(|m| m.get("writeKey").is_none()));
    assert_eq!(messages[0]["properties"]["title"], "Shop");
}

#[test]
fn analytics_node_3_1() {
    let auth = basic("WK");
    let mut call = Call::new("/v1/batch", NODE_BATCH.as_bytes());
    call.authorization = Some(&auth);
    let messages = accepted_messages(&call);
    assert_eq!(
        field(&messages, "type"),
        [json!("track"), json!("group"), json!("alias")]
    );
    assert_eq!(
        field(&messages, "timestamp"),
        [
            json!("2024-06-10T08:00:00.450Z"),
            json!("2024-06-10T08:00:00.550Z"),
            json!("2024-06-10T08:00:00.600Z")
        ]
    );
    assert_eq!(messages[0]["properties"]["products"][0]["price"], 19.99);
    assert_eq!(messages[1]["groupId"], "acme");
    assert_eq!(messages[2]["previousId"], "anon-9");
    assert_eq!(messages[0]["_metadata"]["jsRuntime"], "node");
}

#[test]
fn analytics_python_plain_and_gzip() {
    let packed = gzip(PYTHON_BATCH.as_bytes());
    let mut gzipped = Call::new("/v1/batch", &packed);
    gzipped.content_encoding = Some("gzip");
    for call in [Call::new("/v1/batch", PYTHON_BATCH.as_bytes()), gzipped] {
        let messages = accepted_messages(&call);
        assert_eq!(
            field(&messages, "type"),
            [json!("track"), json!("identify"), json!("screen")]
        );
        // +00:00 with microseconds: read to the millisecond, written back with Z.
        assert_eq!(
            field(&messages, "timestamp"),
            [
                json!("2024-06-10T07:59:59.723Z"),
                json!("2024-06-10T08:00:00.100Z"),
                json!("2024-06-10T08:00:00.200Z")
            ]
        );
        assert_eq!(
            messages[0]["originalTimestamp"],
            "2024-06-10T07:59:59.123456+00:00"
        );
        assert_eq!(messages[0]["sentAt"], "2024-06-10T08:00:00.400000+00:00");
        assert_eq!(messages[0]["anonymousId"], Value::Null);
        assert_eq!(messages[2]["name"], "Home");
        assert_eq!(
            messages[0]["messageId"],
            "0f8d1f6e-2b7a-4c3d-9e8f-1a2b3c4d5e6f"
        );
    }
}
