//! `ampline mock-amplitude`: serve the Amplitude mock on a port until stopped (Ctrl-C).
//!
//! Everything it does lives in `ampline-mock-amplitude`; this only turns flags into a `Config`
//! and starts a tokio runtime, since the rest of the CLI is synchronous.

use ampline_mock_amplitude::faults::parse_command;
use ampline_mock_amplitude::{Config, IndexReporting, MockAmplitude, Project, Region};
use anyhow::{bail, Context as _};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Port to listen on (0 picks a free one; the URL is printed on standard output).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// An accepted US project key: `[NAME=]API_KEY[:SECRET_KEY]` (repeatable). The secret opens
    /// the dashboard endpoints (deletions, user search). With no key at all, any key is accepted.
    #[arg(long = "api-key", value_name = "[NAME=]KEY[:SECRET]")]
    api_keys: Vec<String>,
    /// An accepted EU project key, same form (repeatable).
    #[arg(long = "eu-api-key", value_name = "[NAME=]KEY[:SECRET]")]
    eu_api_keys: Vec<String>,
    /// Journal accepted data to this file and replay it at start, so a restarted mock keeps its
    /// records and insert_id de-duplication window.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Print one line per request to standard error (never keys or bodies).
    #[arg(long)]
    log: bool,
    /// Keep only counts, not the accepted items (for benchmark runs).
    #[arg(long)]
    no_retain: bool,
    /// `options.min_id_length` when a request does not set it.
    #[arg(long, default_value_t = 5)]
    min_id_length: usize,
    /// Events/s per device or user above which /2/httpapi and /identify answer 429.
    #[arg(long, default_value_t = 30)]
    httpapi_eps: u64,
    /// Events/s per device or user above which /batch answers 429.
    #[arg(long, default_value_t = 1000)]
    batch_eps: u64,
    /// Length of the window the EPS limits are averaged over.
    #[arg(long, default_value_t = 30)]
    rate_window_secs: u64,
    /// Events per device or user per rolling 24 h on /batch (0 = no quota).
    #[arg(long, default_value_t = 500_000)]
    daily_quota: u64,
    /// List only the first failing event per field in 400s (Amplitude's HTTP V2 wording)
    /// instead of every failing event.
    #[arg(long)]
    first_index_only: bool,
    /// Leave insert_id duplicates out of `events_ingested`.
    #[arg(long)]
    exclude_duplicates_from_count: bool,
    /// Accept /2/httpapi and /batch bodies whatever their Content-Type.
    #[arg(long)]
    any_content_type: bool,
    /// Arm a fault at start, as JSON (repeatable), e.g. '{"status":503,"count":3}',
    /// '{"drop":true}', '{"latency_ms":200}', '{"throttle_ids":["user-1"]}'. See the README.
    #[arg(long = "fault", value_name = "JSON")]
    faults: Vec<String>,
    /// Fail the next N requests with STATUS: `N:STATUS` or `N:STATUS@/path` (repeatable).
    #[arg(long = "fail-next", value_name = "N:STATUS[@PATH]")]
    fail_next: Vec<String>,
    /// Delay every answer by this many milliseconds.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Answer 503 to everything for this many seconds after start.
    #[arg(long)]
    down_for_secs: Option<u64>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let config = config(args)?;
    let mut commands = Vec::new();
    for fault in &args.faults {
        let json = serde_json::from_str(fault).with_context(|| format!("--fault {fault}"))?;
        commands.push(parse_command(&json).map_err(|e| anyhow::anyhow!("--fault {fault}: {e}"))?);
    }
    for spec in &args.fail_next {
        commands.push(parse_command(&fail_next(spec)?).map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    if let Some(latency_ms) = args.latency_ms {
        commands.push(
            parse_command(&serde_json::json!({"latency_ms": latency_ms}))
                .map_err(anyhow::Error::msg)?,
        );
    }
    let down_for = args.down_for_secs.map(Duration::from_secs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let mock = MockAmplitude::start(config)
            .await
            .context("starting the mock")?;
        for command in commands {
            mock.apply_fault(command);
        }
        if let Some(down_for) = down_for {
            mock.down_for(down_for);
        }
        if mock.skipped_state_lines() > 0 {
            eprintln!(
                "mock-amplitude: skipped {} unreadable state-file lines",
                mock.skipped_state_lines()
            );
        }
        println!("mock-amplitude listening on {}", mock.base_url());
        mock.wait().await;
        Ok(())
    })
}

