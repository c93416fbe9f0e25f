//! The router task: unrouted events → delivery items, committed atomically with the events'
//! routed mark so a crash neither loses nor duplicates deliveries.

use crate::routing::route_event;
use crate::{now_ms, AppState};
use ampline_queue::{NewDelivery, Queue};
use ampline_useragent::UserAgentCache;
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
    let mut ids = Vec::with_capacity(events.len());
    let mut deliveries = Vec::new();
    for event in &events {
        ids.push(event.id);
        let body: serde_json::Value = match serde_json::from_slice(&event.body) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(event = event.id.0, %error, "stored event is not JSON; skipped");
                continue;
            }
        };
        let routed = route_event(&state.pipeline, &body, &event.message_id, Some(cache));
        let failures = u64::try_from(routed.failures.len()).unwrap_or(u64::MAX);
        state
            .mapping_failures
            .fetch_add(failures, std::sync::atomic::Ordering::Relaxed);
        for failure in routed.failures {
            tracing::warn!(
                event = event.id.0,
                message_id = %event.message_id,
                mapping = %failure.mapping,
                reason = %failure.reason,
                "mapping refused the event"
            );
        }
        deliveries.extend(routed.items.into_iter().map(|item| NewDelivery {
            event_id: event.id,
            mapping: item.mapping,
            batch_key: item.batch_key.encode(),
            throttle_key: item.throttle_key,
            payload: item.payload.into_bytes(),
            due_at_ms: now,
        }));
    }
    state.queue.commit_routing(&ids, deliveries)?;
    Ok(events.len())
}
