//! liquidjs's built-in filters that Segment leaves enabled, with liquidjs's coercions and its
//! memory accounting. Unknown filters pass their input through, as liquidjs does when
//! `strictFilters` is off.

use crate::render::{fail, Context, Outcome};
use crate::syntax::{Cursor, Source};
use crate::value::{
    is_js_space, js_add, js_compare, liquid_equals, own_property, read_property, Val,
};
use std::cmp::Ordering;
use std::rc::Rc;

/// Filters Segment replaces with ones that throw.
pub(crate) const DISABLED_FILTERS: [&str; 20] = [
    "array_to_sentence_string",
    "concat",
    "find",
    "find_exp",
    "find_index",
    "find_index_exp",
    "group_by",
    "group_by_exp",
    "has",
    "has_exp",
    "map",
    "newline_to_br",
    "reject",
    "reject_exp",
    "reverse",
    "sort",
    "sort_natural",
    "uniq",
    "where_exp",
    "type",
];

fn len16(s: &str) -> f64 {
    ampline_js::utf16_len(s) as f64
}

struct Args<'v, 'a> {
    args: &'v [Val<'a>],
}

impl<'a> Args<'_, 'a> {
    fn get(&self, i: usize) -> Val<'a> {
        self.args.get(i).cloned().unwrap_or(Val::Undefined)
    }

    fn given(&self, i: usize) -> Option<&Val<'a>> {
        self.args.get(i).filter(|v| !matches!(v, Val::Undefined))
    }

    /// An argument after liquidjs's `toNumber`; a missing one is `undefined`, which is NaN in
    /// arithmetic.
    fn number(&self, i: usize) -> f64 {
        self.args.get(i).map_or(f64::NAN, Val::liquid_number)
    }

    fn text(&self, i: usize) -> Rc<str> {
        self.get(i).liquid_string()
    }
}

