//! The last requests made to Amplitude (or, in a dry run, that would have been made), for the
//! admin API: what was sent, where, and what came back.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many requests are remembered.
pub const REMEMBERED: usize = 100;
/// Bodies are cut here so a full 20 MB `/batch` request does not stay in memory.
pub const MAX_BODY_CHARS: usize = 64 * 1024;

/// One request, its API key replaced by `<redacted>`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecentRequest {
    pub at_ms: i64,
    pub endpoint: String,
    pub dry_run: bool,
    /// Amplitude's status; `None` when there was no answer (or in a dry run).
    pub status: Option<u16>,
    pub items: usize,
    pub mappings: Vec<String>,
    /// What happened, in words: `accepted`, `retry later: …`, `failed: …`.
    pub outcome: String,
    pub body: String,
    pub body_truncated: bool,
}

#[derive(Debug, Default)]
pub struct RecentRequests {
    requests: Mutex<VecDeque<RecentRequest>>,
}

impl RecentRequests {
    pub fn record(&self, mut request: RecentRequest) {
        if request.body.len() > MAX_BODY_CHARS {
            let mut cut = MAX_BODY_CHARS;
            while !request.body.is_char_boundary(cut) {
                cut -= 1;
            }
            request.body.truncate(cut);
            request.body_truncated = true;
        }
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if requests.len() == REMEMBERED {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    /// Newest first.
    pub fn newest(&self, limit: usize) -> Vec<RecentRequest> {
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        requests.iter().rev().take(limit).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(n: usize, body: String) -> RecentRequest {
        RecentRequest {
            at_ms: i64::try_from(n).unwrap_or(0),
            endpoint: "/2/httpapi".into(),
            dry_run: true,
            status: None,
            items: n,
            mappings: vec![],
            outcome: "recorded".into(),
            body,
            body_truncated: false,
        }
    }

    #[test]
    fn keeps_the_newest_and_cuts_long_bodies_on_char_boundaries() {
        let recent = RecentRequests::default();
        for n in 0..REMEMBERED + 5 {
            recent.record(request(n, String::new()));
        }
        let newest = recent.newest(1000);
        assert_eq!(newest.len(), REMEMBERED);
        assert_eq!(newest[0].items, REMEMBERED + 4);
        assert_eq!(newest[REMEMBERED - 1].items, 5);

        recent.record(request(0, "é".repeat(MAX_BODY_CHARS)));
        let cut = &recent.newest(1)[0];
        assert!(cut.body_truncated);
        assert!(cut.body.len() <= MAX_BODY_CHARS);
        assert!(cut.body.chars().all(|c| c == 'é'));
    }
}
