//! `/_mock/…` queries, the request log, reset, and keeping keys out of everything recorded.

use crate::util::*;
use ampline_mock_amplitude::{Config, MockAmplitude, RecordFilter};
use serde_json::json;

#[tokio::test]
async fn accepted_items_are_queryable_with_filters_counts_and_pages() {
    let mock = start().await;
    let first = mock
        .send(json!([event("user-001", "a"), event("user-002", "b")]))
        .await;
    let second = mock.send_batch(json!([event("user-001", "c")])).await;
    let first_id = first.request_id.unwrap_or_default();
    let second_id = second.request_id.unwrap_or_default();
    assert!(second_id > first_id);

    let by_user = mock.get("/_mock/events?user_id=user-001").await.json();
    assert_eq!(by_user["count"], json!(2));
    assert_eq!(by_user["items"][1]["request_id"], json!(second_id));
    assert_eq!(by_user["items"][1]["endpoint"], json!("/batch"));
    assert_eq!(by_user["items"][1]["item"]["insert_id"], json!("c"));

    let by_request = mock
        .get(&format!("/_mock/events?request_id={first_id}"))
        .await
        .json();
    assert_eq!(by_request["count"], json!(2));
    let by_insert_id = mock.get("/_mock/events?insert_id=b").await.json();
    assert_eq!(
        by_insert_id["items"][0]["item"]["user_id"],
        json!("user-002")
    );
    let paged = mock.get("/_mock/events?limit=1&offset=1").await.json();
    assert_eq!(
        (
            paged["count"].clone(),
            paged["items"].as_array().map(Vec::len)
        ),
        (json!(3), Some(1))
    );
    assert_eq!(paged["items"][0]["item"]["insert_id"], json!("b"));
    assert_eq!(
        mock.get("/_mock/identifies").await.json(),
        json!({"count": 0, "items": []})
    );
    assert_eq!(mock.get("/_mock/nothing").await.status, 404);
}

#[tokio::test]
async fn the_request_log_keeps_every_request_with_its_outcome() {
    let mock = start().await;
    mock.send(json!([event("user-001", "a"), event("user-001", "a")]))
        .await;
    mock.send(json!([{"user_id": "user-001"}])).await;
    mock.post_json("/batch", &json!({"api_key": "wrong", "events": []}))
        .await;
    mock.get("/_mock/summary").await;
    let log = mock.get("/_mock/requests").await.json();
    assert_eq!(log["count"], json!(3), "control requests are not logged");
    assert_eq!(
        log["items"][0],
        json!({"request_id": 1, "at_ms": 1_717_000_000_000_u64, "method": "POST", "path": "/2/httpapi",
               "status": 200, "project": "us", "received": 2, "accepted": 1, "duplicates": 1,
               "error": null, "fault": null})
    );
    assert_eq!(
        log["items"][1]["error"],
        json!("Request missing required field")
    );
    assert_eq!(log["items"][2]["project"], json!(null));
    let failures = mock.get("/_mock/requests?status=400").await.json();
    assert_eq!(failures["count"], json!(2));
    let summary = mock.get("/_mock/summary").await.json();
    assert_eq!(summary["totals"]["events"], json!(1));
    assert_eq!(summary["totals"]["duplicates"], json!(1));
    assert_eq!(summary["totals"]["requests"], json!(3));
}

#[tokio::test]
async fn reset_forgets_records_dedup_and_faults() {
    let mock = start().await;
    mock.send(json!([event("user-001", "a")])).await;
    mock.post_json("/_mock/faults", &json!({"status": 500, "count": null}))
        .await;
    assert_eq!(mock.post_json("/_mock/reset", &json!({})).await.status, 200);
    assert_eq!(mock.send(json!([event("user-001", "a")])).await.status, 200);
    assert_eq!(mock.handle.events(&RecordFilter::new()).len(), 1);
    assert_eq!(mock.handle.requests().len(), 1);
}

#[tokio::test]
async fn api_keys_never_appear_in_records_logs_or_summaries() {
    let mock = start().await;
    mock.send(json!([event("user-001", "a")])).await;
    answer(mock.client.get(mock.url("/identify")).query(&[
        ("api_key", US_KEY),
        ("identification", r#"{"user_id":"user-001"}"#),
    ]))
    .await;
    for path in [
        "/_mock/events",
        "/_mock/identifies",
        "/_mock/requests",
        "/_mock/summary",
    ] {
        let text = mock.get(path).await.text;
        assert!(!text.contains(US_KEY), "{path} shows the key: {text}");
    }
    assert!(!format!("{:?}", mock.handle.requests()).contains(US_KEY));
}

#[tokio::test]
async fn open_mode_accepts_any_key_as_its_own_project() {
    let mock = match MockAmplitude::start(Config::default()).await {
        Ok(mock) => mock,
        Err(error) => panic!("{error}"),
    };
    let client = client();
    for key in ["first-key", "second-key"] {
        let answer = answer(
            client
                .post(format!("{}/2/httpapi", mock.base_url()))
                .json(&json!({"api_key": key, "events": [event("user-001", "a")]})),
        )
        .await;
        assert_eq!(answer.status, 200);
    }
    let events = mock.events(&RecordFilter::new());
    assert_eq!(events.len(), 2, "de-duplication is per project");
    assert_ne!(events[0].project, events[1].project);
    assert!(events[0].project.starts_with("key-"));
    mock.shutdown().await;
}

#[tokio::test]
async fn the_clock_endpoint_refuses_to_step_the_system_clock() {
    let mock = match MockAmplitude::start(Config::default()).await {
        Ok(mock) => mock,
        Err(error) => panic!("{error}"),
    };
    let answer = answer(
        client()
            .post(format!("{}/_mock/clock", mock.base_url()))
            .json(&json!({"advance_ms": 5})),
    )
    .await;
    assert_eq!(answer.status, 409);
}
