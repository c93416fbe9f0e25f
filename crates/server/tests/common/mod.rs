//! What the server's integration tests share: a server on loopback ports with its admin API,
//! the in-process mock, Segment-shaped messages and a deadline-bound wait.
#![allow(dead_code)]

use ampline_amplitude::Secret;
use ampline_mock_amplitude::{Config as MockConfig, MockAmplitude, MockHandle, Project};
use ampline_queue::{Queue, SqliteQueue};
use ampline_server::{admin_app, app, AppState, Config, SenderOptions};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub const ADMIN_TOKEN: &str = "admin-secret";

pub const CONFIG: &str = r#"
[[sources]]
name = "web"
write_key = "WK"

[destination]
api_key = "KEY"
"#;

pub struct Server {
    pub state: AppState,
    pub url: String,
    /// The admin API's base URL.
    pub admin_url: String,
    _dir: tempfile::TempDir,
}

pub async fn start_server() -> Result<Server, Box<dyn std::error::Error>> {
    start_server_with(CONFIG).await
}

pub async fn start_server_with(config: &str) -> Result<Server, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let pipeline = Config::from_toml(config)?.compile(&|_| None)?;
    let queue = SqliteQueue::open(dir.path(), ampline_queue::QueueOptions::default())?;
    let state = AppState::new(pipeline, Arc::new(queue), Secret::new(ADMIN_TOKEN));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let router = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let admin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let admin_url = format!("http://{}", admin_listener.local_addr()?);
    let admin = admin_app(state.clone());
    tokio::spawn(async move { axum::serve(admin_listener, admin).await });
    Ok(Server {
        state,
        url,
        admin_url,
        _dir: dir,
    })
}

pub fn sender_options(mock: &MockHandle) -> SenderOptions {
    SenderOptions {
        base_url: Some(mock.base_url()),
        base_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        linger: Duration::from_millis(20),
        ..SenderOptions::default()
    }
}

pub async fn start_mock() -> Result<MockHandle, std::io::Error> {
    MockAmplitude::start(MockConfig::with_projects([Project::new("prod", "KEY")])).await
}

pub fn track(user: &str, message_id: &str, event: &str) -> Value {
    json!({"type": "track", "event": event, "userId": user, "anonymousId": format!("anon-{user}"),
           "messageId": message_id, "properties": {"plan": "pro", "n": 1},
           "timestamp": "2026-01-02T03:04:05.678Z"})
}

pub async fn post_batch(
    server: &Server,
    batch: Vec<Value>,
) -> Result<reqwest::Response, reqwest::Error> {
    reqwest::Client::new()
        .post(format!("{}/v1/batch", server.url))
        .header("content-type", "text/plain")
        .body(json!({"writeKey": "WK", "batch": batch}).to_string())
        .send()
        .await
}

/// Waits until `check` holds or 15 s pass (a deadline for a failing test, not a measurement).
pub async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    check()
}

pub fn stats(server: &Server) -> ampline_queue::Stats {
    server.state.queue.stats().unwrap_or_default()
}

/// GET on the admin API with the admin token.
pub async fn admin_get(server: &Server, path: &str) -> Result<reqwest::Response, reqwest::Error> {
    reqwest::Client::new()
        .get(format!("{}{path}", server.admin_url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
}

/// POST of a JSON body on the admin API with the admin token.
pub async fn admin_post(
    server: &Server,
    path: &str,
    body: &Value,
) -> Result<reqwest::Response, reqwest::Error> {
    reqwest::Client::new()
        .post(format!("{}{path}", server.admin_url))
        .bearer_auth(ADMIN_TOKEN)
        .body(body.to_string())
        .send()
        .await
}

/// The admin API's `/metrics` text.
pub async fn metrics_text(server: &Server) -> Result<String, reqwest::Error> {
    admin_get(server, "/metrics").await?.text().await
}
