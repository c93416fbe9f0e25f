//! What the mock accepts and how strictly: projects (API keys), limits, and the switches for the
//! points where Amplitude's documentation is ambiguous.

use crate::clock::{Clock, SystemClock};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Amplitude's data centres. A key belongs to one; a request that reaches the other region's
/// host is refused as an invalid key, as Amplitude does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Us,
    Eu,
}

impl Region {
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }
}

/// One Amplitude project: its API key, the secret key for the dashboard APIs (deletions, user
/// search), and its region. `Debug` never shows the keys.
#[derive(Clone)]
pub struct Project {
    /// How records and the request log name this project (API keys are never shown).
    pub name: String,
    pub api_key: String,
    pub secret_key: Option<String>,
    pub region: Region,
}

impl Project {
    pub fn new(name: impl Into<String>, api_key: impl Into<String>) -> Project {
        Project {
            name: name.into(),
            api_key: api_key.into(),
            secret_key: None,
            region: Region::Us,
        }
    }

    pub fn with_secret_key(mut self, secret_key: impl Into<String>) -> Project {
        self.secret_key = Some(secret_key.into());
        self
    }

    pub fn in_region(mut self, region: Region) -> Project {
        self.region = region;
        self
    }
}

impl fmt::Debug for Project {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Project")
            .field("name", &self.name)
            .field("api_key", &"<redacted>")
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("region", &self.region)
            .finish()
    }
}

/// Amplitude's limits. Defaults are the documented values; tests shrink windows or thresholds.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Events per `/2/httpapi` or `/batch` request; more → 413.
    pub max_events_per_request: usize,
    /// Largest `/2/httpapi` body, measured after gunzip (Amplitude: "< 1 MB").
    pub httpapi_max_bytes: usize,
    /// Largest `/batch` body, measured after gunzip (Amplitude: 20 MB).
    pub batch_max_bytes: usize,
    /// Largest form-endpoint body (`/identify`, `/groupidentify`, `/usermap`).
    pub form_max_bytes: usize,
    /// Longest string value kept; longer ones are truncated (in chars).
    pub max_string_chars: usize,
    /// `options.min_id_length` when a request does not set it.
    pub default_min_id_length: usize,
    /// Length of the sliding window over which events per second are averaged.
    pub rate_window: Duration,
    /// Mean events/s per device or user above which `/2/httpapi` and `/identify` answer 429.
    pub httpapi_eps: u64,
    /// Mean events/s per device or user above which `/batch` answers 429.
    pub batch_eps: u64,
    /// Events per device or user per rolling 24 hours on `/batch`; `None` disables the check.
    pub batch_daily_quota: Option<u64>,
    /// How long an `insert_id` is remembered.
    pub dedup_window: Duration,
    /// Identifications per `/groupidentify` request; more → 413.
    pub max_group_identifications: usize,
    /// Mappings per `/usermap` request; more → 413.
    pub max_mappings_per_request: usize,
    /// Mean mappings/s per project (over `rate_window`) above which every `/usermap` is throttled.
    pub usermap_per_second: u64,
    /// IDs per deletion request; more → 400.
    pub max_deletion_ids: usize,
    /// Deletion requests per second per project; more → 429.
    pub deletion_requests_per_second: u64,
    /// User-search requests per hour per project; more → 429.
    pub usersearch_per_hour: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_events_per_request: 2000,
            httpapi_max_bytes: 1_000_000,
            batch_max_bytes: 20_000_000,
            form_max_bytes: 1_000_000,
            max_string_chars: 1024,
            default_min_id_length: 5,
            rate_window: Duration::from_secs(30),
            httpapi_eps: 30,
            batch_eps: 1000,
            batch_daily_quota: Some(500_000),
            dedup_window: Duration::from_secs(7 * 24 * 3600),
            max_group_identifications: 1024,
            max_mappings_per_request: 2000,
            usermap_per_second: 50,
            max_deletion_ids: 100,
            deletion_requests_per_second: 1,
            usersearch_per_hour: 360,
        }
    }
}

/// Which event indexes a 400 lists per field. Amplitude's two pages disagree: HTTP V2 says the
/// first failing event, Batch says every failing event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexReporting {
    #[default]
    All,
    FirstPerField,
}

/// Everything the mock is started with.
#[derive(Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free one.
    pub bind: SocketAddr,
    /// Accepted projects. Empty = open mode: any non-empty API key is accepted, each key being its
    /// own project (named by a fingerprint, never the key), and any Basic credentials with a
    /// non-empty secret pass.
    pub projects: Vec<Project>,
    pub limits: Limits,
    pub index_reporting: IndexReporting,
    /// Whether `events_ingested` counts de-duplicated events (Amplitude does not say).
    pub count_duplicates: bool,
    /// Refuse `/2/httpapi` and `/batch` bodies whose Content-Type is not JSON.
    pub require_json_content_type: bool,
    /// Keep every accepted record in memory (queryable). Off for a pure benchmark sink: counts,
    /// de-duplication and rate limits still work.
    pub retain_records: bool,
    /// How many request-log entries to keep (oldest dropped first).
    pub request_log_capacity: usize,
    /// Append-only journal of accepted data, replayed at start (see the crate docs).
    pub state_file: Option<PathBuf>,
    /// Print one line per request to stderr (method, path, status, counts; never keys).
    pub log_requests: bool,
    pub clock: Arc<dyn Clock>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            projects: Vec::new(),
            limits: Limits::default(),
            index_reporting: IndexReporting::All,
            count_duplicates: true,
            require_json_content_type: true,
            retain_records: true,
            request_log_capacity: 100_000,
            state_file: None,
            log_requests: false,
            clock: Arc::new(SystemClock),
        }
    }
}

impl Config {
    /// A config accepting exactly these projects.
    pub fn with_projects(projects: impl IntoIterator<Item = Project>) -> Config {
        Config {
            projects: projects.into_iter().collect(),
            ..Config::default()
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("projects", &self.projects)
            .field("limits", &self.limits)
            .field("index_reporting", &self.index_reporting)
            .field("count_duplicates", &self.count_duplicates)
            .field("require_json_content_type", &self.require_json_content_type)
            .field("retain_records", &self.retain_records)
            .field("state_file", &self.state_file)
            .finish_non_exhaustive()
    }
}
