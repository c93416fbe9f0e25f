//! Every field of the six actions, declared once.
//!
//! Log Event, Log Event V2 and Log Purchase share Segment's event schema (the `event_schema!` macro) and
//! a handful of extras; Identify User, Group Identify User and Map User have their own
//! descriptions for the same keys, so they get their own constants. The field order of each
//! action is the reference's: it decides the order of keys in the default mapping and so in the
//! requests sent.
//!
//! Labels, descriptions and defaults are Segment's, so the UI text and default mappings agree
//! with what users of the Segment destination know. UI-only properties (`depends_on`,
//! `unsafe_hidden`, `defaultObjectUI`) are left out: they do not change what is sent.

use crate::fields::{Choice, DefaultMapping, Field, FieldKind};

/// `$.context.device.id` when present, else `$.anonymousId`.
const DEVICE_ID_OR_ANONYMOUS_ID: DefaultMapping = DefaultMapping::Object(&[(
    "@if",
    DefaultMapping::Object(&[
        ("exists", DefaultMapping::Path("$.context.device.id")),
        ("then", DefaultMapping::Path("$.context.device.id")),
        ("else", DefaultMapping::Path("$.anonymousId")),
    ]),
)]);

/// `$.context.device.advertisingId` when present, else `$.context.device.idfa`.
const ADVERTISING_ID: DefaultMapping = DefaultMapping::Object(&[(
    "@if",
    DefaultMapping::Object(&[
        (
            "exists",
            DefaultMapping::Path("$.context.device.advertisingId"),
        ),
        (
            "then",
            DefaultMapping::Path("$.context.device.advertisingId"),
        ),
        ("else", DefaultMapping::Path("$.context.device.idfa")),
    ]),
)]);

pub const USER_ID: Field = Field::new("user_id", "User ID", FieldKind::String)
    .description("A readable ID specified by you. Must have a minimum length of 5 characters. Required unless device ID is present. **Note:** If you send a request with a user ID that is not in the Amplitude system yet, then the user tied to that ID will not be marked new until their first event.")
    .allow_null()
    .default(DefaultMapping::Path("$.userId"));

pub const DEVICE_ID: Field = Field::new("device_id", "Device ID", FieldKind::String)
    .description("A device-specific identifier, such as the Identifier for Vendor on iOS. Required unless user ID is present. If a device ID is not sent with the event, it will be set to a hashed version of the user ID.")
    .default(DEVICE_ID_OR_ANONYMOUS_ID);

pub const EVENT_TYPE: Field = Field::new("event_type", "Event Type", FieldKind::String)
    .description("A unique identifier for your event.")
    .required()
    .default(DefaultMapping::Path("$.event"));

pub const SESSION_ID: Field = Field::new("session_id", "Session ID", FieldKind::Datetime)
    .description("The start time of the session, necessary if you want to associate events with a particular system. To use automatic Amplitude session tracking in browsers, enable Analytics 2.0 on your connected source.")
    .default(DefaultMapping::Path("$.integrations.Actions Amplitude.session_id"));

pub const TIME: Field = Field::new("time", "Timestamp", FieldKind::Datetime)
    .description("The timestamp of the event. If time is not sent with the event, it will be set to the request upload time.")
    .default(DefaultMapping::Path("$.timestamp"));

pub const EVENT_PROPERTIES: Field = Field::new("event_properties", "Event Properties", FieldKind::Object)
    .description("An object of key-value pairs that represent additional data to be sent along with the event. You can store property values in an array, but note that Amplitude only supports one-dimensional arrays. Date values are transformed into string values. Object depth may not exceed 40 layers.")
    .default(DefaultMapping::Path("$.properties"));

pub const USER_PROPERTIES: Field = Field::new("user_properties", "User Properties", FieldKind::Object)
    .description("An object of key-value pairs that represent additional data tied to the user. You can store property values in an array, but note that Amplitude only supports one-dimensional arrays. Date values are transformed into string values. Object depth may not exceed 40 layers.")
    .default(DefaultMapping::Path("$.traits"));

pub const GROUPS: Field = Field::new("groups", "Groups", FieldKind::Object)
    .description("Groups of users for the event as an event-level group. You can only track up to 5 groups. **Note:** This Amplitude feature is only available to Enterprise customers who have purchased the Accounts add-on.");

