//! Items routed but not stored: the sender's fast path.
//!
//! Nearly every item is accepted by Amplitude at the first try. Storing each as a delivery row,
//! leasing it and deleting it again cost the queue writer three writes per item, so the router
//! hands items to the sender here, in memory, and an event is marked routed only once every item
//! it made is settled. What Amplitude did not take at once (a retry, a 429 hold, a failure, a
//! refusal by the mapping) is stored in the same transaction as the mark
//! ([`ampline_queue::Queue::commit_settled`]); from then on it is an ordinary stored delivery.
//!
//! Nothing is lost in a crash: until its mark commits, an event is unrouted in the queue, so the
//! next start routes it again, and its items carry the same `insert_id`s, so Amplitude drops
//! the ones that did arrive.

use ampline_queue::{EventId, NewDelivery, SettledEvents};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;

/// An item waiting for its first request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshItem {
    pub item: NewDelivery,
    /// When its event was received (the delivery-age metric starts there).
    pub received_at_ms: i64,
}

/// What became of one fresh item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// To be stored and tried again at its `due_at_ms`.
    Pending(NewDelivery),
    /// To be stored in the failed store with why.
    Failed(NewDelivery, String),
}

/// Fresh items by batch key, the events they came from, and the events settled but not yet
/// committed.
#[derive(Default)]
pub struct InFlight {
    state: Mutex<State>,
    /// Woken when events are settled: the committer has work.
    pub settled: Notify,
    /// Woken when a commit freed room: the router may read more.
    pub room: Notify,
}

#[derive(Default)]
struct State {
    waiting: BTreeMap<String, Waiting>,
    waiting_items: usize,
    /// Items taken by a sender and not yet settled.
    sending_items: usize,
    open: HashMap<EventId, OpenEvent>,
    settled: SettledEvents,
    /// Users and devices Amplitude throttled (429), and until when.
    holds: HashMap<String, i64>,
}

/// One batch key's waiting items, in routing order.
struct Waiting {
    items: VecDeque<FreshItem>,
    /// Their payloads' bytes, one more each (the separator in a request).
    bytes: usize,
    /// When the oldest of them was added (the sender lingers from there).
    since_ms: i64,
}

/// A batch key with items waiting, as the sender sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingKey {
    pub batch_key: String,
    pub items: usize,
    /// Payload bytes, one more per item.
    pub bytes: usize,
    pub since_ms: i64,
}

