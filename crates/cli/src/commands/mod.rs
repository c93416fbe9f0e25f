//! One module per subcommand.

pub mod fql;
pub mod map;
pub mod mock_amplitude;
pub mod presets;
pub mod serve;
pub mod test_event;

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

/// Prints a line to standard output. A reader that went away (`ampline … | head`) ends the
/// output quietly instead of failing the command.
pub fn print_line(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// Prints a JSON value, pretty, for people.
pub fn print_pretty(value: &Value) -> anyhow::Result<()> {
    print_line(&serde_json::to_string_pretty(value)?)
}
