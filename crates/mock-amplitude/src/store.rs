//! The state behind one lock: records, totals, the insert_id window, rate-limit counters, the
//! user registry (for deletions and user search), the request log and the journal.
//!
//! Everything here has already passed validation; what is left is what needs memory of earlier
//! requests: silenced devices, throttling, de-duplication. Any refusal happens before anything
//! is stored, so a 400/429 ingests nothing.

use crate::clock::day_string;
use crate::config::Limits;
use crate::dedup::{dedup_key, Dedup, DedupScope};
// Seeded and much cheaper than SipHash on the short ids these maps are keyed by.
use crate::faults::Faults;
use crate::journal::{Journal, JournalEntry};
use crate::ratelimit::{KeyedCounters, Window};
use crate::records::{RecordFilter, RecordKind, Recorded, RequestLogEntry};
use crate::reply::Reply;
use crate::validate::dashboard::DeletionRequest;
use foldhash::HashMap as FastMap;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// Which throttle class an ingestion endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateClass {
    /// `/2/httpapi` and `/identify`: 30 EPS per device/user by default.
    Realtime,
    /// `/batch`: 1000 EPS and the daily quota.
    Batch,
}

/// The outcome of storing a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ingested {
    pub accepted: usize,
    pub duplicates: usize,
}

/// Counts of everything accepted since the last reset (kept even when records are not retained).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub events: u64,
    pub identifies: u64,
    pub group_identifies: u64,
    pub mappings: u64,
    pub deletions: u64,
    pub duplicates: u64,
    pub requests: u64,
}

impl Totals {
    pub fn to_json(&self) -> Value {
        json!({
            "events": self.events,
            "identifies": self.identifies,
            "groupidentifies": self.group_identifies,
            "usermaps": self.mappings,
            "deletions": self.deletions,
            "duplicates": self.duplicates,
            "requests": self.requests,
        })
    }
}

/// Amplitude IDs the mock hands out to the users and devices it sees.
#[derive(Debug, Default, Clone)]
struct UserRegistry {
    by_user: FastMap<String, u64>,
    by_device: FastMap<String, u64>,
    user_of: BTreeMap<u64, Option<String>>,
}

impl UserRegistry {
    fn observe(&mut self, user_id: Option<&str>, device_id: Option<&str>, next_id: &mut u64) {
        let mut fresh = || {
            let id = *next_id;
            *next_id += 1;
            id
        };
        match (user_id, device_id) {
            (Some(user), device) => {
                let amplitude_id = match self.by_user.get(user) {
                    Some(&id) => id,
                    None => {
                        // A device seen before its user logged in becomes that user.
                        let anonymous = device
                            .and_then(|device| self.by_device.get(device).copied())
                            .filter(|id| matches!(self.user_of.get(id), Some(None)));
                        let id = anonymous.unwrap_or_else(&mut fresh);
                        self.by_user.insert(user.to_owned(), id);
                        self.user_of.insert(id, Some(user.to_owned()));
                        id
                    }
                };
                if let Some(device) = device {
                    if !self.by_device.contains_key(device) {
                        self.by_device.insert(device.to_owned(), amplitude_id);
                    }
                }
            }
            (None, Some(device)) => {
                if !self.by_device.contains_key(device) {
                    let id = fresh();
                    self.by_device.insert(device.to_owned(), id);
                    self.user_of.insert(id, None);
                }
            }
            (None, None) => {}
        }
    }
}

pub struct Store {
    limits: Limits,
    retain_records: bool,
    request_log_capacity: usize,
    records: HashMap<RecordKind, Vec<Recorded>>,
    totals: Totals,
    dedup: Dedup,
    realtime_users: KeyedCounters,
    realtime_devices: KeyedCounters,
    batch_users: KeyedCounters,
    batch_devices: KeyedCounters,
    daily_users: KeyedCounters,
    daily_devices: KeyedCounters,
    usermap_rate: KeyedCounters,
    deletion_rate: KeyedCounters,
    usersearch_rate: KeyedCounters,
    registry: FastMap<Arc<str>, UserRegistry>,
    next_amplitude_id: u64,
    request_log: VecDeque<RequestLogEntry>,
    journal: Option<Journal>,
    journal_error: Option<String>,
}

