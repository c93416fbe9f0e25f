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
    Json(Value),
    /// Form fields in order, not yet encoded.
    Form(Vec<(String, String)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    pub url: &'static str,
    pub content_type: ContentType,
    pub body: Body,
}

impl Request {
    pub(crate) fn json(url: &'static str, body: Value) -> Request {
        Request {
            method: Method::Post,
            url,
            content_type: ContentType::Json,
            body: Body::Json(body),
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
            Body::Json(value) => ampline_js::write_json(&mut out, value),
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
    fn json_encodes_like_json_stringify() {
        let body = Body::Json(serde_json::json!({"n": 1e21, "s": "x"}));
        assert_eq!(body.encode(), r#"{"n":1e+21,"s":"x"}"#);
    }
}
