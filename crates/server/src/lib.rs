//! `ampline serve`: the imperative shell around the pure crates.
//!
//! Three concurrent parts share one durable [`SqliteQueue`]:
//!
//! 1. **Ingest** ([`app`]): Segment's tracking API. A request is decoded by
//!    [`ampline_ingest::decode_request`] and its messages appended to the queue; the client gets
//!    200 only after the append returned, i.e. once the events are durable.
//! 2. **Router** ([`router::run_router`]): reads unrouted events in order, runs them through the
//!    compiled [`Pipeline`] ([`routing::route_event`], pure) and hands the resulting delivery
//!    items to the sender in memory ([`inflight`]).
//! 3. **Sender** ([`sender::run_sender`]): takes fresh items from memory and leases stored
//!    deliveries that are due, per batch key; rebuilds Amplitude requests within Amplitude's
//!    limits, POSTs them and settles every item by the answer (ack, fail, split, hold a
//!    throttled user, retry with backoff).
//! 4. **Committer** ([`committer::run_committer`]): marks events routed once all their items
//!    are settled, storing in the same transaction what must be tried again or has failed.
//!
//! The queue API is synchronous, so every call runs on tokio's blocking pool. A [`Notify`]
//! wakes the router after an append, the sender after routing and the committer after a settle;
//! all of them also poll, so a lost wake-up costs latency, never data.
//!
//! Around them: the admin API ([`admin`]: health, Prometheus [`metrics`], failed store, the
//! [`recent`] requests) on a port of its own, and the process lifecycle ([`run`]: zero-config
//! start, SIGHUP reload, ordered shutdown, archive purge). The [`Pipeline`] in force is swapped
//! whole on reload; each request and each routing batch uses one snapshot.

pub mod admin;
pub mod browser;
mod committer;
pub mod config;
pub mod inflight;
pub mod metrics;
pub mod recent;
pub mod router;
pub mod routing;
pub mod run;
pub mod sender;

pub use admin::admin_app;
pub use config::{CompiledMapping, Config, ConfigErrors, ConfigProblem, Pipeline};
pub use run::{serve, ServeOptions};
pub use sender::SenderOptions;

use crate::inflight::InFlight;
use crate::metrics::{Metrics, SourceLabel};
use crate::recent::RecentRequests;
use ampline_amplitude::Secret;
use ampline_ingest::{
    decode_request, preflight_headers, response_headers, success_body, IngestContext,
    IngestRequest, Ingested, Route, TRACKING_METHODS,
};
use ampline_queue::{NewEvent, Queue, SqliteQueue};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// What the request handlers and the background tasks share.
#[derive(Clone)]
pub struct AppState {
    /// Swapped whole on reload; readers take a snapshot per request or routing batch.
    pipeline: Arc<RwLock<Arc<Pipeline>>>,
    pub queue: Arc<SqliteQueue>,
    /// Wakes the router after an append.
    pub appended: Arc<Notify>,
    /// Wakes the sender after routing, or after a commit stored deliveries.
    pub routed: Arc<Notify>,
    /// Routed events whose items are not all settled and committed yet.
    pub inflight: Arc<InFlight>,
    pub metrics: Arc<Metrics>,
    pub recent: Arc<RecentRequests>,
    /// The admin token used when the configuration names none.
    generated_admin_token: Arc<Secret>,
    /// Set when shutdown begins: readiness fails.
    stopping: Arc<AtomicBool>,
    /// Set once ingest has stopped: the router and sender finish what is due, then stop.
    draining: Arc<AtomicBool>,
    /// Set by the router when it stopped after routing every accepted event.
    routing_finished: Arc<AtomicBool>,
    /// Set once the sender has stopped: items still unsettled will not be settled in this life.
    sending_stopped: Arc<AtomicBool>,
    message_ids: Arc<MessageIds>,
}

/// `messageId`s for messages that arrive without one: unique within this process (counter)
/// and across restarts (start time).
struct MessageIds {
    prefix: String,
    next: AtomicU64,
}

impl AppState {
    /// `admin_token` is used when the pipeline's configuration names none.
    pub fn new(pipeline: Pipeline, queue: Arc<SqliteQueue>, admin_token: Secret) -> AppState {
        AppState {
            pipeline: Arc::new(RwLock::new(Arc::new(pipeline))),
            queue,
            appended: Arc::new(Notify::new()),
            routed: Arc::new(Notify::new()),
            inflight: Arc::new(InFlight::default()),
            metrics: Arc::new(Metrics::new()),
            recent: Arc::new(RecentRequests::default()),
            generated_admin_token: Arc::new(admin_token),
            stopping: Arc::new(AtomicBool::new(false)),
            draining: Arc::new(AtomicBool::new(false)),
            routing_finished: Arc::new(AtomicBool::new(false)),
            sending_stopped: Arc::new(AtomicBool::new(false)),
            message_ids: Arc::new(MessageIds {
                prefix: format!("ampline-{:x}", now_ms()),
                next: AtomicU64::new(0),
            }),
        }
    }

