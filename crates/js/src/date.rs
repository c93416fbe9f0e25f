//! JavaScript `Date` parsing and the dayjs front end that Segment's Amplitude destination uses.
//!
//! The Amplitude (Actions) destination turns `time` and `session_id` into epoch milliseconds
//! with `dayjs.utc(x)`, and actions-core validates `date-like` fields with `dayjs(x)`. dayjs reads
//! strings with its own regular expression first and otherwise hands them to `new Date(string)`,
//! i.e. V8's permissive date parser. No Rust date crate reproduces either, so this module
//! implements both:
//!
//! - [`parse_js_date`]: `Date.parse` as in Node.js 20 (V8), ISO forms and the legacy grammar;
//! - [`dayjs_utc_value_of`]: `dayjs.utc(x).valueOf()` for any JSON value (`None` = invalid);
//! - [`format_session_id`]: the destination's `formatSessionId`;
//! - [`is_date_like`]: actions-core's ajv `date-like` format;
//! - [`amplitude_event_time`] and [`amplitude_session_id`]: how `logEventV2` combines them.
//!
//! All functions are pure. Two things are the caller's to handle:
//! - **Local time is UTC.** Strings without a zone (`"12/25/2024"`, `"2024-01-01T10:00"`) are read
//!   in the process's local zone by JavaScript; the reference runs with `TZ` unset, i.e. UTC, so
//!   they are read as UTC here, and `dayjs(x)` equals `dayjs.utc(x)`.
//! - **Missing is "now".** `dayjs(undefined)` is the current time. These functions take a
//!   present value; a missing field must be handled by the caller (no clock is read here).

mod calendar;
mod v8_parser;

pub use calendar::{civil_from_days, days_from_civil, time_clip};

use crate::{is_js_whitespace, is_truthy, number_to_string, string_to_number, to_js_string};
use serde_json::Value;

/// `new Date(ms).toISOString()`: `YYYY-MM-DDTHH:mm:ss.sssZ`, with a signed six-digit year outside
/// 0..=9999; `None` outside a `Date`'s range (±8.64e15 ms), where JavaScript throws.
pub fn to_iso_string(ms: i64) -> Option<String> {
    const MS_PER_DAY: i64 = 86_400_000;
    if !(-8_640_000_000_000_000..=8_640_000_000_000_000).contains(&ms) {
        return None;
    }
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    let ms_of_day = ms.rem_euclid(MS_PER_DAY);
    let (hours, minutes) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
    let (seconds, millis) = (ms_of_day / 1000 % 60, ms_of_day % 1000);
    let year_text = match year {
        0..=9999 => format!("{year:04}"),
        ..=-1 => format!("-{:06}", -year),
        _ => format!("+{year:06}"),
    };
    Some(format!(
        "{year_text}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z"
    ))
}

/// `Date.parse(text)`: milliseconds since the epoch, `None` for an invalid date.
pub fn parse_js_date(text: &str) -> Option<f64> {
    parse_canonical_iso(text).or_else(|| v8_parser::parse(text))
}

/// The form `toISOString` writes and nearly every client sends, `YYYY-MM-DDTHH:mm:ss.sssZ`, read
/// directly: `Date.parse`'s answer for it, or `None` to leave the string to the general parser
/// (any other shape, or a part outside the ranges every month allows).
fn parse_canonical_iso(text: &str) -> Option<f64> {
    let bytes: &[u8; 24] = text.as_bytes().try_into().ok()?;
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ];
    if separators
        .iter()
        .any(|&(at, separator)| bytes[at] != separator)
    {
        return None;
    }
    // The other 17 bytes are the digits.
    let digit = |at: usize| bytes[at].wrapping_sub(b'0');
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22].map(digit);
    if digits.into_iter().fold(0, u8::max) > 9 {
        return None;
    }
    let digit = |at: usize| i64::from(digit(at));
    let two = |at: usize| digit(at) * 10 + digit(at + 1);
    let year = two(0) * 100 + two(2);
    let (month, day) = (two(5), two(8));
    let (hour, minute, second) = (two(11), two(14), two(17));
    let millisecond = two(20) * 10 + digit(22);
    // Within these ranges V8 reads the text as the plain date it names; anything else (a day
    // past the month's end, hour 24, a year before 1000) is left to the general parser.
    let valid = year >= 1000
        && (1..=12).contains(&month)
        && day >= 1
        && day <= calendar::days_in_month(year, month)
        && hour <= 23
        && minute <= 59
        && second <= 59;
    if !valid {
        return None;
    }
    let days = calendar::days_from_civil(year, month, day);
    let time = ((hour * 60 + minute) * 60 + second) * 1000 + millisecond;
    // A four-digit year is always within a `Date`'s range.
    #[allow(clippy::cast_precision_loss)] // far below 2^53
    Some((days * 86_400_000 + time) as f64)
}

