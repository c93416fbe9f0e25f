//! Each queue operation against a real SQLite queue in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A failed expectation is a failed test.

use std::sync::Arc;

use ampline_queue::{
    ArchiveQuery, BatchKeyDue, DeliveryId, Error, EventId, FailedSelection, NewDelivery, NewEvent,
    Queue, QueueOptions, SettledEvents, SqliteQueue,
};

fn open(dir: &tempfile::TempDir) -> SqliteQueue {
    open_with(dir, QueueOptions::default())
}

fn open_with(dir: &tempfile::TempDir, options: QueueOptions) -> SqliteQueue {
    match SqliteQueue::open(dir.path(), options) {
        Ok(queue) => queue,
        Err(error) => panic!("open failed: {error}"),
    }
}

fn event(message_id: &str, received_at_ms: i64) -> NewEvent {
    NewEvent {
        source: "web".to_owned(),
        received_at_ms,
        message_id: message_id.to_owned(),
        body: format!(r#"{{"messageId":"{message_id}"}}"#).into_bytes(),
    }
}

fn delivery(event_id: EventId, batch_key: &str, due_at_ms: i64) -> NewDelivery {
    NewDelivery {
        event_id,
        mapping: "track".to_owned(),
        batch_key: batch_key.to_owned(),
        throttle_key: None,
        payload: format!(r#"{{"insert_id":"{}"}}"#, event_id.0).into_bytes(),
        due_at_ms,
        attempts: 0,
        last_error: None,
    }
}

/// Appends one event per due time and routes each to one delivery with that due time.
fn deliveries_due_at(queue: &SqliteQueue, batch_key: &str, due: &[i64]) -> Vec<DeliveryId> {
    let events: Vec<NewEvent> = due
        .iter()
        .enumerate()
        .map(|(i, _)| event(&format!("{batch_key}-{i}"), 1_000))
        .collect();
    let ids = queue.append(events).unwrap();
    let deliveries = ids
        .iter()
        .zip(due)
        .map(|(&id, &due_at)| delivery(id, batch_key, due_at))
        .collect();
    queue.commit_routing(&ids, deliveries).unwrap()
}

fn ids_of(deliveries: &[ampline_queue::Delivery]) -> Vec<DeliveryId> {
    deliveries.iter().map(|d| d.id).collect()
}

#[test]
fn append_returns_increasing_ids_and_events_read_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let first = queue.append(vec![event("a", 1), event("b", 2)]).unwrap();
    let second = queue.append(vec![event("c", 3)]).unwrap();
    assert_eq!(first.len(), 2);
    assert!(first[0] < first[1] && first[1] < second[0]);

    let unrouted = queue.next_unrouted(10).unwrap();
    let message_ids: Vec<&str> = unrouted.iter().map(|e| e.message_id.as_str()).collect();
    assert_eq!(message_ids, ["a", "b", "c"]);
    assert_eq!(unrouted[2].body, br#"{"messageId":"c"}"#);
    assert_eq!(unrouted[2].received_at_ms, 3);
    assert_eq!(unrouted[2].source, "web");
    assert_eq!(queue.next_unrouted(2).unwrap().len(), 2);
    assert_eq!(queue.append(Vec::new()).unwrap(), Vec::new());
}

#[test]
fn commit_routing_marks_events_routed_and_stores_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let ids = queue
        .append(vec![event("a", 10), event("b", 20), event("c", 30)])
        .unwrap();
    let delivery_ids = queue
        .commit_routing(
            &ids[..2],
            vec![delivery(ids[0], "k", 0), delivery(ids[0], "other", 0)],
        )
        .unwrap();
    assert_eq!(delivery_ids.len(), 2);

    let unrouted = queue.next_unrouted(10).unwrap();
    assert_eq!(unrouted.len(), 1);
    assert_eq!(unrouted[0].id, ids[2]);

    let stats = queue.stats().unwrap();
    assert_eq!(stats.unrouted_events, 1);
    assert_eq!(stats.pending_deliveries, 2);
    assert_eq!(stats.archived_events, 2);
    assert_eq!(stats.counters.routed, 2);
    assert_eq!(stats.counters.unmatched, 1, "event b matched no mapping");
    assert_eq!(stats.oldest_pending_received_at_ms, Some(10));
    assert_eq!(stats.oldest_unrouted_received_at_ms, Some(30));

    let leased = queue.lease_due(Some("k"), 0, 10).unwrap();
    assert_eq!(leased.len(), 1);
    assert_eq!(leased[0].event_id, ids[0]);
    assert_eq!(leased[0].received_at_ms, 10);
    assert_eq!(
        leased[0].payload,
        format!(r#"{{"insert_id":"{}"}}"#, ids[0].0).as_bytes()
    );
}

#[test]
fn commit_routing_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let ids = queue.append(vec![event("a", 1), event("b", 2)]).unwrap();
    queue
        .commit_routing(&ids[..1], vec![delivery(ids[0], "k", 0)])
        .unwrap();

    // Event b is fine, but a was routed before: nothing of this call may stick.
    let again = queue.commit_routing(&[ids[1], ids[0]], vec![delivery(ids[1], "k", 0)]);
    assert_eq!(again, Err(Error::AlreadyRouted(ids[0])));
    let unknown = queue.commit_routing(&[ids[1], EventId(999)], vec![delivery(ids[1], "k", 0)]);
    assert_eq!(unknown, Err(Error::UnknownEvent(EventId(999))));
    let twice = queue.commit_routing(&[ids[1], ids[1]], vec![delivery(ids[1], "k", 0)]);
    assert_eq!(twice, Err(Error::AlreadyRouted(ids[1])));
    let unlisted = queue.commit_routing(&[ids[1]], vec![delivery(ids[0], "k", 0)]);
    assert_eq!(unlisted, Err(Error::DeliveryForUnlistedEvent(ids[0])));

    let stats = queue.stats().unwrap();
    assert_eq!(stats.unrouted_events, 1);
    assert_eq!(stats.pending_deliveries, 1);
    assert_eq!(stats.counters.routed, 1);
    assert_eq!(queue.next_unrouted(10).unwrap()[0].id, ids[1]);
}

#[test]
fn commit_settled_stores_only_what_amplitude_did_not_take() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let ids = queue
        .append(vec![
            event("a", 10),
            event("b", 20),
            event("c", 30),
            event("d", 40),
        ])
        .unwrap();
    let retry = NewDelivery {
        attempts: 1,
        last_error: Some("503: down".to_owned()),
        ..delivery(ids[1], "k", 5_000)
    };
    let failed = NewDelivery {
        attempts: 1,
        ..delivery(ids[2], "k", 0)
    };
    queue
        .commit_settled(SettledEvents {
            events: ids[..3].to_vec(),
            delivered: 4,
            unmatched: 0,
            pending: vec![retry],
            failed: vec![(failed, "400 Invalid field: user_id".to_owned())],
            now_ms: 99,
        })
        .unwrap();

    let stats = queue.stats().unwrap();
    assert_eq!(stats.unrouted_events, 1);
    assert_eq!(queue.next_unrouted(10).unwrap()[0].id, ids[3]);
    assert_eq!(stats.pending_deliveries, 1);
    assert_eq!(stats.failed_deliveries, 1);
    assert_eq!(stats.counters.routed, 3);
    assert_eq!(stats.counters.delivered, 4);
    assert_eq!(stats.counters.retried, 1);
    assert_eq!(stats.counters.failed, 1);
    assert_eq!(stats.next_due_at_ms, Some(5_000));

    let due = queue.lease_due(Some("k"), 5_000, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].event_id, ids[1]);
    assert_eq!(due[0].received_at_ms, 20, "the event's arrival time");
    assert_eq!(due[0].attempts, 1);
    assert_eq!(due[0].last_error.as_deref(), Some("503: down"));

    let kept = queue.failed(10, None).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].delivery.event_id, ids[2]);
    assert_eq!(
        kept[0].delivery.attempts, 1,
        "the one attempt that failed it"
    );
    assert_eq!(kept[0].reason, "400 Invalid field: user_id");
    assert_eq!(kept[0].failed_at_ms, 99);
    assert!(
        kept[0].delivery.id > due[0].id,
        "ids come from one sequence"
    );

    // Settling an event twice changes nothing.
    let again = queue.commit_settled(SettledEvents {
        events: vec![ids[3], ids[0]],
        delivered: 1,
        ..SettledEvents::default()
    });
    assert_eq!(again, Err(Error::AlreadyRouted(ids[0])));
    let unlisted = queue.commit_settled(SettledEvents {
        events: vec![ids[3]],
        pending: vec![delivery(ids[0], "k", 0)],
        ..SettledEvents::default()
    });
    assert_eq!(unlisted, Err(Error::DeliveryForUnlistedEvent(ids[0])));
    let stats = queue.stats().unwrap();
    assert_eq!(stats.unrouted_events, 1);
    assert_eq!(stats.counters.delivered, 4);
    assert_eq!(stats.pending_deliveries, 1);
}

