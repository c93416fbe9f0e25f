//! The six actions: what each declares, and the one `perform` that turns a validated payload
//! into requests.

use crate::fields::Field;
use crate::js_object::{js_round, replace_first_ignore_ascii_case, truthy, JsObject};
use crate::request::Request;
use crate::schema;
use crate::settings::{Endpoint, Settings};
use crate::user_properties::{
    has_content, merge_user_properties, referrer_operations, utm_operations, without_reserved_keys,
};
use ampline_js::date::{amplitude_event_time, amplitude_session_id, dayjs_utc_value_of};
use ampline_js::number_value;
use ampline_useragent::{parse_user_agent, UserAgentCache, UserAgentFields};
use serde_json::{Map, Value};

/// An action of the Amplitude (Actions) destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    LogEvent,
    LogEventV2,
    LogPurchase,
    IdentifyUser,
    GroupIdentifyUser,
    MapUser,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::LogEvent,
        Action::LogEventV2,
        Action::LogPurchase,
        Action::IdentifyUser,
        Action::GroupIdentifyUser,
        Action::MapUser,
    ];

    /// The action's id as Segment names it (`partnerAction`).
    pub fn id(self) -> &'static str {
        match self {
            Action::LogEvent => "logEvent",
            Action::LogEventV2 => "logEventV2",
            Action::LogPurchase => "logPurchase",
            Action::IdentifyUser => "identifyUser",
            Action::GroupIdentifyUser => "groupIdentifyUser",
            Action::MapUser => "mapUser",
        }
    }

    pub fn from_id(id: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.id() == id)
    }

    pub fn title(self) -> &'static str {
        match self {
            Action::LogEvent => "Log Event",
            Action::LogEventV2 => "Log Event V2",
            Action::LogPurchase => "Log Purchase",
            Action::IdentifyUser => "Identify User",
            Action::GroupIdentifyUser => "Group Identify User",
            Action::MapUser => "Map User",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Action::LogEvent => "Send an event to Amplitude.",
            Action::LogEventV2 => "Send an event to Amplitude",
            Action::LogPurchase => "Send purchase/revenue events to Amplitude. Sends one main event with the original event type and total revenue, plus additional \"Product Purchased\" events for each product in the order.",
            Action::IdentifyUser => "Set the user ID for a particular device ID or update user properties without sending an event to Amplitude.",
            Action::GroupIdentifyUser => "Set or update properties of particular groups. Note that these updates will only affect events going forward.",
            Action::MapUser => "Merge two users together that would otherwise have different User IDs tracked in Amplitude.",
        }
    }

    /// The trigger (FQL) a new mapping of this action starts with.
    pub fn default_trigger(self) -> &'static str {
        match self {
            Action::LogEvent | Action::LogEventV2 | Action::LogPurchase => "type = \"track\"",
            Action::IdentifyUser => "type = \"identify\"",
            Action::GroupIdentifyUser => "type = \"group\"",
            Action::MapUser => "type = \"alias\"",
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Action::LogEvent => schema::LOG_EVENT,
            Action::LogEventV2 => schema::LOG_EVENT_V2,
            Action::LogPurchase => schema::LOG_PURCHASE,
            Action::IdentifyUser => schema::IDENTIFY_USER,
            Action::GroupIdentifyUser => schema::GROUP_IDENTIFY_USER,
            Action::MapUser => schema::MAP_USER,
        }
    }

    /// The mapping made of every field's default, as a preset uses it.
    pub fn default_mapping(self) -> Value {
        Value::Object(crate::fields::default_values(self.fields()))
    }

    /// The requests for one validated payload (the output of
    /// [`validate_payload`](crate::fields::validate_payload) for this action's fields).
    pub fn perform(
        self,
        payload: Map<String, Value>,
        settings: &Settings,
        user_agents: Option<&mut UserAgentCache>,
    ) -> Vec<Request> {
        let input = Input {
            payload,
            settings,
            user_agents,
        };
        match self {
            Action::LogEvent => log_event(input, EventKind::LogEvent),
            Action::LogEventV2 => log_event(input, EventKind::LogEventV2),
            Action::LogPurchase => log_event(input, EventKind::LogPurchase),
            Action::IdentifyUser => identify_user(input),
            Action::GroupIdentifyUser => group_identify_user(input),
            Action::MapUser => map_user(input),
        }
    }
}