/// `new Date(n).valueOf()` for a number: `None` unless finite and within ±8.64e15; fractions are
/// dropped toward zero.
pub fn date_from_number(ms: f64) -> Option<f64> {
    time_clip(ms)
}

/// `dayjs.utc(value).valueOf()`, `None` where `isValid()` is false. `value` must be present (see
/// the module docs for `undefined`).
///
/// `null` is invalid; booleans are 0 and 1 ms; numbers are `new Date(n)`; strings go through
/// [`dayjs_parse_string`]; arrays are `new Date(String(array))`. Objects are invalid (their string
/// form is `[object Object]`). One deviation: an object with its own `toString` key (also inside
/// an array) makes the reference throw "Cannot convert object to primitive value"; here it is
/// simply invalid.
pub fn dayjs_utc_value_of(value: &Value) -> Option<f64> {
    match value {
        Value::Null | Value::Object(_) => None,
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => time_clip(crate::json_number(n)),
        Value::String(s) => dayjs_parse_string(s),
        // `new Date(array)` converts the array to a string and parses it, skipping dayjs's regex.
        Value::Array(_) => parse_js_date(&to_js_string(value)),
    }
}

/// `dayjs(text).valueOf()` (equally `dayjs.utc(text)`, as local time is UTC): dayjs's own
/// pattern `YYYY[-/]MM[-/]DD[T ]HH:mm:ss.SSS` with every part after the year optional, and for
/// anything else — including every string ending in `Z` or `z` — `Date.parse`.
pub fn dayjs_parse_string(text: &str) -> Option<f64> {
    let ends_with_z = text.ends_with(['Z', 'z']);
    if !ends_with_z {
        if let Some(parts) = match_dayjs_pattern(text) {
            return parts.to_time();
        }
    }
    parse_js_date(text)
}

/// The destination's `formatSessionId(value)`: an all-digit string is `Number(string)` (which may
/// be infinite for hundreds of digits); anything else is `dayjs.utc(value).valueOf()`. `None`
/// stands for NaN.
pub fn format_session_id(value: &Value) -> Option<f64> {
    match value {
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(string_to_number(s))
        }
        _ => dayjs_utc_value_of(value),
    }
}

/// `time` as the Amplitude `logEventV2` action sends it: `if (time && dayjs.utc(time).isValid())
/// properties.time = dayjs.utc(time).valueOf()`. `None` (missing, falsy or invalid) means the
/// field is left out of the event.
pub fn amplitude_event_time(time: Option<&Value>) -> Option<f64> {
    let time = time.filter(|t| is_truthy(Some(t)))?;
    dayjs_utc_value_of(time)
}

/// `session_id` as the Amplitude `logEventV2` action sends it: when truthy and
/// `dayjs.utc(session_id).isValid()`, `formatSessionId(session_id)`; otherwise `None` (left out).
/// The result can be infinite for an all-digit string of hundreds of digits, which
/// `JSON.stringify` writes as `null`.
pub fn amplitude_session_id(session_id: Option<&Value>) -> Option<f64> {
    let session_id = session_id.filter(|s| is_truthy(Some(s)))?;
    dayjs_utc_value_of(session_id)?;
    format_session_id(session_id)
}