pub(crate) fn apply<'a>(
    ctx: &mut Context<'a>,
    name: &str,
    v: Val<'a>,
    args: &[Val<'a>],
) -> Outcome<Val<'a>> {
    let a = Args { args };
    if DISABLED_FILTERS.contains(&name) {
        return fail(format!("filter \"{name}\" is disabled"));
    }
    let n0 = v.liquid_number();
    Ok(match name {
        // math
        "abs" => Val::Num(n0.abs()),
        "at_least" => Val::Num((0..args.len()).map(|i| a.number(i)).fold(n0, js_max)),
        "at_most" => Val::Num((0..args.len()).map(|i| a.number(i)).fold(n0, js_min)),
        "ceil" => Val::Num(n0.ceil()),
        "floor" => Val::Num(n0.floor()),
        "divided_by" => {
            let q = n0 / a.number(0);
            let integer = args.len() > 1 && a.number(1) != 0.0;
            Val::Num(if integer { q.floor() } else { q })
        }
        "minus" => Val::Num(n0 - a.number(0)),
        "plus" => Val::Num(n0 + a.number(0)),
        "times" => Val::Num(n0 * a.number(0)),
        "modulo" => Val::Num(n0 % a.number(0)),
        "round" => {
            let digits = a.get(0).liquid_number();
            let scale = 10f64.powf(digits);
            let scaled = n0 * scale;
            Val::Num(js_sign(n0) * js_round(scaled.abs()) / scale)
        }
        // html
        "escape" | "xml_escape" => Val::string(escape(ctx, &v.liquid_string())?),
        "escape_once" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            let unescaped = unescape(&s);
            Val::string(escape(ctx, &unescaped)?)
        }
        "strip_html" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            Val::string(strip_html(&s))
        }
        // url
        "url_decode" => match decode_uri_component(&v.liquid_string()) {
            Some(s) => Val::string(s.replace('+', " ")),
            None => return fail("URI malformed"),
        },
        "url_encode" => {
            Val::string(encode_uri(&v.liquid_string(), URI_COMPONENT_SAFE).replace("%20", "+"))
        }
        "cgi_escape" => {
            let encoded = encode_uri(&v.liquid_string(), URI_COMPONENT_SAFE).replace("%20", "+");
            let mut out = String::with_capacity(encoded.len());
            for c in encoded.chars() {
                match c {
                    '!' | '\'' | '(' | ')' | '*' => out.push_str(&format!("%{:X}", c as u32)),
                    c => out.push(c),
                }
            }
            Val::string(out)
        }
        "uri_escape" => Val::string(
            encode_uri(&v.liquid_string(), URI_SAFE)
                .replace("%5B", "[")
                .replace("%5D", "]"),
        ),
        "slugify" => slugify(&v, &a)?,
        // arrays
        "join" => {
            let v = v.to_value();
            let sep_arg = a.get(0).to_value();
            let items = to_array(&v);
            let sep = if sep_arg.is_nil() {
                Rc::from(" ")
            } else {
                sep_arg.liquid_string()
            };
            ctx.use_memory(items.len() as f64 * (1.0 + len16(&sep)))?;
            ctx.use_work(items.len() * (1 + sep.len()))?;
            let mut out = String::new();
            Val::array(items).write_join(&mut out, &sep);
            Val::string(out)
        }
        "first" | "last" => {
            let v = v.to_value();
            if !v.is_js_truthy() {
                return Ok(Val::string(""));
            }
            let length = own_property(&v, "length");
            let Val::Num(len) = length else {
                return Ok(Val::string(""));
            };
            let index = if name == "first" { 0.0 } else { len - 1.0 };
            own_property(&v, &Val::Num(index).property_key())
        }
        "size" => {
            if !v.is_js_truthy() {
                return Ok(Val::Num(0.0));
            }
            let len = own_property(&v, "length");
            if len.is_js_truthy() {
                len
            } else {
                Val::Num(0.0)
            }
        }
        "sum" => {
            let property = a.get(0);
            let path: Option<Vec<Val<'a>>> = property.is_js_truthy().then(|| {
                property
                    .liquid_string()
                    .split('.')
                    .map(Val::string)
                    .collect()
            });
            let mut total = 0.0;
            for item in to_array(&v.to_value()) {
                let value = match &path {
                    Some(keys) => keys.iter().fold(item, |cur, key| read_property(&cur, key)),
                    None => item,
                };
                let n = value.js_number();
                total += if n.is_nan() { 0.0 } else { n };
            }
            Val::Num(total)
        }
        "compact" => {
            let items = to_array(&v.to_value());
            ctx.use_memory(items.len() as f64)?;
            Val::array(
                items
                    .into_iter()
                    .filter(|x| !x.to_value().is_nil())
                    .collect(),
            )
        }
        "push" => {
            let mut items = to_array(&v.to_value());
            ctx.use_memory(items.len() as f64 + 1.0)?;
            items.push(a.get(0));
            Val::array(items)
        }
        "unshift" => {
            let mut items = to_array(&v.to_value());
            ctx.use_memory(items.len() as f64)?;
            items.insert(0, a.get(0));
            Val::array(items)
        }
        "pop" => {
            let mut items = to_array(&v.to_value());
            items.pop();
            Val::array(items)
        }
        "shift" => {
            let mut items = to_array(&v.to_value());
            ctx.use_memory(items.len() as f64)?;
            if !items.is_empty() {
                items.remove(0);
            }
            Val::array(items)
        }
        "slice" => slice(ctx, &v, &a)?,
        "where" => where_filter(ctx, &v, &a)?,
        "sample" => return fail("filter \"sample\" is not supported (it is random)"),
        // dates
        "date" => crate::date::date(ctx, &v, a.get(0), a.get(1), args.len() > 1)?,
        "date_to_xmlschema" => crate::date::date(
            ctx,
            &v,
            Val::string("%Y-%m-%dT%H:%M:%S%:z"),
            Val::Undefined,
            false,
        )?,
        "date_to_rfc822" => crate::date::date(
            ctx,
            &v,
            Val::string("%a, %d %b %Y %H:%M:%S %z"),
            Val::Undefined,
            false,
        )?,
        "date_to_string" => crate::date::date_to_string(ctx, &v, "%b", &a.get(0), &a.get(1))?,
        "date_to_long_string" => crate::date::date_to_string(ctx, &v, "%B", &a.get(0), &a.get(1))?,
        // strings
        "append" | "prepend" => {
            if args.len() != 1 {
                return fail(format!("{name} expect 2 arguments"));
            }
            let (l, r) = (v.liquid_string(), a.text(0));
            ctx.use_memory(len16(&l) + len16(&r))?;
            let joined = if name == "append" {
                format!("{l}{r}")
            } else {
                format!("{r}{l}")
            };
            Val::string(joined)
        }
        "lstrip" | "rstrip" | "strip" => strip(ctx, name, &v, &a)?,
        "downcase" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            Val::string(s.to_lowercase())
        }
        "upcase" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            Val::string(s.to_uppercase())
        }
        "capitalize" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            let mut chars = s.chars();
            let mut out = String::with_capacity(s.len());
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(&chars.as_str().to_lowercase());
            }
            Val::string(out)
        }
        "remove" => {
            let (s, pattern) = (v.liquid_string(), a.text(0));
            ctx.use_memory(len16(&s) + len16(&pattern))?;
            Val::string(if pattern.is_empty() {
                s.to_string()
            } else {
                s.replace(&*pattern, "")
            })
        }
        "remove_first" => {
            let (s, pattern) = (v.liquid_string(), a.text(0));
            ctx.use_memory(len16(&s) + len16(&pattern))?;
            Val::string(s.replacen(&*pattern, "", 1))
        }
        "remove_last" => {
            let (s, pattern) = (v.liquid_string(), a.text(0));
            ctx.use_memory(len16(&s) + len16(&pattern))?;
            Val::string(replace_last(&s, &pattern, ""))
        }
        "replace" => {
            let (s, pattern, replacement) = (v.liquid_string(), a.text(0), a.text(1));
            let matches = count_matches(&s, &pattern);
            let size = len16(&s) + matches as f64 * (len16(&replacement) - len16(&pattern));
            ctx.use_memory(size)?;
            // Charged before building, so an oversized result is refused, not allocated.
            ctx.use_work(s.len() + matches * replacement.len())?;
            if pattern.is_empty() {
                Val::string(join_units(&s, &replacement))
            } else {
                Val::string(s.replace(&*pattern, &replacement))
            }
        }
        "replace_first" => {
            let (s, pattern, replacement) = (v.liquid_string(), a.text(0), a.text(1));
            ctx.use_memory(len16(&s) + len16(&pattern) + len16(&replacement))?;
            Val::string(s.replacen(&*pattern, &replacement, 1))
        }
        "replace_last" => {
            let (s, pattern, replacement) = (v.liquid_string(), a.text(0), a.text(1));
            ctx.use_memory(len16(&s) + len16(&pattern) + len16(&replacement))?;
            Val::string(replace_last(&s, &pattern, &replacement))
        }
        "split" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            let separator = a.text(0);
            ctx.use_work((count_matches(&s, &separator) + 1) * crate::render::ITEM_WEIGHT)?;
            let mut parts = split_js(&s, &separator);
            while parts.last().is_some_and(String::is_empty) {
                parts.pop();
            }
            Val::array(parts.into_iter().map(Val::string).collect())
        }
        "strip_newlines" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            Val::string(s.replace("\r\n", "").replace('\n', ""))
        }
        "truncate" => truncate(ctx, v, &a)?,
        "truncatewords" => truncatewords(ctx, &v, &a)?,
        "normalize_whitespace" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            Val::string(collapse_spaces(&s))
        }
        "number_of_words" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            Val::Num(number_of_words(&s, &a.get(0)) as f64)
        }
        "base64_encode" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            Val::string(base64_encode(s.as_bytes()))
        }
        "base64_decode" => {
            let s = v.liquid_string();
            ctx.use_memory(len16(&s))?;
            Val::string(String::from_utf8_lossy(&base64_decode(&s)).into_owned())
        }
        // misc
        "default" => default_filter(v, &a)?,
        "json" | "jsonify" | "inspect" => match crate::json::stringify(&v, &a.get(0)) {
            Some(text) => Val::string(text),
            None => Val::Undefined,
        },
        "to_integer" => Val::Num(v.js_number()),
        _ => v,
    })
}

