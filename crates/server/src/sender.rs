//! The sender task: fresh items and due deliveries → Amplitude requests → settled items.
//!
//! Items come from two places: fresh from the router, in memory ([`crate::inflight`]), and
//! stored in the queue (retries, holds, failed items sent back), leased when due. Either way they
//! are taken per batch key, packed into requests within Amplitude's per-endpoint limits and
//! settled by the answer, following the sender rules of Amplitude's guide (see
//! `shared/docs/amplitude-api.md` §9). The request body is rebuilt from the stored item text,
//! so every re-send of an item is byte-identical and its `insert_id` lets Amplitude drop
//! duplicates.

use crate::inflight::{FreshItem, Outcome, WaitingKey};
use crate::metrics::{reason_label, EndpointLabel, MappingLabel, RequestLabel};
use crate::recent::{RecentRequest, MAX_BODY_CHARS};
use crate::router::new_delivery;
use crate::routing::{reroute_event, BatchKey, REROUTE_KEY};
use crate::{now_ms, AppState};
use ampline_amplitude::{Body, ContentType};
use ampline_queue::{Delivery, DeliveryId, NewDelivery, Queue};
use serde_json::Value;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// How the sender behaves; the defaults suit production.
#[derive(Debug, Clone)]
pub struct SenderOptions {
    /// Replaces the scheme and host of Amplitude's URLs (tests point it at the mock).
    pub base_url: Option<String>,
    /// After this long since an event was received, a delivery that keeps failing transiently
    /// is moved to the failed store.
    pub retry_window: Duration,
    /// First retry delay; doubles per attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The least a throttled user or device is held after a 429.
    pub throttle_hold: Duration,
    /// How long fresh items of a batch key wait for more to share their request, unless a full
    /// request's worth is waiting.
    pub linger: Duration,
    pub request_timeout: Duration,
    /// Gzip `/2/httpapi` and `/batch` bodies (Amplitude's own SDKs do; the form endpoints are
    /// left plain because gzip there is not documented).
    pub gzip: bool,
}

impl Default for SenderOptions {
    fn default() -> Self {
        SenderOptions {
            base_url: None,
            retry_window: Duration::from_secs(4 * 60 * 60),
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10 * 60),
            throttle_hold: Duration::from_secs(30),
            linger: Duration::from_millis(250),
            request_timeout: Duration::from_secs(30),
            gzip: true,
        }
    }
}

/// Refused events run through their mapping again per lease.
const REROUTE_BATCH: usize = 500;
/// Full requests' worth of fresh items one batch key sends per round.
const FRESH_REQUESTS_PER_ROUND: usize = 4;
/// Polling interval when nothing wakes the sender.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// Rounds of "fail the named indexes, resend the rest" before the rest waits for a retry.
const MAX_RESEND_ROUNDS: usize = 8;

/// Items and bytes one request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointLimits {
    pub max_items: usize,
    /// Exclusive upper bound on the encoded (uncompressed) body.
    pub max_bytes: usize,
}

/// Amplitude's limits by endpoint path; identify has no documented count, so it gets group
/// identify's 1024.
pub fn limits_for(url: &str) -> EndpointLimits {
    const MB: usize = 1_000_000;
    match url_path(url) {
        "/batch" => EndpointLimits {
            max_items: 2000,
            max_bytes: 20 * MB,
        },
        "/identify" | "/groupidentify" => EndpointLimits {
            max_items: 1024,
            max_bytes: MB,
        },
        _ => EndpointLimits {
            max_items: 2000,
            max_bytes: MB,
        },
    }
}

pub fn url_path(url: &str) -> &str {
    let after_scheme = url
        .find("://")
        .map_or(url, |i| url.get(i + 3..).unwrap_or(""));
    after_scheme
        .find('/')
        .map_or("/", |i| after_scheme.get(i..).unwrap_or("/"))
}

/// `url` with its scheme and host replaced by `base` (path kept).
pub fn target_url(url: &str, base: Option<&str>) -> String {
    match base {
        Some(base) => format!("{}{}", base.trim_end_matches('/'), url_path(url)),
        None => url.to_owned(),
    }
}