const DAY: Duration = Duration::from_secs(24 * 3600);
const FIRST_AMPLITUDE_ID: u64 = 100_000_000_001;
/// The per-project counters key everything under one ID.
const PROJECT_WIDE: &str = "*";

impl Store {
    pub fn new(limits: Limits, retain_records: bool, request_log_capacity: usize) -> Store {
        let rate_window = Window::new(limits.rate_window, 30);
        Store {
            retain_records,
            request_log_capacity,
            records: HashMap::new(),
            totals: Totals::default(),
            dedup: Dedup::new(u64::try_from(limits.dedup_window.as_millis()).unwrap_or(u64::MAX)),
            realtime_users: KeyedCounters::new(rate_window),
            realtime_devices: KeyedCounters::new(rate_window),
            batch_users: KeyedCounters::new(rate_window),
            batch_devices: KeyedCounters::new(rate_window),
            daily_users: KeyedCounters::new(Window::new(DAY, 24)),
            daily_devices: KeyedCounters::new(Window::new(DAY, 24)),
            usermap_rate: KeyedCounters::new(rate_window),
            deletion_rate: KeyedCounters::new(Window::new(Duration::from_secs(1), 1)),
            usersearch_rate: KeyedCounters::new(Window::new(Duration::from_secs(3600), 60)),
            registry: FastMap::default(),
            next_amplitude_id: FIRST_AMPLITUDE_ID,
            request_log: VecDeque::new(),
            journal: None,
            journal_error: None,
            limits,
        }
    }

    /// Rebuilds state from a journal, then keeps appending to it. Returns the highest request ID
    /// seen, so new requests continue after it.
    pub fn attach_journal(&mut self, journal: Journal, entries: Vec<JournalEntry>) -> u64 {
        let mut last_request_id = 0;
        for entry in entries {
            last_request_id = last_request_id.max(entry.request_id);
            let kind = entry.kind;
            for record in entry.into_records() {
                self.replay(kind, record);
            }
        }
        self.journal = Some(journal);
        last_request_id
    }

    fn replay(&mut self, kind: RecordKind, record: Recorded) {
        if kind == RecordKind::Events {
            if let Some(key) = event_dedup_key(&record.project, &record.item) {
                self.dedup.first_sighting(key, record.received_ms);
            }
        }
        if matches!(kind, RecordKind::Events | RecordKind::Identifies) {
            self.observe_user(&record.project, &record.item);
        }
        self.count(kind, 1);
        self.keep(kind, record);
    }

    fn observe_user(&mut self, project: &Arc<str>, item: &Value) {
        let user_id = item.get("user_id").and_then(Value::as_str);
        let device_id = item.get("device_id").and_then(Value::as_str);
        let registry = match self.registry.get_mut(&**project) {
            Some(registry) => registry,
            None => self.registry.entry(Arc::clone(project)).or_default(),
        };
        registry.observe(user_id, device_id, &mut self.next_amplitude_id);
    }

    fn count(&mut self, kind: RecordKind, count: u64) {
        let total = match kind {
            RecordKind::Events => &mut self.totals.events,
            RecordKind::Identifies => &mut self.totals.identifies,
            RecordKind::GroupIdentifies => &mut self.totals.group_identifies,
            RecordKind::Mappings => &mut self.totals.mappings,
            RecordKind::Deletions => &mut self.totals.deletions,
        };
        *total += count;
    }

    fn keep(&mut self, kind: RecordKind, record: Recorded) {
        if self.retain_records {
            self.records.entry(kind).or_default().push(record);
        }
    }

    /// Appends to the journal and stores; a journal failure is reported once in the summary
    /// rather than failing the request (the data is still accepted in memory).
    fn commit(&mut self, kind: RecordKind, records: Vec<Recorded>) {
        if let Some(journal) = &mut self.journal {
            let refs: Vec<&Recorded> = records.iter().collect();
            if let Err(error) = journal.append(&refs, kind) {
                self.journal_error.get_or_insert(error.to_string());
            }
        }
        self.count(kind, u64::try_from(records.len()).unwrap_or(u64::MAX));
        if self.retain_records {
            self.records.entry(kind).or_default().extend(records);
        }
    }

