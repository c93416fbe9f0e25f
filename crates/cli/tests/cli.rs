//! The dry-run commands' contracts, driven through the real binary: tooling depends on them.

#![allow(clippy::expect_used, clippy::unwrap_used)] // A failed expectation is a failed test.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn ampline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ampline"))
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = ampline()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ampline");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for ampline")
}

fn ndjson_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each output line is JSON"))
        .collect()
}

#[test]
fn fql_prints_whether_the_event_matches() {
    let event = examples().join("track.json");
    let event = event.to_str().expect("utf-8 path");
    let yes = ampline()
        .args([
            "fql",
            r#"type = "track" and event = "Order Completed""#,
            "--event",
            event,
        ])
        .output()
        .expect("run");
    assert!(yes.status.success());
    assert_eq!(String::from_utf8_lossy(&yes.stdout).trim(), "true");

    let no = ampline()
        .args(["fql", r#"type = "identify""#, "--event", event])
        .output()
        .expect("run");
    assert!(no.status.success());
    assert_eq!(String::from_utf8_lossy(&no.stdout).trim(), "false");
}

#[test]
fn fql_reports_an_invalid_trigger_on_stderr_with_its_position() {
    let event = examples().join("track.json");
    let out = ampline()
        .args([
            "fql",
            "type = \"track\" # x",
            "--event",
            event.to_str().expect("utf-8 path"),
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid trigger"), "{stderr}");
    assert!(stderr.contains("position"), "{stderr}");
}

#[test]
fn fql_ndjson_answers_every_line_in_order() {
    let input = [
        json!({"expr": "type = \"track\"", "event": {"type": "track"}}).to_string(),
        json!({"expr": "type = \"track\"", "event": {"type": "page"}}).to_string(),
        String::new(),
        json!({"expr": "type = \"track\" #", "event": {}}).to_string(),
        "{not json".to_string(),
        "[1]".to_string(),
        json!({"event": {}}).to_string(),
        json!({"expr": "properties.n > 2", "event": {"properties": {"n": 3}}}).to_string(),
    ]
    .join("\n");
    let out = run_with_stdin(&["fql", "--ndjson"], &input);
    assert!(out.status.success());
    let lines = ndjson_lines(&out);
    assert_eq!(
        lines.len(),
        7,
        "the blank line is skipped, every other line answered"
    );
    assert_eq!(lines[0], json!({"matches": true}));
    assert_eq!(lines[1], json!({"matches": false}));
    assert!(lines[2]["error"].is_string());
    assert!(lines[3]["error"]
        .as_str()
        .is_some_and(|e| e.contains("line 5")));
    assert!(lines[4]["error"]
        .as_str()
        .is_some_and(|e| e.contains("line 6")));
    assert!(lines[5]["error"]
        .as_str()
        .is_some_and(|e| e.contains("expr")));
    assert_eq!(lines[6], json!({"matches": true}));
}

#[test]
fn ndjson_streams_an_answer_before_input_ends() {
    let mut child = ampline()
        .args(["fql", "--ndjson"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn ampline");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    for expected in [true, false] {
        let event = if expected { "track" } else { "page" };
        let case = json!({"expr": "type = \"track\"", "event": {"type": event}});
        writeln!(stdin, "{case}").expect("write case");
        stdin.flush().expect("flush");
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read answer");
        assert_eq!(
            serde_json::from_str::<Value>(&line).expect("json"),
            json!({"matches": expected})
        );
    }
    drop(stdin);
    assert!(child.wait().expect("exit").success());
}

#[test]
fn map_prints_the_payload() {
    let out = ampline()
        .args([
            "map",
            "--mapping",
            examples()
                .join("purchase.mapping.json")
                .to_str()
                .expect("utf-8 path"),
            "--event",
            examples().join("track.json").to_str().expect("utf-8 path"),
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let payload: Value = serde_json::from_slice(&out.stdout).expect("json payload");
    assert_eq!(payload["user_id"], "user-8731");
    assert_eq!(payload["device_id"], "6f1d2b9e-3c4a-4e8b-9f1d-2b9e3c4a4e8b");
    assert_eq!(payload["event_type"], "Order Completed (USD)");
    assert_eq!(payload["coupon"], "HASBROS");
    assert_eq!(
        payload["products"][1],
        json!({"productId": "505bd76785ebb509fc183733", "price": 3, "quantity": 2})
    );
    assert_eq!(
        payload["utm_properties"],
        json!({"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "black-friday"})
    );
    assert_eq!(payload["summary"], "2 items, 2750 cents");
}

#[test]
fn map_ndjson_follows_the_contract() {
    let input = [
        json!({"mapping": {"a": {"@path": "$.properties.x"}}, "event": {"properties": {"x": 1}}}),
        json!({"mapping": {"@path": "$.nothing"}, "event": {}}),
        json!({"mapping": {"a": {"@nope": 1}}, "event": {}}),
        json!({"mapping": {"a": {"@case": {"operator": "upper", "value": 5}}}, "event": {}}),
        json!({"mapping": {"a": {"@path": {"@literal": 5}}}, "event": {}}),
    ]
    .map(|case| case.to_string())
    .join("\n");
    let out = run_with_stdin(&["map", "--ndjson"], &input);
    assert!(out.status.success());
    let lines = ndjson_lines(&out);
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0], json!({"output": {"a": 1}}));
    assert_eq!(lines[1], json!({"output": null}));
    let invalid = lines[2]["error"]
        .as_str()
        .expect("error for an unknown directive");
    assert!(
        invalid.contains("/a"),
        "the error names the directive's place: {invalid}"
    );
    let invalid = lines[3]["error"]
        .as_str()
        .expect("error for a bad @case value");
    assert!(invalid.contains("/a/@case/value"), "{invalid}");
    assert!(
        lines[4]["error"].is_string(),
        "a runtime error is reported too"
    );
}

#[test]
fn test_event_prints_the_requests_of_an_order() {
    let out = ampline()
        .args([
            "test-event",
            "--action",
            "logPurchase",
            "--event",
            examples().join("track.json").to_str().expect("utf-8 path"),
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests: Value = serde_json::from_slice(&out.stdout).expect("json requests");
    let request = &requests[0];
    assert_eq!(request["url"], "https://api2.amplitude.com/2/httpapi");
    assert_eq!(request["content_type"], "application/json");
    let events = request["body"]["events"].as_array().expect("events");
    let types: Vec<&str> = events
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert_eq!(
        types,
        ["Order Completed", "Product Purchased", "Product Purchased"]
    );
    assert_eq!(events[0]["revenue"], 25.0);
    assert_eq!(events[0]["session_id"], 1_732_798_800_000_i64);
}

#[test]
fn test_event_reports_an_unknown_action_with_the_known_ones() {
    let out = ampline()
        .args(["test-event", "--action", "logEvent3", "--event", "-"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("logEvent3") && stderr.contains("logEventV2"),
        "{stderr}"
    );
}

#[test]
fn test_event_ndjson_follows_the_contract() {
    let settings = json!({"apiKey": "k", "secretKey": "s", "endpoint": "europe"});
    let input = [
        json!({"action": "identifyUser", "event": {"type": "identify", "userId": "user-12345", "traits": {"plan": "pro"}}, "mapping": null, "settings": settings}),
        json!({"action": "logEvent", "event": {"type": "track", "userId": "user-12345"}, "mapping": null, "settings": settings}),
        json!({"action": "logEvent", "event": {"type": "track"}, "mapping": {"event_type": {"@nope": 1}}, "settings": settings}),
        json!({"action": "logEvent", "event": {"type": "track", "event": "x"}, "mapping": null, "settings": {"apiKey": "k", "secretKey": "s", "endpoint": "mars"}}),
        json!({"action": "mapUser", "event": {"type": "alias", "userId": "user-12345", "previousId": "anon-1"}, "mapping": null, "settings": settings}),
    ]
    .map(|case| case.to_string())
    .join("\n");
    let out = run_with_stdin(&["test-event", "--ndjson"], &input);
    assert!(out.status.success());
    let lines = ndjson_lines(&out);
    assert_eq!(lines.len(), 5);

    assert_eq!(lines[0]["error"], Value::Null);
    let identify = &lines[0]["requests"][0];
    assert_eq!(identify["method"], "POST");
    assert_eq!(identify["url"], "https://api.eu.amplitude.com/identify");
    assert_eq!(
        identify["content_type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(identify["body"]["api_key"], "k");
    let identification: Value = serde_json::from_str(
        identify["body"]["identification"]
            .as_str()
            .expect("form text"),
    )
    .expect("json text");
    assert_eq!(identification["user_id"], "user-12345");
    assert_eq!(identification["user_properties"]["plan"], "pro");

    assert_eq!(lines[1]["requests"], json!([]));
    assert_eq!(lines[1]["error"]["code"], "PAYLOAD_VALIDATION_FAILED");
    assert!(lines[1]["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("event_type")));
    assert_eq!(lines[2]["error"]["code"], "INVALID_MAPPING");
    assert_eq!(lines[3]["error"]["code"], "INVALID_SETTINGS");
    assert_eq!(
        lines[4]["requests"][0]["url"],
        "https://api.eu.amplitude.com/usermap"
    );
}

#[test]
fn presets_print_the_six_default_mappings() {
    let out = ampline().arg("presets").output().expect("run");
    assert!(out.status.success());
    let config: Value = serde_json::from_slice(&out.stdout).expect("json");
    let mappings = config["mappings"].as_array().expect("mappings");
    assert_eq!(mappings.len(), 6);
    let page = mappings
        .iter()
        .find(|m| m["name"] == "Page Calls")
        .expect("Page Calls");
    assert_eq!(page["trigger"], "type = \"page\"");
    assert_eq!(page["action"], "logEventV2");
    assert_eq!(
        page["mapping"]["event_type"],
        json!({"@template": "Viewed {{name}}"})
    );
}

fn run_validate(config: &str, env: &[(&str, &str)]) -> Output {
    let dir = std::env::temp_dir().join(format!("ampline-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("config-{n}.toml"));
    std::fs::write(&path, config).expect("write config");
    ampline()
        .args(["validate", path.to_str().expect("utf-8 path")])
        .env_remove("AMPLINE_WRITE_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("run")
}

#[test]
fn validate_accepts_the_example_configuration_with_its_secrets_set() {
    let config = std::fs::read_to_string(examples().join("ampline.toml")).expect("example config");
    let secrets = [
        ("AMPLINE_WRITE_KEY", "wk"),
        ("AMPLITUDE_API_KEY", "key"),
        ("AMPLITUDE_SECRET_KEY", "secret"),
    ];
    let out = run_validate(&config, &secrets);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 enabled mappings, 1 for the browser"));

    let out = run_validate(&config, &secrets[1..]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sources[0].write_key") && stderr.contains("AMPLINE_WRITE_KEY"),
        "{stderr}"
    );
}

#[test]
fn validate_reports_every_problem_with_its_place_and_warns_about_ambiguous_triggers() {
    let bad = r#"
[[sources]]
name = "w"
write_key = "k"
[destination]
api_key = "a"
secret_key = "s"
region = "mars"
[[mappings]]
name = "m"
trigger = 'type = "track" and'
action = "logEventV3"
[[mappings]]
name = "n"
trigger = 'type = "track"'
action = "logEventV2"
mapping = '{"event_type": {"@case": {"operator": "upper", "value": 5}}}'
"#;
    let out = run_validate(bad, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for place in [
        "destination.region",
        "mappings[0] (m).action",
        "mappings[1] (n).mapping",
    ] {
        assert!(stderr.contains(place), "{place} missing from: {stderr}");
    }
    assert!(stderr.contains("/event_type/@case/value"), "{stderr}");

    let ambiguous = r#"
[[sources]]
name = "w"
write_key = "k"
[destination]
api_key = "a"
secret_key = "s"
[[mappings]]
name = "m"
trigger = 'type = "track" and event = "a" or event = "b"'
action = "logEventV2"
"#;
    let out = run_validate(ambiguous, &[]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: mapping \"m\"") && stderr.contains("position"),
        "{stderr}"
    );
}
