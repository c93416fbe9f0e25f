//! The router task: unrouted events → delivery items, committed atomically with the events'
//! routed mark so a crash neither loses nor duplicates deliveries.

use crate::metrics::{MappingLabel, ReasonLabel};
use crate::routing::{route_event, Item, Routed, REROUTE_KEY};
use crate::{now_ms, AppState};
use ampline_queue::{EventId, NewDelivery, Queue};
use ampline_useragent::UserAgentCache;
use std::collections::HashMap;
use std::time::Duration;

/// Events routed per transaction.
const ROUTE_BATCH: usize = 500;
/// Polling interval when no append wakes the router.
const IDLE_POLL: Duration = Duration::from_millis(500);

pub async fn run_router(state: AppState) {
    let mut user_agents = Some(UserAgentCache::new(1024));
    loop {
        // Registered before the read so an append racing with it still wakes us.
        let appended = state.appended.notified();
        let worker_state = state.clone();
        let mut cache = user_agents
            .take()
            .unwrap_or_else(|| UserAgentCache::new(1024));
        let outcome = tokio::task::spawn_blocking(move || {
            let result = route_once(&worker_state, &mut cache);
            (result, cache)
        })
        .await;
        let routed = match outcome {
            Ok((result, cache)) => {
                user_agents = Some(cache);
                result
            }
            Err(error) => {
                tracing::error!(%error, "router task panicked");
                Ok(0)
            }
        };
        match routed {
            // Ingest has stopped before shutdown begins, so nothing more can arrive.
            Ok(0) if state.is_draining() => {
                state.finish_routing();
                return;
            }
            Ok(0) => {
                let _ = tokio::time::timeout(IDLE_POLL, appended).await;
            }
            Ok(_) => state.routed.notify_one(),
            Err(error) => {
                tracing::error!(%error, "routing failed; retrying");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Routes one batch of events; returns how many events were routed.
fn route_once(state: &AppState, cache: &mut UserAgentCache) -> ampline_queue::Result<usize> {
    let events = state.queue.next_unrouted(ROUTE_BATCH)?;
    if events.is_empty() {
        return Ok(0);
    }
    let now = now_ms();
    let pipeline = state.pipeline();
    let mut ids = Vec::with_capacity(events.len());
    let mut deliveries = Vec::new();
    let mut tally = Tally::default();
    // (index in `deliveries`, reason) of each refusal, failed right after the commit.
    let mut refusals = Vec::new();
    for event in &events {
        ids.push(event.id);
        let body: serde_json::Value = match serde_json::from_slice(&event.body) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(event = event.id.0, %error, "stored event is not JSON; skipped");
                continue;
            }
        };
        let routed = route_event(&pipeline, &body, &event.message_id, Some(cache));
        tally.add(&routed);
        for failure in routed.failures {
            tracing::warn!(
                event = event.id.0,
                message_id = %event.message_id,
                mapping = %failure.mapping,
                reason = %failure.reason,
                "mapping refused the event; kept in the failed store"
            );
            refusals.push((
                deliveries.len(),
                format!("mapping refused: {}", failure.reason),
            ));
            deliveries.push(NewDelivery {
                event_id: event.id,
                mapping: failure.mapping,
                batch_key: REROUTE_KEY.to_owned(),
                throttle_key: None,
                payload: event.body.clone(),
                due_at_ms: now,
            });
        }
        deliveries.extend(
            routed
                .items
                .into_iter()
                .map(|item| new_delivery(event.id, item, now)),
        );
    }
    let delivery_ids = state.queue.commit_routing(&ids, deliveries)?;
    // A crash before this leaves the refusals pending under REROUTE_KEY, where the sender runs
    // their mapping again: the same outcome, one step later.
    for (index, reason) in refusals {
        if let Some(&id) = delivery_ids.get(index) {
            state.queue.fail(&[id], &reason, now)?;
        }
    }
    tally.publish(state);
    Ok(events.len())
}

pub(crate) fn new_delivery(event_id: EventId, item: Item, due_at_ms: i64) -> NewDelivery {
    NewDelivery {
        event_id,
        mapping: item.mapping,
        batch_key: item.batch_key.encode(),
        throttle_key: item.throttle_key,
        payload: item.payload.into_bytes(),
        due_at_ms,
    }
}

/// Routing counts of one batch, published to the metrics once the batch is committed.
#[derive(Default)]
struct Tally {
    by_integrations: u64,
    unmatched: u64,
    matched: HashMap<String, u64>,
    refused: HashMap<String, u64>,
}

impl Tally {
    fn add(&mut self, routed: &Routed) {
        if routed.filtered_by_integrations {
            self.by_integrations += 1;
        } else if routed.matched.is_empty() {
            self.unmatched += 1;
        }
        for name in &routed.matched {
            *self.matched.entry(name.clone()).or_default() += 1;
        }
        for failure in &routed.failures {
            *self.refused.entry(failure.mapping.clone()).or_default() += 1;
        }
    }

    fn publish(self, state: &AppState) {
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
        for (mapping, count) in self.matched {
            metrics
                .matched
                .get_or_create(&MappingLabel { mapping })
                .inc_by(count);
        }
        for (mapping, count) in self.refused {
            metrics.count_failed(&mapping, "mapping_refused", count);
        }
    }
}