pub const APP_VERSION: Field = Field::new("app_version", "App Version", FieldKind::String)
    .description("The current version of your application.")
    .default(DefaultMapping::Path("$.context.app.version"));

pub const PLATFORM: Field = Field::new("platform", "Platform", FieldKind::String)
    .description("Platform of the device. If using analytics.js to send events from a Browser and no if no Platform value is provided, the value \"Web\" will be sent.")
    .default(DefaultMapping::Path("$.context.device.type"));

pub const OS_NAME: Field = Field::new("os_name", "OS Name", FieldKind::String)
    .description("The name of the mobile operating system or browser that the user is using.")
    .default(DefaultMapping::Path("$.context.os.name"));

pub const OS_VERSION: Field = Field::new("os_version", "OS Version", FieldKind::String)
    .description("The version of the mobile operating system or browser the user is using.")
    .default(DefaultMapping::Path("$.context.os.version"));

pub const DEVICE_BRAND: Field = Field::new("device_brand", "Device Brand", FieldKind::String)
    .description("The device brand that the user is using.")
    .default(DefaultMapping::Path("$.context.device.brand"));

pub const DEVICE_MANUFACTURER: Field = Field::new(
    "device_manufacturer",
    "Device Manufacturer",
    FieldKind::String,
)
.description("The device manufacturer that the user is using.")
.default(DefaultMapping::Path("$.context.device.manufacturer"));

pub const DEVICE_MODEL: Field = Field::new("device_model", "Device Model", FieldKind::String)
    .description("The device model that the user is using.")
    .default(DefaultMapping::Path("$.context.device.model"));

pub const CARRIER: Field = Field::new("carrier", "Carrier", FieldKind::String)
    .description("The carrier that the user is using.")
    .default(DefaultMapping::Path("$.context.network.carrier"));

pub const COUNTRY: Field = Field::new("country", "Country", FieldKind::String)
    .description("The current country of the user.")
    .default(DefaultMapping::Path("$.context.location.country"));

pub const REGION: Field = Field::new("region", "Region", FieldKind::String)
    .description("The current region of the user.")
    .default(DefaultMapping::Path("$.context.location.region"));

pub const CITY: Field = Field::new("city", "City", FieldKind::String)
    .description("The current city of the user.")
    .default(DefaultMapping::Path("$.context.location.city"));

pub const DMA: Field = Field::new("dma", "Designated Market Area", FieldKind::String)
    .description("The current Designated Market Area of the user.");

pub const LANGUAGE: Field = Field::new("language", "Language", FieldKind::String)
    .description("The language set by the user.")
    .default(DefaultMapping::Path("$.context.locale"));

pub const PRICE: Field = Field::new("price", "Price", FieldKind::Number)
    .description("The price of the item purchased. Required for revenue data if the revenue field is not sent. You can use negative values to indicate refunds.")
    .default(DefaultMapping::Path("$.properties.price"));

pub const QUANTITY: Field = Field::new("quantity", "Quantity", FieldKind::Integer)
    .description("The quantity of the item purchased. Defaults to 1 if not specified.")
    .default(DefaultMapping::Path("$.properties.quantity"));

pub const REVENUE: Field = Field::new("revenue", "Revenue", FieldKind::Number)
    .description("Revenue = price * quantity. If you send all 3 fields of price, quantity, and revenue, then (price * quantity) will be used as the revenue value. You can use negative values to indicate refunds. **Note:** You will need to explicitly set this if you are using the Amplitude in cloud-mode.")
    .default(DefaultMapping::Path("$.properties.revenue"));

pub const PRODUCT_ID: Field = Field::new("productId", "Product ID", FieldKind::String)
    .description("An identifier for the item purchased. You must send a price and quantity or revenue with this field.")
    .default(DefaultMapping::Path("$.properties.productId"));

pub const REVENUE_TYPE: Field = Field::new("revenueType", "Revenue Type", FieldKind::String)
    .description("The type of revenue for the item purchased. You must send a price and quantity or revenue with this field.")
    .default(DefaultMapping::Path("$.properties.revenueType"));

