//! Request bodies as Amplitude reads them: gunzipped when `Content-Encoding: gzip`, size-checked
//! after decompression, and typed by Content-Type.

use flate2::read::GzDecoder;
use std::io::Read as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Larger than the endpoint's limit (after decompression).
    TooLarge,
    /// Not valid gzip, or an encoding the mock does not speak.
    Undecodable,
}

/// Decodes a body per its Content-Encoding; the result is at most `max_bytes` long.
pub fn decode_body(
    raw: &[u8],
    content_encoding: Option<&str>,
    max_bytes: usize,
) -> Result<Vec<u8>, BodyError> {
    let encoding = content_encoding.map(str::trim).unwrap_or("");
    let decoded = if encoding.is_empty() || encoding.eq_ignore_ascii_case("identity") {
        raw.to_vec()
    } else if encoding.eq_ignore_ascii_case("gzip") || encoding.eq_ignore_ascii_case("x-gzip") {
        let limit = u64::try_from(max_bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let mut decoded = Vec::with_capacity(raw.len().saturating_mul(4).min(max_bytes));
        GzDecoder::new(raw)
            .take(limit)
            .read_to_end(&mut decoded)
            .map_err(|_| BodyError::Undecodable)?;
        decoded
    } else {
        return Err(BodyError::Undecodable);
    };
    if decoded.len() > max_bytes {
        return Err(BodyError::TooLarge);
    }
    Ok(decoded)
}

/// The media type of a Content-Type header, lower-cased, without parameters.
pub fn media_type(content_type: Option<&str>) -> String {
    content_type
        .and_then(|value| value.split(';').next())
        .map(|kind| kind.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn is_json(content_type: Option<&str>) -> bool {
    let kind = media_type(content_type);
    kind == "application/json" || kind.ends_with("+json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write as _;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = encoder.write_all(data);
        encoder.finish().unwrap_or_default()
    }

    #[test]
    fn gzip_is_decoded_and_limited_after_decompression() {
        let data = vec![b'a'; 5000];
        let packed = gzip(&data);
        assert!(packed.len() < 100);
        assert_eq!(decode_body(&packed, Some("gzip"), 5000), Ok(data));
        assert_eq!(
            decode_body(&packed, Some("gzip"), 4999),
            Err(BodyError::TooLarge)
        );
        assert_eq!(
            decode_body(b"plain", Some("gzip"), 10),
            Err(BodyError::Undecodable)
        );
        assert_eq!(
            decode_body(b"plain", Some("br"), 10),
            Err(BodyError::Undecodable)
        );
        assert_eq!(decode_body(b"plain", None, 5), Ok(b"plain".to_vec()));
        assert_eq!(decode_body(b"plain", None, 4), Err(BodyError::TooLarge));
    }

    #[test]
    fn content_types() {
        assert!(is_json(Some("application/json; charset=UTF-8")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(None));
        assert_eq!(
            media_type(Some("Application/X-WWW-Form-Urlencoded")),
            "application/x-www-form-urlencoded"
        );
    }
}
