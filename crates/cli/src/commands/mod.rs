//! One module per subcommand.

pub mod fql;
pub mod map;
pub mod mock_amplitude;

use anyhow::Context as _;
use serde_json::Value;
use std::path::Path;

/// Reads a JSON file, or standard input when the path is `-`.
pub fn read_json_file(path: &Path) -> anyhow::Result<Value> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}
