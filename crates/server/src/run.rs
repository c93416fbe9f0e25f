//! The process around the parts: data directory, listeners, signals and the order things stop in.
//!
//! Start: read the configuration (or, with none, the zero-config default: a write key kept in the
//! data directory, the presets, dry run), open the queue, start router and sender, bind the
//! tracking and admin listeners, print where they are.
//!
//! SIGHUP: re-read and re-compile the configuration; a valid one replaces the pipeline (sources,
//! destination, mappings, `[server]` ingest settings, admin token), an invalid one is logged
//! problem by problem and the running pipeline stays. Listen addresses and `[delivery]` need a
//! restart.
//!
//! SIGTERM / SIGINT: readiness fails, the tracking API stops accepting and finishes the requests
//! it has (each one answered only once durable), the router routes everything accepted, the
//! sender sends what is due within the grace period, then the queue closes. What is left is sent
//! after the next start.

use crate::admin::admin_app;
use crate::config::Config;
use crate::{app, now_ms, spawn_workers, AppState, SenderOptions};
use ampline_amplitude::Secret;
use ampline_queue::{Queue, QueueOptions, SqliteQueue};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where and how `ampline serve` runs; the rest comes from the configuration file.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `None`: the zero-config default.
    pub config_path: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub admin_listen: SocketAddr,
    /// Replaces Amplitude's scheme and host (a mock's URL).
    pub amplitude_url: Option<String>,
    /// How long shutdown waits for due deliveries to be sent.
    pub shutdown_grace: Duration,
}

/// The file in the data directory that keeps the zero-config write key.
pub const WRITE_KEY_FILE: &str = "write-key";
/// The file in the data directory that keeps the generated admin token.
pub const ADMIN_TOKEN_FILE: &str = "admin-token";
/// How often routed events older than the retention are purged from the archive.
const PURGE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Reads the configuration file; every problem is reported with its place.
pub fn read_config(path: &Path) -> Result<Config, BoxError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Config::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// The secret kept in `dir/name`, created (32 random hex digits, readable by the owner only)
/// when missing, so it survives restarts.
pub fn persistent_secret(dir: &Path, name: &str) -> Result<String, BoxError> {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => return Ok(text.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
    }
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness for {name}: {e}"))?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{secret}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(secret)
}