pub const LOCATION_LAT: Field = Field::new("location_lat", "Latitude", FieldKind::Number)
    .description("The current Latitude of the user.")
    .default(DefaultMapping::Path("$.context.location.latitude"));

pub const LOCATION_LNG: Field = Field::new("location_lng", "Longtitude", FieldKind::Number)
    .description("The current Longitude of the user.")
    .default(DefaultMapping::Path("$.context.location.longitude"));

pub const IP: Field = Field::new("ip", "IP Address", FieldKind::String)
    .description("The IP address of the user. Use \"$remote\" to use the IP address on the upload request. Amplitude will use the IP address to reverse lookup a user's location (city, country, region, and DMA). Amplitude has the ability to drop the location and IP address from events once it reaches our servers. You can submit a request to Amplitude's platform specialist team here to configure this for you.")
    .default(DefaultMapping::Path("$.context.ip"));

pub const IDFA: Field = Field::new(
    "idfa",
    "Identifier For Advertiser (IDFA)",
    FieldKind::String,
)
.description("Identifier for Advertiser. _(iOS)_")
.default(ADVERTISING_ID);

pub const IDFV: Field = Field::new("idfv", "Identifier For Vendor (IDFV)", FieldKind::String)
    .description("Identifier for Vendor. _(iOS)_")
    .default(DefaultMapping::Path("$.context.device.id"));

pub const ADID: Field = Field::new(
    "adid",
    "Google Play Services Advertising ID",
    FieldKind::String,
)
.description("Google Play Services advertising ID. _(Android)_")
.default(ADVERTISING_ID);

pub const ANDROID_ID: Field = Field::new("android_id", "Android ID", FieldKind::String)
    .description("Android ID (not the advertising ID). _(Android)_");

pub const EVENT_ID: Field = Field::new("event_id", "Event ID", FieldKind::Integer)
    .description("An incrementing counter to distinguish events with the same user ID and timestamp from each other. Amplitude recommends you send an event ID, increasing over time, especially if you expect events to occur simultanenously.");

pub const INSERT_ID: Field = Field::new("insert_id", "Insert ID", FieldKind::String)
    .description("Amplitude will deduplicate subsequent events sent with this ID we have already seen before within the past 7 days. Amplitude recommends generating a UUID or using some combination of device ID, user ID, event type, event ID, and time.");

pub const LIBRARY: Field = Field::new("library", "HIDDEN: Library", FieldKind::String)
    .description("HIDDEN: The name of the library that generated the event.")
    .default(DefaultMapping::Path("$.context.library.name"));

pub const LIBRARY2: Field = Field::new("library2", "Library Settings", FieldKind::Object)
    .description("Specifies the \"library\" value to send to Amplitude. Select \"Use Mapping\" to set the value from the \"Library Mapping\" field. \"Legacy Behaviour\" sets the value to \"segment\".")
    .properties(LIBRARY2_PROPERTIES)
    .default(DefaultMapping::Object(&[("behavior", DefaultMapping::Text("use_mapping")), ("mapping", DefaultMapping::Path("$.context.library.name"))]));

pub const PRODUCTS: Field = Field::new("products", "Products", FieldKind::Object)
    .description("The list of products purchased.")
    .multiple()
    .properties(PRODUCTS_PROPERTIES)
    .additional_properties()
    .default(DefaultMapping::Object(&[(
        "@arrayPath",
        DefaultMapping::Array(&[
            DefaultMapping::Text("$.properties.products"),
            DefaultMapping::Object(&[
                ("price", DefaultMapping::Path("price")),
                ("revenue", DefaultMapping::Path("revenue")),
                ("quantity", DefaultMapping::Path("quantity")),
                ("productId", DefaultMapping::Path("productId")),
                ("revenueType", DefaultMapping::Path("revenueType")),
            ]),
        ]),
    )]));

pub const USE_BATCH_ENDPOINT: Field = Field::new("use_batch_endpoint", "Use Batch Endpoint", FieldKind::Boolean)
    .description("If true, events are sent to Amplitude's `batch` endpoint rather than their `httpapi` events endpoint. Enabling this setting may help reduce 429s – or throttling errors – from Amplitude. More information about Amplitude's throttling is available in [their docs](https://developers.amplitude.com/docs/batch-event-upload-api#429s-in-depth).")
    .default(DefaultMapping::Bool(false));

