//! The six actions: what each declares, and the one `perform` that turns a validated payload
//! into requests.

use crate::fields::{Field, Payload};
use crate::js_object::{js_round, replace_first_ignore_ascii_case, truthy, JsObject};
use crate::out_object::{Out, OutObject};
use crate::request::{EventBatch, EventJson, Request};
use crate::schema;
use crate::settings::{Endpoint, Settings};
use crate::user_properties::{
    has_content, merge_user_properties, referrer_operations, utm_operations, without_reserved_keys,
};
use ampline_js::date::{amplitude_event_time, amplitude_session_id, dayjs_utc_value_of};
use ampline_js::number_value;
use ampline_mapping::{Mapped, MappedRef, Shape};
use ampline_useragent::{parse_user_agent, HintOrText, UserAgentCache, UserAgentFields};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

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
        payload: Payload<'_>,
        settings: &Settings,
        user_agents: Option<&mut UserAgentCache>,
    ) -> Vec<Request> {
        let kind = match self {
            Action::LogEvent => EventKind::LogEvent,
            Action::LogEventV2 => EventKind::LogEventV2,
            Action::LogPurchase => EventKind::LogPurchase,
            Action::IdentifyUser | Action::GroupIdentifyUser | Action::MapUser => {
                let input = Input {
                    payload: payload.into_map(),
                    settings,
                    user_agents,
                };
                return match self {
                    Action::IdentifyUser => identify_user(input),
                    Action::GroupIdentifyUser => group_identify_user(input),
                    _ => map_user(input),
                };
            }
        };
        log_event(&payload, kind, settings, user_agents)
    }
}

struct Input<'a> {
    /// The validated payload; for Identify User, only the keys it reads itself (the rest has
    /// been moved into the properties to send).
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
        for (key, value) in fields.into_values() {
            object.set(key, value);
        }
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

/// A key an event action reads itself rather than sending it as it is.
#[derive(Clone, Copy)]
enum Control {
    Time,
    SessionId,
    UserAgent,
    UserAgentParsing,
    IncludeRawUserAgent,
    UserAgentData,
    MinIdLength,
    Library,
    Library2,
    UseBatchEndpoint,
    Revenue,
    Price,
    ProductId,
    Quantity,
    RevenueType,
    UtmProperties,
    Referrer,
    SetOnce,
    SetAlways,
    Add,
    Products,
    TrackRevenuePerProduct,
}

impl Control {
    const COUNT: usize = 22;

    /// What `key` controls in an action of `kind`, if anything. The revenue keys are only sent
    /// (by Log Purchase) as computed revenue; `use_batch_endpoint` only picks the endpoint,
    /// although the reference also sends it along (a documented deviation).
    fn of(kind: EventKind, key: &str) -> Option<Control> {
        use Control::*;
        let v2 = kind == EventKind::LogEventV2;
        let purchase = kind == EventKind::LogPurchase;
        let control = match key {
            "time" => Time,
            "session_id" => SessionId,
            "userAgent" => UserAgent,
            "userAgentParsing" => UserAgentParsing,
            "includeRawUserAgent" => IncludeRawUserAgent,
            "userAgentData" => UserAgentData,
            "min_id_length" => MinIdLength,
            "library" => Library,
            "library2" => Library2,
            "use_batch_endpoint" => UseBatchEndpoint,
            "revenue" => Revenue,
            "price" => Price,
            "productId" => ProductId,
            "quantity" => Quantity,
            "revenueType" => RevenueType,
            "utm_properties" if !v2 => UtmProperties,
            "referrer" if !v2 => Referrer,
            "setOnce" if v2 => SetOnce,
            "setAlways" if v2 => SetAlways,
            "add" if v2 => Add,
            "products" if purchase => Products,
            "trackRevenuePerProduct" if purchase => TrackRevenuePerProduct,
            _ => return None,
        };
        Some(control)
    }
}

/// The values of the keys an event action reads itself, found by one pass over the payload.
struct Controls<'v, 'a> {
    values: [Option<&'v Mapped<'a>>; Control::COUNT],
}

impl<'v, 'a> Controls<'v, 'a> {
    fn get(&self, control: Control) -> Option<&'v Mapped<'a>> {
        self.values.get(control as usize).copied().flatten()
    }

