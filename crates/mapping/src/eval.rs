//! Evaluating compiled nodes against one event (or, inside `@arrayPath` and `@transform`,
//! against an item or an intermediate result).

use crate::compile::{
    ArrayPath, ArraySource, Case, Flatten, If, Json, JsonMode, Merge, Node, Replace, Source,
    Transform,
};
use crate::path::{lookup, lookup_directive_path, Found, Memo, SharedPath};
use crate::template::render_dynamic;
use crate::value::{order_value_keys_like_js, write_json, write_string_form, Js, ObjectBuilder};
use crate::{Mapped, MappingError};
use serde_json::{Map, Value};
use std::borrow::Cow;

type Evaluated<'a> = Result<Js<'a>, MappingError>;

pub(crate) fn eval<'a>(node: &'a Node, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    match node {
        Node::Const(v) => Ok(Js::Ref(v)),
        Node::Undefined => Ok(Js::Undefined),
        Node::Object(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (key, child) in entries {
                out.push((Cow::Borrowed(&**key), eval(child, root, memo)?));
            }
            Ok(Js::Object(out))
        }
        Node::Array(items) => items
            .iter()
            .map(|item| eval(item, root, memo))
            .collect::<Result<Vec<_>, _>>()
            .map(Js::Array),
        Node::Path(Source::Ready(path)) => Ok(memo.lookup(root, path).into_js()),
        Node::Path(Source::Computed { node, pointer }) => {
            let path = eval(node, root, memo)?;
            let path = expect_string(&path, "@path", pointer)?;
            Ok(lookup_directive_path(root, path).into_js())
        }
        Node::Template(Source::Ready(template)) => Ok(Js::string(template.render(root))),
        Node::Template(Source::Computed { node, pointer }) => {
            let source = eval(node, root, memo)?;
            let source = expect_string(&source, "@template", pointer)?;
            Ok(Js::string(render_dynamic(source, root)))
        }
        Node::If(node) => eval_if(node, root, memo),
        Node::Case(node) => eval_case(node, root, memo),
        Node::Replace(node) => eval_replace(node, root, memo),
        Node::ArrayPath(node) => eval_array_path(node, root, memo),
        Node::Json(node) => eval_json(node, root, memo),
        Node::Flatten(node) => eval_flatten(node, root, memo),
        Node::Merge(node) => eval_merge(node, root, memo),
        Node::Transform(node) => eval_transform(node, root, memo),
        Node::ExcludeWhenNull(inner) => {
            let value = eval(inner, root, memo)?;
            if value.is_null() {
                Ok(Js::Undefined)
            } else {
                Ok(without_nulls(value))
            }
        }
        Node::Liquid(liquid) => {
            let rendered = match root {
                Js::Ref(v) => liquid.template.render(v),
                Js::Undefined => liquid.template.render(&Value::Object(Map::new())),
                other => {
                    let scope = other.clone().into_value().unwrap_or(Value::Null);
                    liquid.template.render(&scope)
                }
            };
            rendered
                .map(Js::string)
                .map_err(|e| MappingError::new(&*liquid.pointer, e.message))
        }
        Node::Fail(error) => Err((**error).clone()),
    }
}

/// `eval` followed by the output's cleanup (`Js::into_mapped`), without building the
/// intermediate value where the node is a plain object or a literal path: the usual shape of a
/// mapping, whose missing keys then never make an entry at all.
pub(crate) fn eval_output<'a>(
    node: &'a Node,
    root: &Js<'a>,
    memo: &Memo<'a>,
) -> Result<Option<Mapped<'a>>, MappingError> {
    match node {
        Node::Const(v) => Ok(Some(Mapped::Ref(v))),
        Node::Undefined => Ok(None),
        Node::Object(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            eval_members(entries, root, memo, |_, key, value| {
                out.push((Cow::Borrowed(key), value));
            })?;
            Ok(Some(Mapped::Object(out)))
        }
        Node::Path(Source::Ready(path)) => Ok(path_output(path, root, memo)),
        other => Ok(eval(other, root, memo)?.into_mapped()),
    }
}

/// The members of an object node, each given to `take` with its position and key when defined.
#[inline]
pub(crate) fn eval_members<'a>(
    entries: &'a [(Box<str>, Node)],
    root: &Js<'a>,
    memo: &Memo<'a>,
    mut take: impl FnMut(usize, &'a str, Mapped<'a>),
) -> Result<(), MappingError> {
    for (position, (key, child)) in entries.iter().enumerate() {
        // Most members are literal paths: looked up here rather than by a call.
        let value = match child {
            Node::Path(Source::Ready(path)) => path_output(path, root, memo),
            other => eval_output(other, root, memo)?,
        };
        if let Some(value) = value {
            take(position, key, value);
        }
    }
    Ok(())
}

