//! Behaviour of each action through the public pipeline: default mappings, settings, endpoints
//! and the request bodies Amplitude receives.

use ampline_amplitude::{
    run, Action, Body, CompiledAction, ContentType, ErrorCode, Region, Request, Settings,
};
use serde_json::{json, Value};

fn settings(region: Region) -> Settings {
    Settings::new("KEY", "SECRET", region)
}

fn run_default(action: Action, event: Value) -> Vec<Request> {
    match run(action, &event, None, &settings(Region::NorthAmerica), None) {
        Ok(requests) => requests,
        Err(e) => panic!("{e}"),
    }
}

fn run_with(action: Action, event: Value, changes: Value, region: Region) -> Vec<Request> {
    let mut mapping = action.default_mapping();
    if let (Value::Object(mapping), Value::Object(changes)) = (&mut mapping, changes) {
        mapping.extend(changes);
    }
    let compiled = match CompiledAction::new(action, &mapping) {
        Ok(compiled) => compiled,
        Err(e) => panic!("{e}"),
    };
    match compiled.run(&event, &settings(region), None) {
        Ok(requests) => requests,
        Err(e) => panic!("{e}"),
    }
}

fn json_body(request: &Request) -> Value {
    match &request.body {
        Body::Events(_) => request.body.to_json(),
        Body::Form(_) => panic!("expected a JSON body"),
    }
}

