//! `ampline serve` end to end over loopback: Segment clients → server → queue → router →
//! sender → the in-process mock Amplitude.

mod common;

use ampline_mock_amplitude::{
    Config as MockConfig, FaultRule, MockAmplitude, Project, RecordFilter,
};
use ampline_queue::Queue;
use ampline_server::{spawn_workers, SenderOptions};
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_events_reach_amplitude_once_with_segment_payloads() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    let batch: Vec<Value> = (0..20)
        .map(|i| track(&format!("user-{}", i % 4), &format!("msg-{i}"), "Signed Up"))
        .chain([
            json!({"type": "identify", "userId": "user-0", "messageId": "msg-id",
                       "traits": {"plan": "pro"}}),
        ])
        .collect();
    let response = post_batch(&server, batch).await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await?, json!({"success": true}));

    assert!(
        eventually(|| mock.events(&RecordFilter::new()).len() >= 20
            && !mock.identifies(&RecordFilter::new()).is_empty())
        .await
    );
    for i in 0..20 {
        let insert_id = format!("msg-{i}-");
        let found: Vec<_> = mock
            .events(&RecordFilter::new())
            .into_iter()
            .filter(|r| {
                r.item["insert_id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with(&insert_id))
            })
            .collect();
        assert_eq!(found.len(), 1, "event msg-{i} delivered once");
        let item = &found[0].item;
        assert_eq!(item["event_type"], "Signed Up");
        assert_eq!(item["user_id"], format!("user-{}", i % 4));
        assert_eq!(item["device_id"], format!("anon-user-{}", i % 4));
        assert_eq!(item["time"], 1_767_323_045_678_i64);
        assert_eq!(item["event_properties"], json!({"plan": "pro", "n": 1}));
    }
    let identify = &mock.identifies(&RecordFilter::new().user_id("user-0"))[0];
    assert_eq!(identify.item["user_properties"]["plan"], "pro");
    // Marked routed once delivered; nothing was stored beside the events on the happy path.
    assert!(
        eventually(|| {
            let s = stats(&server);
            s.counters.delivered == 21 && s.unrouted_events == 0
        })
        .await
    );
    assert_eq!(stats(&server).pending_deliveries, 0);
    assert_eq!(stats(&server).failed_deliveries, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_backlog_is_routed_on_several_threads_and_delivered_once() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server().await?;
    // Appended before the workers start, so the router reads full steps of 500.
    for round in 0..6 {
        let batch = (0..100)
            .map(|i| {
                let n = round * 100 + i;
                track(&format!("user-{}", n % 37), &format!("bulk-{n}"), "Clicked")
            })
            .collect();
        assert_eq!(post_batch(&server, batch).await?.status(), 200);
    }
    spawn_workers(&server.state, sender_options(&mock));
    assert!(
        eventually(|| {
            let s = stats(&server);
            s.counters.delivered == 600 && s.unrouted_events == 0
        })
        .await
    );
    let events = mock.events(&RecordFilter::new());
    let insert_ids: std::collections::BTreeSet<String> = events
        .iter()
        .filter_map(|r| r.item["insert_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(events.len(), 600);
    assert_eq!(insert_ids.len(), 600, "every event once");
    let matched = "ampline_matched_events_total{mapping=\"Track Calls\"} 600\n";
    let metrics = server.state.metrics.render(&stats(&server), 0, 0);
    assert!(metrics.contains(matched), "{metrics}");
    assert_eq!(stats(&server).pending_deliveries, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_burst_is_retried_until_everything_is_delivered() -> TestResult {
    let mock = start_mock().await?;
    mock.inject(FaultRule::status(503).times(3).on_path("/2/httpapi"));
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    let batch = (0..10)
        .map(|i| track(&format!("user-{i}"), &format!("m{i}"), "Clicked"))
        .collect();
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(eventually(|| stats(&server).counters.delivered == 10).await);
    assert_eq!(mock.events(&RecordFilter::new()).len(), 10);
    let statuses: Vec<Option<u16>> = mock.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(503), Some(200)]);
    assert!(stats(&server).counters.retried >= 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_naming_indexes_fails_only_those_events() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    // "ab" is shorter than Amplitude's minimum id length and the event has no device id.
    let mut batch: Vec<Value> = (0..5)
        .map(|i| track(&format!("user-{i}"), &format!("good-{i}"), "Clicked"))
        .collect();
    batch.insert(
        2,
        json!({"type": "track", "event": "Clicked", "userId": "ab", "messageId": "bad"}),
    );
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(
        eventually(|| {
            let s = stats(&server);
            s.counters.delivered == 5 && s.failed_deliveries == 1
        })
        .await
    );
    let failed = server.state.queue.failed(10, None)?;
    assert_eq!(failed.len(), 1);
    assert!(String::from_utf8_lossy(&failed[0].delivery.payload).contains("\"user_id\":\"ab\""));
    assert!(
        failed[0].reason.contains("events_with_invalid_id_lengths"),
        "{}",
        failed[0].reason
    );
    assert_eq!(mock.events(&RecordFilter::new()).len(), 5);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_holds_only_the_throttled_user() -> TestResult {
    let mock = start_mock().await?;
    mock.throttle_ids(["user-slow"]);
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    let mut batch: Vec<Value> = (0..6)
        .map(|i| track(&format!("user-{i}"), &format!("fast-{i}"), "Clicked"))
        .collect();
    batch.push(track("user-slow", "slow-1", "Clicked"));
    batch.push(track("user-slow", "slow-2", "Clicked"));
    let sent_at = now_ms();
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(eventually(|| stats(&server).counters.delivered == 6).await);
    assert!(mock
        .events(&RecordFilter::new().user_id("user-slow"))
        .is_empty());
    assert_eq!(mock.events(&RecordFilter::new()).len(), 6);
    let s = stats(&server);
    assert_eq!(s.pending_deliveries, 2);
    assert_eq!(s.failed_deliveries, 0);
    let held_until = s.next_due_at_ms.unwrap_or(0);
    assert!(
        held_until >= sent_at + 29_000,
        "held for at least 30 s: {held_until} vs {sent_at}"
    );
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_durable_before_the_answer_and_sent_once_amplitude_is_up() -> TestResult {
    let server = start_server().await?;
    let batch = (0..3)
        .map(|i| track(&format!("user-{i}"), &format!("d{i}"), "Clicked"))
        .collect();
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    // No router or sender yet: the answer came after the append alone.
    let s = stats(&server);
    assert_eq!(s.counters.appended, 3);
    assert_eq!(s.unrouted_events, 3);

    let mock = start_mock().await?;
    spawn_workers(&server.state, sender_options(&mock));
    assert!(eventually(|| mock.events(&RecordFilter::new()).len() == 3).await);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_write_keys_get_401_and_preflights_are_answered() -> TestResult {
    let server = start_server().await?;
    let client = reqwest::Client::new();
    let refused = client
        .post(format!("{}/v1/track", server.url))
        .body(json!({"writeKey": "nope", "event": "x", "userId": "user-1"}).to_string())
        .send()
        .await?;
    assert_eq!(refused.status(), 401);
    assert_eq!(stats(&server).counters.appended, 0);

    let preflight = client
        .request(reqwest::Method::OPTIONS, format!("{}/v1/t", server.url))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .send()
        .await?;
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://shop.example")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_api_key_fails_the_whole_request_without_leaking_it() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server_with(&CONFIG.replace("\"KEY\"", "\"WRONG-KEY\"")).await?;
    spawn_workers(&server.state, sender_options(&mock));
    let batch = (0..3)
        .map(|i| track(&format!("user-{i}"), &format!("k{i}"), "Clicked"))
        .collect();
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(eventually(|| stats(&server).failed_deliveries == 3).await);
    for failed in server.state.queue.failed(10, None)? {
        assert_eq!(failed.reason, "400 Invalid API key");
    }
    assert!(mock.events(&RecordFilter::new()).is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_errors_past_the_retry_window_fail_with_the_last_error() -> TestResult {
    let mock = start_mock().await?;
    mock.inject(FaultRule::status(503).always());
    let server = start_server().await?;
    let options = SenderOptions {
        retry_window: Duration::from_millis(300),
        ..sender_options(&mock)
    };
    spawn_workers(&server.state, options);
    let batch = vec![track("user-1", "w1", "Clicked")];
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(eventually(|| stats(&server).failed_deliveries == 1).await);
    let failed = server.state.queue.failed(10, None)?;
    assert!(
        failed[0]
            .reason
            .starts_with("retry window exceeded; last error: 503"),
        "{}",
        failed[0].reason
    );
    assert!(failed[0].delivery.attempts >= 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_refused_by_a_mapping_are_counted() -> TestResult {
    let config = format!(
        "{CONFIG}[[mappings]]\nname = \"no type\"\ntrigger = 'type = \"track\"'\n\
         action = \"logEventV2\"\nmapping = {{ user_id = {{ \"@path\" = \"$.userId\" }} }}\n"
    );
    let server = start_server_with(&config).await?;
    let mock = start_mock().await?;
    spawn_workers(&server.state, sender_options(&mock));
    assert_eq!(
        post_batch(&server, vec![track("user-1", "r1", "Clicked")])
            .await?
            .status(),
        200
    );
    // The refusal waits in the failed store; the metrics are published right after.
    assert!(eventually(|| stats(&server).failed_deliveries == 1).await);
    let refused = "ampline_failed_items_total{mapping=\"no type\",reason=\"mapping_refused\"} 1\n";
    let metrics = || server.state.metrics.render(&stats(&server), 0, 0);
    assert!(
        eventually(|| metrics().contains(refused)).await,
        "{}",
        metrics()
    );
    assert_eq!(stats(&server).pending_deliveries, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_413_splits_the_request_until_it_fits() -> TestResult {
    let mut config = MockConfig::with_projects([Project::new("prod", "KEY")]);
    config.limits.max_events_per_request = 4;
    let mock = MockAmplitude::start(config).await?;
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    let batch = (0..10)
        .map(|i| track(&format!("user-{i}"), &format!("s{i}"), "Clicked"))
        .collect();
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(eventually(|| stats(&server).counters.delivered == 10).await);
    assert_eq!(mock.events(&RecordFilter::new()).len(), 10);
    let statuses: Vec<Option<u16>> = mock.requests().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&Some(413)), "{statuses:?}");
    assert_eq!(stats(&server).failed_deliveries, 0);
    Ok(())
}
