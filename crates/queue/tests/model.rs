//! Model-based test: random sequences of operations run against the SQLite queue and against a
//! plain in-memory model, and every answer and every count must agree, across restarts too.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A failed expectation is a failed test.

use std::collections::BTreeMap;

use ampline_queue::{
    ArchiveQuery, DeliveryId, EventId, FailedSelection, NewDelivery, NewEvent, Queue, QueueOptions,
    SqliteQueue,
};
use proptest::prelude::*;

const RETENTION_MS: i64 = 50;
const KEYS: [&str; 2] = ["a", "b"];
const THROTTLE: [Option<&str>; 3] = [None, Some("u1"), Some("u2")];

#[derive(Debug, Clone)]
enum Op {
    Append {
        count: usize,
        at_ms: i64,
    },
    /// Routes the next `count` unrouted events; each gets deliveries described by `fanout`.
    Route {
        count: usize,
        fanout: Vec<(usize, usize, i64)>,
    },
    Lease {
        key: Option<usize>,
        now_ms: i64,
        limit: usize,
    },
    Ack(usize),
    RetryLater(usize, i64),
    Fail(usize),
    Release(usize),
    Hold(usize, i64),
    RetryFailed(Option<usize>),
    Purge(i64),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1..4usize, 0..100i64).prop_map(|(count, at_ms)| Op::Append { count, at_ms }),
        (
            0..4usize,
            prop::collection::vec((0..2usize, 0..3usize, 0..30i64), 0..6)
        )
            .prop_map(|(count, fanout)| Op::Route { count, fanout }),
        (prop::option::of(0..2usize), 0..40i64, 1..5usize)
            .prop_map(|(key, now_ms, limit)| Op::Lease { key, now_ms, limit }),
        any::<usize>().prop_map(Op::Ack),
        (any::<usize>(), 0..40i64).prop_map(|(pick, at)| Op::RetryLater(pick, at)),
        any::<usize>().prop_map(Op::Fail),
        any::<usize>().prop_map(Op::Release),
        (1..3usize, 0..50i64).prop_map(|(key, until)| Op::Hold(key, until)),
        prop::option::of(any::<usize>()).prop_map(Op::RetryFailed),
        (0..200i64).prop_map(Op::Purge),
        Just(Op::Reopen),
    ]
}

#[derive(Debug, Clone)]
struct ModelDelivery {
    batch_key: usize,
    throttle: usize,
    due_at_ms: i64,
    attempts: u32,
    leased: bool,
}

#[derive(Debug, Default)]
struct Model {
    /// Event id to (received_at_ms, routed).
    events: BTreeMap<i64, (i64, bool)>,
    deliveries: BTreeMap<i64, ModelDelivery>,
    failed: BTreeMap<i64, ModelDelivery>,
    next_event: i64,
    next_delivery: i64,
}

impl Model {
    fn pick_delivery(&self, pick: usize) -> Option<i64> {
        let ids: Vec<i64> = self.deliveries.keys().copied().collect();
        if ids.is_empty() {
            None
        } else {
            Some(ids[pick % ids.len()])
        }
    }

    fn lease(&mut self, key: Option<usize>, now_ms: i64, limit: usize) -> Vec<i64> {
        let mut due: Vec<(i64, i64)> = self
            .deliveries
            .iter()
            .filter(|(_, d)| {
                !d.leased && d.due_at_ms <= now_ms && key.is_none_or(|k| d.batch_key == k)
            })
            .map(|(&id, d)| (d.due_at_ms, id))
            .collect();
        due.sort();
        due.truncate(limit);
        let ids: Vec<i64> = due.into_iter().map(|(_, id)| id).collect();
        for id in &ids {
            self.deliveries.get_mut(id).unwrap().leased = true;
        }
        ids
    }
}

