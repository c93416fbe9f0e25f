//! The whole server under `kill -9` and Amplitude outages, as a process: the real `ampline serve`
//! binary against an in-process mock Amplitude.
//!
//! The contract under test: every event that got a 200 reaches Amplitude, once. Once means once
//! *stored*: re-sends after a crash are expected (a request in flight when the server died is
//! sent again with the same body), and Amplitude drops them by `insert_id`; what must never
//! happen is an event stored twice under two different insert_ids, or not at all.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A failed expectation is a failed test.

use ampline_mock_amplitude::{
    Config as MockConfig, FaultRule, MockAmplitude, MockHandle, Project, RecordFilter,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
[[sources]]
name = "web"
write_key = "WK"

[destination]
api_key = "KEY"

[server]
admin_token = "ADMIN"

# Retries come back quickly, so the outage tests end soon after Amplitude does.
[delivery]
base_backoff = "100ms"
max_backoff = "1s"
"#;

/// Messages per /v1/batch request.
const BATCH: usize = 50;

/// A generous bound for anything the test waits for: a deadline for a failing test, not a
/// measurement (debug builds on a busy 2-core machine are slow).
const PATIENCE: Duration = Duration::from_secs(180);

/// One `ampline serve` process; killed with SIGKILL when dropped.
struct Server {
    child: Child,
    url: String,
    admin: String,
    log: PathBuf,
}

impl Server {
    /// Starts the binary on a free port and waits until it listens.
    fn start(dir: &Path, mock_url: &str, run: usize) -> Server {
        let config = dir.join("ampline.toml");
        std::fs::write(&config, CONFIG).unwrap();
        let log = dir.join(format!("server-{run}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_ampline"))
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(["--amplitude-url", mock_url])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn ampline serve");
        let mut server = Server {
            child,
            url: String::new(),
            admin: String::new(),
            log,
        };
        server.url = format!("http://{}", server.wait_for_address("tracking="));
        server.admin = format!("http://{}", server.wait_for_address("admin="));
        server
    }

    /// `/api/status`'s count of items in the sender's hands (handed out, not yet settled):
    /// stored deliveries it leased and fresh items it took from the router.
    async fn items_being_sent(&self) -> u64 {
        let status: Value = reqwest::Client::new()
            .get(format!("{}/api/status", self.admin))
            .bearer_auth("ADMIN")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status["queue"]["leased_items"].as_u64().unwrap()
            + status["queue"]["sending_items"].as_u64().unwrap()
    }

    /// An address from the start-up log line (`ampline serve started tracking=127.0.0.1:PORT
    /// admin=127.0.0.1:PORT …`; the server was started on port 0).
    fn wait_for_address(&mut self, field: &str) -> SocketAddr {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            let found = text
                .split(|c: char| c.is_whitespace() || c == '"')
                .find_map(|word| word.strip_prefix(field))
                .and_then(|address| address.parse::<SocketAddr>().ok());
            if let Some(address) = found {
                return address;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("ampline serve exited ({status}) before listening:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "ampline serve did not report its address:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9`: no destructor, no flush, no graceful anything.
    fn kill9(&mut self) {
        self.child.kill().unwrap(); // SIGKILL on Unix
        self.child.wait().unwrap();
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_mock() -> MockHandle {
    MockAmplitude::start(MockConfig::with_projects([Project::new("prod", "KEY")]))
        .await
        .unwrap()
}

fn track(message_id: &str, n: usize) -> Value {
    json!({
        "type": "track",
        "event": "Crash Tested",
        "userId": format!("user-{:05}", n % 500),
        "anonymousId": format!("anon-{:05}", n % 500),
        "messageId": message_id,
        "timestamp": "2026-01-02T03:04:05.678Z",
        "properties": {"n": n, "plan": "pro"},
        "context": {"library": {"name": "@segment/analytics-node", "version": "2.1.2"}}
    })
}

/// What the clients saw: message ids of every batch that got a 200, and of every batch that
/// failed (connection reset by the kill, refused while down) and so may or may not be stored.
#[derive(Default)]
struct Sent {
    acknowledged: Mutex<BTreeSet<String>>,
    unacknowledged: Mutex<BTreeSet<String>>,
    next: AtomicU64,
}

impl Sent {
    fn acknowledged(&self) -> BTreeSet<String> {
        self.acknowledged.lock().unwrap().clone()
    }
}

/// Sends one batch of fresh messages; true if the server answered 200.
async fn send_batch(client: &reqwest::Client, url: &str, sent: &Sent, prefix: &str) -> bool {
    let first = sent.next.fetch_add(BATCH as u64, Ordering::Relaxed) as usize;
    let ids: Vec<String> = (first..first + BATCH)
        .map(|n| format!("{prefix}-{n:07}"))
        .collect();
    let batch: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| track(id, first + i))
        .collect();
    let answer = client
        .post(format!("{url}/v1/batch"))
        .basic_auth("WK", Some(""))
        .header("content-type", "application/json")
        .body(json!({"batch": batch, "sentAt": "2026-01-02T03:04:05.700Z"}).to_string())
        .send()
        .await;
    let ok = match answer {
        Ok(response) => {
            let status = response.status();
            let body = response.text().await;
            status == 200 && body.is_ok_and(|b| b.contains("\"success\":true"))
        }
        Err(_) => false,
    };
    let target = if ok {
        &sent.acknowledged
    } else {
        &sent.unacknowledged
    };
    target.lock().unwrap().extend(ids);
    ok
}

/// `connections` clients sending batches back to back until `stop`, or until a request fails
/// after `stop` (the server was killed under them).
fn spawn_clients(
    connections: usize,
    url: &str,
    sent: &Arc<Sent>,
    stop: &Arc<AtomicBool>,
    prefix: &str,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..connections)
        .map(|_| {
            let (url, sent, stop, prefix) = (
                url.to_owned(),
                Arc::clone(sent),
                Arc::clone(stop),
                prefix.to_owned(),
            );
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    if !send_batch(&client, &url, &sent, &prefix).await {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            })
        })
        .collect()
}

/// The messageId an insert_id was derived from (`{messageId}-{8 hex}-{index}`).
fn message_id_of(insert_id: &str) -> &str {
    let mut parts = insert_id.rsplitn(3, '-');
    let (_index, _hash) = (parts.next(), parts.next());
    parts.next().unwrap_or(insert_id)
}

/// Stored events per messageId, and every insert_id seen.
fn stored(mock: &MockHandle) -> (BTreeMap<String, usize>, Vec<String>) {
    let mut per_message = BTreeMap::new();
    let mut insert_ids = Vec::new();
    for record in mock.events(&RecordFilter::new()) {
        let insert_id = record.item["insert_id"]
            .as_str()
            .unwrap_or_else(|| panic!("event without insert_id: {}", record.item))
            .to_owned();
        *per_message
            .entry(message_id_of(&insert_id).to_owned())
            .or_insert(0) += 1;
        insert_ids.push(insert_id);
    }
    (per_message, insert_ids)
}

async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !check() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until every acknowledged message is at the mock, then checks that each is stored
/// exactly once and that nothing else (no unknown id, no second copy) is.
async fn assert_all_arrive_once(mock: &MockHandle, sent: &Sent, servers: &[&Server]) {
    let acknowledged = sent.acknowledged();
    assert!(!acknowledged.is_empty(), "no batch was acknowledged");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (per_message, _) = stored(mock);
        let missing: Vec<&String> = acknowledged
            .iter()
            .filter(|id| !per_message.contains_key(*id))
            .collect();
        if missing.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            let logs: Vec<String> = servers.iter().map(|s| s.log_text()).collect();
            panic!(
                "{} of {} acknowledged events never reached Amplitude (first: {:?});\nserver logs:\n{}",
                missing.len(),
                acknowledged.len(),
                missing.first(),
                logs.join("\n---\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (per_message, insert_ids) = stored(mock);
    let unacknowledged = sent.unacknowledged.lock().unwrap().clone();
    for (message_id, count) in &per_message {
        assert_eq!(
            *count, 1,
            "{message_id} is stored {count} times at Amplitude (under different insert_ids)"
        );
        assert!(
            acknowledged.contains(message_id) || unacknowledged.contains(message_id),
            "stored event {message_id} was never sent"
        );
    }
    let distinct: BTreeSet<&String> = insert_ids.iter().collect();
    assert_eq!(
        distinct.len(),
        insert_ids.len(),
        "an insert_id is stored twice"
    );
    for id in &acknowledged {
        assert_eq!(per_message.get(id), Some(&1), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_requests_are_in_flight_loses_and_duplicates_nothing() {
    let mock = start_mock().await;
    let dir = tempfile::tempdir().unwrap();
    let sent = Arc::new(Sent::default());
    let mut runs = Vec::new();

    // Four lives, each ended by SIGKILL at a different moment under concurrent load.
    for life in 0..4 {
        let mut server = Server::start(dir.path(), &mock.base_url(), life);
        let stop = Arc::new(AtomicBool::new(false));
        let acknowledged_before = sent.acknowledged().len();
        let stored_before = mock.totals().events;
        let requests_before = mock.totals().requests;
        let prefix = format!("life{life}");
        let clients = spawn_clients(
            if life == 3 { 4 } else { 6 },
            &server.url,
            &sent,
            &stop,
            &prefix,
        );
        match life {
            // Early: mostly ingest and routing in flight.
            0 => {
                until("events acknowledged", || {
                    sent.acknowledged().len() >= acknowledged_before + 10 * BATCH
                })
                .await;
            }
            // Amplitude slow: sends are in flight, and stored, when the server dies; their
            // re-sends after the restart must be absorbed by insert_id.
            1 => {
                mock.set_latency(Duration::from_millis(150));
                until("Amplitude requests answered", || {
                    mock.totals().events > stored_before + 2 * BATCH as u64
                        && mock.totals().requests > requests_before + 2
                })
                .await;
            }
            // Amplitude never answers: items in the sender's hands and never settled when the
            // server dies; the restarted server must send them again.
            2 => {
                mock.inject(FaultRule::delay(Duration::from_secs(3600)).always());
                let deadline = Instant::now() + PATIENCE;
                while server.items_being_sent().await == 0 {
                    assert!(Instant::now() < deadline, "nothing was ever sent");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            // Right after the first acknowledgement of this life.
            _ => {
                until("an acknowledgement", || {
                    sent.acknowledged().len() > acknowledged_before
                })
                .await;
            }
        }
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            client.await.unwrap();
        }
        mock.set_latency(Duration::ZERO);
        mock.clear_faults();
        runs.push(server);
    }

    // The last life: the queue recovers what the others left, and new events still flow.
    let server = Server::start(dir.path(), &mock.base_url(), 4);
    let client = reqwest::Client::new();
    for _ in 0..4 {
        assert!(send_batch(&client, &server.url, &sent, "life4").await);
    }
    let mut all: Vec<&Server> = runs.iter().collect();
    all.push(&server);
    assert_all_arrive_once(&mock, &sent, &all).await;
    let unacknowledged = sent.unacknowledged.lock().unwrap().len();
    eprintln!(
        "acknowledged {} events, {} unacknowledged (in flight at a kill), mock stored {}, de-duplicated {} re-sends",
        sent.acknowledged().len(),
        unacknowledged,
        mock.totals().events,
        mock.totals().duplicates
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplitude_down_for_a_while_then_up_everything_arrives() {
    let mock = start_mock().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &mock.base_url(), 0);
    let sent = Arc::new(Sent::default());
    let client = reqwest::Client::new();

    // Amplitude answers 503 to everything until told otherwise; ingest must not care.
    mock.inject(FaultRule::status(503).always());
    for _ in 0..4 {
        assert!(send_batch(&client, &server.url, &sent, "down").await);
    }
    until("three sends refused by the outage", || {
        mock.requests()
            .iter()
            .filter(|r| r.status == Some(503))
            .count()
            >= 3
    })
    .await;
    assert_eq!(mock.totals().events, 0, "stored during the outage");
    mock.clear_faults();

    // Then an Amplitude that stores a request and still answers 500: the re-send carries the
    // same insert_ids, so nothing is counted twice.
    mock.inject(FaultRule::status(500).ingested().times(2));
    for _ in 0..2 {
        assert!(send_batch(&client, &server.url, &sent, "flaky").await);
    }
    // Every event is stored by then, but the re-send of what was answered 500 may still be
    // backing off: wait for it, then check again that it changed nothing.
    assert_all_arrive_once(&mock, &sent, &[&server]).await;
    until(
        "the re-send of a request answered 500 after it was stored",
        || mock.totals().duplicates > 0,
    )
    .await;
    assert_all_arrive_once(&mock, &sent, &[&server]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplitude_unreachable_then_back_and_a_crash_in_between_everything_arrives() {
    // Learn a free port from a mock, then take it down: connections are refused.
    let first = start_mock().await;
    let address = first.addr();
    let url = first.base_url();
    first.shutdown().await;

    let dir = tempfile::tempdir().unwrap();
    let sent = Arc::new(Sent::default());
    let client = reqwest::Client::new();
    let mut crashed = Server::start(dir.path(), &url, 0);
    for _ in 0..4 {
        assert!(send_batch(&client, &crashed.url, &sent, "unreachable").await);
    }
    // Deliveries now sit in the queue, failing and backing off; the server dies with them.
    until("a failed attempt in the log", || {
        crashed.log_text().contains("will retry")
    })
    .await;
    crashed.kill9();

    let server = Server::start(dir.path(), &url, 1);
    for _ in 0..2 {
        assert!(send_batch(&client, &server.url, &sent, "unreachable").await);
    }
    // Amplitude comes back on the same address.
    let mock = MockAmplitude::start(MockConfig {
        bind: address,
        ..MockConfig::with_projects([Project::new("prod", "KEY")])
    })
    .await
    .unwrap();
    assert_all_arrive_once(&mock, &sent, &[&crashed, &server]).await;
}
