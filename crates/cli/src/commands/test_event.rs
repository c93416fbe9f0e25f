//! `ampline test-event`: the Amplitude requests an event would cause, without sending them.

use crate::ndjson;
use ampline_amplitude::{run, Action, ActionError, Body, Request, Settings};
use ampline_mapping::Mapping;
use ampline_useragent::UserAgentCache;
use anyhow::Context as _;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Placeholder credentials for dry runs without `--settings`; they show where the keys go.
const PLACEHOLDER_SETTINGS: &str = r#"{"apiKey": "YOUR_API_KEY", "secretKey": "YOUR_SECRET_KEY"}"#;

/// How many distinct user agents a dry-run session remembers parses of.
const USER_AGENT_CACHE_SIZE: usize = 1024;

#[derive(clap::Args)]
pub struct Args {
    /// The action's id, as Segment names it: logEvent, logEventV2, logPurchase, identifyUser,
    /// groupIdentifyUser or mapUser.
    #[arg(long, required_unless_present = "ndjson", conflicts_with = "ndjson")]
    action: Option<String>,
    /// The event (a JSON file, or - for standard input).
    #[arg(long, required_unless_present = "ndjson", conflicts_with = "ndjson")]
    event: Option<PathBuf>,
    /// The mapping (a JSON file, as Segment stores it); default: the action's default fields.
    #[arg(long, conflicts_with = "ndjson")]
    mapping: Option<PathBuf>,
    /// The destination settings `{"apiKey", "secretKey", "endpoint"}` (a JSON file); default:
    /// placeholder keys and the north_america region.
    #[arg(long, conflicts_with = "ndjson")]
    settings: Option<PathBuf>,
    /// Read cases `{"action", "event", "mapping" (null = defaults), "settings"}` from standard
    /// input, one per line, and write one result `{"requests": [...], "error": null | {...}}`
    /// per line, in the same order.
    #[arg(long)]
    ndjson: bool,
}

pub fn run_command(args: &Args) -> anyhow::Result<()> {
    let mut user_agents = UserAgentCache::new(USER_AGENT_CACHE_SIZE);
    if args.ndjson {
        return ndjson::run_cases(|case| answer_case(case, &mut user_agents));
    }
    let (Some(action), Some(event)) = (&args.action, &args.event) else {
        anyhow::bail!("--action and --event are required without --ndjson");
    };
    let action = parse_action(action).map_err(anyhow::Error::msg)?;
    let event = super::read_json_file(event)?;
    let mapping = match &args.mapping {
        Some(path) => Some(super::read_json_file(path)?),
        None => None,
    };
    let settings = match &args.settings {
        Some(path) => super::read_json_file(path)?,
        None => serde_json::from_str(PLACEHOLDER_SETTINGS).context("placeholder settings")?,
    };
    let settings =
        Settings::from_json(&settings).map_err(|e| anyhow::anyhow!("invalid settings: {e}"))?;
    let mapping = compile(mapping.as_ref())
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code.as_str(), e.message))?;
    let requests = run(
        action,
        &event,
        mapping.as_ref(),
        &settings,
        Some(&mut user_agents),
    )
    .map_err(|e| anyhow::anyhow!("{}: {}", e.code.as_str(), e.message))?;
    super::print_pretty(&requests.into_iter().map(request_json).collect())
}

fn answer_case(case: &Value, user_agents: &mut UserAgentCache) -> Value {
    match run_case(case, user_agents) {
        Ok(requests) => json!({"requests": requests, "error": null}),
        Err((code, message)) => {
            json!({"requests": [], "error": {"code": code, "message": message}})
        }
    }
}

fn run_case(
    case: &Value,
    user_agents: &mut UserAgentCache,
) -> Result<Vec<Value>, (String, String)> {
    let invalid_case = |message: &str| ("INVALID_CASE".to_owned(), message.to_owned());
    let action = case
        .get("action")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_case("case has no string field \"action\""))?;
    let action = parse_action(action).map_err(|message| ("INVALID_ACTION".to_owned(), message))?;
    let event = case
        .get("event")
        .ok_or_else(|| invalid_case("case has no field \"event\""))?;
    let settings = case
        .get("settings")
        .ok_or_else(|| invalid_case("case has no field \"settings\""))?;
    let settings = Settings::from_json(settings)
        .map_err(|e| ("INVALID_SETTINGS".to_owned(), e.to_string()))?;
    let mapping = case.get("mapping").filter(|mapping| !mapping.is_null());
    let mapping = compile(mapping).map_err(action_error)?;
    let requests = run(
        action,
        event,
        mapping.as_ref(),
        &settings,
        Some(user_agents),
    )
    .map_err(action_error)?;
    Ok(requests.into_iter().map(request_json).collect())
}

fn action_error(error: ActionError) -> (String, String) {
    (error.code.as_str().to_owned(), error.message)
}

fn parse_action(id: &str) -> Result<Action, String> {
    Action::from_id(id).ok_or_else(|| {
        let known: Vec<&str> = Action::ALL.iter().map(|action| action.id()).collect();
        format!(
            "unknown action {id:?}; the actions are {}",
            known.join(", ")
        )
    })
}

fn compile(mapping: Option<&Value>) -> Result<Option<Mapping>, ActionError> {
    mapping
        .map(|mapping| {
            Mapping::compile(mapping).map_err(|errors| ActionError {
                code: ampline_amplitude::ErrorCode::InvalidMapping,
                message: format!("invalid mapping: {errors}"),
                field_errors: Vec::new(),
            })
        })
        .transpose()
}

/// A request in the dry-run contract's shape: a JSON body parsed, a form body as an object of
/// field → string.
fn request_json(request: Request) -> Value {
    let content_type = match request.body {
        Body::Events(_) => "application/json",
        Body::Form(_) => "application/x-www-form-urlencoded",
    };
    json!({"method": "POST", "url": request.url, "content_type": content_type, "body": request.body.to_json()})
}
