//! `ampline.toml`: sources, the Amplitude destination and its mappings, compiled once into a
//! [`Pipeline`] so a bad configuration is refused at start rather than per event.

use crate::browser::PublicBase;
use crate::sender::SenderOptions;
use ampline_amplitude::{
    Action, BrowserPlugin, CompiledAction, Preset, PresetTarget, Region, Secret, Settings,
    MAX_MAPPINGS_PER_DESTINATION,
};
use ampline_fql::Trigger;
use ampline_ingest::{IngestConfig, IpNet};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// The configuration file as written.
#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// Absent, or without `api_key`: dry run.
    #[serde(default)]
    pub destination: DestinationConfig,
    /// `None`: the destination's cloud presets.
    #[serde(default)]
    pub mappings: Option<Vec<MappingConfig>>,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub delivery: DeliveryConfig,
}

/// How the tracking API and the admin API behave.
#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Peers (addresses or CIDR ranges) whose `X-Forwarded-For` names the client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Keep IPv6 client addresses in `context.ip` (Segment drops them).
    #[serde(default)]
    pub collect_ipv6: bool,
    /// Where browsers reach ampline (e.g. `https://collect.example.com`), for the settings
    /// analytics.js loads; default: the request's own host.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Bearer token of the admin API; generated into the data directory when absent.
    #[serde(default)]
    pub admin_token: Option<ConfigSecret>,
    /// How long routed events are kept for replay.
    #[serde(default, with = "humantime_serde")]
    pub archive_retention: Option<Duration>,
}

/// How deliveries to Amplitude behave; every field has a production default.
#[derive(Deserialize, Clone, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// How long the sender waits for more events to share a request (default 50ms).
    #[serde(default, with = "humantime_serde")]
    pub linger: Option<Duration>,
    /// How long a transiently failing delivery is retried before it is failed (default 4h).
    #[serde(default, with = "humantime_serde")]
    pub retry_window: Option<Duration>,
    /// The first retry delay, doubled per attempt (default 1s) …
    #[serde(default, with = "humantime_serde")]
    pub base_backoff: Option<Duration>,
    /// … up to this (default 10m).
    #[serde(default, with = "humantime_serde")]
    pub max_backoff: Option<Duration>,
    /// The least a user or device named by a 429 is held (default 30s).
    #[serde(default, with = "humantime_serde")]
    pub throttle_hold: Option<Duration>,
    /// Per request to Amplitude (default 30s).
    #[serde(default, with = "humantime_serde")]
    pub request_timeout: Option<Duration>,
    /// Compress `/2/httpapi` and `/batch` bodies (default true).
    #[serde(default)]
    pub gzip: Option<bool>,
    /// Give items a deterministic `insert_id` when the mapping leaves it empty (default true).
    #[serde(default)]
    pub derive_insert_ids: Option<bool>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: String,
    pub write_key: ConfigSecret,
}

#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct DestinationConfig {
    /// Absent: dry run (requests are recorded, not sent).
    #[serde(default)]
    pub api_key: Option<ConfigSecret>,
    #[serde(default)]
    pub secret_key: Option<ConfigSecret>,
    /// `north_america` (default) or `europe`.
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct MappingConfig {
    pub name: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub trigger: String,
    /// An action id (`logEventV2`, `identifyUser`, …).
    pub action: String,
    /// The mapping as Segment stores it: a TOML table or a JSON string.
    #[serde(default)]
    pub mapping: Option<toml::Value>,
}

fn enabled_by_default() -> bool {
    true
}

/// A credential as configured: literal, or `env:VAR`. Never printed.
#[derive(Deserialize, Clone)]
#[serde(transparent)]
pub struct ConfigSecret(String);

impl fmt::Debug for ConfigSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("sources", &self.sources)
            .field("destination", &self.destination)
            .field("mappings", &self.mappings)
            .field("delivery", &self.delivery)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for SourceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceConfig")
            .field("name", &self.name)
            .field("write_key", &self.write_key)
            .finish()
    }
}