fn run(ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let options = QueueOptions {
        retention_ms: RETENTION_MS,
        maintenance_chunk: 2,
        ..QueueOptions::default()
    };
    let mut queue = SqliteQueue::open(dir.path(), options.clone()).unwrap();
    let mut model = Model {
        next_event: 1,
        next_delivery: 1,
        ..Model::default()
    };
    for op in ops {
        match op {
            Op::Append { count, at_ms } => {
                let batch = (0..count)
                    .map(|i| NewEvent {
                        source: "web".to_owned(),
                        received_at_ms: at_ms,
                        message_id: format!("m{i}"),
                        body: b"{}".to_vec(),
                    })
                    .collect();
                let ids = queue.append(batch).unwrap();
                let expected: Vec<EventId> = (0..count as i64)
                    .map(|i| EventId(model.next_event + i))
                    .collect();
                assert_eq!(ids, expected);
                for id in ids {
                    model.events.insert(id.0, (at_ms, false));
                }
                model.next_event += count as i64;
            }
            Op::Route { count, fanout } => {
                let unrouted = queue.next_unrouted(count).unwrap();
                let expected: Vec<i64> = model
                    .events
                    .iter()
                    .filter(|(_, (_, routed))| !routed)
                    .map(|(&id, _)| id)
                    .take(count)
                    .collect();
                let got: Vec<i64> = unrouted.iter().map(|e| e.id.0).collect();
                assert_eq!(got, expected);
                if got.is_empty() {
                    continue;
                }
                let mut deliveries = Vec::new();
                let mut model_deliveries = Vec::new();
                for (n, &(key, throttle, due)) in fanout.iter().enumerate() {
                    // Spread the fan-out over the events; some events get none (unmatched).
                    let event_id = got[(n * 7) % got.len()];
                    deliveries.push(NewDelivery {
                        event_id: EventId(event_id),
                        mapping: "m".to_owned(),
                        batch_key: KEYS[key].to_owned(),
                        throttle_key: THROTTLE[throttle].map(str::to_owned),
                        payload: format!("{event_id}/{n}").into_bytes(),
                        due_at_ms: due,
                        attempts: 0,
                        last_error: None,
                    });
                    model_deliveries.push(ModelDelivery {
                        batch_key: key,
                        throttle,
                        due_at_ms: due,
                        attempts: 0,
                        leased: false,
                    });
                }
                let event_ids: Vec<EventId> = got.iter().map(|&id| EventId(id)).collect();
                let ids = queue.commit_routing(&event_ids, deliveries).unwrap();
                for (id, delivery) in ids.iter().zip(model_deliveries) {
                    assert_eq!(id.0, model.next_delivery);
                    model.deliveries.insert(id.0, delivery);
                    model.next_delivery += 1;
                }
                for id in got {
                    model.events.get_mut(&id).unwrap().1 = true;
                }
            }
            Op::Lease { key, now_ms, limit } => {
                let got: Vec<i64> = queue
                    .lease_due(key.map(|k| KEYS[k]), now_ms, limit)
                    .unwrap()
                    .iter()
                    .map(|d| {
                        let expected = &model.deliveries[&d.id.0];
                        assert_eq!(d.attempts, expected.attempts);
                        assert_eq!(d.due_at_ms, expected.due_at_ms);
                        d.id.0
                    })
                    .collect();
                assert_eq!(got, model.lease(key, now_ms, limit));
            }
            Op::Ack(pick) => {
                if let Some(id) = model.pick_delivery(pick) {
                    assert_eq!(queue.ack_delivered(&[DeliveryId(id)]).unwrap(), 1);
                    model.deliveries.remove(&id);
                }
            }
            Op::RetryLater(pick, at) => {
                if let Some(id) = model.pick_delivery(pick) {
                    assert_eq!(queue.retry_later(&[DeliveryId(id)], at, "e").unwrap(), 1);
                    let delivery = model.deliveries.get_mut(&id).unwrap();
                    delivery.attempts += 1;
                    delivery.due_at_ms = at;
                    delivery.leased = false;
                }
            }
            Op::Fail(pick) => {
                if let Some(id) = model.pick_delivery(pick) {
                    assert_eq!(queue.fail(&[DeliveryId(id)], "r", 0).unwrap(), 1);
                    let mut delivery = model.deliveries.remove(&id).unwrap();
                    delivery.attempts += 1;
                    delivery.leased = false;
                    model.failed.insert(id, delivery);
                }
            }
            Op::Release(pick) => {
                if let Some(id) = model.pick_delivery(pick) {
                    let delivery = model.deliveries.get_mut(&id).unwrap();
                    let expected = u64::from(delivery.leased);
                    delivery.leased = false;
                    assert_eq!(queue.release(&[DeliveryId(id)]).unwrap(), expected);
                }
            }
            Op::Hold(throttle, until) => {
                let key = THROTTLE[throttle].unwrap().to_owned();
                let mut expected = 0;
                for delivery in model.deliveries.values_mut() {
                    if delivery.throttle == throttle && delivery.due_at_ms < until {
                        delivery.due_at_ms = until;
                        expected += 1;
                    }
                }
                assert_eq!(queue.hold_throttled(&[key], until).unwrap(), expected);
            }
            Op::RetryFailed(pick) => {
                let ids: Vec<i64> = match pick {
                    None => model.failed.keys().copied().collect(),
                    Some(pick) => {
                        let all: Vec<i64> = model.failed.keys().copied().collect();
                        all.get(pick % all.len().max(1))
                            .copied()
                            .into_iter()
                            .collect()
                    }
                };
                let selection = match pick {
                    None => FailedSelection::All,
                    Some(_) => FailedSelection::Ids(ids.iter().map(|&id| DeliveryId(id)).collect()),
                };
                assert_eq!(queue.retry_failed(selection, 5).unwrap(), ids.len() as u64);
                for id in ids {
                    let mut delivery = model.failed.remove(&id).unwrap();
                    delivery.attempts = 0;
                    delivery.due_at_ms = 5;
                    model.deliveries.insert(id, delivery);
                }
            }
            Op::Purge(now) => {
                let before = model.events.len();
                model
                    .events
                    .retain(|_, (received, routed)| !(*routed && *received < now - RETENTION_MS));
                let expected = (before - model.events.len()) as u64;
                assert_eq!(queue.purge_archive(now).unwrap(), expected);
            }
            Op::Reopen => {
                drop(queue);
                queue = SqliteQueue::open(dir.path(), options.clone()).unwrap();
                for delivery in model.deliveries.values_mut() {
                    delivery.leased = false;
                }
            }
        }
        check_counts(&queue, &model);
    }
}

