//! Parsing and rendering typical @liquid templates against a track event.

#![allow(clippy::unwrap_used)] // The templates are fixed; a failure is a broken benchmark.

use ampline_liquid::Template;
use divan::{black_box, Bencher};
use serde_json::{json, Value};

fn main() {
    divan::main();
}

const TEMPLATES: &[(&str, &str)] = &[
    ("variable", "{{ properties.email }}"),
    ("filters", "{{ properties.email | downcase | split: \"@\" | last | prepend: \"domain:\" }}"),
    (
        "conditional",
        "{% if properties.revenue > 100 and properties.currency == \"USD\" %}big{% elsif properties.revenue > 10 %}mid{% else %}small{% endif %}",
    ),
    (
        "assign_capture",
        "{% assign total = properties.price | times: properties.quantity | round: 2 %}{% capture label %}{{ properties.name | upcase }} x{{ properties.quantity }}{% endcapture %}{{ label }} = {{ total }}",
    ),
    ("date", "{{ timestamp | date: \"%Y-%m-%d %H:%M:%S\" }}"),
];

fn event() -> Value {
    json!({
        "type": "track",
        "event": "Order Completed",
        "userId": "user-123",
        "timestamp": "2024-01-02T03:04:05.678Z",
        "context": {"app": {"name": "Initech", "version": "5.4.5"}, "locale": "en-US"},
        "properties": {
            "email": "Peter.Gibbons@Initech.com",
            "revenue": 42.5,
            "currency": "USD",
            "price": "19.99",
            "quantity": 3,
            "name": "TPS report cover",
            "products": [{"sku": "a", "price": 1}, {"sku": "b", "price": 2}]
        }
    })
}

#[divan::bench(args = TEMPLATES.iter().map(|(name, _)| *name))]
fn parse(bencher: Bencher, name: &str) {
    let source = TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, s)| *s);
    bencher.bench(|| Template::parse(black_box(source)));
}

#[divan::bench(args = TEMPLATES.iter().map(|(name, _)| *name))]
fn render(bencher: Bencher, name: &str) {
    let source = TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, s)| *s);
    let template = Template::parse(source).unwrap();
    let root = event();
    bencher.bench(|| template.render(black_box(&root)));
}
