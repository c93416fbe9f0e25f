//! `ampline-loadgen`: the end-to-end benchmark's client.
//!
//! It plays many `@segment/analytics-node` clients at once: C connections each send Segment
//! `POST /v1/batch` requests of 100 track messages (unique `messageId`, `userId`/`anonymousId`
//! spread over many users, `timestamp`, `sentAt`, `context.library`, realistic `properties`)
//! to `ampline serve` for D seconds or N events, and reports
//!
//! - **ingest**: events accepted per second (a 200 means the server made them durable) and the
//!   request latency percentiles;
//! - **end to end**: it then polls the mock Amplitude's `/_mock/summary` until the mock holds
//!   every accepted event, and reports the sustained rate (accepted events ÷ time from the
//!   first request until the last of them reached the mock), Amplitude requests per 10,000
//!   events, and the re-sends the mock de-duplicated;
//! - **resources**: the server's peak RSS (`VmHWM` in `/proc/<pid>/status`) and CPU time, and the
//!   mock's, when their pids are given.
//!
//! With `--queue-db DIR` it also reads the queue's counters (appended, routed, delivered) while
//! it runs, which shows which stage of the server (ingest, router or sender) falls behind.
//!
//! ```text
//! ampline-loadgen --url http://127.0.0.1:8088 --write-key WK --mock-url http://127.0.0.1:8787 \
//!     --concurrency 8 --duration-secs 30 --server-pid 1234 [--mock-pid 1235] [--queue-db DATA_DIR] [--json]
//! ```
//!
//! Every user's events must stay under the mock's per-user rate limit (30 events/s on
//! `/2/httpapi`, averaged over 30 s), so `--users` should be at least the expected events/s;
//! the default 100,000 leaves room for 3 million events/s.
//!
//! `bench/e2e.sh` builds everything, starts the mock and the server and runs this.

mod messages;
mod probes;

use anyhow::Context as _;
use clap::Parser;
use probes::{MockTotals, ProcessSample, QueueCounters, QueueProbe};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Parser, Debug, Clone)]
#[command(name = "ampline-loadgen", about = "End-to-end load for ampline serve")]
struct Args {
    /// Base URL of `ampline serve`.
    #[arg(long, default_value = "http://127.0.0.1:8088")]
    url: String,
    /// The source's write key (sent in the body and as HTTP Basic, as analytics-node does).
    #[arg(long, default_value = "WK")]
    write_key: String,
    /// Concurrent connections, each sending one request at a time.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// How long to send (ignored when --events is given).
    #[arg(long, default_value_t = 30)]
    duration_secs: u64,
    /// Send this many events (rounded up to whole batches) instead of sending for a duration.
    #[arg(long)]
    events: Option<u64>,
    /// Messages per request.
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Distinct users the events are spread over.
    #[arg(long, default_value_t = 100_000)]
    users: u64,
    /// The mock Amplitude's base URL; without it, only ingest is measured.
    #[arg(long)]
    mock_url: Option<String>,
    /// The server's pid, for its peak RSS and CPU time.
    #[arg(long)]
    server_pid: Option<u32>,
    /// The mock's pid, for its CPU time.
    #[arg(long)]
    mock_pid: Option<u32>,
    /// The server's data directory (or its queue.sqlite3): show the queue's counters as it runs.
    #[arg(long)]
    queue_db: Option<PathBuf>,
    /// Give up waiting for the mock to receive every accepted event after this long.
    #[arg(long, default_value_t = 600)]
    drain_timeout_secs: u64,
    /// Print a progress line this often (0 = never).
    #[arg(long, default_value_t = 5)]
    report_every_secs: u64,
    /// Threads of the generator's runtime (the generator should leave the cores to the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Also print the results as one JSON object on the last line.
    #[arg(long)]
    json: bool,
    /// Compare with a target: sustained end-to-end events/s at least this.
    #[arg(long)]
    target_events_per_sec: Option<f64>,
    /// Compare with a target: the server's peak RSS at most this many MB.
    #[arg(long)]
    target_peak_rss_mb: Option<f64>,
    /// Compare with a target: at most this many Amplitude requests per 10,000 events.
    #[arg(long)]
    target_requests_per_10k: Option<f64>,
}

