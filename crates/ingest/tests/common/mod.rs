// Shared by the integration tests (each test file includes it with `mod common;`).
#![allow(dead_code)]

use ampline_ingest::{
    decode_request, Accepted, IngestConfig, IngestContext, IngestRequest, Ingested, Rejection,
    Route,
};
use base64::Engine;
use std::cell::Cell;
use std::io::Write;
use std::net::IpAddr;

/// 2024-06-10T08:00:01.000Z
pub const NOW: i64 = 1_718_006_401_000;
pub const NOW_ISO: &str = "2024-06-10T08:00:01.000Z";
pub const PEER: &str = "203.0.113.9";

pub fn source_of(key: &str) -> Option<u32> {
    match key {
        "WK" => Some(1),
        "WK2" => Some(2),
        _ => None,
    }
}

pub fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

pub fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// A request with defaults that tests override field by field.
pub struct Call<'a> {
    pub path: &'a str,
    pub authorization: Option<&'a str>,
    pub content_encoding: Option<&'a str>,
    pub forwarded_for: Option<&'a str>,
    pub body: &'a [u8],
    pub peer: IpAddr,
    pub config: IngestConfig,
}

impl<'a> Call<'a> {
    pub fn new(path: &'a str, body: &'a [u8]) -> Self {
        Call {
            path,
            authorization: None,
            content_encoding: None,
            forwarded_for: None,
            body,
            peer: ip(PEER),
            config: IngestConfig::default(),
        }
    }

    pub fn run(&self) -> Result<Ingested<u32>, Rejection> {
        let Some(route) = Route::from_path(self.path) else {
            return Err(Rejection {
                status: 404,
                code: "no_route",
                message: self.path.to_owned(),
            });
        };
        let counter = Cell::new(0_u32);
        let new_id = || {
            let n = counter.get();
            counter.set(n + 1);
            format!("gen-{n}")
        };
        let context = IngestContext {
            config: &self.config,
            lookup_source: &source_of,
            new_message_id: &new_id,
            received_at_ms: NOW,
        };
        let request = IngestRequest {
            route,
            authorization: self.authorization,
            content_encoding: self.content_encoding,
            forwarded_for: self.forwarded_for,
            body: self.body,
            peer: self.peer,
        };
        decode_request(&request, &context)
    }

    /// The accepted messages, or a description of what happened instead.
    pub fn accepted(&self) -> Result<Accepted<u32>, String> {
        match self.run() {
            Ok(Ingested::Events(accepted)) => Ok(accepted),
            Ok(Ingested::MetricsDiscarded) => Err("metrics".to_owned()),
            Err(rejection) => Err(rejection.to_string()),
        }
    }

    /// The rejection's (status, code); ("", 200) when accepted.
    pub fn refusal(&self) -> (u16, &'static str) {
        match self.run() {
            Ok(_) => (200, ""),
            Err(rejection) => (rejection.status, rejection.code),
        }
    }
}
