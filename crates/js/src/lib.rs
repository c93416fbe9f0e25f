//! JavaScript value semantics over `serde_json::Value`.
//!
//! Segment's trigger language, mapping-kit and Amplitude actions run in Node.js, and their
//! observable behaviour leans on JavaScript's conversions: how `String(x)` renders a number or an
//! array, what `Number("0x10")` is, which values are falsy. ampline's core crates reproduce that
//! behaviour exactly, so they share these few conversions here instead of approximating them.
//!
//! "Missing" (JavaScript `undefined`) is modelled as `None` wherever it can occur.

pub mod date;

use serde_json::Value;
use std::fmt::Write as _;

/// Appends `Number.prototype.toString()` of `n`: `5.0` → `5`, `1e21` → `1e+21`, `-0` → `0`.
pub fn write_number(out: &mut String, n: f64) {
    if n == 0.0 {
        out.push('0');
        return;
    }
    // Whole numbers (counts, prices in cents, epoch milliseconds) are most numbers in events.
    // Below 2^53 every one is exact and JavaScript writes its digits.
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        out.push_str(itoa::Buffer::new().format(n as i64));
        return;
    }
    let mut buffer = ryu_js::Buffer::new();
    out.push_str(buffer.format(n));
}

/// `Number.prototype.toString()` of `n`.
pub fn number_to_string(n: f64) -> String {
    let mut out = String::new();
    write_number(&mut out, n);
    out
}

/// The JavaScript number a JSON number stands for (integers beyond 2^53 lose precision, as in JS).
pub fn json_number(n: &serde_json::Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

/// Appends `String(value)`: strings as they are, numbers in JS form, arrays joined with `,`
/// (null items as empty text, nested arrays flattened), objects as `[object Object]`.
pub fn write_js_string(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, json_number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => write_array_join(out, items),
        Value::Object(_) => out.push_str("[object Object]"),
    }
}

/// `Array.prototype.join(",")`: null items render as empty text.
fn write_array_join(out: &mut String, items: &[Value]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if !item.is_null() {
            write_js_string(out, item);
        }
    }
}

/// `String(value)`.
pub fn to_js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            write_js_string(&mut out, other);
            out
        }
    }
}

/// JavaScript truthiness; `None` is `undefined`. Falsy: undefined, null, false, 0, NaN, `""`.
pub fn is_truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => {
            let n = json_number(n);
            n != 0.0 && !n.is_nan()
        }
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_)) | Some(Value::Object(_)) => true,
    }
}

/// Whether `c` is white space to JavaScript's `String.prototype.trim` (and so to `Number()`).
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `String.prototype.trim()`.
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

/// `Number(s)` for a string: trimmed; empty → 0; `0x`/`0o`/`0b` integers; `Infinity` with an
/// optional sign; decimal literals with an optional exponent; anything else → NaN.
pub fn string_to_number(s: &str) -> f64 {
    let t = js_trim(s);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = t.strip_prefix(prefix) {
            return parse_radix_integer(digits, radix);
        }
    }
    let (sign, unsigned) = match t.as_bytes()[0] {
        b'-' => (-1.0, &t[1..]),
        b'+' => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if unsigned == "Infinity" {
        return sign * f64::INFINITY;
    }
    if is_decimal_literal(unsigned) {
        unsigned.parse::<f64>().map_or(f64::NAN, |n| sign * n)
    } else {
        f64::NAN
    }
}

fn parse_radix_integer(digits: &str, radix: u32) -> f64 {
    if digits.is_empty() {
        return f64::NAN;
    }
    let mut n = 0.0_f64;
    for c in digits.chars() {
        match c.to_digit(radix) {
            Some(d) => n = n * f64::from(radix) + f64::from(d),
            None => return f64::NAN,
        }
    }
    n
}

/// `digits [. digits] [e [+-] digits]`, where at least one digit stands before or after the dot.
fn is_decimal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// `Number(value)`; `None` (undefined) → NaN.
pub fn to_number(value: Option<&Value>) -> f64 {
    match value {
        None => f64::NAN,
        Some(Value::Null) => 0.0,
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::Number(n)) => json_number(n),
        Some(Value::String(s)) => string_to_number(s),
        Some(array @ Value::Array(_)) => string_to_number(&to_js_string(array)),
        Some(Value::Object(_)) => f64::NAN,
    }
}

