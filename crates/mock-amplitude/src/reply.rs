//! Answers as data: a status and a body. Validation returns these, the HTTP layer only renders
//! them, so every body Amplitude documents is built in exactly one place.

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum ReplyBody {
    Json(Value),
    Text(String),
    Html(String),
    Empty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: ReplyBody,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: ReplyBody::Json(body),
        }
    }

    pub fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            body: ReplyBody::Text(body.into()),
        }
    }

    /// `{"code":400,"error":…}`, the shape of every Amplitude ingestion error.
    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(status, json!({"code": status, "error": message.into()}))
    }

    pub fn invalid_request_path() -> Reply {
        Reply::error(400, "Invalid request path")
    }

    pub fn missing_body() -> Reply {
        Reply::error(400, "Missing request body")
    }

    pub fn invalid_json() -> Reply {
        Reply::error(400, "Invalid JSON request body")
    }

    /// Amplitude echoes the key it could not find; that is the client's own input, not a secret
    /// of the mock's, but the mock still never logs it.
    pub fn invalid_api_key(key: &str) -> Reply {
        Reply::error(400, format!("Invalid API key: {key}"))
    }

    pub fn missing_field(field: &str) -> Reply {
        let mut body = Map::new();
        body.insert("code".into(), json!(400));
        body.insert("error".into(), json!("Request missing required field"));
        body.insert("missing_field".into(), json!(field));
        Reply::json(400, Value::Object(body))
    }

    pub fn payload_too_large() -> Reply {
        Reply::error(413, "Payload too large")
    }

    pub fn forbidden() -> Reply {
        Reply::error(403, "Forbidden")
    }

    pub fn unauthorized() -> Reply {
        Reply::error(401, "Invalid credentials")
    }

    pub fn success_text() -> Reply {
        Reply::text(200, "success")
    }

    /// The JSON `error` field, for the request log.
    pub fn error_message(&self) -> Option<&str> {
        match &self.body {
            ReplyBody::Json(body) => body.get("error").and_then(Value::as_str),
            ReplyBody::Text(text) if self.status >= 400 => Some(text),
            _ => None,
        }
    }

    /// What Amplitude (or the proxy in front of it) answers for a status the fault injector was
    /// told to produce.
    pub fn for_status(status: u16) -> Reply {
        match status {
            400 => Reply::error(400, "Bad request"),
            403 => Reply::forbidden(),
            413 => Reply::payload_too_large(),
            429 => Reply::json(
                429,
                json!({"code": 429, "error": "Too many requests for some devices and users",
                       "eps_threshold": 30, "throttled_devices": {}, "throttled_users": {},
                       "throttled_events": []}),
            ),
            _ => Reply::error(status, reason_phrase(status)),
        }
    }

    /// The HTML error page a load balancer returns, for clients that must cope with non-JSON.
    pub fn html_page(status: u16) -> Reply {
        let reason = reason_phrase(status);
        Reply {
            status,
            body: ReplyBody::Html(format!(
                "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
            )),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: ReplyBody::Empty,
        }
    }
}

pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}
