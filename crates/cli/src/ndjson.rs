//! The streaming NDJSON contract shared by the dry-run commands: one JSON case per input line,
//! one JSON result per output line, in the same order. Tooling drives it, so it never stops on
//! a bad line: the line gets an `{"error": …}` result naming the line and the problem.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, BufWriter, Write};

/// Reads cases from standard input until it ends, answering each with `answer`. Output is
/// flushed whenever no more input is waiting, so a caller that writes one case and waits gets
/// its answer at once.
pub fn run_cases(mut answer: impl FnMut(&Value) -> Value) -> anyhow::Result<()> {
    let mut input = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let mut line = String::new();
    let mut line_number = 0_usize;
    loop {
        if input.fill_buf()?.is_empty() {
            break;
        }
        line.clear();
        input.read_line(&mut line)?;
        line_number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let result = match serde_json::from_str::<Value>(&line) {
            Ok(case) if case.is_object() => answer(&case),
            Ok(_) => json!({"error": format!("line {line_number}: a case must be a JSON object")}),
            Err(e) => json!({"error": format!("line {line_number}: invalid JSON: {e}")}),
        };
        serde_json::to_writer(&mut output, &result)?;
        output.write_all(b"\n")?;
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
    output.flush()?;
    Ok(())
}
