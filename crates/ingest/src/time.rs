//! Timestamps: reading what clients send and writing what Segment stores.
//!
//! Reading goes through `ampline_js::date` so that a timestamp means here what it means to the
//! JavaScript destination code downstream. Writing produces `Date#toISOString` output
//! (`YYYY-MM-DDTHH:mm:ss.sssZ`, extended `±YYYYYY` years outside 0..=9999) because that is the
//! form Segment stores and the form analytics.js sends.

use serde_json::Value;

/// Epoch milliseconds of a client-supplied time: an ISO-8601 (or other `Date.parse`-able) string,
/// or a number of epoch milliseconds. `None` for anything else, including out-of-range dates.
pub fn parse_client_time(value: &Value) -> Option<i64> {
    let ms = match value {
        Value::String(text) => ampline_js::date::parse_js_date(text)?,
        Value::Number(n) => ampline_js::date::date_from_number(ampline_js::json_number(n))?,
        _ => return None,
    };
    // time_clip guarantees an integral value within ±8.64e15, which fits an i64 exactly.
    Some(ms as i64)
}

/// `new Date(ms).toISOString()`; `None` outside the JavaScript date range (±8.64e15 ms), where
/// JavaScript throws.
pub fn format_iso(ms: i64) -> Option<String> {
    ampline_js::date::to_iso_string(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(format_iso(0).as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(
            format_iso(1_718_006_400_120).as_deref(),
            Some("2024-06-10T08:00:00.120Z")
        );
        assert_eq!(format_iso(-1).as_deref(), Some("1969-12-31T23:59:59.999Z"));
        assert_eq!(
            format_iso(951_782_400_000).as_deref(),
            Some("2000-02-29T00:00:00.000Z")
        );
        assert_eq!(
            format_iso(8_640_000_000_000_000).as_deref(),
            Some("+275760-09-13T00:00:00.000Z")
        );
        assert_eq!(
            format_iso(-62_198_755_200_000).as_deref(),
            Some("-000001-01-01T00:00:00.000Z")
        );
        assert_eq!(format_iso(8_640_000_000_000_001), None);
    }

    #[test]
    fn round_trips_through_the_js_parser() {
        for ms in [
            0_i64,
            1,
            999,
            1_718_006_400_120,
            -86_400_001,
            253_402_300_799_999,
        ] {
            let text = format_iso(ms).unwrap_or_default();
            assert_eq!(parse_client_time(&json!(text)), Some(ms), "{text}");
        }
    }

    #[test]
    fn reads_client_forms() {
        assert_eq!(
            parse_client_time(&json!("2024-06-10T08:00:00.120Z")),
            Some(1_718_006_400_120)
        );
        // analytics-python: +00:00 offset with microseconds.
        assert_eq!(
            parse_client_time(&json!("2024-06-10T08:00:00.120456+00:00")),
            Some(1_718_006_400_120)
        );
        assert_eq!(
            parse_client_time(&json!(1_718_006_400_120_i64)),
            Some(1_718_006_400_120)
        );
        assert_eq!(parse_client_time(&json!("yesterday")), None);
        assert_eq!(parse_client_time(&json!(null)), None);
        assert_eq!(parse_client_time(&json!(true)), None);
        assert_eq!(parse_client_time(&json!(1e300)), None);
    }
}
