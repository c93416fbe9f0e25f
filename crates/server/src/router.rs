//! The router task: unrouted events → delivery items, handed to the sender in memory.
//!
//! The router reads events in append order after the last one it read, runs the mappings, and
//! gives each event's items to [`crate::inflight::InFlight`]; the events are marked routed later,
//! once their items are settled. It stays at most [`MAX_EVENTS_IN_FLIGHT`] events ahead of those
//! marks, which bounds memory when Amplitude is slower than ingest.

use crate::metrics::{MappingLabel, ReasonLabel};
use crate::routing::{route_event, Item, Routed, REROUTE_KEY};
use crate::{now_ms, AppState, Pipeline};
use ampline_queue::{EventId, NewDelivery, Queue, StoredEvent};
use ampline_useragent::UserAgentCache;
use std::collections::HashMap;
use std::time::Duration;

/// Events read and routed per step.
const ROUTE_BATCH: usize = 500;
/// Threads a step's events are routed on (parsing and mappings are CPU work; the queue's reads
/// and writes are not the limit).
const ROUTING_THREADS: usize = 2;
/// Fewer events than this per thread are routed on one thread: a thread costs more than they.
const MIN_EVENTS_PER_THREAD: usize = 64;
/// How far routing may run ahead of the routed marks (a few MB of items).
pub const MAX_EVENTS_IN_FLIGHT: usize = 20_000;
/// Polling interval when no append wakes the router.
const IDLE_POLL: Duration = Duration::from_millis(500);

