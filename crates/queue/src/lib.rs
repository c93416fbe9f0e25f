//! ampline's durable embedded queue: every event that `ampline serve` acknowledged, until
//! Amplitude has it.
//!
//! # Shape
//!
//! The queue has three stages and two side stores, all behind the [`Queue`] trait so another backend
//! (NATS JetStream) can follow:
//!
//! 1. **Events.** [`Queue::append`] stores a batch of accepted events and returns only once the
//!    batch is durable. The server answers the client 200 after that.
//! 2. **Routing.** The router reads [`Queue::next_unrouted`] in append order and evaluates mappings.
//!    [`Queue::commit_routing`] marks events routed *and* inserts their deliveries in one
//!    transaction, so a crash cannot leave an event routed without its deliveries.
//!    [`Queue::commit_settled`] does the same for a sender that first tried the items straight
//!    from memory: it stores only what Amplitude did not take (to retry, or failed), so the common
//!    case costs one write per event instead of three per item.
//! 3. **Delivery.** The sender asks [`Queue::batch_keys_due`] which groups have work, takes deliveries
//!    with [`Queue::lease_due`], and settles each one with [`Queue::ack_delivered`],
//!    [`Queue::retry_later`], [`Queue::fail`] or [`Queue::release`].
//!
//! The **failed store** ([`Queue::failed`], [`Queue::retry_failed`]) keeps deliveries that gave up,
//! with their reason, until an operator sends them again. The **archive** keeps raw events after
//! routing for the configured retention ([`Queue::purge_archive`], [`Queue::archived_events`]) so
//! they can be replayed.
//!
//! The queue knows nothing of HTTP, mappings or Amplitude: bodies and payloads are opaque bytes,
//! `batch_key` and `throttle_key` are opaque strings, and time is whatever milliseconds the caller
//! passes in, which keeps every operation deterministic under test.
//!
//! The API is synchronous. Each call blocks its caller for at most the duration of one group commit,
//! so an async server calls it through `spawn_blocking` or a channel. [`SqliteQueue`] is `Send + Sync`
//! and meant to be shared behind an `Arc`.
//!
//! See [`sqlite`] for the embedded backend's constraints, on-disk schema, durability argument and
//! recovery.

pub mod sqlite;

pub use sqlite::{QueueOptions, SqliteQueue};

use std::fmt;

/// Position of an event in the queue; increases with append order and is never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(pub i64);

impl EventId {
    /// Before every event: ids start at 1.
    pub const START: EventId = EventId(0);
}

/// Identity of one delivery (one event through one mapping); survives a move to the failed store and
/// back, and is never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliveryId(pub i64);

/// An event the server accepted, as it will be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The source (write key's source) the event arrived through.
    pub source: String,
    pub received_at_ms: i64,
    /// Segment's `messageId`, kept beside the body for lookups and replay.
    pub message_id: String,
    /// The serialized JSON event, stored as given.
    pub body: Vec<u8>,
}

/// An event read back from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: EventId,
    pub source: String,
    pub received_at_ms: i64,
    pub message_id: String,
    pub body: Vec<u8>,
}

/// One delivery produced by routing one event through one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub event_id: EventId,
    pub mapping: String,
    /// Which deliveries may share one request (endpoint, API key, options); opaque to the queue.
    pub batch_key: String,
    /// The user or device that a 429 hold applies to, if any.
    pub throttle_key: Option<String>,
    /// The finished Amplitude item, `insert_id` included, so every re-send is byte-identical.
    pub payload: Vec<u8>,
    pub due_at_ms: i64,
    /// Attempts made before the delivery was stored (by a sender that tried it straight from
    /// routing), and the last one's error.
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// Routed events whose items a sender settled straight from memory: only what Amplitude did not
/// take at once is stored, as pending or failed deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettledEvents {
    pub events: Vec<EventId>,
    /// Items Amplitude accepted (or a dry run recorded).
    pub delivered: u64,
    /// Events that produced no item and no refusal.
    pub unmatched: u64,
    /// Items that wait for another try, with `due_at_ms`, `attempts` and `last_error` set.
    pub pending: Vec<NewDelivery>,
    /// Items that gave up, with why; they go to the failed store.
    pub failed: Vec<(NewDelivery, String)>,
    pub now_ms: i64,
}

impl SettledEvents {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Adds `other`'s events and items to these.
    pub fn merge(&mut self, other: SettledEvents) {
        self.events.extend(other.events);
        self.delivered += other.delivered;
        self.unmatched += other.unmatched;
        self.pending.extend(other.pending);
        self.failed.extend(other.failed);
        self.now_ms = self.now_ms.max(other.now_ms);
    }
}

