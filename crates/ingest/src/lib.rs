//! Segment's HTTP tracking API as a pure library: the server hands over what arrived (route,
//! a few headers, body bytes, the peer address) and gets back either the enriched messages to
//! store or the refusal to send. No I/O, no clock, no randomness: the caller passes "now", a
//! `messageId` generator and the write-key lookup, so every outcome is a function of the inputs
//! and tests are deterministic.
//!
//! [`decode_request`] runs, in order:
//! 1. `/v1/m` (analytics.js metrics) → [`Ingested::MetricsDiscarded`], nothing else looked at.
//! 2. Raw body over the request limit → 400 `request_too_large`.
//! 3. `Authorization: Basic` → the key is the username; unknown → 401 `invalid_write_key`
//!    before any decompression work. Bearer and other schemes are tolerated and ignored.
//! 4. `Content-Encoding: gzip` inflated through a bounded reader; the **decoded** body must fit
//!    the request limit (500 KB), so a zip bomb stops at limit + 1 bytes.
//! 5. JSON whatever the Content-Type (analytics.js sends `text/plain`); must be an object.
//! 6. Without a Basic key, the body's `writeKey` (batch: the envelope's, else the first item's
//!    that has one); missing → 401 `missing_write_key`, unknown → 401 `invalid_write_key`.
//!    Segment itself answers 200 to unknown keys; refusing them is this server's choice.
//! 7. Messages: each is validated (`validate.rs`: ids, `event`, `groupId`, `previousId`,
//!    object-typed `properties`/`traits`/`context`/`integrations`, `messageId` ≤ 100 chars; codes
//!    from Segment's ingest list), held to 32 KB (compact JSON, after the envelope's
//!    `context`/`integrations` are merged in) and 64 levels of nesting, then enriched
//!    (`enrich.rs`: `messageId`, `receivedAt`, `originalTimestamp`, corrected `timestamp`,
//!    `context.ip`, `type`; `writeKey` removed).
//!
//! A single-message route refuses the request (400, the message's code) when its message is
//! bad. A batch never loses good items to bad ones: bad items (and those past the 2,500th) are
//! listed in [`Accepted::rejected`] by index, the rest are accepted, and the answer is still
//! `200 {"success": true, "rejected": [..]}` — which is also what Segment's clients expect.
//! Only envelope-level faults (not JSON, no `batch` array, empty batch) refuse a batch request.
//!
//! Decisions where Segment's behaviour is undocumented:
//! - The route decides a single message's `type`; a different body `type` is overwritten.
//! - 400 for every body fault, including oversize (not 413): that is what Segment answers and
//!   what its clients treat as final.
//! - Limits are measured on the decoded body; a message's size is its compact JSON.
//! - Basic auth wins over a body `writeKey` when both are present.
//! - Numeric ids (`userId`, `anonymousId`, `groupId`, `previousId`, `messageId`) become strings;
//!   `null` and `""` ids are absent.
//! - Timestamps: `timestamp = receivedAt - (sentAt - timestamp)` when both client times parse
//!   (`Date.parse` semantics); without a valid `sentAt` the client `timestamp` is kept
//!   (normalised to ISO `Z`); without a valid `timestamp` it is `receivedAt`. The client value
//!   is kept in `originalTimestamp`. A batch envelope's valid `sentAt` overrides and replaces the
//!   items' own. `sentAt` is kept in stored messages, `writeKey` removed.
//! - Envelope `context`/`integrations` merge one level deep; the item's keys win.
//! - `context.ip` is filled (when absent or null) for every message from the connection, or
//!   from `X-Forwarded-For` when the peer is a trusted proxy; IPv6 addresses only when
//!   [`IngestConfig::collect_ipv6`] is set (Segment collects none).

mod auth;
mod body;
mod client_ip;
mod cors;
mod enrich;
mod error;
mod integrations;
mod route;
mod time;
mod validate;

