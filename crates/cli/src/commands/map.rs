//! `ampline map`: dry-run a mapping against an event.

use crate::ndjson;
use ampline_mapping::Mapping;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The mapping (a JSON file, as Segment stores it).
    #[arg(long, required_unless_present = "ndjson", conflicts_with = "ndjson")]
    mapping: Option<PathBuf>,
    /// The event (a JSON file, or - for standard input).
    #[arg(long, required_unless_present = "ndjson", conflicts_with = "ndjson")]
    event: Option<PathBuf>,
    /// Read cases `{"mapping": …, "event": …}` from standard input, one per line, and write one
    /// result `{"output": …}` or `{"error": …}` per line, in the same order.
    #[arg(long)]
    ndjson: bool,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    if args.ndjson {
        return ndjson::run_cases(map_case);
    }
    let (Some(mapping), Some(event)) = (&args.mapping, &args.event) else {
        anyhow::bail!("--mapping and --event are required without --ndjson");
    };
    let mapping = super::read_json_file(mapping)?;
    let event = super::read_json_file(event)?;
    let output = apply(&mapping, &event).map_err(anyhow::Error::msg)?;
    super::print_pretty(&output)
}

fn apply(mapping: &Value, event: &Value) -> Result<Value, String> {
    let mapping = Mapping::compile(mapping).map_err(|e| format!("invalid mapping: {e}"))?;
    let output = mapping
        .apply(event)
        .map_err(|e| format!("mapping failed: {e}"))?;
    Ok(output.unwrap_or(Value::Null))
}

fn map_case(case: &Value) -> Value {
    let Some(mapping) = case.get("mapping") else {
        return json!({"error": "case has no field \"mapping\""});
    };
    let Some(event) = case.get("event") else {
        return json!({"error": "case has no field \"event\""});
    };
    match apply(mapping, event) {
        Ok(output) => json!({"output": output}),
        Err(error) => json!({"error": error}),
    }
}
