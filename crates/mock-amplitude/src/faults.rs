//! Fault injection: scripted failures that tests (library API), the command line and the
//! `/_mock/faults` endpoint can arm. Faults apply to Amplitude's endpoints only, never to
//! `/_mock/…`.
//!
//! A request first waits the global latency; then, while "down", gets the down outcome; otherwise
//! the first armed rule whose path matches is consumed (rules with a count run out, rules without
//! stay until cleared). ID-level faults (throttle these users/devices, silence these devices) act
//! later, once the events are parsed.

use crate::reply::{Reply, ReplyBody};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// The body a fault status carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultBody {
    /// Amplitude's JSON shape, `{"code":N,"error":…}` (403 and 413 with their documented texts).
    Amplitude,
    /// A proxy's HTML error page.
    Html,
    Empty,
    Text(String),
}

impl FaultBody {
    pub fn reply(&self, status: u16) -> Reply {
        match self {
            FaultBody::Amplitude => Reply::for_status(status),
            FaultBody::Html => Reply::html_page(status),
            FaultBody::Empty => Reply::empty(status),
            FaultBody::Text(text) => Reply {
                status,
                body: ReplyBody::Text(text.clone()),
            },
        }
    }
}

/// What happens to a request a fault catches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultOutcome {
    /// Only the rule's delay: the request is then served normally.
    Normal,
    /// Answer `status`. With `ingest`, the request is processed (and recorded) first and the
    /// answer replaced — Amplitude's "500/502/504 may have been ingested".
    Status {
        status: u16,
        body: FaultBody,
        ingest: bool,
    },
    /// Close the connection without an answer.
    Drop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Amplitude path (`/batch`, `/2/httpapi`, …); `None` matches every endpoint.
    pub path: Option<String>,
    /// Requests left; `None` = until cleared.
    pub remaining: Option<u32>,
    pub delay: Duration,
    pub outcome: FaultOutcome,
}

impl FaultRule {
    /// The next request fails with `status` (Amplitude-shaped body, nothing ingested).
    pub fn status(status: u16) -> FaultRule {
        FaultRule {
            path: None,
            remaining: Some(1),
            delay: Duration::ZERO,
            outcome: FaultOutcome::Status {
                status,
                body: FaultBody::Amplitude,
                ingest: false,
            },
        }
    }

    /// The next request's connection is closed without an answer.
    pub fn drop_connection() -> FaultRule {
        FaultRule {
            outcome: FaultOutcome::Drop,
            ..FaultRule::status(0)
        }
    }

    /// The next request is answered normally after `delay`.
    pub fn delay(delay: Duration) -> FaultRule {
        FaultRule {
            delay,
            outcome: FaultOutcome::Normal,
            ..FaultRule::status(0)
        }
    }

    pub fn times(mut self, count: u32) -> FaultRule {
        self.remaining = Some(count);
        self
    }

    pub fn always(mut self) -> FaultRule {
        self.remaining = None;
        self
    }

    pub fn on_path(mut self, path: impl Into<String>) -> FaultRule {
        self.path = Some(path.into());
        self
    }

    pub fn after(mut self, delay: Duration) -> FaultRule {
        self.delay = delay;
        self
    }

    pub fn with_body(mut self, new_body: FaultBody) -> FaultRule {
        if let FaultOutcome::Status { body, .. } = &mut self.outcome {
            *body = new_body;
        }
        self
    }

    /// Process the request before answering the fault status.
    pub fn ingested(mut self) -> FaultRule {
        if let FaultOutcome::Status { ingest, .. } = &mut self.outcome {
            *ingest = true;
        }
        self
    }

    fn matches(&self, path: &str) -> bool {
        self.remaining != Some(0) && self.path.as_deref().is_none_or(|wanted| wanted == path)
    }
}

