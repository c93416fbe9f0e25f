//! Trigger evaluation on a realistic ~1.5 KB track event, and parsing.

use ampline_fql::Trigger;
use divan::{black_box, Bencher};
use serde_json::Value;

fn main() {
    divan::main();
}

const PRESET: &str = r#"type = "track" and event != "Order Completed""#;
const FIVE_CONDITIONS: &str = r#"type = "track" and event = "Order Completed" and properties.revenue > 10 and properties.currency = "USD" and context.app.name != null"#;
const FUNCTIONS: &str = r#"contains(event, "Order") and !match(properties.coupon, "*TEST") and match(context.page.url, "https://*")"#;
const NESTED: &str = r#"type = "track" and (event = "Product Added" or event = "Order Completed") and !(properties.products.length < 1) and properties.order_id != null"#;

const TRIGGERS: &[(&str, &str)] = &[
    ("preset", PRESET),
    ("five_conditions", FIVE_CONDITIONS),
    ("functions", FUNCTIONS),
    ("nested", NESTED),
];

fn track_event() -> Value {
    let text = r#"{
      "anonymousId": "507f191e810c19729de860ea",
      "context": {
        "active": true,
        "app": {"name": "InitechGlobal", "version": "545", "build": "3.0.1.545", "namespace": "com.production.segment"},
        "campaign": {"name": "TPS Innovation Newsletter", "source": "Newsletter", "medium": "email", "term": "tps reports", "content": "image link"},
        "device": {"id": "B5372DB0-C21E-11E4-8DFC-AA07A5B093DB", "manufacturer": "Apple", "model": "iPhone7,2", "type": "ios"},
        "ip": "8.8.8.8",
        "library": {"name": "analytics.js", "version": "2.11.1"},
        "locale": "en-US",
        "network": {"bluetooth": false, "carrier": "T-Mobile US", "cellular": true, "wifi": false},
        "os": {"name": "iPhone OS", "version": "8.1.3"},
        "page": {"path": "/checkout/complete", "referrer": "https://example.com/cart", "search": "", "title": "Order complete", "url": "https://example.com/checkout/complete"},
        "screen": {"width": 320, "height": 568},
        "timezone": "Europe/Amsterdam",
        "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13B143 Safari/601.1"
      },
      "event": "Order Completed",
      "integrations": {"All": true},
      "messageId": "022bb90c-bbac-11e4-8dfc-aa07a5b093db",
      "properties": {
        "checkout_id": "fksdjfsdjfisjf9sdfjsd9f",
        "order_id": "50314b8e9bcf000000000000",
        "affiliation": "Google Store",
        "total": 27.50,
        "subtotal": 22.50,
        "revenue": 25.00,
        "shipping": 3,
        "tax": 2,
        "discount": 2.5,
        "coupon": "hasbros",
        "currency": "USD",
        "products": [
          {"product_id": "507f1f77bcf86cd799439011", "sku": "45790-32", "name": "Monopoly: 3rd Edition", "price": 19, "quantity": 1, "category": "Games"},
          {"product_id": "505bd76785ebb509fc183733", "sku": "46493-32", "name": "Uno Card Game", "price": 3, "quantity": 2, "category": "Games"}
        ]
      },
      "receivedAt": "2015-12-10T04:08:31.909Z",
      "sentAt": "2015-12-10T04:08:31.581Z",
      "timestamp": "2015-12-10T04:08:31.905Z",
      "type": "track",
      "userId": "97980cfea0067",
      "version": 2
    }"#;
    serde_json::from_str(text).unwrap_or(Value::Null)
}

#[divan::bench(args = TRIGGERS.iter().map(|(name, _)| *name))]
fn matches(bencher: Bencher, name: &str) {
    let source = TRIGGERS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(PRESET, |(_, source)| *source);
    let Ok(trigger) = Trigger::parse(source) else {
        return;
    };
    let event = track_event();
    bencher.bench_local(|| black_box(&trigger).matches(black_box(&event)));
}

#[divan::bench(args = TRIGGERS.iter().map(|(name, _)| *name))]
fn parse(bencher: Bencher, name: &str) {
    let source = TRIGGERS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(PRESET, |(_, source)| *source);
    bencher.bench_local(|| Trigger::parse(black_box(source)).is_ok());
}
