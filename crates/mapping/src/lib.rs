//! Segment's mapping-kit: a mapping JSON is compiled once and applied to many events.
//!
//! A mapping is JSON in which objects like `{"@path": "$.userId"}` are *directives* that read
//! from the event; everything else is copied. ampline must produce exactly what Segment's
//! `transform` produces, quirks included, so the crate mirrors the reference's three steps:
//!
//! 1. **Validation** (module `validate`) walks the raw JSON with the reference's rules and collects
//!    every error with a pointer such as `/a/@case/value`. Like the reference it does not look
//!    inside arrays; a bad directive there fails only when it runs.
//! 2. **Compilation** (module `compile`) turns the JSON into a tree of nodes: literal subtrees become
//!    one prebuilt value, paths are split, templates are parsed into segments and `@replace`
//!    patterns are prepared. Problems that the reference only meets at run time (an unknown
//!    directive in an array, `@case` without an operator) become nodes that fail when, and only
//!    when, they are evaluated.
//! 3. **Evaluation** (module `eval`) walks the nodes against one event. Values read from the event
//!    are borrowed, not copied, until the output is built. JavaScript's `undefined` is a real
//!    value in the middle of a run (a missing key erases a key in `@merge`, an array hole stays a
//!    hole in `@flatten`), so intermediate results use `value::Js`, which can hold it; the
//!    output drops missing keys and turns holes into `null`, as the reference's cleanup does.
//!
//! Nesting is bounded: a mapping nested deeper than [`MAX_DEPTH`] containers is rejected, so
//! compilation and evaluation recurse a bounded number of times. Event data is walked
//! iteratively where it is looked up; directives that copy or reshape whole event subtrees
//! (`@flatten`, `@json`) recurse as deep as the event, which a JSON parser already bounds.
//!
//! Known deviations from the reference, all outside what real mappings use: properties of
//! JavaScript prototypes (`$.constructor`, `$.items.map`) read as missing; a lone UTF-16
//! surrogate produced by indexing a string reads as U+FFFD; objects read from the event keep
//! their key order, whereas objects the mapping builds put integer-like keys first as
//! JavaScript does; `@json` decoding falls back to the original string where `JSON.parse` would
//! accept what serde_json refuses (numbers beyond the double range, lone surrogate escapes,
//! nesting past 128); a validation error inside a `@merge` object carries its full pointer where
//! the reference's starts at that object.

mod compile;
mod eval;
mod mapped;
mod path;
mod replace;
mod template;
mod validate;
mod value;

pub use mapped::{Entries, Items, Mapped, MappedRef, Shape};
use serde_json::{Map, Value};
use std::fmt;

/// How many containers (objects and arrays) a mapping may nest. Real mappings nest a handful;
/// the bound keeps compilation and evaluation, which recurse along the mapping, off the end of
/// the stack.
pub const MAX_DEPTH: usize = 64;

/// The top-level key that turns the rest of the mapping into the `mapping` option of one directive.
const ROOT_DIRECTIVE_KEY: &str = "__segment_internal_directive";

/// A compiled mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    root: compile::Node,
    /// The prefixes of the mapping's literal paths.
    path_prefixes: path::PrefixTree,
}

/// A problem found in a mapping, at a JSON pointer into the mapping (e.g. `/a/@case/value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub pointer: String,
    pub message: String,
}

impl MappingError {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        MappingError {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.pointer, self.message)
    }
}

impl std::error::Error for MappingError {}

/// Every problem static validation found in a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMapping {
    pub errors: Vec<MappingError>,
}

impl fmt::Display for InvalidMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidMapping {}

impl Mapping {
    /// Validates `mapping` as the reference does and compiles it. All validation errors are
    /// reported together.
    pub fn compile(mapping: &Value) -> Result<Mapping, InvalidMapping> {
        let mut prefixes = path::PrefixIds::default();
        let root = compile_root(mapping, "", Some(&mut prefixes))?;
        Ok(Mapping {
            root,
            path_prefixes: prefixes.into_tree(),
        })
    }

    /// Applies the mapping to one event, which must be a JSON object.
    ///
    /// `Ok(None)` when the root resolves to nothing (JS `undefined`).
    pub fn apply(&self, event: &Value) -> Result<Option<Value>, MappingError> {
        Ok(self.apply_borrowed(event)?.map(Mapped::into_value))
    }

    /// The keys of the mapping's top-level members, in order, when the mapping is an object of
    /// members (as every action's mapping is); `None` when its root is a directive or a value
    /// with no directive in it.
    pub fn member_keys(&self) -> Option<Vec<&str>> {
        match &self.root {
            compile::Node::Object(entries) => Some(entries.iter().map(|(key, _)| &**key).collect()),
            _ => None,
        }
    }

    /// [`Mapping::apply_borrowed`] for a mapping with [`Mapping::member_keys`]: gives `take`
    /// each defined member in order, with its position among them, so a caller that has
    /// prepared something per member finds it without comparing keys. `Ok(false)` (and nothing
    /// taken) for a mapping without members.
    pub fn apply_members<'a>(
        &'a self,
        event: &'a Value,
        take: impl FnMut(usize, &'a str, Mapped<'a>),
    ) -> Result<bool, MappingError> {
        let compile::Node::Object(entries) = &self.root else {
            return Ok(false);
        };
        if !event.is_object() {
            return Err(not_an_object(event));
        }
        let memo = path::Memo::new(event, &self.path_prefixes);
        eval::eval_members(entries, &value::Js::Ref(event), &memo, take)?;
        Ok(true)
    }

    /// [`Mapping::apply`], with the parts of the output that are the event's (or the mapping's)
    /// own values borrowed rather than copied.
    pub fn apply_borrowed<'a>(
        &'a self,
        event: &'a Value,
    ) -> Result<Option<Mapped<'a>>, MappingError> {
        if !event.is_object() {
            return Err(not_an_object(event));
        }
        let memo = path::Memo::new(event, &self.path_prefixes);
        eval::eval_output(&self.root, &value::Js::Ref(event), &memo)
    }
}