struct Input<'a> {
    /// The validated payload; for event and identify actions, only the keys they read
    /// themselves (the rest has been moved into the properties to send).
    payload: Map<String, Value>,
    settings: &'a Settings,
    user_agents: Option<&'a mut UserAgentCache>,
}

impl Input<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.payload.get(key)
    }

    /// The fields parsed from `userAgent`, when `userAgentParsing` is on. All five keys are
    /// returned, `None` ones included, because they fix the keys' places in the event.
    fn user_agent_fields(&mut self) -> Option<UserAgentFields> {
        if !truthy(self.get("userAgentParsing")) {
            return None;
        }
        let user_agent = self.payload.get("userAgent").and_then(Value::as_str)?;
        if user_agent.is_empty() {
            return None;
        }
        let hints = self.payload.get("userAgentData");
        Some(match self.user_agents.as_deref_mut() {
            Some(cache) => cache.get_or_parse(user_agent, hints),
            None => parse_user_agent(user_agent, hints),
        })
    }

    /// `options` when `min_id_length` is a positive number.
    fn options(&self) -> Option<Value> {
        let min_id_length = self.get("min_id_length")?;
        if min_id_length.as_f64().is_some_and(|n| n > 0.0) {
            let mut options = Map::new();
            options.insert("min_id_length".to_owned(), min_id_length.clone());
            Some(Value::Object(options))
        } else {
            None
        }
    }

    fn api_key(&self) -> String {
        self.settings.api_key.expose().to_owned()
    }
}

/// The leading part every event-like object shares: parsed user agent, then the raw one.
fn start_object(input: &mut Input<'_>) -> JsObject {
    let mut object = JsObject::new();
    if let Some(fields) = input.user_agent_fields() {
        object.set("os_name", fields.os_name.map(Value::String));
        object.set("os_version", fields.os_version);
        object.set(
            "device_manufacturer",
            fields.device_manufacturer.map(Value::String),
        );
        object.set("device_model", fields.device_model);
        object.set("device_type", fields.device_type.map(Value::String));
    }
    if truthy(input.get("includeRawUserAgent")) {
        object.set("user_agent", input.get("userAgent").cloned());
    }
    object
}

/// Moves the keys an action sends as they are out of `payload`, in order, leaving the keys it
/// reads itself.
fn take_rest(
    payload: &mut Map<String, Value>,
    reads_itself: impl Fn(&str) -> bool,
) -> Map<String, Value> {
    // Filtering in place keeps the sent keys' entries and hashes; only the few keys an action
    // reads itself are hashed again.
    let mut controls = Vec::new();
    payload.retain(|key, value| {
        if reads_itself(key) {
            controls.push((key.clone(), value.take()));
            false
        } else {
            true
        }
    });
    let rest = std::mem::take(payload);
    *payload = controls.into_iter().collect();
    rest
}

/// `ios` → `iOS`, `android` → `Android` (first match, any case), and `Web` for analytics.js
/// events without a platform.
pub(crate) fn normalise_platform(properties: &mut Map<String, Value>, library: Option<&Value>) {
    if let Some(Value::String(platform)) = properties.get("platform") {
        if !platform.is_empty() {
            let platform = replace_first_ignore_ascii_case(platform, "ios", "iOS");
            let platform = replace_first_ignore_ascii_case(&platform, "android", "Android");
            properties.insert("platform".to_owned(), Value::String(platform));
        }
    }
    let is_analytics_js = library.and_then(Value::as_str) == Some("analytics.js");
    if is_analytics_js && !truthy(properties.get("platform")) {
        properties.insert("platform".to_owned(), Value::from("Web"));
    }
}

/// The `library` an event carries: the mapped one under `library2.behavior = "use_mapping"`
/// (possibly none), `"segment"` otherwise.
pub(crate) fn library_value(library2: Option<&Value>) -> Option<Value> {
    let library2 = library2.and_then(Value::as_object);
    match library2 {
        Some(settings)
            if settings.get("behavior").and_then(Value::as_str) == Some("use_mapping") =>
        {
            settings.get("mapping").cloned()
        }
        _ => Some(Value::from("segment")),
    }
}

