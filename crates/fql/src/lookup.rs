//! Reading a field of an event the way Segment's `get` helper does, without allocating.
//!
//! The reference walks `value && value[key]` over the path's pieces. That stops at the first falsy
//! value (so `properties.a.b = 0` matches `{"a": 0}`), reaches `length` of strings and arrays,
//! indexes strings by UTF-16 unit, and also finds members that JavaScript objects inherit
//! (`constructor`, `toString`, …). Inherited members exist but are never strings, numbers or
//! booleans, so they are modelled as [`Actual::Opaque`]; what lies *inside* them (a function's
//! `name`) is not modelled and reads as missing.

use serde_json::Value;

/// A value found in an event, borrowed from it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Actual<'a> {
    Missing,
    Json(&'a Value),
    /// One character of a string, reached by index.
    Text(&'a str),
    /// Half of a surrogate pair, reached by indexing a string in UTF-16 units.
    LoneSurrogate(u16),
    /// A `length`.
    Number(f64),
    /// An inherited JavaScript member: present, but not a string, number or boolean.
    Opaque,
}

impl<'a> Actual<'a> {
    pub(crate) fn text(self) -> Option<&'a str> {
        match self {
            Actual::Json(Value::String(s)) => Some(s),
            Actual::Text(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn number(self) -> Option<f64> {
        match self {
            Actual::Json(Value::Number(n)) => Some(ampline_js::json_number(n)),
            Actual::Number(n) => Some(n),
            _ => None,
        }
    }

    fn is_truthy(self) -> bool {
        match self {
            Actual::Missing => false,
            Actual::Json(value) => ampline_js::is_truthy(Some(value)),
            Actual::Text(s) => !s.is_empty(),
            Actual::Number(n) => n != 0.0 && !n.is_nan(),
            Actual::LoneSurrogate(_) | Actual::Opaque => true,
        }
    }
}

/// Members each kind of JavaScript value inherits (Node 20), besides `length`, which is handled
/// as an own property of strings and arrays.
const OBJECT_MEMBERS: &[&str] = &[
    "constructor",
    "__defineGetter__",
    "__defineSetter__",
    "hasOwnProperty",
    "__lookupGetter__",
    "__lookupSetter__",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toString",
    "valueOf",
    "__proto__",
    "toLocaleString",
];
const ARRAY_MEMBERS: &[&str] = &[
    "at",
    "concat",
    "copyWithin",
    "fill",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "lastIndexOf",
    "pop",
    "push",
    "reverse",
    "shift",
    "unshift",
    "slice",
    "sort",
    "splice",
    "includes",
    "indexOf",
    "join",
    "keys",
    "entries",
    "values",
    "forEach",
    "filter",
    "flat",
    "flatMap",
    "map",
    "every",
    "some",
    "reduce",
    "reduceRight",
    "toReversed",
    "toSorted",
    "toSpliced",
    "with",
];
const STRING_MEMBERS: &[&str] = &[
    "anchor",
    "at",
    "big",
    "blink",
    "bold",
    "charAt",
    "charCodeAt",
    "codePointAt",
    "concat",
    "endsWith",
    "fontcolor",
    "fontsize",
    "fixed",
    "includes",
    "indexOf",
    "isWellFormed",
    "italics",
    "lastIndexOf",
    "link",
    "localeCompare",
    "match",
    "matchAll",
    "normalize",
    "padEnd",
    "padStart",
    "repeat",
    "replace",
    "replaceAll",
    "search",
    "slice",
    "small",
    "split",
    "strike",
    "sub",
    "substr",
    "substring",
    "sup",
    "startsWith",
    "toWellFormed",
    "trim",
    "trimStart",
    "trimLeft",
    "trimEnd",
    "trimRight",
    "toLocaleLowerCase",
    "toLocaleUpperCase",
    "toLowerCase",
    "toUpperCase",
];
const NUMBER_MEMBERS: &[&str] = &["toExponential", "toFixed", "toPrecision"];

const ON_OBJECT: u8 = 1;
const ON_ARRAY: u8 = 2;
const ON_STRING: u8 = 4;
const ON_NUMBER: u8 = 8;
const ON_BOOLEAN: u8 = 16;

/// Whether `key` names a member every plain JavaScript object inherits, so that Segment's
/// `{type: …}[key]` lookup of a field head finds something.
pub(crate) fn is_object_member(key: &str) -> bool {
    OBJECT_MEMBERS.contains(&key)
}

/// One step of a path, with everything about the key worked out at parse time.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    key: Box<str>,
    /// The key as an array index, when it is one in canonical form (`"0"`, `"12"`, not `"01"`).
    index: Option<usize>,
    is_length: bool,
    /// Which kinds of value inherit a member named `key` (`ON_*` bits).
    inherited_on: u8,
}

impl Piece {
    fn new(key: &str) -> Piece {
        let mut inherited_on = 0;
        if OBJECT_MEMBERS.contains(&key) {
            inherited_on = ON_OBJECT | ON_ARRAY | ON_STRING | ON_NUMBER | ON_BOOLEAN;
        }
        if ARRAY_MEMBERS.contains(&key) {
            inherited_on |= ON_ARRAY;
        }
        if STRING_MEMBERS.contains(&key) {
            inherited_on |= ON_STRING;
        }
        if NUMBER_MEMBERS.contains(&key) {
            inherited_on |= ON_NUMBER;
        }
        Piece {
            key: key.into(),
            index: array_index(key),
            is_length: key == "length",
            inherited_on,
        }
    }

    fn inherited(&self, on: u8) -> Actual<'static> {
        if self.inherited_on & on != 0 {
            Actual::Opaque
        } else {
            Actual::Missing
        }
    }

    fn step<'a>(&self, from: Actual<'a>) -> Actual<'a> {
        match from {
            Actual::Json(Value::Object(map)) => {
                member(map, &self.key).map_or_else(|| self.inherited(ON_OBJECT), Actual::Json)
            }
            Actual::Json(Value::Array(items)) => {
                if self.is_length {
                    return Actual::Number(items.len() as f64);
                }
                match self.index {
                    Some(i) => items.get(i).map_or(Actual::Missing, Actual::Json),
                    None => self.inherited(ON_ARRAY),
                }
            }
            Actual::Json(Value::String(_)) | Actual::Text(_) => {
                let s = from.text().unwrap_or_default();
                if self.is_length {
                    return Actual::Number(ampline_js::utf16_len(s) as f64);
                }
                match self.index {
                    Some(i) => utf16_unit_at(s, i),
                    None => self.inherited(ON_STRING),
                }
            }
            Actual::LoneSurrogate(unit) => {
                if self.is_length {
                    return Actual::Number(1.0);
                }
                match self.index {
                    Some(0) => Actual::LoneSurrogate(unit),
                    Some(_) => Actual::Missing,
                    None => self.inherited(ON_STRING),
                }
            }
            Actual::Json(Value::Number(_)) | Actual::Number(_) => self.inherited(ON_NUMBER),
            Actual::Json(Value::Bool(_)) => self.inherited(ON_BOOLEAN),
            Actual::Json(Value::Null) | Actual::Missing | Actual::Opaque => Actual::Missing,
        }
    }
}

