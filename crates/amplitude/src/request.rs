//! The HTTP requests an action asks for. Sending them is the caller's business.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    Json,
    Form,
}

impl ContentType {
    /// The `Content-Type` header the reference's request client sends.
    pub fn header(self) -> &'static str {
        match self {
            ContentType::Json => "application/json",
            ContentType::Form => "application/x-www-form-urlencoded;charset=UTF-8",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// The JSON body of the event endpoints, `{"api_key": …, "events": […], "options": …}`.
    Events(EventBatch),
    /// Form fields in order, not yet encoded.
    Form(Vec<(String, String)>),
}

/// The events of one request, each already written as JSON text, so a sender can pack events
/// from many requests into one without reading them again.
#[derive(Debug, Clone, PartialEq)]
pub struct EventBatch {
    pub api_key: String,
    pub events: Vec<EventJson>,
    /// `options` as JSON text.
    pub options: Option<String>,
}

/// One Amplitude event as JSON text, with what a sender keys on without parsing it: the ids
/// Amplitude throttles by, and whether it carries the `insert_id` Amplitude de-duplicates by.
#[derive(Debug, Clone, PartialEq)]
pub struct EventJson {
    pub json: String,
    /// A non-empty string `user_id`.
    pub user_id: Option<String>,
    /// A non-empty string `device_id`.
    pub device_id: Option<String>,
    /// An `insert_id` that is neither `null` nor `""`.
    pub has_insert_id: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    pub url: &'static str,
    pub content_type: ContentType,
    pub body: Body,
}

impl Request {
    pub(crate) fn events(url: &'static str, batch: EventBatch) -> Request {
        Request {
            method: Method::Post,
            url,
            content_type: ContentType::Json,
            body: Body::Events(batch),
        }
    }

    pub(crate) fn form(url: &'static str, fields: Vec<(String, String)>) -> Request {
        Request {
            method: Method::Post,
            url,
            content_type: ContentType::Form,
            body: Body::Form(fields),
        }
    }
}

impl Body {
    /// The bytes to send: `JSON.stringify` for JSON (so numbers read as the reference writes
    /// them), `URLSearchParams` encoding for forms.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        match self {
            Body::Events(batch) => {
                let size: usize = batch.events.iter().map(|e| e.json.len() + 1).sum();
                out.reserve(size + batch.api_key.len() + 64);
                out.push_str("{\"api_key\":");
                ampline_js::write_json_string(&mut out, &batch.api_key);
                out.push_str(",\"events\":[");
                for (index, event) in batch.events.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&event.json);
                }
                out.push(']');
                if let Some(options) = &batch.options {
                    out.push_str(",\"options\":");
                    out.push_str(options);
                }
                out.push('}');
            }
            Body::Form(fields) => {
                for (index, (key, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push('&');
                    }
                    form_encode(&mut out, key);
                    out.push('=');
                    form_encode(&mut out, value);
                }
            }
        }
        out
    }

    /// The body as JSON: the parsed JSON of a JSON body, an object of field → text for a form.
    pub fn to_json(&self) -> Value {
        match self {
            Body::Events(_) => serde_json::from_str(&self.encode()).unwrap_or(Value::Null),
            Body::Form(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                    .collect(),
            ),
        }
    }
}

/// The `application/x-www-form-urlencoded` serializer of the URL standard, as `URLSearchParams`
/// uses it: space becomes `+`, and all but `*-._` and ASCII alphanumerics are percent-encoded.
fn form_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        match byte {
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xF)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_encode_like_url_search_params() {
        let body = Body::Form(vec![
            ("api_key".into(), "k 1".into()),
            ("identification".into(), r#"{"a":"é*~"}"#.into()),
        ]);
        assert_eq!(
            body.encode(),
            "api_key=k+1&identification=%7B%22a%22%3A%22%C3%A9*%7E%22%7D"
        );
    }

    #[test]
    fn events_are_joined_into_one_body() {
        let event = |json: &str| EventJson {
            json: json.to_owned(),
            user_id: None,
            device_id: None,
            has_insert_id: false,
        };
        let body = Body::Events(EventBatch {
            api_key: "k\"1".to_owned(),
            events: vec![event(r#"{"n":1e+21}"#), event(r#"{"s":"x"}"#)],
            options: Some(r#"{"min_id_length":2}"#.to_owned()),
        });
        assert_eq!(
            body.encode(),
            r#"{"api_key":"k\"1","events":[{"n":1e+21},{"s":"x"}],"options":{"min_id_length":2}}"#
        );
        assert_eq!(
            body.to_json(),
            serde_json::json!({"api_key": "k\"1", "events": [{"n": 1e21}, {"s": "x"}], "options": {"min_id_length": 2}})
        );
    }
}