/// The decision for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub delay: Duration,
    pub outcome: FaultOutcome,
    /// Names the fault in the request log.
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
    latency: Duration,
    down: Option<(u64, FaultOutcome)>,
    throttled_ids: BTreeSet<String>,
    silenced_devices: BTreeSet<String>,
}

impl Faults {
    pub fn push(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    /// Every request waits this long first.
    pub fn set_latency(&mut self, latency: Duration) {
        self.latency = latency;
    }

    /// Until `until_ms` (mock clock), every request gets `outcome`.
    pub fn set_down_until(&mut self, until_ms: u64, outcome: FaultOutcome) {
        self.down = Some((until_ms, outcome));
    }

    /// Events of these user or device IDs get a 429 whatever the rate.
    pub fn throttle_ids(&mut self, ids: impl IntoIterator<Item = String>) {
        self.throttled_ids.extend(ids);
    }

    /// Events of these devices get Amplitude's 400 "Events silenced for device_id".
    pub fn silence_devices(&mut self, ids: impl IntoIterator<Item = String>) {
        self.silenced_devices.extend(ids);
    }

    pub fn throttled_ids(&self) -> &BTreeSet<String> {
        &self.throttled_ids
    }

    pub fn silenced_devices(&self) -> &BTreeSet<String> {
        &self.silenced_devices
    }

    pub fn clear(&mut self) {
        *self = Faults::default();
    }

    pub fn decide(&mut self, path: &str, now_ms: u64) -> Decision {
        let mut decision = Decision {
            delay: self.latency,
            outcome: FaultOutcome::Normal,
            label: None,
        };
        if let Some((until_ms, outcome)) = &self.down {
            if now_ms < *until_ms {
                decision.outcome = outcome.clone();
                decision.label = Some("down".to_owned());
                return decision;
            }
            self.down = None;
        }
        if let Some(rule) = self.rules.iter_mut().find(|rule| rule.matches(path)) {
            if let Some(remaining) = &mut rule.remaining {
                *remaining -= 1;
            }
            decision.delay += rule.delay;
            decision.outcome = rule.outcome.clone();
            decision.label = Some(describe_outcome(&rule.outcome, rule.delay));
        }
        self.rules.retain(|rule| rule.remaining != Some(0));
        decision
    }

    /// The armed faults, as the control endpoint shows them.
    pub fn to_json(&self, now_ms: u64) -> Value {
        json!({
            "rules": self.rules.iter().map(rule_to_json).collect::<Vec<_>>(),
            "latency_ms": duration_ms(self.latency),
            "down_for_ms": self.down.as_ref().map(|(until, _)| until.saturating_sub(now_ms)),
            "throttle_ids": self.throttled_ids,
            "silence_devices": self.silenced_devices,
        })
    }

    /// Applies one control command (see [`parse_command`]).
    pub fn apply(&mut self, command: FaultCommand, now_ms: u64) {
        match command {
            FaultCommand::Rule(rule) => self.push(rule),
            FaultCommand::Latency(latency) => self.set_latency(latency),
            FaultCommand::DownFor(duration, outcome) => {
                let until = now_ms.saturating_add(duration_ms(duration));
                self.set_down_until(until, outcome);
            }
            FaultCommand::ThrottleIds(ids) => self.throttle_ids(ids),
            FaultCommand::SilenceDevices(ids) => self.silence_devices(ids),
        }
    }
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn describe_outcome(outcome: &FaultOutcome, delay: Duration) -> String {
    let delay = if delay.is_zero() {
        String::new()
    } else {
        format!(" after {}ms", delay.as_millis())
    };
    match outcome {
        FaultOutcome::Normal => format!("delay{delay}"),
        FaultOutcome::Drop => format!("drop{delay}"),
        FaultOutcome::Status { status, ingest, .. } => {
            let ingested = if *ingest { " (ingested)" } else { "" };
            format!("status {status}{ingested}{delay}")
        }
    }
}

fn rule_to_json(rule: &FaultRule) -> Value {
    let mut out = Map::new();
    out.insert("path".into(), json!(rule.path));
    out.insert("count".into(), json!(rule.remaining));
    out.insert("delay_ms".into(), json!(duration_ms(rule.delay)));
    match &rule.outcome {
        FaultOutcome::Normal => {}
        FaultOutcome::Drop => {
            out.insert("drop".into(), json!(true));
        }
        FaultOutcome::Status {
            status,
            body,
            ingest,
        } => {
            out.insert("status".into(), json!(status));
            out.insert("ingest".into(), json!(ingest));
            let body = match body {
                FaultBody::Amplitude => json!("amplitude"),
                FaultBody::Html => json!("html"),
                FaultBody::Empty => json!("empty"),
                FaultBody::Text(text) => json!({"text": text}),
            };
            out.insert("body".into(), body);
        }
    }
    Value::Object(out)
}

/// One thing to arm, as sent to `POST /_mock/faults` or `--fault`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultCommand {
    Rule(FaultRule),
    Latency(Duration),
    DownFor(Duration, FaultOutcome),
    ThrottleIds(Vec<String>),
    SilenceDevices(Vec<String>),
}

/// Parses a fault command:
/// - `{"status":503,"count":2,"path":"/batch","body":"amplitude"|"html"|"empty"|{"text":"…"},"ingest":false,"delay_ms":0}`
/// - `{"drop":true,"count":1}`, `{"delay_ms":2000,"count":1}` (count omitted = 1; `"count":null` = until cleared)
/// - `{"latency_ms":100}`, `{"down_for_ms":5000}` (503 unless `status` or `drop` says otherwise)
/// - `{"throttle_ids":["user-1"]}`, `{"silence_devices":["device-1"]}`
pub fn parse_command(command: &Value) -> Result<FaultCommand, String> {
    let Value::Object(fields) = command else {
        return Err("a fault is a JSON object".into());
    };
    let millis = |name: &str| -> Result<Option<Duration>, String> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .map(|ms| Some(Duration::from_millis(ms)))
                .ok_or_else(|| format!("{name} must be a non-negative integer")),
        }
    };
    let strings = |name: &str| -> Result<Option<Vec<String>>, String> {
        match fields.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("{name} must be an array of strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(format!("{name} must be an array of strings")),
        }
    };
    if let Some(ids) = strings("throttle_ids")? {
        return Ok(FaultCommand::ThrottleIds(ids));
    }
    if let Some(ids) = strings("silence_devices")? {
        return Ok(FaultCommand::SilenceDevices(ids));
    }
    if let Some(latency) = millis("latency_ms")? {
        return Ok(FaultCommand::Latency(latency));
    }
    let outcome = parse_outcome(fields)?;
    if let Some(duration) = millis("down_for_ms")? {
        let outcome = match outcome {
            FaultOutcome::Normal => FaultOutcome::Status {
                status: 503,
                body: FaultBody::Amplitude,
                ingest: false,
            },
            other => other,
        };
        return Ok(FaultCommand::DownFor(duration, outcome));
    }
    let delay = millis("delay_ms")?.unwrap_or_default();
    if outcome == FaultOutcome::Normal && delay.is_zero() {
        return Err("a fault needs status, drop, delay_ms, latency_ms, down_for_ms, throttle_ids or silence_devices".into());
    }
    let remaining = match fields.get("count") {
        None => Some(1),
        Some(Value::Null) => None,
        Some(count) => Some(
            count
                .as_u64()
                .and_then(|count| u32::try_from(count).ok())
                .ok_or("count must be a non-negative integer")?,
        ),
    };
    let path = match fields.get("path") {
        None | Some(Value::Null) => None,
        Some(Value::String(path)) => Some(path.clone()),
        Some(_) => return Err("path must be a string".into()),
    };
    Ok(FaultCommand::Rule(FaultRule {
        path,
        remaining,
        delay,
        outcome,
    }))
}