#[test]
fn lease_due_orders_by_due_time_then_id_and_skips_leased_and_future() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let ids = deliveries_due_at(&queue, "k", &[50, 10, 10, 100]);

    let first = queue.lease_due(None, 60, 2).unwrap();
    assert_eq!(ids_of(&first), [ids[1], ids[2]]);
    let second = queue.lease_due(None, 60, 10).unwrap();
    assert_eq!(
        ids_of(&second),
        [ids[0]],
        "leased ones are not handed out again"
    );
    assert!(queue.lease_due(None, 60, 10).unwrap().is_empty());
    assert_eq!(ids_of(&queue.lease_due(None, 100, 10).unwrap()), [ids[3]]);
    assert!(queue.lease_due(None, 60, 0).unwrap().is_empty());
}

#[test]
fn lease_due_and_batch_keys_due_group_by_batch_key() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let a = deliveries_due_at(&queue, "a", &[0, 0, 500]);
    let b = deliveries_due_at(&queue, "b", &[0]);

    assert_eq!(
        queue.batch_keys_due(0).unwrap(),
        [
            BatchKeyDue {
                batch_key: "a".to_owned(),
                due: 2
            },
            BatchKeyDue {
                batch_key: "b".to_owned(),
                due: 1
            }
        ]
    );
    let leased = queue.lease_due(Some("a"), 0, 10).unwrap();
    assert_eq!(ids_of(&leased), [a[0], a[1]]);
    assert!(leased.iter().all(|d| d.batch_key == "a"));
    assert_eq!(
        queue.batch_keys_due(0).unwrap(),
        [BatchKeyDue {
            batch_key: "b".to_owned(),
            due: 1
        }]
    );
    assert_eq!(ids_of(&queue.lease_due(Some("b"), 0, 10).unwrap()), b);
    assert!(queue.batch_keys_due(0).unwrap().is_empty());
    assert_eq!(queue.batch_keys_due(500).unwrap().len(), 1);
}

