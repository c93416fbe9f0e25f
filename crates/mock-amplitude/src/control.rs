//! `/_mock/…`: the test's side door. Query what was accepted and the request log, reset, arm
//! faults, step a manual clock. Never subject to faults, never in the request log, and no path
//! of Amplitude's starts with `/_mock`.

use crate::faults::parse_command;
use crate::records::{RecordFilter, RecordKind};
use crate::reply::Reply;
use crate::routes::render;
use crate::shared::Shared;
use crate::validate::form::{parse_urlencoded, FormFields};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub fn control_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_mock/health", get(health))
        .route("/_mock/summary", get(summary))
        .route("/_mock/requests", get(requests))
        .route("/_mock/reset", post(reset))
        .route(
            "/_mock/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/_mock/clock", get(clock).post(step_clock))
        .route("/_mock/{kind}", get(records))
}

fn ok(body: Value) -> Response {
    render(&Reply::json(200, body))
}

fn bad(message: impl Into<String>) -> Response {
    render(&Reply::json(400, json!({"error": message.into()})))
}

async fn health() -> Response {
    ok(json!({"status": "ok"}))
}

async fn summary(State(shared): State<Arc<Shared>>) -> Response {
    let store = shared.store();
    ok(json!({
        "totals": store.totals().to_json(),
        "state_file_error": store.journal_error(),
        "now_ms": shared.now_ms(),
    }))
}

fn query(uri: &Uri) -> FormFields {
    parse_urlencoded(uri.query().unwrap_or("").as_bytes())
}

/// `limit`/`offset` page the items; `count` is always the total matching.
fn page(query: &FormFields) -> Result<(usize, usize), String> {
    let number = |name: &str, default: usize| match query.get(name) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| format!("{name} must be a non-negative integer")),
    };
    Ok((number("offset", 0)?, number("limit", usize::MAX)?))
}

/// `GET /_mock/{events,identifies,groupidentifies,usermaps,deletions}?field=value&…`
async fn records(
    State(shared): State<Arc<Shared>>,
    Path(kind): Path<String>,
    uri: Uri,
) -> Response {
    let Some(kind) = RecordKind::from_name(&kind) else {
        return render(&Reply::json(
            404,
            json!({"error": format!("no /_mock/{kind}")}),
        ));
    };
    let query = query(&uri);
    let (offset, limit) = match page(&query) {
        Ok(page) => page,
        Err(message) => return bad(message),
    };
    let mut filter = RecordFilter::new();
    for (name, value) in query_pairs(&query) {
        match name {
            "limit" | "offset" => {}
            "request_id" => match value.parse() {
                Ok(id) => filter = filter.request_id(id),
                Err(_) => return bad("request_id must be an integer"),
            },
            "project" => filter = filter.project(value),
            "endpoint" => filter = filter.endpoint(value),
            field => filter = filter.field(field, value),
        }
    }
    let store = shared.store();
    let mut count = 0;
    let mut items = Vec::new();
    for record in store.records(kind, &filter) {
        if count >= offset && items.len() < limit {
            items.push(record.to_json());
        }
        count += 1;
    }
    ok(json!({"count": count, "items": items}))
}

fn query_pairs(query: &FormFields) -> Vec<(&str, &str)> {
    query.pairs().collect()
}

/// `GET /_mock/requests?status=&path=&request_id=`
async fn requests(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let query = query(&uri);
    let (offset, limit) = match page(&query) {
        Ok(page) => page,
        Err(message) => return bad(message),
    };
    let status = query.get("status").map(str::to_owned);
    let path = query.get("path").map(str::to_owned);
    let request_id = query.get("request_id").map(str::to_owned);
    let store = shared.store();
    let matching: Vec<Value> = store
        .requests()
        .filter(|entry| {
            status.as_deref().is_none_or(|wanted| {
                entry.status.map_or("dropped".to_owned(), |s| s.to_string()) == wanted
            }) && path.as_deref().is_none_or(|wanted| entry.path == wanted)
                && request_id
                    .as_deref()
                    .is_none_or(|wanted| entry.request_id.to_string() == wanted)
        })
        .map(|entry| entry.to_json())
        .collect();
    let count = matching.len();
    let items: Vec<Value> = matching.into_iter().skip(offset).take(limit).collect();
    ok(json!({"count": count, "items": items}))
}

/// Forgets records, de-duplication, rate windows, the request log and every fault.
async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.faults().clear();
    shared.store().reset();
    ok(json!({"reset": true}))
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Response {
    let now_ms = shared.now_ms();
    ok(shared.faults().to_json(now_ms))
}

/// Body: one fault command or an array of them (see `faults::parse_command`).
async fn add_faults(State(shared): State<Arc<Shared>>, body: Body) -> Response {
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return bad("unreadable body"),
    };
    let commands = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(commands)) => commands,
        Ok(command) => vec![command],
        Err(error) => return bad(format!("invalid JSON: {error}")),
    };
    let parsed: Result<Vec<_>, String> = commands.iter().map(parse_command).collect();
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return bad(error),
    };
    let now_ms = shared.now_ms();
    let mut faults = shared.faults();
    for command in parsed {
        faults.apply(command, now_ms);
    }
    ok(faults.to_json(now_ms))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.faults().clear();
    ok(json!({"cleared": true}))
}

async fn clock(State(shared): State<Arc<Shared>>) -> Response {
    let manual = shared.config.clock.as_manual().is_some();
    ok(json!({"now_ms": shared.now_ms(), "manual": manual}))
}

/// `{"advance_ms": N}` or `{"set_ms": N}`; only for a mock started with a manual clock.
async fn step_clock(State(shared): State<Arc<Shared>>, body: Body) -> Response {
    let Some(clock) = shared.config.clock.as_manual() else {
        return render(&Reply::json(
            409,
            json!({"error": "the mock runs on the system clock (start it with a manual clock)"}),
        ));
    };
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return bad("unreadable body"),
    };
    let command: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(advance) = command.get("advance_ms").and_then(Value::as_u64) {
        clock.advance(Duration::from_millis(advance));
    } else if let Some(set) = command.get("set_ms").and_then(Value::as_u64) {
        clock.set_ms(set);
    } else {
        return bad("expected {\"advance_ms\": N} or {\"set_ms\": N}");
    }
    ok(json!({"now_ms": shared.now_ms(), "manual": true}))
}