/// The request body for `deliveries` of one batch key.
pub fn build_body(key: &BatchKey, deliveries: &[Delivery]) -> (ContentType, String) {
    // Payloads are the router's own JSON text; a payload that were not UTF-8 is written lossily
    // (Amplitude then refuses that item, and only that item, by its index).
    let push_items = |out: &mut String| {
        out.push('[');
        for (index, delivery) in deliveries.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            match std::str::from_utf8(&delivery.payload) {
                Ok(text) => out.push_str(text),
                Err(_) => out.push_str(&String::from_utf8_lossy(&delivery.payload)),
            }
        }
        out.push(']');
    };
    match &key.field {
        None => {
            let size: usize = deliveries.iter().map(|d| d.payload.len() + 1).sum();
            let mut body = String::with_capacity(size + 64);
            body.push_str("{\"api_key\":");
            ampline_js::write_json_string(&mut body, &key.api_key);
            body.push_str(",\"events\":");
            push_items(&mut body);
            if let Some(options) = &key.options {
                body.push_str(",\"options\":");
                body.push_str(options);
            }
            body.push('}');
            (ContentType::Json, body)
        }
        Some(field) => {
            let mut items = String::new();
            push_items(&mut items);
            let mut fields = vec![
                ("api_key".to_owned(), key.api_key.clone()),
                (field.clone(), items),
            ];
            if let Some(options) = &key.options {
                fields.push(("options".to_owned(), options.clone()));
            }
            (ContentType::Form, Body::Form(fields).encode())
        }
    }
}

pub async fn run_sender(state: AppState, options: Arc<SenderOptions>) {
    let client = match reqwest::Client::builder()
        .timeout(options.request_timeout)
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot build the HTTP client; sender stopped");
            return;
        }
    };
    loop {
        let routed = state.routed.notified();
        let queue = Arc::clone(&state.queue);
        let now = now_ms();
        let due = tokio::task::spawn_blocking(move || {
            let keys = queue.batch_keys_due(now)?;
            let next_due = if keys.is_empty() {
                queue.next_due_at_ms()?
            } else {
                None
            };
            Ok::<_, ampline_queue::Error>((keys, next_due))
        })
        .await;
        let (keys, next_due) = match due {
            Ok(Ok(due)) => due,
            Ok(Err(error)) => {
                tracing::error!(%error, "reading due deliveries failed");
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
            Err(error) => {
                tracing::error!(%error, "sender task panicked");
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
        };
        let waiting = state.inflight.waiting();
        let (fresh_keys, next_ready) =
            ready_keys(waiting.iter(), now, &options, state.is_draining());
        if keys.is_empty() && fresh_keys.is_empty() {
            if waiting.is_empty() && state.is_drained_of_events() {
                return;
            }
            let wake_at = [next_due, next_ready].into_iter().flatten().min();
            let wait = wake_at
                .map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
                .map_or(IDLE_POLL, |wait| wait.min(IDLE_POLL));
            let _ = tokio::time::timeout(wait, routed).await;
            continue;
        }
        let mut sends = tokio::task::JoinSet::new();
        for key in fresh_keys {
            let context = SendContext {
                state: state.clone(),
                options: Arc::clone(&options),
                client: client.clone(),
            };
            sends.spawn(async move { context.send_fresh(key).await });
        }
        for key in keys {
            let context = SendContext {
                state: state.clone(),
                options: Arc::clone(&options),
                client: client.clone(),
            };
            if key.batch_key == REROUTE_KEY {
                sends.spawn(async move { context.reroute().await });
            } else {
                sends.spawn(async move { context.send_key(key.batch_key).await });
            }
        }
        while let Some(result) = sends.join_next().await {
            if let Err(error) = result {
                tracing::error!(%error, "send task panicked");
            }
        }
    }
}

/// Fresh items of one batch key to send this round.
struct FreshRound {
    batch_key: String,
    /// Whole requests' worth to take: one when the key is only full, more when its items have
    /// lingered long enough (or the server is draining), so the partial request goes too.
    requests: usize,
}

/// The batch keys whose fresh items go out now: a full request's worth, or lingered long
/// enough (or draining); and when the next of the others will be ready.
fn ready_keys<'a>(
    waiting: impl Iterator<Item = &'a WaitingKey>,
    now_ms: i64,
    options: &SenderOptions,
    draining: bool,
) -> (Vec<FreshRound>, Option<i64>) {
    let linger_ms = i64::try_from(options.linger.as_millis()).unwrap_or(i64::MAX);
    let mut ready = Vec::new();
    let mut next_ready: Option<i64> = None;
    for key in waiting {
        let full = BatchKey::decode(&key.batch_key).is_none_or(|decoded| {
            let (items, bytes) = request_capacity(&decoded);
            key.items >= items || key.bytes >= bytes
        });
        let ready_at = key.since_ms.saturating_add(linger_ms);
        if draining || ready_at <= now_ms {
            ready.push(FreshRound {
                batch_key: key.batch_key.clone(),
                requests: FRESH_REQUESTS_PER_ROUND,
            });
        } else if full {
            ready.push(FreshRound {
                batch_key: key.batch_key.clone(),
                requests: 1,
            });
        } else {
            next_ready = Some(next_ready.map_or(ready_at, |next| next.min(ready_at)));
        }
    }
    (ready, next_ready)
}