/// A JSON value for a JS number: integral values within ±2^53 become JSON integers, so they print
/// without a fraction; NaN and ±Infinity become null, as `JSON.stringify` writes them.
pub fn number_value(n: f64) -> Value {
    const MAX_SAFE: f64 = 9_007_199_254_740_992.0;
    if !n.is_finite() {
        return Value::Null;
    }
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
        // The range check above makes the cast exact.
        #[allow(clippy::cast_possible_truncation)]
        let i = n as i64;
        return Value::from(i);
    }
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// Length in UTF-16 code units, as JavaScript's `String.prototype.length` counts it.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `JSON.stringify(value)` for a JSON value: compact, insertion order, JS number text.
pub fn write_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let f = json_number(n);
            if f.is_finite() {
                write_number(out, f);
            } else {
                out.push_str("null");
            }
        }
        Value::String(s) => write_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, k);
                out.push(':');
                write_json(out, v);
            }
            out.push('}');
        }
    }
}
/// Appends a JSON object of `members`, each value written by its own writer, in order.
pub fn write_json_object<'k, W: FnOnce(&mut String)>(
    out: &mut String,
    members: impl IntoIterator<Item = (&'k str, W)>,
) {
    write_json_members(out, members, |out, (key, write_value)| {
        write_json_string(out, key);
        out.push(':');
        write_value(out);
    });
}

/// Appends a JSON object with a member for each of `items`: the braces and commas here, each
/// member (`"key":value`) by `write_member`. For a caller that writes its keys its own way.
#[inline(always)]
pub fn write_json_members<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    mut write_member: impl FnMut(&mut String, T),
) {
    out.push('{');
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_member(out, item);
    }
    out.push('}');
}

/// A JSON string literal as `JSON.stringify` writes it: `\"`, `\\`, the short escapes, other
/// control characters as `\u00xx`; everything else (U+2028 included) as it is.
pub fn write_json_string(out: &mut String, s: &str) {
    match next_to_escape(s.as_bytes(), 0) {
        None => {
            out.reserve(s.len() + 2);
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Some(first) => write_escaped_json_string(out, s, first),
    }
}

/// [`write_json_string`] for a string with something to escape at `first`: rare, and kept out
/// of line so the plain case stays small.
#[cold]
#[inline(never)]
fn write_escaped_json_string(out: &mut String, s: &str, first: usize) {
    let bytes = s.as_bytes();
    out.push('"');
    // Runs without anything to escape are copied whole; every byte that needs an escape is ASCII,
    // so cutting there always lands on a character boundary.
    let mut run_start = 0;
    let mut next = Some(first);
    while let Some(index) = next {
        out.push_str(s.get(run_start..index).unwrap_or_default());
        let byte = bytes.get(index).copied().unwrap_or_default();
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            _ => "",
        };
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        run_start = index + 1;
        next = next_to_escape(bytes, run_start);
    }
    out.push_str(s.get(run_start..).unwrap_or_default());
    out.push('"');
}

/// `a == b` for the short texts that object keys are, without a call to `memcmp`: lengths
/// first, then up to sixteen bytes as two overlapping words. Keys of one object often share a
/// length, and key lookups are much of what a mapping does.
#[inline]
pub fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, len - 4) == u32_at(b, len - 4),
        8..=16 => u64_at(a, 0) == u64_at(b, 0) && u64_at(a, len - 8) == u64_at(b, len - 8),
        _ => a == b,
    }
}

