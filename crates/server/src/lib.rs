//! `ampline serve`: the imperative shell around the pure crates.
//!
//! Three concurrent parts share one durable [`SqliteQueue`]:
//!
//! 1. **Ingest** ([`app`]): Segment's tracking API. A request is decoded by
//!    [`ampline_ingest::decode_request`] and its messages appended to the queue; the client gets
//!    200 only after the append returned, i.e. once the events are durable.
//! 2. **Router** ([`router::run_router`]): reads unrouted events in order, runs them through the
//!    compiled [`Pipeline`] ([`routing::route_event`], pure) and commits the resulting delivery
//!    items in the same transaction that marks the events routed.
//! 3. **Sender** ([`sender::run_sender`]): leases due deliveries per batch key, rebuilds
//!    Amplitude requests within Amplitude's limits, POSTs them and settles every delivery by the
//!    answer (ack, fail, split, hold a throttled user, retry with backoff).
//!
//! The queue API is synchronous, so every call runs on tokio's blocking pool. A [`Notify`]
//! wakes the router after an append and the sender after a routing commit; both also poll, so a
//! lost wake-up costs latency, never data.

pub mod config;
pub mod router;
pub mod routing;
pub mod sender;

pub use config::{CompiledMapping, Config, ConfigErrors, ConfigProblem, Pipeline};
pub use sender::SenderOptions;

use ampline_ingest::{
    decode_request, preflight_headers, response_headers, success_body, IngestConfig, IngestContext,
    IngestRequest, Ingested, Route, TRACKING_METHODS,
};
use ampline_queue::{NewEvent, Queue, SqliteQueue};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// What the request handlers and the background tasks share.
#[derive(Clone)]
pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub queue: Arc<SqliteQueue>,
    pub ingest: Arc<IngestConfig>,
    /// Wakes the router after an append.
    pub appended: Arc<Notify>,
    /// Wakes the sender after a routing commit.
    pub routed: Arc<Notify>,
    /// Matched mappings whose action refused the event (logged with the reason).
    pub mapping_failures: Arc<AtomicU64>,
    message_ids: Arc<MessageIds>,
}

/// `messageId`s for messages that arrive without one: unique within this process (counter)
/// and across restarts (start time).
struct MessageIds {
    prefix: String,
    next: AtomicU64,
}

impl AppState {
    pub fn new(pipeline: Pipeline, queue: Arc<SqliteQueue>) -> AppState {
        AppState {
            pipeline: Arc::new(pipeline),
            queue,
            ingest: Arc::new(IngestConfig::default()),
            appended: Arc::new(Notify::new()),
            routed: Arc::new(Notify::new()),
            mapping_failures: Arc::new(AtomicU64::new(0)),
            message_ids: Arc::new(MessageIds {
                prefix: format!("ampline-{:x}", now_ms()),
                next: AtomicU64::new(0),
            }),
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The tracking API: `POST /v1/*` and their CORS preflights.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/{route}", post(track).options(preflight))
        .route("/v1/{route}/", post(track).options(preflight))
        .with_state(state)
}

/// Starts the router and sender tasks on the current runtime.
pub fn spawn_workers(state: &AppState, options: SenderOptions) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(router::run_router(state.clone())),
        tokio::spawn(sender::run_sender(state.clone(), Arc::new(options))),
    ]
}

/// Opens the queue in `data_dir`, starts the workers and serves the tracking API on `listen`
/// until the listener fails.
pub async fn serve(
    config: Config,
    data_dir: &Path,
    listen: SocketAddr,
    options: SenderOptions,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let pipeline = config.compile(&|var| std::env::var(var).ok())?;
    let dir = data_dir.to_owned();
    let queue = tokio::task::spawn_blocking(move || {
        SqliteQueue::open(&dir, ampline_queue::QueueOptions::default())
    })
    .await??;
    let state = AppState::new(pipeline, Arc::new(queue));
    let workers = spawn_workers(&state, options);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, "ampline serve listening");
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await;
    for worker in workers {
        worker.abort();
    }
    Ok(served?)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn with_headers(status: StatusCode, body: String, extra: Vec<ampline_ingest::Header>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
    response
}

