//! Turning mapping JSON into nodes. Compilation never fails: whatever the reference would only
//! reject while resolving becomes a node that fails when evaluated, so an invalid directive in a
//! branch that is never taken stays harmless, as it is in the reference.

use crate::path::{Path, PrefixIds, SharedPath};
use crate::replace::Replacer;
use crate::template::Template;
use crate::validate::DIRECTIVES;
use crate::value::{order_keys_like_js, type_name};
use crate::MappingError;
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// A subtree without directives, built once.
    Const(Value),
    /// JavaScript `undefined`.
    Undefined,
    /// Keys in JavaScript order, at least one of them computed.
    Object(Vec<(Box<str>, Node)>),
    Array(Vec<Node>),
    Path(Source<SharedPath>),
    Template(Source<Template>),
    If(Box<If>),
    Case(Box<Case>),
    Replace(Box<Replace>),
    ArrayPath(Box<ArrayPath>),
    Json(Box<Json>),
    Flatten(Box<Flatten>),
    Merge(Box<Merge>),
    Transform(Box<Transform>),
    ExcludeWhenNull(Box<Node>),
    Liquid(Box<Liquid>),
    Fail(Box<MappingError>),
}

/// The option of `@path` and `@template`: a literal string prepared ahead, or anything else,
/// resolved at run time and required to be a string then.
#[derive(Debug, Clone)]
pub(crate) enum Source<T> {
    Ready(T),
    Computed { node: Box<Node>, pointer: Box<str> },
}

#[derive(Debug, Clone)]
pub(crate) struct If {
    /// `true` for `exists`, `false` for `blank`.
    pub(crate) exists: bool,
    pub(crate) test: Node,
    pub(crate) then: Option<Node>,
    pub(crate) otherwise: Option<Node>,
}

