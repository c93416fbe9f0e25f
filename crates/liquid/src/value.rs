//! Runtime values and the JavaScript conversions liquidjs applies to them.
//!
//! Values read from the root borrow from it; values made while rendering (filter results,
//! captures, ranges) are reference counted so that assigning or passing them around is cheap.

use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::rc::Rc;

/// Text that is either borrowed from the root or made during rendering.
#[derive(Debug, Clone)]
pub(crate) enum Text<'a> {
    Borrowed(&'a str),
    Owned(Rc<str>),
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
        }
    }
}

/// A liquidjs runtime value. `Nil`, `Empty` and `Blank` are liquidjs's drops for the literals
/// `nil`/`null`, `empty` and `blank`: they compare specially and are objects to JavaScript
/// (`{{ nil | json }}` is `{}`), which is why they are not folded into `Null` and `""`.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Undefined,
    Null,
    Nil,
    Empty,
    Blank,
    /// An object with no readable properties (the `block` drop).
    Opaque,
    Bool(bool),
    Num(f64),
    Str(Text<'a>),
    JsonArray(&'a [Value]),
    JsonObject(&'a Map<String, Value>),
    Array(Rc<Vec<Val<'a>>>),
}

impl<'a> Val<'a> {
    pub(crate) fn from_json(value: &'a Value) -> Val<'a> {
        match value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(ampline_js::json_number(n)),
            Value::String(s) => Val::Str(Text::Borrowed(s)),
            Value::Array(items) => Val::JsonArray(items),
            Value::Object(map) => Val::JsonObject(map),
        }
    }

    pub(crate) fn string(s: impl Into<Rc<str>>) -> Val<'a> {
        Val::Str(Text::Owned(s.into()))
    }

    pub(crate) fn array(items: Vec<Val<'a>>) -> Val<'a> {
        Val::Array(Rc::new(items))
    }

    /// liquidjs `toValue`: drops become the primitive they stand for.
    pub(crate) fn to_value(&self) -> Val<'a> {
        match self {
            Val::Nil => Val::Null,
            Val::Empty | Val::Blank => Val::string(""),
            other => other.clone(),
        }
    }

    pub(crate) fn is_drop(&self) -> bool {
        matches!(self, Val::Nil | Val::Empty | Val::Blank)
    }

    /// JavaScript `value == null`.
    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, Val::Undefined | Val::Null)
    }

    pub(crate) fn is_array(&self) -> bool {
        matches!(self, Val::JsonArray(_) | Val::Array(_))
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items of an array value, or `None` for anything else.
    pub(crate) fn items(&self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::JsonArray(items) => Some(items.iter().map(Val::from_json).collect()),
            Val::Array(items) => Some(items.as_ref().clone()),
            _ => None,
        }
    }

    pub(crate) fn array_len(&self) -> Option<usize> {
        match self {
            Val::JsonArray(items) => Some(items.len()),
            Val::Array(items) => Some(items.len()),
            _ => None,
        }
    }

    pub(crate) fn item(&self, index: usize) -> Val<'a> {
        match self {
            Val::JsonArray(items) => items.get(index).map_or(Val::Undefined, Val::from_json),
            Val::Array(items) => items.get(index).cloned().unwrap_or(Val::Undefined),
            _ => Val::Undefined,
        }
    }

    /// liquidjs `isFalsy`: only `false`, `undefined` and `null` (and `nil`) are falsy.
    pub(crate) fn is_falsy(&self) -> bool {
        matches!(
            self,
            Val::Bool(false) | Val::Undefined | Val::Null | Val::Nil
        )
    }

    /// JavaScript truthiness.
    pub(crate) fn is_js_truthy(&self) -> bool {
        match self {
            Val::Undefined | Val::Null => false,
            Val::Bool(b) => *b,
            Val::Num(n) => *n != 0.0 && !n.is_nan(),
            Val::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// liquidjs `stringify`: drops as their primitive, nil as `""`, arrays joined without a
    /// separator (recursively), everything else as `String(value)`.
    pub(crate) fn write_liquid(&self, out: &mut String) {
        match self {
            Val::Undefined | Val::Null | Val::Nil | Val::Empty | Val::Blank => {}
            Val::JsonArray(items) => {
                for item in items.iter() {
                    Val::from_json(item).write_liquid(out);
                }
            }
            Val::Array(items) => {
                for item in items.iter() {
                    item.write_liquid(out);
                }
            }
            other => other.write_js(out),
        }
    }

    pub(crate) fn liquid_string(&self) -> Rc<str> {
        match self {
            Val::Str(Text::Owned(s)) => s.clone(),
            _ => {
                let mut out = String::new();
                self.write_liquid(&mut out);
                out.into()
            }
        }
    }

    /// JavaScript `String(value)`.
    pub(crate) fn write_js(&self, out: &mut String) {
        match self {
            Val::Undefined => out.push_str("undefined"),
            Val::Null => out.push_str("null"),
            Val::Nil | Val::Empty | Val::Blank | Val::Opaque | Val::JsonObject(_) => {
                out.push_str("[object Object]");
            }
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Num(n) => ampline_js::write_number(out, *n),
            Val::Str(s) => out.push_str(s),
            Val::JsonArray(_) | Val::Array(_) => self.write_join(out, ","),
        }
    }

    pub(crate) fn js_string(&self) -> Rc<str> {
        match self {
            Val::Str(Text::Owned(s)) => s.clone(),
            _ => {
                let mut out = String::new();
                self.write_js(&mut out);
                out.into()
            }
        }
    }

    /// `Array.prototype.join`: undefined and null items as empty text.
    pub(crate) fn write_join(&self, out: &mut String, separator: &str) {
        for (i, item) in self.items().unwrap_or_default().iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            if !item.is_nil() {
                item.write_js(out);
            }
        }
    }

    /// JavaScript `ToPrimitive` with the number hint, as relational operators use it.
    fn to_primitive(&self) -> Val<'a> {
        match self {
            Val::Nil => Val::Null,
            Val::Empty | Val::Blank => Val::string(""),
            Val::Opaque | Val::JsonObject(_) | Val::JsonArray(_) | Val::Array(_) => {
                Val::string(self.js_string())
            }
            other => other.clone(),
        }
    }

    /// JavaScript `Number(value)`.
    pub(crate) fn js_number(&self) -> f64 {
        match self.to_primitive() {
            Val::Undefined => f64::NAN,
            Val::Null => 0.0,
            Val::Bool(b) => f64::from(u8::from(b)),
            Val::Num(n) => n,
            Val::Str(s) => ampline_js::string_to_number(&s),
            _ => f64::NAN,
        }
    }

    /// liquidjs `toNumber`: `+toValue(value) || 0`.
    pub(crate) fn liquid_number(&self) -> f64 {
        let n = self.to_value().js_number();
        if n.is_nan() || n == 0.0 {
            0.0
        } else {
            n
        }
    }

    /// The property key JavaScript makes of this value (`ToPropertyKey`).
    pub(crate) fn property_key(&self) -> Rc<str> {
        match self {
            Val::Str(s) => Rc::from(&**s),
            other => other.js_string(),
        }
    }

    /// Length in UTF-16 units of a string, or of an array; `None` for other values.
    pub(crate) fn length(&self) -> Option<usize> {
        match self {
            Val::Str(s) => Some(ampline_js::utf16_len(s)),
            other => other.array_len(),
        }
    }
}

