//! Decoding a realistic 100-message `/v1/batch` body (~100 KB), plain and gzipped.

use ampline_ingest::{decode_request, IngestConfig, IngestContext, IngestRequest, Ingested, Route};
use divan::counter::{BytesCount, ItemsCount};
use divan::Bencher;
use serde_json::{json, Value};
use std::io::Write;
use std::net::IpAddr;

const MESSAGES: usize = 100;

fn batch_body() -> Vec<u8> {
    let items: Vec<Value> = (0..MESSAGES)
        .map(|i| {
            json!({
                "type": "track",
                "event": "Product Viewed",
                "properties": {
                    "product_id": format!("p-{i}"), "sku": "SKU-0001", "category": "Games",
                    "name": "Monopoly: 3rd Edition", "brand": "Hasbro", "variant": "200 pieces",
                    "price": 18.99, "quantity": 1, "coupon": "MAYDEALS", "position": 3,
                    "url": "https://www.example.com/product/path",
                    "image_url": "https://www.example.com/product/path.jpg",
                    "description": "x".repeat(200),
                },
                "userId": "user-42",
                "anonymousId": "3f1c2b9e-4d7a-4c1e-9b1a-7f3e2d1c0b9a",
                "messageId": format!("node-next-1718006399800-4f1e2d3c-5b6a-4978-8695-{i:012}"),
                "timestamp": "2024-06-10T07:59:59.800Z",
                "context": {
                    "library": {"name": "@segment/analytics-node", "version": "3.1.0"},
                    "page": {"path": "/pricing", "referrer": "https://www.google.com/", "search": "",
                             "title": "Pricing", "url": "https://shop.example/pricing"},
                    "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
                    "locale": "en-US", "timezone": "Europe/Berlin",
                },
                "integrations": {"Actions Amplitude": {"session_id": 1_718_006_000_000_i64}},
                "_metadata": {"nodeVersion": "20.11.1", "jsRuntime": "node"},
            })
        })
        .collect();
    json!({"batch": items, "writeKey": "WK", "sentAt": "2024-06-10T08:00:00.350Z"})
        .to_string()
        .into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

fn run(bencher: Bencher, body: &[u8], content_encoding: Option<&str>) {
    let config = IngestConfig::default();
    let lookup = |key: &str| (key == "WK").then_some(1_u32);
    let new_id = || "generated".to_owned();
    let context = IngestContext {
        config: &config,
        lookup_source: &lookup,
        new_message_id: &new_id,
        received_at_ms: 1_718_006_401_000,
    };
    let request = IngestRequest {
        route: Route::Batch,
        authorization: None,
        content_encoding,
        forwarded_for: None,
        body,
        peer: IpAddr::from([203, 0, 113, 9]),
    };
    // Sanity check outside the timed loop: every message is accepted.
    let accepted = match decode_request(&request, &context) {
        Ok(Ingested::Events(accepted)) => accepted.messages.len(),
        _ => 0,
    };
    assert_eq!(accepted, MESSAGES);
    bencher
        .counter(ItemsCount::new(MESSAGES))
        .bench_local(|| decode_request(divan::black_box(&request), &context));
}

#[divan::bench]
fn batch_100_plain(bencher: Bencher) {
    let body = batch_body();
    run(bencher.counter(BytesCount::new(body.len())), &body, None);
}

#[divan::bench]
fn batch_100_gzip(bencher: Bencher) {
    let body = gzip(&batch_body());
    run(bencher, &body, Some("gzip"));
}

fn main() {
    divan::main();
}
