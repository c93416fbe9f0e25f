//! `ampline fql`: dry-run a trigger against an event.

use crate::ndjson;
use ampline_fql::Trigger;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The trigger, e.g. 'type = "track" and event = "Order Completed"'.
    #[arg(required_unless_present = "ndjson", conflicts_with = "ndjson")]
    expr: Option<String>,
    /// The event (a JSON file, or - for standard input).
    #[arg(long, required_unless_present = "ndjson", conflicts_with = "ndjson")]
    event: Option<PathBuf>,
    /// Read cases `{"expr": …, "event": …}` from standard input, one per line, and write one
    /// result `{"matches": …}` or `{"error": …}` per line, in the same order.
    #[arg(long)]
    ndjson: bool,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    if args.ndjson {
        return ndjson::run_cases(evaluate_case);
    }
    let (Some(expr), Some(event)) = (&args.expr, &args.event) else {
        anyhow::bail!("an expression and --event are required without --ndjson");
    };
    let event = super::read_json_file(event)?;
    let trigger = Trigger::parse(expr).map_err(|e| anyhow::anyhow!("invalid trigger: {e}"))?;
    for warning in trigger.warnings() {
        eprintln!(
            "warning: at position {}: {}",
            warning.position, warning.message
        );
    }
    super::print_line(if trigger.matches(&event) {
        "true"
    } else {
        "false"
    })
}

fn evaluate_case(case: &Value) -> Value {
    let Some(expr) = case.get("expr").and_then(Value::as_str) else {
        return json!({"error": "case has no string field \"expr\""});
    };
    let Some(event) = case.get("event") else {
        return json!({"error": "case has no field \"event\""});
    };
    match Trigger::parse(expr) {
        Ok(trigger) => json!({"matches": trigger.matches(event)}),
        Err(error) => json!({"error": format!("invalid trigger: {error}")}),
    }
}