    /// Stores validated, normalized events unless a silenced device or a throttle refuses them.
    ///
    /// Events it does not keep (duplicates, or all of them when records are not retained) are
    /// left in `events`, so the caller frees them after releasing the lock: freeing 2000 parsed
    /// events costs more than storing them, and must not serialize concurrent requests.
    #[allow(clippy::too_many_arguments)]
    pub fn ingest_events(
        &mut self,
        project: &Arc<str>,
        endpoint: &Arc<str>,
        class: RateClass,
        events: &mut Vec<Value>,
        request_id: u64,
        now_ms: u64,
        faults: &Faults,
    ) -> Result<Ingested, Reply> {
        check_silenced(events, faults, self.eps(class))?;
        self.check_rates(project, class, events, now_ms, faults)?;
        let mut ingested = Ingested::default();
        let keep = self.retain_records || self.journal.is_some();
        let mut accepted = Vec::with_capacity(if keep { events.len() } else { 0 });
        let incoming = std::mem::take(events);
        for (index, event) in incoming.into_iter().enumerate() {
            if let Some(key) = event_dedup_key(project, &event) {
                if !self.dedup.first_sighting(key, now_ms) {
                    ingested.duplicates += 1;
                    events.push(event);
                    continue;
                }
            }
            self.observe_user(project, &event);
            ingested.accepted += 1;
            if !keep {
                events.push(event);
            } else {
                accepted.push(Recorded {
                    request_id,
                    project: Arc::clone(project),
                    endpoint: Arc::clone(endpoint),
                    index,
                    received_ms: now_ms,
                    item: event,
                });
            }
        }
        self.totals.duplicates += u64::try_from(ingested.duplicates).unwrap_or(u64::MAX);
        if accepted.is_empty() {
            self.count(RecordKind::Events, ingested.accepted as u64);
        } else {
            self.commit(RecordKind::Events, accepted);
        }
        Ok(ingested)
    }

    /// Stores identifications, throttled like `/2/httpapi` events.
    pub fn ingest_identifies(
        &mut self,
        project: &Arc<str>,
        endpoint: &Arc<str>,
        items: Vec<Value>,
        request_id: u64,
        now_ms: u64,
        faults: &Faults,
    ) -> Result<Ingested, Reply> {
        self.check_rates(project, RateClass::Realtime, &items, now_ms, faults)?;
        for item in &items {
            self.observe_user(project, item);
        }
        Ok(self.store_all(
            RecordKind::Identifies,
            project,
            endpoint,
            items,
            request_id,
            now_ms,
        ))
    }

    pub fn ingest_group_identifies(
        &mut self,
        project: &Arc<str>,
        endpoint: &Arc<str>,
        items: Vec<Value>,
        request_id: u64,
        now_ms: u64,
    ) -> Ingested {
        self.store_all(
            RecordKind::GroupIdentifies,
            project,
            endpoint,
            items,
            request_id,
            now_ms,
        )
    }

    /// Stores mappings unless the project is over its mapping rate, in which case every request
    /// is refused until the window recovers.
    pub fn ingest_mappings(
        &mut self,
        project: &Arc<str>,
        endpoint: &Arc<str>,
        items: Vec<Value>,
        request_id: u64,
        now_ms: u64,
    ) -> Result<Ingested, Reply> {
        let count = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let current = self.usermap_rate.current(project, PROJECT_WIDE, now_ms);
        let window = *self.usermap_rate.window();
        if window.exceeds(current + count, self.limits.usermap_per_second) {
            return Err(Reply::json(
                429,
                json!({"code": 429, "error": "Too many requests for user mappings",
                       "eps_threshold": self.limits.usermap_per_second}),
            ));
        }
        self.usermap_rate.add(project, PROJECT_WIDE, now_ms, count);
        Ok(self.store_all(
            RecordKind::Mappings,
            project,
            endpoint,
            items,
            request_id,
            now_ms,
        ))
    }