pub const USER_AGENT: Field = Field::new("userAgent", "User Agent", FieldKind::String)
    .description("The user agent of the device sending the event.")
    .default(DefaultMapping::Path("$.context.userAgent"));

pub const USER_AGENT_PARSING: Field = Field::new("userAgentParsing", "User Agent Parsing", FieldKind::Boolean)
    .description("Enabling this setting will set the Device manufacturer, Device Model and OS Name properties based on the user agent string provided in the userAgent field")
    .default(DefaultMapping::Bool(true));

pub const INCLUDE_RAW_USER_AGENT: Field = Field::new("includeRawUserAgent", "Include Raw User Agent", FieldKind::Boolean)
    .description("Enabling this setting will send user_agent based on the raw user agent string provided in the userAgent field")
    .default(DefaultMapping::Bool(false));

pub const UTM_PROPERTIES: Field = Field::new("utm_properties", "UTM Properties", FieldKind::Object)
    .description("UTM Tracking Properties")
    .properties(UTM_PROPERTIES_PROPERTIES)
    .default(DefaultMapping::Object(&[
        (
            "utm_source",
            DefaultMapping::Path("$.context.campaign.source"),
        ),
        (
            "utm_medium",
            DefaultMapping::Path("$.context.campaign.medium"),
        ),
        (
            "utm_campaign",
            DefaultMapping::Path("$.context.campaign.name"),
        ),
        ("utm_term", DefaultMapping::Path("$.context.campaign.term")),
        (
            "utm_content",
            DefaultMapping::Path("$.context.campaign.content"),
        ),
    ]));

pub const REFERRER: Field = Field::new("referrer", "Referrer", FieldKind::String)
    .description("The referrer of the web request. Sent to Amplitude as both last touch “referrer” and first touch “initial_referrer”")
    .default(DefaultMapping::Path("$.context.page.referrer"));

pub const MIN_ID_LENGTH_LEGACY: Field = Field::new("min_id_length", "Minimum ID Length", FieldKind::Integer)
    .description("Amplitude has a default minimum id lenght of 5 characters for user_id and device_id fields. This field allows the minimum to be overridden to allow shorter id lengths.")
    .allow_null();

pub const USER_AGENT_DATA: Field =
    Field::new("userAgentData", "User Agent Data", FieldKind::Object)
        .description("The user agent data of device sending the event")
        .properties(USER_AGENT_DATA_PROPERTIES)
        .default(DefaultMapping::Object(&[
            (
                "model",
                DefaultMapping::Path("$.context.userAgentData.model"),
            ),
            (
                "platformVersion",
                DefaultMapping::Path("$.context.userAgentData.platformVersion"),
            ),
        ]));

pub const USER_ID_IDENTIFY_USER: Field = Field::new("user_id", "User ID", FieldKind::String)
    .description("A UUID (unique user ID) specified by you. **Note:** If you send a request with a user ID that is not in the Amplitude system yet, then the user tied to that ID will not be marked new until their first event. Required unless device ID is present.")
    .allow_null()
    .default(DefaultMapping::Path("$.userId"));

pub const DEVICE_ID_IDENTIFY_USER: Field = Field::new("device_id", "Device ID", FieldKind::String)
    .description("A device specific identifier, such as the Identifier for Vendor (IDFV) on iOS. Required unless user ID is present.")
    .default(DEVICE_ID_OR_ANONYMOUS_ID);

pub const USER_PROPERTIES_IDENTIFY_USER: Field = Field::new("user_properties", "User Properties", FieldKind::Object)
    .description("Additional data tied to the user in Amplitude. Each distinct value will show up as a user segment on the Amplitude dashboard. Object depth may not exceed 40 layers. **Note:** You can store property values in an array and date values are transformed into string values.")
    .default(DefaultMapping::Path("$.traits"));

pub const GROUPS_IDENTIFY_USER: Field = Field::new("groups", "Groups", FieldKind::Object)
    .description("Groups of users for Amplitude's account-level reporting feature. Note: You can only track up to 5 groups. Any groups past that threshold will not be tracked. **Note:** This feature is only available to Amplitude Enterprise customers who have purchased the Amplitude Accounts add-on.");