fn js_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn js_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn js_sign(n: f64) -> f64 {
    if n.is_nan() || n == 0.0 {
        n
    } else {
        n.signum()
    }
}

/// `Math.round` for a non-negative number: halves go up.
fn js_round(x: f64) -> f64 {
    let floor = x.floor();
    if x - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

/// liquidjs `toArray`: nil → `[]`, an array → its items, anything else → `[value]`.
fn to_array<'a>(v: &Val<'a>) -> Vec<Val<'a>> {
    if v.is_nil() {
        return Vec::new();
    }
    v.items().unwrap_or_else(|| vec![v.clone()])
}

fn escape(ctx: &mut Context<'_>, s: &str) -> Outcome<String> {
    ctx.use_memory(len16(s))?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let entity = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&#34;", '"'),
            ("&#39;", '\''),
        ]
        .into_iter()
        .find(|(e, _)| tail.starts_with(e));
        match entity {
            Some((e, c)) => {
                out.push(c);
                rest = &tail[e.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// The regular expression
/// `<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<.*?>|<!--[\s\S]*?-->` removed globally.
fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with('<') {
            let matched = [("<script", "</script>"), ("<style", "</style>")]
                .into_iter()
                .find_map(|(open, close)| {
                    if !rest.starts_with(open) {
                        return None;
                    }
                    rest[open.len()..]
                        .find(close)
                        .map(|k| open.len() + k + close.len())
                })
                .or_else(|| {
                    let body = &rest[1..];
                    let end = body.find(|c: char| c == '>' || is_line_terminator(c))?;
                    body[end..].starts_with('>').then_some(end + 2)
                })
                .or_else(|| {
                    if !rest.starts_with("<!--") {
                        return None;
                    }
                    rest[4..].find("-->").map(|k| 4 + k + 3)
                });
            if let Some(len) = matched {
                i += len;
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or('\0');
        out.push(c);
        i += c.len_utf8().max(1);
    }
    out
}

const URI_COMPONENT_SAFE: &str = "-_.!~*'()";
const URI_SAFE: &str = "-_.!~*'();/?:@&=+$,#";

/// `encodeURIComponent` (with `URI_COMPONENT_SAFE`) or `encodeURI` (with `URI_SAFE`).
fn encode_uri(s: &str, safe: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || safe.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// `decodeURIComponent`; `None` where JavaScript throws "URI malformed".
fn decode_uri_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let hex = |i: usize| -> Option<u8> {
        let h = bytes.get(i..i + 2)?;
        u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let first = hex(i + 1)?;
        i += 3;
        if first < 0x80 {
            out.push(first);
            continue;
        }
        let extra = match first {
            0xc2..=0xdf => 1,
            0xe0..=0xef => 2,
            0xf0..=0xf4 => 3,
            _ => return None,
        };
        let mut seq = vec![first];
        for _ in 0..extra {
            if bytes.get(i) != Some(&b'%') {
                return None;
            }
            seq.push(hex(i + 1)?);
            i += 3;
        }
        let decoded = std::str::from_utf8(&seq).ok()?;
        out.extend_from_slice(decoded.as_bytes());
    }
    String::from_utf8(out).ok()
}

/// Whether `c` is in `[\p{M}\p{L}\p{Nd}]`, for the blocks where that is known without
/// Unicode tables (Latin, Greek, Cyrillic, CJK, kana, Hangul, common symbols and emoji);
/// `None` elsewhere.
fn letter_mark_or_digit(c: char) -> Option<bool> {
    Some(match c as u32 {
        0..=0x7f => c.is_ascii_alphanumeric(),
        0x80..=0x24f | 0x370..=0x3ff => c.is_alphabetic(),
        0x300..=0x36f | 0x483..=0x489 | 0x3099 | 0x309a => true,
        0x400..=0x4ff => c.is_alphabetic(),
        0x3040..=0x30ff => c.is_alphabetic(),
        0x4e00..=0x9fff | 0xac00..=0xd7a3 => true,
        // Combining marks for symbols and variation selectors are marks.
        0x20d0..=0x20ff | 0xfe00..=0xfe0f => true,
        // General punctuation, arrows to miscellaneous symbols, emoji: neither letters nor digits.
        0x2000..=0x206f | 0x2190..=0x2bff | 0x1f000..=0x1faff => false,
        _ => return None,
    })
}

/// liquidjs's `removeAccents` for the `latin` mode.
fn remove_accents(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let replacement = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'æ' => "ae",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ð' => "d",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            'œ' => "oe",
            'þ' => "th",
            'ẞ' => "SS",
            'Œ' => "OE",
            'Þ' => "TH",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(replacement);
    }
    out
}

fn slugify<'a>(v: &Val<'a>, a: &Args<'_, 'a>) -> Outcome<Val<'a>> {
    let mut s = v.liquid_string().to_string();
    let mode_arg = a.get(0);
    let mode = if matches!(mode_arg, Val::Undefined) {
        Rc::from("default")
    } else {
        mode_arg.property_key()
    };
    let cased = a.get(1).is_js_truthy();
    if &*mode == "latin" {
        s = remove_accents(&s);
    }
    let mut keep_flags = Vec::with_capacity(s.len());
    let replaces = match &*mode {
        "raw" => {
            keep_flags.extend(s.chars().map(|c| !is_js_space(c)));
            true
        }
        "ascii" => {
            keep_flags.extend(s.chars().map(|c| c.is_ascii_alphanumeric()));
            true
        }
        "default" | "latin" | "pretty" => {
            let pretty = &*mode == "pretty";
            for c in s.chars() {
                let keep = if pretty && "._~!$&'()+,;=@".contains(c) {
                    Some(true)
                } else {
                    letter_mark_or_digit(c)
                };
                match keep {
                    Some(k) => keep_flags.push(k),
                    None => {
                        return fail(format!(
                            "filter \"slugify\" is not supported for the character {c:?}"
                        ))
                    }
                }
            }
            true
        }
        _ => false,
    };
    let mut out = String::with_capacity(s.len());
    if replaces {
        let mut in_run = false;
        for (c, keep) in s.chars().zip(keep_flags) {
            if keep {
                out.push(c);
                in_run = false;
            } else if !in_run {
                out.push('-');
                in_run = true;
            }
        }
        if out.starts_with('-') {
            out.remove(0);
        }
        if out.ends_with('-') {
            out.pop();
        }
    } else {
        out = s;
    }
    Ok(Val::string(if cased { out } else { out.to_lowercase() }))
}