pub use client_ip::{client_address, IpNet};
pub use cors::{preflight_headers, response_headers, Header, ALLOWED_HEADERS, TRACKING_METHODS};
pub use error::{ItemRejection, MessageError, Rejection};
pub use integrations::{routes_to_amplitude, ACTIONS_AMPLITUDE, AMPLITUDE_ACTIONS};
pub use route::{MessageType, Route};
pub use time::format_iso;
pub use validate::MAX_MESSAGE_ID_CHARS;

use auth::HeaderKey;
use enrich::RequestFacts;
use serde_json::{json, Map, Value};
use std::net::IpAddr;

/// Size and shape limits. The defaults are Segment's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Whole request body, measured after gzip decoding (and on the raw body too). 500 KiB.
    pub max_request_bytes: usize,
    /// One message (or batch item) as compact JSON. 32 KiB, the figure analytics-python checks.
    pub max_message_bytes: usize,
    /// Batch items processed; later items are rejected with `batch_too_large`.
    pub max_batch_messages: usize,
    /// Nesting depth of one message (`{}` is 1).
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_bytes: 500 * 1024,
            max_message_bytes: 32 * 1024,
            max_batch_messages: 2_500,
            max_json_depth: 64,
        }
    }
}

/// Server configuration the decoding depends on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IngestConfig {
    pub limits: Limits,
    /// Peers whose `X-Forwarded-For` is believed (load balancers, reverse proxies).
    pub trusted_proxies: Vec<IpNet>,
    /// Segment does not collect IPv6 addresses into `context.ip`; set this to do so anyway.
    pub collect_ipv6: bool,
}

/// What the caller provides besides the request: configuration, the key lookup, the id source
/// and the clock reading.
pub struct IngestContext<'a, S> {
    pub config: &'a IngestConfig,
    /// Write key → source; `None` for an unknown key.
    pub lookup_source: &'a dyn Fn(&str) -> Option<S>,
    /// A fresh `messageId` (at most 100 characters) for messages that lack one.
    pub new_message_id: &'a dyn Fn() -> String,
    /// Arrival time in epoch milliseconds; becomes every message's `receivedAt`.
    pub received_at_ms: i64,
}

/// What arrived.
#[derive(Debug, Clone, Copy)]
pub struct IngestRequest<'a> {
    pub route: Route,
    pub authorization: Option<&'a str>,
    pub content_encoding: Option<&'a str>,
    /// All `X-Forwarded-For` headers joined with `,` in arrival order.
    pub forwarded_for: Option<&'a str>,
    pub body: &'a [u8],
    /// The connection's remote address.
    pub peer: IpAddr,
}

/// A successfully decoded request.
#[derive(Debug, Clone, PartialEq)]
pub enum Ingested<S> {
    Events(Accepted<S>),
    /// `/v1/m`: answer 200 and drop.
    MetricsDiscarded,
}

/// The messages of an accepted request.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted<S> {
    pub source: S,
    /// Enriched messages in request order.
    pub messages: Vec<AcceptedMessage>,
    /// Batch items refused on their own; empty for single-message routes.
    pub rejected: Vec<ItemRejection>,
}

/// One enriched message and where it was in the request (0 for single-message routes).
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedMessage {
    pub index: usize,
    pub message: Value,
}

impl<S> Accepted<S> {
    /// The 200 body: `{"success": true}`, plus `"rejected": [{index, code, message}]` when batch
    /// items were refused (clients ignore extra keys).
    pub fn response_body(&self) -> Value {
        let mut body = json!({ "success": true });
        if !self.rejected.is_empty() {
            body["rejected"] = self.rejected.iter().map(ItemRejection::to_json).collect();
        }
        body
    }
}

/// The 200 body for [`Ingested::MetricsDiscarded`] and for accepted requests without rejections.
pub fn success_body() -> Value {
    json!({ "success": true })
}

