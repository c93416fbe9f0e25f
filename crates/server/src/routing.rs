//! One stored event → the delivery items it produces, as a pure function.
//!
//! Amplitude requests are split back into their items (one event, one identification, one
//! user mapping) so that the sender can batch items of many events into one request and settle
//! each item on its own (a 400 naming one index fails that item only). Items that can share a
//! request carry the same batch key: the URL, the API key, the form field and the options.

use crate::config::{CompiledMapping, Pipeline};
use ampline_amplitude::{Body, Request};
use ampline_ingest::routes_to_amplitude;
use ampline_useragent::UserAgentCache;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The batch key of a delivery that holds an event its mapping refused (the payload is the
/// event). It waits in the failed store; sent back from there, the sender runs the mapping
/// again (after a fixed configuration is reloaded) and replaces it with the items it makes.
pub const REROUTE_KEY: &str = "reroute";

/// Which requests an item may share: everything of the request except its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchKey {
    pub url: String,
    pub api_key: String,
    /// The form field holding the items (`identification`, `mapping`); `None` for JSON bodies
    /// whose items are `events`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The options, as JSON text exactly as the action wrote them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
}

impl BatchKey {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(text: &str) -> Option<BatchKey> {
        serde_json::from_str(text).ok()
    }
}

/// One delivery to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub mapping: String,
    /// The [`BatchKey`], encoded once per request (see [`BatchKey::encode`]).
    pub batch_key: String,
    /// `u:<user_id>` or `d:<device_id>`: what a 429 hold applies to.
    pub throttle_key: Option<String>,
    /// The item as JSON text (`JSON.stringify` form, so re-sends are byte-identical).
    pub payload: String,
}

/// A mapping that matched but whose action refused the event.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteFailure {
    pub mapping: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Routed {
    pub items: Vec<Item>,
    pub failures: Vec<RouteFailure>,
    /// Positions in `Pipeline::mappings` of the mappings whose trigger matched.
    pub matched: Vec<usize>,
    /// The event's `integrations` object excluded Amplitude (Actions); no mapping ran.
    pub filtered_by_integrations: bool,
}

/// Runs `event` through every enabled mapping whose trigger matches it, unless its
/// `integrations` object excludes the destination.
pub fn route_event(
    pipeline: &Pipeline,
    event: &Value,
    message_id: &str,
    mut user_agents: Option<&mut UserAgentCache>,
) -> Routed {
    let mut routed = Routed::default();
    if !routes_to_amplitude(event) {
        routed.filtered_by_integrations = true;
        return routed;
    }
    for (index, mapping) in pipeline.mappings.iter().enumerate() {
        if mapping.trigger.matches(event) {
            routed.matched.push(index);
            run_mapping(
                pipeline,
                mapping,
                event,
                message_id,
                user_agents.as_deref_mut(),
                &mut routed,
            );
        }
    }
    routed
}

/// Runs `event` through `mapping` alone, trigger not consulted: the second try of an event the
/// mapping refused before (see [`REROUTE_KEY`]).
pub fn reroute_event(
    pipeline: &Pipeline,
    mapping: &CompiledMapping,
    event: &Value,
    message_id: &str,
    user_agents: Option<&mut UserAgentCache>,
) -> Routed {
    let mut routed = Routed::default();
    run_mapping(
        pipeline,
        mapping,
        event,
        message_id,
        user_agents,
        &mut routed,
    );
    routed
}

fn run_mapping(
    pipeline: &Pipeline,
    mapping: &CompiledMapping,
    event: &Value,
    message_id: &str,
    user_agents: Option<&mut UserAgentCache>,
    routed: &mut Routed,
) {
    match mapping.action.run(event, &pipeline.settings, user_agents) {
        Ok(requests) => {
            let mut index = 0;
            let insert_ids = pipeline.derive_insert_ids.then_some(message_id);
            for request in requests {
                split_request(request, &mapping.name, insert_ids, &mut index, routed);
            }
        }
        Err(error) => routed.failures.push(RouteFailure {
            mapping: mapping.name.clone(),
            reason: error.to_string(),
        }),
    }
}