/// Totals the connections update as they go, read by the progress lines.
#[derive(Default)]
struct Live {
    accepted_events: AtomicU64,
    requests: AtomicU64,
    stop: AtomicBool,
    batches_claimed: AtomicU64,
}

#[derive(Default)]
struct ConnectionResult {
    latencies_us: Vec<u64>,
    accepted_events: u64,
    /// Answers other than 200, by status.
    refused: BTreeMap<u16, u64>,
    transport_errors: u64,
    first_error: Option<String>,
}

fn now_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

async fn connection(
    args: Arc<Args>,
    live: Arc<Live>,
    client: reqwest::Client,
    index: usize,
    run: u64,
    deadline: Instant,
    batch_budget: Option<u64>,
) -> ConnectionResult {
    let url = format!("{}/v1/batch", args.url.trim_end_matches('/'));
    let mut writer = messages::BatchWriter::new(run, index, args.users);
    let mut body = String::with_capacity(args.batch_size * 700);
    let mut result = ConnectionResult::default();
    loop {
        if live.stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
            break;
        }
        if let Some(budget) = batch_budget {
            if live.batches_claimed.fetch_add(1, Ordering::Relaxed) >= budget {
                break;
            }
        }
        writer.write_batch(&mut body, args.batch_size, &args.write_key, now_unix_ms());
        let started = Instant::now();
        let sent = client
            .post(&url)
            .basic_auth(&args.write_key, Some(""))
            .header("content-type", "application/json")
            .header("user-agent", "analytics-node-next/latest")
            .body(body.clone())
            .send()
            .await;
        let outcome = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                // The answer counts only once its body is read: that is when a client moves on.
                response.bytes().await.map(|_| status)
            }
            Err(error) => Err(error),
        };
        let elapsed = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        live.requests.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(200) => {
                result.latencies_us.push(elapsed);
                let events = args.batch_size as u64;
                result.accepted_events += events;
                live.accepted_events.fetch_add(events, Ordering::Relaxed);
            }
            Ok(status) => {
                result.latencies_us.push(elapsed);
                *result.refused.entry(status).or_default() += 1;
                result
                    .first_error
                    .get_or_insert_with(|| format!("HTTP {status}"));
            }
            Err(error) => {
                result.transport_errors += 1;
                result
                    .first_error
                    .get_or_insert_with(|| error.without_url().to_string());
                // A refused connection would otherwise spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    result
}

/// One sample of everything watched, taken about once a second.
#[derive(Clone, Copy, Default)]
struct Sample {
    at: Duration,
    accepted: u64,
    mock: Option<MockTotals>,
    server: Option<ProcessSample>,
    queue: Option<QueueCounters>,
}

struct Watch {
    args: Arc<Args>,
    control: reqwest::Client,
    started: Instant,
    mock_start: MockTotals,
    queue: Option<QueueProbe>,
    queue_start: Option<QueueCounters>,
    server_peak_rss_kb: u64,
    last_line: Sample,
    next_line: Duration,
}

impl Watch {
    async fn sample(&mut self, live: &Live) -> Sample {
        let mock = match &self.args.mock_url {
            Some(url) => probes::mock_totals(&self.control, url)
                .await
                .ok()
                .map(|t| t.since(self.mock_start)),
            None => None,
        };
        let server = self
            .args
            .server_pid
            .and_then(|pid| probes::process_sample(pid).ok());
        if let Some(server) = server {
            self.server_peak_rss_kb = self.server_peak_rss_kb.max(server.peak_rss_kb);
        }
        let queue = self.queue.as_mut().and_then(|probe| probe.counters().ok());
        Sample {
            at: self.started.elapsed(),
            accepted: live.accepted_events.load(Ordering::Relaxed),
            mock,
            server,
            queue,
        }
    }

