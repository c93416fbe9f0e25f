mod common;

use ampline_ingest::{success_body, IngestConfig, Ingested, Limits};
use common::*;
use serde_json::{json, Value};

fn messages(call: &Call<'_>) -> Vec<Value> {
    call.accepted()
        .map(|a| a.messages.into_iter().map(|m| m.message).collect())
        .unwrap_or_else(|error| vec![json!({ "error": error })])
}

fn one(call: &Call<'_>) -> Value {
    messages(call).into_iter().next().unwrap_or(Value::Null)
}

#[test]
fn every_single_route_accepts_its_type() {
    let cases = [
        ("track", json!({"event": "E"})),
        ("identify", json!({"traits": {"a": 1}})),
        ("page", json!({"name": "Home"})),
        ("screen", json!({"name": "Home"})),
        ("group", json!({"groupId": "g"})),
        ("alias", json!({"previousId": "p"})),
    ];
    for (name, extra) in cases {
        let mut body = json!({"userId": "u", "writeKey": "WK"});
        if let (Some(target), Some(fields)) = (body.as_object_mut(), extra.as_object()) {
            target.extend(fields.clone());
        }
        let bytes = body.to_string();
        let short = format!("/v1/{}", &name[..1]);
        let long = format!("/v1/{name}");
        for path in [short.as_str(), long.as_str()] {
            let message = one(&Call::new(path, bytes.as_bytes()));
            assert_eq!(message["type"], name, "{path}: {message}");
            assert_eq!(message["userId"], "u");
        }
    }
}

#[test]
fn route_type_overrides_body_type() {
    let body = br#"{"type":"identify","event":"E","userId":"u","writeKey":"WK"}"#;
    assert_eq!(one(&Call::new("/v1/track", body))["type"], "track");
}

#[test]
fn metrics_are_discarded_without_auth() {
    let body =
        br#"{"series":[{"type":"Counter","metric":"analytics_js.invoke","value":1,"tags":{}}]}"#;
    assert!(matches!(
        Call::new("/v1/m", body).run(),
        Ok(Ingested::MetricsDiscarded)
    ));
    assert!(matches!(
        Call::new("/v1/m", b"not json").run(),
        Ok(Ingested::MetricsDiscarded)
    ));
}

#[test]
fn batch_routes_share_the_envelope() {
    let body = br#"{"writeKey":"WK","batch":[{"type":"track","event":"E","userId":"u"}]}"#;
    for path in ["/v1/batch", "/v1/b", "/v1/import"] {
        assert_eq!(one(&Call::new(path, body))["event"], "E", "{path}");
    }
}

#[test]
fn write_key_from_basic_auth() {
    let body = br#"{"event":"E","userId":"u"}"#;
    let auth = basic("WK2");
    let mut call = Call::new("/v1/track", body);
    call.authorization = Some(&auth);
    assert_eq!(call.accepted().map(|a| a.source), Ok(2));

    // Basic wins over a body key.
    let body = br#"{"event":"E","userId":"u","writeKey":"WK"}"#;
    let mut call = Call::new("/v1/track", body);
    call.authorization = Some(&auth);
    assert_eq!(call.accepted().map(|a| a.source), Ok(2));

    let unknown = basic("nope");
    call.authorization = Some(&unknown);
    assert_eq!(call.refusal(), (401, "invalid_write_key"));

    // An unknown Basic key is refused before the body is even looked at.
    let mut call = Call::new("/v1/track", b"\x1f\x8b garbage");
    call.authorization = Some(&unknown);
    call.content_encoding = Some("gzip");
    assert_eq!(call.refusal(), (401, "invalid_write_key"));

    call.authorization = Some("Basic %%%");
    assert_eq!(call.refusal(), (401, "invalid_authorization"));
}