#[test]
fn ack_retry_release_settle_leases() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let ids = deliveries_due_at(&queue, "k", &[0, 0, 0]);
    queue.lease_due(None, 0, 10).unwrap();

    assert_eq!(
        queue.ack_delivered(&[ids[0], DeliveryId(12345)]).unwrap(),
        1
    );
    assert_eq!(queue.retry_later(&[ids[1]], 1_000, "HTTP 503").unwrap(), 1);
    assert_eq!(queue.release(&[ids[2]]).unwrap(), 1);
    assert_eq!(queue.release(&[ids[2]]).unwrap(), 0, "not leased any more");

    let now = queue.lease_due(None, 999, 10).unwrap();
    assert_eq!(ids_of(&now), [ids[2]]);
    assert_eq!(now[0].attempts, 0, "release is not an attempt");
    let later = queue.lease_due(None, 1_000, 10).unwrap();
    assert_eq!(ids_of(&later), [ids[1]]);
    assert_eq!(later[0].attempts, 1);
    assert_eq!(later[0].last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(later[0].due_at_ms, 1_000);

    let stats = queue.stats().unwrap();
    assert_eq!(stats.pending_deliveries, 2);
    assert_eq!(stats.leased_deliveries, 2);
    assert_eq!(stats.counters.delivered, 1);
    assert_eq!(stats.counters.retried, 1);
}

