//! `/2/httpapi` and `/batch`: keys, regions, request checks, field checks, normalization,
//! gzip, de-duplication.

use crate::util::*;
use ampline_mock_amplitude::{IndexReporting, RecordFilter};
use flate2::write::GzEncoder;
use serde_json::json;
use std::io::Write as _;
use std::time::Duration;

#[tokio::test]
async fn accepted_events_get_amplitudes_200_and_are_recorded() {
    let mock = start().await;
    let body = json!({"api_key": US_KEY, "events": [
        {"event_type": "Signed Up", "user_id": "user-001", "insert_id": "i-1", "time": 1_700_000_000_000_i64},
        {"event_type": "Viewed", "device_id": "device-001", "session_id": -1},
    ]});
    let answer = mock.post_json("/2/httpapi", &body).await;
    assert_eq!(answer.status, 200);
    let reply = answer.json();
    let size = serde_json::to_vec(&body)
        .map(|bytes| bytes.len())
        .unwrap_or(0);
    assert_eq!(
        reply,
        json!({"code": 200, "events_ingested": 2, "payload_size_bytes": size,
               "server_upload_time": 1_717_000_000_000_u64})
    );
    let events = mock.handle.events(&RecordFilter::new());
    assert_eq!(events.len(), 2);
    let request_id = answer.request_id.unwrap_or_default();
    assert!(events.iter().all(|record| record.request_id == request_id));
    assert_eq!(events[0].item["time"], json!(1_700_000_000_000_i64));
    assert_eq!(
        events[1].item["time"],
        json!(1_717_000_000_000_u64),
        "time defaults to upload time"
    );
    assert_eq!(&*events[1].project, "us");
    assert_eq!(&*events[1].endpoint, "/2/httpapi");
    assert_eq!(events[1].index, 1);
}

#[tokio::test]
async fn unknown_keys_are_refused_with_the_key_echoed() {
    let mock = start().await;
    let answer = mock
        .post_json(
            "/batch",
            &json!({"api_key": "nope", "events": [event("user-1", "i")]}),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"code": 400, "error": "Invalid API key: nope"})
    );
    assert!(mock.handle.events(&RecordFilter::new()).is_empty());
}

#[tokio::test]
async fn keys_only_work_in_their_region() {
    let mock = start().await;
    let body = |key: &str| json!({"api_key": key, "events": [event("user-1", key)]});
    assert_eq!(
        mock.post_json("/eu/2/httpapi", &body(EU_KEY)).await.status,
        200
    );
    assert_eq!(
        mock.post_json("/us/2/httpapi", &body(US_KEY)).await.status,
        200
    );
    let wrong = mock.post_json("/us/2/httpapi", &body(EU_KEY)).await;
    assert_eq!(
        wrong.json()["error"],
        json!(format!("Invalid API key: {EU_KEY}"))
    );
    assert_eq!(mock.post_json("/eu/batch", &body(US_KEY)).await.status, 400);
    let by_host = answer(
        mock.client
            .post(mock.url("/2/httpapi"))
            .header("host", "api.eu.amplitude.com")
            .json(&body(US_KEY)),
    )
    .await;
    assert_eq!(by_host.status, 400);
    // Any other host name accepts both regions' keys.
    let again = json!({"api_key": EU_KEY, "events": [event("user-1", "another")]});
    assert_eq!(mock.post_json("/2/httpapi", &again).await.status, 200);
    assert_eq!(
        mock.handle.events(&RecordFilter::new().project("eu")).len(),
        2
    );
}

#[tokio::test]
async fn request_level_errors() {
    let mock = start().await;
    let empty = mock
        .post_bytes("/2/httpapi", "application/json", Vec::new())
        .await;
    assert_eq!(
        empty.json(),
        json!({"code": 400, "error": "Missing request body"})
    );
    let broken = mock
        .post_bytes("/batch", "application/json", b"{\"api_key\":".to_vec())
        .await;
    assert_eq!(
        broken.json(),
        json!({"code": 400, "error": "Invalid JSON request body"})
    );
    let not_json = mock
        .post_bytes(
            "/2/httpapi",
            "text/plain",
            br#"{"api_key":"k","events":[]}"#.to_vec(),
        )
        .await;
    assert_eq!(not_json.status, 400);
    let missing = mock
        .post_json("/2/httpapi", &json!({"api_key": US_KEY, "Events": []}))
        .await;
    assert_eq!(
        missing.json(),
        json!({"code": 400, "error": "Request missing required field", "missing_field": "events"})
    );
    let no_key = mock
        .post_json("/2/httpapi", &json!({"events": [{"user_id": "user-1"}]}))
        .await;
    assert_eq!(
        no_key.json(),
        json!({"code": 400, "error": "Request missing required field", "missing_field": "api_key",
               "events_with_missing_fields": {"event_type": [0]}})
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_are_invalid_request_paths() {
    let mock = start().await;
    for answer in [
        mock.get("/batch").await,
        mock.post_json("/3/httpapi", &json!({})).await,
        mock.get("/").await,
    ] {
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.json(),
            json!({"code": 400, "error": "Invalid request path"})
        );
    }
}

#[tokio::test]
async fn field_errors_list_indexes_and_ingest_nothing() {
    let mock = start().await;
    let answer = mock
        .send(json!([
            event("user-001", "ok"),
            {"user_id": "user-002"},
            {"event_type": "x", "user_id": "user-003", "time": "2024-05-29T00:00:00Z"},
            {"event_type": "x", "user_id": "user-004", "time": 1.5e12},
            {"event_type": "x", "user_id": "user-005", "price": "9.99", "event_properties": "no"},
            {"event_type": "x", "user_id": "undefined"},
            {"event_type": "x", "device_id": "00000000-0000-0000-0000-000000000000"},
            {"event_type": "x", "user_id": "user-007", "session_id": "s"},
        ]))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"code": 400, "error": "Request missing required field",
               "events_with_invalid_fields": {"device_id": [6], "event_properties": [4],
                   "price": [4], "session_id": [7], "time": [2, 3], "user_id": [5]},
               "events_with_missing_fields": {"event_type": [1]}})
    );
    assert!(mock.handle.events(&RecordFilter::new()).is_empty());
}

