//! The admin API, on its own port: health for orchestrators, metrics for Prometheus, and a small
//! JSON API over the failed store and the last requests to Amplitude.
//!
//! `/healthz` and `/readyz` answer without a token because probes rarely carry one and they reveal
//! nothing; everything else needs `Authorization: Bearer <admin token>`.
//!
//! | Request | Answer |
//! |---|---|
//! | `GET /healthz` | 200 while the process serves |
//! | `GET /readyz` | 200 when the queue answers and no shutdown has begun, else 503 |
//! | `GET /metrics` | Prometheus / OpenMetrics text |
//! | `GET /api/status` | dry run or not, sources, mappings, queue depth and totals |
//! | `GET /api/failed?limit=&after=` | failed items with their reason, oldest first |
//! | `POST /api/failed/retry` | `{"ids": [..]}` or `{"all": true}`: back to pending now |
//! | `GET /api/deliveries?limit=` | the last requests to Amplitude (dry-run ones too), newest first |

use crate::routing::BatchKey;
use crate::{now_ms, AppState};
use ampline_queue::{DeliveryId, FailedDelivery, FailedSelection, Queue, Stats};
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

/// The most failed items or requests one page returns.
const MAX_PAGE: usize = 1000;

pub fn admin_app(state: AppState) -> Router {
    let protected = Router::new()
        .route("/metrics", get(metrics))
        .route("/api/status", get(status))
        .route("/api/failed", get(failed))
        .route("/api/failed/retry", post(retry_failed))
        .route("/api/deliveries", get(deliveries))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(protected)
        .fallback(not_found)
        .with_state(state)
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({ "error": message }))
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such admin endpoint")
}

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match token {
        Some(token) if state.is_admin_token(token.trim()) => next.run(request).await,
        Some(_) => error(StatusCode::UNAUTHORIZED, "wrong admin token"),
        None => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "send the admin token as Authorization: Bearer <token>",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

async fn queue_stats(state: &AppState) -> Result<Stats, Response> {
    let queue = std::sync::Arc::clone(&state.queue);
    match tokio::task::spawn_blocking(move || queue.stats()).await {
        Ok(Ok(stats)) => Ok(stats),
        Ok(Err(e)) => Err(error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string())),
        Err(_) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "queue task failed",
        )),
    }
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.is_stopping() {
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "ready": false, "reason": "shutting down" }),
        );
    }
    match queue_stats(&state).await {
        Ok(_) => json_response(StatusCode::OK, &json!({ "ready": true })),
        Err(_) => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "ready": false, "reason": "queue unavailable" }),
        ),
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let stats = match queue_stats(&state).await {
        Ok(stats) => stats,
        Err(response) => return response,
    };
    let (waiting, sending) = state.inflight.item_counts();
    let mut response = Response::new(Body::from(state.metrics.render(
        &stats,
        waiting + sending,
        now_ms(),
    )));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

async fn status(State(state): State<AppState>) -> Response {
    let stats = match queue_stats(&state).await {
        Ok(stats) => stats,
        Err(response) => return response,
    };
    let pipeline = state.pipeline();
    let counters = stats.counters;
    let (waiting_items, sending_items) = state.inflight.item_counts();
    json_response(
        StatusCode::OK,
        &json!({
            "dry_run": pipeline.is_dry_run(),
            "region": pipeline.settings.region.id(),
            "sources": pipeline.sources.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>(),
            "mappings": pipeline.mappings.iter().map(|m| json!({
                "name": m.name, "action": m.action.action().id(),
            })).collect::<Vec<_>>(),
            "queue": {
                "unrouted_events": stats.unrouted_events,
                "in_flight_events": state.inflight.events(),
                "waiting_items": waiting_items,
                "sending_items": sending_items,
                "pending_items": stats.pending_deliveries,
                "leased_items": stats.leased_deliveries,
                "failed_items": stats.failed_deliveries,
                "archived_events": stats.archived_events,
                "oldest_unrouted_received_at_ms": stats.oldest_unrouted_received_at_ms,
                "oldest_pending_received_at_ms": stats.oldest_pending_received_at_ms,
            },
            "totals": {
                "appended": counters.appended, "routed": counters.routed,
                "unmatched": counters.unmatched, "delivered": counters.delivered,
                "retried": counters.retried, "failed": counters.failed,
                "requeued": counters.requeued, "purged": counters.purged,
            },
        }),
    )
}