#[test]
fn hold_throttled_postpones_only_that_key_and_never_brings_forward() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let ids = queue
        .append(vec![event("a", 1), event("b", 1), event("c", 1)])
        .unwrap();
    let mut throttled = delivery(ids[0], "k", 0);
    throttled.throttle_key = Some("user-1".to_owned());
    let mut throttled_later = delivery(ids[1], "k", 9_000);
    throttled_later.throttle_key = Some("user-1".to_owned());
    let mut other = delivery(ids[2], "k", 0);
    other.throttle_key = Some("user-2".to_owned());
    let delivery_ids = queue
        .commit_routing(&ids, vec![throttled, throttled_later, other])
        .unwrap();

    assert_eq!(
        queue.hold_throttled(&["user-1".to_owned()], 5_000).unwrap(),
        1
    );
    assert_eq!(
        ids_of(&queue.lease_due(None, 4_999, 10).unwrap()),
        [delivery_ids[2]]
    );
    let held = queue.lease_due(None, 5_000, 10).unwrap();
    assert_eq!(ids_of(&held), [delivery_ids[0]]);
    assert_eq!(held[0].due_at_ms, 5_000);
    assert_eq!(
        ids_of(&queue.lease_due(None, 9_000, 10).unwrap()),
        [delivery_ids[1]]
    );
}

#[test]
fn failed_store_round_trip_keeps_id_payload_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let options = QueueOptions {
        maintenance_chunk: 2,
        ..QueueOptions::default()
    };
    let queue = open_with(&dir, options);
    let ids = deliveries_due_at(&queue, "k", &[0, 0, 0, 0, 0]);
    let original = queue.lease_due(None, 0, 10).unwrap();
    queue.retry_later(&[ids[0]], 0, "timeout").unwrap();

    assert_eq!(queue.fail(&[ids[0]], "HTTP 400 invalid", 7_000).unwrap(), 1);
    assert_eq!(queue.fail(&ids[1..], "too large", 7_001).unwrap(), 4);
    assert_eq!(queue.fail(&[ids[0]], "again", 7_002).unwrap(), 0);

    let page = queue.failed(2, None).unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].delivery.id, ids[0]);
    assert_eq!(page[0].reason, "HTTP 400 invalid");
    assert_eq!(page[0].failed_at_ms, 7_000);
    assert_eq!(
        page[0].delivery.attempts, 2,
        "one retry plus the failing attempt"
    );
    assert_eq!(page[0].delivery.last_error.as_deref(), Some("timeout"));
    let rest = queue.failed(10, Some(page[1].delivery.id)).unwrap();
    assert_eq!(rest.len(), 3);
    assert_eq!(rest[0].delivery.id, ids[2]);

    let stats = queue.stats().unwrap();
    assert_eq!((stats.pending_deliveries, stats.failed_deliveries), (0, 5));

    assert_eq!(
        queue
            .retry_failed(FailedSelection::Ids(vec![ids[3], DeliveryId(999)]), 8_000)
            .unwrap(),
        1
    );
    // Five rows with a chunk of two exercises the chunked loop.
    assert_eq!(queue.retry_failed(FailedSelection::All, 8_000).unwrap(), 4);
    assert!(queue.failed(10, None).unwrap().is_empty());

    let again = queue.lease_due(None, 8_000, 10).unwrap();
    assert_eq!(ids_of(&again), ids_of(&original));
    for (before, after) in original.iter().zip(&again) {
        assert_eq!(before.payload, after.payload);
        assert_eq!(after.attempts, 0);
        assert_eq!(after.due_at_ms, 8_000);
    }
    assert_eq!(queue.stats().unwrap().counters.requeued, 5);
}

