//! Compiling and applying Amplitude's Log Event V2 default mapping to an analytics.js-like
//! track event.

#![allow(clippy::expect_used)]

use ampline_mapping::Mapping;
use divan::{black_box, Bencher};
use serde_json::Value;

fn main() {
    divan::main();
}

fn log_event_v2() -> Value {
    serde_json::from_str(include_str!("log_event_v2.json")).expect("log_event_v2.json")
}

fn track_event() -> Value {
    serde_json::from_str(include_str!("track_event.json")).expect("track_event.json")
}

#[divan::bench]
fn compile_log_event_v2(bencher: Bencher) {
    let mapping = log_event_v2();
    bencher.bench_local(|| Mapping::compile(black_box(&mapping)));
}

#[divan::bench]
fn apply_log_event_v2(bencher: Bencher) {
    let mapping = Mapping::compile(&log_event_v2()).expect("valid mapping");
    let event = track_event();
    bencher.bench_local(|| mapping.apply_borrowed(black_box(&event)));
}

/// The same event with a mapping that exercises the string directives.
#[divan::bench]
fn apply_string_directives(bencher: Bencher) {
    let mapping = Mapping::compile(&serde_json::json!({
        "title": {"@template": "{{properties.name}} ({{properties.variant}})"},
        "event": {"@case": {"operator": "lower", "value": {"@path": "$.event"}}},
        "slug": {"@replace": {"pattern": " ", "replacement": "-", "value": {"@path": "$.properties.name"}}},
        "flat": {"@flatten": {"value": {"@path": "$.context.campaign"}, "separator": "_"}},
        "json": {"@json": {"mode": "encode", "value": {"@path": "$.properties"}}}
    }))
    .expect("valid mapping");
    let event = track_event();
    bencher.bench_local(|| mapping.apply(black_box(&event)));
}

/// For scale: copying the whole event, which costs about what building an output of that size does.
#[divan::bench]
fn baseline_clone_event(bencher: Bencher) {
    let event = track_event();
    bencher.bench_local(|| black_box(&event).clone());
}