/// JavaScript `+` on two values (string concatenation when either side is text after
/// `ToPrimitive`).
pub(crate) fn js_add<'a>(left: &Val<'a>, right: &Val<'a>) -> Val<'a> {
    let (l, r) = (left.to_primitive(), right.to_primitive());
    if matches!(l, Val::Str(_)) || matches!(r, Val::Str(_)) {
        let mut out = String::new();
        l.write_js(&mut out);
        r.write_js(&mut out);
        Val::string(out)
    } else {
        Val::Num(l.js_number() + r.js_number())
    }
}

/// JavaScript's abstract relational comparison; `None` when either side is NaN.
pub(crate) fn js_compare(left: &Val<'_>, right: &Val<'_>) -> Option<Ordering> {
    let (l, r) = (left.to_primitive(), right.to_primitive());
    if let (Val::Str(a), Val::Str(b)) = (&l, &r) {
        return Some(a.encode_utf16().cmp(b.encode_utf16()));
    }
    l.js_number().partial_cmp(&r.js_number())
}

/// liquidjs `equals`.
pub(crate) fn liquid_equals(left: &Val<'_>, right: &Val<'_>) -> bool {
    if left.is_drop() {
        return drop_equals(left, right);
    }
    if right.is_drop() {
        return drop_equals(right, left);
    }
    let (l, r) = (left.to_value(), right.to_value());
    if let Some(li) = l.items() {
        return match r.items() {
            Some(ri) => {
                li.len() == ri.len() && li.iter().zip(&ri).all(|(a, b)| liquid_equals(a, b))
            }
            None => false,
        };
    }
    strict_equals(&l, &r)
}

/// JavaScript `===`.
pub(crate) fn strict_equals(l: &Val<'_>, r: &Val<'_>) -> bool {
    match (l, r) {
        (Val::Undefined, Val::Undefined) | (Val::Null, Val::Null) => true,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        (Val::Num(a), Val::Num(b)) => a == b,
        (Val::Str(a), Val::Str(b)) => **a == **b,
        (Val::JsonObject(a), Val::JsonObject(b)) => std::ptr::eq(*a, *b),
        (Val::JsonArray(a), Val::JsonArray(b)) => std::ptr::eq(*a, *b),
        (Val::Array(a), Val::Array(b)) => Rc::ptr_eq(a, b),
        (Val::Nil, Val::Nil) | (Val::Empty, Val::Empty) | (Val::Blank, Val::Blank) => true,
        _ => false,
    }
}