    /// Prints a progress line to stderr when one is due.
    fn progress(&mut self, sample: Sample, phase: &str) {
        let every = self.args.report_every_secs;
        if every == 0 || sample.at < self.next_line {
            return;
        }
        self.next_line = sample.at + Duration::from_secs(every);
        let previous = self.last_line;
        let seconds = (sample.at - previous.at).as_secs_f64().max(1e-9);
        let rate = |now: u64, before: u64| now.saturating_sub(before) as f64 / seconds;
        let mut line = format!(
            "[{:>6.1}s {phase}] accepted {} ({}/s)",
            sample.at.as_secs_f64(),
            thousands(sample.accepted),
            thousands(rate(sample.accepted, previous.accepted) as u64),
        );
        if let Some(mock) = sample.mock {
            let before = previous.mock.map_or(0, |m| m.events);
            line.push_str(&format!(
                " | at Amplitude {} ({}/s), backlog {}",
                thousands(mock.events),
                thousands(rate(mock.events, before) as u64),
                thousands(sample.accepted.saturating_sub(mock.events)),
            ));
        }
        if let (Some(queue), Some(start)) = (sample.queue, self.queue_start) {
            let before = previous.queue.unwrap_or(start);
            line.push_str(&format!(
                " | queue: unrouted {}, routed {}/s, delivered {}/s, retried {}",
                thousands(queue.appended.saturating_sub(queue.routed)),
                thousands(rate(queue.routed, before.routed) as u64),
                thousands(rate(queue.delivered, before.delivered) as u64),
                thousands(queue.retried.saturating_sub(start.retried)),
            ));
        }
        if let Some(server) = sample.server {
            let cpu = previous
                .server
                .map_or(0.0, |p| (server.cpu_secs - p.cpu_secs) / seconds);
            line.push_str(&format!(
                " | server RSS {:.0} MB, {cpu:.2} cores",
                server.rss_kb as f64 / 1024.0
            ));
        }
        eprintln!("{line}");
        self.last_line = sample;
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted.get(index).copied().unwrap_or(0) as f64 / 1000.0
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let args = Arc::new(args);
    anyhow::ensure!(args.batch_size > 0, "--batch-size must be at least 1");
    let concurrency = args.concurrency.max(1);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(120))
        .build()
        .context("building the HTTP client")?;
    let control = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;
    let mock_start = match &args.mock_url {
        Some(url) => probes::mock_totals(&control, url)
            .await
            .context("the mock's /_mock/summary (is --mock-url right?)")?,
        None => MockTotals::default(),
    };
    let server_start = match args.server_pid {
        Some(pid) => Some(probes::process_sample(pid)?),
        None => None,
    };
    let mock_cpu_start = args
        .mock_pid
        .and_then(|pid| probes::process_sample(pid).ok());
    let mut queue = args.queue_db.as_deref().map(QueueProbe::new);
    let queue_start = queue.as_mut().and_then(|probe| match probe.counters() {
        Ok(counters) => Some(counters),
        Err(error) => {
            eprintln!("warning: queue counters unavailable: {error:#}");
            None
        }
    });
    let own_start = probes::process_sample(std::process::id()).ok();

    let live = Arc::new(Live::default());
    let started = Instant::now();
    let (deadline, budget) = match args.events {
        Some(events) => (
            started + Duration::from_secs(24 * 60 * 60),
            Some(events.div_ceil(args.batch_size as u64)),
        ),
        None => (started + Duration::from_secs(args.duration_secs), None),
    };
    let run_id = u64::try_from(now_unix_ms()).unwrap_or(0);
    eprintln!(
        "ampline-loadgen: {} connections, batches of {}, {} → {}",
        concurrency,
        args.batch_size,
        match args.events {
            Some(events) => format!("{} events", thousands(events)),
            None => format!("{} s", args.duration_secs),
        },
        args.url
    );
    let mut connections = tokio::task::JoinSet::new();
    for index in 0..concurrency {
        connections.spawn(connection(
            Arc::clone(&args),
            Arc::clone(&live),
            client.clone(),
            index,
            run_id,
            deadline,
            budget,
        ));
    }
    let mut watch = Watch {
        args: Arc::clone(&args),
        control,
        started,
        mock_start,
        queue,
        queue_start,
        server_peak_rss_kb: server_start.map_or(0, |s| s.peak_rss_kb),
        last_line: Sample {
            queue: queue_start,
            server: server_start,
            ..Sample::default()
        },
        next_line: Duration::from_secs(args.report_every_secs),
    };
    let mut results = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !connections.is_empty() {
        tokio::select! {
            joined = connections.join_next() => {
                if let Some(joined) = joined {
                    results.push(joined.context("a connection task failed")?);
                }
            }
            _ = tick.tick() => {
                let sample = watch.sample(&live).await;
                watch.progress(sample, "load");
            }
        }
    }
    let load_time = started.elapsed();
    let own_end = probes::process_sample(std::process::id()).ok();