fn not_an_object(event: &Value) -> MappingError {
    MappingError::new(
        "/",
        format!("data must be an object, got {}", value::type_name(event)),
    )
}

/// Everything `transform` does before resolving: the depth bound, the reserved key, validation,
/// then compilation. `@transform` runs the same steps on its `apply` option, so `pointer_prefix`
/// places its errors.
fn compile_root(
    mapping: &Value,
    pointer_prefix: &str,
    prefixes: Option<&mut path::PrefixIds>,
) -> Result<compile::Node, InvalidMapping> {
    let invalid = |message: String| InvalidMapping {
        errors: vec![MappingError::new(
            if pointer_prefix.is_empty() {
                "/".to_string()
            } else {
                pointer_prefix.to_string()
            },
            message,
        )],
    };
    if exceeds_depth(mapping, MAX_DEPTH) {
        return Err(invalid(format!(
            "is nested deeper than {MAX_DEPTH} objects and arrays."
        )));
    }
    let to_process = mapping_to_process(mapping).map_err(invalid)?;
    // Moving the other top-level keys under the root directive nests them two levels deeper.
    if exceeds_depth(&to_process, MAX_DEPTH + 2) {
        return Err(invalid(format!(
            "is nested deeper than {MAX_DEPTH} objects and arrays."
        )));
    }
    let mut errors = validate::validate_mapping(&to_process);
    if !pointer_prefix.is_empty() {
        for error in &mut errors {
            let relative = error.pointer.strip_prefix('/').unwrap_or(&error.pointer);
            error.pointer = if relative.is_empty() {
                pointer_prefix.to_string()
            } else {
                format!("{pointer_prefix}/{relative}")
            };
        }
    }
    if !errors.is_empty() {
        return Err(InvalidMapping { errors });
    }
    Ok(compile::compile_mapping(
        &to_process,
        pointer_prefix,
        prefixes,
    ))
}

/// Whether containers nest more than `limit` deep. The walk itself stops at the limit, so it
/// cannot overflow the stack however deep the value is.
fn exceeds_depth(value: &Value, limit: usize) -> bool {
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Array(items) => Box::new(items.iter()),
        Value::Object(map) => Box::new(map.values()),
        _ => return false,
    };
    if limit == 0 {
        return true;
    }
    for child in children {
        if exceeds_depth(child, limit - 1) {
            return true;
        }
    }
    false
}

/// The reference copies the mapping with object spread (`{...mapping}`), so a top-level array or
/// string becomes an object keyed by index and any other scalar an empty object; then the reserved
/// key, if present, hands the other keys to the root directive as its `mapping` option.
fn mapping_to_process(mapping: &Value) -> Result<Value, String> {
    let spread: Map<String, Value> = match mapping {
        Value::Object(map) => map.clone(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v.clone()))
            .collect(),
        Value::String(s) => value::utf16_units(s)
            .enumerate()
            .map(|(i, unit)| (i.to_string(), Value::String(unit)))
            .collect(),
        _ => Map::new(),
    };
    let Some(root_directive) = spread.get(ROOT_DIRECTIVE_KEY) else {
        return Ok(Value::Object(spread));
    };
    let customer_mapping: Map<String, Value> = spread
        .iter()
        .filter(|(k, _)| k.as_str() != ROOT_DIRECTIVE_KEY)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    const ONE_DIRECTIVE: &str = "The root mapping must only have a single directive object";
    const MUST_BE_OBJECT: &str = "The root directive must be an object";
    match root_directive {
        Value::Object(directive) => {
            if directive.len() > 1 {
                return Err(ONE_DIRECTIVE.to_string());
            }
            let mut directive = directive.clone();
            match directive.values_mut().next() {
                Some(Value::Object(options)) => {
                    options.insert("mapping".to_string(), Value::Object(customer_mapping));
                }
                // An array is an object to `typeof`; the option set on it never shows.
                Some(Value::Array(_)) => {}
                _ => return Err(MUST_BE_OBJECT.to_string()),
            }
            Ok(Value::Object(directive))
        }
        Value::Array(items) => match items.as_slice() {
            [Value::Object(options)] => {
                let mut options = options.clone();
                options.insert("mapping".to_string(), Value::Object(customer_mapping));
                Ok(Value::Array(vec![Value::Object(options)]))
            }
            [item @ Value::Array(_)] => Ok(Value::Array(vec![item.clone()])),
            [] | [_] => Err(MUST_BE_OBJECT.to_string()),
            _ => Err(ONE_DIRECTIVE.to_string()),
        },
        Value::String(s) if value::utf16_units(s).nth(1).is_some() => {
            Err(ONE_DIRECTIVE.to_string())
        }
        Value::Null => Err("Cannot convert undefined or null to object".to_string()),
        _ => Err(MUST_BE_OBJECT.to_string()),
    }
}

#[cfg(test)]
mod tests;
