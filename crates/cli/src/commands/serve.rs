//! `ampline serve` and `ampline validate`: run the router, or check its configuration.

use ampline_server::{Config, SenderOptions};
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The configuration (TOML: sources, destination, mappings); see README.
    #[arg(long)]
    config: PathBuf,
    /// Where the durable queue lives (created if missing).
    #[arg(long, default_value = "ampline-data")]
    data_dir: PathBuf,
    /// Address of Segment's tracking API.
    #[arg(long, default_value = "127.0.0.1:8088")]
    listen: SocketAddr,
    /// Send to this base URL instead of Amplitude's hosts (e.g. `ampline mock-amplitude`'s).
    #[arg(long)]
    amplitude_url: Option<String>,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The configuration file to check.
    config: PathBuf,
}

fn read_config(path: &Path) -> anyhow::Result<Config> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Config::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let config = read_config(&args.config)?;
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let options = SenderOptions {
        base_url: args.amplitude_url.clone(),
        ..SenderOptions::default()
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime
        .block_on(ampline_server::serve(
            config,
            &args.data_dir,
            args.listen,
            options,
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Reports every problem with its place, then every trigger that Segment would read
/// differently; problems fail the command, warnings don't.
pub fn validate(args: &ValidateArgs) -> anyhow::Result<()> {
    let config = read_config(&args.config)?;
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
    super::print_line(&format!(
        "{}: valid ({} enabled mappings)",
        args.config.display(),
        pipeline.mappings.len()
    ))
}
