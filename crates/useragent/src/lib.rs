//! User-agent parsing that agrees with Segment's Amplitude (Actions) destination.
//!
//! When "parse user agent" is on, the destination fills `os_name`, `os_version`,
//! `device_manufacturer`, `device_model` and `device_type` from the event's user agent with
//! `@amplitude/ua-parser-js` 0.7.25, preferring the client hints in `context.userAgentData`
//! for the version and model. Amplitude dashboards group by those strings, so a router that
//! replaces Segment must produce the very same strings, quirks included (the "OS version" is
//! the *browser's* major version unless a client hint says otherwise).
//!
//! The crate has three layers:
//! - `jsregex`: a small matcher for the JavaScript regular expressions the reference uses,
//!   with JavaScript's semantics (lookahead, back-references, ASCII-only `\w` and case
//!   folding, UTF-16 units), guarded by a `regex`-crate pre-check that keeps it fast;
//! - `tables`: the reference's detection rules as data, first match wins;
//! - this module: applying the rules and combining them with the client hints exactly as the
//!   destination does, plus [`UserAgentCache`], since real traffic repeats a few user agents.
//!
//! Everything is pure: no I/O, no global mutable state (the compiled tables are built once,
//! lazily, and never change).

mod jsregex;
mod tables;

use foldhash::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use jsregex::{Haystack, JsRegex};
use tables::{Field, Prop, Rule, Transform};

/// The fields the Amplitude destination adds to an event from its user agent.
///
/// `None` means the destination leaves the key out of the event (JavaScript `undefined`).
/// Texts found in the user agent are shared with the cache, not copied for each event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserAgentFields {
    pub os_name: Option<Arc<str>>,
    pub os_version: Option<HintOrText>,
    pub device_manufacturer: Option<Arc<str>>,
    pub device_model: Option<HintOrText>,
    pub device_type: Option<Arc<str>>,
}

/// `os_version` and `device_model`: whatever JSON the client hint carried when it was present,
/// and otherwise a text found in the user agent.
#[derive(Debug, Clone, PartialEq)]
pub enum HintOrText {
    Hint(Value),
    Text(Arc<str>),
}

impl HintOrText {
    pub fn into_value(self) -> Value {
        match self {
            HintOrText::Hint(value) => value,
            HintOrText::Text(text) => Value::from(&*text),
        }
    }
}

impl UserAgentFields {
    /// Every field as JSON in the destination's key order, `None` where it is left out.
    pub fn into_values(self) -> [(&'static str, Option<Value>); 5] {
        let text = |text: Option<Arc<str>>| text.map(|text| Value::from(&*text));
        [
            ("os_name", text(self.os_name)),
            ("os_version", self.os_version.map(HintOrText::into_value)),
            ("device_manufacturer", text(self.device_manufacturer)),
            (
                "device_model",
                self.device_model.map(HintOrText::into_value),
            ),
            ("device_type", text(self.device_type)),
        ]
    }

    /// The present fields as `(key, value)` pairs in the destination's key order.
    pub fn into_pairs(self) -> impl Iterator<Item = (&'static str, Value)> {
        self.into_values()
            .into_iter()
            .filter_map(|(key, value)| value.map(|v| (key, v)))
    }
}

/// What the reference's parser reports about one user agent, before client hints apply.
/// This is the part worth caching: it depends on the user-agent string alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Detected {
    browser_name: Option<Arc<str>>,
    browser_major: Option<Arc<str>>,
    os_name: Option<Arc<str>>,
    device_vendor: Option<Arc<str>>,
    device_model: Option<Arc<str>>,
    device_type: Option<Arc<str>>,
}

/// The destination's fields for `user_agent`, given the event's client hints (the mapped
/// `userAgentData` object, `{ model, platformVersion }`), if any.
///
/// An empty user agent yields no fields at all, whatever the client hints say.
pub fn parse_user_agent(user_agent: &str, user_agent_data: Option<&Value>) -> UserAgentFields {
    if user_agent.is_empty() {
        return UserAgentFields::default();
    }
    combine(&detect(user_agent), user_agent_data)
}