/// Revenue fields of an order or a product, in the reference's key order. Price × quantity
/// beats an explicit revenue; no (or zero) revenue means no revenue fields at all.
pub(crate) fn revenue_fields(source: &Map<String, Value>) -> Vec<(&'static str, Option<Value>)> {
    let price = source.get("price").filter(|v| v.is_number());
    let quantity = source.get("quantity").filter(|v| v.is_number());
    let revenue = match (
        price.and_then(Value::as_f64),
        quantity.and_then(Value::as_f64),
    ) {
        (Some(price), Some(quantity)) => Some(number_value(quantity * price)),
        _ => source.get("revenue").cloned(),
    };
    if !truthy(revenue.as_ref()) {
        return Vec::new();
    }
    let revenue_type = match source.get("revenueType") {
        None | Some(Value::Null) => Value::from("Purchase"),
        Some(other) => other.clone(),
    };
    vec![
        ("revenue", revenue),
        ("revenueType", Some(revenue_type)),
        (
            "quantity",
            quantity
                .and_then(Value::as_f64)
                .map(|q| number_value(js_round(q))),
        ),
        ("price", source.get("price").cloned()),
        ("productId", source.get("productId").cloned()),
    ]
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EventKind {
    LogEvent,
    LogEventV2,
    LogPurchase,
}

/// Whether an event action reads `key` itself rather than sending it as it is. The revenue
/// keys are only sent (by Log Purchase) as computed revenue; `use_batch_endpoint` only picks the
/// endpoint, although the reference also sends it along (a documented deviation).
fn event_reads_itself(kind: EventKind, key: &str) -> bool {
    match key {
        "time"
        | "session_id"
        | "userAgent"
        | "userAgentParsing"
        | "includeRawUserAgent"
        | "userAgentData"
        | "min_id_length"
        | "library"
        | "library2"
        | "use_batch_endpoint" => true,
        "revenue" | "price" | "productId" | "quantity" | "revenueType" => true,
        "utm_properties" | "referrer" => kind != EventKind::LogEventV2,
        "setOnce" | "setAlways" | "add" => kind == EventKind::LogEventV2,
        "products" | "trackRevenuePerProduct" => kind == EventKind::LogPurchase,
        _ => false,
    }
}

fn log_event(mut input: Input<'_>, kind: EventKind) -> Vec<Request> {
    let mut properties = take_rest(&mut input.payload, |key| event_reads_itself(kind, key));
    let payload = &input.payload;
    normalise_platform(&mut properties, payload.get("library"));
    if let Some(time) = amplitude_event_time(payload.get("time")) {
        properties.insert("time".to_owned(), number_value(time));
    }
    if let Some(session_id) = amplitude_session_id(payload.get("session_id")) {
        properties.insert("session_id".to_owned(), number_value(session_id));
    }
    match kind {
        EventKind::LogEventV2 => {
            for (operation, field) in [
                ("$setOnce", "setOnce"),
                ("$set", "setAlways"),
                ("$add", "add"),
            ] {
                let value = payload.get(field);
                if !has_content(value) {
                    continue;
                }
                let value = value.cloned().unwrap_or_default();
                // Spreading an object and adding one key to the copy equals adding it in place.
                if let Some(Value::Object(user_properties)) = properties.get_mut("user_properties")
                {
                    user_properties.insert(operation.to_owned(), value);
                } else {
                    let mut user_properties = Map::new();
                    crate::js_object::spread_value(
                        &mut user_properties,
                        properties.get("user_properties"),
                    );
                    user_properties.insert(operation.to_owned(), value);
                    properties.insert("user_properties".to_owned(), Value::Object(user_properties));
                }
            }
        }
        EventKind::LogEvent | EventKind::LogPurchase => {
            apply_utm_and_referrer(&mut properties, payload, UserPropertiesOrder::Last);
        }
    }
    let library = library_value(payload.get("library2"));
    let products: &[Value] = match (kind, payload.get("products")) {
        (EventKind::LogPurchase, Some(Value::Array(products))) => products,
        _ => &[],
    };
    let per_product = truthy(payload.get("trackRevenuePerProduct"));

    // One "Product Purchased" event per product, numbered after the order's own event.
    let insert_id = properties
        .get("insert_id")
        .filter(|id| truthy(Some(id)))
        .map(ampline_js::to_js_string);
    let mut events = Vec::with_capacity(products.len() + 1);
    events.push(Value::Null);
    for product in products {
        let mut event = JsObject::new();
        event.spread(&properties);
        if let (true, Some(product)) = (per_product, product.as_object()) {
            for (key, value) in revenue_fields(product) {
                event.set(key, value);
            }
        }
        event.set("event_properties", Some(product.clone()));
        event.set("event_type", Some(Value::from("Product Purchased")));
        let suffix = events.len() + 1;
        event.set(
            "insert_id",
            insert_id
                .as_ref()
                .map(|id| Value::from(format!("{id}-{suffix}"))),
        );
        event.set("library", library.clone());
        events.push(Value::Object(event.into_map()));
    }

    // With per-product revenue on, the order's own event carries none.
    let revenue_on_order = products.is_empty() || !per_product;
    let order_revenue = if kind == EventKind::LogPurchase && revenue_on_order {
        revenue_fields(payload)
    } else {
        Vec::new()
    };
    let mut first = start_object(&mut input);
    first.spread_owned(properties);
    for (key, value) in order_revenue {
        first.set(key, value);
    }
    first.set("library", library);
    if let Some(slot) = events.first_mut() {
        *slot = Value::Object(first.into_map());
    }
    let payload = &input.payload;

    let endpoint = if truthy(payload.get("use_batch_endpoint")) {
        Endpoint::Batch
    } else {
        Endpoint::HttpApi
    };
    let mut body = Map::new();
    body.insert("api_key".to_owned(), Value::from(input.api_key()));
    body.insert("events".to_owned(), Value::Array(events));
    if let Some(options) = input.options() {
        body.insert("options".to_owned(), options);
    }
    vec![Request::json(
        endpoint.url(input.settings.region),
        Value::Object(body),
    )]
}

/// Where the mapped user properties go when merged with UTM and referrer operations: Log Event
/// and Log Purchase let them override, Identify User lets the operations override.
#[derive(Clone, Copy)]
enum UserPropertiesOrder {
    First,
    Last,
}

fn apply_utm_and_referrer(
    properties: &mut Map<String, Value>,
    payload: &Map<String, Value>,
    order: UserPropertiesOrder,
) {
    let utm = payload.get("utm_properties");
    let has_utm = utm
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty());
    let referrer = payload.get("referrer");
    if !has_utm && !truthy(referrer) {
        return;
    }
    let mapped = without_reserved_keys(properties.get("user_properties"));
    let utm = utm_operations(utm);
    let referrer = referrer_operations(referrer);
    let merged = match order {
        UserPropertiesOrder::First => merge_user_properties(&[mapped, utm, referrer]),
        UserPropertiesOrder::Last => merge_user_properties(&[utm, referrer, mapped]),
    };
    properties.insert("user_properties".to_owned(), Value::Object(merged));
}

