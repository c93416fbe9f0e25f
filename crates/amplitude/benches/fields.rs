//! Cost of validating one mapped payload with a Log Event-sized field set.

use ampline_amplitude::fields::{validate_payload, Field, FieldKind};
use ampline_mapping::Mapped;
use serde_json::{json, Value};

fn main() {
    divan::main();
}

const PRODUCT: &[Field] = &[
    Field::new("price", "Price", FieldKind::Number),
    Field::new("quantity", "Quantity", FieldKind::Integer),
    Field::new("revenue", "Revenue", FieldKind::Number),
    Field::new("productId", "Product ID", FieldKind::String),
    Field::new("revenueType", "Revenue Type", FieldKind::String),
];

const FIELDS: &[Field] = &[
    Field::new("user_id", "User ID", FieldKind::String).allow_null(),
    Field::new("device_id", "Device ID", FieldKind::String),
    Field::new("event_type", "Event Type", FieldKind::String).required(),
    Field::new("session_id", "Session ID", FieldKind::Datetime),
    Field::new("time", "Timestamp", FieldKind::Datetime),
    Field::new("event_properties", "Event Properties", FieldKind::Object),
    Field::new("user_properties", "User Properties", FieldKind::Object),
    Field::new("app_version", "App Version", FieldKind::String),
    Field::new("platform", "Platform", FieldKind::String),
    Field::new("os_name", "OS Name", FieldKind::String),
    Field::new("country", "Country", FieldKind::String),
    Field::new("price", "Price", FieldKind::Number),
    Field::new("quantity", "Quantity", FieldKind::Integer),
    Field::new("products", "Products", FieldKind::Object)
        .multiple()
        .properties(PRODUCT),
    Field::new(
        "use_batch_endpoint",
        "Use Batch Endpoint",
        FieldKind::Boolean,
    ),
    Field::new("min_id_length", "Minimum ID Length", FieldKind::Integer).allow_null(),
];

fn payload() -> Value {
    json!({
        "user_id": "user-1234",
        "device_id": "",
        "event_type": "Order Completed",
        "session_id": "1700000000000",
        "time": "2024-01-02T03:04:05.678Z",
        "event_properties": {"order_id": "o-1", "total": 42.5, "coupon": null},
        "user_properties": {"plan": "pro"},
        "app_version": null,
        "platform": "Web",
        "os_name": "Mac OS",
        "country": "DE",
        "price": "19.99",
        "quantity": "2",
        "products": [
            {"price": 9.99, "quantity": 1, "productId": "p-1", "extra": true},
            {"price": "10", "quantity": "1", "productId": 2}
        ],
        "use_batch_endpoint": "false",
        "library": "analytics.js"
    })
}

#[divan::bench]
fn validate_log_event_payload(bencher: divan::Bencher) {
    // Borrowed, as a mapping's output is: validation owns only what it coerces.
    let payload = payload();
    bencher.bench_local(|| validate_payload(FIELDS, Mapped::Ref(divan::black_box(&payload))));
}