async fn preflight(headers: HeaderMap) -> Response {
    let extra = preflight_headers(
        header(&headers, "origin"),
        header(&headers, "access-control-request-headers"),
        TRACKING_METHODS,
    );
    let mut response = with_headers(StatusCode::NO_CONTENT, String::new(), extra);
    response
        .headers_mut()
        .remove(axum::http::header::CONTENT_TYPE);
    response
}

async fn track(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let cors = response_headers(header(&parts.headers, "origin"));
    let Some(route) = Route::from_path(parts.uri.path()) else {
        return with_headers(
            StatusCode::NOT_FOUND,
            r#"{"success":false,"code":"not_found"}"#.to_owned(),
            cors,
        );
    };
    let limit = state.ingest.limits.max_request_bytes;
    // One byte over the limit is enough for decode_request to refuse the body as too large.
    let bytes = match axum::body::to_bytes(body, limit.saturating_add(1)).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return with_headers(
                StatusCode::BAD_REQUEST,
                r#"{"success":false,"code":"request_too_large"}"#.to_owned(),
                cors,
            )
        }
    };
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let authorization = header(&parts.headers, "authorization").map(str::to_owned);
    let content_encoding = header(&parts.headers, "content-encoding").map(str::to_owned);
    let forwarded_for = {
        let all: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!all.is_empty()).then(|| all.join(","))
    };
    let appended = Arc::clone(&state.appended);
    let outcome = tokio::task::spawn_blocking(move || {
        let received_at_ms = now_ms();
        let lookup = |key: &str| state.pipeline.source_for_key(key);
        let new_id = || {
            let n = state.message_ids.next.fetch_add(1, Ordering::Relaxed);
            format!("{}-{n}", state.message_ids.prefix)
        };
        let decoded = decode_request(
            &IngestRequest {
                route,
                authorization: authorization.as_deref(),
                content_encoding: content_encoding.as_deref(),
                forwarded_for: forwarded_for.as_deref(),
                body: &bytes,
                peer,
            },
            &IngestContext {
                config: &state.ingest,
                lookup_source: &lookup,
                new_message_id: &new_id,
                received_at_ms,
            },
        );
        match decoded {
            Err(rejection) => (
                StatusCode::from_u16(rejection.status).unwrap_or(StatusCode::BAD_REQUEST),
                rejection.body_string(),
            ),
            Ok(Ingested::MetricsDiscarded) => (StatusCode::OK, success_body().to_string()),
            Ok(Ingested::Events(accepted)) => {
                let answer = accepted.response_body().to_string();
                let events: Vec<NewEvent> = accepted
                    .messages
                    .iter()
                    .map(|m| NewEvent {
                        source: accepted.source.clone(),
                        received_at_ms,
                        message_id: m
                            .message
                            .get("messageId")
                            .and_then(|id| id.as_str())
                            .unwrap_or_default()
                            .to_owned(),
                        body: routing::json_text(&m.message).into_bytes(),
                    })
                    .collect();
                if events.is_empty() {
                    return (StatusCode::OK, answer);
                }
                match state.queue.append(events) {
                    Ok(_) => (StatusCode::OK, answer),
                    Err(error) => {
                        tracing::error!(%error, "queue append failed; answering 503");
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            r#"{"success":false,"code":"queue_unavailable"}"#.to_owned(),
                        )
                    }
                }
            }
        }
    })
    .await;
    match outcome {
        Ok((status, body)) => {
            if status == StatusCode::OK {
                appended.notify_one();
            }
            with_headers(status, body, cors)
        }
        Err(error) => {
            tracing::error!(%error, "ingest task failed");
            with_headers(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"success":false,"code":"internal"}"#.to_owned(),
                cors,
            )
        }
    }
}
