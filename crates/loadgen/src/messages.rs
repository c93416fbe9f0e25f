//! Segment track messages as `@segment/analytics-node` sends them, written straight into a
//! reusable buffer: the generator shares the machine with the server under test, so it must
//! cost little CPU per event.

use std::fmt::Write as _;

/// A cheap deterministic PRNG (xorshift64*), seeded per connection.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Zero is xorshift's fixed point.
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// 64-bit mix (splitmix64's finaliser): stable ids derived from a user number.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A UUID-shaped id that is the same for the same `n`.
fn write_uuid(out: &mut String, n: u64) {
    let a = mix(n);
    let b = mix(n ^ 0x5555_5555_5555_5555);
    let _ = write!(
        out,
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    );
}

/// ISO-8601 UTC with milliseconds, as `Date.prototype.toISOString` writes it.
pub fn write_iso(out: &mut String, unix_ms: i64) {
    let days = unix_ms.div_euclid(86_400_000);
    let ms_of_day = unix_ms.rem_euclid(86_400_000);
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000
    );
}

const CATEGORIES: [&str; 6] = ["Games", "Books", "Garden", "Kitchen", "Music", "Sports"];
const PAGES: [&str; 5] = [
    "/",
    "/pricing",
    "/docs",
    "/blog/launch",
    "/account/settings",
];
const QUERIES: [&str; 5] = [
    "running shoes",
    "wireless headphones",
    "coffee grinder",
    "yoga mat",
    "desk lamp",
];

/// Writes the properties of one event (a JSON object) and returns its event name.
fn write_event(out: &mut String, rng: &mut Rng) -> &'static str {
    let n = rng.below(100_000);
    match rng.below(6) {
        0 => {
            let _ = write!(
                out,
                r#"{{"product_id":"prod-{n:05}","sku":"SKU-{:06}","category":"{}","name":"Item {n}","brand":"Acme","variant":"blue","price":{}.{:02},"currency":"USD","quantity":1,"position":{},"url":"https://shop.example.com/products/{n}","image_url":"https://cdn.example.com/img/{n}.jpg"}}"#,
                n * 7 % 1_000_000,
                CATEGORIES[(n % 6) as usize],
                5 + n % 200,
                n % 100,
                n % 24
            );
            "Product Viewed"
        }
        1 => {
            let _ = write!(
                out,
                r#"{{"cart_id":"cart-{:x}","product_id":"prod-{n:05}","sku":"SKU-{:06}","category":"{}","price":{}.99,"quantity":{},"coupon":null}}"#,
                rng.next_u64() >> 16,
                n * 7 % 1_000_000,
                CATEGORIES[(n % 6) as usize],
                5 + n % 200,
                1 + n % 3
            );
            "Product Added"
        }
        2 => {
            let _ = write!(
                out,
                r#"{{"method":"{}","remember_me":{},"attempt":{}}}"#,
                if n.is_multiple_of(3) {
                    "google"
                } else {
                    "password"
                },
                n.is_multiple_of(2),
                1 + n % 2
            );
            "Signed In"
        }
        3 => {
            let _ = write!(
                out,
                r#"{{"label":"Start free trial","page":"{}","section":"hero","variant":"{}","experiment_id":"exp-{}"}}"#,
                PAGES[(n % 5) as usize],
                if n.is_multiple_of(2) { "A" } else { "B" },
                n % 40
            );
            "Button Clicked"
        }
        4 => {
            let _ = write!(
                out,
                r#"{{"session_id":"{:x}","video_id":"vid-{n:05}","content_asset_id":"asset-{}","position":{},"total_length":{},"quality":"1080p","livestream":false,"sound":{},"full_screen":{}}}"#,
                rng.next_u64() >> 20,
                n % 5000,
                n % 600,
                600 + n % 3000,
                n % 100,
                n.is_multiple_of(2)
            );
            "Video Playback Started"
        }
        _ => {
            let _ = write!(
                out,
                r#"{{"query":"{}","results":{},"page":{},"filters":{{"color":"blue","size":["M","L"],"in_stock":true}},"sort":"relevance"}}"#,
                QUERIES[(n % 5) as usize],
                n % 500,
                1 + n % 4
            );
            "Products Searched"
        }
    }
}