fn check_counts(queue: &SqliteQueue, model: &Model) {
    let stats = queue.stats().unwrap();
    let unrouted = model.events.values().filter(|(_, routed)| !routed).count();
    assert_eq!(stats.unrouted_events, unrouted as u64);
    assert_eq!(
        stats.archived_events,
        (model.events.len() - unrouted) as u64
    );
    assert_eq!(stats.pending_deliveries, model.deliveries.len() as u64);
    assert_eq!(
        stats.leased_deliveries,
        model.deliveries.values().filter(|d| d.leased).count() as u64
    );
    assert_eq!(stats.failed_deliveries, model.failed.len() as u64);
    assert_eq!(
        stats.next_due_at_ms,
        model
            .deliveries
            .values()
            .filter(|d| !d.leased)
            .map(|d| d.due_at_ms)
            .min()
    );
    let failed: Vec<i64> = queue
        .failed(usize::MAX, None)
        .unwrap()
        .iter()
        .map(|f| f.delivery.id.0)
        .collect();
    assert_eq!(failed, model.failed.keys().copied().collect::<Vec<_>>());
    let archived: Vec<i64> = queue
        .archived_events(&ArchiveQuery {
            from_ms: i64::MIN,
            to_ms: i64::MAX,
            source: None,
            after: None,
            limit: usize::MAX,
        })
        .unwrap()
        .iter()
        .map(|event| event.id.0)
        .collect();
    let mut expected: Vec<(i64, i64)> = model
        .events
        .iter()
        .filter(|(_, (_, routed))| *routed)
        .map(|(&id, &(received, _))| (received, id))
        .collect();
    expected.sort_unstable();
    let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(archived, expected);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn queue_agrees_with_model(ops in prop::collection::vec(op(), 1..60)) {
        run(ops);
    }
}
