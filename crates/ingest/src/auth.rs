//! The write key: HTTP Basic username, or `writeKey` in the body.
//!
//! Basic auth carries `base64("<writeKey>:")`; the key is everything before the first colon.
//! OAuth clients send `Bearer <token>` together with a body `writeKey`: the token cannot be
//! checked here, so it is tolerated and the body key decides.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Clients differ on padding, so both padded and unpadded forms are read.
const BASIC_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What an `Authorization` header says about the write key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderKey {
    /// No usable key in the header (absent, Bearer, another scheme, or Basic with an empty user):
    /// the body's `writeKey` decides.
    None,
    Basic(String),
    /// A Basic header that cannot be read: refused rather than silently ignored, so a client with
    /// a broken header learns about it.
    Malformed(&'static str),
}

pub(crate) fn key_from_header(authorization: Option<&str>) -> HeaderKey {
    let Some(header) = authorization.map(str::trim) else {
        return HeaderKey::None;
    };
    let (scheme, credentials) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return HeaderKey::None;
    }
    let Ok(decoded) = BASIC_BASE64.decode(credentials.trim()) else {
        return HeaderKey::Malformed("the Basic credentials are not valid base64");
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return HeaderKey::Malformed("the Basic credentials are not valid UTF-8");
    };
    let user = decoded
        .split_once(':')
        .map_or(decoded.as_str(), |(user, _)| user);
    if user.is_empty() {
        HeaderKey::None
    } else {
        HeaderKey::Basic(user.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(credentials: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    }

    #[test]
    fn basic_user_is_the_key() {
        assert_eq!(
            key_from_header(Some(&basic("WK:"))),
            HeaderKey::Basic("WK".into())
        );
        assert_eq!(
            key_from_header(Some(&basic("WK:pw"))),
            HeaderKey::Basic("WK".into())
        );
        assert_eq!(
            key_from_header(Some(&basic("WK"))),
            HeaderKey::Basic("WK".into())
        );
        assert_eq!(
            key_from_header(Some("basic V0s6")),
            HeaderKey::Basic("WK".into())
        );
        // Unpadded base64 of "abc:" is "YWJjOg".
        assert_eq!(
            key_from_header(Some("Basic YWJjOg")),
            HeaderKey::Basic("abc".into())
        );
    }

    #[test]
    fn no_key_in_header() {
        assert_eq!(key_from_header(None), HeaderKey::None);
        assert_eq!(key_from_header(Some("Bearer abc.def")), HeaderKey::None);
        assert_eq!(key_from_header(Some(&basic(":"))), HeaderKey::None);
        assert_eq!(key_from_header(Some("")), HeaderKey::None);
    }

    #[test]
    fn broken_basic_is_malformed() {
        assert!(matches!(
            key_from_header(Some("Basic !!!")),
            HeaderKey::Malformed(_)
        ));
        assert!(matches!(
            key_from_header(Some("Basic /w==")),
            HeaderKey::Malformed(_)
        ));
    }
}