/// `map[key]`. Event objects are small, and comparing a few keys (mostly by length alone) beats
/// hashing the key.
pub(crate) fn member<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    const SCAN_UP_TO: usize = 24;
    if map.len() <= SCAN_UP_TO {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// `s[i]` in JavaScript: the i-th UTF-16 unit, as a one-unit string.
fn utf16_unit_at(s: &str, index: usize) -> Actual<'_> {
    let mut unit = 0;
    for (at, c) in s.char_indices() {
        let width = c.len_utf16();
        if index < unit + width {
            if width == 1 {
                return Actual::Text(s.get(at..at + c.len_utf8()).unwrap_or_default());
            }
            let mut pair = [0; 2];
            c.encode_utf16(&mut pair);
            return Actual::LoneSurrogate(pair[index - unit]);
        }
        unit += width;
    }
    Actual::Missing
}

/// The canonical array index `key` spells, if any (JavaScript indexes stop below 2^32 - 1).
fn array_index(key: &str) -> Option<usize> {
    let canonical =
        key == "0" || (!key.starts_with('0') && key.bytes().all(|b| b.is_ascii_digit()));
    if !canonical || key.is_empty() {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    if n >= u64::from(u32::MAX) {
        return None;
    }
    usize::try_from(n).ok()
}

/// A path inside `properties`, `traits` or `context`.
#[derive(Debug, Clone)]
pub(crate) enum Path {
    /// An empty path (`properties\.`): the reference returns undefined straight away.
    Empty,
    /// A path made only of separators (`properties..`): the reference throws while evaluating.
    Unwalkable,
    Pieces(Box<[Piece]>),
}

impl Path {
    /// Split on `.`, `[` and `]`, dropping empty pieces, as the reference's `get` does.
    pub(crate) fn new(path: &str) -> Path {
        if path.is_empty() {
            return Path::Empty;
        }
        let pieces: Box<[Piece]> = path
            .split(['.', '[', ']'])
            .filter(|piece| !piece.is_empty())
            .map(Piece::new)
            .collect();
        if pieces.is_empty() {
            Path::Unwalkable
        } else {
            Path::Pieces(pieces)
        }
    }

    /// The value at this path below `root`; `None` when the reference would throw.
    pub(crate) fn find<'a>(&self, root: Actual<'a>) -> Option<Actual<'a>> {
        match self {
            Path::Empty => Some(Actual::Missing),
            Path::Unwalkable => None,
            Path::Pieces(pieces) => {
                let mut current = root;
                for piece in pieces.iter() {
                    if !current.is_truthy() {
                        break;
                    }
                    current = piece.step(current);
                }
                Some(current)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(root: &Value, path: &str) -> String {
        match Path::new(path).find(Actual::Json(root)) {
            None => "throws".to_owned(),
            Some(actual) => format!("{actual:?}"),
        }
    }

    #[test]
    fn lookup_stops_at_the_first_falsy_value() {
        let root = json!({"a": 0, "b": {"c": null}, "d": ""});
        assert_eq!(find(&root, "a.b.c"), "Json(Number(0))");
        assert_eq!(find(&root, "b.c.x"), "Json(Null)");
        assert_eq!(find(&root, "d.length"), "Json(String(\"\"))");
    }

    #[test]
    fn length_and_indexes_reach_into_strings_and_arrays() {
        let root = json!({"name": "héllo", "items": [{"sku": "A"}, {"sku": "B"}], "emoji": "😀"});
        assert_eq!(find(&root, "name.length"), "Number(5.0)");
        assert_eq!(find(&root, "items.length"), "Number(2.0)");
        assert_eq!(find(&root, "items[1].sku"), "Json(String(\"B\"))");
        assert_eq!(find(&root, "items.01"), "Missing");
        assert_eq!(find(&root, "name.1"), "Text(\"é\")");
        assert_eq!(find(&root, "emoji.1"), "LoneSurrogate(56832)");
        assert_eq!(find(&root, "emoji.length"), "Number(2.0)");
    }

    #[test]
    fn inherited_members_exist_but_own_keys_win() {
        let root = json!({"o": {}, "s": "x", "own": {"constructor": 5}});
        assert_eq!(find(&root, "o.constructor"), "Opaque");
        assert_eq!(find(&root, "s.toUpperCase"), "Opaque");
        assert_eq!(find(&root, "o.toUpperCase"), "Missing");
        assert_eq!(find(&root, "own.constructor"), "Json(Number(5))");
    }

    #[test]
    fn separator_only_paths_throw_and_empty_paths_are_missing() {
        let root = json!({"a": 1});
        assert_eq!(find(&root, ".."), "throws");
        assert_eq!(find(&root, ""), "Missing");
        assert_eq!(find(&root, "[a]"), "Json(Number(1))");
    }
}