/// The bytes a JSON string must escape: `"`, `\` and the control characters.
const MUST_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Whether any of the eight bytes packed in `x` is one a JSON string must escape: `"`, `\` or
/// a control character. Bytes of 0x80 and above never count.
fn any_to_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    // Sets the high bit of (at least) the first byte of `x` below `n`.
    let any_below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH_BITS;
    any_below(x, 0x20) | any_below(x ^ (ONES * 0x22), 1) | any_below(x ^ (ONES * 0x5c), 1) != 0
}

/// The four bytes at `at`, little-endian, widened to a word.
fn u32_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(chunk)))
}

/// The eight bytes at `at`, little-endian.
fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// The index of the first byte from `from` on that a JSON string must escape. Eight bytes are
/// tested at a time, and a short rest as two overlapping halves: strings in events are short
/// and rarely need an escape, and this is where writing a request spends its time.
#[inline(always)]
fn next_to_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let bytewise = |at: usize| {
        let rest = bytes.get(at..).unwrap_or_default();
        rest.iter()
            .position(|&b| MUST_ESCAPE[usize::from(b)])
            .map(|i| at + i)
    };
    let len = bytes.len();
    let rest = len.saturating_sub(from);
    if rest < 8 {
        if rest < 4 {
            return bytewise(from);
        }
        return match (u32_at(bytes, from), u32_at(bytes, len - 4)) {
            (Some(head), Some(tail)) if !any_to_escape(head | tail << 32) => None,
            _ => bytewise(from),
        };
    }
    let mut at = from;
    while at + 8 <= len {
        match u64_at(bytes, at) {
            Some(chunk) if !any_to_escape(chunk) => at += 8,
            _ => return bytewise(at),
        }
    }
    // The last, partial chunk: the eight bytes that end the string, some already clean.
    match u64_at(bytes, len - 8) {
        Some(chunk) if !any_to_escape(chunk) => None,
        _ => bytewise(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_print_as_javascript_does() {
        let cases = [
            (5.0, "5"),
            (1.5, "1.5"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (n, text) in cases {
            assert_eq!(number_to_string(n), text, "{n}");
        }
    }

    #[test]
    fn string_forms_follow_string_constructor() {
        assert_eq!(to_js_string(&json!([[1, 2], [3]])), "1,2,3");
        assert_eq!(to_js_string(&json!([null, 1])), ",1");
        assert_eq!(to_js_string(&json!({"a": 1})), "[object Object]");
        assert_eq!(to_js_string(&json!(true)), "true");
        assert_eq!(to_js_string(&json!(null)), "null");
        assert_eq!(to_js_string(&json!(2.50)), "2.5");
        assert_eq!(to_js_string(&json!([])), "");
    }

    #[test]
    fn number_conversion_follows_number_constructor() {
        let cases: [(&str, f64); 10] = [
            (" 7 ", 7.0),
            ("0x10", 16.0),
            ("1e3", 1000.0),
            (" ", 0.0),
            ("", 0.0),
            ("-Infinity", f64::NEG_INFINITY),
            (".5", 0.5),
            ("5.", 5.0),
            ("+3", 3.0),
            ("\u{feff}4\u{a0}", 4.0),
        ];
        for (s, n) in cases {
            assert_eq!(string_to_number(s), n, "{s:?}");
        }
        for s in [
            "abc", "1e", "0x", "-0x10", "1_000", "infinity", ".", "1.2.3", "\u{85}1",
        ] {
            assert!(string_to_number(s).is_nan(), "{s:?}");
        }
        assert_eq!(to_number(Some(&json!([5]))), 5.0);
        assert!(to_number(None).is_nan());
        assert_eq!(to_number(Some(&json!(null))), 0.0);
    }

    #[test]
    fn truthiness() {
        for v in [json!(null), json!(false), json!(0), json!(""), json!(-0.0)] {
            assert!(!is_truthy(Some(&v)), "{v}");
        }
        assert!(!is_truthy(None));
        for v in [json!(" "), json!([]), json!({}), json!("0"), json!(-1)] {
            assert!(is_truthy(Some(&v)), "{v}");
        }
    }

    #[test]
    fn json_text_matches_json_stringify() {
        let mut out = String::new();
        write_json(&mut out, &json!({"a": [1.0, "x\u{1}\u{2028}"], "b": null}));
        assert_eq!(out, "{\"a\":[1,\"x\\u0001\u{2028}\"],\"b\":null}");
    }

    #[test]
    fn number_values_print_integers_plainly() {
        assert_eq!(number_value(5.0).to_string(), "5");
        assert_eq!(number_value(f64::NAN), Value::Null);
        assert_eq!(number_value(0.5).to_string(), "0.5");
    }

    #[test]
    fn utf16_lengths() {
        assert_eq!(utf16_len("a😀"), 3);
    }

    #[test]
    fn same_key_is_equality() {
        let texts = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abce",
            "abcdefg",
            "abcdefh",
            "bbcdefg",
            "abcdefgh",
            "abcdefgi",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
            "bbcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
            "é",
            "e\u{301}",
            "ab\u{e9}",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same_key(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    proptest::proptest! {
        // serde_json escapes exactly what `JSON.stringify` escapes, the same way.
        #[test]
        fn strings_are_escaped_like_json_stringify(s in "(?s).{0,40}", ascii in "[\\x00-\\x7f]{0,40}") {
            for s in [s, ascii] {
                let mut out = String::new();
                write_json_string(&mut out, &s);
                let expected = serde_json::to_string(&s).unwrap_or_default();
                proptest::prop_assert_eq!(out, expected);
            }
        }

        #[test]
        fn numbers_are_written_as_javascript_writes_them(n in proptest::num::f64::NORMAL | proptest::num::f64::ZERO, whole in -1e17f64..1e17) {
            for n in [n, whole.trunc()] {
                let mut fast = String::new();
                write_number(&mut fast, n);
                let expected = if n == 0.0 { "0".to_owned() } else { ryu_js::Buffer::new().format(n).to_owned() };
                proptest::prop_assert_eq!(fast, expected);
            }
        }
    }
}