    // Ingest results.
    let accepted: u64 = results.iter().map(|r| r.accepted_events).sum();
    let mut latencies: Vec<u64> = results
        .iter()
        .flat_map(|r| r.latencies_us.iter().copied())
        .collect();
    latencies.sort_unstable();
    let mut refused: BTreeMap<u16, u64> = BTreeMap::new();
    for result in &results {
        for (status, count) in &result.refused {
            *refused.entry(*status).or_default() += count;
        }
    }
    let transport_errors: u64 = results.iter().map(|r| r.transport_errors).sum();
    let first_error = results.iter().find_map(|r| r.first_error.clone());
    let at_load_end = watch.sample(&live).await;

    // Drain: wait until the mock holds every accepted event.
    let mut delivered_all_at = None;
    let mut last = at_load_end;
    if args.mock_url.is_some() {
        let drain_deadline = Instant::now() + Duration::from_secs(args.drain_timeout_secs);
        loop {
            if last.mock.is_some_and(|m| m.events >= accepted) {
                delivered_all_at = Some(last.at);
                break;
            }
            if Instant::now() >= drain_deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            last = watch.sample(&live).await;
            watch.progress(last, "drain");
        }
    }
    let server_end = args
        .server_pid
        .and_then(|pid| probes::process_sample(pid).ok());
    let mock_cpu_end = args
        .mock_pid
        .and_then(|pid| probes::process_sample(pid).ok());
    let peak_rss_kb = server_end
        .map_or(0, |s| s.peak_rss_kb)
        .max(watch.server_peak_rss_kb);

    let load_secs = load_time.as_secs_f64();
    let mock_end = last.mock.unwrap_or_default();
    let delivered_during_load = at_load_end.mock.map_or(0, |m| m.events);
    let requests_per_10k = if mock_end.events > 0 {
        mock_end.requests as f64 * 10_000.0 / mock_end.events as f64
    } else {
        0.0
    };
    let e2e_rate = delivered_all_at.map(|at| accepted as f64 / at.as_secs_f64());
    let server_cpu = match (server_start, server_end) {
        (Some(a), Some(b)) => Some(b.cpu_secs - a.cpu_secs),
        _ => None,
    };
    let mock_cpu = match (mock_cpu_start, mock_cpu_end) {
        (Some(a), Some(b)) => Some(b.cpu_secs - a.cpu_secs),
        _ => None,
    };
    let own_cpu = match (own_start, own_end) {
        (Some(a), Some(b)) => Some(b.cpu_secs - a.cpu_secs),
        _ => None,
    };
    let e2e_secs = delivered_all_at.map_or(last.at, |at| at).as_secs_f64();

