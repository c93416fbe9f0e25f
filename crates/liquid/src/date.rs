//! The `date` filters: liquidjs's input parsing and its strftime, for a process whose time zone
//! is UTC and whose locale is `en-US` (as Segment runs it).
//!
//! Inputs: numbers and digit strings are Unix seconds; `"now"`/`"today"` need the render's
//! current time; other strings go through `new Date(string)` (V8's parser, from `ampline-js`),
//! and what it rejects comes back unchanged. Time zone arguments: minutes (as liquidjs takes
//! them) or `UTC`; named zones would need a time zone database and are reported as unsupported.

use crate::render::{fail, Context, Outcome};
use crate::value::Val;

const DAY_MS: f64 = 86_400_000.0;
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const DEFAULT_FORMAT: &str = "%A, %B %-e, %Y at %-l:%M %P %z";

/// A moment as liquidjs's `LiquidDate` shows it: the wall-clock fields of `display_ms` (UTC
/// arithmetic) and the offset it claims.
struct Shown {
    display_ms: f64,
    /// Minutes behind UTC, as `Date#getTimezoneOffset` counts them.
    offset_minutes: f64,
    zone_name: String,
}

struct Fields {
    year: i64,
    month: usize,
    day: i64,
    hours: i64,
    minutes: i64,
    seconds: i64,
    millis: i64,
    weekday: usize,
}