fn json_text(value: &Value) -> String {
    let mut out = String::new();
    ampline_js::write_json(&mut out, value);
    out
}

fn form_fields(input: &Input<'_>, key: &str, value: &Value) -> Vec<(String, String)> {
    let mut fields = vec![
        ("api_key".to_owned(), input.api_key()),
        (key.to_owned(), json_text(value)),
    ];
    if let Some(options) = input.options() {
        fields.push(("options".to_owned(), json_text(&options)));
    }
    fields
}

fn identify_user(mut input: Input<'_>) -> Vec<Request> {
    let mut properties = take_rest(&mut input.payload, |key| {
        matches!(
            key,
            "utm_properties"
                | "referrer"
                | "userAgent"
                | "userAgentParsing"
                | "includeRawUserAgent"
                | "userAgentData"
                | "min_id_length"
                | "library"
        )
    });
    normalise_platform(&mut properties, input.payload.get("library"));
    apply_utm_and_referrer(&mut properties, &input.payload, UserPropertiesOrder::First);
    let mut identification = start_object(&mut input);
    identification.spread_owned(properties);
    identification.set("library", Some(Value::from("segment")));
    let identification = Value::Object(identification.into_map());
    vec![Request::form(
        Endpoint::Identify.url(input.settings.region),
        form_fields(&input, "identification", &identification),
    )]
}