pub const APP_VERSION_IDENTIFY_USER: Field =
    Field::new("app_version", "App Version", FieldKind::String)
        .description("Version of the app the user is on.")
        .default(DefaultMapping::Path("$.context.app.version"));

pub const PLATFORM_IDENTIFY_USER: Field = Field::new("platform", "Platform", FieldKind::String)
    .description("The platform of the user's device.")
    .default(DefaultMapping::Path("$.context.device.type"));

pub const OS_NAME_IDENTIFY_USER: Field = Field::new("os_name", "OS Name", FieldKind::String)
    .description("The mobile operating system or browser of the user's device.")
    .default(DefaultMapping::Path("$.context.os.name"));

pub const OS_VERSION_IDENTIFY_USER: Field =
    Field::new("os_version", "OS Version", FieldKind::String)
        .description("The version of the mobile operating system or browser of the user's device.")
        .default(DefaultMapping::Path("$.context.os.version"));

pub const DEVICE_BRAND_IDENTIFY_USER: Field =
    Field::new("device_brand", "Device Brand", FieldKind::String)
        .description("The brand of user's the device.")
        .default(DefaultMapping::Path("$.context.device.brand"));

pub const DEVICE_MANUFACTURER_IDENTIFY_USER: Field = Field::new(
    "device_manufacturer",
    "Device Manufacturer",
    FieldKind::String,
)
.description("The manufacturer of the user's device.")
.default(DefaultMapping::Path("$.context.device.manufacturer"));

pub const DEVICE_MODEL_IDENTIFY_USER: Field =
    Field::new("device_model", "Device Model", FieldKind::String)
        .description("The model of the user's device.")
        .default(DefaultMapping::Path("$.context.device.model"));

pub const CARRIER_IDENTIFY_USER: Field = Field::new("carrier", "Carrier", FieldKind::String)
    .description("The user's mobile carrier.")
    .default(DefaultMapping::Path("$.context.network.carrier"));

pub const COUNTRY_IDENTIFY_USER: Field = Field::new("country", "Country", FieldKind::String)
    .description("The country in which the user is located.")
    .default(DefaultMapping::Path("$.context.location.country"));

pub const REGION_IDENTIFY_USER: Field = Field::new("region", "Region", FieldKind::String)
    .description("The geographical region in which the user is located.")
    .default(DefaultMapping::Path("$.context.location.region"));

pub const CITY_IDENTIFY_USER: Field = Field::new("city", "City", FieldKind::String)
    .description("The city in which the user is located.")
    .default(DefaultMapping::Path("$.context.location.city"));

pub const DMA_IDENTIFY_USER: Field = Field::new("dma", "Designated Market Area", FieldKind::String)
    .description("The Designated Market Area in which the user is located.");

pub const LANGUAGE_IDENTIFY_USER: Field = Field::new("language", "Language", FieldKind::String)
    .description("Language the user has set on their device or browser.")
    .default(DefaultMapping::Path("$.context.locale"));

pub const PAYING: Field = Field::new("paying", "Is Paying", FieldKind::Boolean)
    .description("Whether the user is paying or not.");

pub const START_VERSION: Field = Field::new("start_version", "Initial Version", FieldKind::String)
    .description("The version of the app the user was first on.");

pub const MIN_ID_LENGTH: Field = Field::new("min_id_length", "Minimum ID Length", FieldKind::Integer)
    .description("Amplitude has a default minimum id length of 5 characters for user_id and device_id fields. This field allows the minimum to be overridden to allow shorter id lengths.")
    .allow_null();

pub const LIBRARY_IDENTIFY_USER: Field = Field::new("library", "Library", FieldKind::String)
    .description("The name of the library that generated the event.")
    .default(DefaultMapping::Path("$.context.library.name"));

pub const USER_ID_MAP_USER: Field = Field::new("user_id", "User ID", FieldKind::String)
    .description("The User ID to be associated.")
    .default(DefaultMapping::Path("$.previousId"));

pub const GLOBAL_USER_ID: Field = Field::new("global_user_id", "Global User ID", FieldKind::String)
    .description("The Global User ID to associate with the User ID.")
    .default(DefaultMapping::Path("$.userId"));

