//! From body bytes to JSON: content decoding with a hard size bound, parsing, depth and size.
//!
//! The request limit applies to the **decoded** body: a gzip body is inflated through a reader
//! that stops one byte past the limit, so a zip bomb costs at most `limit + 1` bytes of memory
//! however far it would expand. The raw body is held to the same limit first (gzip never needs
//! more room than the data it encodes, give or take a header).

use crate::error::Rejection;
use flate2::read::MultiGzDecoder;
use serde_json::Value;
use std::io::Read;

/// The body with its `Content-Encoding` removed, or the body itself when it is not encoded.
pub(crate) fn decode_content<'a>(
    body: &'a [u8],
    content_encoding: Option<&str>,
    max_bytes: usize,
) -> Result<std::borrow::Cow<'a, [u8]>, Rejection> {
    if body.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    let encoding = content_encoding.map(str::trim).unwrap_or("");
    if encoding.is_empty() || encoding.eq_ignore_ascii_case("identity") {
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    if !(encoding.eq_ignore_ascii_case("gzip") || encoding.eq_ignore_ascii_case("x-gzip")) {
        return Err(Rejection::bad_request(
            "unsupported_content_encoding",
            format!("Content-Encoding {encoding:?} is not supported; send gzip or no encoding"),
        ));
    }
    // Multi-member: a concatenation of gzip streams is one valid gzip body.
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut decoder = MultiGzDecoder::new(body).take(limit);
    let mut decoded = Vec::with_capacity(body.len().saturating_mul(4).min(max_bytes));
    if decoder.read_to_end(&mut decoded).is_err() {
        return Err(Rejection::bad_request(
            "invalid_gzip",
            "the body says Content-Encoding: gzip but is not valid gzip data",
        ));
    }
    if decoded.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    Ok(std::borrow::Cow::Owned(decoded))
}

fn too_large(max_bytes: usize) -> Rejection {
    Rejection::bad_request(
        "request_too_large",
        format!("the request body exceeds {max_bytes} bytes (measured after gzip decoding)"),
    )
}

/// Parses the body as JSON whatever the Content-Type says (analytics.js sends `text/plain`).
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, Rejection> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Rejection::bad_request(
            "invalid_json",
            "the request body is empty",
        ));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        Rejection::bad_request(
            "invalid_json",
            format!("the request body is not valid JSON: {error}"),
        )
    })
}

/// Nesting depth: a scalar is 0, `{}` and `[]` are 1, `{"a": []}` is 2. serde_json already
/// refuses more than 128 levels while parsing, which bounds this recursion.
pub(crate) fn json_depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(json_depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Length of the compact JSON serialisation, counted without building the string. This is how
/// a message's size is measured, so a batch item and the same message posted alone measure the
/// same whatever whitespace the client used.
pub(crate) fn json_size<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serialising a Value into a writer that never fails cannot fail.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use serde_json::json;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        let _ = encoder.write_all(data);
        encoder.finish().unwrap_or_default()
    }

    #[test]
    fn plain_and_identity_pass_through() {
        assert_eq!(
            decode_content(b"{}", None, 10).as_deref().ok(),
            Some(&b"{}"[..])
        );
        assert_eq!(
            decode_content(b"{}", Some(" Identity "), 10)
                .as_deref()
                .ok(),
            Some(&b"{}"[..])
        );
    }

    #[test]
    fn gzip_is_inflated() {
        let packed = gzip(br#"{"a":1}"#);
        for name in ["gzip", "GZIP", "x-gzip"] {
            assert_eq!(
                decode_content(&packed, Some(name), 100).as_deref().ok(),
                Some(&br#"{"a":1}"#[..])
            );
        }
        let mut two_members = gzip(b"[1,");
        two_members.extend(gzip(b"2]"));
        assert_eq!(
            decode_content(&two_members, Some("gzip"), 100)
                .as_deref()
                .ok(),
            Some(&b"[1,2]"[..])
        );
    }

    #[test]
    fn limit_applies_after_inflation() {
        let packed = gzip(&[b' '; 101]);
        assert!(packed.len() < 100);
        let error = decode_content(&packed, Some("gzip"), 100).err();
        assert_eq!(error.map(|e| e.code), Some("request_too_large"));
        assert!(decode_content(&gzip(&[b' '; 100]), Some("gzip"), 100).is_ok());
        let raw = decode_content(&[b' '; 101], None, 100).err();
        assert_eq!(raw.map(|e| e.code), Some("request_too_large"));
    }

    #[test]
    fn zip_bomb_stops_at_the_limit() {
        // 16 MB of zeros packs into ~16 KB: 32 times the limit from a body far under it.
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        let chunk = vec![0_u8; 1 << 20];
        for _ in 0..16 {
            let _ = encoder.write_all(&chunk);
        }
        let bomb = encoder.finish().unwrap_or_default();
        assert!(bomb.len() < 512_000);
        let error = decode_content(&bomb, Some("gzip"), 512_000).err();
        assert_eq!(error.map(|e| e.code), Some("request_too_large"));
    }

    #[test]
    fn broken_gzip_and_unknown_encodings_are_refused() {
        let error = decode_content(b"{}", Some("gzip"), 100).err();
        assert_eq!(error.map(|e| e.code), Some("invalid_gzip"));
        let mut truncated = gzip(b"{\"a\":1}");
        truncated.truncate(truncated.len() - 4);
        let error = decode_content(&truncated, Some("gzip"), 100).err();
        assert_eq!(error.map(|e| e.code), Some("invalid_gzip"));
        let error = decode_content(b"{}", Some("br"), 100).err();
        assert_eq!(error.map(|e| e.code), Some("unsupported_content_encoding"));
    }

    #[test]
    fn parses_json_with_bom_and_refuses_garbage() {
        assert_eq!(
            parse_json(b"\xEF\xBB\xBF{\"a\":1}").ok(),
            Some(json!({"a": 1}))
        );
        assert_eq!(
            parse_json(b"  ").err().map(|e| e.code),
            Some("invalid_json")
        );
        assert_eq!(
            parse_json(b"{\"a\":").err().map(|e| e.code),
            Some("invalid_json")
        );
        assert_eq!(
            parse_json(b"\xff").err().map(|e| e.code),
            Some("invalid_json")
        );
    }

    #[test]
    fn measures_depth_and_size() {
        assert_eq!(json_depth(&json!(1)), 0);
        assert_eq!(json_depth(&json!({})), 1);
        assert_eq!(json_depth(&json!({"a": [1, {"b": {}}]})), 4);
        assert_eq!(json_size(&json!({"a": [1, "x"]})), r#"{"a":[1,"x"]}"#.len());
    }
}