    fn store_all(
        &mut self,
        kind: RecordKind,
        project: &Arc<str>,
        endpoint: &Arc<str>,
        items: Vec<Value>,
        request_id: u64,
        now_ms: u64,
    ) -> Ingested {
        let records: Vec<Recorded> = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| Recorded {
                request_id,
                project: Arc::clone(project),
                endpoint: Arc::clone(endpoint),
                index,
                received_ms: now_ms,
                item,
            })
            .collect();
        let accepted = records.len();
        self.commit(kind, records);
        Ingested {
            accepted,
            duplicates: 0,
        }
    }

    fn eps(&self, class: RateClass) -> u64 {
        match class {
            RateClass::Realtime => self.limits.httpapi_eps,
            RateClass::Batch => self.limits.batch_eps,
        }
    }

    /// Amplitude's per-device and per-user throttle: the mean over the window, counting this
    /// request, above the class's EPS → 429 for the whole request. Refused events do not count.
    fn check_rates(
        &mut self,
        project: &Arc<str>,
        class: RateClass,
        items: &[Value],
        now_ms: u64,
        faults: &Faults,
    ) -> Result<(), Reply> {
        let eps = self.eps(class);
        let mut per_user: FastMap<&str, u64> = FastMap::default();
        let mut per_device: FastMap<&str, u64> = FastMap::default();
        for item in items {
            if let Some(user) = item.get("user_id").and_then(Value::as_str) {
                *per_user.entry(user).or_default() += 1;
            }
            if let Some(device) = item.get("device_id").and_then(Value::as_str) {
                *per_device.entry(device).or_default() += 1;
            }
        }
        let daily_quota = match class {
            RateClass::Batch => self.limits.batch_daily_quota,
            RateClass::Realtime => None,
        };
        let (users, devices) = match class {
            RateClass::Realtime => (&mut self.realtime_users, &mut self.realtime_devices),
            RateClass::Batch => (&mut self.batch_users, &mut self.batch_devices),
        };
        let forced = faults.throttled_ids();
        let throttled_users = over_rate(users, project, &per_user, eps, now_ms, forced);
        let throttled_devices = over_rate(devices, project, &per_device, eps, now_ms, forced);
        let (daily_users, daily_devices) = match daily_quota {
            Some(quota) => (
                over_quota(&mut self.daily_users, project, &per_user, quota, now_ms),
                over_quota(&mut self.daily_devices, project, &per_device, quota, now_ms),
            ),
            None => (BTreeMap::new(), BTreeMap::new()),
        };
        if throttled_users.is_empty()
            && throttled_devices.is_empty()
            && daily_users.is_empty()
            && daily_devices.is_empty()
        {
            for (user, count) in per_user {
                users.add(project, user, now_ms, count);
                if daily_quota.is_some() {
                    self.daily_users.add(project, user, now_ms, count);
                }
            }
            for (device, count) in per_device {
                devices.add(project, device, now_ms, count);
                if daily_quota.is_some() {
                    self.daily_devices.add(project, device, now_ms, count);
                }
            }
            return Ok(());
        }
        let blocked =
            |field: &str, a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>, item: &Value| {
                item.get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|id| a.contains_key(id) || b.contains_key(id))
            };
        let throttled_events: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                blocked("user_id", &throttled_users, &daily_users, item)
                    || blocked("device_id", &throttled_devices, &daily_devices, item)
            })
            .map(|(index, _)| index)
            .collect();
        let mut body = Map::new();
        body.insert("code".into(), json!(429));
        body.insert(
            "error".into(),
            json!("Too many requests for some devices and users"),
        );
        body.insert("eps_threshold".into(), json!(eps));
        body.insert("throttled_devices".into(), json!(throttled_devices));
        body.insert("throttled_users".into(), json!(throttled_users));
        body.insert("throttled_events".into(), json!(throttled_events));
        if !daily_devices.is_empty() {
            body.insert("exceeded_daily_quota_devices".into(), json!(daily_devices));
        }
        if !daily_users.is_empty() {
            body.insert("exceeded_daily_quota_users".into(), json!(daily_users));
        }
        Err(Reply::json(429, Value::Object(body)))
    }

    /// `POST /api/2/deletions/users`.
    pub fn request_deletion(
        &mut self,
        project: &Arc<str>,
        endpoint: &Arc<str>,
        request: &DeletionRequest,
        request_id: u64,
        now_ms: u64,
    ) -> Result<Value, Reply> {
        let current = self.deletion_rate.current(project, PROJECT_WIDE, now_ms);
        if current >= self.limits.deletion_requests_per_second {
            return Err(Reply::error(429, "Too many requests"));
        }
        self.deletion_rate.add(project, PROJECT_WIDE, now_ms, 1);
        let registry = self.registry.get(&**project);
        let mut found: Vec<(u64, Option<String>)> = Vec::new();
        let mut invalid: Vec<Value> = Vec::new();
        for user in &request.user_ids {
            match registry.and_then(|registry| registry.by_user.get(user)) {
                Some(&id) => found.push((id, Some(user.clone()))),
                None => invalid.push(json!(user)),
            }
        }
        for &id in &request.amplitude_ids {
            match registry.and_then(|registry| registry.user_of.get(&id)) {
                Some(user) => found.push((id, user.clone())),
                None => invalid.push(json!(id)),
            }
        }
        if !invalid.is_empty() && !request.ignore_invalid_ids {
            return Err(Reply::json(
                400,
                json!({"code": 400, "error": "Invalid user ids", "invalid_ids": invalid}),
            ));
        }
        let requested_on_day = day_string(now_ms);
        let amplitude_ids: Vec<Value> = found
            .into_iter()
            .map(|(amplitude_id, user_id)| {
                let mut entry = Map::new();
                entry.insert("amplitude_id".into(), json!(amplitude_id));
                entry.insert("requester".into(), json!(request.requester));
                entry.insert("requested_on_day".into(), json!(requested_on_day));
                if request.include_mapped_user_ids {
                    entry.insert("user_id".into(), json!(user_id));
                }
                Value::Object(entry)
            })
            .collect();
        // Amplitude schedules the job for a later day; the mock picks 30 days, its stated bound.
        let day = day_string(now_ms.saturating_add(30 * 86_400_000));
        let mut response = Map::new();
        response.insert("day".into(), json!(day));
        response.insert("status".into(), json!("staging"));
        response.insert("amplitude_ids".into(), Value::Array(amplitude_ids));
        if !invalid.is_empty() {
            response.insert("invalid_ids".into(), Value::Array(invalid));
        }
        let response = Value::Object(response);
        let mut item = response.clone();
        if let Value::Object(fields) = &mut item {
            fields.insert("user_ids".into(), json!(request.user_ids));
            fields.insert(
                "requested_amplitude_ids".into(),
                json!(request.amplitude_ids),
            );
            fields.insert("delete_from_org".into(), json!(request.delete_from_org));
        }
        self.store_all(
            RecordKind::Deletions,
            project,
            endpoint,
            vec![item],
            request_id,
            now_ms,
        );
        Ok(response)
    }

    /// `GET /api/2/deletions/users?start_day=&end_day=`: the jobs scheduled in that range.
    pub fn deletion_jobs(&self, project: &str, start_ms: u64, end_ms: u64) -> Value {
        let jobs: Vec<Value> = self
            .records
            .get(&RecordKind::Deletions)
            .into_iter()
            .flatten()
            .filter(|record| &*record.project == project)
            .filter(|record| {
                let day = record.item.get("day").and_then(Value::as_str);
                day.and_then(crate::clock::parse_day)
                    .is_some_and(|day| day >= start_ms && day <= end_ms)
            })
            .map(|record| {
                json!({"day": record.item.get("day"), "status": record.item.get("status"),
                       "amplitude_ids": record.item.get("amplitude_ids")})
            })
            .collect();
        Value::Array(jobs)
    }

    /// `GET /api/2/usersearch?user=`: an Amplitude ID, device ID, user ID or user-ID prefix.
    pub fn search_users(
        &mut self,
        project: &Arc<str>,
        query: &str,
        now_ms: u64,
    ) -> Result<Value, Reply> {
        let current = self.usersearch_rate.current(project, PROJECT_WIDE, now_ms);
        if current >= self.limits.usersearch_per_hour {
            return Err(Reply::error(429, "Too many requests"));
        }
        self.usersearch_rate.add(project, PROJECT_WIDE, now_ms, 1);
        let mut matches: Vec<(u64, Option<String>)> = Vec::new();
        if let Some(registry) = self.registry.get(&**project) {
            let mut push = |id: u64| {
                if !matches.iter().any(|(seen, _)| *seen == id) {
                    let user = registry.user_of.get(&id).cloned().flatten();
                    matches.push((id, user));
                }
            };
            if let Ok(id) = query.parse::<u64>() {
                if registry.user_of.contains_key(&id) {
                    push(id);
                }
            }
            if let Some(&id) = registry.by_device.get(query) {
                push(id);
            }
            if let Some(&id) = registry.by_user.get(query) {
                push(id);
            }
            if !query.is_empty() {
                let mut prefixed: Vec<(&String, &u64)> = registry
                    .by_user
                    .iter()
                    .filter(|(user, _)| user.starts_with(query))
                    .collect();
                prefixed.sort();
                for (_, &id) in prefixed.into_iter().take(100) {
                    push(id);
                }
            }
        }
        if matches.is_empty() {
            return Ok(json!({"type": "nomatch", "matches": []}));
        }
        let matches: Vec<Value> = matches
            .into_iter()
            .map(
                |(amplitude_id, user_id)| json!({"user_id": user_id, "amplitude_id": amplitude_id}),
            )
            .collect();
        Ok(json!({"matches": matches, "type": "match_user_or_device_id"}))
    }

    pub fn log_request(&mut self, entry: RequestLogEntry) {
        self.totals.requests += 1;
        if self.request_log_capacity == 0 {
            return;
        }
        if self.request_log.len() >= self.request_log_capacity {
            self.request_log.pop_front();
        }
        self.request_log.push_back(entry);
    }

    pub fn requests(&self) -> impl Iterator<Item = &RequestLogEntry> {
        self.request_log.iter()
    }

    pub fn records<'a>(
        &'a self,
        kind: RecordKind,
        filter: &'a RecordFilter,
    ) -> impl Iterator<Item = &'a Recorded> + 'a {
        self.records
            .get(&kind)
            .into_iter()
            .flatten()
            .filter(move |record| filter.matches(record))
    }

    pub fn totals(&self) -> Totals {
        self.totals
    }

    pub fn journal_error(&self) -> Option<&str> {
        self.journal_error.as_deref()
    }

    /// Forgets everything accepted (and empties the state file).
    pub fn reset(&mut self) {
        let journal = self.journal.take();
        let mut fresh = Store::new(
            self.limits.clone(),
            self.retain_records,
            self.request_log_capacity,
        );
        fresh.journal = journal;
        if let Some(journal) = &mut fresh.journal {
            if let Err(error) = journal.truncate() {
                fresh.journal_error = Some(error.to_string());
            }
        }
        *self = fresh;
    }
}