fn slice<'a>(ctx: &mut Context<'a>, v: &Val<'a>, a: &Args<'_, 'a>) -> Outcome<Val<'a>> {
    let v = v.to_value();
    if v.is_nil() {
        return Ok(Val::array(Vec::new()));
    }
    let begin_arg = a.get(0);
    let length_arg = a.given(1).cloned().unwrap_or(Val::Num(1.0));
    let subject = if v.is_array() {
        v.clone()
    } else {
        Val::string(v.liquid_string())
    };
    let len = subject.length().unwrap_or(0) as f64;
    let begin = if js_compare(&begin_arg, &Val::Num(0.0)) == Some(Ordering::Less) {
        js_add(&Val::Num(len), &begin_arg)
    } else {
        begin_arg.clone()
    };
    ctx.use_memory(length_arg.js_number())?;
    let end = js_add(&begin, &length_arg);
    let clamp = |x: f64| -> usize {
        let x = if x.is_nan() { 0.0 } else { x.trunc() };
        let x = if x < 0.0 {
            (len + x).max(0.0)
        } else {
            x.min(len)
        };
        x as usize
    };
    let (from, to) = (clamp(begin.js_number()), clamp(end.js_number()));
    if let Some(items) = subject.items() {
        return Ok(Val::array(
            items
                .get(from..to.max(from))
                .map(<[Val]>::to_vec)
                .unwrap_or_default(),
        ));
    }
    let units: Vec<u16> = subject.as_str().unwrap_or("").encode_utf16().collect();
    Ok(Val::string(String::from_utf16_lossy(
        units.get(from..to.max(from)).unwrap_or(&[]),
    )))
}