/// actions-core's ajv format `date-like`: valid when `dayjs(text)` is valid, except that a string
/// in canonical number form (`String(Number(text)) === text`, e.g. `"1700000000"`, `"-1.5"`,
/// `"NaN"`) is read as seconds since the epoch instead. ajv applies formats to strings only, so
/// other values pass the format check without calling this.
pub fn is_date_like(text: &str) -> bool {
    // What nearly every client sends, and never a number's text.
    if parse_canonical_iso(text).is_some() {
        return true;
    }
    let as_number = string_to_number(text);
    // Most dates are not numbers; NaN's own text, "NaN", is not a date either.
    if as_number.is_nan() {
        return text != "NaN" && dayjs_parse_string(text).is_some();
    }
    if number_to_string(as_number) == text {
        return time_clip(as_number * 1000.0).is_some();
    }
    dayjs_parse_string(text).is_some()
}

/// The captures of dayjs's `REGEX_PARSE`:
/// `^(\d{4})[-/]?(\d{1,2})?[-/]?(\d{0,2})[Tt\s]*(\d{1,2})?:?(\d{1,2})?:?(\d{1,2})?[.:]?(\d+)?$`.
struct DayjsParts<'a> {
    year: &'a str,
    month: Option<&'a str>,
    day: &'a str,
    hour: Option<&'a str>,
    minute: Option<&'a str>,
    second: Option<&'a str>,
    fraction: Option<&'a str>,
}

impl DayjsParts<'_> {
    /// dayjs's `Date.UTC(year, month - 1 || 0, day || 1, hour || 0, minute || 0, second || 0,
    /// fraction.substring(0, 3))`: empty or missing parts take the default, but `"0"` and
    /// `"00"` are truthy strings, so day `00` is the last day of the previous month and month
    /// `00` is December of the previous year.
    fn to_time(&self) -> Option<f64> {
        let number = |digits: &str| -> i64 {
            digits
                .bytes()
                .fold(0, |n, d| n * 10 + i64::from(d.saturating_sub(b'0')))
        };
        let or_default = |part: Option<&str>, default: i64| -> i64 {
            part.filter(|p| !p.is_empty()).map_or(default, number)
        };
        let mut year = number(self.year);
        // Date.UTC maps years 0–99 to 1900–1999.
        if (0..=99).contains(&year) {
            year += 1900;
        }
        let month = self.month.map_or(0, |m| number(m) - 1);
        // The fraction's first three digits are milliseconds as written: ".5" is 5 ms.
        let millisecond = self.fraction.map_or(0, |f| number(f.get(..3).unwrap_or(f)));
        calendar::utc_time(
            year,
            month,
            or_default(Some(self.day), 1),
            or_default(self.hour, 0),
            or_default(self.minute, 0),
            or_default(self.second, 0),
            millisecond,
        )
    }
}

/// Matches dayjs's pattern with JavaScript's backtracking order: every quantifier is greedy, so
/// the first combination that reaches the end, trying longer runs first, wins.
fn match_dayjs_pattern(text: &str) -> Option<DayjsParts<'_>> {
    let bytes = text.as_bytes();
    let year = text
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?;
    let after_year = 4;
    // `(\d+)?$` needs every byte from the fraction on to be a digit.
    let digits_from = bytes
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |i| i + 1);
    for sep1 in (0..=optional_byte(bytes, after_year, b"-/")).rev() {
        let after_sep1 = after_year + sep1;
        for month_len in (0..=digit_run(bytes, after_sep1, 2)).rev() {
            let after_month = after_sep1 + month_len;
            for sep2 in (0..=optional_byte(bytes, after_month, b"-/")).rev() {
                let after_sep2 = after_month + sep2;
                for day_len in (0..=digit_run(bytes, after_sep2, 2)).rev() {
                    let after_day = after_sep2 + day_len;
                    // Everything after the separator run must be digits, ':' or '.', so the run
                    // of `T`s and white space never gives characters back: take it whole.
                    let after_separators = skip_time_separators(text, after_day);
                    if let Some((hour, minute, second, fraction)) =
                        match_time_tail(text, after_separators, digits_from)
                    {
                        return Some(DayjsParts {
                            year,
                            month: text.get(after_sep1..after_month).filter(|m| !m.is_empty()),
                            day: text.get(after_sep2..after_day).unwrap_or(""),
                            hour,
                            minute,
                            second,
                            fraction,
                        });
                    }
                }
            }
        }
    }
    None
}

/// The end of a run of `T`, `t` and JavaScript white space starting at byte `from`.
fn skip_time_separators(text: &str, from: usize) -> usize {
    let rest = text.get(from..).unwrap_or("");
    let run: usize = rest
        .chars()
        .take_while(|&c| c == 'T' || c == 't' || is_js_whitespace(c))
        .map(char::len_utf8)
        .sum();
    from + run
}

