//! `/api/2/deletions/users` and `/api/2/usersearch`: Basic auth, limits, answers.

use crate::util::*;
use ampline_mock_amplitude::RecordFilter;
use serde_json::json;
use std::time::Duration;

async fn seed_users(mock: &Mock) {
    let answer = mock
        .send(json!([
            {"event_type": "e", "user_id": "user-001", "device_id": "device-001"},
            {"event_type": "e", "user_id": "user-002"},
        ]))
        .await;
    assert_eq!(answer.status, 200);
}

fn deletion(mock: &Mock, body: serde_json::Value) -> reqwest::RequestBuilder {
    mock.client
        .post(mock.url("/api/2/deletions/users"))
        .basic_auth(US_KEY, Some(US_SECRET))
        .json(&body)
}

#[tokio::test]
async fn dashboard_endpoints_need_basic_auth() {
    let mock = start().await;
    let body = json!({"user_ids": ["user-001"]});
    let none = answer(
        mock.client
            .post(mock.url("/api/2/deletions/users"))
            .json(&body),
    )
    .await;
    assert_eq!(none.status, 401);
    let wrong = answer(
        mock.client
            .post(mock.url("/api/2/deletions/users"))
            .basic_auth(US_KEY, Some("not-the-secret"))
            .json(&body),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let other_region = answer(
        mock.client
            .get(mock.url("/us/api/2/usersearch?user=x"))
            .basic_auth(EU_KEY, Some(EU_SECRET)),
    )
    .await;
    assert_eq!(other_region.status, 401);
    let search = answer(mock.client.get(mock.url("/api/2/usersearch?user=x"))).await;
    assert_eq!(search.status, 401);
    assert!(mock.handle.deletions(&RecordFilter::new()).is_empty());
}

#[tokio::test]
async fn deletions_resolve_known_users_and_refuse_unknown_ones() {
    let mock = start().await;
    seed_users(&mock).await;
    let ok = answer(deletion(
        &mock,
        json!({"user_ids": ["user-001"], "requester": "privacy@example.com",
               "include_mapped_user_ids": true}),
    ))
    .await;
    assert_eq!(ok.status, 200);
    let reply = ok.json();
    assert_eq!(reply["status"], json!("staging"));
    assert_eq!(reply["day"], json!("2024-06-28"));
    assert_eq!(
        reply["amplitude_ids"],
        json!([{"amplitude_id": 100_000_000_001_u64, "requester": "privacy@example.com",
                "requested_on_day": "2024-05-29", "user_id": "user-001"}])
    );
    mock.advance(Duration::from_secs(1));
    let unknown = answer(deletion(&mock, json!({"user_ids": ["user-001", "ghost"]}))).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["invalid_ids"], json!(["ghost"]));
    mock.advance(Duration::from_secs(1));
    let ignored = answer(deletion(
        &mock,
        json!({"user_ids": ["ghost"], "amplitude_ids": [100_000_000_002_u64], "ignore_invalid_id": "true"}),
    ))
    .await;
    assert_eq!(ignored.status, 200);
    assert_eq!(ignored.json()["invalid_ids"], json!(["ghost"]));
    assert_eq!(
        ignored.json()["amplitude_ids"][0]["amplitude_id"],
        json!(100_000_000_002_u64)
    );
    assert_eq!(mock.handle.deletions(&RecordFilter::new()).len(), 2);
    assert_eq!(
        mock.handle
            .deletions(&RecordFilter::new().field("user_ids", "user-001"))
            .len(),
        1
    );
}

#[tokio::test]
async fn deletions_enforce_100_ids_and_one_request_per_second() {
    let mock = start().await;
    seed_users(&mock).await;
    let ids: Vec<String> = (0..101).map(|i| format!("user-{i}")).collect();
    let too_many = answer(deletion(
        &mock,
        json!({"user_ids": ids, "ignore_invalid_id": true}),
    ))
    .await;
    assert_eq!(too_many.status, 400);
    let body = json!({"user_ids": ["user-002"]});
    assert_eq!(answer(deletion(&mock, body.clone())).await.status, 200);
    let second = answer(deletion(&mock, body.clone())).await;
    assert_eq!(second.status, 429);
    mock.advance(Duration::from_secs(1));
    assert_eq!(answer(deletion(&mock, body)).await.status, 200);
}

#[tokio::test]
async fn deletions_accept_forms_and_list_jobs() {
    let mock = start().await;
    seed_users(&mock).await;
    let form = answer(
        mock.client
            .post(mock.url("/api/2/deletions/users"))
            .basic_auth(US_KEY, Some(US_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("user_ids=user-001&user_ids=user-002&requester=me"),
    )
    .await;
    assert_eq!(form.status, 200);
    assert_eq!(
        form.json()["amplitude_ids"].as_array().map(Vec::len),
        Some(2)
    );
    let jobs = answer(
        mock.client
            .get(mock.url("/api/2/deletions/users?start_day=2024-06-01&end_day=2024-07-01"))
            .basic_auth(US_KEY, Some(US_SECRET)),
    )
    .await;
    assert_eq!(jobs.status, 200);
    assert_eq!(jobs.json()[0]["day"], json!("2024-06-28"));
    let none = answer(
        mock.client
            .get(mock.url("/api/2/deletions/users?start_day=2024-01-01&end_day=2024-02-01"))
            .basic_auth(US_KEY, Some(US_SECRET)),
    )
    .await;
    assert_eq!(none.json(), json!([]));
}

#[tokio::test]
async fn usersearch_finds_users_by_id_device_or_prefix() {
    let mock = start().await;
    seed_users(&mock).await;
    let search = |user: &str| {
        answer(
            mock.client
                .get(mock.url("/api/2/usersearch"))
                .query(&[("user", user)])
                .basic_auth(US_KEY, Some(US_SECRET)),
        )
    };
    let by_device = search("device-001").await;
    assert_eq!(
        by_device.json(),
        json!({"matches": [{"user_id": "user-001", "amplitude_id": 100_000_000_001_u64}],
               "type": "match_user_or_device_id"})
    );
    let by_prefix = search("user-00").await;
    assert_eq!(
        by_prefix.json()["matches"].as_array().map(Vec::len),
        Some(2)
    );
    let by_amplitude_id = search("100000000002").await;
    assert_eq!(
        by_amplitude_id.json()["matches"][0]["user_id"],
        json!("user-002")
    );
    assert_eq!(
        search("nobody").await.json(),
        json!({"type": "nomatch", "matches": []})
    );
    let missing = answer(
        mock.client
            .get(mock.url("/api/2/usersearch"))
            .basic_auth(US_KEY, Some(US_SECRET)),
    )
    .await;
    assert_eq!(missing.status, 400);
}

#[tokio::test]
async fn usersearch_is_limited_per_hour() {
    let mock = start_with(|config| config.limits.usersearch_per_hour = 2).await;
    let search = || {
        answer(
            mock.client
                .get(mock.url("/api/2/usersearch?user=x"))
                .basic_auth(US_KEY, Some(US_SECRET)),
        )
    };
    assert_eq!(search().await.status, 200);
    assert_eq!(search().await.status, 200);
    assert_eq!(search().await.status, 429);
    mock.advance(Duration::from_secs(3600));
    assert_eq!(search().await.status, 200);
}
