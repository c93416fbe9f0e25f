//! Representative user agents and the client-hint rules. Every expectation was produced by
//! Segment's helper over `@amplitude/ua-parser-js` 0.7.25 (tools/ua-golden).

use ampline_useragent::{parse_user_agent, HintOrText, UserAgentCache};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn fields(user_agent: &str, user_agent_data: Option<&Value>) -> Value {
    let pairs: Map<String, Value> = parse_user_agent(user_agent, user_agent_data)
        .into_pairs()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Value::Object(pairs)
}

fn check(user_agent: &str, expected: Value) {
    assert_eq!(fields(user_agent, None), expected, "{user_agent}");
}

const ANDROID_10_K: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36";
const WINDOWS_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

#[test]
fn apple_mobile_devices() {
    check(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
        json!({"os_name":"iOS","os_version":"17","device_manufacturer":"Apple","device_model":"iPhone","device_type":"mobile"}),
    );
    check(
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
        json!({"os_name":"iOS","os_version":"16","device_manufacturer":"Apple","device_model":"iPad","device_type":"tablet"}),
    );
    // The Facebook in-app browser reports no version, so there is no "OS version" either.
    check(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/16.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
        json!({"os_name":"iOS","device_manufacturer":"Apple","device_model":"iPhone14,5","device_type":"mobile"}),
    );
}

#[test]
fn android_phones_and_tablets() {
    check(
        "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36",
        json!({"os_name":"Android","os_version":"119","device_manufacturer":"Samsung","device_model":"SM-S918B","device_type":"mobile"}),
    );
    // The reference calls this Samsung tablet a phone: its tablet rule only knows sm-p/sm-t.
    check(
        "Mozilla/5.0 (Linux; Android 12; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36",
        json!({"os_name":"Android","os_version":"118","device_manufacturer":"Samsung","device_model":"SM-X700","device_type":"mobile"}),
    );
    check(
        ANDROID_10_K,
        json!({"os_name":"Android","os_version":"114","device_model":"K","device_type":"tablet"}),
    );
    check(
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
        json!({"os_name":"Android","os_version":"120","device_model":"Pixel 8 Pro","device_type":"mobile"}),
    );
    check(
        "Mozilla/5.0 (Linux; Android 10; Redmi Note 8 Pro Build/QP1A.190711.020; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/90.0.4430.210 Mobile Safari/537.36",
        json!({"os_name":"Android","os_version":"90","device_manufacturer":"Xiaomi","device_model":"Redmi Note 8 Pro","device_type":"mobile"}),
    );
    check(
        "Mozilla/5.0 (Linux; Android 11; Téléphone Ünique Build/RP1A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0 Mobile Safari/537.36",
        json!({"os_name":"Android","os_version":"99","device_model":"Téléphone Ünique","device_type":"mobile"}),
    );
}

#[test]
fn desktops() {
    check(
        WINDOWS_CHROME,
        json!({"os_name":"Windows","os_version":"120","device_model":"Windows"}),
    );
    check(
        "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
        json!({"os_name":"Windows","os_version":"11","device_model":"Windows"}),
    );
    check(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        json!({"os_name":"Mac OS","os_version":"120","device_model":"Mac OS"}),
    );
    check(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
        json!({"os_name":"Mac OS","os_version":"17","device_model":"Mac OS"}),
    );
    check(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:120.0) Gecko/20100101 Firefox/120.0",
        json!({"os_name":"Mac OS","os_version":"120","device_model":"Mac OS"}),
    );
    check(
        "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/119.0",
        json!({"os_name":"Linux","os_version":"119","device_model":"Linux"}),
    );
    check(
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
        json!({"os_name":"Ubuntu","os_version":"115","device_model":"Ubuntu"}),
    );
    check(
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        json!({"os_name":"Chromium OS","os_version":"120","device_model":"Chromium OS"}),
    );
    check(
        "Mozilla/5.0 (Macintosh; U; PPC Mac OS X; en) AppleWebKit/412.7 (KHTML, like Gecko) Safari/412.5",
        json!({"os_name":"Mac OS","os_version":"2","device_model":"Mac OS"}),
    );
    check(
        "Mozilla/5.0 (Macintosh; U; PPC Mac OS X; en) AppleWebKit/999 (KHTML, like Gecko) Safari/999",
        json!({"os_name":"Mac OS","device_model":"Mac OS"}),
    );
}

#[test]
fn os_name_falls_back_to_the_browser() {
    check(
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        json!({"os_name":"Chrome","os_version":"120"}),
    );
}

