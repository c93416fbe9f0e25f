//! `Date.parse` as V8 (Node.js 20) implements it: the ES date-time string format first, then
//! V8's permissive "legacy" grammar, which accepts browser-style dates such as
//! `Tue, 05 Mar 2024 10:00:00 GMT+0200 (CEST)` or `12/25/2024 3:04 pm`.
//!
//! The legacy grammar is not specified anywhere but in V8's source, so this module mirrors its
//! observable rules: a tokenizer that reads numbers, a few symbols, "words" (runs of characters
//! at or above `'A'`, which includes non-ASCII text, but not white space) and parenthesised
//! comments; three composers
//! that collect day, time and zone fields; and a final validation of each field's range.

use crate::is_js_whitespace;

use super::calendar::{clip_integer, utc_time_unclipped};

/// At most this many leading digits of a numeral count; the rest are read and ignored.
const MAX_SIGNIFICANT_DIGITS: usize = 9;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Keyword {
    Month(i64),
    AmPm(i64),
    /// A zone name with its offset in hours; `z`, `ut`, `utc` and `gmt` are zero.
    Zone(i64),
    TimeSeparator,
    Unrecognised,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token {
    Number {
        value: i64,
        digits: usize,
    },
    Symbol(char),
    Word {
        keyword: Keyword,
        length: usize,
    },
    WhiteSpace,
    /// A parenthesised comment or any other character.
    Other,
    End,
}

impl Token {
    fn is_number_of_length(self, length: usize) -> bool {
        matches!(self, Token::Number { digits, .. } if digits == length)
    }

    fn number(self) -> Option<i64> {
        match self {
            Token::Number { value, .. } => Some(value),
            _ => None,
        }
    }

    fn sign(self) -> Option<i64> {
        match self {
            Token::Symbol('+') => Some(1),
            Token::Symbol('-') => Some(-1),
            _ => None,
        }
    }

    fn is_zone_z(self) -> bool {
        matches!(
            self,
            Token::Word {
                keyword: Keyword::Zone(0),
                length: 1
            }
        )
    }
}

struct Scanner<'a> {
    /// The input up to its first NUL character, which V8 treats as the end of the string.
    text: &'a str,
    /// Byte offset of the current character.
    position: usize,
    next: Token,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.split('\0').next().unwrap_or_default();
        let mut scanner = Scanner {
            text,
            position: 0,
            next: Token::End,
        };
        scanner.next = scanner.scan();
        scanner
    }

    fn peek(&self) -> Token {
        self.next
    }

    fn advance(&mut self) -> Token {
        let token = self.next;
        self.next = self.scan();
        token
    }

    fn skip_symbol(&mut self, symbol: char) -> bool {
        if self.next == Token::Symbol(symbol) {
            self.next = self.scan();
            true
        } else {
            false
        }
    }

    fn current(&self) -> Option<char> {
        self.text.get(self.position..)?.chars().next()
    }

    /// Moves past the current character.
    fn bump(&mut self) {
        self.position += self.current().map_or(1, char::len_utf8);
    }

    fn scan(&mut self) -> Token {
        let Some(c) = self.current() else {
            return Token::End;
        };
        if c.is_ascii_digit() {
            // Leading zeros do not count toward the significant digits but do count in the
            // numeral's length (which fractions use to find their scale, giving `.000123456789`
            // 123 ms in V8).
            let start = self.position;
            while self.current() == Some('0') {
                self.bump();
            }
            let mut value = 0;
            let mut significant = 0;
            while let Some(d) = self.current().and_then(|c| c.to_digit(10)) {
                if significant < MAX_SIGNIFICANT_DIGITS {
                    value = value * 10 + i64::from(d);
                }
                significant += 1;
                self.bump();
            }
            return Token::Number {
                value,
                digits: self.position - start,
            };
        }
        if matches!(c, ':' | '-' | '+' | '.' | ')') {
            self.bump();
            return Token::Symbol(c);
        }
        // Words are runs of anything at or above 'A' — non-ASCII text included — except white
        // space such as U+00A0 (line terminators U+2028 and U+2029 do count as word characters).
        let is_line_terminator = |c: char| matches!(c, '\u{2028}' | '\u{2029}');
        let is_word_char = |c: char| c >= 'A' && (is_line_terminator(c) || !is_js_whitespace(c));
        if is_word_char(c) {
            let mut prefix = [None; 3];
            let mut length = 0;
            while let Some(c) = self.current().filter(|&c| is_word_char(c)) {
                if let Some(slot) = prefix.get_mut(length) {
                    // V8 lower-cases by setting bit 0x20, which maps only ASCII letters onto
                    // keyword letters.
                    *slot = Some(char::from_u32(u32::from(c) | 0x20).unwrap_or(c));
                }
                length += 1;
                self.bump();
            }
            return Token::Word {
                keyword: lookup_keyword(prefix, length),
                length,
            };
        }
        if is_js_whitespace(c) {
            self.bump();
            return Token::WhiteSpace;
        }
        if c == '(' {
            let mut balance = 0_i64;
            loop {
                match self.current() {
                    Some(')') => balance -= 1,
                    Some('(') => balance += 1,
                    _ => {}
                }
                self.bump();
                if balance <= 0 || self.current().is_none() {
                    break;
                }
            }
            return Token::Other;
        }
        self.bump();
        Token::Other
    }
}

