//! Small helpers so each test reads in a few lines.

use ampline_mock_amplitude::{Config, ManualClock, MockAmplitude, MockHandle, Project, Region};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const US_KEY: &str = "us-api-key-0001";
pub const US_SECRET: &str = "us-secret-0001";
pub const EU_KEY: &str = "eu-api-key-0002";
pub const EU_SECRET: &str = "eu-secret-0002";

pub struct Mock {
    pub handle: MockHandle,
    pub clock: ManualClock,
    pub client: reqwest::Client,
}

/// A mock with a US project "us" and an EU project "eu", on a manual clock.
pub async fn start() -> Mock {
    start_with(|_| {}).await
}

pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Mock {
    let clock = ManualClock::new(1_717_000_000_000);
    let mut config = Config::with_projects([
        Project::new("us", US_KEY).with_secret_key(US_SECRET),
        Project::new("eu", EU_KEY)
            .with_secret_key(EU_SECRET)
            .in_region(Region::Eu),
    ]);
    config.clock = Arc::new(clock.clone());
    adjust(&mut config);
    let handle = match MockAmplitude::start(config).await {
        Ok(handle) => handle,
        Err(error) => panic!("mock did not start: {error}"),
    };
    Mock {
        handle,
        clock,
        client: client(),
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap_or_else(|error| panic!("client: {error}"))
}

/// A response reduced to what tests assert on.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub text: String,
    pub content_type: Option<String>,
    pub request_id: Option<u64>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {:?}", self.text))
    }
}

pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request
        .send()
        .await
        .unwrap_or_else(|error| panic!("request failed: {error}"));
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let request_id = header("x-mock-request-id").and_then(|id| id.parse().ok());
    let text = response
        .text()
        .await
        .unwrap_or_else(|error| panic!("body failed: {error}"));
    Answer {
        status,
        text,
        content_type,
        request_id,
    }
}

impl Mock {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        answer(self.client.post(self.url(path)).json(body)).await
    }

    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        answer(
            self.client
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        answer(self.client.post(self.url(path)).form(fields)).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        answer(self.client.get(self.url(path))).await
    }

    /// Sends events to `/2/httpapi` with the US key.
    pub async fn send(&self, events: Value) -> Answer {
        self.post_json("/2/httpapi", &json!({"api_key": US_KEY, "events": events}))
            .await
    }

    pub async fn send_batch(&self, events: Value) -> Answer {
        self.post_json("/batch", &json!({"api_key": US_KEY, "events": events}))
            .await
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

pub fn event(user_id: &str, insert_id: &str) -> Value {
    json!({"event_type": "Order Completed", "user_id": user_id, "insert_id": insert_id})
}

/// `n` events of one user, distinct insert_ids.
pub fn events_of(user_id: &str, n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| event(user_id, &format!("{user_id}-{i}")))
            .collect(),
    )
}
