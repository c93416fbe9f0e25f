//! Serving: the accept loop, the per-request wrapper that assigns request IDs, applies faults
//! and writes the request log, and the handle tests hold.
//!
//! The wrapper sits outside axum's router because one fault cannot be expressed as a response:
//! dropping the connection. Returning an error from the hyper service makes hyper close the
//! connection without answering, which is what a client sees when a load balancer resets it.

use crate::config::{Config, Region};
use crate::faults::{FaultCommand, FaultOutcome, FaultRule, Faults};
use crate::journal::Journal;
use crate::records::{RecordFilter, RecordKind, Recorded, RequestLogEntry};
use crate::routes::{amplitude_routes, render, Outcome, RequestContext};
use crate::shared::Shared;
use crate::store::{Store, Totals};
use axum::body::Body;
use axum::http::header::HOST;
use axum::http::{HeaderValue, Request, Uri};
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

/// Starts mocks.
pub struct MockAmplitude;

impl MockAmplitude {
    /// Replays the state file (if any), binds `config.bind` and serves in the background on the
    /// current tokio runtime until the handle is shut down or dropped.
    pub async fn start(config: Config) -> io::Result<MockHandle> {
        let mut store = Store::new(
            config.limits.clone(),
            config.retain_records,
            config.request_log_capacity,
        );
        let mut last_request_id = 0;
        let mut skipped_state_lines = 0;
        if let Some(path) = &config.state_file {
            let (journal, replay) = Journal::open(path)?;
            skipped_state_lines = replay.skipped_lines;
            last_request_id = store.attach_journal(journal, replay.entries);
        }
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config, store, last_request_id));
        let router = amplitude_routes()
            .merge(crate::control::control_routes())
            .with_state(Arc::clone(&shared));
        let (shutdown, shutdown_signal) = watch::channel(());
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::clone(&shared),
            router,
            shutdown_signal,
        ));
        Ok(MockHandle {
            addr,
            shared,
            shutdown,
            task: Some(task),
            skipped_state_lines,
        })
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    router: Router,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let router = router.clone();
        let mut connection_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                serve_request(Arc::clone(&shared), router.clone(), request)
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = connection_shutdown.changed() => {}
            }
        });
    }
}

/// The error that tells hyper to close the connection without answering.
#[derive(Debug)]
struct DroppedConnection;

impl fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedConnection {}

async fn serve_request(
    shared: Arc<Shared>,
    router: Router,
    request: Request<hyper::body::Incoming>,
) -> Result<Response, DroppedConnection> {
    let mut request = request.map(Body::new);
    let path = request.uri().path();
    if path == "/_mock" || path.starts_with("/_mock/") {
        return Ok(call(router, request).await);
    }
    let region = take_region(&mut request);
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let request_id = shared.next_request_id();
    let decision = shared.faults().decide(&path, shared.now_ms());
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let at_ms = shared.now_ms();
    request
        .extensions_mut()
        .insert(RequestContext { request_id, region });
    let response = match decision.outcome {
        FaultOutcome::Normal => Some(call(router, request).await),
        FaultOutcome::Drop => None,
        FaultOutcome::Status {
            status,
            body,
            ingest,
        } => {
            let outcome = if ingest {
                let inner = call(router, request).await;
                inner.extensions().get::<Outcome>().cloned()
            } else {
                None
            };
            let reply = body.reply(status);
            let mut response = render(&reply);
            let mut outcome = outcome.unwrap_or_default();
            outcome.error = reply.error_message().map(str::to_owned);
            response.extensions_mut().insert(outcome);
            Some(response)
        }
    };
    let outcome = response
        .as_ref()
        .and_then(|response| response.extensions().get::<Outcome>().cloned())
        .unwrap_or_default();
    let entry = RequestLogEntry {
        request_id,
        at_ms,
        method,
        path,
        status: response.as_ref().map(|response| response.status().as_u16()),
        project: outcome.project,
        received: outcome.received,
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
        error: outcome.error,
        fault: decision.label,
    };
    if shared.config.log_requests {
        log_line(&entry);
    }
    shared.store().log_request(entry);
    let Some(mut response) = response else {
        return Err(DroppedConnection);
    };
    response
        .headers_mut()
        .insert("x-mock-request-id", HeaderValue::from(request_id));
    Ok(response)
}

