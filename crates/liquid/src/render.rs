//! Rendering: scopes, expression evaluation, tags, and the limits that keep any template
//! cheap.

use crate::syntax::{FilterArg, FilteredValue, Item, Literal, Node, Op, Operand, Source};
use crate::value::{
    is_object_prototype_key, js_compare, liquid_equals, own_property, read_property, Text, Val,
};
use crate::Error;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::HashMap;

/// liquidjs's `memoryLimit` as Segment configures it; counted exactly as liquidjs counts it.
const MEMORY_LIMIT: f64 = 1e8;

/// Stand-in for Segment's 500 ms `renderLimit`: a deterministic allowance of work, counted in
/// characters written and array items made. Templates cannot loop, so only growing strings and
/// large ranges can use it up.
const WORK_LIMIT: u64 = 10_000_000;

/// What one array item costs of that allowance: about its size in bytes.
pub(crate) const ITEM_WEIGHT: usize = 16;

pub(crate) struct Context<'a> {
    pub(crate) root: &'a Value,
    /// `scopes[0]` takes `assign` and `capture`; `block` pushes more.
    scopes: Vec<HashMap<String, Val<'a>>>,
    /// What `increment`/`decrement` write into the environment (liquidjs mutates the event).
    environment: HashMap<String, Val<'a>>,
    cycles: HashMap<String, usize>,
    interrupted: bool,
    memory: f64,
    work: u64,
    pub(crate) now_ms: Option<f64>,
    /// While `where` evaluates its property on an item: that item, as the environment.
    item: Option<Val<'a>>,
}

/// A failure while rendering; `located` ones already carry their position.
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) located: bool,
}

pub(crate) type Outcome<T> = Result<T, Failure>;

pub(crate) fn fail<T>(message: impl Into<String>) -> Outcome<T> {
    Err(Failure {
        message: message.into(),
        located: false,
    })
}

impl<'a> Context<'a> {
    pub(crate) fn new(root: &'a Value, now_ms: Option<f64>) -> Self {
        Context {
            root,
            scopes: vec![HashMap::new()],
            environment: HashMap::new(),
            cycles: HashMap::new(),
            interrupted: false,
            memory: 0.0,
            work: 0,
            now_ms,
            item: None,
        }
    }