#[test]
fn write_key_from_body() {
    let body = br#"{"event":"E","userId":"u","writeKey":"WK2"}"#;
    assert_eq!(Call::new("/v1/t", body).accepted().map(|a| a.source), Ok(2));

    // Bearer (OAuth) is tolerated; the body key decides.
    let mut call = Call::new("/v1/t", body);
    call.authorization = Some("Bearer eyJhbGciOi.x.y");
    assert_eq!(call.accepted().map(|a| a.source), Ok(2));

    let body = br#"{"event":"E","userId":"u"}"#;
    assert_eq!(
        Call::new("/v1/t", body).refusal(),
        (401, "missing_write_key")
    );
    let body = br#"{"event":"E","userId":"u","writeKey":""}"#;
    assert_eq!(
        Call::new("/v1/t", body).refusal(),
        (401, "missing_write_key")
    );
    let body = br#"{"event":"E","userId":"u","writeKey":5}"#;
    assert_eq!(
        Call::new("/v1/t", body).refusal(),
        (401, "missing_write_key")
    );
    let body = br#"{"event":"E","userId":"u","writeKey":"other"}"#;
    assert_eq!(
        Call::new("/v1/t", body).refusal(),
        (401, "invalid_write_key")
    );

    // Batch: the envelope's key, else the first item carrying one.
    let body = br#"{"writeKey":"WK2","batch":[{"type":"identify","userId":"u","writeKey":"WK"}]}"#;
    assert_eq!(Call::new("/v1/b", body).accepted().map(|a| a.source), Ok(2));
    let body = br#"{"batch":[{"type":"identify","userId":"u"},{"type":"identify","userId":"v","writeKey":"WK2"}]}"#;
    assert_eq!(Call::new("/v1/b", body).accepted().map(|a| a.source), Ok(2));
    // Items never carry a key to storage.
    assert!(messages(&Call::new("/v1/b", body))
        .iter()
        .all(|m| m.get("writeKey").is_none()));
}

#[test]
fn gzip_bodies() {
    let plain = br#"{"writeKey":"WK","batch":[{"type":"track","event":"E","userId":"u"}]}"#;
    let packed = gzip(plain);
    let mut call = Call::new("/v1/batch", &packed);
    call.content_encoding = Some("gzip");
    assert_eq!(one(&call)["event"], "E");

    call.content_encoding = None;
    assert_eq!(call.refusal(), (400, "invalid_json"));

    let mut call = Call::new("/v1/batch", plain);
    call.content_encoding = Some("gzip");
    assert_eq!(call.refusal(), (400, "invalid_gzip"));
    call.content_encoding = Some("deflate");
    assert_eq!(call.refusal(), (400, "unsupported_content_encoding"));
}

#[test]
fn gzip_bomb_is_refused_at_the_limit() {
    // A valid batch followed by ~50 MB of spaces: valid JSON if fully inflated, but far past 500 KB.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = std::io::Write::write_all(
        &mut encoder,
        br#"{"writeKey":"WK","batch":[{"type":"track","event":"E","userId":"u"}]}"#,
    );
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..50 {
        let _ = std::io::Write::write_all(&mut encoder, &spaces);
    }
    let bomb = encoder.finish().unwrap_or_default();
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let mut call = Call::new("/v1/batch", &bomb);
    call.content_encoding = Some("gzip");
    assert_eq!(call.refusal(), (400, "request_too_large"));
}