    /// The pipeline in force now.
    pub fn pipeline(&self) -> Arc<Pipeline> {
        Arc::clone(&self.pipeline.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts a new pipeline in force; events already routed keep what the old one made.
    pub fn replace_pipeline(&self, pipeline: Pipeline) {
        *self
            .pipeline
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(pipeline);
    }

    /// Whether `token` is the admin token, compared in constant time.
    pub fn is_admin_token(&self, token: &str) -> bool {
        let pipeline = self.pipeline();
        let expected = pipeline
            .admin_token
            .as_ref()
            .unwrap_or(&self.generated_admin_token);
        constant_time_eq(expected.expose().as_bytes(), token.as_bytes())
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Starts shutdown: readiness fails so load balancers stop sending.
    pub fn begin_shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Draining, and the router has routed everything: nothing new can become due now.
    pub(crate) fn is_drained_of_events(&self) -> bool {
        self.routing_finished.load(Ordering::SeqCst)
    }

    /// Draining, and nothing more will be settled: routing finished and no item is unsettled,
    /// or the sender has stopped.
    pub(crate) fn is_done_settling(&self) -> bool {
        self.is_drained_of_events()
            && (!self.inflight.has_unsettled_items() || self.sending_stopped.load(Ordering::SeqCst))
    }

    pub(crate) fn finish_routing(&self) {
        self.routing_finished.store(true, Ordering::SeqCst);
        self.routed.notify_one();
        self.inflight.settled.notify_one();
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The tracking API (`POST /v1/*` and their CORS preflights) and what analytics.js fetches
/// from its CDN (project settings, the plugin bundle).
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/{route}", post(track).options(preflight))
        .route("/v1/{route}/", post(track).options(preflight))
        .route(
            "/v1/projects/{write_key}/settings",
            get(browser::settings).options(settings_preflight),
        )
        .route(
            &format!("{}/{{file}}", browser::PLUGIN_PATH),
            get(browser::plugin_bundle),
        )
        .with_state(state)
}

/// The router, sender and committer tasks, running on the current runtime.
pub struct Workers {
    router: JoinHandle<()>,
    sender: JoinHandle<()>,
    committer: JoinHandle<()>,
}

/// Starts the router, sender and committer tasks on the current runtime.
pub fn spawn_workers(state: &AppState, options: SenderOptions) -> Workers {
    Workers {
        router: tokio::spawn(router::run_router(state.clone())),
        sender: tokio::spawn(sender::run_sender(state.clone(), Arc::new(options))),
        committer: tokio::spawn(committer::run_committer(state.clone())),
    }
}

impl Workers {
    /// Once ingest has stopped: waits for the router to route every accepted event, for the
    /// sender to send what is due and for the committer to mark what was settled, at most
    /// `grace`; then stops them. Whatever was not sent stays in the queue for the next start
    /// (unmarked events are routed again, leases are not durable).
    pub async fn drain(self, state: &AppState, grace: std::time::Duration) {
        state.stopping.store(true, Ordering::SeqCst);
        state.draining.store(true, Ordering::SeqCst);
        state.appended.notify_one();
        state.routed.notify_one();
        let deadline = tokio::time::Instant::now() + grace;
        let mut router = self.router;
        let mut sender = self.sender;
        if tokio::time::timeout_at(deadline, &mut router)
            .await
            .is_err()
        {
            tracing::warn!("shutdown: routing did not finish in time");
            router.abort();
        }
        if tokio::time::timeout_at(deadline, &mut sender)
            .await
            .is_err()
        {
            tracing::warn!(
                "shutdown: sending did not finish in time; the rest is sent on the next start"
            );
            sender.abort();
        }
        state.sending_stopped.store(true, Ordering::SeqCst);
        // The committer's last commit is short; it gets a moment even after a late sender.
        let committer_deadline = deadline.max(tokio::time::Instant::now() + COMMIT_GRACE);
        let mut committer = self.committer;
        state.inflight.settled.notify_one();
        if tokio::time::timeout_at(committer_deadline, &mut committer)
            .await
            .is_err()
        {
            tracing::warn!("shutdown: settled events were not marked in time; they are routed again on the next start");
            committer.abort();
        }
    }
}

/// How long the committer may finish after the grace period ran out.
const COMMIT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

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

async fn settings_preflight(headers: HeaderMap) -> Response {
    let extra = preflight_headers(
        header(&headers, "origin"),
        header(&headers, "access-control-request-headers"),
        "GET, OPTIONS",
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
    let limit = state.pipeline().ingest.limits.max_request_bytes;
    // One byte over the limit is enough for decode_request to refuse the body as too large.
    let bytes = match axum::body::to_bytes(body, limit.saturating_add(1)).await {
        Ok(bytes) => bytes,
        Err(_) => {
            state.metrics.count_rejected("request_too_large");
            return with_headers(
                StatusCode::BAD_REQUEST,
                r#"{"success":false,"code":"request_too_large"}"#.to_owned(),
                cors,
            );
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
    let started = Instant::now();
    let metrics = Arc::clone(&state.metrics);
    let outcome = tokio::task::spawn_blocking(move || {
        let received_at_ms = now_ms();
        let pipeline = state.pipeline();
        let lookup = |key: &str| pipeline.source_for_key(key);
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
                config: &pipeline.ingest,
                lookup_source: &lookup,
                new_message_id: &new_id,
                received_at_ms,
            },
        );
        let reject = |code: &str| state.metrics.count_rejected(code);
        match decoded {
            Err(rejection) => {
                reject(rejection.code);
                (
                    StatusCode::from_u16(rejection.status).unwrap_or(StatusCode::BAD_REQUEST),
                    rejection.body_string(),
                )
            }
            Ok(Ingested::MetricsDiscarded) => (StatusCode::OK, success_body().to_string()),
            Ok(Ingested::Events(accepted)) => {
                for rejected in &accepted.rejected {
                    reject(rejected.code);
                }
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
                let count = events.len() as u64;
                match state.queue.append(events) {
                    Ok(_) => {
                        state
                            .metrics
                            .received
                            .get_or_create(&SourceLabel {
                                source: accepted.source.clone(),
                            })
                            .inc_by(count);
                        (StatusCode::OK, answer)
                    }
                    Err(error) => {
                        tracing::error!(%error, "queue append failed; answering 503");
                        reject("queue_unavailable");
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
    metrics
        .ingest_seconds
        .observe(started.elapsed().as_secs_f64());
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