#[derive(Debug, Clone)]
pub(crate) struct Case {
    pub(crate) value: Node,
    /// `Some(true)` lower, `Some(false)` upper, `None` any other operator.
    pub(crate) lower: Option<bool>,
    pub(crate) pointer: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct Replace {
    pub(crate) value: Node,
    /// `None` when an option has the wrong type: the reference then returns `""`.
    pub(crate) passes: Option<ReplacePasses>,
    pub(crate) pointer: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct ReplacePasses {
    pub(crate) first: Result<Replacer, String>,
    pub(crate) second: Option<Result<Replacer, String>>,
}

#[derive(Debug, Clone)]
pub(crate) struct ArrayPath {
    pub(crate) source: ArraySource,
    /// Present only for a non-empty object shape, the one case where the reference applies it.
    pub(crate) shape: Option<Node>,
}

#[derive(Debug, Clone)]
pub(crate) enum ArraySource {
    Path(Path),
    Node(Node),
}

#[derive(Debug, Clone)]
pub(crate) enum JsonMode {
    Encode,
    Decode,
    /// Validation accepts any case, but only the exact words run.
    Other,
}

#[derive(Debug, Clone)]
pub(crate) struct Json {
    pub(crate) value: Node,
    pub(crate) mode: JsonMode,
}

#[derive(Debug, Clone)]
pub(crate) struct Flatten {
    pub(crate) separator: Node,
    pub(crate) value: Node,
    pub(crate) omit_arrays: bool,
    pub(crate) pointer: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct Merge {
    pub(crate) direction: Node,
    /// The reference checks `objects` only after resolving `direction`.
    pub(crate) objects: Result<Vec<Node>, Box<MappingError>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Transform {
    /// A complete mapping of its own; its validation errors surface when it runs.
    pub(crate) apply: Result<Node, Box<MappingError>>,
    pub(crate) mapping: Node,
    pub(crate) pointer: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) struct Liquid {
    pub(crate) template: ampline_liquid::Template,
    pub(crate) pointer: Box<str>,
}

/// Compiles a validated mapping; runtime error pointers start at `pointer_prefix`.
/// `prefixes` numbers the prefixes of literal paths for [`Memo`](crate::path::Memo); `None`
/// leaves them unshared.
pub(crate) fn compile_mapping(
    mapping: &Value,
    pointer_prefix: &str,
    prefixes: Option<&mut PrefixIds>,
) -> Node {
    let mut compiler = Compiler {
        pointer: pointer_prefix.to_string(),
        prefixes,
    };
    compiler.node(mapping)
}

struct Compiler<'p> {
    /// Where the node being compiled sits, as `/key/@directive/option`.
    pointer: String,
    prefixes: Option<&'p mut PrefixIds>,
}

impl Compiler<'_> {
    fn at<T>(&mut self, key: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        let len = self.pointer.len();
        self.pointer.push('/');
        self.pointer.push_str(key);
        let result = f(self);
        self.pointer.truncate(len);
        result
    }

    fn here(&self) -> Box<str> {
        if self.pointer.is_empty() {
            "/".into()
        } else {
            self.pointer.as_str().into()
        }
    }

    fn fail(&self, message: impl Into<String>) -> Node {
        Node::Fail(Box::new(MappingError::new(self.here(), message)))
    }

    fn node(&mut self, value: &Value) -> Node {
        match value {
            Value::Array(items) => {
                let nodes: Vec<Node> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.at(&i.to_string(), |c| c.node(item)))
                    .collect();
                if nodes.iter().all(|n| matches!(n, Node::Const(_))) {
                    Node::Const(Value::Array(nodes.into_iter().map(into_const).collect()))
                } else {
                    Node::Array(nodes)
                }
            }
            Value::Object(map) if is_directive(map) => self.directive(map),
            Value::Object(map) => {
                let mut entries: Vec<(Box<str>, Node)> = map
                    .iter()
                    .map(|(k, v)| (k.as_str().into(), self.at(k, |c| c.node(v))))
                    .collect();
                order_keys_like_js(&mut entries);
                if entries.iter().all(|(_, n)| matches!(n, Node::Const(_))) {
                    let map: Map<String, Value> = entries
                        .into_iter()
                        .map(|(k, n)| (k.into_string(), into_const(n)))
                        .collect();
                    Node::Const(Value::Object(map))
                } else {
                    Node::Object(entries)
                }
            }
            scalar => Node::Const(scalar.clone()),
        }
    }

    fn directive(&mut self, map: &Map<String, Value>) -> Node {
        let Some((name, options)) = map.iter().find(|(k, _)| k.starts_with('@')) else {
            return Node::Undefined;
        };
        if !DIRECTIVES.contains(&name.as_str()) {
            return self.fail(format!("{name} is not a valid directive, got undefined"));
        }
        self.at(name, |c| c.directive_options(name, options))
    }

    fn directive_options(&mut self, name: &str, options: &Value) -> Node {
        let object = options.as_object();
        let option = |key: &str| object.and_then(|o| o.get(key));
        let truthy = |key: &str| ampline_js::is_truthy(option(key));
        match name {
            "@path" => {
                let source = self.source(options, Path::from_directive);
                Node::Path(match source {
                    Source::Ready(path) => Source::Ready(match self.prefixes.as_deref_mut() {
                        Some(prefixes) => prefixes.share(path),
                        None => PrefixIds::alone(path),
                    }),
                    Source::Computed { node, pointer } => Source::Computed { node, pointer },
                })
            }
            "@template" => Node::Template(self.source(options, Template::parse)),
            "@literal" => self.node(options),
            "@if" => {
                if object.is_none() {
                    return self.fail("@if requires an object with an \"exists\" key");
                }
                if !truthy("exists") && !truthy("blank") {
                    return self.fail("@if requires an \"exists\" key or a \"blank\" key");
                }
                let (exists, test) = match option("exists") {
                    Some(test) => (true, self.at("exists", |c| c.node(test))),
                    None => (false, self.option_node("blank", option("blank"))),
                };
                let then = option("then").map(|then| self.at("then", |c| c.node(then)));
                let otherwise = if truthy("else") {
                    Some(self.option_node("else", option("else")))
                } else {
                    None
                };
                Node::If(Box::new(If {
                    exists,
                    test,
                    then,
                    otherwise,
                }))
            }
            "@case" => {
                if object.is_none() {
                    return self.fail("@case requires an object with a \"operator\" key");
                }
                if !truthy("operator") {
                    return self.fail("@case requires a \"operator\" key");
                }
                if !truthy("value") {
                    return Node::Undefined;
                }
                let lower = match option("operator").and_then(Value::as_str) {
                    Some("lower") => Some(true),
                    Some("upper") => Some(false),
                    _ => None,
                };
                Node::Case(Box::new(Case {
                    value: self.option_node("value", option("value")),
                    lower,
                    pointer: self.here(),
                }))
            }
            "@replace" => {
                if object.is_none() {
                    return self.fail("@replace requires an object with a \"pattern\" key");
                }
                if !truthy("pattern") {
                    return self.fail("@replace requires a \"pattern\" key");
                }
                if !truthy("value") {
                    return Node::Undefined;
                }
                Node::Replace(Box::new(Replace {
                    value: self.option_node("value", option("value")),
                    passes: replace_passes(|key| option(key)),
                    pointer: self.here(),
                }))
            }
            "@arrayPath" => {
                let Value::Array(items) = options else {
                    return self.fail(format!(
                        "@arrayPath expected array, got {}",
                        type_name(options)
                    ));
                };
                let source = match items.first() {
                    Some(Value::String(path)) => ArraySource::Path(Path::from_directive(path)),
                    Some(other) => ArraySource::Node(self.at("0", |c| c.node(other))),
                    None => ArraySource::Node(Node::Undefined),
                };
                let shape = match items.get(1) {
                    Some(shape @ Value::Object(keys)) if !keys.is_empty() => {
                        Some(self.at("1", |c| c.node(shape)))
                    }
                    _ => None,
                };
                Node::ArrayPath(Box::new(ArrayPath { source, shape }))
            }
            "@json" => {
                if object.is_none() {
                    return self.fail("@json requires an object with a \"value\" key");
                }
                if !truthy("mode") {
                    return self.fail("@json requires a \"mode\" key");
                }
                if !truthy("value") {
                    return self.fail("@json requires a \"value\" key");
                }
                let mode = match option("mode").and_then(Value::as_str) {
                    Some("encode") => JsonMode::Encode,
                    Some("decode") => JsonMode::Decode,
                    _ => JsonMode::Other,
                };
                Node::Json(Box::new(Json {
                    value: self.option_node("value", option("value")),
                    mode,
                }))
            }
            "@flatten" => {
                if object.is_none() {
                    return self.fail("@flatten requires an object with a \"separator\" key");
                }
                if !truthy("separator") {
                    return self.fail("@flatten requires a \"separator\" key");
                }
                Node::Flatten(Box::new(Flatten {
                    separator: self.option_node("separator", option("separator")),
                    value: self.option_node("value", option("value")),
                    omit_arrays: truthy("omitArrays"),
                    pointer: self.here(),
                }))
            }
            "@merge" => {
                if object.is_none() {
                    return self.fail(
                        "@merge requires an object with an \"objects\" key and a \"direction\" key",
                    );
                }
                if !truthy("direction") {
                    return self.fail("@merge requires a \"direction\" key");
                }
                let direction = self.option_node("direction", option("direction"));
                let objects = match option("objects") {
                    Some(Value::Array(items)) => Ok(self.at("objects", |c| {
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| c.at(&i.to_string(), |c| c.node(item)))
                            .collect()
                    })),
                    Some(other) if ampline_js::is_truthy(Some(other)) => {
                        Err(Box::new(MappingError::new(
                            self.here(),
                            format!("@merge: expected opts.array, got {}", js_typeof(other)),
                        )))
                    }
                    _ => Err(Box::new(MappingError::new(
                        self.here(),
                        "@merge requires a \"objects\" key",
                    ))),
                };
                Node::Merge(Box::new(Merge { direction, objects }))
            }
            "@transform" => {
                if object.is_none() {
                    return self.fail(
                        "@transform requires an object with an \"apply\" key and a \"mapping\" key",
                    );
                }
                if !truthy("mapping") {
                    return self.fail("@transform requires a \"mapping\" key");
                }
                let apply = match option("apply") {
                    Some(apply @ Value::Object(_)) => apply,
                    Some(other) if ampline_js::is_truthy(Some(other)) => {
                        return self.fail("@transform \"apply\" key should be an object");
                    }
                    _ => return self.fail("@transform requires a \"apply\" key"),
                };
                let pointer = self.here();
                let apply_pointer = format!("{}/apply", self.pointer);
                let apply = crate::compile_root(apply, &apply_pointer, None).map_err(|invalid| {
                    Box::new(MappingError::new(
                        pointer.clone(),
                        format!("invalid \"apply\" mapping: {invalid}"),
                    ))
                });
                let mapping = self.option_node("mapping", option("mapping"));
                Node::Transform(Box::new(Transform {
                    apply,
                    mapping,
                    pointer,
                }))
            }
            "@excludeWhenNull" => Node::ExcludeWhenNull(Box::new(self.node(options))),
            "@liquid" => {
                let Value::String(source) = options else {
                    return self.fail("liquid template value must be a string");
                };
                if source.is_empty() {
                    return Node::Const(Value::String(String::new()));
                }
                if ampline_js::utf16_len(source) > 1000 {
                    return self.fail("liquid template values are limited to 1000 characters");
                }
                match ampline_liquid::Template::parse(source) {
                    Ok(template) => Node::Liquid(Box::new(Liquid {
                        template,
                        pointer: self.here(),
                    })),
                    Err(e) => self.fail(e.message),
                }
            }
            _ => Node::Undefined,
        }
    }

