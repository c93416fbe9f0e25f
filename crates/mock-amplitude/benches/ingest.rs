//! The request-handling path of `/batch` without sockets: parse and validate a 2000-event body,
//! then store it (throttle check, de-duplication, recording). The end-to-end number over loopback
//! comes from `examples/load.rs`.

use ampline_mock_amplitude::config::{IndexReporting, Limits};
use ampline_mock_amplitude::faults::Faults;
use ampline_mock_amplitude::store::{RateClass, Store};
use ampline_mock_amplitude::validate::events::{
    check_events, normalize_item, parse_events_request, FieldRules,
};
use divan::Bencher;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn main() {
    divan::main();
}

const EVENTS: usize = 2000;

fn event(batch: usize, index: usize) -> Value {
    let user = (batch * 7919 + index) % 20_000;
    json!({
        "event_type": "Order Completed",
        "user_id": format!("user-{user:06}"),
        "device_id": format!("device-{user:06}"),
        "insert_id": format!("{batch:06}-{index:05}-5f0c2a7e-8d3b-4c1e-9a55"),
        "time": 1_717_000_000_000_u64 + index as u64,
        "session_id": 1_717_000_000_000_u64,
        "platform": "Web",
        "language": "en-US",
        "event_properties": {"order_id": format!("ord-{batch}-{index}"), "revenue": 42.5,
                             "products": [{"sku": "A-1", "qty": 2}]},
        "user_properties": {"$set": {"plan": "pro"}},
    })
}

fn batch(number: usize) -> Vec<Value> {
    (0..EVENTS).map(|index| event(number, index)).collect()
}

#[divan::bench]
fn validate_2000_events(bencher: Bencher) {
    let body = serde_json::to_vec(&json!({"api_key": "k", "events": batch(0)})).unwrap_or_default();
    let limits = Limits::default();
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .bench(|| {
            let Ok(request) = parse_events_request(&body, &limits, IndexReporting::All) else {
                return 0;
            };
            let rules = FieldRules::events(request.min_id_length);
            let problems = check_events(&request.events, &rules, IndexReporting::All);
            let mut events = request.events;
            for event in &mut events {
                normalize_item(event, 5, 1024, Some(1));
            }
            usize::from(problems.is_empty()) + events.len()
        });
}

#[divan::bench(args = [true, false])]
fn store_2000_events(bencher: Bencher, retain_records: bool) {
    let mut store = Store::new(Limits::default(), retain_records, 1000);
    let faults = Faults::default();
    let project: Arc<str> = Arc::from("bench");
    let endpoint: Arc<str> = Arc::from("/batch");
    let next_batch = AtomicUsize::new(0);
    let mut now_ms = 1_717_000_000_000_u64;
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .with_inputs(|| batch(next_batch.fetch_add(1, Ordering::Relaxed)))
        .bench_local_values(|mut events| {
            // Two seconds per batch keeps every user under /batch's 1000 EPS.
            now_ms += 2000;
            let stored = store
                .ingest_events(
                    &project,
                    &endpoint,
                    RateClass::Batch,
                    &mut events,
                    1,
                    now_ms,
                    &faults,
                )
                .map(|ingested| ingested.accepted);
            // Returned so divan frees the unkept events outside the timing, as the server
            // frees them outside the store's lock.
            (stored, events)
        });
}