fn lookup_keyword(prefix: [Option<char>; 3], length: usize) -> Keyword {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    const OTHERS: [(&[u8; 3], Keyword); 15] = [
        (b"am\0", Keyword::AmPm(0)),
        (b"pm\0", Keyword::AmPm(12)),
        (b"ut\0", Keyword::Zone(0)),
        (b"utc", Keyword::Zone(0)),
        (b"z\0\0", Keyword::Zone(0)),
        (b"gmt", Keyword::Zone(0)),
        (b"cdt", Keyword::Zone(-5)),
        (b"cst", Keyword::Zone(-6)),
        (b"edt", Keyword::Zone(-4)),
        (b"est", Keyword::Zone(-5)),
        (b"mdt", Keyword::Zone(-6)),
        (b"mst", Keyword::Zone(-7)),
        (b"pdt", Keyword::Zone(-7)),
        (b"pst", Keyword::Zone(-8)),
        (b"t\0\0", Keyword::TimeSeparator),
    ];
    // Zero-padded like V8's buffer; characters that cannot be keyword letters become 0xFF.
    let bytes = prefix.map(|c| {
        c.map_or(0, |c| {
            u8::try_from(c)
                .ok()
                .filter(u8::is_ascii_lowercase)
                .unwrap_or(0xFF)
        })
    });
    // A month needs only its first three letters ("Sept", "December"); other keywords must be
    // the whole word.
    if let Some(index) = MONTHS.iter().position(|m| **m == bytes) {
        return Keyword::Month(index as i64 + 1);
    }
    if length > 3 {
        return Keyword::Unrecognised;
    }
    OTHERS
        .iter()
        .find(|(name, _)| **name == bytes)
        .map_or(Keyword::Unrecognised, |(_, keyword)| *keyword)
}

fn fraction_to_milliseconds(value: i64, digits: usize) -> i64 {
    match digits {
        0 => value,
        1 => value * 100,
        2 => value * 10,
        3 => value,
        _ => {
            let counted = digits.min(MAX_SIGNIFICANT_DIGITS) - 3;
            value / 10_i64.pow(counted as u32)
        }
    }
}

fn is_minute(n: i64) -> bool {
    (0..=59).contains(&n)
}

fn is_hour(n: i64) -> bool {
    (0..=23).contains(&n)
}

fn is_month(n: i64) -> bool {
    (1..=12).contains(&n)
}

fn is_day(n: i64) -> bool {
    (1..=31).contains(&n)
}

/// Up to `N` numeric fields in the order they were read.
struct Parts<const N: usize> {
    values: [i64; N],
    len: usize,
}

