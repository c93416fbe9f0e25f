//! Size limits (413) and throttling (429), with windows stepped by the manual clock.

use crate::util::*;
use ampline_mock_amplitude::RecordFilter;
use flate2::write::GzEncoder;
use serde_json::{json, Value};
use std::io::Write as _;
use std::time::Duration;

fn too_large() -> Value {
    json!({"code": 413, "error": "Payload too large"})
}

#[tokio::test]
async fn more_than_2000_events_is_413() {
    let mock = start().await;
    let events: Vec<Value> = (0..2001)
        .map(|i| json!({"event_type": "e", "user_id": format!("user-{i}")}))
        .collect();
    let answer = mock.send_batch(Value::Array(events.clone())).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json(), too_large());
    let answer = mock.send_batch(Value::Array(events[..2000].to_vec())).await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn httpapi_bodies_over_1mb_are_413_even_when_gzipped_but_batch_takes_them() {
    let mock = start().await;
    let padding = "p".repeat(1000);
    let events: Vec<Value> = (0..1100)
        .map(|i| json!({"event_type": "e", "user_id": format!("user-{i}"), "event_properties": {"p": padding}}))
        .collect();
    let body =
        serde_json::to_vec(&json!({"api_key": US_KEY, "events": events})).unwrap_or_default();
    assert!(body.len() > 1_000_000);
    let plain = mock
        .post_bytes("/2/httpapi", "application/json", body.clone())
        .await;
    assert_eq!((plain.status, plain.json()), (413, too_large()));
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(&body);
    let packed = encoder.finish().unwrap_or_default();
    assert!(packed.len() < 100_000);
    let gzipped = answer(
        mock.client
            .post(mock.url("/2/httpapi"))
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(packed),
    )
    .await;
    assert_eq!(gzipped.status, 413);
    assert!(mock.handle.events(&RecordFilter::new()).is_empty());
    let batch = mock.post_bytes("/batch", "application/json", body).await;
    assert_eq!(batch.status, 200);
}

#[tokio::test]
async fn httpapi_throttles_users_and_devices_above_30_eps_over_30_seconds() {
    let mock = start().await;
    let burst: Vec<Value> = (0..900)
        .map(|i| json!({"event_type": "e", "user_id": "user-hot", "device_id": "device-hot", "insert_id": i.to_string()}))
        .collect();
    assert_eq!(mock.send(Value::Array(burst)).await.status, 200);
    mock.advance(Duration::from_secs(29));
    let answer = mock
        .send(json!([
            event("user-cold", "c-1"),
            {"event_type": "e", "user_id": "user-hot", "device_id": "device-hot", "insert_id": "more"},
        ]))
        .await;
    assert_eq!(answer.status, 429);
    assert_eq!(
        answer.json(),
        json!({"code": 429, "error": "Too many requests for some devices and users",
               "eps_threshold": 30, "throttled_devices": {"device-hot": 31},
               "throttled_users": {"user-hot": 31}, "throttled_events": [1]})
    );
    assert!(mock
        .handle
        .events(&RecordFilter::new().user_id("user-cold"))
        .is_empty());
    // The burst leaves the window 30 s after it arrived.
    mock.advance(Duration::from_secs(1));
    let retried = mock
        .send(json!([{"event_type": "e", "user_id": "user-hot", "device_id": "device-hot", "insert_id": "more"}]))
        .await;
    assert_eq!(retried.status, 200);
}

#[tokio::test]
async fn batch_has_its_own_threshold_and_a_daily_quota() {
    let mock = start_with(|config| {
        config.limits.batch_eps = 2;
        config.limits.rate_window = Duration::from_secs(1);
        config.limits.batch_daily_quota = Some(5);
    })
    .await;
    assert_eq!(mock.send_batch(events_of("user-001", 2)).await.status, 200);
    let over = mock.send_batch(events_of("user-001", 1)).await;
    assert_eq!(over.status, 429);
    assert_eq!(over.json()["eps_threshold"], json!(2));
    assert_eq!(over.json()["throttled_users"], json!({"user-001": 3}));
    // The same rate on /2/httpapi is far below its 30 EPS.
    assert_eq!(mock.send(events_of("user-001", 2)).await.status, 200);
    mock.advance(Duration::from_secs(1));
    assert_eq!(mock.send_batch(events_of("user-001", 2)).await.status, 200);
    mock.advance(Duration::from_secs(1));
    let quota = mock.send_batch(events_of("user-001", 2)).await;
    assert_eq!(quota.status, 429);
    assert_eq!(
        quota.json()["exceeded_daily_quota_users"],
        json!({"user-001": 6})
    );
    assert_eq!(quota.json()["throttled_events"], json!([0, 1]));
    mock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(mock.send_batch(events_of("user-001", 2)).await.status, 200);
}

#[tokio::test]
async fn identify_shares_the_realtime_throttle() {
    let mock = start_with(|config| config.limits.httpapi_eps = 1).await;
    let identification = json!([{"user_id": "user-001"}]).to_string();
    for _ in 0..30 {
        let ok = mock
            .post_form(
                "/identify",
                &[("api_key", US_KEY), ("identification", &identification)],
            )
            .await;
        assert_eq!(ok.status, 200);
    }
    let throttled = mock
        .post_form(
            "/identify",
            &[("api_key", US_KEY), ("identification", &identification)],
        )
        .await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.json()["throttled_users"], json!({"user-001": 2}));
}

#[tokio::test]
async fn usermap_throttles_every_request_above_its_rate() {
    let mock = start_with(|config| {
        config.limits.usermap_per_second = 1;
        config.limits.rate_window = Duration::from_secs(2);
    })
    .await;
    let mapping = |user: &str| json!({"user_id": user, "global_user_id": "global-1"}).to_string();
    assert_eq!(
        mock.post_form(
            "/usermap",
            &[("api_key", US_KEY), ("mapping", &mapping("a1"))]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        mock.post_form(
            "/usermap",
            &[("api_key", US_KEY), ("mapping", &mapping("a2"))]
        )
        .await
        .status,
        200
    );
    let throttled = mock
        .post_form(
            "/usermap",
            &[("api_key", US_KEY), ("mapping", &mapping("a3"))],
        )
        .await;
    assert_eq!(throttled.status, 429);
    mock.advance(Duration::from_secs(2));
    assert_eq!(
        mock.post_form(
            "/usermap",
            &[("api_key", US_KEY), ("mapping", &mapping("a3"))]
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn form_endpoint_item_limits_are_413() {
    let mock = start_with(|config| {
        config.limits.max_group_identifications = 2;
        config.limits.max_mappings_per_request = 2;
    })
    .await;
    let groups = json!([
        {"group_type": "org", "group_value": "a"},
        {"group_type": "org", "group_value": "b"},
        {"group_type": "org", "group_value": "c"},
    ])
    .to_string();
    let answer = mock
        .post_form(
            "/groupidentify",
            &[("api_key", US_KEY), ("identification", &groups)],
        )
        .await;
    assert_eq!((answer.status, answer.json()), (413, too_large()));
    let mappings = json!([
        {"user_id": "a", "global_user_id": "g"},
        {"user_id": "b", "global_user_id": "g"},
        {"user_id": "c", "global_user_id": "g"},
    ])
    .to_string();
    let answer = mock
        .post_form("/usermap", &[("api_key", US_KEY), ("mapping", &mappings)])
        .await;
    assert_eq!(answer.status, 413);
}
