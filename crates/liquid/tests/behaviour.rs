//! Behaviour beyond the reference fixture: limits, the injected clock, what is unsupported,
//! and that no input makes parsing or rendering panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A failed expectation is a failed test.

use ampline_liquid::{Template, MAX_TEMPLATE_LEN};
use proptest::prelude::*;
use serde_json::{json, Value};

fn render(template: &str, root: &Value) -> Result<String, String> {
    Template::parse(template)
        .and_then(|t| t.render(root))
        .map_err(|e| e.message)
}

#[test]
fn length_limit_counts_utf16_units() {
    assert!(Template::parse(&"x".repeat(MAX_TEMPLATE_LEN)).is_ok());
    let err = Template::parse(&"x".repeat(MAX_TEMPLATE_LEN + 1)).unwrap_err();
    assert_eq!(
        err.message,
        "liquid template values are limited to 1000 characters"
    );
    // 500 emoji are 1000 UTF-16 units but only 500 characters.
    assert!(Template::parse(&"😀".repeat(500)).is_ok());
    assert!(Template::parse(&format!("{}x", "😀".repeat(500))).is_err());
}

#[test]
fn disabled_tags_fail_to_parse_and_disabled_filters_fail_when_run() {
    let err = Template::parse("a\n {% for x in y %}{% endfor %}").unwrap_err();
    assert_eq!(err.message, "tag \"for\" is disabled, line:2, col:2");
    let template = Template::parse("{% if go %}{{ list | sort }}{% endif %}").unwrap();
    assert_eq!(template.render(&json!({"go": false})).unwrap(), "");
    let err = template
        .render(&json!({"go": true, "list": [2, 1]}))
        .unwrap_err();
    assert_eq!(err.message, "filter \"sort\" is disabled, line:1, col:12");
}

#[test]
fn now_needs_a_clock_from_the_caller() {
    let template = Template::parse("{{ \"now\" | date: \"%Y-%m-%d %H:%M\" }}").unwrap();
    let err = template.render(&json!({})).unwrap_err();
    assert!(err.message.contains("current time"), "{}", err.message);
    // 2024-01-02T03:04:05Z
    assert_eq!(
        template.render_at(&json!({}), 1_704_164_645_000.0).unwrap(),
        "2024-01-02 03:04"
    );
    let today = Template::parse("{{ 'today' | date: '%s' }}").unwrap();
    assert_eq!(
        today.render_at(&json!({}), 1_704_164_645_000.0).unwrap(),
        "1704164645"
    );
}

#[test]
fn random_and_unknown_zone_inputs_are_reported_not_guessed() {
    let err = render("{{ list | sample }}", &json!({"list": [1, 2]})).unwrap_err();
    assert!(err.contains("\"sample\" is not supported"), "{err}");
    let err = render("{{ 0 | date: '%H', 'Europe/Paris' }}", &json!({})).unwrap_err();
    assert!(err.contains("not supported"), "{err}");
    // Free-form dates are read as V8 reads them; what it rejects comes back unchanged.
    assert_eq!(
        render("{{ 'Jan 2 2024' | date: '%Y-%m-%d' }}", &json!({})).unwrap(),
        "2024-01-02"
    );
    assert_eq!(
        render("{{ 'soon' | date: '%Y' }}", &json!({})).unwrap(),
        "soon"
    );
}

#[test]
fn growing_strings_hit_the_render_budget() {
    let mut template = String::from("{% assign s = 'xxxxxxxxxxxxxxxx' %}");
    while template.len() < 960 {
        template.push_str("{% assign s = s | append: s %}");
    }
    template.push_str("{{ s | size }}");
    let err = render(&template, &json!({})).unwrap_err();
    assert!(err.starts_with("template render limit exceeded"), "{err}");
    let doubling = format!(
        "{{% assign c = 'xxxxxxxxxxxxxxxxxxxxxxxx' %}}{}",
        "{% capture c %}{{c}}{{c}}{% endcapture %}".repeat(22)
    );
    assert!(doubling.len() <= MAX_TEMPLATE_LEN);
    let err = render(&doubling, &json!({})).unwrap_err();
    assert!(err.starts_with("template render limit exceeded"), "{err}");
}