fn parse_outcome(fields: &Map<String, Value>) -> Result<FaultOutcome, String> {
    if fields.get("drop") == Some(&Value::Bool(true)) {
        return Ok(FaultOutcome::Drop);
    }
    let Some(status) = fields.get("status") else {
        return Ok(FaultOutcome::Normal);
    };
    let status = status
        .as_u64()
        .and_then(|status| u16::try_from(status).ok())
        .filter(|status| (100..=599).contains(status))
        .ok_or("status must be an HTTP status code")?;
    let body = match fields.get("body") {
        None | Some(Value::Null) => FaultBody::Amplitude,
        Some(Value::String(kind)) => match kind.as_str() {
            "amplitude" | "json" => FaultBody::Amplitude,
            "html" => FaultBody::Html,
            "empty" => FaultBody::Empty,
            other => return Err(format!("unknown body kind {other:?}")),
        },
        Some(Value::Object(body)) => match body.get("text") {
            Some(Value::String(text)) => FaultBody::Text(text.clone()),
            _ => return Err("a body object is {\"text\": \"…\"}".into()),
        },
        Some(_) => return Err("body must be a string or {\"text\": \"…\"}".into()),
    };
    let ingest = fields.get("ingest") == Some(&Value::Bool(true));
    Ok(FaultOutcome::Status {
        status,
        body,
        ingest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_rules_run_out_and_match_paths() {
        let mut faults = Faults::default();
        faults.push(FaultRule::status(503).times(2).on_path("/batch"));
        assert_eq!(faults.decide("/2/httpapi", 0).outcome, FaultOutcome::Normal);
        for _ in 0..2 {
            assert!(matches!(
                faults.decide("/batch", 0).outcome,
                FaultOutcome::Status { status: 503, .. }
            ));
        }
        assert_eq!(faults.decide("/batch", 0).outcome, FaultOutcome::Normal);
        assert_eq!(faults.to_json(0)["rules"], json!([]));
    }

    #[test]
    fn down_lasts_until_the_clock_passes_it() {
        let mut faults = Faults::default();
        faults.apply(
            FaultCommand::DownFor(Duration::from_secs(5), FaultOutcome::Drop),
            1_000,
        );
        assert_eq!(faults.decide("/batch", 5_999).outcome, FaultOutcome::Drop);
        assert_eq!(faults.decide("/batch", 6_000).outcome, FaultOutcome::Normal);
    }

    #[test]
    fn latency_adds_to_rule_delay() {
        let mut faults = Faults::default();
        faults.set_latency(Duration::from_millis(10));
        faults.push(FaultRule::delay(Duration::from_millis(5)).always());
        let decision = faults.decide("/identify", 0);
        assert_eq!(decision.delay, Duration::from_millis(15));
        assert_eq!(
            faults.decide("/identify", 0).delay,
            Duration::from_millis(15)
        );
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            parse_command(
                &json!({"status":502,"count":3,"path":"/batch","body":"html","ingest":true})
            ),
            Ok(FaultCommand::Rule(
                FaultRule::status(502)
                    .times(3)
                    .on_path("/batch")
                    .with_body(FaultBody::Html)
                    .ingested()
            ))
        );
        assert_eq!(
            parse_command(&json!({"drop":true,"count":null})),
            Ok(FaultCommand::Rule(FaultRule::drop_connection().always()))
        );
        assert_eq!(
            parse_command(&json!({"down_for_ms":100})),
            Ok(FaultCommand::DownFor(
                Duration::from_millis(100),
                FaultOutcome::Status {
                    status: 503,
                    body: FaultBody::Amplitude,
                    ingest: false
                }
            ))
        );
        assert_eq!(
            parse_command(&json!({"throttle_ids":["u"]})),
            Ok(FaultCommand::ThrottleIds(vec!["u".into()]))
        );
        assert!(parse_command(&json!({"status":"503"})).is_err());
        assert!(parse_command(&json!({"count":2})).is_err());
        assert!(parse_command(&json!([])).is_err());
    }
}