/// `derive_from`: the message id to derive missing `insert_id`s from, or `None` to leave them.
fn split_request(
    request: Request,
    mapping: &str,
    derive_from: Option<&str>,
    index: &mut usize,
    routed: &mut Routed,
) {
    match request.body {
        Body::Events(batch) => {
            let batch_key = BatchKey {
                url: request.url.to_owned(),
                api_key: batch.api_key,
                field: None,
                options: batch.options,
            }
            .encode();
            for event in batch.events {
                let mut payload = event.json;
                if let (false, Some(message_id)) = (event.has_insert_id, derive_from) {
                    // An absent key is added last, where assigning it would put it.
                    if payload.ends_with('}') {
                        payload.pop();
                        if !payload.ends_with('{') {
                            payload.push(',');
                        }
                        payload.push_str("\"insert_id\":");
                        ampline_js::write_json_string(
                            &mut payload,
                            &derived_insert_id(message_id, mapping, *index),
                        );
                        payload.push('}');
                    }
                }
                // Items wait in memory until sent; the action wrote the event into a roomy
                // buffer.
                payload.shrink_to_fit();
                *index += 1;
                let throttle_key = match (&event.user_id, &event.device_id) {
                    (Some(user), _) => Some(format!("u:{user}")),
                    (None, Some(device)) => Some(format!("d:{device}")),
                    (None, None) => None,
                };
                routed.items.push(Item {
                    mapping: mapping.to_owned(),
                    batch_key: batch_key.clone(),
                    throttle_key,
                    payload,
                });
            }
        }
        Body::Form(fields) => {
            let mut api_key = String::new();
            let mut options = None;
            let mut items_field = None;
            for (name, value) in fields {
                match name.as_str() {
                    "api_key" => api_key = value,
                    "options" => options = Some(value),
                    _ => items_field = Some((name, value)),
                }
            }
            let Some((field, text)) = items_field else {
                return;
            };
            let elements = match serde_json::from_str(&text) {
                Ok(Value::Array(elements)) => elements,
                Ok(element) => vec![element],
                Err(e) => {
                    routed.failures.push(RouteFailure {
                        mapping: mapping.to_owned(),
                        reason: format!("the action's {field} is not JSON: {e}"),
                    });
                    return;
                }
            };
            let batch_key = BatchKey {
                url: request.url.to_owned(),
                api_key,
                field: Some(field),
                options,
            }
            .encode();
            for element in elements {
                *index += 1;
                routed
                    .items
                    .push(item(mapping, batch_key.clone(), &element));
            }
        }
    }
}

fn item(mapping: &str, batch_key: String, value: &Value) -> Item {
    Item {
        mapping: mapping.to_owned(),
        batch_key,
        throttle_key: throttle_key(value),
        payload: json_text(value),
    }
}

/// The user, else the device: the IDs Amplitude's 429 lists.
pub fn throttle_key(item: &Value) -> Option<String> {
    let id = |key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
    };
    id("user_id")
        .map(|user| format!("u:{user}"))
        .or_else(|| id("device_id").map(|device| format!("d:{device}")))
}

/// Stable across re-routing and replays of the same message, distinct per mapping and item, so
/// Amplitude's 7-day de-duplication absorbs re-sends. The mapping name is hashed (FNV-1a) to
/// keep the id short whatever the name.
pub fn derived_insert_id(message_id: &str, mapping: &str, index: usize) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in mapping.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{message_id}-{:08x}-{index}", hash as u32)
}

