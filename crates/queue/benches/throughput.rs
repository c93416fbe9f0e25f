//! Divan benchmarks of the SQLite queue's hot paths: appending a 100-event batch (~1 KB each) from
//! 1, 8 and 64 threads at once (group commit shows as more events per second with more threads), and
//! one lease + ack cycle of 100 deliveries. For events/s and commits/s under sustained load see
//! `examples/throughput.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark that cannot run has nothing to say.

use std::sync::OnceLock;

use ampline_queue::{NewDelivery, NewEvent, Queue, QueueOptions, SqliteQueue};
use divan::counter::ItemsCount;
use divan::Bencher;

const BATCH: usize = 100;

fn main() {
    divan::main();
}

/// One queue for the whole run, in a directory on disk (not a RAM-backed one) so fsync is real.
fn queue() -> &'static SqliteQueue {
    static QUEUE: OnceLock<(tempfile::TempDir, SqliteQueue)> = OnceLock::new();
    let (_, queue) = QUEUE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let queue = SqliteQueue::open(dir.path(), QueueOptions::default()).unwrap();
        (dir, queue)
    });
    queue
}

fn batch() -> Vec<NewEvent> {
    (0..BATCH)
        .map(|i| NewEvent {
            source: "web".to_owned(),
            received_at_ms: 1,
            message_id: format!("m{i}"),
            body: vec![b'x'; 1_000],
        })
        .collect()
}

#[divan::bench(threads = [1, 8, 64], sample_count = 20, sample_size = 5)]
fn append_batch_of_100(bencher: Bencher) {
    let queue = queue();
    bencher
        .counter(ItemsCount::new(BATCH))
        .with_inputs(batch)
        .bench_values(|events| queue.append(events).unwrap());
}

#[divan::bench(sample_count = 20, sample_size = 5)]
fn lease_and_ack_100(bencher: Bencher) {
    let queue = queue();
    bencher
        .counter(ItemsCount::new(BATCH))
        .with_inputs(|| {
            let ids = queue.append(batch()).unwrap();
            let deliveries = ids
                .iter()
                .map(|&event_id| NewDelivery {
                    event_id,
                    mapping: "track".to_owned(),
                    batch_key: "bench".to_owned(),
                    throttle_key: None,
                    payload: vec![b'y'; 1_000],
                    due_at_ms: 0,
                    attempts: 0,
                    last_error: None,
                })
                .collect();
            queue.commit_routing(&ids, deliveries).unwrap();
        })
        .bench_values(|()| {
            let leased = queue.lease_due(Some("bench"), 0, BATCH).unwrap();
            let ids: Vec<_> = leased.iter().map(|d| d.id).collect();
            queue.ack_delivered(&ids).unwrap();
        });
}