fn fields(ms: f64) -> Fields {
    let days = (ms / DAY_MS).floor();
    let in_day = (ms - days * DAY_MS) as i64;
    let days = days as i64;
    let (year, month, day) = ampline_js::date::civil_from_days(days);
    Fields {
        year,
        month: (month - 1) as usize,
        day,
        hours: in_day / 3_600_000,
        minutes: in_day / 60_000 % 60,
        seconds: in_day / 1000 % 60,
        millis: in_day % 1000,
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

fn is_leap(year: i64) -> bool {
    year & 3 == 0 && (year % 100 != 0 || (year % 400 == 0 && year != 0))
}

fn day_of_year(f: &Fields) -> i64 {
    let feb = if is_leap(f.year) { 29 } else { 28 };
    let lengths = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    lengths.iter().take(f.month).sum::<i64>() + f.day
}

fn week_of_year(f: &Fields, start_day: i64) -> i64 {
    let now = day_of_year(f) + (start_day - f.weekday as i64);
    let jan1 = (ampline_js::date::days_from_civil(f.year, 1, 1) + 4).rem_euclid(7);
    let then = 7 - jan1 + start_day;
    (now - then).div_euclid(7) + 1
}

fn two(n: i64) -> String {
    format!("{n:02}")
}

fn hour12(h: i64) -> i64 {
    if h % 12 == 0 {
        12
    } else {
        h % 12
    }
}

fn offset_text(shown: &Shown, colon: bool) -> String {
    let abs = shown.offset_minutes.abs() as i64;
    let sign = if shown.offset_minutes > 0.0 { '-' } else { '+' };
    format!(
        "{sign}{}{}{}",
        two(abs / 60),
        if colon { ":" } else { "" },
        two(abs % 60)
    )
}

fn convert(
    shown: &Shown,
    f: &Fields,
    conversion: char,
    flags: &str,
    width: Option<usize>,
) -> Option<String> {
    Some(match conversion {
        'a' => DAYS[f.weekday][..3].to_string(),
        'A' => DAYS[f.weekday].to_string(),
        'b' | 'h' => MONTHS[f.month][..3].to_string(),
        'B' => MONTHS[f.month].to_string(),
        'c' => format!(
            "{}/{}/{}, {}:{}:{} {}",
            f.month + 1,
            f.day,
            f.year,
            hour12(f.hours),
            two(f.minutes),
            two(f.seconds),
            if f.hours < 12 { "AM" } else { "PM" }
        ),
        'C' => f
            .year
            .to_string()
            .chars()
            .take(2)
            .collect::<String>()
            .parse::<i64>()
            .ok()?
            .to_string(),
        'd' | 'e' => f.day.to_string(),
        'H' | 'k' => f.hours.to_string(),
        'I' | 'l' => hour12(f.hours).to_string(),
        'j' => day_of_year(f).to_string(),
        'L' => f.millis.to_string(),
        'm' => (f.month + 1).to_string(),
        'M' => f.minutes.to_string(),
        'N' => {
            let width = width.filter(|&w| w > 0).unwrap_or(9);
            let digits: String = f.millis.to_string().chars().take(width).collect();
            format!("{digits:0<width$}")
        }
        'p' => (if f.hours < 12 { "AM" } else { "PM" }).to_string(),
        'P' => (if f.hours < 12 { "am" } else { "pm" }).to_string(),
        'q' => match f.day {
            11..=13 => "th",
            d if d % 10 == 1 => "st",
            d if d % 10 == 2 => "nd",
            d if d % 10 == 3 => "rd",
            _ => "th",
        }
        .to_string(),
        's' => {
            let mut out = String::new();
            let secs = shown.display_ms / 1000.0;
            ampline_js::write_number(&mut out, (secs + 0.5).floor());
            out
        }
        'S' => f.seconds.to_string(),
        'u' => (if f.weekday == 0 { 7 } else { f.weekday }).to_string(),
        'U' => week_of_year(f, 0).to_string(),
        'w' => f.weekday.to_string(),
        'W' => week_of_year(f, 1).to_string(),
        'x' => format!("{}/{}/{}", f.month + 1, f.day, f.year),
        'X' => format!(
            "{}:{}:{} {}",
            hour12(f.hours),
            two(f.minutes),
            two(f.seconds),
            if f.hours < 12 { "AM" } else { "PM" }
        ),
        'y' => f.year.to_string().chars().skip(2).take(2).collect(),
        'Y' => f.year.to_string(),
        'z' => offset_text(shown, flags.contains(':')),
        'Z' => {
            if shown.zone_name.is_empty() {
                offset_text(shown, flags.contains(':'))
            } else {
                shown.zone_name.clone()
            }
        }
        't' => "\t".to_string(),
        'n' => "\n".to_string(),
        '%' => "%".to_string(),
        _ => return None,
    })
}

fn default_width(conversion: char) -> usize {
    match conversion {
        'd' | 'e' | 'H' | 'I' | 'k' | 'l' | 'm' | 'M' | 'S' | 'U' | 'W' => 2,
        'j' | 'L' => 3,
        _ => 0,
    }
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// liquidjs's strftime: `%` [flags `-_0^#:`] [width] [`E`|`O`] conversion.
/// Widths beyond this are refused rather than padded out.
const MAX_WIDTH: usize = 10_000;

fn strftime(shown: &Shown, format: &str) -> Outcome<String> {
    let f = fields(shown.display_ms);
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let flags_start = j;
        while j < chars.len() && "-_0^#:".contains(chars[j]) {
            j += 1;
        }
        let flags_end = j;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        let width_end = j;
        if j < chars.len() && (chars[j] == 'E' || chars[j] == 'O') {
            j += 1;
        }
        let modifier_end = j;
        let (mut flags_end, mut width_end) = (flags_end, width_end);
        let conversion_at = if j < chars.len() && !is_line_terminator(chars[j]) {
            j
        } else if modifier_end > width_end {
            width_end
        } else if width_end > flags_end {
            width_end -= 1;
            width_end
        } else if flags_end > flags_start {
            flags_end -= 1;
            width_end = flags_end;
            flags_end
        } else {
            out.push('%');
            i += 1;
            continue;
        };
        let flags: String = chars[flags_start..flags_end].iter().collect();
        let width_text: String = chars[flags_end..width_end].iter().collect();
        let width = match width_text.parse::<usize>() {
            Ok(w) if w > MAX_WIDTH => {
                return fail(format!(
                    "date: a field width above {MAX_WIDTH} is not supported"
                ))
            }
            Err(_) if !width_text.is_empty() => {
                return fail(format!(
                    "date: a field width above {MAX_WIDTH} is not supported"
                ))
            }
            parsed => parsed.ok(),
        };
        let conversion = chars[conversion_at];
        let whole: String = chars[i..=conversion_at].iter().collect();
        i = conversion_at + 1;
        let Some(mut text) = convert(shown, &f, conversion, &flags, width) else {
            out.push_str(&whole);
            continue;
        };
        let mut pad = if "aAbBceklpP".contains(conversion) {
            ' '
        } else {
            '0'
        };
        let mut pad_width = match width {
            Some(w) if !width_text.is_empty() && w > 0 => w,
            _ if !width_text.is_empty() && width == Some(0) => 0,
            _ => default_width(conversion),
        };
        if flags.contains('^') {
            text = text.to_uppercase();
        } else if flags.contains('#') {
            text = if text.chars().any(|c| c.is_ascii_lowercase()) {
                text.to_uppercase()
            } else {
                text.to_lowercase()
            };
        }
        if flags.contains('_') {
            pad = ' ';
        } else if flags.contains('0') {
            pad = '0';
        }
        if flags.contains('-') {
            pad_width = 0;
        }
        let len = ampline_js::utf16_len(&text);
        for _ in len..pad_width {
            out.push(pad);
        }
        out.push_str(&text);
    }
    Ok(out)
}

/// Milliseconds since the epoch for a date input; `Ok(None)` when JavaScript finds no date.
fn parse_input(ctx: &Context<'_>, v: &Val<'_>) -> Outcome<Option<f64>> {
    let v = v.to_value();
    let ms = match &v {
        Val::Undefined | Val::Null => return Ok(None),
        Val::Str(s) if &**s == "now" || &**s == "today" => match ctx.now_ms {
            Some(now) => now,
            None => {
                return fail("date \"now\" needs the current time, which this render was not given")
            }
        },
        Val::Num(n) => n * 1000.0,
        Val::Bool(b) => f64::from(u8::from(*b)),
        Val::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            ampline_js::string_to_number(s) * 1000.0
        }
        Val::Str(_) | Val::JsonArray(_) | Val::Array(_) => {
            match ampline_js::date::parse_js_date(&v.js_string()) {
                Some(ms) => ms,
                None => return Ok(None),
            }
        }
        _ => return Ok(None),
    };
    Ok((ms.is_finite() && ms.abs() <= 8.64e15).then_some(ms.trunc()))
}

/// The zone a date is shown in: minutes behind UTC and the name `%Z` prints.
struct Zone {
    offset_minutes: f64,
    name: String,
}

/// Names of UTC that `Intl` accepts (case-insensitively).
const UTC_NAMES: [&str; 18] = [
    "utc",
    "etc/utc",
    "gmt",
    "etc/gmt",
    "uct",
    "etc/uct",
    "zulu",
    "etc/zulu",
    "universal",
    "etc/universal",
    "greenwich",
    "etc/greenwich",
    "gmt0",
    "etc/gmt0",
    "gmt+0",
    "gmt-0",
    "etc/gmt+0",
    "etc/gmt-0",
];

/// liquidjs's time zone argument: a name (looked up with `Intl`), or anything else used as a
/// number of minutes behind UTC. The process zone (no argument) is UTC. Of the names, only
/// UTC's are known here; text that cannot be a zone name fails with `Intl`'s message.
fn zone_of(zone: &Val<'_>) -> Outcome<Zone> {
    Ok(match zone {
        Val::Undefined | Val::Null => Zone {
            offset_minutes: 0.0,
            name: "UTC".to_string(),
        },
        Val::Str(name) => {
            let could_be_a_zone = name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
            if !could_be_a_zone {
                return fail(format!("Invalid time zone specified: {}", &**name));
            }
            if !UTC_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
                return fail(format!(
                    "date: the time zone {:?} is not supported (UTC and minute offsets are)",
                    &**name
                ));
            }
            Zone {
                offset_minutes: 0.0,
                name: name.to_string(),
            }
        }
        other => Zone {
            offset_minutes: other.js_number(),
            name: String::new(),
        },
    })
}

