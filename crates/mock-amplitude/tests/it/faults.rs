//! Fault injection through the library API and the `/_mock/faults` endpoint.

use crate::util::*;
use ampline_mock_amplitude::{FaultBody, FaultRule, RecordFilter};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_next_n_requests_fail_with_each_status_then_recover() {
    let mock = start().await;
    for status in [500, 502, 503, 504, 429, 413] {
        mock.handle.inject(FaultRule::status(status).times(2));
        for _ in 0..2 {
            let answer = mock.send(json!([event("user-001", "a")])).await;
            assert_eq!(answer.status, status);
            assert_eq!(answer.json()["code"], json!(status));
        }
        assert_eq!(
            mock.send(json!([event("user-001", &status.to_string())]))
                .await
                .status,
            200
        );
    }
    assert_eq!(
        mock.handle.events(&RecordFilter::new()).len(),
        6,
        "failed requests ingest nothing"
    );
    let faulted = mock
        .handle
        .requests()
        .iter()
        .filter(|entry| entry.fault.is_some())
        .count();
    assert_eq!(faulted, 12);
}

#[tokio::test]
async fn faults_can_target_one_path_and_carry_other_bodies() {
    let mock = start().await;
    mock.handle.inject(
        FaultRule::status(502)
            .on_path("/batch")
            .with_body(FaultBody::Html),
    );
    mock.handle.inject(
        FaultRule::status(400)
            .on_path("/batch")
            .with_body(FaultBody::Empty),
    );
    assert_eq!(mock.send(json!([event("user-001", "a")])).await.status, 200);
    let html = mock.send_batch(json!([event("user-001", "b")])).await;
    assert_eq!(html.status, 502);
    assert!(html.text.contains("<h1>502 Bad Gateway</h1>"));
    assert_eq!(html.content_type.as_deref(), Some("text/html"));
    let empty = mock.send_batch(json!([event("user-001", "c")])).await;
    assert_eq!((empty.status, empty.text.as_str()), (400, ""));
    let forbidden = {
        mock.handle.inject(FaultRule::status(403));
        mock.send(json!([event("user-001", "d")])).await
    };
    assert_eq!(forbidden.json(), json!({"code": 403, "error": "Forbidden"}));
}

#[tokio::test]
async fn an_ingested_anyway_500_records_the_events() {
    let mock = start().await;
    mock.handle.inject(FaultRule::status(500).ingested());
    let answer = mock.send(json!([event("user-001", "kept")])).await;
    assert_eq!(answer.status, 500);
    assert_eq!(
        mock.handle
            .events(&RecordFilter::new().insert_id("kept"))
            .len(),
        1
    );
    // The client's retry is then a duplicate.
    assert_eq!(
        mock.send(json!([event("user-001", "kept")])).await.status,
        200
    );
    assert_eq!(
        mock.handle
            .events(&RecordFilter::new().insert_id("kept"))
            .len(),
        1
    );
    let log = mock.handle.requests();
    assert_eq!((log[0].status, log[0].accepted), (Some(500), 1));
    assert_eq!(log[0].fault.as_deref(), Some("status 500 (ingested)"));
}

#[tokio::test]
async fn dropped_connections_get_no_answer() {
    let mock = start().await;
    mock.handle.inject(FaultRule::drop_connection());
    let dropped = mock
        .client
        .post(mock.url("/2/httpapi"))
        .json(&json!({"api_key": US_KEY, "events": [event("user-001", "a")]}))
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "expected a connection error, got {dropped:?}"
    );
    assert_eq!(mock.send(json!([event("user-001", "a")])).await.status, 200);
    assert_eq!(mock.handle.requests()[0].status, None);
}

#[tokio::test]
async fn latency_delays_answers() {
    let mock = start().await;
    mock.handle
        .inject(FaultRule::delay(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(mock.send(json!([event("user-001", "a")])).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    mock.handle.set_latency(Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(mock.send(json!([event("user-001", "b")])).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn down_for_a_while_answers_503_until_the_clock_passes() {
    let mock = start().await;
    mock.handle.down_for(Duration::from_secs(60));
    let down = mock.send(json!([event("user-001", "a")])).await;
    assert_eq!(
        down.json(),
        json!({"code": 503, "error": "Service Unavailable"})
    );
    let form = mock.post_form("/identify", &[("api_key", US_KEY)]).await;
    assert_eq!(form.status, 503);
    mock.advance(Duration::from_secs(60));
    assert_eq!(mock.send(json!([event("user-001", "a")])).await.status, 200);
}

#[tokio::test]
async fn chosen_ids_are_throttled_and_silenced_devices_refused() {
    let mock = start().await;
    mock.handle.throttle_ids(["user-slow"]);
    let throttled = mock
        .send(json!([event("user-001", "a"), event("user-slow", "b")]))
        .await;
    assert_eq!(throttled.status, 429);
    assert_eq!(
        throttled.json()["throttled_users"],
        json!({"user-slow": 31})
    );
    assert_eq!(throttled.json()["throttled_events"], json!([1]));
    mock.handle.silence_devices(["device-bad"]);
    let silenced = mock
        .send(json!([{"event_type": "e", "device_id": "device-bad"}, event("user-001", "c")]))
        .await;
    assert_eq!(
        silenced.json(),
        json!({"code": 400, "error": "Events silenced for device_id", "eps_threshold": 30,
               "exceeded_daily_quota_devices": {}, "silenced_devices": ["device-bad"],
               "silenced_events": [0], "throttled_devices": {}, "throttled_events": []})
    );
    mock.handle.clear_faults();
    assert_eq!(
        mock.send(json!([event("user-slow", "b")])).await.status,
        200
    );
    assert!(mock
        .handle
        .events(&RecordFilter::new().user_id("user-001"))
        .is_empty());
}

#[tokio::test]
async fn faults_are_scriptable_over_http() {
    let mock = start().await;
    let armed = mock
        .post_json(
            "/_mock/faults",
            &json!([{"status": 504, "count": 1, "path": "/batch"},
                    {"throttle_ids": ["user-x"]},
                    {"down_for_ms": 1000, "drop": true}]),
        )
        .await;
    assert_eq!(armed.status, 200);
    assert_eq!(armed.json()["rules"][0]["status"], json!(504));
    assert_eq!(armed.json()["down_for_ms"], json!(1000));
    let listed = mock.get("/_mock/faults").await.json();
    assert_eq!(listed["throttle_ids"], json!(["user-x"]));
    // Down (dropping) comes first; the control endpoints stay reachable.
    assert!(mock
        .client
        .post(mock.url("/batch"))
        .json(&json!({"api_key": US_KEY, "events": [event("user-001", "a")]}))
        .send()
        .await
        .is_err());
    let step = mock
        .post_json("/_mock/clock", &json!({"advance_ms": 1000}))
        .await;
    assert_eq!(step.json()["now_ms"], json!(1_717_000_001_000_u64));
    assert_eq!(
        mock.send_batch(json!([event("user-001", "a")]))
            .await
            .status,
        504
    );
    assert_eq!(
        mock.send_batch(json!([event("user-001", "a")]))
            .await
            .status,
        200
    );
    let bad = mock
        .post_json("/_mock/faults", &json!({"status": "soon"}))
        .await;
    assert_eq!(bad.status, 400);
    let cleared = answer(mock.client.delete(mock.url("/_mock/faults"))).await;
    assert_eq!(cleared.status, 200);
    assert_eq!(
        mock.get("/_mock/faults").await.json()["throttle_ids"],
        json!([])
    );
}