/// The destination's `a ?? b` on a client hint: `null` and missing both fall through, and
/// only an object has properties to read.
fn client_hint<'v>(user_agent_data: Option<&'v Value>, key: &str) -> Option<&'v Value> {
    match user_agent_data?.as_object()?.get(key)? {
        Value::Null => None,
        value => Some(value),
    }
}

fn combine(detected: &Detected, user_agent_data: Option<&Value>) -> UserAgentFields {
    let hint_or = |key: &str, text: Option<&Arc<str>>| match client_hint(user_agent_data, key) {
        Some(hint) => Some(HintOrText::Hint(hint.clone())),
        None => text.cloned().map(HintOrText::Text),
    };
    UserAgentFields {
        os_name: detected
            .os_name
            .clone()
            .or_else(|| detected.browser_name.clone()),
        os_version: hint_or("platformVersion", detected.browser_major.as_ref()),
        device_manufacturer: detected.device_vendor.clone(),
        device_model: hint_or(
            "model",
            detected.device_model.as_ref().or(detected.os_name.as_ref()),
        ),
        device_type: detected.device_type.clone(),
    }
}

/// Longer user agents are cut to this many UTF-16 units after trimming, as the reference
/// does to bound its regular expressions' work.
const MAX_USER_AGENT_UNITS: usize = 255;

fn detect(user_agent: &str) -> Detected {
    let mut units: Vec<u16> = user_agent.encode_utf16().collect();
    if units.len() > MAX_USER_AGENT_UNITS {
        units = ampline_js::js_trim(user_agent)
            .encode_utf16()
            .take(MAX_USER_AGENT_UNITS)
            .collect();
    }
    let haystack = Haystack::new(units);
    let tables = compiled_tables();
    let browser = apply_rules(&tables.browser, &haystack);
    let os = apply_rules(&tables.os, &haystack);
    let device = apply_rules(&tables.device, &haystack);
    let shared = |text: Option<String>| text.map(Arc::from);
    Detected {
        browser_major: browser.version.as_deref().map(majorize).map(Arc::from),
        browser_name: shared(browser.name),
        os_name: shared(os.name),
        device_vendor: shared(device.vendor),
        device_model: shared(device.model),
        device_type: shared(device.device_type),
    }
}

/// The major version as the reference computes it: drop everything but digits and dots,
/// keep what precedes the first dot (possibly an empty string).
fn majorize(version: &str) -> String {
    version
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .take_while(|c| *c != '.')
        .collect()
}