/// Writes the messages of Segment batch requests. Every message has a unique `messageId`
/// (`node-next-<ms>-<run>-<connection>-<n>`), so the mock's insert_id de-duplication never
/// drops one that the server delivered once.
pub struct BatchWriter {
    run: u64,
    connection: usize,
    sequence: u64,
    users: u64,
    rng: Rng,
    /// Scratch space for one message's properties.
    properties: String,
}

impl BatchWriter {
    pub fn new(run: u64, connection: usize, users: u64) -> BatchWriter {
        BatchWriter {
            run,
            connection,
            sequence: 0,
            users: users.max(1),
            rng: Rng::new(run ^ ((connection as u64 + 1) << 32)),
            properties: String::with_capacity(512),
        }
    }

    /// Replaces `out` with `{"batch":[…],"writeKey":…,"sentAt":…}` holding `size` messages.
    pub fn write_batch(&mut self, out: &mut String, size: usize, write_key: &str, now_ms: i64) {
        out.clear();
        out.push_str("{\"batch\":[");
        for index in 0..size {
            if index > 0 {
                out.push(',');
            }
            self.write_message(out, now_ms);
        }
        out.push_str("],\"writeKey\":");
        out.push_str(&serde_json::Value::from(write_key).to_string());
        out.push_str(",\"sentAt\":\"");
        write_iso(out, now_ms);
        out.push_str("\"}");
    }

    fn write_message(&mut self, out: &mut String, now_ms: i64) {
        self.sequence += 1;
        let user = self.rng.below(self.users);
        // About 30 % of events come from visitors who never logged in.
        let identified = self.rng.below(10) < 7;
        // analytics-node queues events for up to flushInterval (10 s) before sending.
        let age_ms = i64::try_from(self.rng.below(10_000)).unwrap_or(0);
        self.properties.clear();
        let event = write_event(&mut self.properties, &mut self.rng);
        out.push_str("{\"type\":\"track\",\"event\":\"");
        out.push_str(event);
        out.push('"');
        if identified {
            let _ = write!(out, ",\"userId\":\"user-{user:07}\"");
        }
        out.push_str(",\"anonymousId\":\"");
        // Anonymous visitors get ids from another range than logged-in users' devices.
        write_uuid(out, if identified { user } else { user | (1 << 40) });
        let _ = write!(
            out,
            "\",\"messageId\":\"node-next-{now_ms}-{:x}-{}-{}\",\"timestamp\":\"",
            self.run, self.connection, self.sequence
        );
        write_iso(out, now_ms - age_ms);
        out.push_str("\",\"properties\":");
        out.push_str(&self.properties);
        out.push_str(
            ",\"context\":{\"library\":{\"name\":\"@segment/analytics-node\",\"version\":\"2.1.2\"}},\
             \"integrations\":{},\"_metadata\":{\"nodeVersion\":\"20.11.1\",\"jsRuntime\":\"node\"}}",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn iso_dates_match_javascript() {
        let mut out = String::new();
        write_iso(&mut out, 0);
        assert_eq!(out, "1970-01-01T00:00:00.000Z");
        out.clear();
        write_iso(&mut out, 1_718_000_000_123);
        assert_eq!(out, "2024-06-10T06:13:20.123Z");
        out.clear();
        write_iso(&mut out, 951_782_400_000); // leap day
        assert_eq!(out, "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn batches_are_segment_json_with_unique_message_ids() {
        let mut writer = BatchWriter::new(0xabc, 3, 1000);
        let mut body = String::new();
        let mut ids = std::collections::BTreeSet::new();
        for _ in 0..5 {
            writer.write_batch(&mut body, 100, "WK", 1_718_000_000_000);
            let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let batch = parsed["batch"].as_array().cloned().unwrap_or_default();
            assert_eq!(batch.len(), 100);
            assert_eq!(parsed["writeKey"], "WK");
            for message in batch {
                assert_eq!(message["type"], "track");
                assert!(message["event"].as_str().is_some_and(|e| !e.is_empty()));
                assert!(message["properties"].is_object());
                assert!(message["anonymousId"]
                    .as_str()
                    .is_some_and(|a| a.len() == 36));
                assert!(ids.insert(message["messageId"].as_str().unwrap_or("").to_owned()));
            }
        }
        assert_eq!(ids.len(), 500);
    }
}