/// A pending delivery as handed to the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub event_id: EventId,
    pub mapping: String,
    pub batch_key: String,
    pub throttle_key: Option<String>,
    pub payload: Vec<u8>,
    /// When the source event was received; the age metric is measured from here.
    pub received_at_ms: i64,
    pub due_at_ms: i64,
    /// Failed attempts so far (each [`Queue::retry_later`] and [`Queue::fail`] counts one).
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// A delivery that gave up, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedDelivery {
    pub delivery: Delivery,
    pub reason: String,
    pub failed_at_ms: i64,
}

/// A batch key with deliveries due and not leased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchKeyDue {
    pub batch_key: String,
    pub due: u64,
}

/// Which failed deliveries [`Queue::retry_failed`] sends again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailedSelection {
    All,
    Ids(Vec<DeliveryId>),
}

/// A page of the archive for replay: routed events received in `[from_ms, to_ms)`, in order of
/// `(received_at_ms, id)`, which is the order of the archive's time index, so paging never sorts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveQuery {
    pub from_ms: i64,
    pub to_ms: i64,
    pub source: Option<String>,
    /// Only events after this position; pass the last event of the previous page's
    /// [`StoredEvent::archive_cursor`].
    pub after: Option<ArchiveCursor>,
    pub limit: usize,
}

/// A position in the archive's `(received_at_ms, id)` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArchiveCursor {
    pub received_at_ms: i64,
    pub id: EventId,
}

impl StoredEvent {
    /// Where the next archive page after this event starts.
    pub fn archive_cursor(&self) -> ArchiveCursor {
        ArchiveCursor {
            received_at_ms: self.received_at_ms,
            id: self.id,
        }
    }
}

/// Monotonic totals since the queue was created; they survive restarts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub appended: u64,
    pub routed: u64,
    /// Events that matched no mapping and were routed with no delivery.
    pub unmatched: u64,
    pub delivered: u64,
    pub retried: u64,
    pub failed: u64,
    /// Failed deliveries sent back to pending by [`Queue::retry_failed`].
    pub requeued: u64,
    pub purged: u64,
}

/// Queue depth and totals for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub unrouted_events: u64,
    /// Deliveries not yet settled, leased ones included.
    pub pending_deliveries: u64,
    pub leased_deliveries: u64,
    pub failed_deliveries: u64,
    /// Routed events still kept for replay (routed minus purged, from the counters).
    pub archived_events: u64,
    pub oldest_unrouted_received_at_ms: Option<i64>,
    pub oldest_pending_received_at_ms: Option<i64>,
    /// The earliest due time among unleased pending deliveries, so a sender knows how long to sleep.
    pub next_due_at_ms: Option<i64>,
    pub counters: Counters,
}