fn drop_equals(drop: &Val<'_>, other: &Val<'_>) -> bool {
    match drop {
        Val::Nil => other.to_value().is_nil(),
        Val::Blank => {
            if matches!(other, Val::Bool(false)) || other.to_value().is_nil() {
                return true;
            }
            if let Val::Str(s) = other {
                return s.chars().all(is_js_space);
            }
            empty_equals(other)
        }
        _ => empty_equals(other),
    }
}

fn empty_equals(other: &Val<'_>) -> bool {
    if matches!(other, Val::Empty | Val::Blank) {
        return false;
    }
    let v = other.to_value();
    match &v {
        Val::Str(s) => s.is_empty(),
        Val::JsonArray(_) | Val::Array(_) => v.array_len() == Some(0),
        Val::JsonObject(map) => map.is_empty(),
        Val::Opaque => true,
        _ => false,
    }
}

/// JavaScript regular-expression `\s`.
pub(crate) fn is_js_space(c: char) -> bool {
    ampline_js::is_js_whitespace(c)
}

/// Whether `key` names a property every plain JavaScript object inherits, so that liquidjs's
/// `key in scope` finds it even though reading it (own properties only) gives undefined.
pub(crate) fn is_object_prototype_key(key: &str) -> bool {
    matches!(
        key,
        "constructor"
            | "__defineGetter__"
            | "__defineSetter__"
            | "hasOwnProperty"
            | "__lookupGetter__"
            | "__lookupSetter__"
            | "isPrototypeOf"
            | "propertyIsEnumerable"
            | "toString"
            | "valueOf"
            | "__proto__"
            | "toLocaleString"
    )
}

/// A canonical array index (`"0"`, `"17"`, not `"01"`), as JavaScript property keys treat them.
pub(crate) fn array_index(key: &str) -> Option<usize> {
    if key.is_empty() || key.len() > 10 || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u64>()
        .ok()
        .filter(|&i| i < u64::from(u32::MAX))
        .and_then(|i| usize::try_from(i).ok())
}

/// JavaScript `obj[key]` restricted to own properties (liquidjs's `ownPropertyOnly`).
pub(crate) fn own_property<'a>(obj: &Val<'a>, key: &str) -> Val<'a> {
    match obj {
        Val::JsonObject(map) => map.get(key).map_or(Val::Undefined, Val::from_json),
        Val::JsonArray(_) | Val::Array(_) => {
            if key == "length" {
                return Val::Num(obj.array_len().unwrap_or(0) as f64);
            }
            match array_index(key) {
                Some(i) => obj.item(i),
                None => Val::Undefined,
            }
        }
        Val::Str(s) => {
            if key == "length" {
                return Val::Num(ampline_js::utf16_len(s) as f64);
            }
            match array_index(key) {
                Some(i) => s.encode_utf16().nth(i).map_or(Val::Undefined, |unit| {
                    Val::string(String::from_utf16_lossy(&[unit]))
                }),
                None => Val::Undefined,
            }
        }
        _ => Val::Undefined,
    }
}

/// liquidjs `Context.readProperty` for a value (not a scope).
pub(crate) fn read_property<'a>(obj: &Val<'a>, key: &Val<'a>) -> Val<'a> {
    let key = key.to_value();
    if obj.is_nil() {
        return obj.clone();
    }
    // Drops answer unknown properties through `liquidMethodMissing`, before `size` and friends.
    if obj.is_drop() || matches!(obj, Val::Opaque) {
        return Val::Undefined;
    }
    if let Some(len) = obj.array_len() {
        if js_compare(&key, &Val::Num(0.0)) == Some(Ordering::Less) {
            let index = len as f64 + key.js_number();
            if index.fract() == 0.0 && index >= 0.0 && index < len as f64 {
                return obj.item(index as usize);
            }
            return Val::Undefined;
        }
    }
    let name = key.property_key();
    let value = own_property(obj, &name);
    match (&key, &*name) {
        (Val::Str(_), "size") => read_size(obj),
        (Val::Str(_), "first") if obj.is_array() => obj.item(0),
        (Val::Str(_), "last") if obj.is_array() => match obj.array_len() {
            Some(len) if len > 0 => obj.item(len - 1),
            _ => Val::Undefined,
        },
        _ => value,
    }
}

fn read_size<'a>(obj: &Val<'a>) -> Val<'a> {
    match obj {
        Val::JsonObject(map) => match map.get("size") {
            Some(v) => Val::from_json(v),
            None => Val::Num(map.len() as f64),
        },
        Val::Str(_) | Val::JsonArray(_) | Val::Array(_) => {
            Val::Num(obj.length().unwrap_or(0) as f64)
        }
        _ => Val::Undefined,
    }
}