    /// An option that may be absent, which resolves to `undefined`.
    fn option_node(&mut self, key: &str, value: Option<&Value>) -> Node {
        match value {
            Some(value) => self.at(key, |c| c.node(value)),
            None => Node::Undefined,
        }
    }

    fn source<T>(&mut self, options: &Value, prepare: impl Fn(&str) -> T) -> Source<T> {
        match options {
            Value::String(s) => Source::Ready(prepare(s)),
            other => Source::Computed {
                pointer: self.here(),
                node: Box::new(self.node(other)),
            },
        }
    }
}

/// The reference's `isDirective`: an `@` key, and no other key but `_metadata`.
pub(crate) fn is_directive(map: &Map<String, Value>) -> bool {
    let mut has_directive_key = false;
    for key in map.keys() {
        if key.starts_with('@') {
            has_directive_key = true;
        } else if key != "_metadata" {
            return false;
        }
    }
    has_directive_key
}

fn into_const(node: Node) -> Value {
    match node {
        Node::Const(v) => v,
        _ => Value::Null,
    }
}

/// JavaScript `typeof` of a JSON value.
fn js_typeof(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Null | Value::Array(_) | Value::Object(_) => "object",
    }
}

/// The reference defaults `replacement` (and `replacement2` when `pattern2` is set) to `""`,
/// `ignorecase` to false and `global` to true when they are absent or null, then replaces only if
/// every option has its proper type.
fn replace_passes<'v>(option: impl Fn(&str) -> Option<&'v Value>) -> Option<ReplacePasses> {
    let defaulted = |key: &str, default: Value| match option(key) {
        None | Some(Value::Null) => default,
        Some(v) => v.clone(),
    };
    let pattern = option("pattern")?.as_str()?;
    let replacement = defaulted("replacement", Value::String(String::new()));
    let global = defaulted("global", Value::Bool(true)).as_bool()?;
    let ignore_case = defaulted("ignorecase", Value::Bool(false)).as_bool()?;
    let replacement = replacement.as_str()?;
    let first = Replacer::new(pattern, replacement, global, ignore_case);
    let second = match option("pattern2") {
        Some(Value::String(pattern2)) if !pattern2.is_empty() => {
            match defaulted("replacement2", Value::String(String::new())) {
                Value::String(replacement2) => {
                    Some(Replacer::new(pattern2, &replacement2, global, ignore_case))
                }
                _ => None,
            }
        }
        _ => None,
    };
    Some(ReplacePasses { first, second })
}