/// An event with items still unsettled, and what its settled items left to store.
#[derive(Default)]
struct OpenEvent {
    unsettled: usize,
    delivered: u64,
    pending: Vec<NewDelivery>,
    failed: Vec<(NewDelivery, String)>,
}

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes one routed event: its items wait for the sender; an event without items is
    /// settled at once (`refused` items go to the failed store, and an event with neither counts
    /// as unmatched).
    pub fn add(
        &self,
        event: EventId,
        received_at_ms: i64,
        items: Vec<NewDelivery>,
        refused: Vec<(NewDelivery, String)>,
        now_ms: i64,
    ) {
        let mut state = self.lock();
        if items.is_empty() {
            if refused.is_empty() {
                state.settled.unmatched += 1;
            }
            state.settled.events.push(event);
            state.settled.failed.extend(refused);
            drop(state);
            self.settled.notify_one();
            return;
        }
        state.open.insert(
            event,
            OpenEvent {
                unsettled: items.len(),
                failed: refused,
                ..OpenEvent::default()
            },
        );
        state.waiting_items += items.len();
        for item in items {
            // Looked up before inserting: the key is copied only for a new batch key.
            if !state.waiting.contains_key(&item.batch_key) {
                let waiting = Waiting {
                    items: VecDeque::new(),
                    bytes: 0,
                    since_ms: now_ms,
                };
                state.waiting.insert(item.batch_key.clone(), waiting);
            }
            let Some(waiting) = state.waiting.get_mut(&item.batch_key) else {
                continue;
            };
            waiting.bytes += item.payload.len() + 1;
            waiting.items.push_back(FreshItem {
                item,
                received_at_ms,
            });
        }
    }

    /// Batch keys with items waiting.
    pub fn waiting(&self) -> Vec<WaitingKey> {
        self.lock()
            .waiting
            .iter()
            .map(|(key, waiting)| WaitingKey {
                batch_key: key.clone(),
                items: waiting.items.len(),
                bytes: waiting.bytes,
                since_ms: waiting.since_ms,
            })
            .collect()
    }

    /// Waiting items of `batch_key`, oldest first, up to `max_items` and `max_bytes` (counted as
    /// in [`WaitingKey::bytes`]; the first item is taken whatever its size), for a sender, who
    /// must settle each one. Items of a user or device held by a 429 are not handed out: they
    /// are settled as pending, due when the hold ends.
    pub fn take(
        &self,
        batch_key: &str,
        max_items: usize,
        max_bytes: usize,
        now_ms: i64,
    ) -> Vec<FreshItem> {
        let mut state = self.lock();
        let state = &mut *state;
        state.holds.retain(|_, until| *until > now_ms);
        let Some(waiting) = state.waiting.get_mut(batch_key) else {
            return Vec::new();
        };
        let queue = &mut waiting.items;
        let mut taken = Vec::new();
        let mut taken_bytes = 0;
        let mut held = Vec::new();
        while taken.len() < max_items {
            let Some(size) = queue.front().map(|fresh| fresh.item.payload.len() + 1) else {
                break;
            };
            if !taken.is_empty() && taken_bytes + size > max_bytes {
                break;
            }
            let Some(fresh) = queue.pop_front() else {
                break;
            };
            waiting.bytes = waiting.bytes.saturating_sub(size);
            let hold = fresh
                .item
                .throttle_key
                .as_ref()
                .and_then(|key| state.holds.get(key));
            match hold {
                Some(&until) => held.push(NewDelivery {
                    due_at_ms: until,
                    ..fresh.item
                }),
                None => {
                    taken_bytes += size;
                    taken.push(fresh);
                }
            }
        }
        if queue.is_empty() {
            state.waiting.remove(batch_key);
        } else {
            // What is left was added before now, but has not waited for a full linger yet.
            waiting.since_ms = now_ms;
        }
        state.waiting_items -= taken.len() + held.len();
        state.sending_items += taken.len() + held.len();
        let any_settled = !held.is_empty();
        for item in held {
            settle_one(state, item.event_id, Outcome::Pending(item));
        }
        if any_settled {
            self.settled.notify_one();
        }
        taken
    }

    /// Settles items a sender took.
    pub fn settle(&self, outcomes: impl IntoIterator<Item = (EventId, Outcome)>) {
        let mut state = self.lock();
        let mut any = false;
        for (event, outcome) in outcomes {
            settle_one(&mut state, event, outcome);
            any = true;
        }
        drop(state);
        if any {
            self.settled.notify_one();
        }
    }

    /// Holds `keys` (users and devices) until `until_ms`: their waiting items are not sent
    /// before then.
    pub fn hold(&self, keys: &[String], until_ms: i64) {
        let mut state = self.lock();
        for key in keys {
            let until = state.holds.entry(key.clone()).or_insert(until_ms);
            *until = (*until).max(until_ms);
        }
    }

    /// The settled events not yet committed, handed to the committer.
    pub fn take_settled(&self) -> SettledEvents {
        std::mem::take(&mut self.lock().settled)
    }

    /// Gives back settled events whose commit failed, to be committed with the next ones.
    pub fn restore_settled(&self, settled: SettledEvents) {
        self.lock().settled.merge(settled);
    }

    /// Events routed and not yet committed: how far the router is ahead of the queue.
    pub fn events(&self) -> usize {
        let state = self.lock();
        state.open.len() + state.settled.events.len()
    }

    /// Whether every routed event is settled and committed.
    pub fn is_empty(&self) -> bool {
        self.events() == 0
    }

    /// Whether items wait for a sender or are being sent.
    pub fn has_unsettled_items(&self) -> bool {
        !self.lock().open.is_empty()
    }

    /// (waiting, being sent) item counts.
    pub fn item_counts(&self) -> (usize, usize) {
        let state = self.lock();
        (state.waiting_items, state.sending_items)
    }
}