/// The insert_id key of an event, scoped per project and device (or user when there is none).
pub fn event_dedup_key(project: &str, event: &Value) -> Option<u128> {
    let insert_id = event.get("insert_id")?.as_str()?;
    let scope = match event.get("device_id").and_then(Value::as_str) {
        Some(device) => DedupScope::Device(device),
        None => DedupScope::User(event.get("user_id")?.as_str()?),
    };
    Some(dedup_key(project, scope, insert_id))
}

fn over_rate(
    counters: &mut KeyedCounters,
    project: &str,
    counts: &FastMap<&str, u64>,
    eps: u64,
    now_ms: u64,
    forced: &std::collections::BTreeSet<String>,
) -> BTreeMap<String, u64> {
    let window = *counters.window();
    let mut throttled = BTreeMap::new();
    for (&id, &count) in counts {
        let total = counters.current(project, id, now_ms) + count;
        if window.exceeds(total, eps) {
            throttled.insert(id.to_owned(), window.per_second(total));
        } else if forced.contains(id) {
            throttled.insert(id.to_owned(), window.per_second(total).max(eps + 1));
        }
    }
    throttled
}

fn over_quota(
    counters: &mut KeyedCounters,
    project: &str,
    counts: &FastMap<&str, u64>,
    quota: u64,
    now_ms: u64,
) -> BTreeMap<String, u64> {
    let mut exceeded = BTreeMap::new();
    for (&id, &count) in counts {
        let total = counters.current(project, id, now_ms) + count;
        if total > quota {
            exceeded.insert(id.to_owned(), total);
        }
    }
    exceeded
}

