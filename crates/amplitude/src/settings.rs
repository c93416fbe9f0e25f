//! The destination's settings: two secrets and a region.

use serde_json::Value;
use std::fmt;

/// A credential. `Debug` never shows it, so settings can be logged without leaking keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where an Amplitude project's data lives. A key only works against its own region's hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    #[default]
    NorthAmerica,
    Europe,
}

impl Region {
    pub const ALL: [Region; 2] = [Region::NorthAmerica, Region::Europe];

    /// The setting's value as Segment spells it.
    pub fn id(self) -> &'static str {
        match self {
            Region::NorthAmerica => "north_america",
            Region::Europe => "europe",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Region::NorthAmerica => "North America",
            Region::Europe => "Europe",
        }
    }

    pub fn from_id(id: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|region| region.id() == id)
    }
}

/// An Amplitude API the destination calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// HTTP V2 events.
    HttpApi,
    /// Batch event upload, which Amplitude throttles less eagerly.
    Batch,
    Identify,
    GroupIdentify,
    UserMap,
    /// User deletion (privacy API), authenticated with both keys.
    Deletions,
    /// User search, which the reference uses to test credentials.
    UserSearch,
}

impl Endpoint {
    /// The endpoint's URL in `region`.
    pub fn url(self, region: Region) -> &'static str {
        use Endpoint::*;
        use Region::*;
        match (self, region) {
            (HttpApi, NorthAmerica) => "https://api2.amplitude.com/2/httpapi",
            (HttpApi, Europe) => "https://api.eu.amplitude.com/2/httpapi",
            (Batch, NorthAmerica) => "https://api2.amplitude.com/batch",
            (Batch, Europe) => "https://api.eu.amplitude.com/batch",
            (Identify, NorthAmerica) => "https://api2.amplitude.com/identify",
            (Identify, Europe) => "https://api.eu.amplitude.com/identify",
            (GroupIdentify, NorthAmerica) => "https://api2.amplitude.com/groupidentify",
            (GroupIdentify, Europe) => "https://api.eu.amplitude.com/groupidentify",
            (UserMap, NorthAmerica) => "https://api.amplitude.com/usermap",
            (UserMap, Europe) => "https://api.eu.amplitude.com/usermap",
            (Deletions, NorthAmerica) => "https://amplitude.com/api/2/deletions/users",
            (Deletions, Europe) => "https://analytics.eu.amplitude.com/api/2/deletions/users",
            (UserSearch, NorthAmerica) => "https://amplitude.com/api/2/usersearch",
            (UserSearch, Europe) => "https://analytics.eu.amplitude.com/api/2/usersearch",
        }
    }
}

/// The destination's settings (Segment's `apiKey`, `secretKey`, `endpoint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub api_key: Secret,
    pub secret_key: Secret,
    pub region: Region,
}

/// Why settings were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    NotAnObject,
    /// A required setting is absent, `null` or empty.
    Missing(&'static str),
    /// A setting is present but not a string.
    NotAString(&'static str),
    /// `endpoint` names no region. The reference silently falls back to North America, which
    /// would send an EU project's data to the wrong region; here it is a configuration error.
    UnknownRegion(String),
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::NotAnObject => f.write_str("settings must be a JSON object"),
            SettingsError::Missing(key) => write!(f, "setting {key} is required"),
            SettingsError::NotAString(key) => write!(f, "setting {key} must be a string"),
            SettingsError::UnknownRegion(region) => write!(
                f,
                "setting endpoint must be \"north_america\" or \"europe\", not {region:?}"
            ),
        }
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    pub fn new(api_key: impl Into<String>, secret_key: impl Into<String>, region: Region) -> Self {
        Settings {
            api_key: Secret::new(api_key),
            secret_key: Secret::new(secret_key),
            region,
        }
    }

    /// Reads `{"apiKey": …, "secretKey": …, "endpoint": …}`; `endpoint` defaults to
    /// `north_america` when absent or `null`. Other keys are ignored.
    pub fn from_json(value: &Value) -> Result<Settings, SettingsError> {
        let map = value.as_object().ok_or(SettingsError::NotAnObject)?;
        let text = |key: &'static str| -> Result<Option<&str>, SettingsError> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(SettingsError::NotAString(key)),
            }
        };
        let required = |key: &'static str| -> Result<Secret, SettingsError> {
            match text(key)? {
                Some(s) if !s.is_empty() => Ok(Secret::new(s)),
                _ => Err(SettingsError::Missing(key)),
            }
        };
        let api_key = required("apiKey")?;
        let secret_key = required("secretKey")?;
        let region = match text("endpoint")? {
            None => Region::default(),
            Some(id) => {
                Region::from_id(id).ok_or_else(|| SettingsError::UnknownRegion(id.to_owned()))?
            }
        };
        Ok(Settings {
            api_key,
            secret_key,
            region,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_segment_settings() {
        let settings =
            Settings::from_json(&json!({"apiKey": "k", "secretKey": "s", "endpoint": "europe"}));
        assert_eq!(settings, Ok(Settings::new("k", "s", Region::Europe)));
        let default_region = Settings::from_json(&json!({"apiKey": "k", "secretKey": "s"}));
        assert_eq!(default_region.map(|s| s.region), Ok(Region::NorthAmerica));
    }

    #[test]
    fn refuses_unknown_regions_and_missing_keys() {
        let unknown =
            Settings::from_json(&json!({"apiKey": "k", "secretKey": "s", "endpoint": "asia"}));
        assert_eq!(unknown, Err(SettingsError::UnknownRegion("asia".into())));
        let missing = Settings::from_json(&json!({"apiKey": "", "secretKey": "s"}));
        assert_eq!(missing, Err(SettingsError::Missing("apiKey")));
        let wrong = Settings::from_json(&json!({"apiKey": "k", "secretKey": 5}));
        assert_eq!(wrong, Err(SettingsError::NotAString("secretKey")));
        assert_eq!(
            Settings::from_json(&json!([])),
            Err(SettingsError::NotAnObject)
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let settings = Settings::new("api-key-123", "secret-456", Region::Europe);
        let shown = format!("{settings:?}");
        assert!(!shown.contains("api-key-123") && !shown.contains("secret-456"));
        assert!(shown.contains("Europe"));
    }

    #[test]
    fn endpoints_follow_the_region() {
        assert_eq!(
            Endpoint::HttpApi.url(Region::Europe),
            "https://api.eu.amplitude.com/2/httpapi"
        );
        assert_eq!(
            Endpoint::UserMap.url(Region::NorthAmerica),
            "https://api.amplitude.com/usermap"
        );
    }
}