fn where_filter<'a>(ctx: &mut Context<'a>, v: &Val<'a>, a: &Args<'_, 'a>) -> Outcome<Val<'a>> {
    let items = to_array(&v.to_value());
    ctx.use_memory(items.len() as f64)?;
    let property = a.get(0).liquid_string();
    let src = Source {
        chars: property.chars().collect(),
    };
    let mut cursor = Cursor::new(&src, 0, src.chars.len());
    let path = cursor.read_scope_value().map_err(|e| {
        // Tokenizer errors carry positions within the property text; the crash does not.
        let located = e.message != crate::syntax::LITERAL_CRASH;
        crate::render::Failure {
            message: e.message,
            located,
        }
    })?;
    let expected = a.get(1);
    let mut kept = Vec::new();
    for item in items {
        let value = match &path {
            Some(crate::syntax::Operand::Access { props, .. }) => ctx.eval_in_item(&item, props)?,
            _ => Val::Undefined,
        };
        let matched = if matches!(expected, Val::Undefined) {
            !value.to_value().is_falsy()
        } else {
            liquid_equals(&value, &expected)
        };
        if matched {
            kept.push(item);
        }
    }
    Ok(Val::array(kept))
}

fn char_set(chars: &str) -> Vec<u16> {
    // JavaScript's `new Set(string)` holds code points; comparing it with single UTF-16 units
    // can only ever match characters of the basic plane.
    chars
        .chars()
        .filter(|c| c.len_utf16() == 1)
        .map(|c| c as u16)
        .collect()
}