async fn call(router: Router, request: Request<Body>) -> Response {
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Paths only (query strings can hold API keys), never bodies.
fn log_line(entry: &RequestLogEntry) {
    let status = entry
        .status
        .map_or_else(|| "dropped".to_owned(), |status| status.to_string());
    let project = entry.project.as_deref().unwrap_or("-");
    let fault = entry
        .fault
        .as_deref()
        .map(|fault| format!(" fault={fault:?}"))
        .unwrap_or_default();
    let error = entry
        .error
        .as_deref()
        .map(|error| format!(" error={:?}", error.split(": ").next().unwrap_or(error)))
        .unwrap_or_default();
    eprintln!(
        "mock-amplitude #{} {} {} -> {status} project={project} received={} accepted={} duplicates={}{error}{fault}",
        entry.request_id, entry.method, entry.path, entry.received, entry.accepted, entry.duplicates
    );
}

/// Which region the request reached: an `/eu` or `/us` path prefix (removed here), else
/// Amplitude's host names; `None` on any other host.
fn take_region(request: &mut Request<Body>) -> Option<Region> {
    let path = request.uri().path();
    for (prefix, region) in [("/eu", Region::Eu), ("/us", Region::Us)] {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.starts_with('/') {
                let rewritten = match request.uri().query() {
                    Some(query) => format!("{rest}?{query}"),
                    None => rest.to_owned(),
                };
                if let Ok(uri) = rewritten.parse::<Uri>() {
                    *request.uri_mut() = uri;
                }
                return Some(region);
            }
        }
    }
    let host = request
        .headers()
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .map(|host| host.split(':').next().unwrap_or(host).to_ascii_lowercase())
        .or_else(|| request.uri().host().map(str::to_ascii_lowercase))?;
    if host.ends_with(".eu.amplitude.com") {
        Some(Region::Eu)
    } else if host == "amplitude.com" || host.ends_with(".amplitude.com") {
        Some(Region::Us)
    } else {
        None
    }
}

/// A running mock. Dropping it stops the server (open connections are closed).
pub struct MockHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<()>,
    task: Option<JoinHandle<()>>,
    skipped_state_lines: usize,
}

impl MockHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: point a client's Amplitude base URL here (any region's keys).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL that only accepts keys of `region`'s projects.
    pub fn region_base_url(&self, region: Region) -> String {
        format!("http://{}/{}", self.addr, region.as_str())
    }

    /// Records of one kind matching `filter`, in arrival order.
    pub fn records(&self, kind: RecordKind, filter: &RecordFilter) -> Vec<Recorded> {
        self.shared.store().records(kind, filter).cloned().collect()
    }

    pub fn events(&self, filter: &RecordFilter) -> Vec<Recorded> {
        self.records(RecordKind::Events, filter)
    }

    pub fn identifies(&self, filter: &RecordFilter) -> Vec<Recorded> {
        self.records(RecordKind::Identifies, filter)
    }

    pub fn group_identifies(&self, filter: &RecordFilter) -> Vec<Recorded> {
        self.records(RecordKind::GroupIdentifies, filter)
    }

    pub fn mappings(&self, filter: &RecordFilter) -> Vec<Recorded> {
        self.records(RecordKind::Mappings, filter)
    }

    pub fn deletions(&self, filter: &RecordFilter) -> Vec<Recorded> {
        self.records(RecordKind::Deletions, filter)
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<RequestLogEntry> {
        self.shared.store().requests().cloned().collect()
    }

    pub fn totals(&self) -> Totals {
        self.shared.store().totals()
    }

    /// Forgets everything accepted and every fault (and empties the state file).
    pub fn reset(&self) {
        self.shared.faults().clear();
        self.shared.store().reset();
    }

    /// Arms a request-level fault.
    pub fn inject(&self, rule: FaultRule) {
        self.shared.faults().push(rule);
    }

    /// Applies a fault command as `POST /_mock/faults` would.
    pub fn apply_fault(&self, command: FaultCommand) {
        let now_ms = self.shared.now_ms();
        self.shared.faults().apply(command, now_ms);
    }

    /// Every request waits `latency` before being handled.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.faults().set_latency(latency);
    }

    /// For `duration` of the mock's clock, every request gets a 503.
    pub fn down_for(&self, duration: Duration) {
        self.apply_fault(FaultCommand::DownFor(
            duration,
            FaultOutcome::Status {
                status: 503,
                body: crate::faults::FaultBody::Amplitude,
                ingest: false,
            },
        ));
    }

    /// Events of these user or device IDs get a 429 whatever their rate.
    pub fn throttle_ids<I: IntoIterator<Item = S>, S: Into<String>>(&self, ids: I) {
        self.shared
            .faults()
            .throttle_ids(ids.into_iter().map(Into::into));
    }

    /// Events of these devices get the 400 "Events silenced for device_id".
    pub fn silence_devices<I: IntoIterator<Item = S>, S: Into<String>>(&self, ids: I) {
        self.shared
            .faults()
            .silence_devices(ids.into_iter().map(Into::into));
    }

    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Direct access to the fault state, for combinations the helpers above do not cover.
    pub fn with_faults<R>(&self, change: impl FnOnce(&mut Faults) -> R) -> R {
        change(&mut self.shared.faults())
    }

    /// Lines of the state file that could not be read back at start.
    pub fn skipped_state_lines(&self) -> usize {
        self.skipped_state_lines
    }

    /// The first state-file write error, if any (data is still accepted in memory).
    pub fn state_file_error(&self) -> Option<String> {
        self.shared.store().journal_error().map(str::to_owned)
    }

    /// Stops accepting, closes open connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(());
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the process is stopped (for the command line).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(());
    }
}
