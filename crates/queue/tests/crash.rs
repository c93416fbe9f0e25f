//! Crash safety: a child process (this test binary, re-run in child mode) appends under load and
//! reports every acknowledged append on a pipe; the parent kills it with SIGKILL mid-load, reopens
//! the queue and checks that nothing acknowledged was lost and that unsettled leases are due again.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A failed expectation is a failed test.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

use ampline_queue::{NewDelivery, NewEvent, Queue, QueueOptions, SqliteQueue};

const CHILD_DIR_VAR: &str = "AMPLINE_QUEUE_CRASH_CHILD_DIR";
const PREPARED_DELIVERIES: usize = 50;
const LEASED_BY_CHILD: usize = 20;
const ACKED_BY_CHILD: usize = 5;

fn event(message_id: String) -> NewEvent {
    NewEvent {
        source: "web".to_owned(),
        received_at_ms: 1,
        body: vec![b'x'; 1_000],
        message_id,
    }
}

/// Writes one line and flushes it, so the parent sees exactly what the child had acknowledged.
fn report(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// The child's work: lease some deliveries, ack a few, then append from many threads until killed.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else {
        return; // Only meaningful when the parent test starts it.
    };
    let queue = Arc::new(SqliteQueue::open(&dir, QueueOptions::default()).unwrap());
    let leased = queue.lease_due(None, 0, LEASED_BY_CHILD).unwrap();
    for delivery in &leased {
        report(&format!("LEASED {}", delivery.id.0));
    }
    let acked: Vec<_> = leased.iter().take(ACKED_BY_CHILD).map(|d| d.id).collect();
    queue.ack_delivered(&acked).unwrap();
    for id in &acked {
        report(&format!("ACKED {}", id.0));
    }
    let appenders: Vec<_> = (0..8)
        .map(|thread| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                for n in 0.. {
                    let message_ids: Vec<String> =
                        (0..50).map(|i| format!("t{thread}-{n}-{i}")).collect();
                    let batch = message_ids.iter().cloned().map(event).collect();
                    queue.append(batch).unwrap();
                    report(&format!("APPENDED {}", message_ids.join(",")));
                }
            })
        })
        .collect();
    for appender in appenders {
        let _ = appender.join();
    }
}