struct SendContext {
    state: AppState,
    options: Arc<SenderOptions>,
    client: reqwest::Client,
}

/// How one request's deliveries are settled.
enum Settle {
    Ack(Vec<Delivery>),
    Fail(Vec<Delivery>, String),
    Retry(Vec<Delivery>, String),
    /// Users and devices Amplitude throttled, held until the time given.
    Hold(Vec<String>, i64),
    /// Items of held users, back to waiting until the time given.
    Postpone(Vec<Delivery>, i64),
}

/// Where a chunk's items come from, which decides where their outcome is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Leased deliveries of the queue.
    Stored,
    /// Items straight from the router ([`crate::inflight`]); their `Delivery::id` means nothing,
    /// as they are stored only if Amplitude does not take them.
    Fresh,
}

/// A fresh item in the shape the request code shares with stored deliveries.
fn fresh_delivery(fresh: FreshItem) -> Delivery {
    let item = fresh.item;
    Delivery {
        id: DeliveryId(0),
        event_id: item.event_id,
        mapping: item.mapping,
        batch_key: item.batch_key,
        throttle_key: item.throttle_key,
        payload: item.payload,
        received_at_ms: fresh.received_at_ms,
        due_at_ms: item.due_at_ms,
        attempts: item.attempts,
        last_error: item.last_error,
    }
}

/// A fresh item as it is stored when Amplitude did not take it.
fn to_store(
    delivery: Delivery,
    due_at_ms: i64,
    attempts: u32,
    last_error: Option<String>,
) -> NewDelivery {
    NewDelivery {
        event_id: delivery.event_id,
        mapping: delivery.mapping,
        batch_key: delivery.batch_key,
        throttle_key: delivery.throttle_key,
        payload: delivery.payload,
        due_at_ms,
        attempts,
        last_error,
    }
}