pub const MIN_ID_LENGTH_MAP_USER: Field = Field::new("min_id_length", "Minimum ID Length", FieldKind::Integer)
    .description("Amplitude has a default minimum id length (`min_id_length`) of 5 characters for user_id and device_id fields. This field allows the minimum to be overridden to allow shorter id lengths.")
    .allow_null();

pub const USER_ID_GROUP_IDENTIFY_USER: Field = Field::new("user_id", "User ID", FieldKind::String)
    .description("A UUID (unique user ID) specified by you. **Note:** If you send a request with a user ID that is not in the Amplitude system yet, then the user tied to that ID will not be marked new until their first event. If either user ID or device ID is present, an associate user to group call will be made.")
    .allow_null()
    .default(DefaultMapping::Path("$.userId"));

pub const DEVICE_ID_GROUP_IDENTIFY_USER: Field = Field::new("device_id", "Device ID", FieldKind::String)
    .description("A device specific identifier, such as the Identifier for Vendor (IDFV) on iOS. If either user ID or device ID is present, an associate user to group call will be made.")
    .default(DEVICE_ID_OR_ANONYMOUS_ID);

pub const TIME_GROUP_IDENTIFY_USER: Field = Field::new("time", "Timestamp", FieldKind::String)
    .description("The timestamp of the event. If time is not sent with the event, it will be set to the request upload time.")
    .default(DefaultMapping::Path("$.timestamp"));

pub const GROUP_PROPERTIES: Field =
    Field::new("group_properties", "Group Properties", FieldKind::Object)
        .description("Additional data tied to the group in Amplitude.")
        .default(DefaultMapping::Path("$.traits"));

pub const GROUP_TYPE: Field = Field::new("group_type", "Group Type", FieldKind::String)
    .description("The type of the group")
    .required();

pub const GROUP_VALUE: Field = Field::new("group_value", "Group Value", FieldKind::String)
    .description("The value of the group")
    .required();

pub const TRACK_REVENUE_PER_PRODUCT: Field = Field::new("trackRevenuePerProduct", "Track Revenue Per Product", FieldKind::Boolean)
    .description("When enabled, track revenue with each product within the event. When disabled, track total revenue once for the event.")
    .default(DefaultMapping::Bool(false));

pub const SET_ONCE: Field = Field::new("setOnce", "Set Once", FieldKind::Object)
    .description("The following fields will only be set as user properties if they do not already have a value.")
    .properties(SET_ONCE_PROPERTIES)
    .additional_properties()
    .default(DefaultMapping::Object(&[("initial_referrer", DefaultMapping::Path("$.context.page.referrer")), ("initial_utm_source", DefaultMapping::Path("$.context.campaign.source")), ("initial_utm_medium", DefaultMapping::Path("$.context.campaign.medium")), ("initial_utm_campaign", DefaultMapping::Path("$.context.campaign.name")), ("initial_utm_term", DefaultMapping::Path("$.context.campaign.term")), ("initial_utm_content", DefaultMapping::Path("$.context.campaign.content"))]));

pub const SET_ALWAYS: Field = Field::new("setAlways", "Set Always", FieldKind::Object)
    .description("The following fields will be set as user properties for every event.")
    .properties(SET_ALWAYS_PROPERTIES)
    .additional_properties()
    .default(DefaultMapping::Object(&[
        ("referrer", DefaultMapping::Path("$.context.page.referrer")),
        (
            "utm_source",
            DefaultMapping::Path("$.context.campaign.source"),
        ),
        (
            "utm_medium",
            DefaultMapping::Path("$.context.campaign.medium"),
        ),
        (
            "utm_campaign",
            DefaultMapping::Path("$.context.campaign.name"),
        ),
        ("utm_term", DefaultMapping::Path("$.context.campaign.term")),
        (
            "utm_content",
            DefaultMapping::Path("$.context.campaign.content"),
        ),
    ]));

pub const ADD: Field = Field::new("add", "Add", FieldKind::Object)
    .description("Increment a user property by a number with add. If the user property doesn't have a value set yet, it's initialized to 0.")
    .additional_properties();

pub const USER_AGENT_PARSING_LOG_EVENT_V2: Field = Field::new("userAgentParsing", "User Agent Parsing", FieldKind::Boolean)
    .description("Enabling this setting will set the Device manufacturer, Device Model and OS Name properties based on the user agent string provided in the userAgent field.")
    .default(DefaultMapping::Bool(true));
