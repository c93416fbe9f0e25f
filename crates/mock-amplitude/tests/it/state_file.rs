//! The state file: a restarted mock keeps its records, its de-duplication window and the users
//! deletions resolve.

use crate::util::*;
use ampline_mock_amplitude::RecordFilter;
use serde_json::json;
use std::path::PathBuf;

fn state_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mock-amplitude-it-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn a_restarted_mock_keeps_records_and_its_dedup_window() {
    let path = state_path("restart.ndjson");
    let first_path = path.clone();
    let mock = start_with(move |config| config.state_file = Some(first_path)).await;
    mock.send(json!([
        event("user-001", "order-1"),
        event("user-002", "order-2")
    ]))
    .await;
    mock.post_form(
        "/identify",
        &[
            ("api_key", US_KEY),
            ("identification", r#"{"user_id":"user-003"}"#),
        ],
    )
    .await;
    let last_id = mock
        .handle
        .requests()
        .last()
        .map(|entry| entry.request_id)
        .unwrap_or_default();
    mock.handle.shutdown().await;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(!text.contains(US_KEY), "the state file must not hold keys");

    let second_path = path.clone();
    let mock = start_with(move |config| config.state_file = Some(second_path)).await;
    assert_eq!(mock.handle.events(&RecordFilter::new()).len(), 2);
    assert_eq!(mock.handle.identifies(&RecordFilter::new()).len(), 1);
    let answer = mock
        .send(json!([
            event("user-001", "order-1"),
            event("user-001", "order-3")
        ]))
        .await;
    assert_eq!(answer.status, 200);
    assert!(answer.request_id.unwrap_or_default() > last_id);
    assert_eq!(
        mock.handle
            .events(&RecordFilter::new().insert_id("order-1"))
            .len(),
        1
    );
    assert_eq!(mock.handle.events(&RecordFilter::new()).len(), 3);
    let deletion = answer_of_deletion(&mock, "user-003").await;
    assert_eq!(deletion, 200, "users seen before the restart are known");

    mock.post_json("/_mock/reset", &json!({})).await;
    mock.handle.shutdown().await;
    let reset_path = path.clone();
    let mock = start_with(move |config| config.state_file = Some(reset_path)).await;
    assert!(mock.handle.events(&RecordFilter::new()).is_empty());
    let _ = std::fs::remove_file(&path);
}

async fn answer_of_deletion(mock: &Mock, user: &str) -> u16 {
    answer(
        mock.client
            .post(mock.url("/api/2/deletions/users"))
            .basic_auth(US_KEY, Some(US_SECRET))
            .json(&json!({"user_ids": [user]})),
    )
    .await
    .status
}
