//! What analytics.js 2.0 fetches from its CDN, served by ampline so a website needs only
//! `cdnURL` pointed here: the project settings (`GET /v1/projects/<writeKey>/settings`) and the
//! destination's browser plugin bundle (`browser/amplitude-plugins.js`).
//!
//! The settings send analytics.js's events back to ampline (`integrations["Segment.io"].apiHost`),
//! switch its metrics off, and list the Amplitude remote plugin with the configured browser
//! mappings (by default the "Browser Session Tracking" preset). Nothing in them names Segment's
//! hosts. Where ampline is reached is `[server] public_url` when configured, else the request's
//! own `Host` (with `X-Forwarded-Proto` believed from trusted proxies only).

use crate::config::BrowserSubscription;
use crate::AppState;
use ampline_ingest::response_headers;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::OnceLock;

/// The plugin bundle, dependency-free JavaScript that registers
/// `window["amplitude-pluginsDestination"]`.
pub const PLUGIN_BUNDLE: &str = include_str!("../../../browser/amplitude-plugins.js");

/// Where the bundle is served; any file name is answered with the current bundle.
pub const PLUGIN_PATH: &str = "/next-integrations/actions/amplitude-plugins";

/// The bundle's file name: its content hash, so browsers fetch a changed bundle at once.
pub fn plugin_file_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in PLUGIN_BUNDLE.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}.js")
    })
}

/// Where browsers reach ampline: `https` or `http`, and host with any path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBase {
    pub scheme: String,
    /// `collect.example.com` or `collect.example.com/segment`, no trailing slash.
    pub host_and_path: String,
}

impl PublicBase {
    /// Reads a configured `public_url` such as `https://collect.example.com/segment`.
    pub fn parse(url: &str) -> Result<PublicBase, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("{url:?} has no scheme (http:// or https://)"))?;
        if scheme != "http" && scheme != "https" {
            return Err(format!("{url:?}: scheme must be http or https"));
        }
        let host_and_path = rest.trim_end_matches('/');
        if host_and_path.is_empty() || !host_and_path.chars().all(is_url_char) {
            return Err(format!("{url:?} is not a plain http(s) URL"));
        }
        Ok(PublicBase {
            scheme: scheme.to_owned(),
            host_and_path: host_and_path.to_owned(),
        })
    }

    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.host_and_path)
    }
}

fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/[]%".contains(c)
}

/// The settings analytics.js loads for `write_key`.
pub fn cdn_settings(write_key: &str, base: &PublicBase, browser: &[BrowserSubscription]) -> Value {
    let subscriptions: Vec<Value> = browser
        .iter()
        .map(|subscription| {
            json!({
                "name": subscription.name,
                "enabled": true,
                "partnerAction": subscription.plugin.id(),
                "subscribe": subscription.trigger,
                "mapping": subscription.settings,
            })
        })
        .collect();
    let mut remote_plugins = Vec::new();
    if !subscriptions.is_empty() {
        remote_plugins.push(json!({
            "name": ampline_ingest::AMPLITUDE_ACTIONS,
            "creationName": ampline_ingest::ACTIONS_AMPLITUDE,
            "libraryName": "amplitude-pluginsDestination",
            "url": format!("{}{PLUGIN_PATH}/{}", base.url(), plugin_file_name()),
            "settings": { "subscriptions": subscriptions },
        }));
    }
    json!({
        // "Segment.io" alone: analytics.js fetches its classic-destination code (from a CDN
        // ampline is not) as soon as a second integration is listed.
        "integrations": {
            "Segment.io": {
                "apiKey": write_key,
                "apiHost": format!("{}/v1", base.host_and_path),
                "protocol": base.scheme,
                "addBundledMetadata": true,
                "unbundledIntegrations": [],
                "maybeBundledConfigIds": {},
                "versionSettings": { "componentTypes": ["browser"] },
            },
        },
        "plan": { "track": { "__default": { "enabled": true, "integrations": {} } } },
        "enabledMiddleware": {},
        "middlewareSettings": {},
        "metrics": { "sampleRate": 0 },
        "legacyVideoPluginsEnabled": false,
        "edgeFunction": {},
        "remotePlugins": remote_plugins,
    })
}

