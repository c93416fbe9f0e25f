//! `insert_id` de-duplication: a key seen within the window is a duplicate. Keys are scoped per
//! project and device (Amplitude derives a device from the user when there is none), and stored
//! as 128-bit hashes so millions of remembered IDs stay small.

// Seeded and much cheaper than SipHash on the short ids these maps are keyed by.
use foldhash::HashMap as FastMap;
use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Whose `insert_id` space an event belongs to.
#[derive(Debug, Clone, Copy)]
pub enum DedupScope<'a> {
    Device(&'a str),
    /// No `device_id`: Amplitude derives one from the user ID.
    User(&'a str),
}

pub type DedupKey = u128;

pub fn dedup_key(project: &str, scope: DedupScope<'_>, insert_id: &str) -> DedupKey {
    let half = |salt: u8| {
        let mut hasher = DefaultHasher::new();
        salt.hash(&mut hasher);
        project.hash(&mut hasher);
        match scope {
            DedupScope::Device(device) => (0u8, device).hash(&mut hasher),
            DedupScope::User(user) => (1u8, user).hash(&mut hasher),
        }
        insert_id.hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

#[derive(Debug, Clone)]
pub struct Dedup {
    window_ms: u64,
    seen: FastMap<DedupKey, u64>,
    /// Keys in the order they were first seen, to expire them cheaply.
    order: VecDeque<(u64, DedupKey)>,
}

impl Dedup {
    pub fn new(window_ms: u64) -> Dedup {
        Dedup {
            window_ms,
            seen: FastMap::default(),
            order: VecDeque::new(),
        }
    }

    /// Records `key` at `now_ms`; `false` if it was already seen within the window.
    pub fn first_sighting(&mut self, key: DedupKey, now_ms: u64) -> bool {
        self.expire(now_ms);
        if let Some(&seen_at) = self.seen.get(&key) {
            if seen_at <= now_ms && now_ms - seen_at < self.window_ms {
                return false;
            }
        }
        self.seen.insert(key, now_ms);
        self.order.push_back((now_ms, key));
        true
    }

    fn expire(&mut self, now_ms: u64) {
        while let Some(&(seen_at, key)) = self.order.front() {
            if now_ms.saturating_sub(seen_at) < self.window_ms {
                break;
            }
            self.order.pop_front();
            if self.seen.get(&key) == Some(&seen_at) {
                self.seen.remove(&key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    pub fn clear(&mut self) {
        self.seen.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK_MS: u64 = 7 * 24 * 3600 * 1000;

    #[test]
    fn a_key_is_a_duplicate_for_the_window_only() {
        let mut dedup = Dedup::new(WEEK_MS);
        let key = dedup_key("p", DedupScope::Device("d1"), "i1");
        assert!(dedup.first_sighting(key, 1_000));
        assert!(!dedup.first_sighting(key, 1_000 + WEEK_MS - 1));
        assert!(dedup.first_sighting(key, 1_000 + WEEK_MS));
        assert_eq!(dedup.len(), 1);
    }

    #[test]
    fn keys_are_scoped_by_project_and_device_or_user() {
        let keys = [
            dedup_key("p", DedupScope::Device("x"), "i"),
            dedup_key("q", DedupScope::Device("x"), "i"),
            dedup_key("p", DedupScope::User("x"), "i"),
            dedup_key("p", DedupScope::Device("x"), "j"),
        ];
        let mut dedup = Dedup::new(WEEK_MS);
        for key in keys {
            assert!(dedup.first_sighting(key, 0));
        }
        assert!(!dedup.first_sighting(keys[2], 1));
    }
}