fn shown_at(ms: f64, zone: &Zone) -> Option<Shown> {
    let display_ms = ms - zone.offset_minutes * 60_000.0;
    if !display_ms.is_finite() || display_ms.abs() > 8.64e15 {
        return None;
    }
    Some(Shown {
        display_ms,
        offset_minutes: zone.offset_minutes,
        zone_name: zone.name.clone(),
    })
}

pub(crate) fn date<'a>(
    ctx: &mut Context<'a>,
    v: &Val<'a>,
    format: Val<'a>,
    zone: Val<'a>,
    zone_given: bool,
) -> Outcome<Val<'a>> {
    let size = v.length().unwrap_or(0) + format.length().unwrap_or(0) + zone.length().unwrap_or(0);
    ctx.use_memory(size as f64)?;
    let Some(ms) = parse_input(ctx, v)? else {
        return Ok(v.clone());
    };
    // `Intl` checks a zone name only for a valid date.
    let zone = zone_of(if zone_given { &zone } else { &Val::Undefined })?;
    let Some(shown) = shown_at(ms, &zone) else {
        return Ok(v.clone());
    };
    let format = format.to_value();
    let format = if format.is_nil() {
        DEFAULT_FORMAT.into()
    } else {
        format.liquid_string()
    };
    Ok(Val::string(strftime(&shown, &format)?))
}

pub(crate) fn date_to_string<'a>(
    ctx: &mut Context<'a>,
    v: &Val<'a>,
    month: &str,
    kind: &Val<'a>,
    style: &Val<'a>,
) -> Outcome<Val<'a>> {
    let Some(ms) = parse_input(ctx, v)? else {
        return Ok(v.clone());
    };
    let Some(shown) = shown_at(ms, &zone_of(&Val::Undefined)?) else {
        return Ok(v.clone());
    };
    let day = fields(shown.display_ms).day;
    let format = if kind.as_str() == Some("ordinal") {
        if style.as_str() == Some("US") {
            format!("{month} {day}%q, %Y")
        } else {
            format!("{day}%q {month} %Y")
        }
    } else {
        format!("%d {month} %Y")
    };
    Ok(Val::string(strftime(&shown, &format)?))
}