#[derive(Deserialize)]
struct PageQuery {
    limit: Option<usize>,
    after: Option<i64>,
}

fn failed_json(failed: &FailedDelivery) -> Value {
    let delivery = &failed.delivery;
    // Null for an event its mapping refused: it has no request yet, and `item` is the event.
    let endpoint = BatchKey::decode(&delivery.batch_key)
        .map(|key| crate::sender::url_path(&key.url).to_owned());
    let item = serde_json::from_slice::<Value>(&delivery.payload)
        .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&delivery.payload).into_owned()));
    json!({
        "id": delivery.id.0,
        "event_id": delivery.event_id.0,
        "mapping": delivery.mapping,
        "endpoint": endpoint,
        "reason": failed.reason,
        "failed_at": ampline_js::date::to_iso_string(failed.failed_at_ms),
        "received_at": ampline_js::date::to_iso_string(delivery.received_at_ms),
        "attempts": delivery.attempts,
        "item": item,
    })
}

async fn failed(State(state): State<AppState>, Query(page): Query<PageQuery>) -> Response {
    let limit = page.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let after = page.after.map(DeliveryId);
    let queue = std::sync::Arc::clone(&state.queue);
    match tokio::task::spawn_blocking(move || queue.failed(limit, after)).await {
        Ok(Ok(page)) => {
            let next = (page.len() == limit)
                .then(|| page.last().map(|f| f.delivery.id.0))
                .flatten();
            json_response(
                StatusCode::OK,
                &json!({
                    "failed": page.iter().map(failed_json).collect::<Vec<_>>(),
                    "next_after": next,
                }),
            )
        }
        Ok(Err(e)) => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "queue task failed"),
    }
}

/// `{"ids": [..]}` or `{"all": true}`; anything else is refused with what is expected.
fn retry_selection(body: &[u8]) -> Result<FailedSelection, String> {
    const EXPECTED: &str = r#"expected {"ids": [<failed item id>, ...]} or {"all": true}"#;
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON ({e}); {EXPECTED}"))?;
    match (value.get("all"), value.get("ids")) {
        (Some(Value::Bool(true)), None) => Ok(FailedSelection::All),
        (None, Some(Value::Array(ids))) => ids
            .iter()
            .enumerate()
            .map(|(index, id)| {
                id.as_i64()
                    .map(DeliveryId)
                    .ok_or_else(|| format!("ids[{index}] is not an integer id; {EXPECTED}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(FailedSelection::Ids),
        _ => Err(EXPECTED.to_owned()),
    }
}

async fn retry_failed(State(state): State<AppState>, body: Bytes) -> Response {
    let selection = match retry_selection(&body) {
        Ok(selection) => selection,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    let queue = std::sync::Arc::clone(&state.queue);
    match tokio::task::spawn_blocking(move || queue.retry_failed(selection, now_ms())).await {
        Ok(Ok(requeued)) => {
            tracing::info!(requeued, "failed items sent back to the queue");
            state.routed.notify_one();
            json_response(StatusCode::OK, &json!({ "requeued": requeued }))
        }
        Ok(Err(e)) => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "queue task failed"),
    }
}

async fn deliveries(State(state): State<AppState>, Query(page): Query<PageQuery>) -> Response {
    let limit = page.limit.unwrap_or(20).clamp(1, MAX_PAGE);
    json_response(
        StatusCode::OK,
        &json!({ "deliveries": state.recent.newest(limit) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_bodies_are_read_strictly() {
        assert_eq!(
            retry_selection(br#"{"all": true}"#),
            Ok(FailedSelection::All)
        );
        assert_eq!(
            retry_selection(br#"{"ids": [3, 9]}"#),
            Ok(FailedSelection::Ids(vec![DeliveryId(3), DeliveryId(9)]))
        );
        let refused = [
            &br#"{"all": false}"#[..],
            br#"{"ids": [1], "all": true}"#,
            br#"{"ids": ["1"]}"#,
            b"retry",
        ];
        for body in refused {
            let Err(message) = retry_selection(body) else {
                panic!("accepted {}", String::from_utf8_lossy(body));
            };
            assert!(message.contains("expected"), "{message}");
        }
        let Err(message) = retry_selection(br#"{"ids": [1, "x"]}"#) else {
            panic!("accepted a string id");
        };
        assert!(message.starts_with("ids[1]"), "{message}");
    }
}