/// Decodes, authenticates, validates and enriches one tracking-API request.
pub fn decode_request<S>(
    request: &IngestRequest<'_>,
    context: &IngestContext<'_, S>,
) -> Result<Ingested<S>, Rejection> {
    if request.route == Route::Metrics {
        return Ok(Ingested::MetricsDiscarded);
    }
    let limits = &context.config.limits;
    if request.body.len() > limits.max_request_bytes {
        return Err(Rejection::bad_request(
            "request_too_large",
            format!(
                "the request body exceeds {} bytes",
                limits.max_request_bytes
            ),
        ));
    }
    let header_source = match auth::key_from_header(request.authorization) {
        HeaderKey::Basic(key) => Some(lookup(context, &key)?),
        HeaderKey::Malformed(reason) => {
            return Err(Rejection::unauthorized("invalid_authorization", reason));
        }
        HeaderKey::None => None,
    };
    let decoded = body::decode_content(
        request.body,
        request.content_encoding,
        limits.max_request_bytes,
    )?;
    let Value::Object(body) = body::parse_json(&decoded)? else {
        return Err(Rejection::bad_request(
            "body_not_object",
            "the request body must be a JSON object",
        ));
    };
    drop(decoded);
    let source = match header_source {
        Some(source) => source,
        None => {
            let key = body_write_key(&body, request.route).ok_or_else(|| {
                Rejection::unauthorized(
                    "missing_write_key",
                    "send the write key as the HTTP Basic username or as `writeKey` in the body",
                )
            })?;
            lookup(context, &key)?
        }
    };

    let received_at = format_iso(context.received_at_ms).ok_or_else(|| {
        Rejection::bad_request(
            "invalid_clock",
            "the server clock is outside the date range",
        )
    })?;
    let client = client_address(
        request.peer,
        request.forwarded_for,
        &context.config.trusted_proxies,
    );
    let client_ip = (client.is_ipv4() || context.config.collect_ipv6).then(|| client.to_string());

    match request.route {
        Route::Single(message_type) => {
            let facts = RequestFacts {
                received_at_ms: context.received_at_ms,
                received_at: &received_at,
                envelope_sent_at: None,
                envelope_context: None,
                envelope_integrations: None,
                client_ip: client_ip.as_deref(),
            };
            let message = process_message(body, message_type, &facts, context)
                .map_err(|error| Rejection::bad_request(error.code, error.message))?;
            Ok(Ingested::Events(Accepted {
                source,
                messages: vec![AcceptedMessage { index: 0, message }],
                rejected: Vec::new(),
            }))
        }
        Route::Metrics => Ok(Ingested::MetricsDiscarded),
        Route::Batch => decode_batch(body, source, &received_at, client_ip.as_deref(), context),
    }
}

fn lookup<S>(context: &IngestContext<'_, S>, key: &str) -> Result<S, Rejection> {
    (context.lookup_source)(key).ok_or_else(|| {
        Rejection::unauthorized(
            "invalid_write_key",
            "the write key is not known to this server",
        )
    })
}

fn body_write_key(body: &Map<String, Value>, route: Route) -> Option<String> {
    let non_empty = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .filter(|key| !key.is_empty())
            .map(str::to_owned)
    };
    let own = non_empty(body.get("writeKey"));
    if own.is_some() || route != Route::Batch {
        return own;
    }
    body.get("batch")?
        .as_array()?
        .iter()
        .find_map(|item| non_empty(item.get("writeKey")))
}

