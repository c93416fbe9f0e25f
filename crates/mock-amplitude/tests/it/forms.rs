//! `/identify`, `/groupidentify`, `/usermap`: form, query-string and multipart bodies.

use crate::util::*;
use ampline_mock_amplitude::RecordFilter;
use serde_json::json;

#[tokio::test]
async fn identify_accepts_urlencoded_posts_and_records_each_identification() {
    let mock = start().await;
    let identification = json!([
        {"user_id": "user-001", "user_properties": {"$set": {"plan": "pro"}}},
        {"device_id": "device-001", "country": "France"},
    ])
    .to_string();
    let answer = mock
        .post_form(
            "/identify",
            &[("api_key", US_KEY), ("identification", &identification)],
        )
        .await;
    assert_eq!((answer.status, answer.text.as_str()), (200, "success"));
    let recorded = mock.handle.identifies(&RecordFilter::new());
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        recorded[0].item["user_properties"],
        json!({"$set": {"plan": "pro"}})
    );
    assert_eq!(
        recorded[1].item.get("time"),
        None,
        "identifications get no default time"
    );
}

#[tokio::test]
async fn identify_also_reads_a_query_string_and_multipart() {
    let mock = start().await;
    let identification = json!({"user_id": "user-002"}).to_string();
    let by_query = answer(mock.client.get(mock.url("/identify")).query(&[
        ("api_key", US_KEY),
        ("identification", identification.as_str()),
    ]))
    .await;
    assert_eq!(by_query.status, 200);
    let boundary = "mockboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n{US_KEY}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"identification\"\r\n\r\n{{\"user_id\":\"user-003\"}}\r\n--{boundary}--\r\n"
    );
    let multipart = mock
        .post_bytes(
            "/identify",
            &format!("multipart/form-data; boundary={boundary}"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(multipart.status, 200);
    let users: Vec<String> = mock
        .handle
        .identifies(&RecordFilter::new())
        .iter()
        .map(|record| record.item["user_id"].to_string())
        .collect();
    assert_eq!(users, ["\"user-002\"", "\"user-003\""]);
}

#[tokio::test]
async fn identify_errors() {
    let mock = start().await;
    let no_key = mock
        .post_form("/identify", &[("identification", "{}")])
        .await;
    assert_eq!(no_key.json()["missing_field"], json!("api_key"));
    let bad_key = mock
        .post_form(
            "/identify",
            &[("api_key", "wrong"), ("identification", "{}")],
        )
        .await;
    assert_eq!(
        bad_key.json(),
        json!({"code": 400, "error": "Invalid API key: wrong"})
    );
    for malformed in ["", "not json", "[]", "[1]"] {
        let answer = mock
            .post_form(
                "/identify",
                &[("api_key", US_KEY), ("identification", malformed)],
            )
            .await;
        assert_eq!(
            (answer.status, answer.text.as_str()),
            (400, "missing_event")
        );
    }
    let no_id = mock
        .post_form(
            "/identify",
            &[
                ("api_key", US_KEY),
                ("identification", r#"{"user_properties":{}}"#),
            ],
        )
        .await;
    assert_eq!(
        no_id.json()["events_with_missing_fields"],
        json!({"user_id": [0]})
    );
    let short = mock
        .post_form(
            "/identify",
            &[
                ("api_key", US_KEY),
                ("identification", r#"{"user_id":"ab"}"#),
                ("options", r#"{"min_id_length":2}"#),
            ],
        )
        .await;
    assert_eq!(short.status, 200);
    assert_eq!(mock.handle.identifies(&RecordFilter::new()).len(), 1);
}

#[tokio::test]
async fn group_identify_records_groups_and_checks_fields() {
    let mock = start().await;
    let identification = json!({"group_type": "org", "group_value": "acme",
                                "group_properties": {"$set": {"seats": 12}}})
    .to_string();
    let answer = mock
        .post_form(
            "/groupidentify",
            &[("api_key", US_KEY), ("identification", &identification)],
        )
        .await;
    assert_eq!((answer.status, answer.text.as_str()), (200, "success"));
    let recorded = mock
        .handle
        .group_identifies(&RecordFilter::new().field("group_value", "acme"));
    assert_eq!(recorded.len(), 1);
    let missing = mock
        .post_form(
            "/groupidentify",
            &[
                ("api_key", US_KEY),
                ("identification", r#"{"group_type":"org"}"#),
            ],
        )
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.json()["events_with_missing_fields"],
        json!({"group_value": [0]})
    );
}

#[tokio::test]
async fn usermap_maps_and_unmaps() {
    let mock = start().await;
    let mapping = json!([{"user_id": "old-1", "global_user_id": "new-1"},
                         {"user_id": "old-2", "unmap": true}])
    .to_string();
    let answer = mock
        .post_form("/usermap", &[("api_key", US_KEY), ("mapping", &mapping)])
        .await;
    assert_eq!((answer.status, answer.text.as_str()), (200, "success"));
    assert_eq!(mock.handle.mappings(&RecordFilter::new()).len(), 2);
    let both = mock
        .post_form(
            "/usermap",
            &[
                ("api_key", US_KEY),
                (
                    "mapping",
                    r#"{"user_id":"x","unmap":true,"global_user_id":"y"}"#,
                ),
            ],
        )
        .await;
    assert_eq!(both.status, 400);
    assert_eq!(
        both.json()["events_with_invalid_fields"],
        json!({"global_user_id": [0]})
    );
    let no_user = mock
        .post_form(
            "/usermap",
            &[
                ("api_key", US_KEY),
                ("mapping", r#"{"global_user_id":"y"}"#),
            ],
        )
        .await;
    assert_eq!(
        no_user.json()["events_with_missing_fields"],
        json!({"user_id": [0]})
    );
    let malformed = mock.post_form("/usermap", &[("api_key", US_KEY)]).await;
    assert_eq!(
        (malformed.status, malformed.text.as_str()),
        (400, "missing_mapping")
    );
    assert_eq!(mock.handle.mappings(&RecordFilter::new()).len(), 2);
}