    /// Evaluates a property path with `item` as the whole environment, as liquidjs's `where`
    /// does in a context spawned for the item.
    pub(crate) fn eval_in_item(&mut self, item: &Val<'a>, props: &[Operand]) -> Outcome<Val<'a>> {
        let scopes = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        let environment = std::mem::take(&mut self.environment);
        let outer_item = self.item.replace(item.clone());
        let result = self.eval_operand(&Operand::Access {
            variable: None,
            props: props.to_vec(),
        });
        self.scopes = scopes;
        self.environment = environment;
        self.item = outer_item;
        result
    }

    /// liquidjs `memoryLimit.use`.
    pub(crate) fn use_memory(&mut self, count: f64) -> Outcome<()> {
        if count > 0.0 {
            if self.memory + count > MEMORY_LIMIT {
                return fail("memory alloc limit exceeded");
            }
            self.memory += count;
        }
        Ok(())
    }

    pub(crate) fn use_work(&mut self, amount: usize) -> Outcome<()> {
        self.work = self.work.saturating_add(amount as u64);
        if self.work > WORK_LIMIT {
            return fail("template render limit exceeded");
        }
        Ok(())
    }

    pub(crate) fn render_nodes(
        &mut self,
        src: &Source,
        nodes: &[Node],
        out: &mut String,
    ) -> Result<(), Error> {
        for node in nodes {
            self.use_work(1)
                .map_err(|f| locate(src, f, node_pos(node)))?;
            let before = out.len();
            match self.render_node(src, node, out) {
                Ok(()) => {}
                Err(NodeError::Located(e)) => return Err(e),
                Err(NodeError::Plain(f)) => return Err(locate(src, f, node_pos(node))),
            }
            // Only nodes that write themselves are charged, so nesting does not count twice.
            let writes_itself = matches!(
                node,
                Node::Text(_)
                    | Node::Output { .. }
                    | Node::Echo { .. }
                    | Node::Increment { .. }
                    | Node::Decrement { .. }
                    | Node::Cycle { .. }
            );
            if writes_itself {
                self.use_work(out.len() - before)
                    .map_err(|f| locate(src, f, node_pos(node)))?;
            }
            if self.interrupted {
                break;
            }
        }
        Ok(())
    }

    fn render_node(
        &mut self,
        src: &Source,
        node: &Node,
        out: &mut String,
    ) -> Result<(), NodeError> {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Output { value, .. } => {
                let v = self.eval_filtered(value)?;
                v.write_liquid(out);
            }
            Node::Echo { value, .. } => {
                if let Some(value) = value {
                    let v = self.eval_filtered(value)?;
                    v.write_liquid(out);
                }
            }
            Node::Assign { name, value, .. } => {
                let v = self.eval_filtered(value)?;
                self.set_bottom(name, v);
            }
            Node::Capture { name, body, .. } => {
                let mut captured = String::new();
                self.render_nodes(src, body, &mut captured)
                    .map_err(NodeError::Located)?;
                self.set_bottom(name, Val::string(captured));
            }
            Node::If {
                branches,
                otherwise,
                ..
            } => {
                for (value, body) in branches {
                    if !self.eval_filtered(value)?.is_falsy() {
                        return self
                            .render_nodes(src, body, out)
                            .map_err(NodeError::Located);
                    }
                }
                self.render_nodes(src, otherwise, out)
                    .map_err(NodeError::Located)?;
            }
            Node::Unless {
                branches,
                otherwise,
                ..
            } => {
                for (i, (value, body)) in branches.iter().enumerate() {
                    let falsy = self.eval_filtered(value)?.is_falsy();
                    if falsy == (i == 0) {
                        return self
                            .render_nodes(src, body, out)
                            .map_err(NodeError::Located);
                    }
                }
                self.render_nodes(src, otherwise, out)
                    .map_err(NodeError::Located)?;
            }
            Node::Increment { name } | Node::Decrement { name } => {
                let current = match self.environment_value(name) {
                    Val::Num(n) => n,
                    _ => 0.0,
                };
                let (next, shown) = if matches!(node, Node::Increment { .. }) {
                    (current + 1.0, current)
                } else {
                    (current - 1.0, current - 1.0)
                };
                self.environment.insert(name.clone(), Val::Num(next));
                ampline_js::write_number(out, shown);
            }
            Node::Cycle {
                group, candidates, ..
            } => {
                let group = match group {
                    Some(g) => self.eval_operand(g)?,
                    None => Val::Undefined,
                };
                // liquidjs keys the counter by the group and the candidates' `String()`, which is
                // `[object Object]` for every candidate: only their number matters.
                let key = format!("{}:{}", group.js_string(), candidates.len());
                let index = self.cycles.get(&key).copied().unwrap_or(0);
                self.cycles
                    .insert(key, (index + 1) % candidates.len().max(1));
                if let Some(candidate) = candidates.get(index) {
                    let v = self.eval_operand(candidate)?;
                    if v.is_js_truthy() {
                        v.write_liquid(out);
                    }
                }
            }
            Node::Block { body, .. } => {
                let mut scope = HashMap::new();
                scope.insert("block".to_string(), Val::Opaque);
                self.scopes.push(scope);
                let result = self.render_nodes(src, body, out);
                self.scopes.pop();
                result.map_err(NodeError::Located)?;
            }
            Node::Interrupt => self.interrupted = true,
            Node::Group(nodes) => self
                .render_nodes(src, nodes, out)
                .map_err(NodeError::Located)?,
            Node::Nothing => {}
        }
        Ok(())
    }

