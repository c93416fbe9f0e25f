//! `JSON.stringify(value, null, space)` over runtime values, as liquidjs's `json` filter
//! calls it: JavaScript key order (integer-like keys first), drops as `{}`.

use crate::value::{array_index, Val};
use serde_json::{Map, Value};

/// `None` where `JSON.stringify` returns undefined.
pub(crate) fn stringify(value: &Val<'_>, space: &Val<'_>) -> Option<String> {
    let indent: String = match space {
        Val::Num(n) => {
            let width = n.min(10.0).floor();
            if width >= 1.0 {
                " ".repeat(width as usize)
            } else {
                String::new()
            }
        }
        Val::Str(s) => {
            let units: Vec<u16> = s.encode_utf16().take(10).collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::new(),
    };
    if matches!(value, Val::Undefined) {
        return None;
    }
    let mut out = String::new();
    write_val(&mut out, value, &indent, 0);
    Some(out)
}

fn newline(out: &mut String, indent: &str, depth: usize) {
    if !indent.is_empty() {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    }
}

fn write_val(out: &mut String, value: &Val<'_>, indent: &str, depth: usize) {
    match value {
        Val::Undefined | Val::Null => out.push_str("null"),
        Val::Nil | Val::Empty | Val::Blank | Val::Opaque => out.push_str("{}"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => {
            if n.is_finite() {
                ampline_js::write_number(out, *n);
            } else {
                out.push_str("null");
            }
        }
        Val::Str(s) => ampline_js::write_json_string(out, s),
        Val::JsonArray(_) | Val::Array(_) => {
            let items = value.items().unwrap_or_default();
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_val(out, item, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Val::JsonObject(map) => write_object(out, map, indent, depth),
    }
}

/// Keys in the order JavaScript enumerates them: array indexes ascending, then the rest in
/// insertion order.
pub(crate) fn js_key_order(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut indexed: Vec<(usize, (&String, &Value))> = map
        .iter()
        .filter_map(|(k, v)| array_index(k).map(|i| (i, (k, v))))
        .collect();
    indexed.sort_by_key(|(i, _)| *i);
    let mut keys: Vec<(&String, &Value)> = indexed.into_iter().map(|(_, kv)| kv).collect();
    keys.extend(map.iter().filter(|(k, _)| array_index(k).is_none()));
    keys
}

fn write_object(out: &mut String, map: &Map<String, Value>, indent: &str, depth: usize) {
    if map.is_empty() {
        out.push_str("{}");
        return;
    }
    out.push('{');
    for (i, (key, value)) in js_key_order(map).into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, indent, depth + 1);
        ampline_js::write_json_string(out, key);
        out.push(':');
        if !indent.is_empty() {
            out.push(' ');
        }
        write_val(out, &Val::from_json(value), indent, depth + 1);
    }
    newline(out, indent, depth);
    out.push('}');
}