/// Amplitude's 400 for events of silenced devices.
fn check_silenced(events: &[Value], faults: &Faults, eps: u64) -> Result<(), Reply> {
    let silenced = faults.silenced_devices();
    if silenced.is_empty() {
        return Ok(());
    }
    let mut devices: Vec<&str> = Vec::new();
    let mut indexes: Vec<usize> = Vec::new();
    for (index, event) in events.iter().enumerate() {
        if let Some(device) = event.get("device_id").and_then(Value::as_str) {
            if silenced.contains(device) {
                indexes.push(index);
                if !devices.contains(&device) {
                    devices.push(device);
                }
            }
        }
    }
    if indexes.is_empty() {
        return Ok(());
    }
    Err(Reply::json(
        400,
        json!({"code": 400, "error": "Events silenced for device_id", "eps_threshold": eps,
               "exceeded_daily_quota_devices": {}, "silenced_devices": devices,
               "silenced_events": indexes, "throttled_devices": {}, "throttled_events": []}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(Limits::default(), true, 100)
    }

    fn ingest(
        store: &mut Store,
        class: RateClass,
        mut events: Vec<Value>,
        now_ms: u64,
    ) -> Result<Ingested, Reply> {
        store.ingest_events(
            &Arc::from("p"),
            &Arc::from("/batch"),
            class,
            &mut events,
            1,
            now_ms,
            &Faults::default(),
        )
    }

    #[test]
    fn duplicates_are_answered_but_not_stored() {
        let mut store = store();
        let event = json!({"event_type":"e","user_id":"user-1","insert_id":"i-1"});
        let first = ingest(
            &mut store,
            RateClass::Batch,
            vec![event.clone(), event.clone()],
            0,
        );
        assert_eq!(
            first,
            Ok(Ingested {
                accepted: 1,
                duplicates: 1
            })
        );
        let again = ingest(&mut store, RateClass::Batch, vec![event], 1);
        assert_eq!(
            again,
            Ok(Ingested {
                accepted: 0,
                duplicates: 1
            })
        );
        assert_eq!(
            store
                .records(RecordKind::Events, &RecordFilter::new())
                .count(),
            1
        );
        assert_eq!(store.totals().duplicates, 2);
    }

    #[test]
    fn realtime_throttle_refuses_the_whole_request() {
        let mut store = store();
        let event = |user: &str| json!({"event_type":"e","user_id":user,"device_id":"device-1"});
        let mut events: Vec<Value> = (0..900).map(|_| event("user-1")).collect();
        assert!(ingest(&mut store, RateClass::Realtime, events.clone(), 0).is_ok());
        events.truncate(1);
        events.insert(0, event("user-2"));
        let refused = ingest(&mut store, RateClass::Realtime, events.clone(), 29_999);
        let Err(Reply {
            status: 429,
            body: crate::reply::ReplyBody::Json(body),
        }) = refused
        else {
            panic!("expected a 429, got {refused:?}");
        };
        assert_eq!(body["throttled_users"], json!({"user-1": 31}));
        assert_eq!(body["throttled_devices"], json!({"device-1": 31}));
        assert_eq!(body["throttled_events"], json!([0, 1]));
        assert_eq!(store.totals().events, 900);
        assert!(ingest(&mut store, RateClass::Realtime, events, 30_000).is_ok());
    }

    #[test]
    fn registry_feeds_deletions_and_search() {
        let mut store = store();
        let events = vec![
            json!({"event_type":"e","device_id":"device-1"}),
            json!({"event_type":"e","user_id":"user-1","device_id":"device-1"}),
            json!({"event_type":"e","user_id":"user-12"}),
        ];
        assert!(ingest(&mut store, RateClass::Batch, events, 0).is_ok());
        let project: Arc<str> = Arc::from("p");
        let found = store.search_users(&project, "device-1", 0);
        assert_eq!(
            found,
            Ok(
                json!({"matches":[{"user_id":"user-1","amplitude_id":FIRST_AMPLITUDE_ID}],
                      "type":"match_user_or_device_id"})
            )
        );
        let prefix = store
            .search_users(&project, "user-1", 0)
            .unwrap_or_default();
        assert_eq!(prefix["matches"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            store.search_users(&project, "nobody", 0),
            Ok(json!({"type":"nomatch","matches":[]}))
        );
    }
}