#[inline]
fn path_output<'a>(path: &'a SharedPath, root: &Js<'a>, memo: &Memo<'a>) -> Option<Mapped<'a>> {
    match memo.lookup(root, path) {
        Found::Missing => None,
        Found::Data(v) => Some(Mapped::Ref(v)),
        other => other.into_js().into_mapped(),
    }
}

/// `registerStringDirective`: the resolved option must be a string.
fn expect_string<'v>(
    value: &'v Js<'_>,
    directive: &str,
    pointer: &str,
) -> Result<&'v str, MappingError> {
    value.as_str().ok_or_else(|| {
        MappingError::new(
            pointer,
            format!("{directive}: expected string, got {}", value.type_name()),
        )
    })
}

fn eval_if<'a>(node: &'a If, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    let tested = eval(&node.test, root, memo)?;
    let holds = if node.exists {
        tested.is_present()
    } else {
        tested.is_present() && loosely_not_empty(&tested)
    };
    let branch = if holds {
        node.then.as_ref()
    } else {
        node.otherwise.as_ref()
    };
    match branch {
        Some(branch) => eval(branch, root, memo),
        None => Ok(Js::Undefined),
    }
}

/// JavaScript's `value != ''` for a value that is neither undefined nor null.
fn loosely_not_empty(value: &Js<'_>) -> bool {
    match value.as_json() {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => ampline_js::json_number(n) != 0.0,
        Some(Value::Bool(b)) => *b,
        Some(Value::Object(_)) | Some(Value::Null) => true,
        Some(array @ Value::Array(_)) => {
            let mut text = String::new();
            ampline_js::write_js_string(&mut text, array);
            !text.is_empty()
        }
        None => match value {
            Js::Array(_) => {
                let mut text = String::new();
                write_string_form(&mut text, value);
                !text.is_empty()
            }
            _ => true,
        },
    }
}

fn eval_case<'a>(node: &'a Case, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    let value = eval(&node.value, root, memo)?;
    let Some(text) = value.as_str() else {
        return Ok(value);
    };
    match node.lower {
        Some(true) => Ok(Js::string(text.to_lowercase())),
        Some(false) => Ok(Js::string(text.to_uppercase())),
        None => Err(MappingError::new(
            &*node.pointer,
            "operator key should have a value of \"lower\" or \"upper\"",
        )),
    }
}

fn eval_replace<'a>(node: &'a Replace, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    let value = eval(&node.value, root, memo)?;
    let text: Cow<'_, str> = match value.as_json() {
        Some(Value::String(s)) => Cow::Borrowed(s),
        Some(scalar @ (Value::Bool(_) | Value::Number(_))) => {
            Cow::Owned(ampline_js::to_js_string(scalar))
        }
        _ => return Ok(Js::string(String::new())),
    };
    let Some(passes) = &node.passes else {
        return Ok(Js::string(String::new()));
    };
    let fail = |message: &String| MappingError::new(&*node.pointer, message.clone());
    let first = passes.first.as_ref().map_err(fail)?;
    let mut replaced = first.apply(&text);
    if let Some(second) = &passes.second {
        replaced = second.as_ref().map_err(fail)?.apply(&replaced);
    }
    Ok(Js::string(replaced))
}

fn eval_array_path<'a>(node: &'a ArrayPath, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    let source = match &node.source {
        ArraySource::Path(path) => lookup(root, path).into_js(),
        ArraySource::Node(source) => eval(source, root, memo)?,
    };
    let Some(shape) = &node.shape else {
        return Ok(source);
    };
    let mut out = Vec::new();
    match source {
        Js::Ref(Value::Array(items)) => {
            for item in items {
                out.push(eval(shape, &Js::Ref(item), memo)?);
            }
        }
        Js::Owned(owned) if owned.is_array() => {
            if let Value::Array(items) = *owned {
                for item in items {
                    out.push(eval(shape, &Js::Owned(Box::new(item)), memo)?);
                }
            }
        }
        Js::Array(items) => {
            for item in &items {
                out.push(eval(shape, item, memo)?);
            }
        }
        object if object.is_object() => out.push(eval(shape, &object, memo)?),
        other => return Ok(other),
    }
    Ok(Js::Array(out))
}

