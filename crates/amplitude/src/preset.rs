//! The destination's presets: the mappings a new Amplitude destination starts with.

use crate::action::Action;
use ampline_fql::{ParseError, Trigger};
use serde_json::{Map, Value};

/// How many mappings (subscriptions) one destination instance may have.
pub const MAX_MAPPINGS_PER_DESTINATION: usize = 50;

/// A preset of the Amplitude (Actions) destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    TrackCalls,
    OrderCompletedCalls,
    PageCalls,
    ScreenCalls,
    IdentifyCalls,
    BrowserSessionTracking,
}

/// What a preset runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresetTarget {
    /// A cloud action, run by the server on each matching event.
    Cloud(Action),
    /// A plugin that runs in the browser; the server only serves its settings to analytics.js.
    Browser(BrowserPlugin),
}

/// Browser-side plugins of the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserPlugin {
    /// Generates a session id and attaches it to every browser event (`sessionId`).
    SessionId,
}

/// A setting of a browser plugin, as its mapping carries it (a constant, not a directive: the
/// browser receives it verbatim).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BrowserSetting {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: BrowserSettingKind,
    pub description: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BrowserSettingKind {
    /// A positive number of milliseconds.
    Milliseconds(u64),
    Boolean(bool),
    Text(&'static str),
}

const SESSION_SETTINGS: [BrowserSetting; 4] = [
    BrowserSetting {
        key: "sessionLength",
        label: "Session Length",
        kind: BrowserSettingKind::Milliseconds(30 * 60 * 1000),
        description: "Time in milliseconds to be used before considering a session stale.",
    },
    BrowserSetting {
        key: "triggerSessionEvents",
        label: "Trigger Session Events",
        kind: BrowserSettingKind::Boolean(false),
        description:
            "Send a session start event when a session begins and a session end event when it ends.",
    },
    BrowserSetting {
        key: "sessionStartEvent",
        label: "Session Start Event",
        kind: BrowserSettingKind::Text("session_started"),
        description: "The event name of the session start event.",
    },
    BrowserSetting {
        key: "sessionEndEvent",
        label: "Session End Event",
        kind: BrowserSettingKind::Text("session_ended"),
        description: "The event name of the session end event.",
    },
];

impl BrowserPlugin {
    pub const ALL: [BrowserPlugin; 1] = [BrowserPlugin::SessionId];

    pub fn from_id(id: &str) -> Option<BrowserPlugin> {
        BrowserPlugin::ALL
            .into_iter()
            .find(|plugin| plugin.id() == id)
    }

    pub fn settings(self) -> &'static [BrowserSetting] {
        match self {
            BrowserPlugin::SessionId => &SESSION_SETTINGS,
        }
    }

    /// Checks a mapping for this plugin: an object of its settings with constant values of the
    /// right type. Returns the mapping unchanged, or every problem with its key.
    pub fn check_mapping(self, mapping: &Value) -> Result<Value, Vec<String>> {
        let Value::Object(entries) = mapping else {
            return Err(vec!["must be an object of settings".to_owned()]);
        };
        let mut problems = Vec::new();
        for (key, value) in entries {
            let Some(setting) = self.settings().iter().find(|s| s.key == key) else {
                let known: Vec<&str> = self.settings().iter().map(|s| s.key).collect();
                problems.push(format!(
                    "/{key}: unknown setting (known: {})",
                    known.join(", ")
                ));
                continue;
            };
            let fits = match setting.kind {
                BrowserSettingKind::Milliseconds(_) => value
                    .as_f64()
                    .is_some_and(|ms| ms > 0.0 && ms.fract() == 0.0),
                BrowserSettingKind::Boolean(_) => value.is_boolean(),
                BrowserSettingKind::Text(_) => value.as_str().is_some_and(|s| !s.is_empty()),
            };
            if !fits {
                let expected = match setting.kind {
                    BrowserSettingKind::Milliseconds(_) => {
                        "a positive whole number of milliseconds"
                    }
                    BrowserSettingKind::Boolean(_) => "true or false",
                    BrowserSettingKind::Text(_) => "a non-empty string",
                };
                problems.push(format!("/{key}: must be {expected}, not {value}"));
            }
        }
        if problems.is_empty() {
            Ok(mapping.clone())
        } else {
            Err(problems)
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            BrowserPlugin::SessionId => "sessionId",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            BrowserPlugin::SessionId => "Session Plugin",
        }
    }
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::TrackCalls,
        Preset::OrderCompletedCalls,
        Preset::PageCalls,
        Preset::ScreenCalls,
        Preset::IdentifyCalls,
        Preset::BrowserSessionTracking,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::TrackCalls => "Track Calls",
            Preset::OrderCompletedCalls => "Order Completed Calls",
            Preset::PageCalls => "Page Calls",
            Preset::ScreenCalls => "Screen Calls",
            Preset::IdentifyCalls => "Identify Calls",
            Preset::BrowserSessionTracking => "Browser Session Tracking",
        }
    }

    /// The preset's trigger, in FQL.
    pub fn trigger(self) -> &'static str {
        match self {
            Preset::TrackCalls => "type = \"track\" and event != \"Order Completed\"",
            Preset::OrderCompletedCalls => "type = \"track\" and event = \"Order Completed\"",
            Preset::PageCalls => "type = \"page\"",
            Preset::ScreenCalls => "type = \"screen\"",
            Preset::IdentifyCalls => "type = \"identify\"",
            Preset::BrowserSessionTracking => {
                "type = \"track\" or type = \"identify\" or type = \"group\" or type = \"page\" or type = \"alias\""
            }
        }
    }

    pub fn parse_trigger(self) -> Result<Trigger, ParseError> {
        Trigger::parse(self.trigger())
    }

    pub fn target(self) -> PresetTarget {
        match self {
            Preset::TrackCalls | Preset::PageCalls | Preset::ScreenCalls => {
                PresetTarget::Cloud(Action::LogEventV2)
            }
            Preset::OrderCompletedCalls => PresetTarget::Cloud(Action::LogPurchase),
            Preset::IdentifyCalls => PresetTarget::Cloud(Action::IdentifyUser),
            Preset::BrowserSessionTracking => PresetTarget::Browser(BrowserPlugin::SessionId),
        }
    }

    /// The preset's mapping: its action's defaults, with page and screen views named
    /// `Viewed {{name}}`; the browser plugin's mapping is empty.
    pub fn mapping(self) -> Value {
        match self.target() {
            PresetTarget::Browser(_) => Value::Object(Map::new()),
            PresetTarget::Cloud(action) => {
                let mut mapping = action.default_mapping();
                if matches!(self, Preset::PageCalls | Preset::ScreenCalls) {
                    if let Value::Object(map) = &mut mapping {
                        let mut template = Map::new();
                        template.insert("@template".to_owned(), Value::from("Viewed {{name}}"));
                        map.insert("event_type".to_owned(), Value::Object(template));
                    }
                }
                mapping
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn triggers_parse_and_select_the_right_calls() {
        let track = json!({"type": "track", "event": "Clicked"});
        let order = json!({"type": "track", "event": "Order Completed"});
        for preset in Preset::ALL {
            assert!(preset.parse_trigger().is_ok(), "{}", preset.name());
        }
        let matches = |preset: Preset, event: &Value| {
            preset
                .parse_trigger()
                .map(|t| t.matches(event))
                .unwrap_or(false)
        };
        assert!(matches(Preset::TrackCalls, &track) && !matches(Preset::TrackCalls, &order));
        assert!(matches(Preset::OrderCompletedCalls, &order));
        assert!(matches(
            Preset::BrowserSessionTracking,
            &json!({"type": "alias"})
        ));
        assert!(!matches(
            Preset::BrowserSessionTracking,
            &json!({"type": "screen"})
        ));
    }

    #[test]
    fn session_plugin_mappings_take_its_settings_as_constants() {
        let plugin = BrowserPlugin::SessionId;
        assert_eq!(BrowserPlugin::from_id("sessionId"), Some(plugin));
        assert_eq!(BrowserPlugin::from_id("logEvent"), None);
        let good = json!({"sessionLength": 600000, "triggerSessionEvents": true,
            "sessionStartEvent": "start", "sessionEndEvent": "end"});
        assert_eq!(plugin.check_mapping(&good), Ok(good.clone()));
        assert_eq!(plugin.check_mapping(&json!({})), Ok(json!({})));
        let Err(problems) = plugin.check_mapping(&json!({"sessionLength": -5,
            "triggerSessionEvents": "yes", "sessionStartEvent": {"@path": "$.x"}, "colour": 1}))
        else {
            panic!("a bad session mapping passed");
        };
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems[0].starts_with("/sessionLength: must be a positive"),
            "{problems:?}"
        );
        assert!(problems
            .iter()
            .any(|p| p.starts_with("/colour: unknown setting")));
        assert!(plugin.check_mapping(&json!([])).is_err());
    }

    #[test]
    fn page_and_screen_presets_name_the_view() {
        let mapping = Preset::PageCalls.mapping();
        assert_eq!(
            mapping["event_type"],
            json!({"@template": "Viewed {{name}}"})
        );
        assert_eq!(mapping["user_id"], json!({"@path": "$.userId"}));
        assert_eq!(
            Preset::TrackCalls.mapping(),
            Action::LogEventV2.default_mapping()
        );
        assert_eq!(Preset::BrowserSessionTracking.mapping(), json!({}));
        assert_eq!(
            Preset::BrowserSessionTracking.target(),
            PresetTarget::Browser(BrowserPlugin::SessionId)
        );
    }
}