#[test]
fn acknowledged_events_survive_kill_9_and_leases_come_back() {
    let dir = tempfile::tempdir().unwrap();
    {
        let queue = SqliteQueue::open(dir.path(), QueueOptions::default()).unwrap();
        let events = (0..PREPARED_DELIVERIES)
            .map(|i| event(format!("prepared-{i}")))
            .collect();
        let ids = queue.append(events).unwrap();
        let deliveries = ids
            .iter()
            .map(|&event_id| NewDelivery {
                event_id,
                mapping: "track".to_owned(),
                batch_key: "k".to_owned(),
                throttle_key: None,
                payload: format!("{{\"insert_id\":\"{}\"}}", event_id.0).into_bytes(),
                due_at_ms: 0,
                attempts: 0,
                last_error: None,
            })
            .collect();
        queue.commit_routing(&ids, deliveries).unwrap();
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_VAR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut appended = HashSet::new();
    let mut leased = Vec::new();
    let mut acked = HashSet::new();
    // libtest prints "test crash_child ... " without a newline before the child's first line.
    let mut record = |line: &str| {
        if let Some(ids) = line.split_once("APPENDED ").map(|(_, rest)| rest) {
            appended.extend(ids.split(',').map(str::to_owned));
            true
        } else if let Some(id) = line.split_once("LEASED ").map(|(_, rest)| rest) {
            leased.push(id.parse::<i64>().unwrap());
            false
        } else if let Some(id) = line.split_once("ACKED ").map(|(_, rest)| rest) {
            acked.insert(id.parse::<i64>().unwrap());
            false
        } else {
            false
        }
    };
    let mut appends_seen = 0;
    for line in lines.by_ref() {
        if record(&line.unwrap()) {
            appends_seen += 1;
            if appends_seen == 60 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructors, no flush, no clean close.
                           // Lines the child wrote before dying are still in the pipe; they were acknowledged too.
    for line in lines {
        record(&line.unwrap());
    }
    child.wait().unwrap();
    assert!(appended.len() >= 60 * 50);
    assert_eq!(leased.len(), LEASED_BY_CHILD);
    assert_eq!(acked.len(), ACKED_BY_CHILD);

    let queue = SqliteQueue::open(dir.path(), QueueOptions::default()).unwrap();
    let stored: HashSet<String> = queue
        .next_unrouted(usize::MAX)
        .unwrap()
        .into_iter()
        .map(|event| event.message_id)
        .collect();
    let lost: Vec<&String> = appended.difference(&stored).collect();
    assert!(lost.is_empty(), "{} acknowledged events lost", lost.len());

    let due: HashSet<i64> = queue
        .lease_due(None, 0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|delivery| delivery.id.0)
        .collect();
    assert_eq!(due.len(), PREPARED_DELIVERIES - ACKED_BY_CHILD);
    for id in &leased {
        assert_eq!(
            due.contains(id),
            !acked.contains(id),
            "delivery {id}: leased but unsettled ones are due again, acked ones are gone"
        );
    }
}

const ROUTING_CHILD_DIR_VAR: &str = "AMPLINE_QUEUE_ROUTING_CHILD_DIR";
const DELIVERIES_PER_EVENT: usize = 2;

/// The routing child: one thread appends, another routes each event to two deliveries, until killed.
#[test]
fn crash_child_routing() {
    let Ok(dir) = std::env::var(ROUTING_CHILD_DIR_VAR) else {
        return; // Only meaningful when the parent test starts it.
    };
    let queue = Arc::new(SqliteQueue::open(&dir, QueueOptions::default()).unwrap());
    let appender = {
        let queue = Arc::clone(&queue);
        std::thread::spawn(move || {
            for n in 0.. {
                let batch = (0..20).map(|i| event(format!("{n}-{i}"))).collect();
                queue.append(batch).unwrap();
            }
        })
    };
    loop {
        let events = queue.next_unrouted(37).unwrap();
        let ids: Vec<_> = events.iter().map(|e| e.id).collect();
        let deliveries = ids
            .iter()
            .flat_map(|&event_id| {
                (0..DELIVERIES_PER_EVENT).map(move |n| NewDelivery {
                    event_id,
                    mapping: format!("m{n}"),
                    batch_key: "k".to_owned(),
                    throttle_key: None,
                    payload: Vec::new(),
                    due_at_ms: 0,
                    attempts: 0,
                    last_error: None,
                })
            })
            .collect();
        queue.commit_routing(&ids, deliveries).unwrap();
        if !ids.is_empty() {
            report("ROUTED");
        }
        if appender.is_finished() {
            return;
        }
    }
}

#[test]
fn routing_is_atomic_across_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child_routing",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROUTING_CHILD_DIR_VAR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let routed_commits = lines
        .map_while(|line| line.ok())
        .filter(|line| line.contains("ROUTED"))
        .take(40)
        .count();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(routed_commits, 40);

    let queue = SqliteQueue::open(dir.path(), QueueOptions::default()).unwrap();
    let routed = queue
        .archived_events(&ampline_queue::ArchiveQuery {
            from_ms: i64::MIN,
            to_ms: i64::MAX,
            source: None,
            after: None,
            limit: usize::MAX,
        })
        .unwrap();
    let mut per_event = std::collections::HashMap::new();
    for delivery in queue.lease_due(None, 0, usize::MAX).unwrap() {
        *per_event.entry(delivery.event_id).or_insert(0) += 1;
    }
    assert!(!routed.is_empty());
    for event in &routed {
        assert_eq!(
            per_event.remove(&event.id),
            Some(DELIVERIES_PER_EVENT),
            "routed event {:?} must have exactly its deliveries",
            event.id
        );
    }
    assert!(
        per_event.is_empty(),
        "deliveries for unrouted events: {per_event:?}"
    );
    let stats = queue.stats().unwrap();
    assert_eq!(stats.archived_events, routed.len() as u64);
    assert_eq!(
        stats.pending_deliveries,
        (routed.len() * DELIVERIES_PER_EVENT) as u64
    );
}
