//! Amplitude's endpoints over HTTP: read the body, run the pure validation, hand what passed to
//! the store, render the `Reply`. Each handler leaves an [`Outcome`] on its response for the
//! request log.

use crate::config::Region;
use crate::reply::{Reply, ReplyBody};
use crate::shared::Shared;
use crate::store::RateClass;
use crate::validate::body::{decode_body, is_json, media_type, BodyError};
use crate::validate::dashboard::{basic_credentials, parse_deletion_request};
use crate::validate::events::{check_events, normalize_item, parse_events_request, FieldRules};
use crate::validate::form::{multipart_boundary, parse_multipart, parse_urlencoded, FormFields};
use crate::validate::items::{
    check_group_identifications, check_identifications, check_mappings, form_api_key,
    form_min_id_length, json_items,
};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::{Extension, Router};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde_json::json;
use serde_json::Value;
use std::sync::Arc;

/// Per-request facts the serving layer decided before routing.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext {
    pub request_id: u64,
    /// The region the request reached (by host or `/eu`, `/us` prefix); `None` = either.
    pub region: Option<Region>,
}

/// What a handler did, for the request log.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub project: Option<Arc<str>>,
    pub received: usize,
    pub accepted: usize,
    pub duplicates: usize,
    pub error: Option<String>,
}

type Handled = Result<Reply, Reply>;

pub fn amplitude_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/2/httpapi", only(post(httpapi)))
        .route("/batch", only(post(batch)))
        .route("/identify", only(get(identify).post(identify)))
        .route(
            "/groupidentify",
            only(get(group_identify).post(group_identify)),
        )
        .route("/usermap", only(get(usermap).post(usermap)))
        .route(
            "/api/2/deletions/users",
            only(get(list_deletions).post(request_deletion)),
        )
        .route("/api/2/usersearch", only(get(usersearch)))
        .fallback(invalid_path)
}

/// A wrong method on a known path gets the same answer as an unknown path.
fn only(router: MethodRouter<Arc<Shared>>) -> MethodRouter<Arc<Shared>> {
    router.fallback(invalid_path)
}

async fn invalid_path() -> Response {
    render(&Reply::invalid_request_path())
}

/// Renders a reply; 401s carry the Basic challenge.
pub fn render(reply: &Reply) -> Response {
    let (content_type, bytes) = match &reply.body {
        ReplyBody::Json(body) => (
            Some("application/json"),
            serde_json::to_vec(body).unwrap_or_default(),
        ),
        ReplyBody::Text(text) => (Some("text/plain; charset=utf-8"), text.clone().into_bytes()),
        ReplyBody::Html(html) => (Some("text/html"), html.clone().into_bytes()),
        ReplyBody::Empty => (None, Vec::new()),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(content_type) = content_type {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if reply.status == 401 {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Amplitude\""),
        );
    }
    response
}

fn finish(handled: Handled, mut outcome: Outcome) -> Response {
    let reply = match handled {
        Ok(reply) | Err(reply) => reply,
    };
    outcome.error = reply.error_message().map(str::to_owned);
    let mut response = render(&reply);
    response.extensions_mut().insert(outcome);
    response
}

async fn read_body(body: Body, max_bytes: usize) -> Result<Bytes, Reply> {
    // Read past the limit (up to twice it) so an oversized body is drained and the client reads
    // the 413 instead of a reset connection.
    let drain_limit = max_bytes.saturating_mul(2).max(max_bytes.saturating_add(1));
    match Limited::new(body, drain_limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(Reply::payload_too_large())
        }
        Err(_) => Err(Reply::missing_body()),
    }
}