pub(crate) fn json_text(value: &Value) -> String {
    let mut out = String::new();
    ampline_js::write_json(&mut out, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigErrors};
    use serde_json::json;

    fn pipeline(mappings: &str) -> Result<Pipeline, ConfigErrors> {
        let text = format!(
            "[[sources]]\nname = \"web\"\nwrite_key = \"WK\"\n[destination]\napi_key = \"KEY\"\n{mappings}"
        );
        Config::from_toml(&text)?.compile(&|_| None)
    }

    fn payload(item: &Item) -> Value {
        serde_json::from_str(&item.payload).unwrap_or(Value::Null)
    }

    #[test]
    fn a_track_event_becomes_one_event_item_keyed_by_endpoint_and_key() -> Result<(), ConfigErrors>
    {
        let pipeline = pipeline("")?;
        let event = json!({"type": "track", "event": "Clicked", "userId": "user-1",
            "messageId": "m1", "timestamp": "2026-01-01T00:00:00.000Z"});
        let routed = route_event(&pipeline, &event, "m1", None);
        assert_eq!(routed.failures, []);
        assert_eq!(routed.items.len(), 1);
        let item = &routed.items[0];
        assert_eq!(item.mapping, "Track Calls");
        let batch_key = BatchKey::decode(&item.batch_key)
            .unwrap_or_else(|| panic!("not an encoded batch key: {}", item.batch_key));
        assert_eq!(batch_key.url, "https://api2.amplitude.com/2/httpapi");
        assert_eq!(batch_key.api_key, "KEY");
        assert_eq!(batch_key.field, None);
        assert_eq!(item.throttle_key.as_deref(), Some("u:user-1"));
        let sent = payload(item);
        assert_eq!(sent["event_type"], "Clicked");
        assert_eq!(sent["insert_id"], derived_insert_id("m1", "Track Calls", 0));
        Ok(())
    }

    #[test]
    fn items_without_insert_id_get_a_deterministic_one() -> Result<(), ConfigErrors> {
        let pipeline = pipeline(
            "[[mappings]]\nname = \"plain\"\ntrigger = 'type = \"track\"'\naction = \"logEventV2\"\n\
             mapping = { event_type = { \"@path\" = \"$.event\" }, user_id = { \"@path\" = \"$.userId\" } }\n",
        )?;
        let event = json!({"type": "track", "event": "Clicked", "userId": "user-1"});
        let first = route_event(&pipeline, &event, "m7", None);
        let again = route_event(&pipeline, &event, "m7", None);
        assert_eq!(first, again);
        let sent = payload(&first.items[0]);
        assert_eq!(sent["insert_id"], derived_insert_id("m7", "plain", 0));
        assert_ne!(
            derived_insert_id("m7", "plain", 0),
            derived_insert_id("m7", "other", 0)
        );
        Ok(())
    }

    #[test]
    fn identify_becomes_a_form_item_keyed_by_field() -> Result<(), ConfigErrors> {
        let pipeline = pipeline("")?;
        let event = json!({"type": "identify", "userId": "user-1", "anonymousId": "anon-1",
            "traits": {"plan": "pro"}, "messageId": "m2"});
        let routed = route_event(&pipeline, &event, "m2", None);
        assert_eq!(routed.items.len(), 1);
        let item = &routed.items[0];
        let batch_key = BatchKey::decode(&item.batch_key)
            .unwrap_or_else(|| panic!("not an encoded batch key: {}", item.batch_key));
        assert_eq!(batch_key.url, "https://api2.amplitude.com/identify");
        assert_eq!(batch_key.field.as_deref(), Some("identification"));
        assert_eq!(payload(item)["user_id"], "user-1");
        Ok(())
    }

    #[test]
    fn action_errors_are_failures_not_items() -> Result<(), ConfigErrors> {
        // `event_type` is required and this mapping leaves it out.
        let pipeline = pipeline(
            "[[mappings]]\nname = \"no type\"\ntrigger = 'type = \"track\"'\naction = \"logEventV2\"\n\
             mapping = { user_id = { \"@path\" = \"$.userId\" } }\n",
        )?;
        let event = json!({"type": "track", "event": "Clicked", "userId": "u1"});
        let routed = route_event(&pipeline, &event, "m3", None);
        assert_eq!(routed.items, []);
        assert_eq!(routed.failures.len(), 1);
        assert_eq!(routed.failures[0].mapping, "no type");
        assert!(
            routed.failures[0]
                .reason
                .contains("PAYLOAD_VALIDATION_FAILED"),
            "{:?}",
            routed.failures
        );
        Ok(())
    }

    #[test]
    fn unmatched_events_produce_nothing() -> Result<(), ConfigErrors> {
        let pipeline = pipeline("")?;
        let routed = route_event(
            &pipeline,
            &json!({"type": "alias", "userId": "u"}),
            "m",
            None,
        );
        assert_eq!(routed, Routed::default());
        Ok(())
    }

    #[test]
    fn batch_keys_round_trip() {
        let key = BatchKey {
            url: "https://api2.amplitude.com/identify".into(),
            api_key: "K".into(),
            field: Some("identification".into()),
            options: Some("{\"min_id_length\":1}".into()),
        };
        assert_eq!(BatchKey::decode(&key.encode()), Some(key));
    }
}