/// The base from the request: the configured public URL, else `Host` with `http`, or the
/// scheme a trusted proxy names in `X-Forwarded-Proto`.
fn request_base(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> Option<PublicBase> {
    let pipeline = state.pipeline();
    if let Some(base) = &pipeline.public_base {
        return Some(base.clone());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(is_url_char))?;
    let from_trusted_proxy = peer.is_some_and(|peer| {
        pipeline
            .ingest
            .trusted_proxies
            .iter()
            .any(|net| net.contains(peer.ip()))
    });
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .map(|proto| {
            proto
                .split(',')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let scheme = match forwarded {
        Some(proto) if from_trusted_proxy && (proto == "https" || proto == "http") => proto,
        _ => "http".to_owned(),
    };
    Some(PublicBase {
        scheme,
        host_and_path: host.to_owned(),
    })
}

fn answer(
    status: StatusCode,
    content_type: &'static str,
    body: String,
    headers: &HeaderMap,
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    for (name, value) in response_headers(origin) {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            out.insert(name, value);
        }
    }
    response
}

pub async fn settings(
    State(state): State<AppState>,
    Path(write_key): Path<String>,
    request: Request,
) -> Response {
    const JSON: &str = "application/json";
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let headers = request.headers();
    let pipeline = state.pipeline();
    if pipeline.source_for_key(&write_key).is_none() {
        return answer(
            StatusCode::NOT_FOUND,
            JSON,
            json!({"error": "no source has this write key"}).to_string(),
            headers,
        );
    }
    let Some(base) = request_base(&state, headers, peer) else {
        return answer(
            StatusCode::BAD_REQUEST,
            JSON,
            json!({"error": "no usable Host header; set [server] public_url"}).to_string(),
            headers,
        );
    };
    let body = cdn_settings(&write_key, &base, &pipeline.browser).to_string();
    let mut response = answer(StatusCode::OK, JSON, body, headers);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}

pub async fn plugin_bundle(headers: HeaderMap) -> Response {
    let mut response = answer(
        StatusCode::OK,
        "application/javascript; charset=utf-8",
        PLUGIN_BUNDLE.to_owned(),
        &headers,
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use ampline_amplitude::BrowserPlugin;

    fn session(settings: Value) -> BrowserSubscription {
        BrowserSubscription {
            name: "Browser Session Tracking".into(),
            plugin: BrowserPlugin::SessionId,
            trigger: "type = \"track\"".into(),
            settings,
        }
    }

    #[test]
    fn settings_point_analytics_js_back_at_ampline_only() {
        let base = PublicBase::parse("https://collect.example.com/segment/")
            .unwrap_or_else(|e| panic!("{e}"));
        let settings = cdn_settings("WK", &base, &[session(json!({"sessionLength": 60000}))]);
        let segment_io = &settings["integrations"]["Segment.io"];
        assert_eq!(segment_io["apiKey"], "WK");
        assert_eq!(segment_io["apiHost"], "collect.example.com/segment/v1");
        assert_eq!(segment_io["protocol"], "https");
        assert_eq!(settings["metrics"]["sampleRate"], 0);
        let integrations: Vec<&String> = settings["integrations"]
            .as_object()
            .map(|i| i.keys().collect())
            .unwrap_or_default();
        assert_eq!(integrations, ["Segment.io"]);
        let plugin = &settings["remotePlugins"][0];
        assert_eq!(plugin["libraryName"], "amplitude-pluginsDestination");
        assert_eq!(plugin["creationName"], "Actions Amplitude");
        let url = plugin["url"].as_str().unwrap_or("");
        assert!(
            url.starts_with(
                "https://collect.example.com/segment/next-integrations/actions/amplitude-plugins/"
            ),
            "{url}"
        );
        assert!(url.ends_with(".js"));
        let subscription = &plugin["settings"]["subscriptions"][0];
        assert_eq!(subscription["partnerAction"], "sessionId");
        assert_eq!(subscription["mapping"]["sessionLength"], 60000);
        assert!(!settings.to_string().contains("segment.com"), "{settings}");
    }

    #[test]
    fn without_browser_mappings_no_plugin_is_listed() {
        let base = PublicBase::parse("http://127.0.0.1:8088").unwrap_or_else(|e| panic!("{e}"));
        let settings = cdn_settings("WK", &base, &[]);
        assert_eq!(settings["remotePlugins"], json!([]));
        assert_eq!(
            settings["integrations"]["Segment.io"]["apiHost"],
            "127.0.0.1:8088/v1"
        );
        assert_eq!(settings["integrations"]["Segment.io"]["protocol"], "http");
    }

    #[test]
    fn public_urls_are_checked() {
        for bad in [
            "collect.example.com",
            "ftp://x",
            "https://",
            "https://a b",
            "https://x/\"y",
        ] {
            assert!(PublicBase::parse(bad).is_err(), "{bad}");
        }
    }
}
