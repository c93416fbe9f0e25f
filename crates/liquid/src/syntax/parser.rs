//! Turning tokens into nodes: each tag's own syntax, and block tags taking the tokens up to
//! their end tag.

use super::lexer::{delimited, Token, TokenKind};
use super::{
    is_blank, too_deep, Cursor, FilteredValue, Operand, Pos, Source, LITERAL_CRASH, MAX_NESTING,
};
use crate::Error;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Output {
        value: FilteredValue,
        pos: Pos,
    },
    Assign {
        name: String,
        value: FilteredValue,
        pos: Pos,
    },
    Capture {
        name: String,
        body: Vec<Node>,
        pos: Pos,
    },
    If {
        branches: Vec<(FilteredValue, Vec<Node>)>,
        otherwise: Vec<Node>,
        pos: Pos,
    },
    /// `unless`: the first branch renders when its value is falsy, `elsif` ones when truthy.
    Unless {
        branches: Vec<(FilteredValue, Vec<Node>)>,
        otherwise: Vec<Node>,
        pos: Pos,
    },
    Increment {
        name: String,
    },
    Decrement {
        name: String,
    },
    Cycle {
        group: Option<Operand>,
        candidates: Vec<Operand>,
        pos: Pos,
    },
    Echo {
        value: Option<FilteredValue>,
        pos: Pos,
    },
    Block {
        body: Vec<Node>,
        pos: Pos,
    },
    /// `break` and `continue`: outside loops they stop every enclosing block.
    Interrupt,
    Group(Vec<Node>),
    Nothing,
}

pub(crate) const DISABLED_TAGS: [&str; 6] =
    ["case", "for", "include", "layout", "render", "tablerow"];

pub(crate) struct Parser<'s> {
    pub(crate) src: &'s Source,
    /// How many block tags are open around the token being parsed.
    pub(crate) depth: std::cell::Cell<usize>,
}

type Tokens = VecDeque<Token>;

impl<'s> Parser<'s> {
    pub(crate) fn parse_all(&self, mut tokens: Tokens) -> Result<Vec<Node>, Error> {
        let mut nodes = Vec::new();
        while let Some(token) = tokens.pop_front() {
            nodes.push(self.parse_token(token, &mut tokens)?);
        }
        Ok(nodes)
    }