/// One table ready to run: its patterns in order, each with the properties of its rule,
/// and all their pre-checks combined so one pass over the text rules most of them out.
struct CompiledTable {
    patterns: Vec<(JsRegex, &'static [Prop])>,
    prechecks: Option<regex::bytes::RegexSet>,
}

struct CompiledTables {
    browser: CompiledTable,
    os: CompiledTable,
    device: CompiledTable,
}

fn compile(rules: &'static [Rule]) -> CompiledTable {
    let patterns: Vec<(JsRegex, &'static [Prop])> = rules
        .iter()
        .flat_map(|rule| {
            // Every pattern compiles (a unit test holds the tables to that); one that did
            // not would simply never match.
            rule.patterns
                .iter()
                .filter_map(|p| JsRegex::new(p).ok())
                .map(|regex| (regex, rule.props))
        })
        .collect();
    // Without the combined pre-check every pattern's own pre-check still runs, so failing
    // to build it (it never does within this size limit) only costs speed. The lazy DFA's
    // cache (per thread) gets 8 MiB instead of the default 2: with ~150 patterns the
    // default thrashes on long-tail user agents and parsing gets about twice as slow.
    let prechecks =
        regex::bytes::RegexSetBuilder::new(patterns.iter().map(|(r, _)| r.precheck_source()))
            .unicode(false)
            .size_limit(1 << 26)
            .dfa_size_limit(1 << 23)
            .build()
            .ok();
    CompiledTable {
        patterns,
        prechecks,
    }
}

fn compiled_tables() -> &'static CompiledTables {
    static TABLES: OnceLock<CompiledTables> = OnceLock::new();
    TABLES.get_or_init(|| CompiledTables {
        browser: compile(tables::BROWSER),
        os: compile(tables::OS),
        device: compile(tables::DEVICE),
    })
}

/// The properties one table assigns.
#[derive(Debug, Default)]
struct Assigned {
    name: Option<String>,
    version: Option<String>,
    vendor: Option<String>,
    model: Option<String>,
    device_type: Option<String>,
}

impl Assigned {
    fn set(&mut self, field: Field, value: Option<String>) {
        let slot = match field {
            Field::Name => &mut self.name,
            Field::Version => &mut self.version,
            Field::Vendor => &mut self.vendor,
            Field::Model => &mut self.model,
            Field::Type => &mut self.device_type,
            Field::Unused => return,
        };
        *slot = value;
    }
}

fn apply_rules(table: &CompiledTable, haystack: &Haystack) -> Assigned {
    let candidates = table
        .prechecks
        .as_ref()
        .map(|set| set.matches(haystack.text()));
    let mut assigned = Assigned::default();
    for (index, (pattern, props)) in table.patterns.iter().enumerate() {
        if candidates.as_ref().is_some_and(|c| !c.matched(index)) {
            continue;
        }
        let Some(captures) = pattern.exec(haystack) else {
            continue;
        };
        for (index, prop) in props.iter().enumerate() {
            let group = captures
                .get(index + 1)
                .copied()
                .flatten()
                .and_then(|(start, end)| haystack.units().get(start..end))
                .map(String::from_utf16_lossy);
            let non_empty = group.clone().filter(|g| !g.is_empty());
            match *prop {
                Prop::Capture(field) => assigned.set(field, non_empty),
                Prop::Fixed(field, value) => assigned.set(field, Some(value.to_owned())),
                Prop::Mapped(field, transform) => assigned.set(
                    field,
                    non_empty.and_then(|g| apply_transform(transform, &g)),
                ),
                Prop::Trimmed(field) => {
                    assigned.set(field, group.map(|g| ampline_js::js_trim(&g).to_owned()))
                }
            }
        }
        return assigned;
    }
    assigned
}

fn apply_transform(transform: Transform, text: &str) -> Option<String> {
    Some(match transform {
        Transform::UnderscoresToSpaces => text.replace('_', " "),
        Transform::DotsToSpaces => text.replace('.', " "),
        Transform::Prefix(prefix) => format!("{prefix}{text}"),
        Transform::Suffix(suffix) => format!("{text}{suffix}"),
        Transform::OldSafariVersion => return old_safari_version(text),
    })
}

/// Safari 1 and 2 put a WebKit build (`/412`) where the version belongs. The first build
/// prefix contained in the text names the version; `/` alone means "unknown" (`None`).
fn old_safari_version(build: &str) -> Option<String> {
    const BUILDS: [(&str, Option<&str>); 8] = [
        ("/8", Some("1.0")),
        ("/1", Some("1.2")),
        ("/3", Some("1.3")),
        ("/412", Some("2.0")),
        ("/416", Some("2.0.2")),
        ("/417", Some("2.0.3")),
        ("/419", Some("2.0.4")),
        ("/", None),
    ];
    let lower = build.to_ascii_lowercase();
    match BUILDS.iter().find(|(needle, _)| lower.contains(needle)) {
        Some((_, version)) => version.map(str::to_owned),
        None => Some(build.to_owned()),
    }
}

/// A bounded cache of parsed user agents, owned by the caller.
///
/// Two generations approximate least-recently-used eviction at constant cost: entries go to
/// the young generation, and when it fills, the old one is dropped and the young one ages.
/// A hit in the old generation is promoted, so user agents seen repeatedly stay.
#[derive(Debug)]
pub struct UserAgentCache {
    generation_capacity: usize,
    young: HashMap<String, Detected>,
    old: HashMap<String, Detected>,
}

impl UserAgentCache {
    /// A cache holding at most `capacity` user agents (at least 2).
    pub fn new(capacity: usize) -> Self {
        let generation_capacity = (capacity / 2).max(1);
        UserAgentCache {
            generation_capacity,
            young: HashMap::with_capacity_and_hasher(generation_capacity, Default::default()),
            old: HashMap::default(),
        }
    }