#[test]
fn next_unrouted_after_reads_past_a_batch_still_being_committed() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let ids = queue
        .append((0..5).map(|i| event(&format!("m{i}"), 1_000)).collect())
        .unwrap();
    let first = queue.next_unrouted(2).unwrap();
    assert_eq!(first.iter().map(|e| e.id).collect::<Vec<_>>(), ids[..2]);
    let after = queue.next_unrouted_after(ids[1], 10).unwrap();
    assert_eq!(after.iter().map(|e| e.id).collect::<Vec<_>>(), ids[2..]);
    queue.commit_routing(&ids[2..4], Vec::new()).unwrap();
    let rest = queue.next_unrouted_after(ids[1], 10).unwrap();
    assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[4]]);
    let all = queue.next_unrouted(10).unwrap();
    assert_eq!(
        all.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[0], ids[1], ids[4]]
    );
    assert_eq!(queue.next_due_at_ms().unwrap(), None);
    let due = deliveries_due_at(&queue, "k", &[70, 30]);
    assert_eq!(due.len(), 2);
    assert_eq!(queue.next_due_at_ms().unwrap(), Some(30));
}

#[test]
fn replace_delivery_swaps_one_delivery_for_new_ones_of_the_same_event() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let ids = deliveries_due_at(&queue, "reroute", &[0, 0]);
    let leased = queue.lease_due(None, 0, 10).unwrap();
    let replaced = leased[0].clone();
    let new = vec![
        NewDelivery {
            // Ignored: the replaced delivery's event is kept.
            event_id: EventId(12_345),
            mapping: "track".to_owned(),
            batch_key: "endpoint".to_owned(),
            throttle_key: Some("u:1".to_owned()),
            payload: b"{\"a\":1}".to_vec(),
            due_at_ms: 5,
            attempts: 0,
            last_error: None,
        },
        NewDelivery {
            payload: b"{\"a\":2}".to_vec(),
            ..delivery(EventId(12_345), "endpoint", 5)
        },
    ];
    let new_ids = queue.replace_delivery(ids[0], new).unwrap();
    assert_eq!(new_ids.len(), 2);
    assert!(new_ids.iter().all(|id| id > &ids[1]));
    let due = queue.lease_due(Some("endpoint"), 5, 10).unwrap();
    assert_eq!(ids_of(&due), new_ids);
    for delivery in &due {
        assert_eq!(delivery.event_id, replaced.event_id);
        assert_eq!(delivery.received_at_ms, replaced.received_at_ms);
    }
    assert_eq!(due[0].payload, b"{\"a\":1}");
    assert!(queue.lease_due(Some("reroute"), 10, 10).unwrap().is_empty());
    let stats = queue.stats().unwrap();
    assert_eq!(stats.pending_deliveries, 3);
    assert_eq!(stats.counters.delivered + stats.counters.failed, 0);

    let nothing = queue
        .replace_delivery(DeliveryId(999), vec![delivery(EventId(1), "x", 0)])
        .unwrap();
    assert!(nothing.is_empty());
    assert_eq!(queue.stats().unwrap().pending_deliveries, 3);
}