type TimeTail<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

/// Matches `(\d{1,2})?:?(\d{1,2})?:?(\d{1,2})?[.:]?(\d+)?$` from byte `from` to the end.
/// `digits_from` is where the string's final run of digits starts.
fn match_time_tail(text: &str, from: usize, digits_from: usize) -> Option<TimeTail<'_>> {
    let bytes = text.as_bytes();
    let capture = |start: usize, len: usize| text.get(start..start + len).filter(|_| len > 0);
    for hour_len in (0..=digit_run(bytes, from, 2)).rev() {
        let after_hour = from + hour_len;
        for colon1 in (0..=optional_byte(bytes, after_hour, b":")).rev() {
            let minute_start = after_hour + colon1;
            for minute_len in (0..=digit_run(bytes, minute_start, 2)).rev() {
                let after_minute = minute_start + minute_len;
                for colon2 in (0..=optional_byte(bytes, after_minute, b":")).rev() {
                    let second_start = after_minute + colon2;
                    for second_len in (0..=digit_run(bytes, second_start, 2)).rev() {
                        let after_second = second_start + second_len;
                        for dot in (0..=optional_byte(bytes, after_second, b".:")).rev() {
                            let fraction_start = after_second + dot;
                            // `(\d+)?$`: the rest must be all digits (or nothing).
                            if fraction_start >= digits_from {
                                return Some((
                                    capture(from, hour_len),
                                    capture(minute_start, minute_len),
                                    capture(second_start, second_len),
                                    capture(fraction_start, text.len() - fraction_start),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    None
}

/// The length of the run of ASCII digits at byte `from`, at most `max`.
fn digit_run(bytes: &[u8], from: usize, max: usize) -> usize {
    bytes.get(from..).map_or(0, |rest| {
        rest.iter()
            .take(max)
            .take_while(|b| b.is_ascii_digit())
            .count()
    })
}

/// 1 when the byte at `at` is one of `allowed` (an optional one-character class), else 0.
fn optional_byte(bytes: &[u8], at: usize, allowed: &[u8]) -> usize {
    usize::from(bytes.get(at).is_some_and(|b| allowed.contains(b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_canonical_form_reads_as_the_general_parser_reads_it(
            year in 0i64..10_000, month in 0i64..14, day in 0i64..32, hour in 0i64..25,
            minute in 0i64..61, second in 0i64..61, millisecond in 0i64..1000,
        ) {
            let text = format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millisecond:03}Z"
            );
            let fast = parse_canonical_iso(&text);
            prop_assert!(fast.is_none() || fast == v8_parser::parse(&text), "{}", text);
            prop_assert_eq!(parse_js_date(&text), v8_parser::parse(&text));
        }

        #[test]
        fn other_shapes_are_left_to_the_general_parser(text in "[0-9TZ:.+ -]{20,26}") {
            prop_assert_eq!(parse_js_date(&text), v8_parser::parse(&text));
        }
    }

    #[test]
    fn the_canonical_form_is_read_directly() {
        assert_eq!(
            parse_canonical_iso("2024-01-15T10:00:34.790Z"),
            Some(1_705_312_834_790.0)
        );
        assert_eq!(
            parse_canonical_iso("2024-02-29T00:00:00.000Z"),
            Some(1_709_164_800_000.0)
        );
        assert_eq!(
            parse_canonical_iso("2024-12-31T23:59:59.999Z"),
            Some(1_735_689_599_999.0)
        );
        // Left to the general parser: a day past the month's end, a lower-case zone, a year
        // before 1000.
        assert_eq!(parse_canonical_iso("2023-02-29T00:00:00.000Z"), None);
        assert_eq!(parse_canonical_iso("2024-04-31T00:00:00.000Z"), None);
        assert_eq!(parse_canonical_iso("2024-01-15T10:00:34.790z"), None);
        assert_eq!(parse_canonical_iso("0999-01-15T10:00:34.790Z"), None);
        assert_eq!(
            parse_js_date("2023-02-29T00:00:00.000Z"),
            Some(1_677_628_800_000.0)
        );
    }
}