fn strip<'a>(ctx: &mut Context<'a>, name: &str, v: &Val<'a>, a: &Args<'_, 'a>) -> Outcome<Val<'a>> {
    let s = v.liquid_string();
    ctx.use_memory(len16(&s))?;
    let chars_arg = a.get(0);
    if !chars_arg.is_js_truthy() {
        let trimmed = match name {
            "lstrip" => s.trim_start_matches(is_js_space),
            "rstrip" => s.trim_end_matches(is_js_space),
            _ => s.trim_matches(is_js_space),
        };
        return Ok(Val::string(trimmed));
    }
    let chars = chars_arg.liquid_string();
    if name == "strip" {
        let distinct: std::collections::BTreeSet<char> = chars.chars().collect();
        ctx.use_memory(distinct.len() as f64)?;
    } else {
        ctx.use_memory(len16(&chars))?;
    }
    let set = char_set(&chars);
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut from = 0;
    let mut to = units.len();
    if name != "rstrip" {
        while from < to && set.contains(&units[from]) {
            from += 1;
        }
    }
    if name != "lstrip" {
        while to > from && set.contains(&units[to - 1]) {
            to -= 1;
        }
    }
    Ok(Val::string(String::from_utf16_lossy(&units[from..to])))
}

/// `String.prototype.split` with a string separator (an empty one splits into UTF-16 units).
fn split_js(s: &str, separator: &str) -> Vec<String> {
    if separator.is_empty() {
        let units: Vec<u16> = s.encode_utf16().collect();
        return units
            .iter()
            .map(|u| String::from_utf16_lossy(&[*u]))
            .collect();
    }
    s.split(separator).map(str::to_string).collect()
}

/// How many times `String.prototype.split` would cut `s` at `pattern` (an empty pattern cuts
/// between UTF-16 units).
fn count_matches(s: &str, pattern: &str) -> usize {
    if pattern.is_empty() {
        ampline_js::utf16_len(s).saturating_sub(1)
    } else {
        s.matches(pattern).count()
    }
}

/// `s.split("").join(glue)`: `glue` between UTF-16 units.
fn join_units(s: &str, glue: &str) -> String {
    let glue: Vec<u16> = glue.encode_utf16().collect();
    let mut out: Vec<u16> = Vec::with_capacity(s.len() * (1 + glue.len()));
    for (i, unit) in s.encode_utf16().enumerate() {
        if i > 0 {
            out.extend_from_slice(&glue);
        }
        out.push(unit);
    }
    String::from_utf16_lossy(&out)
}

fn replace_last(s: &str, pattern: &str, replacement: &str) -> String {
    match s.rfind(pattern) {
        Some(i) => format!("{}{}{}", &s[..i], replacement, &s[i + pattern.len()..]),
        None => s.to_string(),
    }
}

fn truncate<'a>(ctx: &mut Context<'a>, v: Val<'a>, a: &Args<'_, 'a>) -> Outcome<Val<'a>> {
    let s = v.liquid_string();
    let limit = a.given(0).cloned().unwrap_or(Val::Num(50.0));
    let ellipsis = a
        .given(1)
        .map_or_else(|| Rc::from("..."), Val::liquid_string);
    ctx.use_memory(len16(&s) + len16(&ellipsis))?;
    let len = len16(&s);
    if matches!(
        js_compare(&Val::Num(len), &limit),
        Some(Ordering::Less | Ordering::Equal)
    ) {
        return Ok(v);
    }
    let keep = limit.js_number() - len16(&ellipsis);
    let keep = if keep.is_nan() || keep < 0.0 {
        0
    } else {
        keep.min(len) as usize
    };
    let units: Vec<u16> = s.encode_utf16().take(keep).collect();
    Ok(Val::string(format!(
        "{}{}",
        String::from_utf16_lossy(&units),
        ellipsis
    )))
}