    // The report.
    println!("== ampline end-to-end benchmark ==");
    println!(
        "load:       {:.1} s, {concurrency} connections, {} messages per request, {} users",
        load_secs,
        args.batch_size,
        thousands(args.users)
    );
    println!(
        "ingest:     {} events accepted in {} requests = {} events/s; refused {:?}, transport errors {}{}",
        thousands(accepted),
        thousands(latencies.len() as u64),
        thousands((accepted as f64 / load_secs) as u64),
        refused,
        transport_errors,
        first_error
            .as_ref()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    println!(
        "latency:    p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms (per /v1/batch request)",
        percentile(&latencies, 50.0),
        percentile(&latencies, 90.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0)
    );
    if args.mock_url.is_some() {
        match e2e_rate {
            Some(rate) => println!(
                "end to end: all {} accepted events at Amplitude after {:.1} s = {} events/s sustained \
                 ({} delivered during the load, {:.1} s to drain the rest)",
                thousands(accepted),
                e2e_secs,
                thousands(rate as u64),
                thousands(delivered_during_load),
                e2e_secs - at_load_end.at.as_secs_f64()
            ),
            None => println!(
                "end to end: NOT DRAINED: {} of {} accepted events at Amplitude after {:.1} s",
                thousands(mock_end.events),
                thousands(accepted),
                e2e_secs
            ),
        }
        println!(
            "amplitude:  {} requests for {} events = {:.1} requests per 10k events; {} duplicates de-duplicated",
            thousands(mock_end.requests),
            thousands(mock_end.events),
            requests_per_10k,
            thousands(mock_end.duplicates)
        );
    }
    if let Some(cpu) = server_cpu {
        println!(
            "server:     peak RSS {:.1} MB (VmHWM); CPU {:.1} s = {:.2} cores over the run, {} events per CPU-second",
            peak_rss_kb as f64 / 1024.0,
            cpu,
            cpu / e2e_secs,
            thousands((accepted as f64 / cpu.max(1e-9)) as u64)
        );
    }
    if let Some(cpu) = mock_cpu {
        println!("mock:       CPU {cpu:.1} s = {:.2} cores", cpu / e2e_secs);
    }
    if let Some(cpu) = own_cpu {
        println!(
            "loadgen:    CPU {cpu:.1} s = {:.2} cores during the load",
            cpu / load_secs
        );
    }
    let verdict = |pass: bool| if pass { "met" } else { "MISSED" };
    if let Some(target) = args.target_events_per_sec {
        let rate = e2e_rate.unwrap_or(0.0);
        println!(
            "target:     >= {} events/s end to end: {} ({})",
            thousands(target as u64),
            verdict(rate >= target),
            thousands(rate as u64)
        );
    }
    if let (Some(target), Some(_)) = (args.target_peak_rss_mb, args.server_pid) {
        let mb = peak_rss_kb as f64 / 1024.0;
        println!(
            "target:     <= {target:.0} MB peak RSS: {} ({mb:.1} MB)",
            verdict(mb <= target)
        );
    }
    if let (Some(target), Some(_)) = (args.target_requests_per_10k, &args.mock_url) {
        println!(
            "target:     <= {target:.0} Amplitude requests per 10k events: {} ({requests_per_10k:.1})",
            verdict(mock_end.events > 0 && requests_per_10k <= target)
        );
    }
    if args.json {
        let result = json!({
            "load_secs": load_secs,
            "concurrency": concurrency,
            "batch_size": args.batch_size,
            "accepted_events": accepted,
            "ingest_requests": latencies.len(),
            "ingest_events_per_sec": accepted as f64 / load_secs,
            "refused": refused.iter().map(|(s, c)| (s.to_string(), *c)).collect::<BTreeMap<_, _>>(),
            "transport_errors": transport_errors,
            "latency_ms": {
                "p50": percentile(&latencies, 50.0),
                "p90": percentile(&latencies, 90.0),
                "p99": percentile(&latencies, 99.0),
                "max": percentile(&latencies, 100.0),
            },
            "delivered_events": mock_end.events,
            "delivered_during_load": delivered_during_load,
            "drained": delivered_all_at.is_some(),
            "e2e_secs": e2e_secs,
            "e2e_events_per_sec": e2e_rate,
            "amplitude_requests": mock_end.requests,
            "amplitude_requests_per_10k_events": requests_per_10k,
            "amplitude_duplicates": mock_end.duplicates,
            "server_peak_rss_mb": (args.server_pid.is_some()).then_some(peak_rss_kb as f64 / 1024.0),
            "server_cpu_secs": server_cpu,
            "mock_cpu_secs": mock_cpu,
            "loadgen_cpu_secs": own_cpu,
        });
        println!("{result}");
    }
    Ok(args.mock_url.is_none() || delivered_all_at.is_some())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ampline-loadgen: starting the runtime: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("ampline-loadgen: not every accepted event reached the mock in time");
            std::process::ExitCode::from(1)
        }
        Err(error) => {
            eprintln!("ampline-loadgen: {error:#}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile(&samples, 50.0), 50.0);
        assert_eq!(percentile(&samples, 99.0), 99.0);
        assert_eq!(percentile(&samples, 100.0), 100.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
