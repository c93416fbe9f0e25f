//! Loads a mock over loopback with `/batch` requests and reports events accepted per second.
//!
//! ```text
//! cargo run --release -p ampline-mock-amplitude --example load -- \
//!     [--requests 300] [--concurrency 2] [--events 2000] [--no-retain] [--url http://127.0.0.1:PORT --api-key KEY]
//! ```
//!
//! Without `--url` it starts a mock in-process (open mode, system clock). Bodies are built before
//! the clock starts, so the number measures the mock (and the HTTP round trip), not JSON encoding
//! in the client. The run is bounded by `--requests`.

use ampline_mock_amplitude::{Config, MockAmplitude};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

struct Options {
    requests: usize,
    concurrency: usize,
    events: usize,
    retain: bool,
    url: Option<String>,
    api_key: String,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        requests: 300,
        concurrency: 2,
        events: 2000,
        retain: true,
        url: None,
        api_key: "load-test-key".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| text.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--requests" => options.requests = number(value()?)?,
            "--concurrency" => options.concurrency = number(value()?)?.max(1),
            "--events" => options.events = number(value()?)?,
            "--no-retain" => options.retain = false,
            "--url" => options.url = Some(value()?),
            "--api-key" => options.api_key = value()?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(options)
}

/// A Segment-style track event as ampline maps it, about 480 bytes of JSON.
fn event(request: usize, index: usize) -> Value {
    let user = (request * 7919 + index) % 20_000;
    json!({
        "event_type": "Order Completed",
        "user_id": format!("user-{user:06}"),
        "device_id": format!("device-{user:06}"),
        "insert_id": format!("{request:06}-{index:05}-5f0c2a7e-8d3b-4c1e-9a55"),
        "time": 1_717_000_000_000_u64 + (index as u64),
        "session_id": 1_717_000_000_000_u64,
        "platform": "Web",
        "os_name": "Mac OS X",
        "language": "en-US",
        "ip": "203.0.113.7",
        "library": "ampline/0.1.0",
        "event_properties": {"order_id": format!("ord-{request}-{index}"), "revenue": 42.5,
                             "currency": "EUR", "coupon": null, "products": [{"sku": "A-1", "qty": 2}]},
        "user_properties": {"$set": {"plan": "pro", "utm_source": "newsletter"}},
    })
}

/// User + system CPU time of this process, from /proc (Linux only).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let (url, _mock) = match &options.url {
        Some(url) => (url.trim_end_matches('/').to_owned(), None),
        None => {
            let config = Config {
                retain_records: options.retain,
                ..Config::default()
            };
            let mock = MockAmplitude::start(config).await?;
            (mock.base_url(), Some(mock))
        }
    };
    eprintln!(
        "building {} bodies of {} events…",
        options.requests, options.events
    );
    let bodies: Vec<Vec<u8>> = (0..options.requests)
        .map(|request| {
            let events: Vec<Value> = (0..options.events).map(|i| event(request, i)).collect();
            serde_json::to_vec(&json!({"api_key": options.api_key, "events": events}))
        })
        .collect::<Result<_, _>>()?;
    let total_bytes: usize = bodies.iter().map(Vec::len).sum();
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::new();
    let endpoint = format!("{url}/batch");
    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let workers: Vec<_> = (0..options.concurrency)
        .map(|_| {
            let (bodies, next, client, endpoint) = (
                Arc::clone(&bodies),
                Arc::clone(&next),
                client.clone(),
                endpoint.clone(),
            );
            tokio::spawn(async move {
                let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(index) else {
                        return statuses;
                    };
                    let status = client
                        .post(&endpoint)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .map_or(0, |response| response.status().as_u16());
                    *statuses.entry(status).or_default() += 1;
                }
            })
        })
        .collect();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for worker in workers {
        for (status, count) in worker.await? {
            *statuses.entry(status).or_default() += count;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = match (cpu_before, process_cpu_seconds()) {
        (Some(before), Some(after)) => after - before,
        _ => f64::NAN,
    };
    let accepted_events = statuses.get(&200).copied().unwrap_or(0) * options.events;
    // CPU seconds of this process (client and in-process mock together) tell the mock's cost
    // apart from what a loaded machine does to wall-clock time.
    println!(
        "cpu {:.2} s (client + mock): {:.0} events per cpu-second",
        cpu,
        accepted_events as f64 / cpu
    );
    println!(
        "{} requests x {} events, concurrency {}, retain records: {}: {:.2} s, {:.0} events/s accepted, {:.1} MB/s, statuses {:?}",
        options.requests,
        options.events,
        options.concurrency,
        options.retain,
        elapsed,
        accepted_events as f64 / elapsed,
        total_bytes as f64 / elapsed / 1e6,
        statuses
    );
    Ok(())
}