    /// Same answer as [`parse_user_agent`], parsing `user_agent` only when it is not cached.
    pub fn get_or_parse(
        &mut self,
        user_agent: &str,
        user_agent_data: Option<&Value>,
    ) -> UserAgentFields {
        if user_agent.is_empty() {
            return UserAgentFields::default();
        }
        if let Some(detected) = self.young.get(user_agent) {
            return combine(detected, user_agent_data);
        }
        let detected = match self.old.remove(user_agent) {
            Some(detected) => detected,
            None => detect(user_agent),
        };
        let fields = combine(&detected, user_agent_data);
        if self.young.len() >= self.generation_capacity {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(user_agent.to_owned(), detected);
        fields
    }

    /// How many user agents are cached.
    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_pattern_compiles() {
        for rules in [tables::BROWSER, tables::OS, tables::DEVICE] {
            for rule in rules {
                for pattern in rule.patterns {
                    if let Err(error) = JsRegex::new(pattern) {
                        panic!("{error}");
                    }
                }
            }
        }
    }

    /// The `regex` crate shortcut must report the very captures the backtracking matcher
    /// finds, on every table pattern that takes it.
    #[test]
    fn exact_translation_agrees_with_backtracking() {
        let samples = [
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Linux; U; Android 4.2.2; zh-cn; NOAIN A913 Build/NOAINNOAIN) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041",
            "HbbTV/1.1.1 (;Philips;;;;) CE-HTML/1.0 NETTV/3.1.0",
            "Mozilla/5.0 (Linux; Android 11; T\u{e9}l\u{e9}phone \u{1F600} Build/RP1A) Chrome/99.0 MOBILE SAFARI/537.36",
            "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54",
            "Mozilla/5.0 (X11; U; Linux i686; en-US; rv:1.9.0.3) Gecko/2008092816 Mobile Safari 1.1.3\u{2028}tab;",
            "Mozilla/5.0 (Linux; Android 9; Redmi_Note_7 Build/PKQ1) Mobile Safari \u{a0}SMART-TV Samsung",
        ];
        let haystacks: Vec<Haystack> = samples
            .iter()
            .map(|sample| Haystack::new(sample.encode_utf16().collect()))
            .collect();
        for rules in [tables::BROWSER, tables::OS, tables::DEVICE] {
            for pattern in rules.iter().flat_map(|r| r.patterns.iter()) {
                let Ok(regex) = JsRegex::new(pattern) else {
                    panic!("/{pattern}/ does not compile");
                };
                for (haystack, sample) in haystacks.iter().zip(samples) {
                    assert_eq!(
                        regex.exec(haystack),
                        regex.backtrack(haystack),
                        "/{pattern}/ on {sample:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn majorize_keeps_digits_before_the_first_dot() {
        assert_eq!(majorize("116.0.5845.96"), "116");
        assert_eq!(majorize("abc"), "");
        assert_eq!(majorize("v2b.1"), "2");
    }

    #[test]
    fn old_safari_builds_map_to_versions() {
        assert_eq!(old_safari_version("/412.6").as_deref(), Some("2.0"));
        assert_eq!(old_safari_version("/85.7").as_deref(), Some("1.0"));
        assert_eq!(old_safari_version("/125").as_deref(), Some("1.2"));
        assert_eq!(old_safari_version("/999"), None);
    }

    #[test]
    fn cache_stays_bounded_and_keeps_answers() {
        let mut cache = UserAgentCache::new(4);
        let agents: Vec<String> = (0..10)
            .map(|i| {
                format!(
                    "Mozilla/5.0 (Linux; Android {i}; Pixel 7) Chrome/1{i}0.0 Mobile Safari/537.36"
                )
            })
            .collect();
        for agent in &agents {
            assert_eq!(
                cache.get_or_parse(agent, None),
                parse_user_agent(agent, None)
            );
            assert!(cache.len() <= 4);
        }
        assert_eq!(
            cache.get_or_parse(&agents[9], None),
            parse_user_agent(&agents[9], None)
        );
    }
}