#[test]
fn purge_archive_deletes_only_old_routed_events_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let options = QueueOptions {
        retention_ms: 1_000,
        maintenance_chunk: 3,
        ..QueueOptions::default()
    };
    let queue = open_with(&dir, options);
    let old: Vec<NewEvent> = (0..7).map(|i| event(&format!("old{i}"), 100 + i)).collect();
    let old_ids = queue.append(old).unwrap();
    let unrouted_old = queue.append(vec![event("old-unrouted", 50)]).unwrap();
    let new_ids = queue.append(vec![event("new", 5_000)]).unwrap();
    queue.commit_routing(&old_ids, Vec::new()).unwrap();
    queue.commit_routing(&new_ids, Vec::new()).unwrap();

    assert_eq!(queue.purge_archive(5_500).unwrap(), 7);
    assert_eq!(queue.purge_archive(5_500).unwrap(), 0);
    let unrouted = queue.next_unrouted(10).unwrap();
    assert_eq!(
        unrouted[0].id, unrouted_old[0],
        "unrouted events are never purged"
    );
    let everything = ArchiveQuery {
        from_ms: i64::MIN,
        to_ms: i64::MAX,
        source: None,
        after: None,
        limit: 100,
    };
    let archived = queue.archived_events(&everything).unwrap();
    assert_eq!(archived.len(), 1);
    assert_eq!(archived[0].id, new_ids[0]);
    assert_eq!(queue.stats().unwrap().counters.purged, 7);
}

#[test]
fn archived_events_page_in_time_order_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let queue = open(&dir);
    let mut events: Vec<NewEvent> = (0..6).map(|i| event(&format!("e{i}"), i * 10)).collect();
    events[1].source = "ios".to_owned();
    let ids = queue.append(events).unwrap();
    // Appended later but received between e2 and e3: the archive is in time order.
    let late = queue.append(vec![event("late", 25)]).unwrap();
    queue.append(vec![event("unrouted", 15)]).unwrap();
    queue.commit_routing(&ids, Vec::new()).unwrap();
    queue.commit_routing(&late, Vec::new()).unwrap();

    let query = ArchiveQuery {
        from_ms: 10,
        to_ms: 50,
        source: Some("web".to_owned()),
        after: None,
        limit: 2,
    };
    let names = |events: &[ampline_queue::StoredEvent]| -> Vec<String> {
        events.iter().map(|e| e.message_id.clone()).collect()
    };
    let page = queue.archived_events(&query).unwrap();
    assert_eq!(names(&page), ["e2", "late"]);
    let next = queue
        .archived_events(&ArchiveQuery {
            after: Some(page[1].archive_cursor()),
            ..query.clone()
        })
        .unwrap();
    assert_eq!(names(&next), ["e3", "e4"]);
    let last = queue
        .archived_events(&ArchiveQuery {
            after: Some(next[1].archive_cursor()),
            ..query.clone()
        })
        .unwrap();
    assert!(last.is_empty());
    let ios = queue
        .archived_events(&ArchiveQuery {
            source: Some("ios".to_owned()),
            ..query
        })
        .unwrap();
    assert_eq!(ios.len(), 1);
    assert_eq!(ios[0].id, ids[1]);
}