fn eval_json<'a>(node: &'a Json, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    let value = eval(&node.value, root, memo)?;
    match node.mode {
        JsonMode::Encode if value.is_undefined() => Ok(Js::Undefined),
        JsonMode::Encode => {
            let mut text = String::new();
            write_json(&mut text, &value);
            Ok(Js::string(text))
        }
        JsonMode::Decode => match value.as_str() {
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(mut decoded) => {
                    order_value_keys_like_js(&mut decoded);
                    Ok(Js::Owned(Box::new(decoded)))
                }
                Err(_) => Ok(value),
            },
            None => Ok(value),
        },
        JsonMode::Other => Ok(Js::Undefined),
    }
}

fn eval_flatten<'a>(node: &'a Flatten, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    let separator = eval(&node.separator, root, memo)?;
    let Some(separator) = separator.as_str() else {
        return Err(MappingError::new(
            &*node.pointer,
            "@flatten requires a string separator",
        ));
    };
    let value = eval(&node.value, root, memo)?;
    let mut out = ObjectBuilder::default();
    flatten_into(&mut out, Found::of(&value), "", separator, node.omit_arrays);
    Ok(out.finish())
}

/// `flattenObject`: objects (and arrays, unless omitted) contribute their leaves under joined
/// keys; anything else is one leaf. An empty prefix joins without a separator, as in the
/// reference, whose test for a prefix is its truthiness.
fn flatten_into<'a>(
    out: &mut ObjectBuilder<'a>,
    value: Found<'_, 'a>,
    prefix: &str,
    separator: &str,
    omit_arrays: bool,
) {
    let is_container = match &value {
        Found::LocalJs(Js::Object(_)) => true,
        Found::LocalJs(Js::Array(_)) => !omit_arrays,
        Found::Data(v) | Found::Local(v) => v.is_object() || (!omit_arrays && v.is_array()),
        _ => false,
    };
    if !is_container {
        out.assign(Cow::Owned(prefix.to_string()), value.into_js());
        return;
    }
    for (key, child) in value.entries().unwrap_or_default() {
        let joined = if prefix.is_empty() {
            key.into_owned()
        } else {
            format!("{prefix}{separator}{key}")
        };
        flatten_into(out, Found::of(&child), &joined, separator, omit_arrays);
    }
}

fn eval_merge<'a>(node: &'a Merge, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    let direction = eval(&node.direction, root, memo)?;
    let objects = node.objects.as_ref().map_err(|e| (**e).clone())?;
    let mut resolved = objects
        .iter()
        .map(|object| eval(object, root, memo))
        .collect::<Result<Vec<_>, _>>()?;
    if direction.as_str() == Some("left") {
        resolved.reverse();
    }
    let mut out = ObjectBuilder::default();
    for source in &resolved {
        match source.as_json() {
            Some(Value::String(s)) => {
                for (i, unit) in crate::value::utf16_units(s).enumerate() {
                    out.assign(Cow::Owned(i.to_string()), Js::string(unit));
                }
            }
            Some(Value::Null | Value::Bool(_) | Value::Number(_)) => {}
            _ => {
                for (key, value) in Found::of(source).entries().unwrap_or_default() {
                    out.assign(key, value);
                }
            }
        }
    }
    Ok(out.finish())
}

fn eval_transform<'a>(node: &'a Transform, root: &Js<'a>, memo: &Memo<'a>) -> Evaluated<'a> {
    let empty = Js::Object(Vec::new());
    let data = match root {
        Js::Undefined => &empty,
        data if data.is_object() => data,
        other => {
            return Err(MappingError::new(
                &*node.pointer,
                format!("data must be an object, got {}", other.type_name()),
            ))
        }
    };
    let apply = node.apply.as_ref().map_err(|e| (**e).clone())?;
    let payload = eval(apply, data, memo)?.without_missing_keys();
    eval(&node.mapping, &payload, memo)
}

/// `cleanNulls`: in objects, null members become missing, recursively through nested objects;
/// arrays and everything else are left alone.
fn without_nulls(value: Js<'_>) -> Js<'_> {
    if !value.is_object() {
        return value;
    }
    let entries = Found::of(&value).entries().unwrap_or_default();
    Js::Object(
        entries
            .into_iter()
            .map(|(key, member)| {
                let member = if member.is_null() {
                    Js::Undefined
                } else {
                    without_nulls(member)
                };
                (key, member)
            })
            .collect(),
    )
}