const LIBRARY2_PROPERTIES: &[Field] = &[
    Field::new("behavior", "Behavior", FieldKind::String)
        .description("Configure how to set the library value.")
        .choices(&[Choice::labelled("Auto", "auto"), Choice::labelled("Use Mapping", "use_mapping")]),
    Field::new("mapping", "Library Mapping", FieldKind::String)
        .description("The library value to send to Amplitude. Only used when the \"Behavior\" field is set to \"Use Mapping\"."),
];

const PRODUCTS_PROPERTIES: &[Field] = &[
    Field::new("price", "Price", FieldKind::Number)
        .description("The price of the item purchased. Required for revenue data if the revenue field is not sent. You can use negative values to indicate refunds."),
    Field::new("quantity", "Quantity", FieldKind::Integer)
        .description("The quantity of the item purchased. Defaults to 1 if not specified."),
    Field::new("revenue", "Revenue", FieldKind::Number)
        .description("Revenue = price * quantity. If you send all 3 fields of price, quantity, and revenue, then (price * quantity) will be used as the revenue value. You can use negative values to indicate refunds."),
    Field::new("productId", "Product ID", FieldKind::String)
        .description("An identifier for the item purchased. You must send a price and quantity or revenue with this field."),
    Field::new("revenueType", "Revenue Type", FieldKind::String)
        .description("The type of revenue for the item purchased. You must send a price and quantity or revenue with this field."),
];

const UTM_PROPERTIES_PROPERTIES: &[Field] = &[
    Field::new("utm_source", "UTM Source", FieldKind::String),
    Field::new("utm_medium", "UTM Medium", FieldKind::String),
    Field::new("utm_campaign", "UTM Campaign", FieldKind::String),
    Field::new("utm_term", "UTM Term", FieldKind::String),
    Field::new("utm_content", "UTM Content", FieldKind::String),
];

const USER_AGENT_DATA_PROPERTIES: &[Field] = &[
    Field::new("model", "Model", FieldKind::String),
    Field::new("platformVersion", "PlatformVersion", FieldKind::String),
];

const SET_ONCE_PROPERTIES: &[Field] = &[
    Field::new("initial_referrer", "Initial Referrer", FieldKind::String)
        .description("The referrer of the web request."),
    Field::new(
        "initial_utm_source",
        "Initial UTM Source",
        FieldKind::String,
    ),
    Field::new(
        "initial_utm_medium",
        "Initial UTM Medium",
        FieldKind::String,
    ),
    Field::new(
        "initial_utm_campaign",
        "Initial UTM Campaign",
        FieldKind::String,
    ),
    Field::new("initial_utm_term", "Initial UTM Term", FieldKind::String),
    Field::new(
        "initial_utm_content",
        "Initial UTM Content",
        FieldKind::String,
    ),
];

const SET_ALWAYS_PROPERTIES: &[Field] = &[
    Field::new("referrer", "Referrer", FieldKind::String),
    Field::new("utm_source", "UTM Source", FieldKind::String),
    Field::new("utm_medium", "UTM Medium", FieldKind::String),
    Field::new("utm_campaign", "UTM Campaign", FieldKind::String),
    Field::new("utm_term", "UTM Term", FieldKind::String),
    Field::new("utm_content", "UTM Content", FieldKind::String),
];

/// Segment's shared event schema (`event-schema.ts`), followed by whatever an action adds.
macro_rules! event_schema {
    ($($extra:expr),* $(,)?) => {
        &[
            USER_ID, DEVICE_ID, EVENT_TYPE, SESSION_ID, TIME, EVENT_PROPERTIES, USER_PROPERTIES,
            GROUPS, APP_VERSION, PLATFORM, OS_NAME, OS_VERSION, DEVICE_BRAND, DEVICE_MANUFACTURER,
            DEVICE_MODEL, CARRIER, COUNTRY, REGION, CITY, DMA, LANGUAGE, PRICE, QUANTITY, REVENUE,
            PRODUCT_ID, REVENUE_TYPE, LOCATION_LAT, LOCATION_LNG, IP, IDFA, IDFV, ADID, ANDROID_ID,
            EVENT_ID, INSERT_ID, LIBRARY, LIBRARY2, $($extra),*
        ]
    };
}

