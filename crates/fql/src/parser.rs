//! Builds the trigger tree with real precedence while reading every condition exactly as
//! Segment's parser does.
//!
//! Segment reads a level as a flat list: conditions and function calls become nodes, `and`/`or`
//! set the level's connective (the last one wins), and any other token is skipped. A condition
//! takes the next two tokens, whatever they are, as operator and value; a function call takes
//! five. This parser keeps all of that, so a trigger means the same as in Segment wherever the
//! grouping is unambiguous, and changes only how nodes are grouped:
//!
//! * `!` binds tighter than `and`, which binds tighter than `or`;
//! * parentheses nest and match (a function's `)` does not close a group);
//! * `!` before a group or a condition negates it.
//!
//! Where Segment would read the trigger differently, a [`Warning`] says so.

use crate::condition::{condition, function_call, Function, Head};
use crate::eval::Node;
use crate::lexer::{tokenize, Kind, Token};
use crate::lookup::is_object_member;
use crate::{ParseError, Warning};

/// Deepest nesting of parentheses accepted. Segment accepts one level; the limit only keeps
/// parsing and evaluation, which recurse, away from the end of the stack.
const MAX_NESTING: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Connective {
    And,
    Or,
}

impl Connective {
    fn text(self) -> &'static str {
        match self {
            Connective::And => "and",
            Connective::Or => "or",
        }
    }
}

enum Item {
    Node(Node),
    Connective(Connective, usize),
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Set once a condition or call has read the current level's end as a value ("eos"); the
    /// reference has nothing left to read after that.
    end_taken: bool,
    warnings: Vec<Warning>,
    /// Positions of the `contains`/`match` calls read so far, to explain an unclosed group.
    calls: Vec<usize>,
}

