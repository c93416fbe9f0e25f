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

impl BrowserPlugin {
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
