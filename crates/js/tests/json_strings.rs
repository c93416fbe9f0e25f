//! `write_json_string` writes what `JSON.stringify` writes for a string, which for strings is
//! exactly serde_json's escaping (short escapes, other controls as lowercase `\u00xx`, nothing
//! else escaped).

use proptest::prelude::*;

fn ours(s: &str) -> String {
    let mut out = String::new();
    ampline_js::write_json_string(&mut out, s);
    out
}

proptest! {
    #[test]
    fn matches_serde_json_on_any_string(s in any::<String>()) {
        prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap_or_default());
    }

    #[test]
    fn matches_serde_json_on_escape_heavy_strings(s in "[\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}aé😀]{0,40}") {
        prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap_or_default());
    }
}

#[test]
fn examples() {
    assert_eq!(ours(""), "\"\"");
    assert_eq!(
        ours("a\"b\\c\n\u{1}\u{7f}\u{2028}é"),
        "\"a\\\"b\\\\c\\n\\u0001\u{7f}\u{2028}é\""
    );
}
