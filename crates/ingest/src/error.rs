//! What goes wrong, in the shape clients understand: `{"code": "...", "message": "..."}`.
//!
//! analytics-python reads exactly these two keys from a non-200 answer (a body lacking either makes
//! it retry), so every refusal carries both. Codes are Segment's ingest codes where Segment has
//! one (§1.4 of the sources doc) and snake_case names in the same style otherwise.

use serde_json::{json, Value};

/// A refusal of the whole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 400 (bad body or limits, as Segment answers) or 401 (missing or unknown write key).
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Rejection {
            status: 400,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Rejection {
            status: 401,
            code,
            message: message.into(),
        }
    }

    /// The response body: `{"code": .., "message": ..}`.
    pub fn body(&self) -> Value {
        json!({ "code": self.code, "message": self.message })
    }

    /// [`Rejection::body`] serialised, ready to send with `Content-Type: application/json`.
    pub fn body_string(&self) -> String {
        self.body().to_string()
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for Rejection {}

/// Why one message was refused (a single-message request, or one item of a batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageError {
    pub code: &'static str,
    pub message: String,
}

impl MessageError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        MessageError {
            code,
            message: message.into(),
        }
    }
}

/// One refused batch item; the others in the batch are unaffected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRejection {
    /// Position in the request's `batch` array.
    pub index: usize,
    pub code: &'static str,
    pub message: String,
}

impl ItemRejection {
    pub fn to_json(&self) -> Value {
        json!({ "index": self.index, "code": self.code, "message": self.message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_code_and_message() {
        let rejection = Rejection::bad_request("invalid_json", "bad \"quote\"");
        assert_eq!(
            rejection.body_string(),
            r#"{"code":"invalid_json","message":"bad \"quote\""}"#
        );
        assert_eq!(rejection.status, 400);
        assert_eq!(Rejection::unauthorized("x", "y").status, 401);
    }
}