    fn json(&self, control: Control) -> Option<Cow<'v, Value>> {
        self.get(control).map(Mapped::to_json)
    }

    fn truthy(&self, control: Control) -> bool {
        self.get(control).is_some_and(Mapped::is_truthy)
    }

    /// `options` when `min_id_length` is a positive number, as JSON text.
    fn options(&self) -> Option<String> {
        let min_id_length = self.get(Control::MinIdLength)?.as_json()?;
        if min_id_length.as_f64().is_some_and(|n| n > 0.0) {
            let mut options = String::from("{\"min_id_length\":");
            ampline_js::write_json(&mut options, min_id_length);
            options.push('}');
            Some(options)
        } else {
            None
        }
    }

    /// The fields parsed from `userAgent`, when `userAgentParsing` is on.
    fn user_agent_fields(
        &self,
        user_agents: Option<&mut UserAgentCache>,
    ) -> Option<UserAgentFields> {
        if !self.truthy(Control::UserAgentParsing) {
            return None;
        }
        let user_agent = self.get(Control::UserAgent).and_then(Mapped::as_str)?;
        if user_agent.is_empty() {
            return None;
        }
        let hints = self.json(Control::UserAgentData);
        let hints = hints.as_deref();
        Some(match user_agents {
            Some(cache) => cache.get_or_parse(user_agent, hints),
            None => parse_user_agent(user_agent, hints),
        })
    }
}