fn split_on_spaces(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    let mut space_start = 0;
    for (i, c) in s.char_indices() {
        if is_js_space(c) {
            if !in_space {
                in_space = true;
                space_start = i;
            }
        } else if in_space {
            parts.push(&s[start..space_start]);
            start = i;
            in_space = false;
        }
    }
    parts.push(if in_space {
        &s[start..space_start]
    } else {
        &s[start..]
    });
    if in_space {
        parts.push("");
    }
    parts
}

fn collapse_spaces(s: &str) -> String {
    split_on_spaces(s).join(" ")
}

fn truncatewords<'a>(ctx: &mut Context<'a>, v: &Val<'a>, a: &Args<'_, 'a>) -> Outcome<Val<'a>> {
    let s = v.liquid_string();
    let ellipsis = a
        .given(1)
        .map_or_else(|| Rc::from("..."), Val::liquid_string);
    ctx.use_memory(len16(&s) + len16(&ellipsis))?;
    let words_arg = a.given(0).cloned().unwrap_or(Val::Num(15.0));
    let mut words = words_arg.js_number();
    if js_compare(&words_arg, &Val::Num(0.0)).is_some_and(|o| o != Ordering::Greater) {
        words = 1.0;
    }
    let parts = split_on_spaces(&s);
    let take = if words.is_nan() {
        0
    } else {
        words.max(0.0).min(parts.len() as f64) as usize
    };
    let mut out = parts[..take].join(" ");
    if parts.len() as f64 >= words {
        out.push_str(&ellipsis);
    }
    Ok(Val::string(out))
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x3400..=0x4DBF | 0x3040..=0x309F | 0x30A0..=0x30FF | 0xAC00..=0xD7AF)
}

fn number_of_words(s: &str, mode: &Val<'_>) -> usize {
    let input = s.trim_matches(is_js_space);
    if input.is_empty() {
        return 0;
    }
    let mode = mode.as_str().unwrap_or("");
    let cjk = input.chars().filter(|&c| is_cjk(c)).count();
    let other_runs = || {
        let mut runs = 0;
        let mut in_run = false;
        for c in input.chars() {
            let word = !is_cjk(c) && !is_js_space(c);
            if word && !in_run {
                runs += 1;
            }
            in_run = word;
        }
        runs
    };
    match mode {
        "cjk" => cjk + other_runs(),
        "auto" if cjk > 0 => cjk + other_runs(),
        _ => split_on_spaces(input).len(),
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Node's lenient base64 decoding: both alphabets, other characters skipped, `=` ends it.
fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.chars() {
        let value = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => break,
            _ => continue,
        };
        acc = (acc << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    out
}

fn default_filter<'a>(v: Val<'a>, a: &Args<'_, 'a>) -> Outcome<Val<'a>> {
    let value = v.to_value();
    let fallback = a.get(0);
    if let Some(len) = value.length() {
        return Ok(if len > 0 { value } else { fallback });
    }
    if matches!(value, Val::Bool(false)) && a.args.len() > 1 {
        let mut allow_false = Val::Undefined;
        for entry in &a.args[1..] {
            match entry {
                Val::JsonArray(_) | Val::Array(_) => {
                    // `new Map(entries).get('allow_false')`: the last entry with that key wins.
                    if entry.item(0).as_str() == Some("allow_false") {
                        allow_false = entry.item(1);
                    }
                }
                Val::JsonObject(_) | Val::Nil | Val::Empty | Val::Blank | Val::Opaque => {}
                other => {
                    return fail(format!(
                        "Iterator value {} is not an entry object",
                        other.js_string()
                    ));
                }
            }
        }
        if allow_false.is_js_truthy() {
            return Ok(Val::Bool(false));
        }
    }
    Ok(if value.is_falsy() { fallback } else { value })
}
