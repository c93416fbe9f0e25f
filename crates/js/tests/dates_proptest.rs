//! Arbitrary input never makes the date functions panic.

use ampline_js::date::{dayjs_utc_value_of, format_session_id, is_date_like, parse_js_date};
use proptest::prelude::*;
use serde_json::Value;

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let _ = parse_js_date(&text);
        let _ = is_date_like(&text);
        let _ = format_session_id(&Value::from(text.as_str()));
    }

    #[test]
    fn date_shaped_strings_never_panic(text in "[0-9TtZz:./+() -]{0,40}|[0-9a-zA-Z ,:+-]{0,40}") {
        let value = dayjs_utc_value_of(&Value::from(text.as_str()));
        prop_assert!(value.is_none_or(|ms| ms.abs() <= 8.64e15 && ms.fract() == 0.0));
    }

    #[test]
    fn numbers_are_clipped_integers(n in any::<f64>()) {
        let value = serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null);
        if let Some(ms) = dayjs_utc_value_of(&value) {
            prop_assert!(ms.abs() <= 8.64e15 && ms == ms.trunc());
        }
    }
}
