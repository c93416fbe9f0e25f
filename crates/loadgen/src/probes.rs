//! What the load generator watches besides its own requests: the mock's totals, a process's
//! memory and CPU from `/proc`, and the queue's monotonic counters.

use anyhow::Context as _;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The mock's totals since its last reset (`GET /_mock/summary`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MockTotals {
    /// Events stored (first sightings of their insert_id).
    pub events: u64,
    /// Re-sends the mock answered 200 but did not store again.
    pub duplicates: u64,
    /// Every request to Amplitude's endpoints, whatever its answer.
    pub requests: u64,
}

impl MockTotals {
    pub fn since(self, start: MockTotals) -> MockTotals {
        MockTotals {
            events: self.events.saturating_sub(start.events),
            duplicates: self.duplicates.saturating_sub(start.duplicates),
            requests: self.requests.saturating_sub(start.requests),
        }
    }
}

pub async fn mock_totals(client: &reqwest::Client, mock_url: &str) -> anyhow::Result<MockTotals> {
    let url = format!("{}/_mock/summary", mock_url.trim_end_matches('/'));
    let summary: Value = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?
        .error_for_status()?
        .json()
        .await
        .context("reading the mock's summary")?;
    let total = |name: &str| summary["totals"][name].as_u64().unwrap_or(0);
    Ok(MockTotals {
        events: total("events"),
        duplicates: total("duplicates"),
        requests: total("requests"),
    })
}

/// Memory and CPU of one process, from `/proc/<pid>/status` and `/proc/<pid>/stat`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessSample {
    pub rss_kb: u64,
    /// Peak resident set (VmHWM) since the process started.
    pub peak_rss_kb: u64,
    /// User + system CPU time.
    pub cpu_secs: f64,
}

/// Linux reports `/proc/<pid>/stat` times in USER_HZ, which is 100 on every architecture's ABI.
const USER_HZ: f64 = 100.0;

pub fn process_sample(pid: u32) -> anyhow::Result<ProcessSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status (is the process running?)"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, i.e. 12 and 13 after the name.
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|t| t.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok(ProcessSample {
        rss_kb: field("VmRSS:"),
        peak_rss_kb: field("VmHWM:"),
        cpu_secs: (ticks(11) + ticks(12)) / USER_HZ,
    })
}

/// The queue's monotonic counters, read from its SQLite file by a read-only connection (the
/// server keeps writing; WAL lets this reader see committed totals without blocking it).
pub struct QueueProbe {
    path: PathBuf,
    connection: Option<rusqlite::Connection>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounters {
    pub appended: u64,
    pub routed: u64,
    pub delivered: u64,
    pub retried: u64,
    pub failed: u64,
}

impl QueueProbe {
    /// `path` is the data directory or the `queue.sqlite3` file in it.
    pub fn new(path: &Path) -> QueueProbe {
        let path = if path.is_dir() {
            path.join("queue.sqlite3")
        } else {
            path.to_owned()
        };
        QueueProbe {
            path,
            connection: None,
        }
    }

    pub fn counters(&mut self) -> anyhow::Result<QueueCounters> {
        if self.connection.is_none() {
            let connection = rusqlite::Connection::open_with_flags(
                &self.path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .with_context(|| format!("opening {}", self.path.display()))?;
            connection.busy_timeout(std::time::Duration::from_millis(200))?;
            self.connection = Some(connection);
        }
        let Some(connection) = self.connection.as_ref() else {
            anyhow::bail!("no connection");
        };
        let mut counters = QueueCounters::default();
        let mut statement = connection.prepare_cached("SELECT name, value FROM counters")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (name, value) = row?;
            let value = u64::try_from(value).unwrap_or(0);
            match name.as_str() {
                "appended" => counters.appended = value,
                "routed" => counters.routed = value,
                "delivered" => counters.delivered = value,
                "retried" => counters.retried = value,
                "failed" => counters.failed = value,
                _ => {}
            }
        }
        Ok(counters)
    }
}