fn events(requests: &[Request]) -> Vec<Value> {
    assert_eq!(requests.len(), 1);
    json_body(&requests[0])["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Form fields, with JSON-valued fields parsed.
fn form(request: &Request) -> Vec<(String, Value)> {
    assert_eq!(request.content_type, ContentType::Form);
    match &request.body {
        Body::Form(fields) => fields
            .iter()
            .map(|(k, v)| {
                let value = if k == "api_key" {
                    Value::from(v.as_str())
                } else {
                    serde_json::from_str(v).unwrap_or(Value::Null)
                };
                (k.clone(), value)
            })
            .collect(),
        Body::Events(_) => panic!("expected a form body"),
    }
}

fn track() -> Value {
    json!({
        "type": "track",
        "event": "Signed Up",
        "userId": "user-0001",
        "anonymousId": "anon-123456",
        "timestamp": "2024-01-15T10:00:00.000Z",
        "properties": {"plan": "pro", "revenue": 10},
        "context": {
            "library": {"name": "analytics.js", "version": "next-1.0"},
            "campaign": {"source": "google", "name": "spring"},
            "page": {"referrer": "https://ref.example/"},
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
        },
        "integrations": {"Actions Amplitude": {"session_id": "1705312800000"}}
    })
}

#[test]
fn log_event_v2_sends_one_event_to_httpapi() {
    let requests = run_default(Action::LogEventV2, track());
    assert_eq!(requests[0].url, "https://api2.amplitude.com/2/httpapi");
    assert_eq!(requests[0].content_type, ContentType::Json);
    let body = json_body(&requests[0]);
    assert_eq!(body["api_key"], "KEY");
    assert!(body.get("options").is_none());
    let event = &events(&requests)[0];
    assert_eq!(event["event_type"], "Signed Up");
    assert_eq!(event["user_id"], "user-0001");
    assert_eq!(event["device_id"], "anon-123456");
    assert_eq!(event["time"], 1_705_312_800_000_i64);
    assert_eq!(event["session_id"], 1_705_312_800_000_i64);
    assert_eq!(event["platform"], "Web");
    assert_eq!(event["library"], "analytics.js");
    assert_eq!(event["os_name"], "Mac OS");
    assert_eq!(
        event["user_properties"],
        json!({
            "$setOnce": {"initial_referrer": "https://ref.example/", "initial_utm_source": "google", "initial_utm_campaign": "spring"},
            "$set": {"referrer": "https://ref.example/", "utm_source": "google", "utm_campaign": "spring"}
        })
    );
    // Revenue belongs to Log Purchase; the internal batch switch is never sent.
    assert!(event.get("revenue").is_none());
    assert!(event.get("use_batch_endpoint").is_none());
}

#[test]
fn batch_endpoint_and_region_pick_the_url() {
    let batch = json!({"use_batch_endpoint": true});
    let eu = run_with(Action::LogEventV2, track(), batch.clone(), Region::Europe);
    assert_eq!(eu[0].url, "https://api.eu.amplitude.com/batch");
    let us = run_with(Action::LogEvent, track(), batch, Region::NorthAmerica);
    assert_eq!(us[0].url, "https://api2.amplitude.com/batch");
    let eu_http = run_with(Action::LogPurchase, track(), json!({}), Region::Europe);
    assert_eq!(eu_http[0].url, "https://api.eu.amplitude.com/2/httpapi");
}

#[test]
fn log_event_v2_adds_user_property_operations() {
    let changes = json!({"add": {"logins": 1}, "setAlways": {"plan": {"@path": "$.properties.plan"}}, "setOnce": {}});
    let event = &events(&run_with(
        Action::LogEventV2,
        track(),
        changes,
        Region::NorthAmerica,
    ))[0];
    assert_eq!(
        event["user_properties"],
        json!({"$set": {"plan": "pro"}, "$add": {"logins": 1}})
    );
}

#[test]
fn min_id_length_becomes_an_option() {
    let requests = run_with(
        Action::LogEventV2,
        track(),
        json!({"min_id_length": 2}),
        Region::NorthAmerica,
    );
    assert_eq!(
        json_body(&requests[0])["options"],
        json!({"min_id_length": 2})
    );
    let identify = run_with(
        Action::IdentifyUser,
        json!({"type": "identify", "userId": "u1"}),
        json!({"min_id_length": 1}),
        Region::NorthAmerica,
    );
    assert_eq!(
        form(&identify[0]).last(),
        Some(&("options".to_owned(), json!({"min_id_length": 1})))
    );
}

#[test]
fn user_agent_parsing_can_be_replaced_by_the_raw_agent() {
    let changes = json!({"userAgentParsing": false, "includeRawUserAgent": true});
    let event = &events(&run_with(
        Action::LogEventV2,
        track(),
        changes,
        Region::NorthAmerica,
    ))[0];
    assert!(event.get("os_name").is_none());
    assert!(event["user_agent"]
        .as_str()
        .is_some_and(|ua| ua.starts_with("Mozilla/5.0")));
}

#[test]
fn session_ids_in_every_form() {
    for (session_id, expected) in [
        (json!(1_705_312_800_000_i64), json!(1_705_312_800_000_i64)),
        (json!("1705312800000"), json!(1_705_312_800_000_i64)),
        (
            json!("2024-01-15T10:00:00.000Z"),
            json!(1_705_312_800_000_i64),
        ),
        (json!("00042"), json!(42)),
    ] {
        let mut event = track();
        event["integrations"]["Actions Amplitude"]["session_id"] = session_id.clone();
        let sent = &events(&run_default(Action::LogEventV2, event))[0];
        assert_eq!(sent["session_id"], expected, "{session_id}");
    }
    let mut invalid = track();
    invalid["integrations"]["Actions Amplitude"]["session_id"] = json!("not a date");
    let error = run(
        Action::LogEventV2,
        &invalid,
        None,
        &settings(Region::NorthAmerica),
        None,
    );
    assert!(error.is_err_and(|e| e.message.contains("session_id")));
}

#[test]
fn log_event_merges_utm_and_referrer_with_mapped_user_properties() {
    let mut event = track();
    event["traits"] = json!({"plan": "pro", "referrer": "dropped", "$set": {"x": 1}});
    let sent = &events(&run_default(Action::LogEvent, event))[0];
    assert_eq!(
        sent["user_properties"],
        json!({
            "$set": {"utm_source": "google", "utm_campaign": "spring", "referrer": "https://ref.example/", "x": 1},
            "$setOnce": {"initial_utm_source": "google", "initial_utm_campaign": "spring", "initial_referrer": "https://ref.example/"},
            "plan": "pro"
        })
    );
}

fn order() -> Value {
    let mut event = track();
    event["event"] = json!("Order Completed");
    event["messageId"] = json!("msg-1");
    event["properties"] = json!({
        "revenue": 50,
        "products": [
            {"productId": "p1", "price": 10, "quantity": 2},
            {"productId": "p2", "revenue": 30}
        ]
    });
    event
}

#[test]
fn log_purchase_sends_order_revenue_and_product_events() {
    let changes = json!({"insert_id": {"@path": "$.messageId"}});
    let sent = events(&run_with(
        Action::LogPurchase,
        order(),
        changes,
        Region::NorthAmerica,
    ));
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0]["event_type"], "Order Completed");
    assert_eq!(sent[0]["revenue"], 50);
    assert_eq!(sent[0]["revenueType"], "Purchase");
    assert_eq!(sent[1]["event_type"], "Product Purchased");
    assert_eq!(
        sent[1]["event_properties"],
        json!({"productId": "p1", "price": 10, "quantity": 2})
    );
    assert_eq!(sent[1]["insert_id"], "msg-1-2");
    assert_eq!(sent[2]["insert_id"], "msg-1-3");
    assert!(sent[1].get("revenue").is_none());
    assert!(sent[1].get("os_name").is_none());
}