impl SendContext {
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Queue) -> ampline_queue::Result<T> + Send + 'static,
    ) -> Option<T> {
        let queue = Arc::clone(&self.state.queue);
        match tokio::task::spawn_blocking(move || work(queue.as_ref())).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(error)) => {
                tracing::error!(%error, "queue operation failed");
                None
            }
            Err(error) => {
                tracing::error!(%error, "queue task panicked");
                None
            }
        }
    }

    /// Runs the mapping of each event it refused before once more (its failed item was sent
    /// back, presumably after the mapping was fixed): the items it makes replace the event's
    /// delivery; a refusal again returns it to the failed store.
    async fn reroute(&self) {
        let Some(leased) = self
            .blocking(|q| q.lease_due(Some(REROUTE_KEY), now_ms(), REROUTE_BATCH))
            .await
        else {
            return;
        };
        let pipeline = self.state.pipeline();
        for delivery in leased {
            let event: Option<Value> = serde_json::from_slice(&delivery.payload).ok();
            let mapping = pipeline
                .mappings
                .iter()
                .find(|m| m.name == delivery.mapping);
            let outcome = match (event, mapping) {
                (None, _) => Err("the kept event is not JSON".to_owned()),
                (Some(_), None) => Err(format!(
                    "mapping refused: mapping {:?} is no longer configured (or disabled)",
                    delivery.mapping
                )),
                (Some(event), Some(mapping)) => {
                    let message_id = event
                        .get("messageId")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let routed = reroute_event(&pipeline, mapping, &event, message_id, None);
                    match routed.failures.into_iter().next() {
                        Some(failure) => Err(format!("mapping refused: {}", failure.reason)),
                        None => Ok(routed.items),
                    }
                }
            };
            match outcome {
                Ok(items) => {
                    let now = now_ms();
                    let new: Vec<_> = items
                        .into_iter()
                        .map(|item| new_delivery(delivery.event_id, item, now))
                        .collect();
                    let id = delivery.id;
                    if new.is_empty() {
                        self.settle(Settle::Ack(vec![delivery]), Origin::Stored)
                            .await;
                    } else if self
                        .blocking(move |q| q.replace_delivery(id, new))
                        .await
                        .is_some()
                    {
                        self.state.routed.notify_one();
                    }
                }
                Err(reason) => {
                    self.settle(Settle::Fail(vec![delivery], reason), Origin::Stored)
                        .await;
                }
            }
        }
    }

    async fn send_key(&self, key_text: String) {
        let Some(key) = BatchKey::decode(&key_text) else {
            tracing::error!("unreadable batch key; its deliveries are failed");
            let leased_key = key_text.clone();
            if let Some(leased) = self
                .blocking(move |q| q.lease_due(Some(&leased_key), now_ms(), 10_000))
                .await
            {
                self.settle(
                    Settle::Fail(leased, "unreadable batch key".to_owned()),
                    Origin::Stored,
                )
                .await;
            }
            return;
        };
        let limits = limits_for(&key.url);
        let leased_key = key_text.clone();
        let Some(leased) = self
            .blocking(move |q| q.lease_due(Some(&leased_key), now_ms(), limits.max_items))
            .await
        else {
            return;
        };
        self.send_all(&key, leased, limits, Origin::Stored).await;
    }

    async fn send_fresh(&self, round: FreshRound) {
        let key_text = round.batch_key;
        let limits = BatchKey::decode(&key_text).map(|key| (limits_for(&key.url), key));
        let (max_items, max_bytes) = limits
            .as_ref()
            .map_or((REROUTE_BATCH, usize::MAX), |(_, key)| {
                request_capacity(key)
            });
        let taken: Vec<Delivery> = self
            .state
            .inflight
            .take(
                &key_text,
                max_items.saturating_mul(round.requests),
                max_bytes.saturating_mul(round.requests),
                now_ms(),
            )
            .into_iter()
            .map(fresh_delivery)
            .collect();
        match limits {
            Some((limits, key)) => self.send_all(&key, taken, limits, Origin::Fresh).await,
            None => {
                tracing::error!("unreadable batch key; its items are failed");
                self.settle(
                    Settle::Fail(taken, "unreadable batch key".to_owned()),
                    Origin::Fresh,
                )
                .await;
            }
        }
    }

    async fn send_all(
        &self,
        key: &BatchKey,
        items: Vec<Delivery>,
        limits: EndpointLimits,
        origin: Origin,
    ) {
        let mut work: VecDeque<(Vec<Delivery>, usize)> = pack(key, items, limits)
            .into_iter()
            .map(|chunk| (chunk, 0))
            .collect();
        while let Some((chunk, round)) = work.pop_front() {
            for settle in self.send_chunk(key, chunk, round, &mut work).await {
                self.settle(settle, origin).await;
            }
        }
    }

    async fn settle(&self, settle: Settle, origin: Origin) {
        let now = now_ms();
        let metrics = &self.state.metrics;
        let inflight = &self.state.inflight;
        match settle {
            Settle::Ack(deliveries) if !deliveries.is_empty() => {
                for (mapping, count) in by_mapping(&deliveries) {
                    metrics
                        .delivered
                        .get_or_create(&MappingLabel { mapping })
                        .inc_by(count);
                }
                for delivery in &deliveries {
                    let age_ms = now.saturating_sub(delivery.received_at_ms).max(0);
                    metrics.delivery_seconds.observe(age_ms as f64 / 1000.0);
                }
                match origin {
                    Origin::Stored => {
                        let ids = ids_of(&deliveries);
                        self.blocking(move |q| q.ack_delivered(&ids)).await;
                    }
                    Origin::Fresh => inflight.settle(
                        deliveries
                            .iter()
                            .map(|delivery| (delivery.event_id, Outcome::Delivered)),
                    ),
                }
            }
            Settle::Fail(deliveries, reason) if !deliveries.is_empty() => {
                for (mapping, count) in by_mapping(&deliveries) {
                    metrics.count_failed(&mapping, reason_label(&reason), count);
                }
                self.fail(deliveries, reason, now, origin).await;
            }
            Settle::Postpone(deliveries, until) if !deliveries.is_empty() => match origin {
                Origin::Stored => {
                    let ids = ids_of(&deliveries);
                    self.blocking(move |q| q.release(&ids)).await;
                }
                Origin::Fresh => inflight.settle(deliveries.into_iter().map(|delivery| {
                    let attempts = delivery.attempts;
                    let error = delivery.last_error.clone();
                    (
                        delivery.event_id,
                        Outcome::Pending(to_store(delivery, until, attempts, error)),
                    )
                })),
            },
            Settle::Hold(keys, until) if !keys.is_empty() => {
                // Held in memory for fresh items and in the queue for stored ones, whichever
                // kind the throttled request carried.
                inflight.hold(&keys, until);
                self.blocking(move |q| q.hold_throttled(&keys, until)).await;
            }
            Settle::Retry(deliveries, error) if !deliveries.is_empty() => {
                let window =
                    i64::try_from(self.options.retry_window.as_millis()).unwrap_or(i64::MAX);
                let (expired, retry): (Vec<Delivery>, Vec<Delivery>) = deliveries
                    .into_iter()
                    .partition(|d| now.saturating_sub(d.received_at_ms) >= window);
                let attempts = retry.iter().map(|d| d.attempts).max().unwrap_or(0);
                let next_at = now.saturating_add(self.backoff_ms(attempts));
                for (mapping, count) in by_mapping(&expired) {
                    metrics.count_failed(&mapping, "retry_window_exceeded", count);
                }
                for (mapping, count) in by_mapping(&retry) {
                    metrics
                        .retried
                        .get_or_create(&MappingLabel { mapping })
                        .inc_by(count);
                }
                if !expired.is_empty() {
                    tracing::warn!(
                        count = expired.len(),
                        %error,
                        "retry window exceeded; deliveries failed"
                    );
                    let reason = format!("retry window exceeded; last error: {error}");
                    self.fail(expired, reason, now, origin).await;
                }
                if !retry.is_empty() {
                    match origin {
                        Origin::Stored => {
                            let retry_ids = ids_of(&retry);
                            self.blocking(move |q| q.retry_later(&retry_ids, next_at, &error))
                                .await;
                        }
                        Origin::Fresh => inflight.settle(retry.into_iter().map(|delivery| {
                            let attempts = delivery.attempts + 1;
                            (
                                delivery.event_id,
                                Outcome::Pending(to_store(
                                    delivery,
                                    next_at,
                                    attempts,
                                    Some(error.clone()),
                                )),
                            )
                        })),
                    }
                }
            }
            _ => {}
        }
    }

    /// Moves deliveries to the failed store with `reason` (fresh ones with their event's mark).
    async fn fail(&self, deliveries: Vec<Delivery>, reason: String, now: i64, origin: Origin) {
        match origin {
            Origin::Stored => {
                let ids = ids_of(&deliveries);
                self.blocking(move |q| q.fail(&ids, &reason, now)).await;
            }
            Origin::Fresh => self
                .state
                .inflight
                .settle(deliveries.into_iter().map(|delivery| {
                    let attempts = delivery.attempts + 1;
                    let error = delivery.last_error.clone();
                    (
                        delivery.event_id,
                        Outcome::Failed(to_store(delivery, now, attempts, error), reason.clone()),
                    )
                })),
        }
    }

    /// Exponential backoff from `base_backoff`, capped, with up to 25 % jitter so many
    /// deliveries failing together do not return together.
    fn backoff_ms(&self, attempts: u32) -> i64 {
        let base = u64::try_from(self.options.base_backoff.as_millis()).unwrap_or(u64::MAX);
        let cap = u64::try_from(self.options.max_backoff.as_millis()).unwrap_or(u64::MAX);
        let delay = base.saturating_mul(1u64 << attempts.min(30)).min(cap);
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::from(d.subsec_nanos()))
            .unwrap_or(0);
        let jitter = seed % (delay / 4 + 1);
        i64::try_from(delay.saturating_add(jitter)).unwrap_or(i64::MAX)
    }

    async fn send_chunk(
        &self,
        key: &BatchKey,
        chunk: Vec<Delivery>,
        round: usize,
        work: &mut VecDeque<(Vec<Delivery>, usize)>,
    ) -> Vec<Settle> {
        let endpoint = url_path(&key.url).to_owned();
        let (recorded_body, truncated) = redacted_body(key, &chunk);
        let mut record = RecentRequest {
            at_ms: now_ms(),
            endpoint: endpoint.clone(),
            dry_run: false,
            status: None,
            items: chunk.len(),
            mappings: by_mapping(&chunk).into_iter().map(|(m, _)| m).collect(),
            outcome: String::new(),
            body: recorded_body,
            body_truncated: truncated,
        };
        if self.state.pipeline().is_dry_run() {
            tracing::info!(endpoint = %endpoint, items = chunk.len(), "dry run: request recorded, not sent");
            record.dry_run = true;
            record.outcome = "dry run: recorded, not sent".to_owned();
            self.state.recent.record(record);
            self.count_request(&endpoint, "dry_run");
            return vec![Settle::Ack(chunk)];
        }
        let (content_type, body) = build_body(key, &chunk);
        let url = target_url(&key.url, self.options.base_url.as_deref());
        let mut request = self
            .client
            .post(&url)
            .header("content-type", content_type.header());
        request = match (self.options.gzip, content_type) {
            (true, ContentType::Json) => match gzip(body.as_bytes()) {
                Ok(compressed) => request.header("content-encoding", "gzip").body(compressed),
                Err(_) => request.body(body),
            },
            _ => request.body(body),
        };
        let started = std::time::Instant::now();
        let sent = request.send().await;
        self.state
            .metrics
            .request_seconds
            .get_or_create(&EndpointLabel {
                endpoint: endpoint.clone(),
            })
            .observe(started.elapsed().as_secs_f64());
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                let error = error.without_url().to_string();
                tracing::warn!(url = %endpoint, %error, "request failed; will retry");
                self.count_request(&endpoint, "error");
                record.outcome = format!("no answer: {error}");
                self.state.recent.record(record);
                return vec![Settle::Retry(chunk, format!("request failed: {error}"))];
            }
        };
        let status = response.status().as_u16();
        self.count_request(&endpoint, &status.to_string());
        let retry_after_ms = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(|seconds| seconds.saturating_mul(1000));
        let text = response.text().await.unwrap_or_default();
        let json: Option<Value> = serde_json::from_str(&text).ok();
        record.status = Some(status);
        record.outcome = if (200..300).contains(&status) {
            "accepted".to_owned()
        } else {
            short(&text)
        };
        self.state.recent.record(record);
        match status {
            200..=299 => vec![Settle::Ack(chunk)],
            413 => {
                if chunk.len() <= 1 {
                    vec![Settle::Fail(chunk, "413 payload too large".to_owned())]
                } else {
                    let mut first = chunk;
                    let second = first.split_off(first.len() / 2);
                    work.push_back((first, round));
                    work.push_back((second, round));
                    Vec::new()
                }
            }
            429 => {
                let throttled = throttled_keys(json.as_ref());
                let hold_ms = i64::try_from(self.options.throttle_hold.as_millis())
                    .unwrap_or(i64::MAX)
                    .max(retry_after_ms.unwrap_or(0));
                let until = now_ms().saturating_add(hold_ms);
                let (held, rest): (Vec<Delivery>, Vec<Delivery>) =
                    chunk.into_iter().partition(|d| {
                        d.throttle_key
                            .as_ref()
                            .is_some_and(|k| throttled.contains(k))
                    });
                if held.is_empty() || round >= MAX_RESEND_ROUNDS {
                    // Nothing attributable to a user (usermap's project-wide limit): back off.
                    let mut all = held;
                    all.extend(rest);
                    return vec![Settle::Retry(all, format!("429: {}", short(&text)))];
                }
                tracing::info!(
                    held = held.len(),
                    users = throttled.len(),
                    "429: holding throttled users and devices"
                );
                if !rest.is_empty() {
                    work.push_back((rest, round + 1));
                }
                vec![
                    Settle::Hold(throttled.into_iter().collect(), until),
                    // After the hold, so stored ones come back at the held time.
                    Settle::Postpone(held, until),
                ]
            }
            400 => self.settle_400(key, chunk, round, json.as_ref(), &text, work),
            408 | 500..=599 => {
                tracing::warn!(status, url = %url_path(&key.url), "transient error; will retry");
                vec![Settle::Retry(chunk, format!("{status}: {}", short(&text)))]
            }
            _ => {
                tracing::error!(status, body = %short(&text), "request refused; deliveries failed");
                vec![Settle::Fail(chunk, format!("{status}: {}", short(&text)))]
            }
        }
    }

    fn count_request(&self, endpoint: &str, status: &str) {
        self.state
            .metrics
            .requests
            .get_or_create(&RequestLabel {
                endpoint: endpoint.to_owned(),
                status: status.to_owned(),
            })
            .inc();
    }

    fn settle_400(
        &self,
        key: &BatchKey,
        chunk: Vec<Delivery>,
        round: usize,
        json: Option<&Value>,
        text: &str,
        work: &mut VecDeque<(Vec<Delivery>, usize)>,
    ) -> Vec<Settle> {
        let error = json
            .and_then(|j| j.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let request_level = json.is_none()
            || json.and_then(|j| j.get("missing_field")).is_some()
            || error.starts_with("Invalid API key");
        if request_level {
            // The body names no secret: Amplitude echoes the API key in this error.
            let reason = if error.starts_with("Invalid API key") {
                "400 Invalid API key".to_owned()
            } else {
                format!("400: {}", short(text))
            };
            tracing::error!(url = %url_path(&key.url), count = chunk.len(), %reason, "Amplitude refused the whole request; deliveries failed (check the destination configuration)");
            return vec![Settle::Fail(chunk, reason)];
        }
        let bad = failing_indexes(json);
        if !chunk
            .iter()
            .enumerate()
            .any(|(index, _)| bad.iter().any(|(i, _)| *i == index))
        {
            tracing::error!(body = %short(text), "400 without usable indexes; deliveries failed");
            return vec![Settle::Fail(chunk, format!("400: {}", short(text)))];
        }
        let mut settles = Vec::new();
        let mut rest = Vec::new();
        for (index, delivery) in chunk.into_iter().enumerate() {
            match bad.iter().find(|(i, _)| *i == index) {
                Some((_, field)) => settles.push(Settle::Fail(
                    vec![delivery],
                    format!("400 {error}: {field}"),
                )),
                None => rest.push(delivery),
            }
        }
        if !rest.is_empty() {
            if round >= MAX_RESEND_ROUNDS {
                settles.push(Settle::Retry(rest, format!("400: {}", short(text))));
            } else {
                work.push_back((rest, round + 1));
            }
        }
        settles
    }
}