fn decode_batch<S>(
    mut envelope: Map<String, Value>,
    source: S,
    received_at: &str,
    client_ip: Option<&str>,
    context: &IngestContext<'_, S>,
) -> Result<Ingested<S>, Rejection> {
    let limits = &context.config.limits;
    let items = match envelope.remove("batch") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => {
            return Err(Rejection::bad_request(
                "batch_not_defined",
                "a batch request needs a `batch` array",
            ))
        }
        Some(_) => {
            return Err(Rejection::bad_request(
                "batch_not_array",
                "`batch` must be an array of messages",
            ))
        }
    };
    if items.is_empty() {
        return Err(Rejection::bad_request("empty_batch", "`batch` is empty"));
    }
    let mut envelope_parts = [None, None];
    for (slot, field) in envelope_parts.iter_mut().zip(["context", "integrations"]) {
        match envelope.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                // Bounded here because it is copied into every item.
                if body::json_size(map) > limits.max_message_bytes {
                    return Err(Rejection::bad_request(
                        "message_too_large",
                        format!(
                            "the envelope `{field}` exceeds {} bytes",
                            limits.max_message_bytes
                        ),
                    ));
                }
                *slot = Some(map);
            }
            Some(_) => {
                return Err(Rejection::bad_request(
                    if field == "context" {
                        "context_not_object"
                    } else {
                        "integrations_not_object"
                    },
                    format!("the envelope `{field}` must be an object"),
                ))
            }
        }
    }
    let envelope_sent_at = envelope
        .get("sentAt")
        .and_then(|raw| time::parse_client_time(raw).map(|ms| (raw, ms)));
    let [envelope_context, envelope_integrations] = envelope_parts;
    let facts = RequestFacts {
        received_at_ms: context.received_at_ms,
        received_at,
        envelope_sent_at,
        envelope_context,
        envelope_integrations,
        client_ip,
    };

    let mut messages = Vec::with_capacity(items.len().min(limits.max_batch_messages));
    let mut rejected = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        if index >= limits.max_batch_messages {
            rejected.push(ItemRejection {
                index,
                code: "batch_too_large",
                message: format!(
                    "only the first {} messages of a batch are accepted",
                    limits.max_batch_messages
                ),
            });
            continue;
        }
        let outcome = match item {
            Value::Object(map) => batch_item_type(&map)
                .and_then(|message_type| process_message(map, message_type, &facts, context)),
            _ => Err(MessageError::new(
                "message_not_object",
                "a batch item must be a JSON object",
            )),
        };
        match outcome {
            Ok(message) => messages.push(AcceptedMessage { index, message }),
            Err(error) => rejected.push(ItemRejection {
                index,
                code: error.code,
                message: error.message,
            }),
        }
    }
    Ok(Ingested::Events(Accepted {
        source,
        messages,
        rejected,
    }))
}

fn batch_item_type(item: &Map<String, Value>) -> Result<MessageType, MessageError> {
    match item.get("type") {
        None | Some(Value::Null) => Err(MessageError::new(
            "type_not_defined",
            "a batch item needs a `type`",
        )),
        Some(Value::String(name)) => MessageType::from_type_field(name).ok_or_else(|| {
            MessageError::new(
                "type_invalid",
                format!(
                    "`type` {name:?} is not one of track, identify, page, screen, group, alias"
                ),
            )
        }),
        Some(_) => Err(MessageError::new("type_invalid", "`type` must be a string")),
    }
}

/// Validation, merge, limits and enrichment of one message.
fn process_message<S>(
    mut message: Map<String, Value>,
    message_type: MessageType,
    facts: &RequestFacts<'_>,
    context: &IngestContext<'_, S>,
) -> Result<Value, MessageError> {
    let limits = &context.config.limits;
    validate::validate_message(&mut message, message_type)?;
    enrich::merge_envelope(&mut message, facts);
    let mut message = Value::Object(message);
    if body::json_size(&message) > limits.max_message_bytes {
        return Err(MessageError::new(
            "message_too_large",
            format!("the message exceeds {} bytes", limits.max_message_bytes),
        ));
    }
    if body::json_depth(&message) > limits.max_json_depth {
        return Err(MessageError::new(
            "message_too_deep",
            format!(
                "the message nests deeper than {} levels",
                limits.max_json_depth
            ),
        ));
    }
    if let Value::Object(map) = &mut message {
        enrich::enrich(map, message_type.as_str(), facts, context.new_message_id);
    }
    Ok(message)
}
