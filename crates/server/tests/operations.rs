//! What an operator sees and does: the admin API (health, metrics, failed items and their retry,
//! the last requests), dry run, the `integrations` object, reload, ordered shutdown, gzip and the
//! insert_id setting.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use ampline_mock_amplitude::{FaultBody, FaultRule, RecordFilter};
use ampline_server::{run, spawn_workers, SenderOptions};
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_open_and_everything_else_needs_the_token() -> TestResult {
    let server = start_server().await?;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/healthz", server.admin_url))
        .send()
        .await?;
    assert_eq!(health.status(), 200);
    let ready = client
        .get(format!("{}/readyz", server.admin_url))
        .send()
        .await?;
    assert_eq!(ready.status(), 200);
    for path in ["/metrics", "/api/status", "/api/failed", "/api/deliveries"] {
        let anonymous = client
            .get(format!("{}{path}", server.admin_url))
            .send()
            .await?;
        assert_eq!(anonymous.status(), 401, "{path}");
        let wrong = client
            .get(format!("{}{path}", server.admin_url))
            .bearer_auth("not-the-token")
            .send()
            .await?;
        assert_eq!(wrong.status(), 401, "{path}");
        assert_eq!(admin_get(&server, path).await?.status(), 200, "{path}");
    }
    let status: Value = admin_get(&server, "/api/status").await?.json().await?;
    assert_eq!(status["dry_run"], false);
    assert_eq!(status["sources"], json!(["web"]));
    assert_eq!(status["mappings"][0]["name"], "Track Calls");
    let text = serde_json::to_string(&status)?;
    assert!(!text.contains("KEY\"") && !text.contains("WK"), "{text}");
    server.state.begin_shutdown();
    let draining = client
        .get(format!("{}/readyz", server.admin_url))
        .send()
        .await?;
    assert_eq!(draining.status(), 503);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_received_delivered_and_filtered_per_mapping() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    let batch = vec![
        track("user-1", "m1", "Clicked"),
        track("user-2", "m2", "Clicked"),
        json!({"type": "alias", "userId": "u", "previousId": "p", "messageId": "m3"}),
        json!({"bad": "message"}),
    ];
    let answer: Value = post_batch(&server, batch).await?.json().await?;
    assert_eq!(answer["rejected"][0]["index"], 3);
    assert!(eventually(|| stats(&server).counters.delivered == 2).await);
    // Routing publishes its counts right after its commit, which the sender may overtake.
    let filtered = "ampline_filtered_events_total{reason=\"no_matching_mapping\"} 1\n";
    assert!(
        eventually(|| server
            .state
            .metrics
            .render(&stats(&server), 0, 0)
            .contains(filtered))
        .await
    );
    let text = metrics_text(&server).await?;
    for line in [
        "ampline_received_events_total{source=\"web\"} 3\n",
        "ampline_matched_events_total{mapping=\"Track Calls\"} 2\n",
        "ampline_delivered_items_total{mapping=\"Track Calls\"} 2\n",
        "ampline_filtered_events_total{reason=\"no_matching_mapping\"} 1\n",
        "ampline_amplitude_requests_total{endpoint=\"/2/httpapi\",status=\"200\"} 1\n",
        "ampline_queue_pending_items 0\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(text.contains("ampline_rejected_total{reason=\""), "{text}");
    assert!(
        text.contains("ampline_delivery_seconds_count 2\n"),
        "{text}"
    );
    assert!(!text.contains("KEY") && !text.contains("WK"), "{text}");
    Ok(())
}

