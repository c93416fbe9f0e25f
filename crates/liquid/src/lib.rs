//! Liquid templates as Segment's @liquid directive runs them. (Skeleton: being implemented.)

use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone)]
pub struct Template {
    _private: (),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl Template {
    pub fn parse(_source: &str) -> Result<Template, Error> {
        todo!()
    }

    pub fn render(&self, _root: &Value) -> Result<String, Error> {
        todo!()
    }
}
