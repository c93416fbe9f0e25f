//! What the mock accepted, and the request log: the recorder tests query to assert exactly what
//! arrived, in which request.

use serde_json::{json, Value};
use std::sync::Arc;

/// The kinds of accepted data, one list each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Events,
    Identifies,
    GroupIdentifies,
    Mappings,
    Deletions,
}

impl RecordKind {
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Events,
        RecordKind::Identifies,
        RecordKind::GroupIdentifies,
        RecordKind::Mappings,
        RecordKind::Deletions,
    ];

    /// The name used in `/_mock/<name>` and in the state file.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Events => "events",
            RecordKind::Identifies => "identifies",
            RecordKind::GroupIdentifies => "groupidentifies",
            RecordKind::Mappings => "usermaps",
            RecordKind::Deletions => "deletions",
        }
    }

    pub fn from_name(name: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One accepted item: an event, an identification, a group identification, a mapping, or a
/// deletion request (with the mock's answer).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub request_id: u64,
    pub project: Arc<str>,
    /// The Amplitude path it arrived on (`/2/httpapi`, `/batch`, …).
    pub endpoint: Arc<str>,
    /// Position in its request's array.
    pub index: usize,
    pub received_ms: u64,
    /// As stored: after ID stripping, default `time` and truncation.
    pub item: Value,
}

impl Recorded {
    pub fn to_json(&self) -> Value {
        json!({
            "request_id": self.request_id,
            "project": &*self.project,
            "endpoint": &*self.endpoint,
            "index": self.index,
            "received_ms": self.received_ms,
            "item": self.item,
        })
    }
}

/// Selects records: metadata equality plus item fields. An item field matches when it equals the
/// wanted text (numbers and booleans compared by their JSON text) or is an array containing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    pub request_id: Option<u64>,
    pub project: Option<String>,
    pub endpoint: Option<String>,
    pub fields: Vec<(String, String)>,
}

impl RecordFilter {
    pub fn new() -> RecordFilter {
        RecordFilter::default()
    }

    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> RecordFilter {
        self.fields.push((name.into(), value.into()));
        self
    }

    pub fn user_id(self, user_id: impl Into<String>) -> RecordFilter {
        self.field("user_id", user_id)
    }

    pub fn device_id(self, device_id: impl Into<String>) -> RecordFilter {
        self.field("device_id", device_id)
    }

    pub fn insert_id(self, insert_id: impl Into<String>) -> RecordFilter {
        self.field("insert_id", insert_id)
    }

    pub fn event_type(self, event_type: impl Into<String>) -> RecordFilter {
        self.field("event_type", event_type)
    }

    pub fn request_id(mut self, request_id: u64) -> RecordFilter {
        self.request_id = Some(request_id);
        self
    }

    pub fn project(mut self, project: impl Into<String>) -> RecordFilter {
        self.project = Some(project.into());
        self
    }

    pub fn endpoint(mut self, endpoint: impl Into<String>) -> RecordFilter {
        self.endpoint = Some(endpoint.into());
        self
    }

    pub fn matches(&self, record: &Recorded) -> bool {
        self.request_id.is_none_or(|id| id == record.request_id)
            && self
                .project
                .as_deref()
                .is_none_or(|project| project == &*record.project)
            && self
                .endpoint
                .as_deref()
                .is_none_or(|endpoint| endpoint == &*record.endpoint)
            && self
                .fields
                .iter()
                .all(|(name, wanted)| field_matches(record.item.get(name), wanted))
    }
}

fn field_matches(value: Option<&Value>, wanted: &str) -> bool {
    match value {
        None => false,
        Some(Value::String(text)) => text == wanted,
        Some(Value::Array(items)) => items.iter().any(|item| field_matches(Some(item), wanted)),
        Some(other) => {
            let text = other.to_string();
            text == wanted
        }
    }
}

/// One request to an Amplitude endpoint, as the request log keeps it. API keys are never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLogEntry {
    pub request_id: u64,
    pub at_ms: u64,
    pub method: String,
    pub path: String,
    /// The HTTP status sent; `None` when the connection was dropped by a fault.
    pub status: Option<u16>,
    pub project: Option<Arc<str>>,
    /// Items in the request (events, identifications, …), when it got that far.
    pub received: usize,
    /// Items stored.
    pub accepted: usize,
    /// Events dropped as insert_id duplicates.
    pub duplicates: usize,
    /// The `error` of the answer, if any.
    pub error: Option<String>,
    /// The fault that handled the request, if any.
    pub fault: Option<String>,
}

impl RequestLogEntry {
    pub fn to_json(&self) -> Value {
        json!({
            "request_id": self.request_id,
            "at_ms": self.at_ms,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "project": self.project.as_deref(),
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "error": self.error,
            "fault": self.fault,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(item: Value) -> Recorded {
        Recorded {
            request_id: 3,
            project: Arc::from("p"),
            endpoint: Arc::from("/batch"),
            index: 0,
            received_ms: 0,
            item,
        }
    }

    #[test]
    fn filters_match_fields_arrays_and_metadata() {
        let event = record(json!({"user_id":"u1","time":5,"user_ids":["a","b"]}));
        assert!(RecordFilter::new().user_id("u1").matches(&event));
        assert!(!RecordFilter::new().user_id("u2").matches(&event));
        assert!(RecordFilter::new().field("time", "5").matches(&event));
        assert!(RecordFilter::new().field("user_ids", "b").matches(&event));
        assert!(!RecordFilter::new().device_id("u1").matches(&event));
        assert!(RecordFilter::new()
            .request_id(3)
            .endpoint("/batch")
            .project("p")
            .matches(&event));
        assert!(!RecordFilter::new().request_id(4).matches(&event));
    }

    #[test]
    fn kinds_round_trip_by_name() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(RecordKind::from_name("nope"), None);
    }
}