    fn args_cursor(&self, token: &Token) -> Cursor<'s> {
        let begin = match token.kind {
            TokenKind::Tag { args_begin, .. } => args_begin,
            _ => token.content.0,
        };
        Cursor::new(self.src, begin, token.content.1)
    }

    fn args_text(&self, token: &Token) -> String {
        self.args_cursor(token).rest()
    }

    fn fail(&self, message: impl Into<String>, token: &Token) -> Error {
        self.src.error(message, token.begin)
    }

    fn not_closed(&self, token: &Token) -> Error {
        let text = self.src.text(token.begin, token.end);
        self.fail(format!("tag {text} not closed"), token)
    }

    fn expect_no_args(&self, tag: &Token, owner: &Token) -> Result<(), Error> {
        let args = self.args_text(tag);
        if args.is_empty() {
            return Ok(());
        }
        let mut quoted = String::new();
        ampline_js::write_json_string(&mut quoted, &args);
        Err(self.fail(format!("unexpected {quoted}"), owner))
    }

    fn parse_token(&self, token: Token, rest: &mut Tokens) -> Result<Node, Error> {
        let begin = token.begin;
        let depth = self.depth.get();
        if depth >= MAX_NESTING {
            return Err(self.src.error(too_deep(), begin));
        }
        self.depth.set(depth + 1);
        let node = self.parse_token_inner(token, rest);
        self.depth.set(depth);
        node.map_err(|e| {
            if e.message == LITERAL_CRASH {
                self.src.error(LITERAL_CRASH, begin)
            } else {
                e
            }
        })
    }

    fn parse_token_inner(&self, token: Token, rest: &mut Tokens) -> Result<Node, Error> {
        let pos = Pos(token.begin);
        match &token.kind {
            TokenKind::Html {
                trim_left,
                trim_right,
            } => {
                let begin = token.begin + trim_left;
                let end = token.end.saturating_sub(*trim_right);
                Ok(Node::Text(self.src.text(begin, end)))
            }
            TokenKind::Output => {
                let mut cursor = Cursor::new(self.src, token.content.0, token.content.1);
                Ok(Node::Output {
                    value: cursor.read_filtered_value()?,
                    pos,
                })
            }
            TokenKind::Tag { name, .. } => {
                let name = name.clone();
                self.parse_tag(&name, token, rest)
            }
        }
    }

    fn parse_tag(&self, name: &str, token: Token, rest: &mut Tokens) -> Result<Node, Error> {
        let pos = Pos(token.begin);
        let mut args = self.args_cursor(&token);
        match name {
            "assign" => {
                let (_, key) = args.read_identifier();
                if key.is_empty() {
                    return Err(args.error("expected variable name"));
                }
                args.skip_blank();
                if args.peek() != Some('=') {
                    return Err(args.error("expected \"=\""));
                }
                args.advance();
                Ok(Node::Assign {
                    name: key,
                    value: args.read_filtered_value()?,
                    pos,
                })
            }
            "capture" => {
                let (_, mut key) = args.read_identifier();
                if key.is_empty() {
                    match args.read_quoted()? {
                        Some(Operand::Quoted(q)) => key = q,
                        _ => return Err(args.error("invalid capture name")),
                    }
                }
                let mut body = Vec::new();
                while let Some(next) = rest.pop_front() {
                    if next.tag_name() == Some("endcapture") {
                        return Ok(Node::Capture {
                            name: key,
                            body,
                            pos,
                        });
                    }
                    body.push(self.parse_token(next, rest)?);
                }
                Err(self.not_closed(&token))
            }
            "comment" => {
                while let Some(next) = rest.pop_front() {
                    if next.tag_name() == Some("endcomment") {
                        return Ok(Node::Nothing);
                    }
                }
                Err(self.not_closed(&token))
            }
            "raw" => {
                let mut text = String::new();
                while let Some(next) = rest.pop_front() {
                    if next.tag_name() == Some("endraw") {
                        return Ok(Node::Text(text));
                    }
                    text.push_str(&self.src.text(next.begin, next.end));
                }
                Err(self.not_closed(&token))
            }
            "if" => self.parse_if(token, args, rest),
            "unless" => self.parse_unless(token, args, rest),
            "increment" => Ok(Node::Increment {
                name: args.read_identifier().1,
            }),
            "decrement" => Ok(Node::Decrement {
                name: args.read_identifier().1,
            }),
            "cycle" => {
                let (group, candidates) = args.read_cycle()?;
                if candidates.is_empty() {
                    let text = self.src.text(token.begin, token.end);
                    return Err(args.error(format!("empty candidates: \"{text}\"")));
                }
                Ok(Node::Cycle {
                    group,
                    candidates,
                    pos,
                })
            }
            "echo" => {
                args.skip_blank();
                let value = if args.at_end() {
                    None
                } else {
                    Some(args.read_filtered_value()?)
                };
                Ok(Node::Echo { value, pos })
            }
            "liquid" => {
                let tokens = self.liquid_lines(&token)?;
                Ok(Node::Group(self.parse_all(tokens)?))
            }
            "#" => {
                let text = self.args_text(&token);
                if inline_comment_has_bare_line(&text) {
                    return Err(self.fail(
                        "every line of an inline comment must start with a '#' character",
                        &token,
                    ));
                }
                Ok(Node::Nothing)
            }
            "block" => {
                let mut body = Vec::new();
                while let Some(next) = rest.pop_front() {
                    if next.tag_name() == Some("endblock") {
                        return Ok(Node::Block { body, pos });
                    }
                    body.push(self.parse_token(next, rest)?);
                }
                Err(self.not_closed(&token))
            }
            "break" | "continue" => Ok(Node::Interrupt),
            _ if DISABLED_TAGS.contains(&name) => {
                Err(self.fail(format!("tag \"{name}\" is disabled"), &token))
            }
            _ => Err(self.fail(format!("tag \"{name}\" not found"), &token)),
        }
    }

    fn parse_if(
        &self,
        token: Token,
        mut args: Cursor<'s>,
        rest: &mut Tokens,
    ) -> Result<Node, Error> {
        let mut branches = vec![(args.read_filtered_value()?, Vec::new())];
        let mut otherwise: Option<Vec<Node>> = None;
        loop {
            let Some(next) = rest.pop_front() else {
                return Err(self.not_closed(&token));
            };
            match next.tag_name() {
                Some("elsif") => {
                    if otherwise.is_some() {
                        return Err(self.fail("unexpected elsif after else", &token));
                    }
                    let value = self.args_cursor(&next).read_filtered_value()?;
                    branches.push((value, Vec::new()));
                }
                Some("else") => {
                    self.expect_no_args(&next, &token)?;
                    if otherwise.is_some() {
                        return Err(self.fail("duplicated else", &token));
                    }
                    otherwise = Some(Vec::new());
                }
                Some("endif") => {
                    self.expect_no_args(&next, &token)?;
                    let pos = Pos(token.begin);
                    return Ok(Node::If {
                        branches,
                        otherwise: otherwise.unwrap_or_default(),
                        pos,
                    });
                }
                _ => {
                    let node = self.parse_token(next, rest)?;
                    match (&mut otherwise, branches.last_mut()) {
                        (Some(nodes), _) => nodes.push(node),
                        (None, Some((_, nodes))) => nodes.push(node),
                        (None, None) => {}
                    }
                }
            }
        }
    }

    fn parse_unless(
        &self,
        token: Token,
        mut args: Cursor<'s>,
        rest: &mut Tokens,
    ) -> Result<Node, Error> {
        let mut branches = vec![(args.read_filtered_value()?, Vec::new())];
        let mut otherwise = Vec::new();
        let mut else_count = 0;
        // Where templates go: a branch, the else part, or nowhere (after a second else or an
        // elsif that follows an else, liquidjs drops them).
        #[derive(PartialEq)]
        enum Target {
            Branch,
            Else,
            Discard,
        }
        let mut target = Target::Branch;
        loop {
            let Some(next) = rest.pop_front() else {
                return Err(self.not_closed(&token));
            };
            match next.tag_name() {
                Some("elsif") => {
                    if else_count > 0 {
                        target = Target::Discard;
                        continue;
                    }
                    let value = self.args_cursor(&next).read_filtered_value()?;
                    branches.push((value, Vec::new()));
                    target = Target::Branch;
                }
                Some("else") => {
                    else_count += 1;
                    target = Target::Else;
                }
                Some("endunless") => {
                    let pos = Pos(token.begin);
                    return Ok(Node::Unless {
                        branches,
                        otherwise,
                        pos,
                    });
                }
                _ => {
                    let node = self.parse_token(next, rest)?;
                    match target {
                        Target::Branch => {
                            if let Some((_, nodes)) = branches.last_mut() {
                                nodes.push(node);
                            }
                        }
                        Target::Else if else_count == 1 => otherwise.push(node),
                        _ => {}
                    }
                }
            }
        }
    }

    /// The lines of `{% liquid %}`, each a tag without delimiters.
    fn liquid_lines(&self, token: &Token) -> Result<Tokens, Error> {
        let mut cursor = self.args_cursor(token);
        let end = cursor.n;
        let mut tokens = Tokens::new();
        loop {
            cursor.skip_blank();
            if cursor.at_end() {
                break;
            }
            let begin = cursor.pos();
            while cursor.peek().is_some_and(is_blank) {
                cursor.p += 1;
            }
            while cursor.p < end {
                cursor.p += 1;
                if self.src.chars.get(cursor.p - 1) == Some(&'\n') {
                    break;
                }
            }
            let line_end = cursor.pos();
            let ((l, r), _, _) = delimited(self.src, begin, line_end);
            let mut line = Cursor::new(self.src, l, r);
            let name = line.read_tag_name();
            if name.is_empty() {
                return Err(line.error("illegal liquid tag syntax"));
            }
            line.skip_blank();
            tokens.push_back(Token {
                kind: TokenKind::Tag {
                    name,
                    args_begin: line.pos(),
                },
                begin,
                end: line_end,
                content: (l, r),
                trim_left: false,
                trim_right: false,
            });
        }
        Ok(tokens)
    }
}

/// JavaScript `/\n\s*[^#\s]/`: a line of an inline comment that does not start with `#`.
fn inline_comment_has_bare_line(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != '\n' {
            continue;
        }
        // `\s*` is greedy but backtracks, so any non-space, non-`#` after spaces matches, and
        // a `#` right after the newline can still be preceded by fewer spaces: only the first
        // character after the run of spaces decides.
        let mut j = i + 1;
        while j < chars.len() && crate::value::is_js_space(chars[j]) {
            j += 1;
        }
        if j < chars.len() && chars[j] != '#' {
            return true;
        }
    }
    false
}
