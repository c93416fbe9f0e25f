//! CORS as data: the headers the server adds to tracking-API responses.
//!
//! analytics.js before 1.84 sends CORS-simple requests (`text/plain`, no custom headers); 1.84+
//! adds `Authorization` and `X-Retry-Count`, and a `deliveryStrategy.config.headers` option adds
//! arbitrary ones, all of which need a preflight. Segment's own headers are not documented, so
//! this follows client behaviour (§3.6): allow `POST, OPTIONS` and the headers above plus
//! whatever the preflight asks for, and echo the `Origin` with `Allow-Credentials: true` because
//! fetch with `credentials: "include"` refuses a wildcard origin.

/// Headers always allowed, whether or not the preflight lists them.
pub const ALLOWED_HEADERS: &str = "Content-Type, Authorization, X-Retry-Count";
/// Methods of the tracking routes.
pub const TRACKING_METHODS: &str = "POST, OPTIONS";
/// How long a browser may cache a preflight answer (seconds).
pub const PREFLIGHT_MAX_AGE_SECONDS: u32 = 86_400;

/// A response header as (name, value).
pub type Header = (&'static str, String);

/// Headers for an actual (non-preflight) response to a request with this `Origin`.
pub fn response_headers(origin: Option<&str>) -> Vec<Header> {
    match origin.filter(|origin| !origin.is_empty()) {
        Some(origin) => vec![
            ("Access-Control-Allow-Origin", origin.to_owned()),
            ("Access-Control-Allow-Credentials", "true".to_owned()),
            ("Vary", "Origin".to_owned()),
        ],
        None => vec![("Access-Control-Allow-Origin", "*".to_owned())],
    }
}

/// Headers for the answer (204) to an `OPTIONS` preflight. `methods` is [`TRACKING_METHODS`]
/// for event routes (a settings GET passes `"GET, OPTIONS"`); `requested_headers` is the
/// `Access-Control-Request-Headers` value, echoed so custom client headers pass.
pub fn preflight_headers(
    origin: Option<&str>,
    requested_headers: Option<&str>,
    methods: &str,
) -> Vec<Header> {
    let mut headers = response_headers(origin);
    headers.push(("Access-Control-Allow-Methods", methods.to_owned()));
    let mut allowed = ALLOWED_HEADERS.to_owned();
    for name in requested_headers.unwrap_or("").split(',').map(str::trim) {
        let valid_token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
        let already = ALLOWED_HEADERS
            .split(", ")
            .any(|known| known.eq_ignore_ascii_case(name));
        if valid_token && !already {
            allowed.push_str(", ");
            allowed.push_str(name);
        }
    }
    headers.push(("Access-Control-Allow-Headers", allowed));
    headers.push((
        "Access-Control-Max-Age",
        PREFLIGHT_MAX_AGE_SECONDS.to_string(),
    ));
    // The answer also depends on the requested headers, which are echoed.
    match headers.iter_mut().find(|(name, _)| *name == "Vary") {
        Some((_, vary)) => vary.push_str(", Access-Control-Request-Headers"),
        None => headers.push(("Vary", "Access-Control-Request-Headers".to_owned())),
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(headers: &'a [Header], name: &str) -> Vec<&'a str> {
        headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn echoes_origin_with_credentials() {
        let headers = response_headers(Some("https://shop.example"));
        assert_eq!(
            get(&headers, "Access-Control-Allow-Origin"),
            ["https://shop.example"]
        );
        assert_eq!(get(&headers, "Access-Control-Allow-Credentials"), ["true"]);
        assert_eq!(get(&headers, "Vary"), ["Origin"]);
    }

    #[test]
    fn wildcard_without_origin() {
        let headers = response_headers(None);
        assert_eq!(get(&headers, "Access-Control-Allow-Origin"), ["*"]);
        assert!(get(&headers, "Access-Control-Allow-Credentials").is_empty());
    }

    #[test]
    fn preflight_allows_client_headers_and_custom_ones() {
        let headers = preflight_headers(
            Some("https://shop.example"),
            Some("authorization, x-retry-count, X-Custom-Thing, bad header;"),
            TRACKING_METHODS,
        );
        assert_eq!(
            get(&headers, "Access-Control-Allow-Methods"),
            ["POST, OPTIONS"]
        );
        assert_eq!(
            get(&headers, "Access-Control-Allow-Headers"),
            ["Content-Type, Authorization, X-Retry-Count, X-Custom-Thing"]
        );
        assert_eq!(get(&headers, "Access-Control-Max-Age"), ["86400"]);
        assert_eq!(get(&headers, "Access-Control-Allow-Credentials"), ["true"]);
        assert_eq!(
            get(&headers, "Vary"),
            ["Origin, Access-Control-Request-Headers"]
        );
        let headers = preflight_headers(None, None, "GET, OPTIONS");
        assert_eq!(get(&headers, "Access-Control-Allow-Origin"), ["*"]);
        assert_eq!(
            get(&headers, "Access-Control-Allow-Methods"),
            ["GET, OPTIONS"]
        );
        assert_eq!(
            get(&headers, "Access-Control-Allow-Headers"),
            [ALLOWED_HEADERS]
        );
        assert_eq!(get(&headers, "Vary"), ["Access-Control-Request-Headers"]);
    }
}