/// Everything the queue can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The data directory was written by a newer ampline; opening it could corrupt it.
    SchemaTooNew { found: i64, supported: i64 },
    /// `commit_routing` named an event that does not exist.
    UnknownEvent(EventId),
    /// `commit_routing` named an event that was routed before; routing it again would duplicate
    /// its deliveries.
    AlreadyRouted(EventId),
    /// A delivery in `commit_routing` belongs to an event not in that call's event list.
    DeliveryForUnlistedEvent(EventId),
    /// Another open queue (in this process or another) already uses the data directory.
    AlreadyOpen(String),
    /// The storage engine or the file system failed.
    Storage(String),
    /// The queue's writer has stopped (shut down or crashed); no further writes are possible.
    Closed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SchemaTooNew { found, supported } => write!(
                f,
                "queue schema version {found} is newer than this ampline supports ({supported}); \
                 upgrade ampline or use another data directory"
            ),
            Error::UnknownEvent(id) => write!(f, "event {} does not exist", id.0),
            Error::AlreadyRouted(id) => write!(f, "event {} was already routed", id.0),
            Error::DeliveryForUnlistedEvent(id) => write!(
                f,
                "delivery for event {} whose event is not in the routed list",
                id.0
            ),
            Error::AlreadyOpen(dir) => write!(
                f,
                "the queue in {dir} is already open (is another ampline running on it?)"
            ),
            Error::Storage(message) => write!(f, "queue storage error: {message}"),
            Error::Closed => f.write_str("queue writer has stopped"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// The queue's operations, independent of the storage behind them.
///
/// Every write is durable when it returns `Ok`. Leases are not: after a restart every delivery that
/// was leased and not settled is due again, which is how requests in flight at a crash get retried
/// with the same payload.
pub trait Queue: Send + Sync {
    /// Stores a batch of events and returns their ids in batch order once the batch is durable.
    fn append(&self, batch: Vec<NewEvent>) -> Result<Vec<EventId>>;

    /// The oldest `limit` events not yet routed, in append order.
    fn next_unrouted(&self, limit: usize) -> Result<Vec<StoredEvent>> {
        self.next_unrouted_after(EventId::START, limit)
    }

    /// Like [`Queue::next_unrouted`], but only events after `after`: a router whose earlier
    /// events are still in flight reads on past them.
    fn next_unrouted_after(&self, after: EventId, limit: usize) -> Result<Vec<StoredEvent>>;

    /// Marks `events` routed and stores `deliveries`, atomically. Events without a delivery count as
    /// unmatched. Fails, changing nothing, if an event is unknown or already routed, or a delivery
    /// belongs to an event not in `events`. Returns the delivery ids in `deliveries` order.
    fn commit_routing(
        &self,
        events: &[EventId],
        deliveries: Vec<NewDelivery>,
    ) -> Result<Vec<DeliveryId>>;

    /// Marks the events of `settled` routed and stores their pending and failed items,
    /// atomically; the counters count the delivered, retried and failed items. Fails, changing
    /// nothing, like [`Queue::commit_routing`].
    fn commit_settled(&self, settled: SettledEvents) -> Result<()>;

    /// Leases up to `limit` due, unleased deliveries (of one batch key, or any), earliest due first
    /// and then in id order. A leased delivery is not handed out again until it is settled,
    /// released, or the process restarts.
    fn lease_due(
        &self,
        batch_key: Option<&str>,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>>;

    /// The earliest due time among unleased pending deliveries (an index lookup, unlike
    /// [`Queue::stats`]), so a sender knows how long it may sleep.
    fn next_due_at_ms(&self) -> Result<Option<i64>>;

    /// Batch keys with unleased deliveries due at `now_ms`, in key order.
    fn batch_keys_due(&self, now_ms: i64) -> Result<Vec<BatchKeyDue>>;

    /// Removes delivered deliveries. Returns how many existed.
    fn ack_delivered(&self, ids: &[DeliveryId]) -> Result<u64>;

    /// Replaces the delivery `replaced` with `deliveries` of the same event (its item built
    /// again, e.g. by a mapping that refused it before), atomically: the new deliveries take
    /// the replaced one's event and arrival time, whatever their `event_id` says. Returns the new
    /// ids; none when `replaced` does not exist.
    fn replace_delivery(
        &self,
        replaced: DeliveryId,
        deliveries: Vec<NewDelivery>,
    ) -> Result<Vec<DeliveryId>>;

    /// Counts a failed attempt, keeps `error`, releases the lease and makes the deliveries due at
    /// `next_at_ms`. Returns how many existed.
    fn retry_later(&self, ids: &[DeliveryId], next_at_ms: i64, error: &str) -> Result<u64>;

    /// Counts a failed attempt and moves the deliveries to the failed store with `reason`.
    /// Returns how many existed.
    fn fail(&self, ids: &[DeliveryId], reason: &str, now_ms: i64) -> Result<u64>;

    /// Gives leases back without counting an attempt (for a sender shutting down).
    fn release(&self, ids: &[DeliveryId]) -> Result<u64>;

    /// Postpones every pending delivery with one of `throttle_keys` that is due before `until_ms` to
    /// `until_ms` (Amplitude's 429 for a user or device). Leased deliveries are postponed too, which
    /// takes effect if they are released. Returns how many deliveries moved.
    fn hold_throttled(&self, throttle_keys: &[String], until_ms: i64) -> Result<u64>;

    /// A page of the failed store in id order, after the `after` cursor.
    fn failed(&self, limit: usize, after: Option<DeliveryId>) -> Result<Vec<FailedDelivery>>;

    /// Moves failed deliveries back to pending, due at `now_ms`, with the same id and payload and
    /// their attempt count reset (so a retry policy gives them a full set of tries). Returns how
    /// many moved.
    fn retry_failed(&self, selection: FailedSelection, now_ms: i64) -> Result<u64>;

    /// Deletes routed events received before `now_ms - retention`. Returns how many were deleted.
    fn purge_archive(&self, now_ms: i64) -> Result<u64>;

    /// A page of routed events kept for replay.
    fn archived_events(&self, query: &ArchiveQuery) -> Result<Vec<StoredEvent>>;

    fn stats(&self) -> Result<Stats>;
}