#[test]
fn log_purchase_can_track_revenue_per_product() {
    let changes = json!({"trackRevenuePerProduct": true});
    let sent = events(&run_with(
        Action::LogPurchase,
        order(),
        changes,
        Region::NorthAmerica,
    ));
    assert!(sent[0].get("revenue").is_none());
    assert_eq!(sent[1]["revenue"], 20);
    assert_eq!(sent[1]["quantity"], 2);
    assert_eq!(sent[2]["revenue"], 30);
    assert!(sent[2].get("insert_id").is_none());
}

#[test]
fn identify_user_posts_a_form_without_undefined_options() {
    let mut event = track();
    event["type"] = json!("identify");
    event["traits"] = json!({"email": "a@b.c"});
    event["context"]["device"] = json!({"type": "android"});
    let requests = run_default(Action::IdentifyUser, event);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url, "https://api2.amplitude.com/identify");
    let fields = form(&requests[0]);
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["api_key", "identification"]);
    let identification = &fields[1].1;
    assert_eq!(identification["platform"], "Android");
    assert_eq!(identification["library"], "segment");
    assert_eq!(
        identification["user_properties"],
        json!({
            "email": "a@b.c",
            "$set": {"utm_source": "google", "utm_campaign": "spring", "referrer": "https://ref.example/"},
            "$setOnce": {"initial_utm_source": "google", "initial_utm_campaign": "spring", "initial_referrer": "https://ref.example/"}
        })
    );
}

#[test]
fn group_identify_associates_the_user_first() {
    let event = json!({"type": "group", "userId": "user-0001", "groupId": "g-1", "traits": {"name": "Acme"}, "timestamp": "2024-01-15T10:00:00.000Z"});
    let changes = json!({"group_type": "company", "group_value": {"@path": "$.groupId"}});
    let requests = run_with(
        Action::GroupIdentifyUser,
        event.clone(),
        changes.clone(),
        Region::Europe,
    );
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].url, "https://api.eu.amplitude.com/identify");
    assert_eq!(
        form(&requests[0])[1].1,
        json!([{"groups": {"company": "g-1"}, "library": "segment", "time": 1_705_312_800_000_i64, "user_id": "user-0001", "user_properties": {"company": "g-1"}}])
    );
    assert_eq!(
        requests[1].url,
        "https://api.eu.amplitude.com/groupidentify"
    );
    assert_eq!(
        form(&requests[1])[1].1,
        json!([{"group_properties": {"name": "Acme"}, "group_value": "g-1", "group_type": "company", "library": "segment"}])
    );

    let mut anonymous = event;
    anonymous.as_object_mut().map(|m| m.remove("userId"));
    anonymous.as_object_mut().map(|m| m.remove("timestamp"));
    let only_group = run_with(
        Action::GroupIdentifyUser,
        anonymous,
        changes,
        Region::Europe,
    );
    assert_eq!(only_group.len(), 1);
    assert_eq!(
        only_group[0].url,
        "https://api.eu.amplitude.com/groupidentify"
    );
}

#[test]
fn map_user_sends_the_payload_as_mapping() {
    let event = json!({"type": "alias", "userId": "new-user", "previousId": "old-user"});
    let requests = run_default(Action::MapUser, event.clone());
    assert_eq!(requests[0].url, "https://api.amplitude.com/usermap");
    assert_eq!(
        form(&requests[0]),
        [
            ("api_key".to_owned(), json!("KEY")),
            (
                "mapping".to_owned(),
                json!([{"user_id": "old-user", "global_user_id": "new-user"}])
            )
        ]
    );
    let short = run_with(
        Action::MapUser,
        event,
        json!({"min_id_length": 3}),
        Region::NorthAmerica,
    );
    let fields = form(&short[0]);
    assert_eq!(fields[1].1[0]["min_id_length"], 3);
    assert_eq!(
        fields[2],
        ("options".to_owned(), json!({"min_id_length": 3}))
    );
}

#[test]
fn rejected_events_name_the_problem() {
    let settings = settings(Region::NorthAmerica);
    let missing = run(
        Action::LogEventV2,
        &json!({"type": "track"}),
        None,
        &settings,
        None,
    );
    assert!(
        missing.is_err_and(|e| e.code == ErrorCode::PayloadValidationFailed
            && e.code.as_str() == "PAYLOAD_VALIDATION_FAILED"
            && e.message.contains("event_type"))
    );
    let not_object = run(Action::MapUser, &json!([1]), None, &settings, None);
    assert!(not_object.is_err_and(|e| e.code == ErrorCode::InvalidEvent));
    let bad_mapping = CompiledAction::new(Action::LogEventV2, &json!({"event_type": {"@path": 5}}));
    assert!(bad_mapping.is_err_and(|e| e.code.as_str() == "INVALID_MAPPING"));
}