    fn set_bottom(&mut self, name: &str, value: Val<'a>) {
        // Assigning `__proto__` on a JavaScript object does not make a property.
        if name == "__proto__" {
            return;
        }
        if let Some(bottom) = self.scopes.first_mut() {
            bottom.insert(name.to_string(), value);
        }
    }

    fn environment_value(&self, name: &str) -> Val<'a> {
        if let Some(v) = self.environment.get(name) {
            return v.clone();
        }
        own_property(&Val::from_json(self.root), name)
    }

    pub(crate) fn eval_filtered(&mut self, value: &FilteredValue) -> Outcome<Val<'a>> {
        let mut v = self.eval_expression(&value.postfix)?;
        for filter in &value.filters {
            let mut args = Vec::with_capacity(filter.args.len());
            for arg in &filter.args {
                args.push(match arg {
                    FilterArg::Positional(operand) => self.eval_operand(operand)?,
                    FilterArg::Keyword(key, value) => {
                        let value = match value {
                            Some(operand) => self.eval_operand(operand)?,
                            None => Val::Undefined,
                        };
                        Val::array(vec![Val::string(key.as_str()), value])
                    }
                });
            }
            self.use_work(1)?;
            v = crate::filters::apply(self, &filter.name, v, &args)?;
            let made = match &v {
                Val::Str(Text::Owned(s)) => s.len(),
                Val::Array(items) => items.len() * ITEM_WEIGHT,
                _ => 0,
            };
            self.use_work(made)?;
        }
        Ok(v)
    }

    fn eval_expression(&mut self, postfix: &[Item]) -> Outcome<Val<'a>> {
        let mut stack: Vec<Val<'a>> = Vec::new();
        for item in postfix {
            match item {
                Item::Operand(operand) => {
                    let v = self.eval_operand(operand)?;
                    stack.push(v);
                }
                Item::Op(op) => {
                    let r = stack.pop().unwrap_or(Val::Undefined);
                    let result = if *op == Op::Not {
                        r.to_value().is_falsy()
                    } else {
                        let l = stack.pop().unwrap_or(Val::Undefined);
                        binary(*op, &l, &r)
                    };
                    stack.push(Val::Bool(result));
                }
            }
        }
        Ok(stack.into_iter().next().unwrap_or(Val::Undefined))
    }

    pub(crate) fn eval_operand(&mut self, operand: &Operand) -> Outcome<Val<'a>> {
        Ok(match operand {
            Operand::Literal(literal) => match literal {
                Literal::True => Val::Bool(true),
                Literal::False => Val::Bool(false),
                Literal::Nil => Val::Nil,
                Literal::Empty => Val::Empty,
                Literal::Blank => Val::Blank,
            },
            Operand::Number(n) => Val::Num(*n),
            Operand::Quoted(s) | Operand::Word(s) => Val::string(s.as_str()),
            Operand::Range(low, high) => {
                let low = self.eval_operand(low)?;
                let high = self.eval_operand(high)?;
                let (lo, hi) = (low.js_number(), high.js_number());
                self.use_memory(hi - lo + 1.0)?;
                let mut items = Vec::new();
                let mut i = lo;
                while i < hi + 1.0 {
                    self.use_work(ITEM_WEIGHT)?;
                    items.push(Val::Num(i));
                    i += 1.0;
                }
                Val::array(items)
            }
            Operand::Access { variable, props } => {
                let mut keys = Vec::with_capacity(props.len());
                for prop in props {
                    keys.push(self.eval_operand(prop)?);
                }
                let mut keys = keys.into_iter();
                let mut current = match variable {
                    Some(variable) => self.eval_operand(variable)?,
                    None => match keys.next() {
                        Some(first) => self.lookup(&first),
                        None => Val::Undefined,
                    },
                };
                for key in keys {
                    current = read_property(&current, &key);
                }
                current
            }
        })
    }

    /// Reads a top-level name: assigned variables, then the environment (the root and what
    /// `increment` wrote), then an empty globals object.
    pub(crate) fn lookup(&self, key: &Val<'a>) -> Val<'a> {
        let find_key = key.property_key();
        let read_key = key.to_value();
        let name = read_key.property_key();
        let is_special = |k: &str| matches!(read_key, Val::Str(_)) && k == name.as_ref();
        for scope in self.scopes.iter().rev() {
            if scope.contains_key(find_key.as_ref()) || is_object_prototype_key(&find_key) {
                if let Some(v) = scope.get(name.as_ref()) {
                    return v.clone();
                }
                if is_special("size") {
                    return Val::Num(scope.len() as f64);
                }
                return Val::Undefined;
            }
        }
        if let Some(item) = &self.item {
            if !matches!(own_property(item, &find_key), Val::Undefined) {
                return read_property(item, &read_key);
            }
            return if is_special("size") {
                Val::Num(0.0)
            } else {
                Val::Undefined
            };
        }
        let root = Val::from_json(self.root);
        let in_environment = self.environment.contains_key(find_key.as_ref())
            || !matches!(own_property(&root, &find_key), Val::Undefined)
            || (matches!(root, Val::JsonObject(map) if map.contains_key(find_key.as_ref())));
        if in_environment {
            if let Some(v) = self.environment.get(name.as_ref()) {
                return v.clone();
            }
            if let Val::JsonObject(map) = root {
                if let Some(v) = map.get(name.as_ref()) {
                    return Val::from_json(v);
                }
                if is_special("size") {
                    let extra = self
                        .environment
                        .keys()
                        .filter(|k| !map.contains_key(k.as_str()))
                        .count();
                    return Val::Num((map.len() + extra) as f64);
                }
                return Val::Undefined;
            }
            return read_property(&root, &read_key);
        }
        if is_special("size") {
            return Val::Num(0.0);
        }
        Val::Undefined
    }
}

