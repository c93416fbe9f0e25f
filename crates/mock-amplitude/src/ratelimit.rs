//! Sliding-window counters for Amplitude's throttles, driven by the `now` they are given (never
//! the system clock), so tests step through windows deterministically.
//!
//! A window is split into a fixed number of buckets (30 one-second buckets for the 30-second
//! EPS window, 24 one-hour buckets for the daily quota, as Amplitude describes "1-hour steps");
//! a count leaves the window when its whole bucket has.

// Seeded and much cheaper than SipHash on the short ids these maps are keyed by.
use foldhash::HashMap as FastMap;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    bucket_ms: u64,
    buckets: u64,
}

impl Window {
    /// A window of `length` split into `buckets` steps (at least 1 ms each).
    pub fn new(length: Duration, buckets: u64) -> Window {
        let length_ms = u64::try_from(length.as_millis()).unwrap_or(u64::MAX).max(1);
        // The most buckets, up to the number asked for, that split the length exactly, so the
        // window is exactly as long as configured.
        let buckets = (1..=buckets.clamp(1, length_ms))
            .rev()
            .find(|count| length_ms % count == 0)
            .unwrap_or(1);
        Window {
            bucket_ms: length_ms / buckets,
            buckets,
        }
    }

    pub fn length_ms(&self) -> u64 {
        self.bucket_ms * self.buckets
    }

    fn bucket_of(&self, now_ms: u64) -> u64 {
        now_ms / self.bucket_ms
    }

    /// Mean per second of `count` over this window, rounded up (as Amplitude reports EPS).
    pub fn per_second(&self, count: u64) -> u64 {
        count.saturating_mul(1000).div_ceil(self.length_ms())
    }

    /// Whether `count` in this window averages more than `per_second`.
    pub fn exceeds(&self, count: u64, per_second: u64) -> bool {
        u128::from(count) * 1000 > u128::from(per_second) * u128::from(self.length_ms())
    }
}

/// Counts in the buckets of one window.
#[derive(Debug, Clone, Default)]
pub struct SlidingCounter {
    buckets: VecDeque<(u64, u64)>,
    total: u64,
}

impl SlidingCounter {
    fn expire(&mut self, window: &Window, now_ms: u64) {
        let current = window.bucket_of(now_ms);
        while let Some(&(bucket, count)) = self.buckets.front() {
            if bucket + window.buckets > current && bucket <= current {
                break;
            }
            self.total -= count;
            self.buckets.pop_front();
        }
    }

    /// The count still inside the window at `now_ms`.
    pub fn total(&mut self, window: &Window, now_ms: u64) -> u64 {
        self.expire(window, now_ms);
        self.total
    }

    pub fn add(&mut self, window: &Window, now_ms: u64, count: u64) {
        self.expire(window, now_ms);
        let current = window.bucket_of(now_ms);
        match self.buckets.back_mut() {
            Some((bucket, existing)) if *bucket == current => *existing += count,
            _ => self.buckets.push_back((current, count)),
        }
        self.total += count;
    }
}

/// One counter per (project, ID). Empty counters are swept once the map has doubled, so a long
/// benchmark with many distinct IDs does not grow without bound.
#[derive(Debug, Clone)]
pub struct KeyedCounters {
    window: Window,
    counters: FastMap<Arc<str>, FastMap<String, SlidingCounter>>,
    entries: usize,
    sweep_at: usize,
}

impl KeyedCounters {
    pub fn new(window: Window) -> KeyedCounters {
        KeyedCounters {
            window,
            counters: FastMap::default(),
            entries: 0,
            sweep_at: 4096,
        }
    }

    pub fn window(&self) -> &Window {
        &self.window
    }

    /// The count for `id` in the window at `now_ms`.
    pub fn current(&mut self, project: &str, id: &str, now_ms: u64) -> u64 {
        let window = self.window;
        self.counters
            .get_mut(project)
            .and_then(|ids| ids.get_mut(id))
            .map_or(0, |counter| counter.total(&window, now_ms))
    }

    pub fn add(&mut self, project: &Arc<str>, id: &str, now_ms: u64, count: u64) {
        let window = self.window;
        let ids = self.counters.entry(Arc::clone(project)).or_default();
        if let Some(counter) = ids.get_mut(id) {
            counter.add(&window, now_ms, count);
            return;
        }
        let mut counter = SlidingCounter::default();
        counter.add(&window, now_ms, count);
        ids.insert(id.to_owned(), counter);
        self.entries += 1;
        if self.entries >= self.sweep_at {
            self.sweep(now_ms);
        }
    }

    fn sweep(&mut self, now_ms: u64) {
        let window = self.window;
        let mut entries = 0;
        for ids in self.counters.values_mut() {
            ids.retain(|_, counter| counter.total(&window, now_ms) > 0);
            entries += ids.len();
        }
        self.entries = entries;
        self.sweep_at = (entries * 2).max(4096);
    }

    pub fn clear(&mut self) {
        self.counters.clear();
        self.entries = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_leave_the_window_bucket_by_bucket() {
        let window = Window::new(Duration::from_secs(30), 30);
        let mut counter = SlidingCounter::default();
        counter.add(&window, 1_000, 10);
        counter.add(&window, 1_999, 5);
        counter.add(&window, 15_000, 7);
        assert_eq!(counter.total(&window, 30_999), 22);
        assert_eq!(counter.total(&window, 31_000), 7);
        assert_eq!(counter.total(&window, 45_000), 0);
    }

    #[test]
    fn a_clock_set_backwards_forgets_future_buckets() {
        let window = Window::new(Duration::from_secs(30), 30);
        let mut counter = SlidingCounter::default();
        counter.add(&window, 100_000, 3);
        assert_eq!(counter.total(&window, 1_000), 0);
    }

    #[test]
    fn windows_keep_their_exact_length() {
        assert_eq!(Window::new(Duration::from_secs(1), 30).length_ms(), 1000);
        assert_eq!(Window::new(Duration::from_secs(30), 30).bucket_ms, 1000);
        assert_eq!(Window::new(Duration::from_millis(7), 30).length_ms(), 7);
    }

    #[test]
    fn eps_is_a_mean_over_the_window() {
        let window = Window::new(Duration::from_secs(30), 30);
        assert!(!window.exceeds(900, 30));
        assert!(window.exceeds(901, 30));
        assert_eq!(window.per_second(901), 31);
        assert_eq!(window.per_second(900), 30);
    }

    #[test]
    fn keyed_counters_are_per_project_and_id() {
        let mut counters = KeyedCounters::new(Window::new(Duration::from_secs(1), 1));
        let project: Arc<str> = Arc::from("p");
        counters.add(&project, "u1", 0, 4);
        assert_eq!(counters.current("p", "u1", 10), 4);
        assert_eq!(counters.current("p", "u2", 10), 0);
        assert_eq!(counters.current("q", "u1", 10), 0);
        assert_eq!(counters.current("p", "u1", 1000), 0);
    }

    #[test]
    fn sweeping_drops_expired_ids() {
        let mut counters = KeyedCounters::new(Window::new(Duration::from_secs(1), 1));
        let project: Arc<str> = Arc::from("p");
        for id in 0..5000 {
            counters.add(&project, &id.to_string(), u64::from(id >= 4095) * 5000, 1);
        }
        assert_eq!(counters.entries, 5000 - 4095);
        assert_eq!(counters.current("p", "4999", 5000), 1);
    }
}
