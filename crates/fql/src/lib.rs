//! Segment's trigger language ("FQL"). (Skeleton: being implemented.)

use serde_json::Value;
use std::fmt;

/// A compiled trigger.
#[derive(Debug, Clone)]
pub struct Trigger {
    _private: (),
}

/// Why a trigger could not be parsed: where (char offset into the source) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at position {}: {}", self.position, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Something in a valid trigger that Segment reads differently from ampline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub position: usize,
    pub message: String,
}

impl Trigger {
    pub fn parse(_source: &str) -> Result<Trigger, ParseError> {
        todo!()
    }

    pub fn matches(&self, _event: &Value) -> bool {
        todo!()
    }

    pub fn warnings(&self) -> &[Warning] {
        todo!()
    }
}