fn header(headers: &HeaderMap, name: axum::http::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

async fn decoded_body(headers: &HeaderMap, body: Body, max_bytes: usize) -> Result<Vec<u8>, Reply> {
    let raw = read_body(body, max_bytes).await?;
    decode_body(&raw, header(headers, CONTENT_ENCODING), max_bytes).map_err(|error| match error {
        BodyError::TooLarge => Reply::payload_too_large(),
        BodyError::Undecodable => Reply::invalid_json(),
    })
}

async fn httpapi(
    State(shared): State<Arc<Shared>>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut outcome = Outcome::default();
    let handled = ingest_events(
        &shared,
        context,
        &headers,
        body,
        RateClass::Realtime,
        &mut outcome,
    )
    .await;
    finish(handled, outcome)
}

async fn batch(
    State(shared): State<Arc<Shared>>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut outcome = Outcome::default();
    let handled = ingest_events(
        &shared,
        context,
        &headers,
        body,
        RateClass::Batch,
        &mut outcome,
    )
    .await;
    finish(handled, outcome)
}

async fn ingest_events(
    shared: &Shared,
    context: RequestContext,
    headers: &HeaderMap,
    body: Body,
    class: RateClass,
    outcome: &mut Outcome,
) -> Handled {
    let config = &shared.config;
    let limits = &config.limits;
    let (path, max_bytes) = match class {
        RateClass::Realtime => ("/2/httpapi", limits.httpapi_max_bytes),
        RateClass::Batch => ("/batch", limits.batch_max_bytes),
    };
    let decoded = decoded_body(headers, body, max_bytes).await?;
    if decoded.iter().all(u8::is_ascii_whitespace) {
        return Err(Reply::missing_body());
    }
    if config.require_json_content_type && !is_json(header(headers, CONTENT_TYPE)) {
        return Err(Reply::invalid_json());
    }
    let request = parse_events_request(&decoded, limits, config.index_reporting)?;
    outcome.received = request.events.len();
    let project = shared.project_for_key(&request.api_key, context.region)?;
    outcome.project = Some(Arc::clone(&project));
    let rules = FieldRules::events(request.min_id_length);
    let problems = check_events(&request.events, &rules, config.index_reporting);
    if !problems.is_empty() {
        return Err(problems.into_reply(None));
    }
    let now_ms = shared.now_ms();
    let mut events = request.events;
    for event in &mut events {
        normalize_item(
            event,
            request.min_id_length,
            limits.max_string_chars,
            Some(now_ms),
        );
    }
    let endpoint: Arc<str> = Arc::from(path);
    let ingested = {
        let faults = shared.faults();
        let mut store = shared.store();
        store.ingest_events(
            &project,
            &endpoint,
            class,
            &mut events,
            context.request_id,
            now_ms,
            &faults,
        )?
    };
    outcome.accepted = ingested.accepted;
    outcome.duplicates = ingested.duplicates;
    let events_ingested = if config.count_duplicates {
        outcome.received
    } else {
        ingested.accepted
    };
    Ok(Reply::json(
        200,
        json!({"code": 200, "events_ingested": events_ingested,
               "payload_size_bytes": decoded.len(), "server_upload_time": now_ms}),
    ))
}

/// Form fields from the body (urlencoded or multipart) followed by the query string's.
async fn form_fields(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    max_bytes: usize,
) -> Result<FormFields, Reply> {
    let mut fields = FormFields::default();
    if method == Method::POST {
        let decoded = decoded_body(headers, body, max_bytes).await?;
        let content_type = header(headers, CONTENT_TYPE).unwrap_or("");
        fields = match multipart_boundary(content_type) {
            Some(boundary) => parse_multipart(&decoded, boundary)
                .ok_or_else(|| Reply::text(400, "invalid_form"))?,
            None => parse_urlencoded(&decoded),
        };
    }
    if let Some(query) = uri.query() {
        fields.extend(parse_urlencoded(query.as_bytes()));
    }
    Ok(fields)
}

/// What every form endpoint does first: decode the form, find the project of its `api_key`, and
/// read the JSON items of `field`, noting both in `outcome`.
struct FormRequest {
    fields: FormFields,
    project: Arc<str>,
    items: Vec<Value>,
}

async fn read_form_request(
    shared: &Shared,
    context: &RequestContext,
    request: (Method, Uri, HeaderMap, Body),
    (field, malformed): (&str, &str),
    outcome: &mut Outcome,
) -> Result<FormRequest, Reply> {
    let (method, uri, headers, body) = request;
    let fields = form_fields(
        &method,
        &uri,
        &headers,
        body,
        shared.config.limits.form_max_bytes,
    )
    .await?;
    let project = shared.project_for_key(form_api_key(&fields)?, context.region)?;
    outcome.project = Some(Arc::clone(&project));
    let items = json_items(&fields, field, malformed)?;
    outcome.received = items.len();
    Ok(FormRequest {
        fields,
        project,
        items,
    })
}

async fn identify(
    State(shared): State<Arc<Shared>>,
    Extension(context): Extension<RequestContext>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut outcome = Outcome::default();
    let handled = async {
        let limits = &shared.config.limits;
        let request = (method, uri, headers, body);
        let FormRequest {
            fields,
            project,
            mut items,
        } = read_form_request(
            &shared,
            &context,
            request,
            ("identification", "missing_event"),
            &mut outcome,
        )
        .await?;
        let min_id_length = form_min_id_length(&fields, limits.default_min_id_length)?;
        let problems = check_identifications(&items, min_id_length, shared.config.index_reporting);
        if !problems.is_empty() {
            return Err(problems.into_reply(None));
        }
        for item in &mut items {
            normalize_item(item, min_id_length, limits.max_string_chars, None);
        }
        let now_ms = shared.now_ms();
        let endpoint: Arc<str> = Arc::from("/identify");
        let ingested = {
            let faults = shared.faults();
            let mut store = shared.store();
            store.ingest_identifies(
                &project,
                &endpoint,
                items,
                context.request_id,
                now_ms,
                &faults,
            )?
        };
        outcome.accepted = ingested.accepted;
        Ok(Reply::success_text())
    }
    .await;
    finish(handled, outcome)
}

async fn group_identify(
    State(shared): State<Arc<Shared>>,
    Extension(context): Extension<RequestContext>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut outcome = Outcome::default();
    let handled = async {
        let limits = &shared.config.limits;
        let request = (method, uri, headers, body);
        let FormRequest {
            project, mut items, ..
        } = read_form_request(
            &shared,
            &context,
            request,
            ("identification", "missing_event"),
            &mut outcome,
        )
        .await?;
        if items.len() > limits.max_group_identifications {
            return Err(Reply::payload_too_large());
        }
        let problems = check_group_identifications(&items, shared.config.index_reporting);
        if !problems.is_empty() {
            return Err(problems.into_reply(None));
        }
        for item in &mut items {
            crate::validate::events::truncate_strings(item, limits.max_string_chars);
        }
        let now_ms = shared.now_ms();
        let endpoint: Arc<str> = Arc::from("/groupidentify");
        let ingested = shared.store().ingest_group_identifies(
            &project,
            &endpoint,
            items,
            context.request_id,
            now_ms,
        );
        outcome.accepted = ingested.accepted;
        Ok(Reply::success_text())
    }
    .await;
    finish(handled, outcome)
}

async fn usermap(
    State(shared): State<Arc<Shared>>,
    Extension(context): Extension<RequestContext>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut outcome = Outcome::default();
    let handled = async {
        let limits = &shared.config.limits;
        let request = (method, uri, headers, body);
        let FormRequest { project, items, .. } = read_form_request(
            &shared,
            &context,
            request,
            ("mapping", "missing_mapping"),
            &mut outcome,
        )
        .await?;
        if items.len() > limits.max_mappings_per_request {
            return Err(Reply::payload_too_large());
        }
        let problems = check_mappings(&items, shared.config.index_reporting);
        if !problems.is_empty() {
            return Err(problems.into_reply(None));
        }
        let now_ms = shared.now_ms();
        let endpoint: Arc<str> = Arc::from("/usermap");
        let ingested = shared.store().ingest_mappings(
            &project,
            &endpoint,
            items,
            context.request_id,
            now_ms,
        )?;
        outcome.accepted = ingested.accepted;
        Ok(Reply::success_text())
    }
    .await;
    finish(handled, outcome)
}

fn dashboard_project(
    shared: &Shared,
    headers: &HeaderMap,
    context: RequestContext,
    outcome: &mut Outcome,
) -> Result<Arc<str>, Reply> {
    let credentials = header(headers, AUTHORIZATION).and_then(basic_credentials);
    let project = shared.project_for_credentials(credentials, context.region)?;
    outcome.project = Some(Arc::clone(&project));
    Ok(project)
}

async fn request_deletion(
    State(shared): State<Arc<Shared>>,
    Extension(context): Extension<RequestContext>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut outcome = Outcome::default();
    let handled = async {
        let project = dashboard_project(&shared, &headers, context, &mut outcome)?;
        let limits = &shared.config.limits;
        let decoded = decoded_body(&headers, body, limits.form_max_bytes).await?;
        let is_form =
            media_type(header(&headers, CONTENT_TYPE)) == "application/x-www-form-urlencoded";
        let request = parse_deletion_request(&decoded, is_form, limits.max_deletion_ids)?;
        outcome.received = request.id_count();
        let now_ms = shared.now_ms();
        let endpoint: Arc<str> = Arc::from("/api/2/deletions/users");
        let response = shared.store().request_deletion(
            &project,
            &endpoint,
            &request,
            context.request_id,
            now_ms,
        )?;
        outcome.accepted = 1;
        Ok(Reply::json(200, response))
    }
    .await;
    finish(handled, outcome)
}

async fn list_deletions(
    State(shared): State<Arc<Shared>>,
    Extension(context): Extension<RequestContext>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut outcome = Outcome::default();
    let handled = (|| {
        let project = dashboard_project(&shared, &headers, context, &mut outcome)?;
        let query = parse_urlencoded(uri.query().unwrap_or("").as_bytes());
        let day = |name: &str| {
            query
                .get(name)
                .and_then(crate::clock::parse_day)
                .ok_or_else(|| Reply::error(400, format!("Missing or invalid {name} (YYYY-MM-DD)")))
        };
        let (start, end) = (day("start_day")?, day("end_day")?);
        Ok(Reply::json(
            200,
            shared.store().deletion_jobs(&project, start, end),
        ))
    })();
    finish(handled, outcome)
}

async fn usersearch(
    State(shared): State<Arc<Shared>>,
    Extension(context): Extension<RequestContext>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut outcome = Outcome::default();
    let handled = (|| {
        let project = dashboard_project(&shared, &headers, context, &mut outcome)?;
        let query = parse_urlencoded(uri.query().unwrap_or("").as_bytes());
        let user = query
            .get("user")
            .filter(|user| !user.is_empty())
            .ok_or_else(|| Reply::error(400, "Missing required parameter: user"))?;
        let now_ms = shared.now_ms();
        let found = shared.store().search_users(&project, user, now_ms)?;
        Ok(Reply::json(200, found))
    })();
    finish(handled, outcome)
}