pub const LOG_EVENT: &[Field] = event_schema![
    PRODUCTS,
    USE_BATCH_ENDPOINT,
    USER_AGENT,
    USER_AGENT_PARSING,
    INCLUDE_RAW_USER_AGENT,
    UTM_PROPERTIES,
    REFERRER,
    MIN_ID_LENGTH_LEGACY,
    USER_AGENT_DATA,
];

pub const LOG_EVENT_V2: &[Field] = event_schema![
    PRODUCTS,
    SET_ONCE,
    SET_ALWAYS,
    ADD,
    USE_BATCH_ENDPOINT,
    USER_AGENT,
    USER_AGENT_PARSING_LOG_EVENT_V2,
    INCLUDE_RAW_USER_AGENT,
    MIN_ID_LENGTH,
    USER_AGENT_DATA,
];

/// Log Purchase puts its one extra field first, so it cannot use `event_schema!`.
pub const LOG_PURCHASE: &[Field] = &[
    TRACK_REVENUE_PER_PRODUCT,
    USER_ID,
    DEVICE_ID,
    EVENT_TYPE,
    SESSION_ID,
    TIME,
    EVENT_PROPERTIES,
    USER_PROPERTIES,
    GROUPS,
    APP_VERSION,
    PLATFORM,
    OS_NAME,
    OS_VERSION,
    DEVICE_BRAND,
    DEVICE_MANUFACTURER,
    DEVICE_MODEL,
    CARRIER,
    COUNTRY,
    REGION,
    CITY,
    DMA,
    LANGUAGE,
    PRICE,
    QUANTITY,
    REVENUE,
    PRODUCT_ID,
    REVENUE_TYPE,
    LOCATION_LAT,
    LOCATION_LNG,
    IP,
    IDFA,
    IDFV,
    ADID,
    ANDROID_ID,
    EVENT_ID,
    INSERT_ID,
    LIBRARY,
    LIBRARY2,
    PRODUCTS,
    USE_BATCH_ENDPOINT,
    USER_AGENT,
    USER_AGENT_PARSING,
    INCLUDE_RAW_USER_AGENT,
    UTM_PROPERTIES,
    REFERRER,
    MIN_ID_LENGTH_LEGACY,
    USER_AGENT_DATA,
];

pub const IDENTIFY_USER: &[Field] = &[
    USER_ID_IDENTIFY_USER,
    DEVICE_ID_IDENTIFY_USER,
    USER_PROPERTIES_IDENTIFY_USER,
    GROUPS_IDENTIFY_USER,
    APP_VERSION_IDENTIFY_USER,
    PLATFORM_IDENTIFY_USER,
    OS_NAME_IDENTIFY_USER,
    OS_VERSION_IDENTIFY_USER,
    DEVICE_BRAND_IDENTIFY_USER,
    DEVICE_MANUFACTURER_IDENTIFY_USER,
    DEVICE_MODEL_IDENTIFY_USER,
    CARRIER_IDENTIFY_USER,
    COUNTRY_IDENTIFY_USER,
    REGION_IDENTIFY_USER,
    CITY_IDENTIFY_USER,
    DMA_IDENTIFY_USER,
    LANGUAGE_IDENTIFY_USER,
    PAYING,
    START_VERSION,
    INSERT_ID,
    USER_AGENT,
    USER_AGENT_PARSING,
    INCLUDE_RAW_USER_AGENT,
    UTM_PROPERTIES,
    REFERRER,
    MIN_ID_LENGTH,
    LIBRARY_IDENTIFY_USER,
    USER_AGENT_DATA,
];

pub const GROUP_IDENTIFY_USER: &[Field] = &[
    USER_ID_GROUP_IDENTIFY_USER,
    DEVICE_ID_GROUP_IDENTIFY_USER,
    INSERT_ID,
    TIME_GROUP_IDENTIFY_USER,
    GROUP_PROPERTIES,
    GROUP_TYPE,
    GROUP_VALUE,
    MIN_ID_LENGTH,
];

pub const MAP_USER: &[Field] = &[USER_ID_MAP_USER, GLOBAL_USER_ID, MIN_ID_LENGTH_MAP_USER];