fn log_event(
    payload: &Payload<'_>,
    kind: EventKind,
    settings: &Settings,
    user_agents: Option<&mut UserAgentCache>,
) -> Vec<Request> {
    let mut controls = Controls {
        values: [None; Control::COUNT],
    };
    let mut properties = OutObject::with_capacity(payload.entries().len() + 4);
    for (key, value) in payload.entries() {
        match Control::of(kind, key) {
            Some(control) => {
                if let Some(slot) = controls.values.get_mut(control as usize) {
                    *slot = Some(value);
                }
            }
            None => properties.push(&**key, Out::Payload(value.view())),
        }
    }
    normalise_platform_out(&mut properties, controls.get(Control::Library));
    if let Some(time) = amplitude_event_time(controls.json(Control::Time).as_deref()) {
        properties.set("time", Out::number(time));
    }
    if let Some(session_id) = amplitude_session_id(controls.json(Control::SessionId).as_deref()) {
        properties.set("session_id", Out::number(session_id));
    }
    match kind {
        EventKind::LogEventV2 => {
            for (operation, field) in [
                ("$setOnce", Control::SetOnce),
                ("$set", Control::SetAlways),
                ("$add", Control::Add),
            ] {
                let Some(value) = controls.get(field).filter(|v| has_content(v.view())) else {
                    continue;
                };
                set_user_property(&mut properties, operation, Out::Payload(value.view()));
            }
        }
        EventKind::LogEvent | EventKind::LogPurchase => {
            let user_properties = properties
                .get("user_properties")
                .and_then(Out::to_json)
                .map(Cow::into_owned);
            let merged = utm_and_referrer(
                user_properties.as_ref(),
                controls.json(Control::UtmProperties).as_deref(),
                controls.json(Control::Referrer).as_deref(),
                UserPropertiesOrder::Last,
            );
            if let Some(merged) = merged {
                properties.set("user_properties", Out::owned(Value::Object(merged)));
            }
        }
    }
    let library = library_out(controls.get(Control::Library2));
    let products: Vec<Value> = match (kind, controls.get(Control::Products)) {
        (EventKind::LogPurchase, Some(products)) => match products.to_json().into_owned() {
            Value::Array(products) => products,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let per_product = controls.truthy(Control::TrackRevenuePerProduct);

    let insert_id = properties
        .get("insert_id")
        .filter(|id| id.is_truthy())
        .and_then(Out::to_json)
        .map(|id| ampline_js::to_js_string(&id));
    // The order's own event first; each product's "Product Purchased" event follows, numbered
    // after it.
    let mut events = Vec::with_capacity(products.len() + 1);
    let mut product_events = Vec::with_capacity(products.len());
    for product in &products {
        let mut event = OutObject::event(properties.len() + 8);
        event.spread(&properties);
        if let (true, Some(product)) = (per_product, product.as_object()) {
            for (key, value) in revenue_fields(product) {
                event.set(key, Out::from_option(value));
            }
        }
        event.set("event_properties", Out::owned(product.clone()));
        event.set("event_type", Out::Text("Product Purchased"));
        let suffix = product_events.len() + 2;
        event.set(
            "insert_id",
            Out::from_option(
                insert_id
                    .as_ref()
                    .map(|id| Value::from(format!("{id}-{suffix}"))),
            ),
        );
        event.set("library", library.clone());
        product_events.push(event_json(&event));
    }

    // With per-product revenue on, the order's own event carries none.
    let revenue_on_order = products.is_empty() || !per_product;
    let mut first = start_event(&controls, user_agents);
    first.spread_owned(properties);
    if kind == EventKind::LogPurchase && revenue_on_order {
        let source = payload_revenue_source(&controls);
        for (key, value) in revenue_fields(&source) {
            first.set(key, Out::from_option(value));
        }
    }
    first.set("library", library);
    events.push(event_json(&first));
    events.extend(product_events);

    let endpoint = if controls.truthy(Control::UseBatchEndpoint) {
        Endpoint::Batch
    } else {
        Endpoint::HttpApi
    };
    vec![Request::events(
        endpoint.url(settings.region),
        EventBatch {
            api_key: settings.api_key.expose().to_owned(),
            events,
            options: controls.options(),
        },
    )]
}

/// The fields of the payload that hold the order's revenue, as an object.
fn payload_revenue_source(controls: &Controls<'_, '_>) -> Map<String, Value> {
    [
        ("price", Control::Price),
        ("quantity", Control::Quantity),
        ("revenue", Control::Revenue),
        ("revenueType", Control::RevenueType),
        ("productId", Control::ProductId),
    ]
    .into_iter()
    .filter_map(|(key, control)| Some((key.to_owned(), controls.json(control)?.into_owned())))
    .collect()
}

/// The leading part of every event: the parsed user agent (all five keys, undefined ones
/// included, because they fix the keys' places), then the raw one.
fn start_event<'v, 'a>(
    controls: &Controls<'v, 'a>,
    user_agents: Option<&mut UserAgentCache>,
) -> OutObject<'v, 'a> {
    let mut object = OutObject::event(48);
    if let Some(fields) = controls.user_agent_fields(user_agents) {
        let text = |text: Option<Arc<str>>| text.map_or(Out::Undefined, Out::Shared);
        let hint_or_text = |value: Option<HintOrText>| match value {
            Some(HintOrText::Hint(hint)) => Out::owned(hint),
            Some(HintOrText::Text(text)) => Out::Shared(text),
            None => Out::Undefined,
        };
        object.push("os_name", text(fields.os_name));
        object.push("os_version", hint_or_text(fields.os_version));
        object.push("device_manufacturer", text(fields.device_manufacturer));
        object.push("device_model", hint_or_text(fields.device_model));
        object.push("device_type", text(fields.device_type));
    }
    if controls.truthy(Control::IncludeRawUserAgent) {
        let raw = controls
            .get(Control::UserAgent)
            .map_or(Out::Undefined, |v| Out::Payload(v.view()));
        object.push("user_agent", raw);
    }
    object
}

/// The event as JSON text, with the ids a sender keys on.
fn event_json(event: &OutObject<'_, '_>) -> EventJson {
    let mut json = String::with_capacity(2048);
    event.write_json(&mut json);
    let id = |key: &str| {
        event
            .get(key)
            .and_then(Out::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
    };
    let has_insert_id = event
        .defined("insert_id")
        .is_some_and(|id| match id.to_json() {
            Some(id) => !id.is_null() && id.as_str() != Some(""),
            None => false,
        });
    EventJson {
        user_id: id("user_id"),
        device_id: id("device_id"),
        has_insert_id,
        json,
    }
}

/// `properties.user_properties[operation] = value`, spreading a `user_properties` that is not
/// an object into a new one first. The new object has room for all three operations (`$setOnce`,
/// `$set`, `$add`).
fn set_user_property<'v, 'a>(
    properties: &mut OutObject<'v, 'a>,
    operation: &'static str,
    value: Out<'v, 'a>,
) {
    match properties.get_mut("user_properties") {
        Some(Out::Object(user_properties)) => user_properties.set(operation, value),
        Some(existing @ Out::Payload(_)) if existing.is_object() => {
            let Out::Payload(object) = existing else {
                return;
            };
            let mut user_properties = OutObject::of_entries(*object);
            user_properties.reserve(3);
            user_properties.set(operation, value);
            *existing = Out::Object(user_properties);
        }
        existing => {
            let mut spread = Map::new();
            let current = existing.and_then(|v| v.to_json()).map(Cow::into_owned);
            crate::js_object::spread_value(&mut spread, current.as_ref());
            let mut user_properties = OutObject::with_capacity(spread.len() + 3);
            for (key, item) in spread {
                user_properties.push(key, Out::owned(item));
            }
            user_properties.set(operation, value);
            properties.set("user_properties", Out::Object(user_properties));
        }
    }
}

/// `normalise_platform` for an event under construction.
fn normalise_platform_out(properties: &mut OutObject<'_, '_>, library: Option<&Mapped<'_>>) {
    let normalised = properties
        .get("platform")
        .and_then(Out::as_str)
        .filter(|platform| !platform.is_empty())
        .map(|platform| {
            let platform = replace_first_ignore_ascii_case(platform, "ios", "iOS");
            replace_first_ignore_ascii_case(&platform, "android", "Android")
        });
    if let Some(platform) = normalised {
        properties.set("platform", Out::String(platform));
    }
    let is_analytics_js = library.and_then(Mapped::as_str) == Some("analytics.js");
    if is_analytics_js && !properties.get("platform").is_some_and(Out::is_truthy) {
        properties.set("platform", Out::Text("Web"));
    }
}

/// The `library` an event carries: the mapped one under `library2.behavior = "use_mapping"`
/// (possibly none), `"segment"` otherwise.
fn library_out<'v, 'a>(library2: Option<&'v Mapped<'a>>) -> Out<'v, 'a> {
    let use_mapping = library2.and_then(|settings| match settings.view().shape() {
        Shape::Object(entries) => {
            let behavior = entries.get("behavior").and_then(MappedRef::as_str);
            (behavior == Some("use_mapping")).then(|| entries.get("mapping"))
        }
        _ => None,
    });
    match use_mapping {
        Some(Some(mapping)) => Out::Payload(mapping),
        Some(None) => Out::Undefined,
        None => Out::Text("segment"),
    }
}

/// Where the mapped user properties go when merged with UTM and referrer operations: Log Event
/// and Log Purchase let them override, Identify User lets the operations override.
#[derive(Clone, Copy)]
enum UserPropertiesOrder {
    First,
    Last,
}

/// The user properties merged with the UTM and referrer operations; `None` when there are none.
fn utm_and_referrer(
    user_properties: Option<&Value>,
    utm: Option<&Value>,
    referrer: Option<&Value>,
    order: UserPropertiesOrder,
) -> Option<Map<String, Value>> {
    let has_utm = utm
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty());
    if !has_utm && !truthy(referrer) {
        return None;
    }
    let mapped = without_reserved_keys(user_properties);
    let utm = utm_operations(utm);
    let referrer = referrer_operations(referrer);
    Some(match order {
        UserPropertiesOrder::First => merge_user_properties(&[mapped, utm, referrer]),
        UserPropertiesOrder::Last => merge_user_properties(&[utm, referrer, mapped]),
    })
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
    let merged = utm_and_referrer(
        properties.get("user_properties"),
        input.payload.get("utm_properties"),
        input.payload.get("referrer"),
        UserPropertiesOrder::First,
    );
    if let Some(merged) = merged {
        properties.insert("user_properties".to_owned(), Value::Object(merged));
    }
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
        let library = |library2: Option<Value>| {
            let mapped = library2.map(Mapped::owned);
            library_out(mapped.as_ref()).to_json().map(Cow::into_owned)
        };
        assert_eq!(library(None), Some(json!("segment")));
        assert_eq!(
            library(Some(json!({"behavior": "auto", "mapping": "x"}))),
            Some(json!("segment"))
        );
        assert_eq!(
            library(Some(
                json!({"behavior": "use_mapping", "mapping": "analytics.js"})
            )),
            Some(json!("analytics.js"))
        );
        assert_eq!(library(Some(json!({"behavior": "use_mapping"}))), None);
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
    fn every_control_has_a_slot() {
        assert_eq!(Control::TrackRevenuePerProduct as usize, Control::COUNT - 1);
        assert!(Control::of(EventKind::LogEventV2, "referrer").is_none());
        assert!(Control::of(EventKind::LogEvent, "referrer").is_some());
        assert!(Control::of(EventKind::LogEvent, "products").is_none());
        assert!(Control::of(EventKind::LogPurchase, "products").is_some());
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