/// Sends one track message that is bound to fail, waits for it in the failed store and returns
/// `GET /api/failed`.
async fn send_one_that_fails(
    server: &Server,
    message_id: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    let answer = post_batch(server, vec![track("user-1", message_id, "Clicked")]).await?;
    assert_eq!(answer.status(), 200);
    assert!(eventually(|| stats(server).failed_deliveries == 1).await);
    Ok(admin_get(server, "/api/failed").await?.json().await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_items_are_listed_with_their_reason_and_can_be_retried() -> TestResult {
    let mock = start_mock().await?;
    mock.inject(
        FaultRule::status(400)
            .times(1)
            .with_body(FaultBody::Text("Bad Request".into())),
    );
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    let listed = send_one_that_fails(&server, "f1").await?;
    let failed = &listed["failed"][0];
    assert_eq!(failed["mapping"], "Track Calls");
    assert_eq!(failed["endpoint"], "/2/httpapi");
    assert_eq!(failed["reason"], "400: Bad Request");
    assert_eq!(failed["item"]["event_type"], "Clicked");
    assert_eq!(listed["next_after"], Value::Null);

    let refused = admin_post(&server, "/api/failed/retry", &json!({"ids": ["x"]})).await?;
    assert_eq!(refused.status(), 400);
    let id = failed["id"].clone();
    let retried: Value = admin_post(&server, "/api/failed/retry", &json!({ "ids": [id] }))
        .await?
        .json()
        .await?;
    assert_eq!(retried["requeued"], 1);
    assert!(eventually(|| mock.events(&RecordFilter::new()).len() == 1).await);
    assert!(eventually(|| stats(&server).failed_deliveries == 0).await);
    let text = metrics_text(&server).await?;
    assert!(
        text.contains(
            "ampline_failed_items_total{mapping=\"Track Calls\",reason=\"request_refused\"} 1\n"
        ),
        "{text}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_api_key_requests_are_recorded_not_sent() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server_with("[[sources]]\nname = \"web\"\nwrite_key = \"WK\"\n").await?;
    spawn_workers(&server.state, sender_options(&mock));
    let batch = vec![
        track("user-1", "d1", "Clicked"),
        json!({"type": "identify", "userId": "user-1", "traits": {"plan": "pro"}, "messageId": "d2"}),
    ];
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(eventually(|| stats(&server).counters.delivered == 2).await);
    assert_eq!(mock.requests().len(), 0, "a dry run sent a request");
    let recent: Value = admin_get(&server, "/api/deliveries").await?.json().await?;
    let recent = recent["deliveries"].as_array().cloned().unwrap_or_default();
    assert_eq!(recent.len(), 2, "{recent:?}");
    let httpapi = recent
        .iter()
        .find(|r| r["endpoint"] == "/2/httpapi")
        .expect("the event request");
    assert_eq!(httpapi["dry_run"], true);
    assert_eq!(httpapi["items"], 1);
    let body: Value = serde_json::from_str(httpapi["body"].as_str().unwrap_or(""))?;
    assert_eq!(body["api_key"], "<redacted>");
    assert_eq!(body["events"][0]["event_type"], "Clicked");
    assert_eq!(body["events"][0]["user_id"], "user-1");
    let status: Value = admin_get(&server, "/api/status").await?.json().await?;
    assert_eq!(status["dry_run"], true);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_integrations_object_decides_whether_amplitude_gets_the_event() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    let with = |id: &str, integrations: Value| {
        let mut message = track("user-1", id, id);
        message["integrations"] = integrations;
        message
    };
    let batch = vec![
        with("all-off", json!({"All": false})),
        with("actions-off", json!({"Actions Amplitude": false})),
        with("catalog-off", json!({"Amplitude (Actions)": false})),
        with(
            "all-off-but-this",
            json!({"All": false, "Amplitude (Actions)": true}),
        ),
        with(
            "options-object",
            json!({"All": false, "Actions Amplitude": {"session_id": 1}}),
        ),
        with("classic-off", json!({"Amplitude": false})),
    ];
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(eventually(|| stats(&server).counters.routed == 6).await);
    assert!(eventually(|| stats(&server).counters.delivered == 3).await);
    let mut sent: Vec<String> = mock
        .events(&RecordFilter::new())
        .iter()
        .map(|e| e.item["event_type"].as_str().unwrap_or("").to_owned())
        .collect();
    sent.sort();
    assert_eq!(sent, ["all-off-but-this", "classic-off", "options-object"]);
    let filtered = "ampline_filtered_events_total{reason=\"integrations\"} 3\n";
    let metrics = || server.state.metrics.render(&stats(&server), 0, 0);
    assert!(
        eventually(|| metrics().contains(filtered)).await,
        "{}",
        metrics()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_swaps_in_a_valid_configuration_and_keeps_the_old_one_otherwise() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server().await?;
    spawn_workers(&server.state, sender_options(&mock));
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ampline.toml");
    let renamed = format!(
        "{CONFIG}[[mappings]]\nname = \"renamed\"\ntrigger = 'type = \"track\"'\naction = \"logEventV2\"\n\
         mapping = {{ event_type = {{ \"@template\" = \"v2 {{{{event}}}}\" }}, user_id = {{ \"@path\" = \"$.userId\" }} }}\n"
    );
    std::fs::write(&path, &renamed)?;
    run::reload(&server.state, &path).map_err(|e| e.to_string())?;
    assert_eq!(server.state.pipeline().mappings[0].name, "renamed");

    std::fs::write(
        &path,
        format!(
            "{CONFIG}[[mappings]]\nname = \"broken\"\ntrigger = '('\naction = \"logEventV2\"\n"
        ),
    )?;
    let error = run::reload(&server.state, &path)
        .err()
        .map(|e| e.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("mappings[0] (broken).trigger")),
        "{error:?}"
    );
    assert_eq!(server.state.pipeline().mappings[0].name, "renamed");

    assert_eq!(
        post_batch(&server, vec![track("user-1", "r1", "Clicked")])
            .await?
            .status(),
        200
    );
    assert!(eventually(|| mock.events(&RecordFilter::new()).len() == 1).await);
    assert_eq!(
        mock.events(&RecordFilter::new())[0].item["event_type"],
        "v2 Clicked"
    );
    let text = metrics_text(&server).await?;
    assert!(
        text.contains("ampline_config_reloads_total{reason=\"ok\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("ampline_config_reloads_total{reason=\"invalid\"} 1\n"),
        "{text}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_routes_and_sends_everything_accepted_then_stops() -> TestResult {
    let mock = start_mock().await?;
    let server = start_server().await?;
    let options = SenderOptions {
        // Without the drain, these events would wait out a long linger.
        linger: Duration::from_secs(3600),
        ..sender_options(&mock)
    };
    let batch: Vec<Value> = (0..50)
        .map(|i| track(&format!("user-{i}"), &format!("s{i}"), "Clicked"))
        .collect();
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    let workers = spawn_workers(&server.state, options);
    server.state.begin_shutdown();
    tokio::time::timeout(
        Duration::from_secs(30),
        workers.drain(&server.state, Duration::from_secs(20)),
    )
    .await?;
    assert_eq!(mock.events(&RecordFilter::new()).len(), 50);
    assert_eq!(stats(&server).pending_deliveries, 0);
    assert_eq!(stats(&server).unrouted_events, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_bodies_are_gzipped_and_form_bodies_are_not() -> TestResult {
    use axum::body::Bytes;
    use axum::http::HeaderMap;
    use std::sync::{Arc, Mutex};
    type Seen = Arc<Mutex<Vec<(String, Option<String>, Vec<u8>)>>>;
    let seen: Seen = Arc::default();
    let record = {
        let seen = Arc::clone(&seen);
        move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let seen = Arc::clone(&seen);
            async move {
                let encoding = headers
                    .get("content-encoding")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                seen.lock()
                    .unwrap()
                    .push((uri.path().to_owned(), encoding, body.to_vec()));
                "{\"code\":200}"
            }
        }
    };
    let capture = axum::Router::new().fallback(record);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, capture).await });
    let server = start_server().await?;
    let options = SenderOptions {
        base_url: Some(base),
        linger: Duration::from_millis(20),
        ..SenderOptions::default()
    };
    spawn_workers(&server.state, options);
    let batch = vec![
        track("user-1", "g1", "Clicked"),
        json!({"type": "identify", "userId": "user-1", "traits": {"plan": "pro"}, "messageId": "g2"}),
    ];
    assert_eq!(post_batch(&server, batch).await?.status(), 200);
    assert!(eventually(|| seen.lock().unwrap().len() == 2).await);
    let seen = seen.lock().unwrap().clone();
    let (_, encoding, body) = seen.iter().find(|(path, ..)| path == "/2/httpapi").unwrap();
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text)?;
    let sent: Value = serde_json::from_str(&text)?;
    assert_eq!(sent["events"][0]["event_type"], "Clicked");
    let (_, encoding, _) = seen.iter().find(|(path, ..)| path == "/identify").unwrap();
    assert_eq!(encoding, &None);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_ids_are_derived_unless_turned_off() -> TestResult {
    let mock = start_mock().await?;
    let config = format!("{CONFIG}[delivery]\nderive_insert_ids = false\n");
    let server = start_server_with(&config).await?;
    spawn_workers(&server.state, sender_options(&mock));
    let mut message = track("user-1", "i1", "Clicked");
    message["properties"] = json!({});
    assert_eq!(post_batch(&server, vec![message]).await?.status(), 200);
    assert!(eventually(|| mock.events(&RecordFilter::new()).len() == 1).await);
    let event = &mock.events(&RecordFilter::new())[0].item;
    assert_eq!(event.get("insert_id"), None, "{event}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_a_mapping_refuses_wait_in_the_failed_store_until_the_mapping_is_fixed() -> TestResult
{
    let mock = start_mock().await?;
    let mapping = |event_type: &str| {
        format!(
            "{CONFIG}[[mappings]]\nname = \"strict\"\ntrigger = 'type = \"track\"'\naction = \"logEventV2\"\n\
             mapping = {{ {event_type} user_id = {{ \"@path\" = \"$.userId\" }} }}\n"
        )
    };
    // `event_type` is required and the first version leaves it out.
    let server = start_server_with(&mapping("")).await?;
    spawn_workers(&server.state, sender_options(&mock));
    let listed = send_one_that_fails(&server, "x1").await?;
    let failed = &listed["failed"][0];
    assert_eq!(failed["mapping"], "strict");
    assert_eq!(failed["endpoint"], Value::Null);
    assert_eq!(failed["item"]["messageId"], "x1", "the event is kept");
    let reason = failed["reason"].as_str().unwrap_or("");
    assert!(reason.starts_with("mapping refused: "), "{reason}");
    assert!(reason.contains("event_type"), "{reason}");

    // Retried before the fix: refused again, back in the failed store.
    let all = json!({"all": true});
    assert_eq!(
        admin_post(&server, "/api/failed/retry", &all)
            .await?
            .status(),
        200
    );
    assert!(eventually(|| stats(&server).counters.failed == 2).await);
    assert_eq!(stats(&server).failed_deliveries, 1);

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ampline.toml");
    std::fs::write(&path, mapping("event_type = { \"@path\" = \"$.event\" },"))?;
    run::reload(&server.state, &path).map_err(|e| e.to_string())?;
    assert_eq!(
        admin_post(&server, "/api/failed/retry", &all)
            .await?
            .status(),
        200
    );
    assert!(eventually(|| mock.events(&RecordFilter::new()).len() == 1).await);
    let event = &mock.events(&RecordFilter::new())[0].item;
    assert_eq!(event["event_type"], "Clicked");
    assert_eq!(event["user_id"], "user-1");
    assert_eq!(
        event["insert_id"],
        ampline_server::routing::derived_insert_id("x1", "strict", 0)
    );
    assert!(
        eventually(
            || stats(&server).failed_deliveries == 0 && stats(&server).pending_deliveries == 0
        )
        .await
    );
    Ok(())
}
