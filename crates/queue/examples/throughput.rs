//! Throughput of the SQLite queue: concurrent appenders of 100-event batches (~1 KB each), then
//! concurrent senders leasing and acknowledging. Prints events/s and commits/s.
//!
//! `cargo run --release -p ampline-queue --example throughput [DIR]` — DIR (default: the system temp
//! directory) must be on the disk you want to measure; a RAM-backed directory makes fsync free.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark that cannot run has nothing to say.

use std::sync::Arc;
use std::time::Instant;

use ampline_queue::{NewDelivery, NewEvent, Queue, QueueOptions, SqliteQueue};

const BATCH: usize = 100;
const EVENT_BYTES: usize = 1_000;
const TOTAL_EVENTS: usize = 200_000;

fn batch(thread: usize, n: usize) -> Vec<NewEvent> {
    (0..BATCH)
        .map(|i| NewEvent {
            source: "web".to_owned(),
            received_at_ms: 1,
            message_id: format!("{thread}-{n}-{i}"),
            body: vec![b'x'; EVENT_BYTES],
        })
        .collect()
}

fn append_run(base: &std::path::Path, threads: usize) {
    let dir = tempfile::tempdir_in(base).unwrap();
    let queue = Arc::new(SqliteQueue::open(dir.path(), QueueOptions::default()).unwrap());
    let batches_per_thread = TOTAL_EVENTS / BATCH / threads;
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                let mut latencies = Vec::with_capacity(batches_per_thread);
                for n in 0..batches_per_thread {
                    let events = batch(t, n);
                    let sent = Instant::now();
                    queue.append(events).unwrap();
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<_> = handles
        .into_iter()
        .flat_map(|handle| handle.join().unwrap())
        .collect();
    let seconds = start.elapsed().as_secs_f64();
    latencies.sort();
    let percentile =
        |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
    let events = (batches_per_thread * threads * BATCH) as f64;
    let commits = queue.commit_count() as f64;
    println!(
        "append  concurrency {threads:>3}: {:>8.0} events/s, {:>6.0} commits/s, {:>6.1} batches/commit, \
         latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, WAL {:.0} MB",
        events / seconds,
        commits / seconds,
        (batches_per_thread * threads) as f64 / commits,
        percentile(0.5),
        percentile(0.99),
        percentile(1.0),
        wal_megabytes(queue.path())
    );
}

/// The WAL's size on disk: it stays bounded only if checkpoints keep up with appends.
fn wal_megabytes(database: &std::path::Path) -> f64 {
    let mut wal = database.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map_or(0.0, |meta| meta.len() as f64 / 1e6)
}

fn lease_ack_run(base: &std::path::Path, senders: usize) {
    let dir = tempfile::tempdir_in(base).unwrap();
    let queue = Arc::new(SqliteQueue::open(dir.path(), QueueOptions::default()).unwrap());
    let deliveries = 100_000;
    for n in 0..deliveries / BATCH {
        let ids = queue.append(batch(0, n)).unwrap();
        let routed = ids
            .iter()
            .map(|&event_id| NewDelivery {
                event_id,
                mapping: "track".to_owned(),
                batch_key: format!("key{}", n % 4),
                throttle_key: None,
                payload: vec![b'y'; EVENT_BYTES],
                due_at_ms: 0,
                attempts: 0,
                last_error: None,
            })
            .collect();
        queue.commit_routing(&ids, routed).unwrap();
    }
    let commits_before = queue.commit_count();
    let start = Instant::now();
    let handles: Vec<_> = (0..senders)
        .map(|_| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || loop {
                let leased = queue.lease_due(None, 0, BATCH).unwrap();
                if leased.is_empty() {
                    return;
                }
                let ids: Vec<_> = leased.iter().map(|d| d.id).collect();
                queue.ack_delivered(&ids).unwrap();
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let seconds = start.elapsed().as_secs_f64();
    let commits = (queue.commit_count() - commits_before) as f64;
    println!(
        "lease+ack senders    {senders:>3}: {:>8.0} deliveries/s, {:>6.0} commits/s",
        deliveries as f64 / seconds,
        commits / seconds
    );
}

fn main() {
    let base = std::env::args()
        .nth(1)
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    for threads in [1, 8, 64] {
        append_run(&base, threads);
    }
    for senders in [1, 8] {
        lease_ack_run(&base, senders);
    }
}