#[test]
fn request_limit_before_and_after_gzip() {
    let limits = Limits::default();
    assert_eq!(limits.max_request_bytes, 512_000);
    let padding = " ".repeat(limits.max_request_bytes);
    let body = format!(r#"{{"writeKey":"WK","event":"E","userId":"u"}}{padding}"#);
    assert_eq!(
        Call::new("/v1/t", body.as_bytes()).refusal(),
        (400, "request_too_large")
    );

    // Exactly at the limit is fine.
    let head = r#"{"writeKey":"WK","event":"E","userId":"u"}"#;
    let body = format!(
        "{head}{}",
        " ".repeat(limits.max_request_bytes - head.len())
    );
    assert_eq!(Call::new("/v1/t", body.as_bytes()).refusal(), (200, ""));
    let packed = gzip(body.as_bytes());
    let mut call = Call::new("/v1/t", &packed);
    call.content_encoding = Some("gzip");
    assert_eq!(call.refusal(), (200, ""));
    let body = format!("{body} ");
    let packed = gzip(body.as_bytes());
    let mut call = Call::new("/v1/t", &packed);
    call.content_encoding = Some("gzip");
    assert_eq!(call.refusal(), (400, "request_too_large"));
}

#[test]
fn message_size_limit() {
    let big = "x".repeat(33 * 1024);
    let body = json!({"writeKey": "WK", "event": "E", "userId": "u", "properties": {"big": big}})
        .to_string();
    assert_eq!(
        Call::new("/v1/t", body.as_bytes()).refusal(),
        (400, "message_too_large")
    );

    let body = json!({"writeKey": "WK", "batch": [
        {"type": "track", "event": "E", "userId": "u", "properties": {"big": big}},
        {"type": "track", "event": "F", "userId": "u"},
    ]})
    .to_string();
    let accepted = Call::new("/v1/b", body.as_bytes()).accepted();
    let accepted = accepted.as_ref().map_err(String::as_str);
    assert_eq!(accepted.map(|a| a.messages.len()), Ok(1));
    assert_eq!(accepted.map(|a| a.messages[0].index), Ok(1));
    assert_eq!(
        accepted.map(|a| (a.rejected[0].index, a.rejected[0].code)),
        Ok((0, "message_too_large"))
    );

    // An envelope context is copied into every item, so it is held to the message limit too.
    let body = json!({"writeKey": "WK", "context": {"big": big}, "batch": [
        {"type": "track", "event": "E", "userId": "u"},
    ]})
    .to_string();
    assert_eq!(
        Call::new("/v1/b", body.as_bytes()).refusal(),
        (400, "message_too_large")
    );
}

fn nested(depth: usize) -> Value {
    let mut value = json!(1);
    for _ in 0..depth {
        value = json!({ "n": value });
    }
    value
}

#[test]
fn depth_limit() {
    // The message object is level 1 and `nested(n)` adds n levels.
    let ok = json!({"writeKey": "WK", "event": "E", "userId": "u", "properties": nested(63)});
    assert_eq!(
        Call::new("/v1/t", ok.to_string().as_bytes()).refusal(),
        (200, "")
    );
    let deep = json!({"writeKey": "WK", "event": "E", "userId": "u", "properties": nested(64)});
    assert_eq!(
        Call::new("/v1/t", deep.to_string().as_bytes()).refusal(),
        (400, "message_too_deep")
    );

    let body = json!({"writeKey": "WK", "batch": [
        {"type": "track", "event": "E", "userId": "u", "properties": nested(64)},
        {"type": "track", "event": "E", "userId": "u", "properties": nested(63)},
    ]})
    .to_string();
    let accepted = Call::new("/v1/b", body.as_bytes()).accepted();
    let codes: Vec<_> = accepted
        .iter()
        .flat_map(|a| a.rejected.iter().map(|r| (r.index, r.code)))
        .collect();
    assert_eq!(codes, [(0, "message_too_deep")]);

    // Past serde_json's own 128 levels the body is not parsed at all.
    let body = format!(
        r#"{{"writeKey":"WK","x":{}1{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    assert_eq!(
        Call::new("/v1/t", body.as_bytes()).refusal(),
        (400, "invalid_json")
    );

    let limits = IngestConfig {
        limits: Limits {
            max_json_depth: 3,
            ..Limits::default()
        },
        ..IngestConfig::default()
    };
    let mut call = Call::new(
        "/v1/t",
        br#"{"writeKey":"WK","event":"E","userId":"u","properties":{"a":{"b":1}}}"#,
    );
    call.config = limits;
    assert_eq!(call.refusal(), (200, ""));
    let mut call = Call::new(
        "/v1/t",
        br#"{"writeKey":"WK","event":"E","userId":"u","properties":{"a":{"b":[]}}}"#,
    );
    call.config.limits.max_json_depth = 3;
    assert_eq!(call.refusal(), (400, "message_too_deep"));
}

#[test]
fn batch_count_limit_keeps_the_first_items() {
    let item = json!({"type": "track", "event": "E", "userId": "u"});
    let body = json!({"writeKey": "WK", "batch": vec![item; 2_502]}).to_string();
    let accepted = Call::new("/v1/batch", body.as_bytes()).accepted();
    let accepted = accepted.as_ref().map_err(String::as_str);
    assert_eq!(accepted.map(|a| a.messages.len()), Ok(2_500));
    let rejected: Vec<_> = accepted
        .iter()
        .flat_map(|a| a.rejected.iter().map(|r| (r.index, r.code)))
        .collect();
    assert_eq!(
        rejected,
        [(2_500, "batch_too_large"), (2_501, "batch_too_large")]
    );
}

#[test]
fn envelope_faults_refuse_the_request() {
    let cases: [(&[u8], &str); 9] = [
        (b"", "invalid_json"),
        (b"{", "invalid_json"),
        (b"[1]", "body_not_object"),
        (br#""WK""#, "body_not_object"),
        (br#"{"writeKey":"WK"}"#, "batch_not_defined"),
        (br#"{"writeKey":"WK","batch":{}}"#, "batch_not_array"),
        (br#"{"writeKey":"WK","batch":[]}"#, "empty_batch"),
        (
            br#"{"writeKey":"WK","batch":[{}],"context":[]}"#,
            "context_not_object",
        ),
        (
            br#"{"writeKey":"WK","batch":[{}],"integrations":"x"}"#,
            "integrations_not_object",
        ),
    ];
    for (body, code) in cases {
        assert_eq!(
            Call::new("/v1/batch", body).refusal(),
            (400, code),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn single_message_validation_codes_are_400s() {
    let cases = [
        ("/v1/t", json!({}), "no_user_anon_id"),
        (
            "/v1/t",
            json!({"userId": null, "anonymousId": null, "event": "E"}),
            "no_user_anon_id",
        ),
        (
            "/v1/t",
            json!({"userId": {}, "event": "E"}),
            "id_not_string",
        ),
        ("/v1/t", json!({"userId": "u"}), "event_not_defined"),
        (
            "/v1/t",
            json!({"userId": "u", "event": 1}),
            "event_not_string",
        ),
        (
            "/v1/t",
            json!({"userId": "u", "event": "E", "properties": []}),
            "properties_not_object",
        ),
        (
            "/v1/i",
            json!({"userId": "u", "traits": "t"}),
            "traits_not_object",
        ),
        (
            "/v1/p",
            json!({"userId": "u", "name": 5}),
            "name_not_string",
        ),
        (
            "/v1/s",
            json!({"userId": "u", "category": true}),
            "category_not_string",
        ),
        ("/v1/g", json!({"userId": "u"}), "group_id_not_defined"),
        (
            "/v1/g",
            json!({"userId": "u", "groupId": []}),
            "group_id_not_string",
        ),
        ("/v1/a", json!({"userId": "u"}), "previous_id_not_defined"),
        (
            "/v1/a",
            json!({"anonymousId": "x", "previousId": "p"}),
            "user_id_not_defined",
        ),
        (
            "/v1/i",
            json!({"userId": "u", "context": 1}),
            "context_not_object",
        ),
        (
            "/v1/i",
            json!({"userId": "u", "messageId": "m".repeat(101)}),
            "message_id_too_long",
        ),
    ];
    for (path, mut body, code) in cases {
        body["writeKey"] = json!("WK");
        let rejection = Call::new(path, body.to_string().as_bytes()).run().err();
        assert_eq!(
            rejection.as_ref().map(|r| (r.status, r.code)),
            Some((400, code)),
            "{path} {body}"
        );
        let reply = rejection.map(|r| r.body()).unwrap_or_default();
        assert_eq!(reply["code"], code);
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[test]
fn batch_with_mixed_items_keeps_the_good_ones() {
    let body = json!({"writeKey": "WK", "batch": [
        {"type": "track", "event": "A", "userId": "u"},
        "not an object",
        {"event": "no type", "userId": "u"},
        {"type": "purchase", "userId": "u"},
        {"type": 7, "userId": "u"},
        {"type": "track", "userId": "u"},
        {"type": "identify", "anonymousId": "a", "traits": {"x": 1}},
        {"type": "alias", "userId": "u"},
        {"type": "page", "userId": "u", "name": "Home"},
    ]})
    .to_string();
    let accepted = Call::new("/v1/batch", body.as_bytes()).accepted();
    let accepted = accepted.as_ref().map_err(String::as_str);
    let kept: Vec<_> = accepted
        .iter()
        .flat_map(|a| {
            a.messages
                .iter()
                .map(|m| (m.index, m.message["type"].clone()))
        })
        .collect();
    assert_eq!(
        kept,
        [
            (0, json!("track")),
            (6, json!("identify")),
            (8, json!("page"))
        ]
    );
    let rejected: Vec<_> = accepted
        .iter()
        .flat_map(|a| a.rejected.iter().map(|r| (r.index, r.code)))
        .collect();
    assert_eq!(
        rejected,
        [
            (1, "message_not_object"),
            (2, "type_not_defined"),
            (3, "type_invalid"),
            (4, "type_invalid"),
            (5, "event_not_defined"),
            (7, "previous_id_not_defined"),
        ]
    );
    let reply = accepted.map(|a| a.response_body()).unwrap_or_default();
    assert_eq!(reply["success"], true);
    assert_eq!(
        reply["rejected"][0],
        json!({"index": 1, "code": "message_not_object", "message": "a batch item must be a JSON object"})
    );
    assert_eq!(reply["rejected"].as_array().map(Vec::len), Some(6));

    // Every item bad still answers 200 with all of them listed.
    let body = br#"{"writeKey":"WK","batch":[{"type":"track"}]}"#;
    let accepted = Call::new("/v1/batch", body).accepted();
    assert_eq!(accepted.as_ref().map(|a| a.messages.len()), Ok(0));
    assert_eq!(accepted.as_ref().map(|a| a.rejected.len()), Ok(1));
    assert_eq!(success_body(), json!({"success": true}));
    let clean = Call::new("/v1/t", br#"{"writeKey":"WK","event":"E","userId":"u"}"#).accepted();
    assert_eq!(
        clean.map(|a| a.response_body()),
        Ok(json!({"success": true}))
    );
}

#[test]
fn enrichment_with_a_fixed_clock() {
    let body = json!({"writeKey": "WK", "sentAt": "2024-06-10T09:00:00.500Z", "batch": [
        {"type": "track", "event": "A", "userId": "u", "timestamp": "2024-06-10T09:00:00.000Z"},
        {"type": "track", "event": "B", "userId": "u", "timestamp": "2024-06-10T08:59:00.000Z", "sentAt": "1999-01-01T00:00:00Z"},
        {"type": "track", "event": "C", "userId": "u"},
        {"type": "track", "event": "D", "userId": "u", "messageId": "mine"},
    ]})
    .to_string();
    let out = messages(&Call::new("/v1/batch", body.as_bytes()));
    // Client clock one hour ahead: corrected into server time, keeping the 500 ms / 60.5 s offsets.
    assert_eq!(out[0]["timestamp"], "2024-06-10T08:00:00.500Z");
    assert_eq!(out[0]["originalTimestamp"], "2024-06-10T09:00:00.000Z");
    assert_eq!(out[1]["timestamp"], "2024-06-10T07:59:00.500Z");
    assert_eq!(out[1]["sentAt"], "2024-06-10T09:00:00.500Z");
    assert_eq!(out[2]["timestamp"], NOW_ISO);
    assert!(out.iter().all(|m| m["receivedAt"] == NOW_ISO));
    // Generated ids come from the caller's generator, in order, only where missing.
    let ids: Vec<_> = out.iter().map(|m| m["messageId"].clone()).collect();
    assert_eq!(
        ids,
        [
            json!("gen-0"),
            json!("gen-1"),
            json!("gen-2"),
            json!("mine")
        ]
    );
}

#[test]
fn envelope_context_and_integrations_merge() {
    let body = json!({"writeKey": "WK",
    "context": {"library": {"name": "analytics-kotlin"}, "device": {"id": "d1"}},
    "integrations": {"All": false, "Actions Amplitude": true},
    "batch": [
        {"type": "track", "event": "A", "userId": "u", "context": {"device": {"id": "own"}}},
        {"type": "track", "event": "B", "userId": "u", "integrations": {"All": true}},
    ]})
    .to_string();
    let out = messages(&Call::new("/v1/b", body.as_bytes()));
    assert_eq!(out[0]["context"]["device"], json!({"id": "own"}));
    assert_eq!(
        out[0]["context"]["library"],
        json!({"name": "analytics-kotlin"})
    );
    assert_eq!(
        out[0]["integrations"],
        json!({"All": false, "Actions Amplitude": true})
    );
    assert_eq!(
        out[1]["integrations"],
        json!({"All": true, "Actions Amplitude": true})
    );
    assert_eq!(out[1]["context"]["device"], json!({"id": "d1"}));
}

#[test]
fn context_ip_from_connection_and_trusted_proxies() {
    let body = br#"{"writeKey":"WK","event":"E","userId":"u"}"#;
    let call = Call::new("/v1/t", body);
    assert_eq!(one(&call)["context"]["ip"], PEER);

    // Without trusted proxies the header is ignored.
    let mut call = Call::new("/v1/t", body);
    call.peer = ip("10.0.0.1");
    call.forwarded_for = Some("198.51.100.7");
    assert_eq!(one(&call)["context"]["ip"], "10.0.0.1");

    call.config.trusted_proxies = "10.0.0.0/8".parse().into_iter().collect();
    assert_eq!(call.config.trusted_proxies.len(), 1);
    call.forwarded_for = Some("6.6.6.6, 198.51.100.7, 10.1.1.1");
    assert_eq!(one(&call)["context"]["ip"], "198.51.100.7");

    // A client's own ip is kept.
    let mut call = Call::new(
        "/v1/t",
        br#"{"writeKey":"WK","event":"E","userId":"u","context":{"ip":"192.0.2.1"}}"#,
    );
    call.peer = ip("10.0.0.1");
    assert_eq!(one(&call)["context"]["ip"], "192.0.2.1");

    // IPv6 clients: Segment collects no IPv6, unless configured.
    let mut call = Call::new("/v1/t", body);
    call.peer = ip("2001:db8::1");
    assert_eq!(one(&call).get("context"), None);
    call.config.collect_ipv6 = true;
    assert_eq!(one(&call)["context"]["ip"], "2001:db8::1");
    call.peer = ip("::ffff:192.0.2.8");
    call.config.collect_ipv6 = false;
    assert_eq!(one(&call)["context"]["ip"], "192.0.2.8");
}

#[test]
fn rejection_bodies_are_code_and_message() {
    let rejection = Call::new("/v1/t", b"{").run().err();
    let body = rejection.map(|r| r.body_string()).unwrap_or_default();
    let parsed: Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(parsed["code"], "invalid_json");
    assert!(parsed["message"]
        .as_str()
        .is_some_and(|m| m.contains("not valid JSON")));
    assert_eq!(parsed.as_object().map(|o| o.len()), Some(2));
}
