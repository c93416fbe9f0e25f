//! The whole pipeline for one event — default mapping, validation, perform — for Log Event V2 on
//! a realistic analytics.js track event (about 1.5 KB of JSON).

use ampline_amplitude::{run, Action, Region, Settings};
use ampline_useragent::UserAgentCache;
use divan::counter::ItemsCount;
use divan::Bencher;
use serde_json::{json, Value};

// The allocator of the `ampline` binary, so the numbers are the product's.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    divan::main();
}

fn track_event() -> Value {
    json!({
        "anonymousId": "5f8c2b1e-3a4d-4e6f-9b0a-1c2d3e4f5a6b",
        "context": {
            "campaign": {"medium": "cpc", "name": "spring_sale", "source": "google", "term": "running shoes"},
            "library": {"name": "analytics.js", "version": "next-1.62.0"},
            "locale": "en-US",
            "page": {
                "path": "/products/trail-runner-2",
                "referrer": "https://www.google.com/",
                "search": "?utm_source=google&utm_medium=cpc",
                "title": "Trail Runner 2 – Example Shop",
                "url": "https://shop.example.com/products/trail-runner-2?utm_source=google&utm_medium=cpc"
            },
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "userAgentData": {"brands": [{"brand": "Chromium", "version": "120"}], "mobile": false, "platform": "macOS"},
            "ip": "203.0.113.7",
            "timezone": "Europe/Berlin"
        },
        "event": "Product Added",
        "integrations": {"Actions Amplitude": {"session_id": 1705312800000_i64}},
        "messageId": "ajs-next-1705312834567-4b7c9e1f-2a3d-4c5e-8f9a-0b1c2d3e4f5a",
        "originalTimestamp": "2024-01-15T10:00:34.567Z",
        "properties": {
            "brand": "Example", "cart_id": "cart-7f3a9c", "category": "Shoes/Running", "coupon": "SPRING10",
            "currency": "EUR", "image_url": "https://cdn.example.com/img/trail-runner-2.jpg", "name": "Trail Runner 2",
            "position": 3, "price": 119.99, "product_id": "tr2-blue-42", "quantity": 1, "sku": "TR2-BLU-42",
            "url": "https://shop.example.com/products/trail-runner-2", "variant": "blue / 42"
        },
        "receivedAt": "2024-01-15T10:00:35.012Z",
        "sentAt": "2024-01-15T10:00:34.789Z",
        "timestamp": "2024-01-15T10:00:34.790Z",
        "type": "track",
        "userId": "user-8d2f4a61",
        "writeKey": "wk_3Jf8sK2pQ9xL1mN4"
    })
}

#[divan::bench]
fn log_event_v2_default_mapping(bencher: Bencher) {
    let event = track_event();
    let settings = Settings::new("api-key", "secret-key", Region::NorthAmerica);
    let mut cache = UserAgentCache::new(1024);
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        run(
            Action::LogEventV2,
            &event,
            None,
            &settings,
            Some(&mut cache),
        )
    });
}

#[divan::bench]
fn log_event_v2_default_mapping_uncached_user_agent(bencher: Bencher) {
    let event = track_event();
    let settings = Settings::new("api-key", "secret-key", Region::NorthAmerica);
    bencher
        .counter(ItemsCount::new(1usize))
        .bench_local(|| run(Action::LogEventV2, &event, None, &settings, None));
}