impl<const N: usize> Default for Parts<N> {
    fn default() -> Self {
        Parts {
            values: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> Parts<N> {
    fn push(&mut self, n: i64) -> bool {
        match self.values.get_mut(self.len) {
            Some(slot) => {
                *slot = n;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn get(&self, i: usize) -> Option<i64> {
        self.values.get(..self.len)?.get(i).copied()
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[derive(Default)]
struct DayFields {
    parts: Parts<3>,
    named_month: Option<i64>,
    /// Set by the ES date-time format: fields are year-month-day and two-digit years stay as is.
    iso_order: bool,
}

impl DayFields {
    fn add(&mut self, n: i64) -> bool {
        self.parts.push(n)
    }

    /// `(year, month 1-based, day)`, or `None` when the fields cannot form a date.
    fn resolve(&self) -> Option<(i64, i64, i64)> {
        if self.parts.is_empty() {
            return None;
        }
        // Missing fields count as 1 — including a missing year, so `12/25` and `Jan 5` fall
        // in 2001 (V8's behaviour).
        let part = |i: usize| self.parts.get(i).unwrap_or(1);
        let (first, second, third) = (part(0), part(1), part(2));
        let (mut year, month, day) = match self.named_month {
            None if self.iso_order || !is_day(first) => (first, second, third),
            None => (third, first, second),
            Some(month) if !is_day(first) => (first, month, second),
            Some(month) => (second, month, first),
        };
        if !self.iso_order {
            if (0..=49).contains(&year) {
                year += 2000;
            } else if (50..=99).contains(&year) {
                year += 1900;
            }
        }
        (is_month(month) && is_day(day)).then_some((year, month, day))
    }
}

#[derive(Default)]
struct TimeFields {
    parts: Parts<4>,
    hour_offset: Option<i64>,
}

impl TimeFields {
    fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    fn add(&mut self, n: i64) -> bool {
        self.parts.push(n)
    }

    fn add_final(&mut self, n: i64) -> bool {
        if !self.add(n) {
            return false;
        }
        while self.parts.push(0) {}
        true
    }

    fn is_expecting(&self, n: i64) -> bool {
        match self.parts.len() {
            1 | 2 => is_minute(n),
            3 => (0..=999).contains(&n),
            _ => false,
        }
    }

    /// `(hour, minute, second, millisecond)`, or `None` when out of range.
    fn resolve(&self) -> Option<(i64, i64, i64, i64)> {
        let part = |i: usize| self.parts.get(i).unwrap_or(0);
        let mut hour = part(0);
        let (minute, second, millisecond) = (part(1), part(2), part(3));
        if let Some(offset) = self.hour_offset {
            if !(0..=12).contains(&hour) {
                return None;
            }
            hour = hour % 12 + offset;
        }
        let in_range = is_hour(hour)
            && is_minute(minute)
            && is_minute(second)
            && (0..=999).contains(&millisecond);
        // 24:00:00.000 is the end of the day.
        let end_of_day = hour == 24 && minute == 0 && second == 0 && millisecond == 0;
        (in_range || end_of_day).then_some((hour, minute, second, millisecond))
    }
}

#[derive(Default)]
struct ZoneFields {
    sign: Option<i64>,
    hour: Option<i64>,
    minute: Option<i64>,
}

impl ZoneFields {
    fn set_hours(&mut self, offset_hours: i64) {
        self.sign = Some(if offset_hours < 0 { -1 } else { 1 });
        self.hour = Some(offset_hours.abs());
        self.minute = Some(0);
    }

    fn is_expecting(&self, n: i64) -> bool {
        self.hour.is_some() && self.minute.is_none() && is_minute(n)
    }

    fn is_utc(&self) -> bool {
        self.hour == Some(0) && self.minute == Some(0)
    }

    /// The offset in seconds east of UTC; `Some(None)` when no zone was given (local time);
    /// `None` when the offset is out of range.
    fn resolve(&self) -> Option<Option<i64>> {
        let Some(sign) = self.sign else {
            return Some(None);
        };
        // V8 sums the offset in wrapping 32-bit unsigned arithmetic and requires the result to
        // fit a small integer.
        let hour = self.hour.unwrap_or(0) as u32;
        let minute = self.minute.unwrap_or(0) as u32;
        let total = hour
            .wrapping_mul(3600)
            .wrapping_add(minute.wrapping_mul(60));
        let total = i32::try_from(total).ok()?;
        Some(Some(sign * i64::from(total)))
    }
}

enum Es5Outcome {
    /// The whole input was an ES date-time string.
    Complete,
    /// Only a prefix fitted; the legacy grammar continues with this token.
    Continue(Token),
    Invalid,
}

struct Fields {
    day: DayFields,
    time: TimeFields,
    zone: ZoneFields,
}

fn parse_es5(scanner: &mut Scanner<'_>, fields: &mut Fields) -> Es5Outcome {
    let Fields { day, time, zone } = fields;
    if let Some(sign) = scanner.peek().sign() {
        let sign_token = scanner.advance();
        if !scanner.peek().is_number_of_length(6) {
            return Es5Outcome::Continue(sign_token);
        }
        let year = scanner.advance().number().unwrap_or(0);
        if sign < 0 && year == 0 {
            return Es5Outcome::Continue(sign_token);
        }
        day.add(sign * year);
    } else if scanner.peek().is_number_of_length(4) {
        day.add(scanner.advance().number().unwrap_or(0));
    } else {
        return Es5Outcome::Continue(scanner.advance());
    }
    if scanner.skip_symbol('-') {
        let peek = scanner.peek();
        if !peek.is_number_of_length(2) || !peek.number().is_some_and(is_month) {
            return Es5Outcome::Continue(scanner.advance());
        }
        day.add(scanner.advance().number().unwrap_or(0));
        if scanner.skip_symbol('-') {
            let peek = scanner.peek();
            if !peek.is_number_of_length(2) || !peek.number().is_some_and(is_day) {
                return Es5Outcome::Continue(scanner.advance());
            }
            day.add(scanner.advance().number().unwrap_or(0));
        }
    }
    let is_separator = matches!(
        scanner.peek(),
        Token::Word {
            keyword: Keyword::TimeSeparator,
            ..
        }
    );
    if !is_separator {
        if scanner.peek() != Token::End {
            return Es5Outcome::Continue(scanner.advance());
        }
    } else {
        scanner.advance();
        if parse_es5_time(scanner, time, zone).is_none() {
            return Es5Outcome::Invalid;
        }
    }
    // Date-only forms without an offset are UTC; date-time forms are local time.
    if zone.hour.is_none() && time.is_empty() {
        zone.set_hours(0);
    }
    day.iso_order = true;
    Es5Outcome::Complete
}

/// The `HH:mm[:ss[.sss]][Z|±hh:mm|±hhmm]` rest after `T`, which must reach the end of input.
fn parse_es5_time(
    scanner: &mut Scanner<'_>,
    time: &mut TimeFields,
    zone: &mut ZoneFields,
) -> Option<()> {
    let two_digits = |token: Token| token.number().filter(|_| token.is_number_of_length(2));
    let hour = two_digits(scanner.peek()).filter(|h| (0..=24).contains(h))?;
    let hour_is_24 = hour == 24;
    scanner.advance();
    time.add(hour);
    if !scanner.skip_symbol(':') {
        return None;
    }
    let minute = two_digits(scanner.peek()).filter(|m| is_minute(*m) && !(hour_is_24 && *m > 0))?;
    scanner.advance();
    time.add(minute);
    if scanner.skip_symbol(':') {
        let second =
            two_digits(scanner.peek()).filter(|s| is_minute(*s) && !(hour_is_24 && *s > 0))?;
        scanner.advance();
        time.add(second);
        if scanner.skip_symbol('.') {
            let Token::Number { value, digits } = scanner.peek() else {
                return None;
            };
            if hour_is_24 && value > 0 {
                return None;
            }
            scanner.advance();
            time.add(fraction_to_milliseconds(value, digits));
        }
    }
    if scanner.peek().is_zone_z() {
        scanner.advance();
        zone.set_hours(0);
    } else if let Some(sign) = scanner.peek().sign() {
        scanner.advance();
        zone.sign = Some(sign);
        if scanner.peek().is_number_of_length(4) {
            let hour_minute = scanner.advance().number().unwrap_or(0);
            let (hour, minute) = (hour_minute / 100, hour_minute % 100);
            if !is_hour(hour) || !is_minute(minute) {
                return None;
            }
            zone.hour = Some(hour);
            zone.minute = Some(minute);
        } else {
            zone.hour = Some(two_digits(scanner.peek()).filter(|h| is_hour(*h))?);
            scanner.advance();
            if !scanner.skip_symbol(':') {
                return None;
            }
            zone.minute = Some(two_digits(scanner.peek()).filter(|m| is_minute(*m))?);
            scanner.advance();
        }
    }
    (scanner.peek() == Token::End).then_some(())
}

/// Runs the legacy grammar from `token` on; `None` when the input is rejected.
fn parse_legacy(scanner: &mut Scanner<'_>, fields: &mut Fields, mut token: Token) -> Option<()> {
    let Fields { day, time, zone } = fields;
    let mut has_read_number = !day.parts.is_empty();
    while token != Token::End {
        match token {
            Token::Number { value: n, .. } => {
                has_read_number = true;
                if scanner.skip_symbol(':') {
                    if scanner.skip_symbol(':') {
                        if !time.is_empty() {
                            return None;
                        }
                        time.add(n);
                        time.add(0);
                    } else {
                        if !time.add(n) {
                            return None;
                        }
                        if scanner.peek() == Token::Symbol('.') {
                            scanner.advance();
                        }
                    }
                } else if scanner.skip_symbol('.') && time.is_expecting(n) {
                    time.add(n);
                    let Token::Number { value, digits } = scanner.peek() else {
                        return None;
                    };
                    scanner.advance();
                    time.add_final(fraction_to_milliseconds(value, digits));
                } else if zone.is_expecting(n) {
                    zone.minute = Some(n);
                } else if time.is_expecting(n) {
                    time.add_final(n);
                    // A finished time must be followed by the end, white space, `Z` or a sign.
                    let peek = scanner.peek();
                    if !matches!(peek, Token::End | Token::WhiteSpace)
                        && !peek.is_zone_z()
                        && peek.sign().is_none()
                    {
                        return None;
                    }
                } else {
                    if !day.add(n) {
                        return None;
                    }
                    scanner.skip_symbol('-');
                }
            }
            Token::Word { keyword, .. } => match keyword {
                Keyword::AmPm(offset) if !time.is_empty() => time.hour_offset = Some(offset),
                Keyword::Month(month) => {
                    day.named_month = Some(month);
                    scanner.skip_symbol('-');
                }
                Keyword::Zone(hours) if has_read_number => zone.set_hours(hours),
                _ => {
                    // Words are ignored only before the first number, and only when something
                    // separates them from it.
                    if has_read_number || matches!(scanner.peek(), Token::Number { .. }) {
                        return None;
                    }
                }
            },
            Token::Symbol(c @ ('+' | '-')) if zone.is_utc() || !time.is_empty() => {
                zone.sign = Some(if c == '+' { 1 } else { -1 });
                let (n, digits) = match scanner.peek() {
                    Token::Number { value, digits } => {
                        scanner.advance();
                        (value, digits)
                    }
                    _ => (0, 0),
                };
                has_read_number = true;
                if scanner.peek() == Token::Symbol(':') {
                    zone.hour = Some(n);
                    zone.minute = None;
                } else if digits == 1 || digits == 2 {
                    zone.hour = Some(n);
                    zone.minute = Some(0);
                } else if digits == 3 || digits == 4 {
                    zone.hour = Some(n / 100);
                    zone.minute = Some(n % 100);
                } else {
                    return None;
                }
            }
            Token::Symbol('+' | '-' | ')') if has_read_number => return None,
            _ => {}
        }
        token = scanner.advance();
    }
    Some(())
}

/// `Date.parse(text)` in milliseconds since the epoch, `None` for an invalid date. Strings
/// without a zone are read as local time, which is UTC for ampline (Node.js with `TZ` unset).
pub fn parse(text: &str) -> Option<f64> {
    let mut scanner = Scanner::new(text);
    let mut fields = Fields {
        day: DayFields::default(),
        time: TimeFields::default(),
        zone: ZoneFields::default(),
    };
    match parse_es5(&mut scanner, &mut fields) {
        Es5Outcome::Complete => {}
        Es5Outcome::Invalid => return None,
        Es5Outcome::Continue(token) => parse_legacy(&mut scanner, &mut fields, token)?,
    }
    let (year, month, day) = fields.day.resolve()?;
    let (hour, minute, second, millisecond) = fields.time.resolve()?;
    let offset_seconds = fields.zone.resolve()?;
    let time = utc_time_unclipped(year, month - 1, day, hour, minute, second, millisecond)?;
    let time = match offset_seconds {
        None => time,
        Some(offset) => time - offset * 1000,
    };
    clip_integer(time)
}