#[test]
fn reopening_keeps_everything_and_makes_leases_due_again() {
    let dir = tempfile::tempdir().unwrap();
    let ids = {
        let queue = open(&dir);
        let ids = deliveries_due_at(&queue, "k", &[0, 0, 0]);
        queue.append(vec![event("unrouted", 1)]).unwrap();
        queue.lease_due(None, 0, 10).unwrap();
        queue.ack_delivered(&[ids[0]]).unwrap();
        queue.fail(&[ids[1]], "bad", 0).unwrap();
        assert!(queue.lease_due(None, 0, 10).unwrap().is_empty());
        ids
    };
    let queue = open(&dir);
    assert_eq!(ids_of(&queue.lease_due(None, 0, 10).unwrap()), [ids[2]]);
    assert_eq!(queue.failed(10, None).unwrap()[0].delivery.id, ids[1]);
    assert_eq!(queue.next_unrouted(10).unwrap()[0].message_id, "unrouted");
    let stats = queue.stats().unwrap();
    assert_eq!(stats.counters.appended, 4);
    assert_eq!(stats.counters.delivered, 1);
    assert_eq!(stats.counters.failed, 1);

    // Ids are never reused, even for the highest id after it was deleted.
    let new_ids = queue.append(vec![event("later", 2)]).unwrap();
    assert!(new_ids[0].0 > 4);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let connection = rusqlite::Connection::open(dir.path().join("queue.sqlite3")).unwrap();
    connection.execute_batch("PRAGMA user_version = 7").unwrap();
    drop(connection);
    let error = SqliteQueue::open(dir.path(), QueueOptions::default()).unwrap_err();
    assert_eq!(
        error,
        Error::SchemaTooNew {
            found: 7,
            supported: 1
        }
    );
    assert!(error
        .to_string()
        .contains("newer than this ampline supports"));
}

#[test]
fn concurrent_appends_share_commits() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Arc::new(open(&dir));
    let before = queue.commit_count();
    let threads = 32;
    let appends_per_thread = 20;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                for n in 0..appends_per_thread {
                    let batch = (0..10).map(|i| event(&format!("{t}-{n}-{i}"), 0)).collect();
                    ids.extend(queue.append(batch).unwrap());
                }
                ids
            })
        })
        .collect();
    let mut all: Vec<EventId> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let commits = queue.commit_count() - before;
    let appends = (threads * appends_per_thread) as u64;
    assert!(
        commits < appends / 2,
        "{commits} commits for {appends} concurrent appends: group commit is not batching"
    );
    all.sort();
    all.dedup();
    assert_eq!(all.len(), threads * appends_per_thread * 10);
    assert_eq!(queue.stats().unwrap().unrouted_events, all.len() as u64);
}

#[test]
fn a_failing_request_does_not_undo_others_in_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Arc::new(open(&dir));
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                for n in 0..10 {
                    if t % 2 == 0 {
                        queue.append(vec![event(&format!("{t}-{n}"), 0)]).unwrap();
                    } else {
                        let refused = queue.commit_routing(&[EventId(1_000_000)], Vec::new());
                        assert_eq!(refused, Err(Error::UnknownEvent(EventId(1_000_000))));
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(queue.stats().unwrap().unrouted_events, 80);
}

#[test]
fn the_queue_is_shareable_and_usable_as_a_trait_object() {
    fn shareable<T: Send + Sync + 'static>(_: &T) {}
    let dir = tempfile::tempdir().unwrap();
    let queue: Arc<dyn Queue> = Arc::new(open(&dir));
    shareable(&queue);
    let ids = queue.append(vec![event("a", 1)]).unwrap();
    assert_eq!(queue.next_unrouted(1).unwrap()[0].id, ids[0]);
}

#[test]
fn the_row_cap_keeps_big_requests_out_of_shared_commits() {
    let dir = tempfile::tempdir().unwrap();
    let options = QueueOptions {
        max_rows_per_commit: 5,
        ..QueueOptions::default()
    };
    let queue = Arc::new(open_with(&dir, options));
    let before = queue.commit_count();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                for n in 0..10 {
                    let batch = (0..5).map(|i| event(&format!("{t}-{n}-{i}"), 0)).collect();
                    queue.append(batch).unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(
        queue.commit_count() - before,
        80,
        "each 5-row append fills a commit"
    );
}

#[test]
fn a_directory_can_be_open_by_one_queue_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(&dir);
    let second = SqliteQueue::open(dir.path(), QueueOptions::default()).unwrap_err();
    assert!(matches!(second, Error::AlreadyOpen(_)), "{second:?}");
    first.append(vec![event("a", 1)]).unwrap();
    drop(first);
    let reopened = open(&dir);
    assert_eq!(reopened.next_unrouted(10).unwrap().len(), 1);
}