fn config(args: &Args) -> anyhow::Result<Config> {
    let mut projects = Vec::new();
    for (specs, region) in [
        (&args.api_keys, Region::Us),
        (&args.eu_api_keys, Region::Eu),
    ] {
        for (index, spec) in specs.iter().enumerate() {
            projects.push(project(spec, region, index + 1)?);
        }
    }
    let mut config = Config::with_projects(projects);
    config.bind = SocketAddr::new(args.host, args.port);
    config.state_file = args.state.clone();
    config.log_requests = args.log;
    config.retain_records = !args.no_retain;
    config.count_duplicates = !args.exclude_duplicates_from_count;
    config.require_json_content_type = !args.any_content_type;
    if args.first_index_only {
        config.index_reporting = IndexReporting::FirstPerField;
    }
    let limits = &mut config.limits;
    limits.default_min_id_length = args.min_id_length;
    limits.httpapi_eps = args.httpapi_eps;
    limits.batch_eps = args.batch_eps;
    if args.rate_window_secs == 0 {
        bail!("--rate-window-secs must be at least 1");
    }
    limits.rate_window = Duration::from_secs(args.rate_window_secs);
    limits.batch_daily_quota = (args.daily_quota > 0).then_some(args.daily_quota);
    Ok(config)
}

/// `[NAME=]KEY[:SECRET]`; unnamed projects are called `us-1`, `eu-2`, …
fn project(spec: &str, region: Region, ordinal: usize) -> anyhow::Result<Project> {
    let (name, keys) = match spec.split_once('=') {
        Some((name, keys)) => (name.to_owned(), keys),
        None => (format!("{}-{ordinal}", region.as_str()), spec),
    };
    let (api_key, secret) = match keys.split_once(':') {
        Some((api_key, secret)) => (api_key, Some(secret)),
        None => (keys, None),
    };
    if api_key.is_empty() {
        bail!("an API key is empty (expected [NAME=]KEY[:SECRET])");
    }
    let mut project = Project::new(name, api_key).in_region(region);
    if let Some(secret) = secret.filter(|secret| !secret.is_empty()) {
        project = project.with_secret_key(secret);
    }
    Ok(project)
}

/// `N:STATUS[@PATH]` as a fault command.
fn fail_next(spec: &str) -> anyhow::Result<serde_json::Value> {
    let (counted, path) = match spec.split_once('@') {
        Some((counted, path)) => (counted, Some(path)),
        None => (spec, None),
    };
    let Some((count, status)) = counted.split_once(':') else {
        bail!("--fail-next {spec}: expected N:STATUS[@PATH]");
    };
    let count: u32 = count
        .parse()
        .with_context(|| format!("--fail-next {spec}: count"))?;
    let status: u16 = status
        .parse()
        .with_context(|| format!("--fail-next {spec}: status"))?;
    Ok(serde_json::json!({"status": status, "count": count, "path": path}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_specs() -> anyhow::Result<()> {
        let named = project("prod=abc:xyz", Region::Eu, 1)?;
        assert_eq!(
            (named.name.as_str(), named.api_key.as_str()),
            ("prod", "abc")
        );
        assert_eq!(named.secret_key.as_deref(), Some("xyz"));
        assert_eq!(named.region, Region::Eu);
        let plain = project("abc", Region::Us, 2)?;
        assert_eq!((plain.name.as_str(), plain.secret_key), ("us-2", None));
        assert!(project("name=", Region::Us, 1).is_err());
        Ok(())
    }

    #[test]
    fn fail_next_specs() -> anyhow::Result<()> {
        assert_eq!(
            fail_next("3:503@/batch")?,
            serde_json::json!({"status": 503, "count": 3, "path": "/batch"})
        );
        assert_eq!(
            fail_next("1:500")?,
            serde_json::json!({"status": 500, "count": 1, "path": null})
        );
        assert!(fail_next("503").is_err());
        Ok(())
    }
}