/// The body as sent, with the API key replaced, holding as many whole items as fit in
/// [`MAX_BODY_CHARS`]; `true` when items were left out.
fn redacted_body(key: &BatchKey, chunk: &[Delivery]) -> (String, bool) {
    let mut size = 0;
    let kept = chunk
        .iter()
        .take_while(|delivery| {
            size += delivery.payload.len() + 1;
            size < MAX_BODY_CHARS
        })
        .count();
    let redacted = BatchKey {
        api_key: "<redacted>".to_owned(),
        ..key.clone()
    };
    let (_, body) = build_body(&redacted, chunk.get(..kept).unwrap_or_default());
    (body, kept < chunk.len())
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(body)?;
    encoder.finish()
}

fn ids_of(deliveries: &[Delivery]) -> Vec<DeliveryId> {
    deliveries.iter().map(|d| d.id).collect()
}

/// How many of `deliveries` each mapping has, in first-seen order.
fn by_mapping(deliveries: &[Delivery]) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> = Vec::new();
    for delivery in deliveries {
        match counts.iter_mut().find(|(m, _)| *m == delivery.mapping) {
            Some((_, count)) => *count += 1,
            None => counts.push((delivery.mapping.clone(), 1)),
        }
    }
    counts
}

/// Splits leased deliveries into requests that fit the endpoint's byte limit.
/// A body's bytes besides its items, and how many body bytes an item byte may take.
fn body_overhead(key: &BatchKey) -> (usize, usize) {
    // Form encoding can triple a byte (`"` → `%22`); JSON bodies add one comma per item.
    match key.field {
        Some(_) => (
            64 + key.api_key.len() * 3 + key.options.as_ref().map_or(0, |o| o.len() * 3),
            3,
        ),
        None => (
            64 + key.api_key.len() + key.options.as_ref().map_or(0, String::len),
            1,
        ),
    }
}

