//! What analytics.js 2.0 fetches when its `cdnURL` points at ampline: project settings that send
//! everything back to ampline, and the session plugin bundle.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_name_ampline_and_the_session_plugin() -> TestResult {
    let server = start_server().await?;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{}/v1/projects/WK/settings", server.url))
        .header("origin", "https://shop.example.com")
        .header("x-forwarded-proto", "https")
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    let settings: Value = response.json().await?;
    let host = server.url.trim_start_matches("http://");
    let segment_io = &settings["integrations"]["Segment.io"];
    assert_eq!(segment_io["apiHost"], format!("{host}/v1"));
    // The header came from an untrusted peer, so it is not believed.
    assert_eq!(segment_io["protocol"], "http");
    assert_eq!(settings["metrics"]["sampleRate"], 0);
    let plugin = &settings["remotePlugins"][0];
    let subscription = &plugin["settings"]["subscriptions"][0];
    assert_eq!(subscription["name"], "Browser Session Tracking");
    assert_eq!(subscription["partnerAction"], "sessionId");
    assert_eq!(
        subscription["subscribe"],
        "type = \"track\" or type = \"identify\" or type = \"group\" or type = \"page\" or type = \"alias\""
    );

    let url = plugin["url"].as_str().unwrap_or_default();
    assert!(url.starts_with(&server.url), "{url}");
    let bundle = client.get(url).send().await?;
    assert_eq!(bundle.status(), 200);
    assert!(bundle.headers()["content-type"]
        .to_str()?
        .starts_with("application/javascript"));
    let text = bundle.text().await?;
    assert_eq!(text, ampline_server::browser::PLUGIN_BUNDLE);
    assert!(text.contains("amplitude-pluginsDestination"));

    let unknown = client
        .get(format!("{}/v1/projects/nope/settings", server.url))
        .send()
        .await?;
    assert_eq!(unknown.status(), 404);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_public_url_and_session_settings_are_served() -> TestResult {
    let config = format!(
        "{CONFIG}[server]\npublic_url = \"https://collect.example.com\"\n[[mappings]]\nname = \"sessions\"\n\
         trigger = 'type = \"track\" or type = \"page\"'\naction = \"sessionId\"\n\
         mapping = {{ sessionLength = 600000, triggerSessionEvents = true }}\n"
    );
    let server = start_server_with(&config).await?;
    let settings: Value = reqwest::get(format!("{}/v1/projects/WK/settings", server.url))
        .await?
        .json()
        .await?;
    assert_eq!(
        settings["integrations"]["Segment.io"]["apiHost"],
        "collect.example.com/v1"
    );
    assert_eq!(settings["integrations"]["Segment.io"]["protocol"], "https");
    let subscription = &settings["remotePlugins"][0]["settings"]["subscriptions"][0];
    assert_eq!(subscription["name"], "sessions");
    assert_eq!(
        subscription["subscribe"],
        "type = \"track\" or type = \"page\""
    );
    assert_eq!(subscription["mapping"]["sessionLength"], 600000);
    assert_eq!(subscription["mapping"]["triggerSessionEvents"], true);
    Ok(())
}