#[tokio::test]
async fn first_index_per_field_when_configured() {
    let mock = start_with(|config| config.index_reporting = IndexReporting::FirstPerField).await;
    let answer = mock
        .send(json!([
            {"event_type": "x", "user_id": "user-001", "time": "a"},
            {"event_type": "x", "user_id": "user-002", "time": "b"},
        ]))
        .await;
    assert_eq!(
        answer.json(),
        json!({"code": 400, "error": "Invalid field values on some events",
               "events_with_invalid_fields": {"time": [0]}})
    );
}

#[tokio::test]
async fn min_id_length_is_honoured() {
    let mock = start().await;
    let short = mock
        .send(json!([{"event_type": "x", "user_id": "ab"}]))
        .await;
    assert_eq!(
        short.json(),
        json!({"code": 400, "error": "Invalid field values on some events",
               "events_with_invalid_id_lengths": {"user_id": [0]}})
    );
    let allowed = mock
        .post_json(
            "/2/httpapi",
            &json!({"api_key": US_KEY, "events": [{"event_type": "x", "user_id": "ab"}],
                    "options": {"min_id_length": 2}}),
        )
        .await;
    assert_eq!(allowed.status, 200);
    // A short ID next to a valid one is removed, and the event kept.
    let stripped = mock
        .send(json!([{"event_type": "x", "user_id": "ab", "device_id": "device-001"}]))
        .await;
    assert_eq!(stripped.status, 200);
    let recorded = mock
        .handle
        .events(&RecordFilter::new().device_id("device-001"));
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].item.get("user_id"), None);
}

#[tokio::test]
async fn long_strings_are_truncated_to_1024_chars() {
    let mock = start().await;
    let long = "x".repeat(1500);
    let answer = mock
        .send(json!([{"event_type": long, "user_id": "user-001",
                      "event_properties": {"note": long, "nested": [{"deep": long}]}}]))
        .await;
    assert_eq!(answer.status, 200);
    let recorded = mock.handle.events(&RecordFilter::new());
    let item = &recorded[0].item;
    let kept = "x".repeat(1024);
    assert_eq!(item["event_type"], json!(kept));
    assert_eq!(item["event_properties"]["note"], json!(kept));
    assert_eq!(item["event_properties"]["nested"][0]["deep"], json!(kept));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[tokio::test]
async fn gzip_bodies_are_accepted() {
    let mock = start().await;
    let body = json!({"api_key": US_KEY, "events": events_of("user-001", 3)});
    let plain = serde_json::to_vec(&body).unwrap_or_default();
    let answer = answer(
        mock.client
            .post(mock.url("/batch"))
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(gzip(&plain)),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["payload_size_bytes"], json!(plain.len()));
    assert_eq!(mock.handle.events(&RecordFilter::new()).len(), 3);
    let not_gzip = answer_raw_gzip(&mock, b"{}".to_vec()).await;
    assert_eq!(
        not_gzip.json(),
        json!({"code": 400, "error": "Invalid JSON request body"})
    );
}

async fn answer_raw_gzip(mock: &Mock, body: Vec<u8>) -> Answer {
    answer(
        mock.client
            .post(mock.url("/2/httpapi"))
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(body),
    )
    .await
}

#[tokio::test]
async fn duplicate_insert_ids_get_200_but_are_stored_once_for_seven_days() {
    let mock = start().await;
    let first = mock
        .send(json!([
            event("user-001", "order-1"),
            event("user-001", "order-1")
        ]))
        .await;
    assert_eq!(first.json()["events_ingested"], json!(2));
    let again = mock.send_batch(json!([event("user-001", "order-1")])).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        mock.handle
            .events(&RecordFilter::new().insert_id("order-1"))
            .len(),
        1
    );
    // Scoped per device: another device's order-1 is new.
    let other_device = mock
        .send(json!([{"event_type": "x", "device_id": "device-009", "insert_id": "order-1"}]))
        .await;
    assert_eq!(other_device.status, 200);
    assert_eq!(
        mock.handle
            .events(&RecordFilter::new().insert_id("order-1"))
            .len(),
        2
    );
    mock.advance(Duration::from_secs(7 * 24 * 3600 - 1));
    mock.send(json!([event("user-001", "order-1")])).await;
    assert_eq!(
        mock.handle
            .events(&RecordFilter::new().insert_id("order-1"))
            .len(),
        2
    );
    mock.advance(Duration::from_secs(7 * 24 * 3600));
    mock.send(json!([event("user-001", "order-1")])).await;
    assert_eq!(
        mock.handle
            .events(&RecordFilter::new().insert_id("order-1"))
            .len(),
        3
    );
    let log = mock.handle.requests();
    assert_eq!((log[0].accepted, log[0].duplicates), (1, 1));
    assert_eq!(mock.handle.totals().duplicates, 3);
}

#[tokio::test]
async fn duplicates_can_be_left_out_of_events_ingested() {
    let mock = start_with(|config| config.count_duplicates = false).await;
    let answer = mock
        .send(json!([event("user-001", "a"), event("user-001", "a")]))
        .await;
    assert_eq!(answer.json()["events_ingested"], json!(1));
}