#[test]
fn televisions_and_consoles() {
    check(
        "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36",
        json!({"os_name":"Tizen","device_model":"Tizen","device_type":"smarttv"}),
    );
    check(
        "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.79 Safari/537.36 WebAppManager",
        json!({"os_name":"webOS","os_version":"79","device_model":"webOS","device_type":"smarttv"}),
    );
    check(
        "Roku/DVP-9.10 (519.10E04111A)",
        json!({"device_manufacturer":"Roku","device_model":"DVP-9.10","device_type":"smarttv"}),
    );
    // An empty HbbTV model stays an empty string rather than disappearing.
    check(
        "HbbTV/1.1.1 (;Philips;;;;) CE-HTML/1.0 NETTV/3.1.0",
        json!({"device_manufacturer":"Philips","device_model":"","device_type":"smarttv"}),
    );
    check(
        "Mozilla/5.0 (Linux; Android 9; AFTKA Build/PS7285.3116N; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/108.0.5359.160 Mobile Safari/537.36",
        json!({"os_name":"Android","os_version":"108","device_model":"AFTKA","device_type":"mobile"}),
    );
    check(
        "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
        json!({"os_name":"PlayStation","os_version":"13","device_manufacturer":"Sony","device_model":"PlayStation 5","device_type":"console"}),
    );
    check(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041",
        json!({"os_name":"Xbox","os_version":"18","device_manufacturer":"Microsoft","device_model":"Xbox One","device_type":"console"}),
    );
}

#[test]
fn bots_tools_and_garbage() {
    check(
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        json!({}),
    );
    check(
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        json!({"os_name":"Android","os_version":"120","device_manufacturer":"LG","device_model":"Nexus 5","device_type":"mobile"}),
    );
    check("curl/8.4.0", json!({}));
    check("!!! not a user agent ###", json!({}));
    check(" ", json!({}));
    check("", json!({}));
}

#[test]
fn long_user_agents_are_trimmed_then_cut() {
    let long = format!(
        "   Mozilla/5.0 (Linux; Android 13; {}) Chrome/1.0 Mobile Safari/537.36",
        "x".repeat(300)
    );
    check(&long, json!({"os_name":"Android","device_model":"Android"}));
}

#[test]
fn client_hints_take_precedence() {
    let hints = json!({"model": "TAB 2 A7", "platformVersion": "5.0.1"});
    assert_eq!(
        fields(ANDROID_10_K, Some(&hints)),
        json!({"os_name":"Android","os_version":"5.0.1","device_model":"TAB 2 A7","device_type":"tablet"})
    );
}

#[test]
fn null_client_hints_fall_through() {
    let hints = json!({"model": null, "platformVersion": null});
    assert_eq!(
        fields(ANDROID_10_K, Some(&hints)),
        json!({"os_name":"Android","os_version":"114","device_model":"K","device_type":"tablet"})
    );
}

#[test]
fn client_hints_pass_through_as_given() {
    // `??` only skips null and undefined: empty strings and numbers are kept as they are.
    let numbers = json!({"model": 0, "platformVersion": 15});
    assert_eq!(
        fields(WINDOWS_CHROME, Some(&numbers)),
        json!({"os_name":"Windows","os_version":15,"device_model":0})
    );
    let empty = json!({"model": "", "platformVersion": ""});
    assert_eq!(
        fields(WINDOWS_CHROME, Some(&empty)),
        json!({"os_name":"Windows","os_version":"","device_model":""})
    );
}

#[test]
fn client_hints_that_are_not_an_object_are_ignored() {
    assert_eq!(
        fields(WINDOWS_CHROME, Some(&json!("abc"))),
        json!({"os_name":"Windows","os_version":"120","device_model":"Windows"})
    );
}

#[test]
fn empty_user_agent_ignores_client_hints() {
    let hints = json!({"model": "X", "platformVersion": "1"});
    assert_eq!(fields("", Some(&hints)), json!({}));
    assert_eq!(
        UserAgentCache::new(8).get_or_parse("", Some(&hints)),
        Default::default()
    );
}

#[test]
fn cache_combines_cached_parse_with_each_events_hints() {
    let mut cache = UserAgentCache::new(8);
    let first = cache.get_or_parse(ANDROID_10_K, None);
    let hints = json!({"model": "TAB 2 A7"});
    let second = cache.get_or_parse(ANDROID_10_K, Some(&hints));
    assert_eq!(first, parse_user_agent(ANDROID_10_K, None));
    assert_eq!(second, parse_user_agent(ANDROID_10_K, Some(&hints)));
    assert_eq!(
        second.device_model,
        Some(HintOrText::Hint(json!("TAB 2 A7")))
    );
    assert_eq!(cache.len(), 1);
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(user_agent in any::<String>()) {
        let _ = parse_user_agent(&user_agent, None);
    }

    #[test]
    fn user_agent_like_strings_never_panic(
        user_agent in r"[A-Za-z0-9 ;:/\(\)\._\-,\[\]+]{0,300}"
    ) {
        let parsed = parse_user_agent(&user_agent, None);
        let mut cache = UserAgentCache::new(4);
        prop_assert_eq!(cache.get_or_parse(&user_agent, None), parsed);
    }
}