fn group_identify_user(input: Input<'_>) -> Vec<Request> {
    let payload = &input.payload;
    let group_type = payload
        .get("group_type")
        .map(ampline_js::to_js_string)
        .unwrap_or_default();
    let group_value = payload.get("group_value").cloned().unwrap_or_default();
    let mut association = Map::new();
    association.insert(group_type, group_value);
    let association = Value::Object(association);

    let mut requests = Vec::with_capacity(2);
    if truthy(payload.get("user_id")) || truthy(payload.get("device_id")) {
        let mut item = JsObject::new();
        item.set("device_id", payload.get("device_id").cloned());
        item.set("groups", Some(association.clone()));
        item.set("insert_id", payload.get("insert_id").cloned());
        item.set("library", Some(Value::from("segment")));
        let time = payload
            .get("time")
            .and_then(dayjs_utc_value_of)
            .map(number_value);
        item.set("time", time);
        item.set("user_id", payload.get("user_id").cloned());
        item.set("user_properties", Some(association.clone()));
        let identification = Value::Array(vec![Value::Object(item.into_map())]);
        requests.push(Request::form(
            Endpoint::Identify.url(input.settings.region),
            form_fields(&input, "identification", &identification),
        ));
    }
    let mut group = JsObject::new();
    group.set("group_properties", payload.get("group_properties").cloned());
    group.set("group_value", payload.get("group_value").cloned());
    group.set("group_type", payload.get("group_type").cloned());
    group.set("library", Some(Value::from("segment")));
    let identification = Value::Array(vec![Value::Object(group.into_map())]);
    requests.push(Request::form(
        Endpoint::GroupIdentify.url(input.settings.region),
        form_fields(&input, "identification", &identification),
    ));
    requests
}

fn map_user(input: Input<'_>) -> Vec<Request> {
    let mapping = Value::Array(vec![Value::Object(input.payload.clone())]);
    vec![Request::form(
        Endpoint::UserMap.url(input.settings.region),
        form_fields(&input, "mapping", &mapping),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn platform(value: Value, library: Option<&str>) -> Option<Value> {
        let mut properties = object(value);
        normalise_platform(&mut properties, library.map(Value::from).as_ref());
        properties.get("platform").cloned()
    }

    #[test]
    fn platforms_are_normalised() {
        assert_eq!(
            platform(json!({"platform": "IOS"}), None),
            Some(json!("iOS"))
        );
        assert_eq!(
            platform(json!({"platform": "my-android-ios"}), None),
            Some(json!("my-Android-iOS"))
        );
        assert_eq!(
            platform(json!({"platform": "server"}), Some("analytics.js")),
            Some(json!("server"))
        );
        assert_eq!(
            platform(json!({}), Some("analytics.js")),
            Some(json!("Web"))
        );
        assert_eq!(platform(json!({}), Some("Analytics.js")), None);
    }

    #[test]
    fn library_follows_library2() {
        assert_eq!(library_value(None), Some(json!("segment")));
        assert_eq!(
            library_value(Some(&json!({"behavior": "auto", "mapping": "x"}))),
            Some(json!("segment"))
        );
        assert_eq!(
            library_value(Some(
                &json!({"behavior": "use_mapping", "mapping": "analytics.js"})
            )),
            Some(json!("analytics.js"))
        );
        assert_eq!(
            library_value(Some(&json!({"behavior": "use_mapping"}))),
            None
        );
    }

    fn revenue(value: Value) -> Value {
        let mut out = JsObject::new();
        for (key, value) in revenue_fields(&object(value)) {
            out.set(key, value);
        }
        Value::Object(out.into_map())
    }

    #[test]
    fn price_times_quantity_beats_revenue() {
        assert_eq!(
            revenue(json!({"price": 2.5, "quantity": 4, "revenue": 1, "productId": "p"})),
            json!({"revenue": 10, "revenueType": "Purchase", "quantity": 4, "price": 2.5, "productId": "p"})
        );
    }

    #[test]
    fn revenue_alone_keeps_its_type() {
        assert_eq!(
            revenue(json!({"revenue": 12, "revenueType": "Refund"})),
            json!({"revenue": 12, "revenueType": "Refund"})
        );
    }

    #[test]
    fn zero_revenue_sends_nothing() {
        assert_eq!(revenue(json!({"revenue": 0})), json!({}));
        assert_eq!(
            revenue(json!({"price": 0, "quantity": 3, "revenue": 5})),
            json!({})
        );
        assert_eq!(revenue(json!({"price": 3})), json!({}));
    }

    #[test]
    fn ids_round_trip() {
        for action in Action::ALL {
            assert_eq!(Action::from_id(action.id()), Some(action));
        }
        assert_eq!(Action::from_id("sessionId"), None);
    }

    #[test]
    fn field_keys_are_unique_per_action() {
        for action in Action::ALL {
            let mut keys: Vec<&str> = action.fields().iter().map(|f| f.key).collect();
            let count = keys.len();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), count, "{}", action.id());
        }
    }

    #[test]
    fn default_triggers_parse() {
        for action in Action::ALL {
            assert!(ampline_fql::Trigger::parse(action.default_trigger()).is_ok());
        }
    }
}