/// What one request of `key` carries at most: items, and bytes counted as
/// [`WaitingKey::bytes`] counts them (payload bytes plus one per item).
fn request_capacity(key: &BatchKey) -> (usize, usize) {
    let limits = limits_for(&key.url);
    let (overhead, factor) = body_overhead(key);
    (
        limits.max_items,
        limits.max_bytes.saturating_sub(overhead + 1) / factor,
    )
}

fn pack(key: &BatchKey, leased: Vec<Delivery>, limits: EndpointLimits) -> Vec<Vec<Delivery>> {
    let (overhead, factor) = body_overhead(key);
    let mut chunks = Vec::new();
    let mut current: Vec<Delivery> = Vec::new();
    let mut size = overhead;
    for delivery in leased {
        let item = delivery.payload.len().saturating_mul(factor) + factor;
        if !current.is_empty() && size + item >= limits.max_bytes {
            chunks.push(std::mem::take(&mut current));
            size = overhead;
        }
        size += item;
        current.push(delivery);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// `u:<user>` / `d:<device>` keys named by a 429 (throttled or over the daily quota).
fn throttled_keys(json: Option<&Value>) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let Some(json) = json else {
        return keys;
    };
    for (field, prefix) in [
        ("throttled_users", "u:"),
        ("exceeded_daily_quota_users", "u:"),
        ("throttled_devices", "d:"),
        ("exceeded_daily_quota_devices", "d:"),
    ] {
        if let Some(Value::Object(ids)) = json.get(field) {
            keys.extend(ids.keys().map(|id| format!("{prefix}{id}")));
        }
    }
    keys
}

/// (item index, field) pairs a 400 names.
fn failing_indexes(json: Option<&Value>) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let Some(json) = json else {
        return found;
    };
    for group in [
        "events_with_invalid_fields",
        "events_with_missing_fields",
        "events_with_invalid_id_lengths",
    ] {
        if let Some(Value::Object(fields)) = json.get(group) {
            for (field, indexes) in fields {
                for index in indexes.as_array().into_iter().flatten() {
                    if let Some(index) = index.as_u64().and_then(|i| usize::try_from(i).ok()) {
                        found.push((index, format!("{group}.{field}")));
                    }
                }
            }
        }
    }
    if let Some(Value::Array(indexes)) = json.get("silenced_events") {
        for index in indexes {
            if let Some(index) = index.as_u64().and_then(|i| usize::try_from(i).ok()) {
                found.push((index, "silenced_events".to_owned()));
            }
        }
    }
    found
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ampline_queue::EventId;
    use serde_json::json;

    fn delivery(id: i64, payload: &str) -> Delivery {
        Delivery {
            id: DeliveryId(id),
            event_id: EventId(id),
            mapping: "m".into(),
            batch_key: String::new(),
            throttle_key: None,
            payload: payload.as_bytes().to_vec(),
            received_at_ms: 0,
            due_at_ms: 0,
            attempts: 0,
            last_error: None,
        }
    }

    #[test]
    fn urls_keep_their_path_under_the_configured_base() {
        let url = "https://api2.amplitude.com/2/httpapi";
        assert_eq!(
            target_url(url, Some("http://127.0.0.1:9/")),
            "http://127.0.0.1:9/2/httpapi"
        );
        assert_eq!(target_url(url, None), url);
        assert_eq!(
            limits_for("https://api2.amplitude.com/batch").max_bytes,
            20_000_000
        );
        assert_eq!(
            limits_for("https://api2.amplitude.com/identify").max_items,
            1024
        );
    }

    #[test]
    fn json_bodies_are_rebuilt_from_stored_items() {
        let key = BatchKey {
            url: "https://api2.amplitude.com/2/httpapi".into(),
            api_key: "K".into(),
            field: None,
            options: Some("{\"min_id_length\":1}".into()),
        };
        let (content_type, body) =
            build_body(&key, &[delivery(1, "{\"a\":1}"), delivery(2, "{\"b\":2}")]);
        assert_eq!(content_type, ContentType::Json);
        assert_eq!(
            body,
            r#"{"api_key":"K","events":[{"a":1},{"b":2}],"options":{"min_id_length":1}}"#
        );
    }

    #[test]
    fn form_bodies_carry_the_items_as_a_json_array() {
        let key = BatchKey {
            url: "https://api2.amplitude.com/identify".into(),
            api_key: "K".into(),
            field: Some("identification".into()),
            options: None,
        };
        let (content_type, body) = build_body(&key, &[delivery(1, "{\"user_id\":\"u\"}")]);
        assert_eq!(content_type, ContentType::Form);
        assert_eq!(
            body,
            "api_key=K&identification=%5B%7B%22user_id%22%3A%22u%22%7D%5D"
        );
    }

    #[test]
    fn fresh_items_go_out_full_or_after_lingering() {
        let key = |items: usize, bytes: usize, since_ms: i64| WaitingKey {
            batch_key: BatchKey {
                url: "https://api2.amplitude.com/2/httpapi".into(),
                api_key: "K".into(),
                field: None,
                options: None,
            }
            .encode(),
            items,
            bytes,
            since_ms,
        };
        let options = SenderOptions {
            linger: Duration::from_millis(250),
            ..SenderOptions::default()
        };
        let waiting = [
            key(2_000, 10, 900),   // full by items: one request now
            key(10, 999_934, 900), // full by bytes: 1 MB less the body's 66 bytes of its own
            key(10, 10, 700),      // lingered 300 ms: everything, partial request too
            key(10, 10, 800),      // ready at 1,050
            key(10, 10, 900),      // ready at 1,150
        ];
        let (ready, next) = ready_keys(waiting.iter(), 1_000, &options, false);
        let requests: Vec<usize> = ready.iter().map(|r| r.requests).collect();
        assert_eq!(requests, [1, 1, FRESH_REQUESTS_PER_ROUND]);
        assert_eq!(next, Some(1_050));

        let (ready, next) = ready_keys(waiting.iter(), 1_000, &options, true);
        assert_eq!(ready.len(), 5, "draining sends everything");
        assert_eq!(next, None);
    }

    #[test]
    fn packing_respects_the_byte_limit() {
        let key = BatchKey {
            url: "https://api2.amplitude.com/2/httpapi".into(),
            api_key: "K".into(),
            field: None,
            options: None,
        };
        let item = "x".repeat(400);
        let leased: Vec<Delivery> = (0..10).map(|i| delivery(i, &item)).collect();
        let limits = EndpointLimits {
            max_items: 2000,
            max_bytes: 1000,
        };
        let chunks = pack(&key, leased, limits);
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(build_body(&key, chunk).1.len() < 1000);
        }
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 10);
    }

    #[test]
    fn responses_name_throttled_ids_and_failing_indexes() {
        let throttled = throttled_keys(Some(&json!({
            "throttled_users": {"u1": 31}, "throttled_devices": {"d1": 40}
        })));
        assert_eq!(throttled.into_iter().collect::<Vec<_>>(), ["d:d1", "u:u1"]);
        let failing = failing_indexes(Some(&json!({
            "events_with_invalid_fields": {"time": [2]}, "events_with_missing_fields": {"event_type": [0]}
        })));
        assert_eq!(
            failing,
            [
                (2, "events_with_invalid_fields.time".to_owned()),
                (0, "events_with_missing_fields.event_type".to_owned())
            ]
        );
    }
}