/// Runs until SIGTERM or SIGINT, then shuts down in order.
pub async fn serve(options: ServeOptions) -> Result<(), BoxError> {
    std::fs::create_dir_all(&options.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", options.data_dir.display()))?;
    let config = match &options.config_path {
        Some(path) => read_config(path)?,
        None => Config::zero_config(&persistent_secret(&options.data_dir, WRITE_KEY_FILE)?),
    };
    let pipeline = config.compile(&env)?;
    let admin_token = persistent_secret(&options.data_dir, ADMIN_TOKEN_FILE)?;
    let dry_run = pipeline.is_dry_run();
    let mut queue_options = QueueOptions::default();
    if let Some(retention) = config.server.archive_retention {
        queue_options.retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    }
    let dir = options.data_dir.clone();
    let queue =
        tokio::task::spawn_blocking(move || SqliteQueue::open(&dir, queue_options)).await??;
    let state = AppState::new(pipeline, Arc::new(queue), Secret::new(admin_token));
    let sender_options = SenderOptions {
        base_url: options.amplitude_url.clone(),
        ..config.sender_options()
    };
    let workers = spawn_workers(&state, sender_options);

    let tracking = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let admin = tokio::net::TcpListener::bind(options.admin_listen)
        .await
        .map_err(|e| format!("cannot listen on {} (admin): {e}", options.admin_listen))?;
    let tracking_address = tracking.local_addr()?;
    let admin_address = admin.local_addr()?;
    announce(&options, tracking_address, admin_address, dry_run);

    let purge = tokio::spawn(purge_archive(state.clone()));
    let reload = options
        .config_path
        .clone()
        .map(|path| tokio::spawn(reload_on_hangup(state.clone(), path)));

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let tracking_server = {
        let mut stop = stop_rx.clone();
        axum::serve(
            tracking,
            app(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
    };
    let admin_server = {
        let mut stop = stop_rx.clone();
        axum::serve(admin, admin_app(state.clone())).with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
    };
    let admin_task = tokio::spawn(async move { admin_server.await });
    let signal_state = state.clone();
    tokio::spawn(async move {
        wait_for_termination().await;
        tracing::info!("shutting down: no new requests; finishing what was accepted");
        signal_state.begin_shutdown();
        let _ = stop_tx.send(true);
    });

    let served = tracking_server.await;
    workers.drain(&state, options.shutdown_grace).await;
    purge.abort();
    if let Some(reload) = reload {
        reload.abort();
    }
    let _ = admin_task.await;
    tracing::info!("stopped");
    Ok(served?)
}

/// One line on standard output that scripts can read, then how to try it. A closed standard
/// output (a supervisor that stopped reading) must not stop the server, so write errors are
/// ignored.
fn announce(options: &ServeOptions, tracking: SocketAddr, admin: SocketAddr, dry_run: bool) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "ampline serve: tracking API on http://{tracking}, admin API on http://{admin}"
    );
    let data_dir = options.data_dir.display();
    if options.config_path.is_none() {
        let _ = writeln!(
            out,
            "No configuration given: one source, the Amplitude presets, dry run (nothing is sent).\n\
             Try it:\n  curl -su \"$(cat {data_dir}/{WRITE_KEY_FILE}):\" http://{tracking}/v1/track \
             -H 'content-type: application/json' -d '{{\"event\":\"Tried ampline\",\"userId\":\"user-1\"}}'\n\
             Then see what would have been sent:\n  curl -sH \"Authorization: Bearer $(cat {data_dir}/{ADMIN_TOKEN_FILE})\" \
             http://{admin}/api/deliveries"
        );
    } else if dry_run {
        let _ = writeln!(
            out,
            "No destination api_key configured: dry run (requests are recorded, not sent)."
        );
    }
    let _ = out.flush();
    tracing::info!(%tracking, %admin, dry_run, "ampline serve started");
}

async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot watch SIGTERM; only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Re-reads `path`, compiles it and swaps it in; a bad file changes nothing.
pub fn reload(state: &AppState, path: &Path) -> Result<(), BoxError> {
    let compiled = read_config(path).and_then(|config| Ok(config.compile(&env)?));
    match compiled {
        Ok(pipeline) => {
            let mappings = pipeline.mappings.len();
            state.replace_pipeline(pipeline);
            state.metrics.count_reload(true);
            tracing::info!(mappings, "configuration reloaded");
            Ok(())
        }
        Err(error) => {
            state.metrics.count_reload(false);
            for line in error.to_string().lines() {
                tracing::error!(problem = %line, "configuration not reloaded");
            }
            Err(error)
        }
    }
}

#[cfg(unix)]
async fn reload_on_hangup(state: AppState, path: PathBuf) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(error) => {
            tracing::warn!(%error, "cannot watch SIGHUP; reload needs a restart");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        let (state, path) = (state.clone(), path.clone());
        let _ = tokio::task::spawn_blocking(move || reload(&state, &path)).await;
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_state: AppState, _path: PathBuf) {}

async fn purge_archive(state: AppState) {
    loop {
        let queue = Arc::clone(&state.queue);
        match tokio::task::spawn_blocking(move || queue.purge_archive(now_ms())).await {
            Ok(Ok(0)) => {}
            Ok(Ok(purged)) => tracing::info!(purged, "archive: old events purged"),
            Ok(Err(error)) => tracing::error!(%error, "archive purge failed"),
            Err(error) => tracing::error!(%error, "archive purge task failed"),
        }
        tokio::time::sleep(PURGE_EVERY).await;
    }
}