#[test]
fn ranges_are_bounded_by_memory_limit_and_budget() {
    let err = render("{{ (1..100000001) | size }}", &json!({})).unwrap_err();
    assert_eq!(err, "memory alloc limit exceeded, line:1, col:1");
    let err = render("{{ (1..5000000) | size }}", &json!({})).unwrap_err();
    assert!(err.starts_with("template render limit exceeded"), "{err}");
    assert_eq!(
        render("{{ (1..100000) | size }}", &json!({})).unwrap(),
        "100000"
    );
}

#[test]
fn renders_are_independent() {
    let template =
        Template::parse("{% increment n %}{% assign a = a | append: 'x' %}{{ a }}{{ n }}").unwrap();
    let root = json!({"n": 7});
    assert_eq!(template.render(&root).unwrap(), "7x8");
    assert_eq!(template.render(&root).unwrap(), "7x8");
}

#[test]
fn templates_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
}

#[test]
fn json_filter_orders_integer_keys_first_as_javascript_does() {
    let root: Value = serde_json::from_str(r#"{"o": {"b": 1, "10": 2, "2": 3, "a": 4}}"#).unwrap();
    assert_eq!(
        render("{{ o | json }}", &root).unwrap(),
        r#"{"2":3,"10":2,"b":1,"a":4}"#
    );
}

fn syntax_soup() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "{{",
        "}}",
        "{%",
        "%}",
        "-",
        "|",
        ":",
        ",",
        "'",
        "\"",
        "[",
        "]",
        ".",
        "..",
        "(",
        ")",
        " ",
        "\n",
        "a",
        "b.c",
        "1",
        "-2.5",
        "if ",
        "endif",
        "else",
        "elsif ",
        "unless ",
        "endunless",
        "raw",
        "endraw",
        "assign x = ",
        "capture c",
        "endcapture",
        "comment",
        "endcomment",
        "liquid ",
        "echo ",
        "cycle ",
        "increment x",
        "#",
        "\\",
        "==",
        "<",
        ">=",
        "and",
        "or",
        "not",
        "contains",
        "nil",
        "empty",
        "blank",
        "true",
        "upcase",
        "append: ",
        "slice: ",
        "truncate: ",
        "date: ",
        "split: ",
        "where: ",
        "default: ",
        "json",
        "plus: ",
        "😀",
        "é",
        "\u{a0}",
        "\t",
        "(1..3)",
        "%Y",
        "x[",
        "[0]",
    ]);
    prop::collection::vec(atoms, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn syntax_soup_never_panics(template in syntax_soup()) {
        let root = json!({"a": "text", "b": {"c": [1, 2]}, "x": 5});
        if let Ok(parsed) = Template::parse(&template) {
            let _ = parsed.render(&root);
            let _ = parsed.render_at(&root, 0.0);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(template in "\\PC{0,200}", wrapped in any::<bool>()) {
        let template = if wrapped { format!("{{{{ {template} }}}}") } else { template };
        if let Ok(parsed) = Template::parse(&template) {
            let _ = parsed.render(&json!({}));
        }
    }
}

#[test]
fn deep_nesting_is_refused_before_it_can_exhaust_the_stack() {
    let deepest_allowed = [
        format!("{{{{ {}1..2){} }}}}", "(".repeat(23), "..3)".repeat(22)),
        format!("{{{{ {}0{} }}}}", "a[".repeat(47), "]".repeat(47)),
        format!("{}x{}", "{%if 1%}".repeat(47), "{%endif%}".repeat(47)),
    ];
    let too_deep = [
        format!("{{{{ {} }}}}", "(".repeat(990)),
        format!("{{{{ {}0{} }}}}", "a[".repeat(330), "]".repeat(330)),
        format!("{}x{}", "{%if 1%}".repeat(49), "{%endif%}".repeat(49)),
        format!("{}x", "{% capture c %}".repeat(66)),
    ];
    // Debug builds use far more stack per frame than release builds; 1 MiB is ample for both.
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let ok: Vec<_> = deepest_allowed
                .iter()
                .map(|t| render(t, &json!({"a": [1]})))
                .collect();
            let refused: Vec<_> = too_deep.iter().map(|t| render(t, &json!({}))).collect();
            (ok, refused)
        })
        .unwrap();
    let (ok, refused) = handle.join().unwrap();
    assert!(ok.iter().all(Result::is_ok), "{ok:?}");
    assert_eq!(ok[2], Ok("x".to_string()));
    for result in refused {
        let err = result.unwrap_err();
        assert!(err.starts_with("template nesting is too deep"), "{err}");
    }
}