impl fmt::Debug for DestinationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DestinationConfig")
            .field("api_key", &self.api_key)
            .field("secret_key", &self.secret_key)
            .field("region", &self.region)
            .finish()
    }
}

impl ConfigSecret {
    pub fn literal(value: impl Into<String>) -> Self {
        ConfigSecret(value.into())
    }

    /// The value, reading `env:VAR` from the environment.
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
        match self.0.strip_prefix("env:") {
            Some(var) => env(var)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("environment variable {var} is not set")),
            None => Ok(self.0.clone()),
        }
    }
}

/// One configuration problem and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub place: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Every problem found, so an operator fixes them in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// A mapping ready to run.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    pub name: String,
    pub trigger: Trigger,
    pub action: CompiledAction,
}

/// A mapping that runs in the browser (the session plugin): analytics.js gets it verbatim.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserSubscription {
    pub name: String,
    pub plugin: BrowserPlugin,
    /// The trigger as written (checked to parse).
    pub trigger: String,
    /// The plugin's settings (checked against its fields).
    pub settings: Value,
}

/// Everything the router needs, resolved and compiled.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Write key → source name.
    pub sources: Vec<(Secret, String)>,
    pub settings: Settings,
    /// Enabled mappings only.
    pub mappings: Vec<CompiledMapping>,
    /// Enabled browser-plugin mappings, served to analytics.js in its settings.
    pub browser: Vec<BrowserSubscription>,
    pub derive_insert_ids: bool,
    pub ingest: IngestConfig,
    /// The configured admin token; `None` means the one generated in the data directory.
    pub admin_token: Option<Secret>,
    /// `[server] public_url`, when configured.
    pub public_base: Option<PublicBase>,
}

impl Pipeline {
    /// No Amplitude API key: requests are recorded instead of sent.
    pub fn is_dry_run(&self) -> bool {
        self.settings.api_key.expose().is_empty()
    }

    pub fn source_for_key(&self, write_key: &str) -> Option<String> {
        self.sources
            .iter()
            .find(|(key, _)| key.expose() == write_key)
            .map(|(_, name)| name.clone())
    }
}

impl Config {
    pub fn from_toml(text: &str) -> Result<Config, ConfigErrors> {
        toml::from_str(text).map_err(|e| {
            ConfigErrors(vec![ConfigProblem {
                place: "ampline.toml".to_owned(),
                message: e.to_string(),
            }])
        })
    }

    /// What `ampline serve` runs with when given no configuration: one source with `write_key`,
    /// the presets, and dry run.
    pub fn zero_config(write_key: &str) -> Config {
        Config {
            sources: vec![SourceConfig {
                name: "default".to_owned(),
                write_key: ConfigSecret::literal(write_key),
            }],
            ..Config::default()
        }
    }

    /// The sender's behaviour from `[delivery]`, defaults filled in.
    pub fn sender_options(&self) -> SenderOptions {
        let defaults = SenderOptions::default();
        let delivery = &self.delivery;
        SenderOptions {
            base_url: None,
            retry_window: delivery.retry_window.unwrap_or(defaults.retry_window),
            base_backoff: delivery.base_backoff.unwrap_or(defaults.base_backoff),
            max_backoff: delivery.max_backoff.unwrap_or(defaults.max_backoff),
            throttle_hold: delivery.throttle_hold.unwrap_or(defaults.throttle_hold),
            linger: delivery.linger.unwrap_or(defaults.linger),
            request_timeout: delivery.request_timeout.unwrap_or(defaults.request_timeout),
            gzip: delivery.gzip.unwrap_or(defaults.gzip),
        }
    }

    /// The configured mappings, or the cloud presets when none are configured.
    pub fn effective_mappings(&self) -> Vec<MappingConfig> {
        match &self.mappings {
            Some(mappings) => mappings.clone(),
            None => Preset::ALL
                .iter()
                .map(|preset| MappingConfig {
                    name: preset.name().to_owned(),
                    enabled: true,
                    trigger: preset.trigger().to_owned(),
                    action: match preset.target() {
                        PresetTarget::Cloud(action) => action.id().to_owned(),
                        PresetTarget::Browser(plugin) => plugin.id().to_owned(),
                    },
                    mapping: Some(toml::Value::String(preset.mapping().to_string())),
                })
                .collect(),
        }
    }