pub async fn run_router(state: AppState) {
    let new_caches = || {
        (0..ROUTING_THREADS)
            .map(|_| UserAgentCache::new(1024))
            .collect::<Vec<_>>()
    };
    let mut user_agents = Some(new_caches());
    // The last event read; the next read starts after it. Events before it are in flight or
    // routed, so it never goes back.
    let mut cursor = EventId::START;
    loop {
        while state.inflight.events() >= MAX_EVENTS_IN_FLIGHT {
            let room = state.inflight.room.notified();
            if state.inflight.events() < MAX_EVENTS_IN_FLIGHT {
                break;
            }
            let _ = tokio::time::timeout(IDLE_POLL, room).await;
        }
        // Registered before the read so an append racing with it still wakes us.
        let appended = state.appended.notified();
        let worker_state = state.clone();
        let mut caches = user_agents.take().unwrap_or_else(new_caches);
        let routed = tokio::task::spawn_blocking(move || {
            let last = route_next(&worker_state, cursor, &mut caches);
            (last, caches)
        })
        .await;
        let last = match routed {
            Ok((last, caches)) => {
                user_agents = Some(caches);
                last
            }
            Err(error) => Err(ampline_queue::Error::Storage(format!(
                "router task failed: {error}"
            ))),
        };
        match last {
            Ok(None) => {
                // Ingest has stopped before draining begins, so nothing more can arrive.
                if state.is_draining() {
                    state.finish_routing();
                    return;
                }
                let _ = tokio::time::timeout(IDLE_POLL, appended).await;
            }
            Ok(Some(last)) => {
                cursor = last;
                state.routed.notify_one();
            }
            Err(error) => {
                tracing::error!(%error, "reading events to route failed; retrying");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Reads the unrouted events after `cursor`, routes them and hands their items over. Returns
/// the last event read, `None` when there was none.
fn route_next(
    state: &AppState,
    cursor: EventId,
    caches: &mut [UserAgentCache],
) -> ampline_queue::Result<Option<EventId>> {
    let events = state.queue.next_unrouted_after(cursor, ROUTE_BATCH)?;
    let pipeline = state.pipeline();
    let threads = (events.len() / MIN_EVENTS_PER_THREAD).clamp(1, caches.len().max(1));
    let per_thread = events.len().div_ceil(threads).max(1);
    let tally = std::thread::scope(|scope| {
        let mut shares = events.chunks(per_thread).zip(caches.iter_mut());
        let first = shares.next();
        let others: Vec<_> = shares
            .map(|(share, cache)| scope.spawn(|| route_events(state, &pipeline, share, cache)))
            .collect();
        let mut tally = first.map_or_else(Tally::default, |(share, cache)| {
            route_events(state, &pipeline, share, cache)
        });
        for other in others {
            match other.join() {
                Ok(counted) => tally.merge(counted),
                Err(_) => tracing::error!("a routing thread panicked"),
            }
        }
        tally
    });
    tally.publish(state, &pipeline);
    Ok(events.last().map(|event| event.id))
}

/// Routes `events` and hands their items to the sender; returns what it counted.
fn route_events(
    state: &AppState,
    pipeline: &Pipeline,
    events: &[StoredEvent],
    cache: &mut UserAgentCache,
) -> Tally {
    let now = now_ms();
    let mut tally = Tally::default();
    for event in events {
        let body: serde_json::Value = match serde_json::from_slice(&event.body) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(event = event.id.0, %error, "stored event is not JSON; skipped");
                state
                    .inflight
                    .add(event.id, event.received_at_ms, Vec::new(), Vec::new(), now);
                continue;
            }
        };
        let routed = route_event(pipeline, &body, &event.message_id, Some(cache));
        tally.add(&routed);
        let refusals = routed
            .failures
            .into_iter()
            .map(|failure| {
                tracing::warn!(
                    event = event.id.0,
                    message_id = %event.message_id,
                    mapping = %failure.mapping,
                    reason = %failure.reason,
                    "mapping refused the event; kept in the failed store"
                );
                let kept = NewDelivery {
                    event_id: event.id,
                    mapping: failure.mapping,
                    batch_key: REROUTE_KEY.to_owned(),
                    throttle_key: None,
                    payload: event.body.clone(),
                    due_at_ms: now,
                    attempts: 1,
                    last_error: None,
                };
                (kept, format!("mapping refused: {}", failure.reason))
            })
            .collect();
        let items = routed
            .items
            .into_iter()
            .map(|item| new_delivery(event.id, item, now))
            .collect();
        state
            .inflight
            .add(event.id, event.received_at_ms, items, refusals, now);
    }
    tally
}

pub(crate) fn new_delivery(event_id: EventId, item: Item, due_at_ms: i64) -> NewDelivery {
    NewDelivery {
        event_id,
        mapping: item.mapping,
        batch_key: item.batch_key,
        throttle_key: item.throttle_key,
        payload: item.payload.into_bytes(),
        due_at_ms,
        attempts: 0,
        last_error: None,
    }
}

/// Routing counts of one batch, published to the metrics once it is handed over.
#[derive(Default)]
struct Tally {
    by_integrations: u64,
    unmatched: u64,
    /// Matches per position in the pipeline's mappings.
    matched: Vec<u64>,
    refused: HashMap<String, u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.by_integrations += other.by_integrations;
        self.unmatched += other.unmatched;
        if self.matched.len() < other.matched.len() {
            self.matched.resize(other.matched.len(), 0);
        }
        for (mine, theirs) in self.matched.iter_mut().zip(other.matched) {
            *mine += theirs;
        }
        for (mapping, count) in other.refused {
            *self.refused.entry(mapping).or_default() += count;
        }
    }

    fn add(&mut self, routed: &Routed) {
        if routed.filtered_by_integrations {
            self.by_integrations += 1;
        } else if routed.matched.is_empty() {
            self.unmatched += 1;
        }
        for &index in &routed.matched {
            if self.matched.len() <= index {
                self.matched.resize(index + 1, 0);
            }
            self.matched[index] += 1;
        }
        for failure in &routed.failures {
            *self.refused.entry(failure.mapping.clone()).or_default() += 1;
        }
    }

    fn publish(self, state: &AppState, pipeline: &Pipeline) {
        let metrics = &state.metrics;
        for (reason, count) in [
            ("integrations", self.by_integrations),
            ("no_matching_mapping", self.unmatched),
        ] {
            if count > 0 {
                metrics
                    .filtered
                    .get_or_create(&ReasonLabel {
                        reason: reason.to_owned(),
                    })
                    .inc_by(count);
            }
        }
        for (mapping, count) in pipeline.mappings.iter().zip(self.matched) {
            if count > 0 {
                metrics
                    .matched
                    .get_or_create(&MappingLabel {
                        mapping: mapping.name.clone(),
                    })
                    .inc_by(count);
            }
        }
        for (mapping, count) in self.refused {
            metrics.count_failed(&mapping, "mapping_refused", count);
        }
    }
}