fn binary(op: Op, l: &Val<'_>, r: &Val<'_>) -> bool {
    let relational = |wanted: &[Ordering]| -> bool {
        if l.is_drop() || r.is_drop() {
            return false;
        }
        js_compare(&l.to_value(), &r.to_value()).is_some_and(|o| wanted.contains(&o))
    };
    match op {
        Op::Eq => liquid_equals(l, r),
        Op::Ne => !liquid_equals(l, r),
        Op::Gt => relational(&[Ordering::Greater]),
        Op::Lt => relational(&[Ordering::Less]),
        Op::Ge => relational(&[Ordering::Greater, Ordering::Equal]),
        Op::Le => relational(&[Ordering::Less, Ordering::Equal]),
        Op::Contains => {
            let l = l.to_value();
            if l.is_array() {
                return l
                    .items()
                    .unwrap_or_default()
                    .iter()
                    .any(|item| liquid_equals(item, r));
            }
            match l.as_str() {
                Some(s) => s.contains(r.to_value().js_string().as_ref()),
                None => false,
            }
        }
        Op::And => !l.to_value().is_falsy() && !r.to_value().is_falsy(),
        Op::Or => !l.to_value().is_falsy() || !r.to_value().is_falsy(),
        Op::Not => r.to_value().is_falsy(),
    }
}

enum NodeError {
    Located(Error),
    Plain(Failure),
}

impl From<Failure> for NodeError {
    fn from(f: Failure) -> Self {
        if f.located {
            NodeError::Located(Error { message: f.message })
        } else {
            NodeError::Plain(f)
        }
    }
}

fn locate(src: &Source, failure: Failure, pos: usize) -> Error {
    if failure.located {
        Error {
            message: failure.message,
        }
    } else {
        src.error(failure.message, pos)
    }
}

fn node_pos(node: &Node) -> usize {
    match node {
        Node::Output { pos, .. }
        | Node::Assign { pos, .. }
        | Node::Capture { pos, .. }
        | Node::If { pos, .. }
        | Node::Unless { pos, .. }
        | Node::Cycle { pos, .. }
        | Node::Echo { pos, .. }
        | Node::Block { pos, .. } => pos.0,
        _ => 0,
    }
}
