//! The router task: unrouted events → delivery items, committed atomically with the events'
//! routed mark so a crash neither loses nor duplicates deliveries.
//!
//! Reading and routing a batch is CPU work, committing it is the queue writer's: the two overlap.
//! While batch N commits, batch N+1 (the events after N's last one) is read and routed; at most
//! one commit is in flight, and if it fails, the router starts again from the oldest unrouted
//! event, so nothing is skipped and nothing is routed twice.

use crate::metrics::{MappingLabel, ReasonLabel};
use crate::routing::{route_event, Item, Routed, REROUTE_KEY};
use crate::{now_ms, AppState, Pipeline};
use ampline_queue::{EventId, NewDelivery, Queue};
use ampline_useragent::UserAgentCache;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Events routed per transaction.
const ROUTE_BATCH: usize = 500;
/// Polling interval when no append wakes the router.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// A routed batch, ready to commit.
struct Batch {
    events: Vec<EventId>,
    deliveries: Vec<NewDelivery>,
    /// (index in `deliveries`, reason) of each refusal, failed right after the commit.
    refusals: Vec<(usize, String)>,
    tally: Tally,
    routed_at_ms: i64,
    /// What routed it: the tally counts by position in its mappings.
    pipeline: Arc<Pipeline>,
}

pub async fn run_router(state: AppState) {
    let mut user_agents = Some(UserAgentCache::new(1024));
    // The last event read; the next read starts after it.
    let mut cursor: Option<EventId> = None;
    let mut committing: Option<JoinHandle<ampline_queue::Result<()>>> = None;
    loop {
        // Registered before the read so an append racing with it still wakes us.
        let appended = state.appended.notified();
        let worker_state = state.clone();
        let mut cache = user_agents
            .take()
            .unwrap_or_else(|| UserAgentCache::new(1024));
        let prepared = tokio::task::spawn_blocking(move || {
            let batch = prepare(&worker_state, cursor, &mut cache);
            (batch, cache)
        })
        .await;
        let batch = match prepared {
            Ok((batch, cache)) => {
                user_agents = Some(cache);
                batch
            }
            Err(error) => Err(ampline_queue::Error::Storage(format!(
                "router task failed: {error}"
            ))),
        };
        if let Some(commit) = committing.take() {
            let committed = match commit.await {
                Ok(result) => result,
                Err(error) => Err(ampline_queue::Error::Storage(format!(
                    "commit task failed: {error}"
                ))),
            };
            match committed {
                Ok(()) => state.routed.notify_one(),
                Err(error) => {
                    // The batch routed meanwhile started after the failed one: drop it too.
                    tracing::error!(%error, "routing commit failed; retrying");
                    cursor = None;
                    tokio::time::sleep(IDLE_POLL).await;
                    continue;
                }
            }
        }
        match batch {
            Ok(batch) if batch.events.is_empty() => {
                // Ingest has stopped before draining begins, so nothing more can arrive.
                if state.is_draining() {
                    state.finish_routing();
                    return;
                }
                let _ = tokio::time::timeout(IDLE_POLL, appended).await;
            }
            Ok(batch) => {
                cursor = batch.events.last().copied();
                let commit_state = state.clone();
                committing = Some(tokio::task::spawn_blocking(move || {
                    commit(&commit_state, batch)
                }));
            }
            Err(error) => {
                tracing::error!(%error, "routing failed; retrying");
                cursor = None;
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Reads the events after `cursor` (all unrouted ones when `None`) and routes them.
fn prepare(
    state: &AppState,
    cursor: Option<EventId>,
    cache: &mut UserAgentCache,
) -> ampline_queue::Result<Batch> {
    let events = match cursor {
        Some(after) => state.queue.next_unrouted_after(after, ROUTE_BATCH)?,
        None => state.queue.next_unrouted(ROUTE_BATCH)?,
    };
    let now = now_ms();
    let pipeline = state.pipeline();
    let mut batch = Batch {
        events: Vec::with_capacity(events.len()),
        deliveries: Vec::new(),
        refusals: Vec::new(),
        tally: Tally::default(),
        routed_at_ms: now,
        pipeline: Arc::clone(&pipeline),
    };
    for event in &events {
        batch.events.push(event.id);
        let body: serde_json::Value = match serde_json::from_slice(&event.body) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(event = event.id.0, %error, "stored event is not JSON; skipped");
                continue;
            }
        };
        let routed = route_event(&pipeline, &body, &event.message_id, Some(cache));
        batch.tally.add(&routed);
        for failure in routed.failures {
            tracing::warn!(
                event = event.id.0,
                message_id = %event.message_id,
                mapping = %failure.mapping,
                reason = %failure.reason,
                "mapping refused the event; kept in the failed store"
            );
            batch.refusals.push((
                batch.deliveries.len(),
                format!("mapping refused: {}", failure.reason),
            ));
            batch.deliveries.push(NewDelivery {
                event_id: event.id,
                mapping: failure.mapping,
                batch_key: REROUTE_KEY.to_owned(),
                throttle_key: None,
                payload: event.body.clone(),
                due_at_ms: now,
            });
        }
        batch.deliveries.extend(
            routed
                .items
                .into_iter()
                .map(|item| new_delivery(event.id, item, now)),
        );
    }
    Ok(batch)
}

fn commit(state: &AppState, batch: Batch) -> ampline_queue::Result<()> {
    let delivery_ids = state
        .queue
        .commit_routing(&batch.events, batch.deliveries)?;
    // A crash before this leaves the refusals pending under REROUTE_KEY, where the sender runs
    // their mapping again: the same outcome, one step later.
    for (index, reason) in batch.refusals {
        if let Some(&id) = delivery_ids.get(index) {
            state.queue.fail(&[id], &reason, batch.routed_at_ms)?;
        }
    }
    batch.tally.publish(state, &batch.pipeline);
    Ok(())
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
    /// Matches per position in the pipeline's mappings.
    matched: Vec<u64>,
    refused: HashMap<String, u64>,
}

impl Tally {
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
