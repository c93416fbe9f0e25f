//! The state every request handler sees, and the two lookups from credentials to a project.

use crate::config::{Config, Region};
use crate::faults::Faults;
use crate::reply::Reply;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Lock order, where both are needed: `faults`, then `store`.
pub struct Shared {
    pub config: Config,
    pub store: Mutex<Store>,
    pub faults: Mutex<Faults>,
    next_request_id: AtomicU64,
    projects_by_key: HashMap<String, Vec<ProjectEntry>>,
}

struct ProjectEntry {
    name: Arc<str>,
    secret_key: Option<String>,
    region: Region,
}

impl Shared {
    pub fn new(config: Config, store: Store, last_request_id: u64) -> Shared {
        let mut projects_by_key: HashMap<String, Vec<ProjectEntry>> = HashMap::new();
        for project in &config.projects {
            projects_by_key
                .entry(project.api_key.clone())
                .or_default()
                .push(ProjectEntry {
                    name: Arc::from(project.name.as_str()),
                    secret_key: project.secret_key.clone(),
                    region: project.region,
                });
        }
        Shared {
            config,
            store: Mutex::new(store),
            faults: Mutex::new(Faults::default()),
            next_request_id: AtomicU64::new(last_request_id + 1),
            projects_by_key,
        }
    }

    pub fn next_request_id(&self) -> u64 {
        self.next_request_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn now_ms(&self) -> u64 {
        self.config.clock.now_ms()
    }

    /// A poisoned lock only means another request panicked; the data is still usable.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn open_mode(&self) -> bool {
        self.config.projects.is_empty()
    }

    /// The project an ingestion API key belongs to, in the region the request reached (any, on
    /// a host that names no region).
    pub fn project_for_key(
        &self,
        api_key: &str,
        region: Option<Region>,
    ) -> Result<Arc<str>, Reply> {
        if self.open_mode() {
            return Ok(open_project_name(api_key));
        }
        self.projects_by_key
            .get(api_key)
            .into_iter()
            .flatten()
            .find(|entry| region.is_none_or(|region| region == entry.region))
            .map(|entry| Arc::clone(&entry.name))
            .ok_or_else(|| Reply::invalid_api_key(api_key))
    }

    /// The project that Basic credentials `api_key:secret_key` open, for the dashboard APIs.
    pub fn project_for_credentials(
        &self,
        credentials: Option<(String, String)>,
        region: Option<Region>,
    ) -> Result<Arc<str>, Reply> {
        let (api_key, secret_key) = credentials.ok_or_else(Reply::unauthorized)?;
        if self.open_mode() {
            if api_key.is_empty() || secret_key.is_empty() {
                return Err(Reply::unauthorized());
            }
            return Ok(open_project_name(&api_key));
        }
        self.projects_by_key
            .get(&api_key)
            .into_iter()
            .flatten()
            .find(|entry| {
                region.is_none_or(|region| region == entry.region)
                    && entry.secret_key.as_deref() == Some(secret_key.as_str())
            })
            .map(|entry| Arc::clone(&entry.name))
            .ok_or_else(Reply::unauthorized)
    }
}

/// In open mode a key is its own project, named by a fingerprint so the key itself never
/// appears in records, logs or the state file.
pub fn open_project_name(api_key: &str) -> Arc<str> {
    // FNV-1a: stable across runs and Rust versions, which the state file relies on.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in api_key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Arc::from(format!("key-{hash:016x}"))
}
