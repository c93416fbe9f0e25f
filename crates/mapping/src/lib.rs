//! Segment's mapping-kit. (Skeleton: being implemented.)

use serde_json::Value;
use std::fmt;

/// A compiled mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    _private: (),
}

/// A problem found in a mapping, at a JSON pointer into the mapping (e.g. `/a/@case/value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.pointer, self.message)
    }
}

impl std::error::Error for MappingError {}

/// Every problem static validation found in a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMapping {
    pub errors: Vec<MappingError>,
}

impl fmt::Display for InvalidMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidMapping {}

impl Mapping {
    pub fn compile(_mapping: &Value) -> Result<Mapping, InvalidMapping> {
        todo!()
    }

    /// `Ok(None)` when the root resolves to nothing (JS `undefined`).
    pub fn apply(&self, _event: &Value) -> Result<Option<Value>, MappingError> {
        todo!()
    }
}