pub(crate) fn parse(source: &str) -> Result<(Node, Vec<Warning>), ParseError> {
    let mut parser = Parser {
        tokens: tokenize(source)?,
        at: 0,
        end_taken: false,
        warnings: Vec::new(),
        calls: Vec::new(),
    };
    let root = parser.level(0)?;
    let position = source.chars().count();
    match root {
        None => Err(ParseError {
            position,
            message: "expected a condition, found end of input".to_owned(),
        }),
        Some(root) if root.always_throws() => Err(ParseError {
            position: 0,
            message: "expected a condition, found only empty groups".to_owned(),
        }),
        Some(root) => Ok((root, parser.warnings)),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn warn(&mut self, position: usize, message: String) {
        self.warnings.push(Warning { position, message });
    }

    /// The next token of any kind, for a condition's operator or value. The level's end
    /// (`)` inside a group) is read once as the value "eos", as the reference reads it.
    fn operand(&mut self, depth: usize) -> Option<Token> {
        let token = self.peek()?.clone();
        let level_ends = token.kind == Kind::End || (depth > 0 && token.kind == Kind::ParenRight);
        if level_ends {
            if self.end_taken {
                return None;
            }
            self.end_taken = true;
            return Some(Token {
                kind: Kind::End,
                text: "eos".to_owned(),
                at: token.at,
            });
        }
        self.at += 1;
        Some(token)
    }

    /// A call's closing token: inside a group its `)` is taken as the call's own, unless the
    /// arguments already ran into the group's end.
    fn closing_parenthesis(&mut self, depth: usize) {
        let own =
            depth > 0 && !self.end_taken && self.peek().is_some_and(|t| t.kind == Kind::ParenRight);
        if own {
            self.at += 1;
        } else {
            let _ = self.operand(depth);
        }
    }

    /// One level: the tokens up to the end of input (depth 0) or the matching `)`.
    fn level(&mut self, depth: usize) -> Result<Option<Node>, ParseError> {
        let mut items = Vec::new();
        let calls_before = self.calls.len();
        while let Some(token) = self.peek().cloned() {
            match token.kind {
                Kind::End if depth > 0 => {
                    let mut message = "expected `)`, found end of input".to_owned();
                    if let Some(call) = self.calls.get(calls_before) {
                        message += &format!(
                            " (Segment ends the group at the `)` of the call at position {call})"
                        );
                    }
                    return Err(ParseError {
                        position: token.at,
                        message,
                    });
                }
                Kind::End => break,
                Kind::ParenRight if depth > 0 => {
                    self.at += 1;
                    self.end_taken = false;
                    break;
                }
                _ => {}
            }
            self.at += 1;
            match token.kind {
                Kind::Ident => {
                    if let Some(head) = Head::of(&token.text) {
                        let node = self.condition(&token, head, depth)?;
                        items.push(Item::Node(node));
                    } else if let Some(function) = Function::of(&token) {
                        if let Some(node) = self.function(&token, function, false, depth)? {
                            items.push(Item::Node(node));
                        }
                    } else {
                        self.unknown_word(&token, depth)?;
                    }
                }
                Kind::Operator if token.is_negation() => {
                    if let Some(node) = self.negation(&token, depth)? {
                        items.push(Item::Node(node));
                    }
                }
                Kind::ParenLeft => {
                    let node = self.group(&token, depth)?;
                    items.push(Item::Node(node));
                }
                Kind::Conditional => {
                    let connective = if token.text == "or" {
                        Connective::Or
                    } else {
                        Connective::And
                    };
                    items.push(Item::Connective(connective, token.at));
                }
                // Segment skips every other token.
                _ => {}
            }
        }
        Ok(self.combine(items))
    }

    fn condition(&mut self, field: &Token, head: Head, depth: usize) -> Result<Node, ParseError> {
        let (operator, value) = self.operator_and_value(field, depth)?;
        Ok(Node::Test(condition(field, &operator, &value, head)))
    }

    fn operator_and_value(
        &mut self,
        field: &Token,
        depth: usize,
    ) -> Result<(Token, Token), ParseError> {
        let missing = |parser: &Parser, what: &str| ParseError {
            position: parser.peek().map_or(field.at, |t| t.at),
            message: format!("expected {what} after `{}`, found end of input", field.text),
        };
        let operator = self
            .operand(depth)
            .ok_or_else(|| missing(self, "an operator"))?;
        // The value is missing only when the operator already was the level's end.
        let value = self
            .operand(depth)
            .ok_or_else(|| missing(self, "an operator and a value"))?;
        Ok((operator, value))
    }

    fn function(
        &mut self,
        name: &Token,
        function: Function,
        negated: bool,
        depth: usize,
    ) -> Result<Option<Node>, ParseError> {
        self.calls.push(name.at);
        if depth > 0 {
            self.warn(
                name.at,
                format!(
                    "`{}(…)` inside parentheses: Segment ends the group at the call's `)`",
                    function.name()
                ),
            );
        }
        // The arguments are read as Segment reads them inside its group, which ends at the first
        // `)`: so a well-formed call takes the same tokens in both, and a malformed one too.
        let _opening = self.operand(depth);
        let field = self.operand(depth).ok_or_else(|| ParseError {
            position: name.at,
            message: format!(
                "expected a field as the 1st argument of {}(), found end of input",
                function.name()
            ),
        })?;
        let _comma = self.operand(depth);
        let value = self.operand(depth).ok_or_else(|| ParseError {
            position: name.at,
            message: format!(
                "expected a value as the 2nd argument of {}(), found end of input",
                function.name()
            ),
        })?;
        self.closing_parenthesis(depth);
        Ok(function_call(function, negated, &field, &value).map(Node::Test))
    }

    fn negation(&mut self, bang: &Token, depth: usize) -> Result<Option<Node>, ParseError> {
        let Some(next) = self.peek().cloned() else {
            return Ok(None);
        };
        if let Some(function) = Function::of(&next) {
            self.at += 1;
            return self.function(&next, function, true, depth);
        }
        if next.kind == Kind::ParenLeft {
            self.at += 1;
            self.warn(
                bang.at,
                "`!` before a group: Segment ignores it and reads the group un-negated".to_owned(),
            );
            let group = self.group(&next, depth)?;
            return Ok(Some(Node::Not(Box::new(group))));
        }
        if next.kind == Kind::Ident {
            if let Some(head) = Head::of(&next.text) {
                self.at += 1;
                self.warn(
                    bang.at,
                    "`!` before a condition: Segment ignores it and reads the condition \
                     un-negated"
                        .to_owned(),
                );
                let node = self.condition(&next, head, depth)?;
                return Ok(Some(Node::Not(Box::new(node))));
            }
        }
        // Before anything else Segment skips the `!`, and so does ampline.
        Ok(None)
    }

    fn group(&mut self, open: &Token, depth: usize) -> Result<Node, ParseError> {
        if depth >= MAX_NESTING {
            return Err(ParseError {
                position: open.at,
                message: format!(
                    "expected at most {MAX_NESTING} levels of parentheses, found more"
                ),
            });
        }
        if depth > 0 {
            self.warn(
                open.at,
                "parentheses inside parentheses: Segment accepts only one level".to_owned(),
            );
        }
        Ok(self.level(depth + 1)?.unwrap_or(Node::Throws))
    }

    /// A word that is neither a field nor a function. Segment skips it and then, one by one,
    /// whatever follows; most words that look like a field head are therefore dropped with
    /// their condition. Words that every JavaScript object inherits (`constructor`) are found
    /// by Segment's head lookup and take an operator and value, but build nothing.
    fn unknown_word(&mut self, word: &Token, depth: usize) -> Result<(), ParseError> {
        let head = word.text.split('.').next().unwrap_or_default();
        if is_object_member(head) {
            self.operator_and_value(word, depth)?;
            self.warn_dropped(word);
            return Ok(());
        }
        let looks_like_condition = self.peek().is_some_and(|next| {
            next.kind == Kind::Operator && !next.is_negation()
                || next.kind == Kind::Ident && is_operator_name(&next.text)
        });
        if looks_like_condition {
            self.warn_dropped(word);
        }
        Ok(())
    }

    fn warn_dropped(&mut self, word: &Token) {
        self.warn(
            word.at,
            format!(
                "`{}` is not a field triggers can test (type, event, name, userId, properties.*, \
                 traits.*, context.*): the condition is dropped",
                word.text
            ),
        );
    }

    /// Groups a level's nodes: `and` before `or`. Where two nodes have no connective between
    /// them, the nearest connective before them applies (or, failing that, the first after
    /// them), so a level with one kind of connective reads exactly as in Segment.
    fn combine(&mut self, items: Vec<Item>) -> Option<Node> {
        let connectives: Vec<(Connective, usize)> = items
            .iter()
            .filter_map(|item| match item {
                Item::Connective(c, at) => Some((*c, *at)),
                Item::Node(_) => None,
            })
            .collect();
        let mut nodes = Vec::new();
        // `gaps[i]` joins `nodes[i]` and `nodes[i + 1]`.
        let mut gaps: Vec<Option<Connective>> = Vec::new();
        // The connective nearest before each gap: the last one inside it, if any.
        let mut latest = None;
        for item in items {
            match item {
                Item::Connective(c, _) => latest = Some(c),
                Item::Node(node) => {
                    if !nodes.is_empty() {
                        gaps.push(latest);
                    }
                    nodes.push(node);
                }
            }
        }
        let first = connectives.first().map(|(c, _)| *c);
        let fallback = first.unwrap_or(Connective::And);
        if nodes.len() > 1 {
            if let (Some(first), Some(&(last, _))) = (first, connectives.last()) {
                if let Some(&(other, at)) = connectives.iter().find(|(c, _)| *c != first) {
                    self.warn(
                        at,
                        format!(
                            "`{}` and `{}` mixed without parentheses: ampline binds `and` \
                             tighter than `or`, Segment applies the level's last connective \
                             (`{}`) to all of it",
                            first.text(),
                            other.text(),
                            last.text()
                        ),
                    );
                }
            }
        }
        let mut alternatives = Vec::new();
        let mut conjunction = Vec::new();
        let mut gaps = gaps.into_iter();
        for node in nodes {
            conjunction.push(node);
            if gaps.next().map(|gap| gap.unwrap_or(fallback)) == Some(Connective::Or) {
                alternatives.push(join(std::mem::take(&mut conjunction), Node::All));
            }
        }
        if !conjunction.is_empty() {
            alternatives.push(join(conjunction, Node::All));
        }
        let alternatives: Vec<Node> = alternatives.into_iter().flatten().collect();
        join(alternatives, Node::Any)
    }
}

fn join(mut nodes: Vec<Node>, group: fn(Box<[Node]>) -> Node) -> Option<Node> {
    match nodes.len() {
        0 => None,
        1 => nodes.pop(),
        _ => Some(group(nodes.into_boxed_slice())),
    }
}

/// Operator names the reference evaluates when written infix (`event contains "x"`).
fn is_operator_name(word: &str) -> bool {
    matches!(
        word,
        "number_equals"
            | "number_not_equals"
            | "contains"
            | "not_contains"
            | "starts_with"
            | "not_starts_with"
            | "ends_with"
            | "not_ends_with"
            | "exists"
            | "not_exists"
            | "is_true"
            | "is_false"
    )
}