    /// Resolves secrets and compiles every mapping, collecting every problem.
    pub fn compile(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Pipeline, ConfigErrors> {
        let mut problems = Vec::new();
        let mut problem =
            |place: String, message: String| problems.push(ConfigProblem { place, message });
        let mut sources = Vec::new();
        for (index, source) in self.sources.iter().enumerate() {
            match source.write_key.resolve(env) {
                Ok(key)
                    if sources
                        .iter()
                        .any(|(k, _): &(Secret, String)| k.expose() == key) =>
                {
                    problem(
                        format!("sources[{index}] ({})", source.name),
                        "write_key is used by another source".to_owned(),
                    )
                }
                Ok(key) => sources.push((Secret::new(key), source.name.clone())),
                Err(message) => problem(format!("sources[{index}].write_key"), message),
            }
        }
        if self.sources.is_empty() {
            problem(
                "sources".to_owned(),
                "at least one source is required".to_owned(),
            );
        }
        let api_key = match &self.destination.api_key {
            Some(secret) => secret
                .resolve(env)
                .map_err(|m| problem("destination.api_key".to_owned(), m))
                .ok(),
            None => None,
        };
        let secret_key = match &self.destination.secret_key {
            Some(secret) => secret
                .resolve(env)
                .map_err(|m| problem("destination.secret_key".to_owned(), m))
                .unwrap_or_default(),
            None => String::new(),
        };
        let region = match self.destination.region.as_deref() {
            None => Region::NorthAmerica,
            Some(id) => Region::from_id(id).unwrap_or_else(|| {
                problem(
                    "destination.region".to_owned(),
                    format!("must be \"north_america\" or \"europe\", not {id:?}"),
                );
                Region::NorthAmerica
            }),
        };
        let configured = self.effective_mappings();
        if configured.len() > MAX_MAPPINGS_PER_DESTINATION {
            problem(
                "mappings".to_owned(),
                format!(
                    "{} mappings configured; at most {MAX_MAPPINGS_PER_DESTINATION} are allowed",
                    configured.len()
                ),
            );
        }
        let mut mappings = Vec::new();
        let mut browser = Vec::new();
        for (index, mapping) in configured.iter().enumerate() {
            let place = format!("mappings[{index}] ({})", mapping.name);
            if configured[..index].iter().any(|m| m.name == mapping.name) {
                problem(place.clone(), "duplicate mapping name".to_owned());
            }
            let trigger = Trigger::parse(&mapping.trigger)
                .map_err(|e| problem(format!("{place}.trigger"), format!("{e}")))
                .ok();
            if let Some(plugin) = BrowserPlugin::from_id(&mapping.action) {
                let checked = match mapping_json(mapping.mapping.as_ref()) {
                    Ok(json) => plugin
                        .check_mapping(&json.unwrap_or_else(|| Value::Object(Default::default())))
                        .map_err(|found| {
                            for message in found {
                                problem(format!("{place}.mapping"), message);
                            }
                        })
                        .ok(),
                    Err(message) => {
                        problem(format!("{place}.mapping"), message);
                        None
                    }
                };
                if let (Some(settings), Some(_), true) = (checked, trigger, mapping.enabled) {
                    browser.push(BrowserSubscription {
                        name: mapping.name.clone(),
                        plugin,
                        trigger: mapping.trigger.clone(),
                        settings,
                    });
                }
                continue;
            }
            let action = match Action::from_id(&mapping.action) {
                Some(action) => Some(action),
                None => {
                    let known: Vec<&str> = Action::ALL
                        .iter()
                        .map(|a| a.id())
                        .chain(BrowserPlugin::ALL.iter().map(|p| p.id()))
                        .collect();
                    problem(
                        format!("{place}.action"),
                        format!(
                            "unknown action {:?} (known: {})",
                            mapping.action,
                            known.join(", ")
                        ),
                    );
                    None
                }
            };
            let json = match mapping_json(mapping.mapping.as_ref()) {
                Ok(json) => Some(json),
                Err(message) => {
                    problem(format!("{place}.mapping"), message);
                    None
                }
            };
            let compiled = match (action, &json) {
                (Some(action), Some(Some(json))) => CompiledAction::new(action, json),
                (Some(action), Some(None)) => CompiledAction::with_defaults(action),
                _ => continue,
            };
            match compiled {
                Ok(compiled) => {
                    if let (Some(trigger), true) = (trigger, mapping.enabled) {
                        mappings.push(CompiledMapping {
                            name: mapping.name.clone(),
                            trigger,
                            action: compiled,
                        });
                    }
                }
                Err(e) => problem(format!("{place}.mapping"), e.to_string()),
            }
        }
        let admin_token = match &self.server.admin_token {
            Some(secret) => secret
                .resolve(env)
                .map_err(|m| problem("server.admin_token".to_owned(), m))
                .ok()
                .map(Secret::new),
            None => None,
        };
        let mut ingest = IngestConfig {
            collect_ipv6: self.server.collect_ipv6,
            ..IngestConfig::default()
        };
        for (index, text) in self.server.trusted_proxies.iter().enumerate() {
            match text.parse::<IpNet>() {
                Ok(net) => ingest.trusted_proxies.push(net),
                Err(e) => problem(format!("server.trusted_proxies[{index}]"), e),
            }
        }
        let public_base = match &self.server.public_url {
            Some(url) => PublicBase::parse(url)
                .map_err(|m| problem("server.public_url".to_owned(), m))
                .ok(),
            None => None,
        };
        if !problems.is_empty() {
            return Err(ConfigErrors(problems));
        }
        Ok(Pipeline {
            sources,
            settings: Settings::new(api_key.unwrap_or_default(), secret_key, region),
            mappings,
            browser,
            derive_insert_ids: self.delivery.derive_insert_ids.unwrap_or(true),
            ingest,
            admin_token,
            public_base,
        })
    }
}

/// A TOML table becomes the same JSON; a string is parsed as JSON; absent means the action's
/// defaults.
fn mapping_json(value: Option<&toml::Value>) -> Result<Option<Value>, String> {
    match value {
        None => Ok(None),
        Some(toml::Value::String(text)) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| format!("not valid JSON: {e}")),
        Some(table @ toml::Value::Table(_)) => serde_json::to_value(table)
            .map(Some)
            .map_err(|e| format!("cannot be read as JSON: {e}")),
        Some(_) => Err("must be a table or a JSON string".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(var: &str) -> Option<String> {
        (var == "AMP_KEY").then(|| "from-env".to_owned())
    }

    const BASE: &str = r#"
[[sources]]
name = "web"
write_key = "WK"

[destination]
api_key = "env:AMP_KEY"
secret_key = "s3cret"
"#;

    #[test]
    fn defaults_are_the_cloud_presets_and_secrets_resolve() -> Result<(), ConfigErrors> {
        let config = Config::from_toml(BASE)?;
        let pipeline = config.compile(&env)?;
        let names: Vec<&str> = pipeline.mappings.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Track Calls",
                "Order Completed Calls",
                "Page Calls",
                "Screen Calls",
                "Identify Calls"
            ]
        );
        assert_eq!(pipeline.settings.api_key.expose(), "from-env");
        assert_eq!(pipeline.browser.len(), 1);
        assert_eq!(pipeline.browser[0].name, "Browser Session Tracking");
        assert_eq!(pipeline.browser[0].plugin.id(), "sessionId");
        assert_eq!(pipeline.source_for_key("WK").as_deref(), Some("web"));
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("WK"),
            "{debug}"
        );
        Ok(())
    }

    #[test]
    fn mappings_accept_tables_and_json_strings() -> Result<(), ConfigErrors> {
        let text = format!(
            r#"{BASE}
[[mappings]]
name = "as table"
trigger = 'type = "track"'
action = "logEventV2"
mapping = {{ event_type = {{ "@path" = "$.event" }}, user_id = {{ "@path" = "$.userId" }} }}

[[mappings]]
name = "as json"
enabled = false
trigger = 'type = "identify"'
action = "identifyUser"
mapping = '{{"user_id": {{"@path": "$.userId"}}}}'
"#
        );
        let pipeline = Config::from_toml(&text)?.compile(&env)?;
        assert_eq!(pipeline.mappings.len(), 1, "disabled mappings are left out");
        assert_eq!(
            pipeline.mappings.first().map(|m| m.name.as_str()),
            Some("as table")
        );
        Ok(())
    }

    #[test]
    fn every_problem_is_reported_with_its_place() -> Result<(), ConfigErrors> {
        let text = r#"
[[sources]]
name = "web"
write_key = "env:MISSING"

[destination]
api_key = "k"
region = "mars"

[[mappings]]
name = "bad trigger"
trigger = 'type = "track" and ('
action = "logEventV2"

[[mappings]]
name = "bad action"
trigger = 'type = "track"'
action = "sendFax"

[[mappings]]
name = "bad json"
trigger = 'type = "track"'
action = "logEventV2"
mapping = '{"event_type": '
"#;
        let Err(ConfigErrors(problems)) = Config::from_toml(text)?.compile(&env) else {
            panic!("an invalid configuration compiled");
        };
        let places: Vec<&str> = problems.iter().map(|p| p.place.as_str()).collect();
        assert_eq!(
            places,
            [
                "sources[0].write_key",
                "destination.region",
                "mappings[0] (bad trigger).trigger",
                "mappings[1] (bad action).action",
                "mappings[2] (bad json).mapping",
            ]
        );
        Ok(())
    }

    #[test]
    fn session_plugin_mappings_are_checked_and_kept_for_the_browser() -> Result<(), ConfigErrors> {
        let good = format!(
            "{BASE}[server]\npublic_url = \"https://collect.example.com\"\n[[mappings]]\nname = \"sessions\"\n\
             trigger = 'type = \"track\"'\naction = \"sessionId\"\nmapping = {{ sessionLength = 600000 }}\n"
        );
        let pipeline = Config::from_toml(&good)?.compile(&env)?;
        assert!(pipeline.mappings.is_empty());
        assert_eq!(pipeline.browser.len(), 1);
        assert_eq!(pipeline.browser[0].settings["sessionLength"], 600000);
        assert_eq!(
            pipeline.public_base.map(|b| b.url()).as_deref(),
            Some("https://collect.example.com")
        );
        let bad = format!(
            "{BASE}[server]\npublic_url = \"collect.example.com\"\n[[mappings]]\nname = \"sessions\"\n\
             trigger = 'type = \"track\"'\naction = \"sessionId\"\nmapping = {{ sessionLength = \"long\" }}\n"
        );
        let Err(ConfigErrors(problems)) = Config::from_toml(&bad)?.compile(&env) else {
            panic!("a bad session mapping compiled");
        };
        let places: Vec<&str> = problems.iter().map(|p| p.place.as_str()).collect();
        assert_eq!(
            places,
            ["mappings[0] (sessions).mapping", "server.public_url"]
        );
        assert!(
            problems[0].message.starts_with("/sessionLength: must be"),
            "{problems:?}"
        );
        Ok(())
    }

    #[test]
    fn more_than_fifty_mappings_are_refused() -> Result<(), ConfigErrors> {
        let mut text = BASE.to_owned();
        for index in 0..51 {
            text.push_str(&format!(
                "[[mappings]]\nname = \"m{index}\"\ntrigger = 'type = \"track\"'\naction = \"logEventV2\"\n"
            ));
        }
        let Err(ConfigErrors(problems)) = Config::from_toml(&text)?.compile(&env) else {
            panic!("51 mappings compiled");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems.first().map(|p| p.place.as_str()), Some("mappings"));
        Ok(())
    }
}
