//! Arbitrary events through every action with its default mapping: nothing panics, accepted
//! events produce well-formed requests, and Log Purchase sends one event per product.

use ampline_amplitude::{run, Action, Body, Region, Settings};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1e13..1e13f64).prop_map(|n| json!(n)),
        (0i64..2_000_000_000_000).prop_map(Value::from),
        "[a-zA-Z0-9 :.\\-éü🦀]{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("2024-01-15T10:00:00.000Z"),
            Just("1705312800000"),
            Just("ios"),
            Just("analytics.js"),
            Just("use_mapping"),
        ]
        .prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("price".to_owned()),
                    Just("quantity".to_owned()),
                    Just("revenue".to_owned()),
                    Just("name".to_owned()),
                    Just("products".to_owned()),
                    "[a-z$]{1,6}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn event() -> impl Strategy<Value = Value> {
    let keys = prop_oneof![
        Just("type"),
        Just("event"),
        Just("name"),
        Just("userId"),
        Just("anonymousId"),
        Just("previousId"),
        Just("timestamp"),
        Just("properties"),
        Just("traits"),
        Just("context"),
        Just("integrations"),
    ];
    prop::collection::vec((keys, value()), 0..10).prop_map(|entries| {
        let mut map = Map::new();
        for (key, value) in entries {
            map.insert(key.to_owned(), value);
        }
        Value::Object(map)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_action_handles_any_event(event in event(), europe in any::<bool>()) {
        let region = if europe { Region::Europe } else { Region::NorthAmerica };
        let settings = Settings::new("KEY", "SECRET", region);
        for action in Action::ALL {
            match run(action, &event, None, &settings, None) {
                Err(error) => prop_assert!(!error.message.is_empty()),
                Ok(requests) => {
                    prop_assert!(!requests.is_empty() && requests.len() <= 2);
                    for request in &requests {
                        prop_assert!(request.url.starts_with("https://"));
                        prop_assert_eq!(request.url.contains(".eu."), europe);
                        let encoded = request.body.encode();
                        prop_assert!(encoded.contains("KEY"));
                        if let body @ Body::Events(_) = &request.body {
                            let body = body.to_json();
                            let events = body["events"].as_array().map_or(0, Vec::len);
                            let products = event
                                .pointer("/properties/products")
                                .and_then(Value::as_array)
                                .map_or(0, Vec::len);
                            let expected = if action == Action::LogPurchase { 1 + products } else { 1 };
                            // A lone product object is wrapped into a list of one.
                            let lone = usize::from(
                                action == Action::LogPurchase
                                    && event.pointer("/properties/products").is_some_and(Value::is_object),
                            );
                            prop_assert_eq!(events, expected + lone);
                            prop_assert!(!encoded.contains("use_batch_endpoint"));
                        }
                    }
                }
            }
        }
    }
}