fn settle_one(state: &mut State, event: EventId, outcome: Outcome) {
    state.sending_items = state.sending_items.saturating_sub(1);
    let Some(open) = state.open.get_mut(&event) else {
        tracing::error!(
            event = event.0,
            "an item was settled for an event not in flight"
        );
        return;
    };
    match outcome {
        Outcome::Delivered => open.delivered += 1,
        Outcome::Pending(item) => open.pending.push(item),
        Outcome::Failed(item, reason) => open.failed.push((item, reason)),
    }
    open.unsettled = open.unsettled.saturating_sub(1);
    if open.unsettled == 0 {
        if let Some(done) = state.open.remove(&event) {
            state.settled.events.push(event);
            state.settled.delivered += done.delivered;
            state.settled.pending.extend(done.pending);
            state.settled.failed.extend(done.failed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(event: i64, key: &str, throttle: Option<&str>) -> NewDelivery {
        NewDelivery {
            event_id: EventId(event),
            mapping: "m".to_owned(),
            batch_key: key.to_owned(),
            throttle_key: throttle.map(str::to_owned),
            payload: format!("{{\"e\":{event}}}").into_bytes(),
            due_at_ms: 0,
            attempts: 0,
            last_error: None,
        }
    }

    #[test]
    fn an_event_settles_once_every_item_is_settled() {
        let inflight = InFlight::default();
        inflight.add(
            EventId(1),
            10,
            vec![item(1, "a", None), item(1, "b", None)],
            Vec::new(),
            0,
        );
        inflight.add(EventId(2), 20, Vec::new(), Vec::new(), 0);
        let keys: Vec<String> = inflight
            .waiting()
            .into_iter()
            .map(|w| w.batch_key)
            .collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(inflight.events(), 2);

        let a = inflight.take("a", 10, usize::MAX, 0);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].received_at_ms, 10);
        assert_eq!(inflight.item_counts(), (1, 1));
        inflight.settle([(EventId(1), Outcome::Delivered)]);
        let settled = inflight.take_settled();
        assert_eq!(settled.events, [EventId(2)], "event 1 still has an item");
        assert_eq!(settled.unmatched, 1);

        let b = inflight.take("b", 10, usize::MAX, 0);
        let retry = NewDelivery {
            attempts: 1,
            due_at_ms: 500,
            ..b[0].item.clone()
        };
        inflight.settle([(EventId(1), Outcome::Pending(retry.clone()))]);
        let settled = inflight.take_settled();
        assert_eq!(settled.events, [EventId(1)]);
        assert_eq!(settled.delivered, 1);
        assert_eq!(settled.pending, [retry]);
        assert!(inflight.is_empty());
        assert_eq!(inflight.item_counts(), (0, 0));
        assert!(inflight.waiting().is_empty());
    }

    #[test]
    fn refusals_are_kept_with_their_event() {
        let inflight = InFlight::default();
        let refusal = (item(1, "reroute", None), "mapping refused: x".to_owned());
        inflight.add(EventId(1), 0, Vec::new(), vec![refusal.clone()], 0);
        inflight.add(
            EventId(2),
            0,
            vec![item(2, "a", None)],
            vec![refusal.clone()],
            0,
        );
        let settled = inflight.take_settled();
        assert_eq!(settled.events, [EventId(1)]);
        assert_eq!(settled.unmatched, 0, "a refused event matched a mapping");
        assert_eq!(settled.failed, std::slice::from_ref(&refusal));

        inflight.take("a", 10, usize::MAX, 0);
        inflight.settle([(EventId(2), Outcome::Delivered)]);
        let settled = inflight.take_settled();
        assert_eq!(settled.failed, [refusal]);
        assert_eq!(settled.delivered, 1);
    }

    #[test]
    fn held_users_wait_while_others_are_handed_out() {
        let inflight = InFlight::default();
        inflight.hold(&["u:slow".to_owned()], 1_000);
        inflight.add(
            EventId(1),
            0,
            vec![item(1, "a", Some("u:slow"))],
            Vec::new(),
            0,
        );
        inflight.add(
            EventId(2),
            0,
            vec![item(2, "a", Some("u:fast"))],
            Vec::new(),
            0,
        );
        let taken = inflight.take("a", 10, usize::MAX, 500);
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].item.event_id, EventId(2));
        let settled = inflight.take_settled();
        assert_eq!(settled.events, [EventId(1)]);
        assert_eq!(settled.pending.len(), 1);
        assert_eq!(
            settled.pending[0].due_at_ms, 1_000,
            "due when the hold ends"
        );

        // After the hold, the user's items go out again.
        inflight.add(
            EventId(3),
            0,
            vec![item(3, "a", Some("u:slow"))],
            Vec::new(),
            0,
        );
        assert_eq!(inflight.take("a", 10, usize::MAX, 1_000).len(), 1);
    }

    #[test]
    fn take_respects_the_limit_and_order() {
        let inflight = InFlight::default();
        for event in 1..=5 {
            inflight.add(
                EventId(event),
                0,
                vec![item(event, "a", None)],
                Vec::new(),
                0,
            );
        }
        let first: Vec<i64> = inflight
            .take("a", 3, usize::MAX, 0)
            .iter()
            .map(|f| f.item.event_id.0)
            .collect();
        assert_eq!(first, [1, 2, 3]);
        // Payloads are `{"e":N}`: 7 bytes and a separator.
        assert_eq!(inflight.waiting()[0].bytes, 16);
        assert_eq!(
            inflight.take("a", 3, 15, 0).len(),
            1,
            "a second would pass 15 bytes"
        );
        assert_eq!(
            inflight.take("a", 3, 0, 0).len(),
            1,
            "the first item goes whatever its size"
        );
        assert!(inflight.take("a", 3, usize::MAX, 0).is_empty());
        assert!(inflight.has_unsettled_items());
    }

    #[test]
    fn a_failed_commit_is_given_back() {
        let inflight = InFlight::default();
        inflight.add(EventId(1), 0, Vec::new(), Vec::new(), 0);
        let first = inflight.take_settled();
        inflight.add(EventId(2), 0, Vec::new(), Vec::new(), 0);
        inflight.restore_settled(first);
        let all = inflight.take_settled();
        assert_eq!(all.events, [EventId(2), EventId(1)]);
        assert_eq!(all.unmatched, 2);
    }
}
