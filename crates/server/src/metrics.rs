//! What `/metrics` shows, in Prometheus' text format.
//!
//! Counters are kept in memory (they restart at zero with the process, which Prometheus' `rate`
//! expects); the queue's depth and ages are read from the queue at scrape time. Label values are
//! bounded: mapping names come from the configuration, reasons from fixed lists, never from
//! event data.

use ampline_queue::Stats;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MappingLabel {
    pub mapping: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MappingReasonLabel {
    pub mapping: String,
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabel {
    pub endpoint: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabel {
    pub endpoint: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Every metric ampline exports.
pub struct Metrics {
    registry: Registry,
    /// Messages accepted (durable), per source.
    pub received: Family<SourceLabel, Counter>,
    /// Messages or requests refused at ingest, per rejection code.
    pub rejected: Family<ReasonLabel, Counter>,
    /// Events no mapping took: `integrations` excluded Amplitude, or no trigger matched.
    pub filtered: Family<ReasonLabel, Counter>,
    /// Events whose trigger matched, per mapping.
    pub matched: Family<MappingLabel, Counter>,
    /// Items Amplitude accepted (or a dry run recorded), per mapping.
    pub delivered: Family<MappingLabel, Counter>,
    /// Items scheduled for another attempt, per mapping.
    pub retried: Family<MappingLabel, Counter>,
    /// Items moved to the failed store (or refused by their mapping), per mapping and reason.
    pub failed: Family<MappingReasonLabel, Counter>,
    /// Requests to Amplitude per endpoint and status (`dry_run`, `error` for no answer).
    pub requests: Family<RequestLabel, Counter>,
    pub ingest_seconds: Histogram,
    pub request_seconds: Family<EndpointLabel, Histogram>,
    /// From an event's arrival to Amplitude's acceptance of its item.
    pub delivery_seconds: Histogram,
    reloads: Family<ReasonLabel, Counter>,
    unrouted: Gauge,
    pending: Gauge,
    in_memory: Gauge,
    failed_stored: Gauge,
    archived: Gauge,
    oldest_unrouted: FloatGauge,
    oldest_pending: FloatGauge,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~33 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 17))
}

fn delivery_histogram() -> Histogram {
    // 10 ms … ~5.8 h: a delivery may wait out a long outage.
    Histogram::new(exponential_buckets(0.01, 2.0, 22))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ampline");
        let metrics = Metrics {
            received: Family::default(),
            rejected: Family::default(),
            filtered: Family::default(),
            matched: Family::default(),
            delivered: Family::default(),
            retried: Family::default(),
            failed: Family::default(),
            requests: Family::default(),
            ingest_seconds: latency_histogram(),
            request_seconds: Family::new_with_constructor(latency_histogram),
            delivery_seconds: delivery_histogram(),
            reloads: Family::default(),
            unrouted: Gauge::default(),
            pending: Gauge::default(),
            in_memory: Gauge::default(),
            failed_stored: Gauge::default(),
            archived: Gauge::default(),
            oldest_unrouted: FloatGauge::default(),
            oldest_pending: FloatGauge::default(),
            registry: Registry::default(),
        };
        let m = &metrics;
        registry.register(
            "received_events",
            "Messages accepted and made durable, by source",
            m.received.clone(),
        );
        registry.register(
            "rejected",
            "Requests or batch messages refused at ingest, by reason",
            m.rejected.clone(),
        );
        registry.register(
            "filtered_events",
            "Events no mapping took, by reason",
            m.filtered.clone(),
        );
        registry.register(
            "matched_events",
            "Events whose trigger matched, by mapping",
            m.matched.clone(),
        );
        registry.register(
            "delivered_items",
            "Items Amplitude accepted (or dry run recorded), by mapping",
            m.delivered.clone(),
        );
        registry.register(
            "retried_items",
            "Items scheduled for another attempt, by mapping",
            m.retried.clone(),
        );
        registry.register(
            "failed_items",
            "Items failed for good (failed store), by mapping and reason",
            m.failed.clone(),
        );
        registry.register(
            "amplitude_requests",
            "Requests to Amplitude by endpoint and status",
            m.requests.clone(),
        );
        registry.register(
            "ingest_request_seconds",
            "Tracking API request handling time, until durable",
            m.ingest_seconds.clone(),
        );
        registry.register(
            "amplitude_request_seconds",
            "Amplitude request round trips by endpoint",
            m.request_seconds.clone(),
        );
        registry.register(
            "delivery_seconds",
            "From an event's arrival to Amplitude accepting its item",
            m.delivery_seconds.clone(),
        );
        registry.register(
            "config_reloads",
            "Configuration reloads by result",
            m.reloads.clone(),
        );
        registry.register(
            "queue_unrouted_events",
            "Accepted events not yet marked routed (their items may be in memory, being sent)",
            m.unrouted.clone(),
        );
        registry.register(
            "queue_pending_items",
            "Stored items waiting for delivery: retries and holds (leased ones included)",
            m.pending.clone(),
        );
        registry.register(
            "items_in_memory",
            "Routed items held in memory, waiting for a request or in one",
            m.in_memory.clone(),
        );
        registry.register(
            "queue_failed_items",
            "Items in the failed store",
            m.failed_stored.clone(),
        );
        registry.register(
            "queue_archived_events",
            "Routed events kept for replay",
            m.archived.clone(),
        );
        registry.register(
            "queue_oldest_unrouted_age_seconds",
            "Age of the oldest unrouted event (0 when none)",
            m.oldest_unrouted.clone(),
        );
        registry.register(
            "queue_oldest_pending_age_seconds",
            "Age of the oldest undelivered item's event (0 when none)",
            m.oldest_pending.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }

    pub fn count_reload(&self, ok: bool) {
        let reason = if ok { "ok" } else { "invalid" };
        self.reloads
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    pub fn count_rejected(&self, code: &str) {
        self.rejected
            .get_or_create(&ReasonLabel {
                reason: code.to_owned(),
            })
            .inc();
    }

    pub fn count_failed(&self, mapping: &str, reason: &str, by: u64) {
        self.failed
            .get_or_create(&MappingReasonLabel {
                mapping: mapping.to_owned(),
                reason: reason.to_owned(),
            })
            .inc_by(by);
    }

    /// The text exposition, queue gauges set from `stats` read at `now_ms` and the count of
    /// items in memory.
    pub fn render(&self, stats: &Stats, in_memory_items: usize, now_ms: i64) -> String {
        let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        self.in_memory
            .set(i64::try_from(in_memory_items).unwrap_or(i64::MAX));
        self.unrouted.set(gauge(stats.unrouted_events));
        self.pending.set(gauge(stats.pending_deliveries));
        self.failed_stored.set(gauge(stats.failed_deliveries));
        self.archived.set(gauge(stats.archived_events));
        let age = |oldest: Option<i64>| {
            oldest.map_or(0.0, |at| now_ms.saturating_sub(at).max(0) as f64 / 1000.0)
        };
        self.oldest_unrouted
            .set(age(stats.oldest_unrouted_received_at_ms));
        self.oldest_pending
            .set(age(stats.oldest_pending_received_at_ms));
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}

/// A failure reason as a bounded label: the kind of failure, without ids or free text.
pub fn reason_label(reason: &str) -> &'static str {
    const KINDS: [(&str, &str); 9] = [
        ("retry window exceeded", "retry_window_exceeded"),
        ("mapping refused", "mapping_refused"),
        ("events_with_invalid_fields", "invalid_fields"),
        ("events_with_missing_fields", "missing_fields"),
        ("events_with_invalid_id_lengths", "invalid_id_lengths"),
        ("silenced_events", "silenced"),
        ("Invalid API key", "invalid_api_key"),
        ("413", "payload_too_large"),
        ("400", "request_refused"),
    ];
    KINDS
        .iter()
        .find(|(needle, _)| reason.contains(needle))
        .map_or("other", |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_counters_per_mapping_and_queue_gauges() {
        let metrics = Metrics::new();
        metrics
            .delivered
            .get_or_create(&MappingLabel {
                mapping: "Track Calls".into(),
            })
            .inc_by(3);
        metrics.count_failed("Track Calls", "invalid_fields", 1);
        let stats = Stats {
            unrouted_events: 4,
            oldest_pending_received_at_ms: Some(1_000),
            ..Stats::default()
        };
        let text = metrics.render(&stats, 7, 3_500);
        assert!(
            text.contains("ampline_delivered_items_total{mapping=\"Track Calls\"} 3\n"),
            "{text}"
        );
        assert!(text.contains(
            "ampline_failed_items_total{mapping=\"Track Calls\",reason=\"invalid_fields\"} 1\n"
        ));
        assert!(text.contains("ampline_queue_unrouted_events 4\n"));
        assert!(text.contains("ampline_items_in_memory 7\n"));
        assert!(text.contains("ampline_queue_oldest_pending_age_seconds 2.5\n"));
    }

    #[test]
    fn reasons_become_bounded_labels() {
        assert_eq!(
            reason_label(
                "400 Invalid field values on some events: events_with_invalid_fields.time"
            ),
            "invalid_fields"
        );
        assert_eq!(reason_label("400 Invalid API key"), "invalid_api_key");
        assert_eq!(
            reason_label("retry window exceeded; last error: 503: x"),
            "retry_window_exceeded"
        );
        assert_eq!(reason_label("403: forbidden"), "other");
    }
}
