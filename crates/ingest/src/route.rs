//! The tracking API's routes and the message types they carry.

/// A Segment message `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    Track,
    Identify,
    Page,
    Screen,
    Group,
    Alias,
}

impl MessageType {
    pub const ALL: [MessageType; 6] = [
        MessageType::Track,
        MessageType::Identify,
        MessageType::Page,
        MessageType::Screen,
        MessageType::Group,
        MessageType::Alias,
    ];

    /// The value of the message's `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Track => "track",
            MessageType::Identify => "identify",
            MessageType::Page => "page",
            MessageType::Screen => "screen",
            MessageType::Group => "group",
            MessageType::Alias => "alias",
        }
    }

    /// Reads a `type` field. Exact and case-sensitive, as every Segment client writes it.
    pub fn from_type_field(text: &str) -> Option<MessageType> {
        MessageType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// A POST route of the tracking API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `/v1/track` … `/v1/alias` and analytics.js's one-letter forms `/v1/t` … `/v1/a`: one
    /// message whose type is the route's.
    Single(MessageType),
    /// `/v1/batch`, `/v1/b` and `/v1/import`: an envelope `{"batch": [..]}`.
    Batch,
    /// `/v1/m`: analytics.js telemetry, accepted and discarded.
    Metrics,
}

impl Route {
    /// Maps a request path to its route; `None` for anything else (the server answers 404). One
    /// trailing slash is tolerated; the query string must already be removed.
    pub fn from_path(path: &str) -> Option<Route> {
        let path = path.strip_suffix('/').unwrap_or(path);
        let name = path.strip_prefix("/v1/")?;
        let route = match name {
            "track" | "t" => Route::Single(MessageType::Track),
            "identify" | "i" => Route::Single(MessageType::Identify),
            "page" | "p" => Route::Single(MessageType::Page),
            "screen" | "s" => Route::Single(MessageType::Screen),
            "group" | "g" => Route::Single(MessageType::Group),
            "alias" | "a" => Route::Single(MessageType::Alias),
            "batch" | "b" | "import" => Route::Batch,
            "m" => Route::Metrics,
            _ => return None,
        };
        Some(route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_path_maps() {
        let table = [
            ("/v1/track", Route::Single(MessageType::Track)),
            ("/v1/t", Route::Single(MessageType::Track)),
            ("/v1/identify", Route::Single(MessageType::Identify)),
            ("/v1/i", Route::Single(MessageType::Identify)),
            ("/v1/page", Route::Single(MessageType::Page)),
            ("/v1/p", Route::Single(MessageType::Page)),
            ("/v1/screen", Route::Single(MessageType::Screen)),
            ("/v1/s", Route::Single(MessageType::Screen)),
            ("/v1/group", Route::Single(MessageType::Group)),
            ("/v1/g", Route::Single(MessageType::Group)),
            ("/v1/alias", Route::Single(MessageType::Alias)),
            ("/v1/a", Route::Single(MessageType::Alias)),
            ("/v1/batch", Route::Batch),
            ("/v1/b", Route::Batch),
            ("/v1/import", Route::Batch),
            ("/v1/m", Route::Metrics),
            ("/v1/track/", Route::Single(MessageType::Track)),
        ];
        for (path, route) in table {
            assert_eq!(Route::from_path(path), Some(route), "{path}");
        }
    }

    #[test]
    fn unknown_paths_do_not_map() {
        for path in [
            "/v1/",
            "/v1/x",
            "/track",
            "/v2/track",
            "/v1/Track",
            "/v1/track//",
            "",
        ] {
            assert_eq!(Route::from_path(path), None, "{path}");
        }
    }

    #[test]
    fn type_field_round_trips() {
        for t in MessageType::ALL {
            assert_eq!(MessageType::from_type_field(t.as_str()), Some(t));
        }
        assert_eq!(MessageType::from_type_field("Track"), None);
    }
}
