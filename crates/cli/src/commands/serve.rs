//! `ampline serve` and `ampline validate`: run the router, or check its configuration.

use ampline_server::{run::read_config, ServeOptions};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The configuration (TOML: sources, destination, mappings, [server], [delivery]); see
    /// README. Without one: a generated write key, the presets, dry run.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where the durable queue lives (created if missing).
    #[arg(long, default_value = "ampline-data")]
    data_dir: PathBuf,
    /// Address of Segment's tracking API.
    #[arg(long, default_value = "127.0.0.1:8088")]
    listen: SocketAddr,
    /// Address of the admin API (health, metrics, failed items, last requests).
    #[arg(long, default_value = "127.0.0.1:8089")]
    admin_listen: SocketAddr,
    /// Send to this base URL instead of Amplitude's hosts (e.g. `ampline mock-amplitude`'s).
    #[arg(long)]
    amplitude_url: Option<String>,
    /// On SIGTERM, how long to keep sending what is due before exiting (seconds).
    #[arg(long, default_value_t = 10)]
    shutdown_grace_secs: u64,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The configuration file to check.
    config: PathBuf,
}

pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let options = ServeOptions {
        config_path: args.config.clone(),
        data_dir: args.data_dir.clone(),
        listen: args.listen,
        admin_listen: args.admin_listen,
        amplitude_url: args.amplitude_url.clone(),
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime
        .block_on(ampline_server::serve(options))
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Reports every problem with its place, then every trigger that Segment would read
/// differently; problems fail the command, warnings don't.
pub fn validate(args: &ValidateArgs) -> anyhow::Result<()> {
    let config = read_config(&args.config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let pipeline = config
        .compile(&|var| std::env::var(var).ok())
        .map_err(|errors| anyhow::anyhow!("{} is invalid:\n{errors}", args.config.display()))?;
    for mapping in &pipeline.mappings {
        for warning in mapping.trigger.warnings() {
            eprintln!(
                "warning: mapping {:?}: trigger at position {}: {}",
                mapping.name, warning.position, warning.message
            );
        }
    }
    let mode = if pipeline.is_dry_run() {
        ", dry run: no destination api_key"
    } else {
        ""
    };
    super::print_line(&format!(
        "{}: valid ({} enabled mappings, {} for the browser{mode})",
        args.config.display(),
        pipeline.mappings.len(),
        pipeline.browser.len()
    ))
}
