//! Values and expressions inside `{{ }}` and tag arguments: literals, numbers, quoted strings,
//! ranges, property paths, operators (kept in liquidjs's postfix order) and filters.

use super::{is_blank, is_quote, is_word, too_deep, Source, MAX_NESTING};
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Literal {
    True,
    False,
    Nil,
    Empty,
    Blank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Contains,
    Not,
    And,
    Or,
}

impl Op {
    fn precedence(self) -> u8 {
        match self {
            Op::And | Op::Or => 0,
            Op::Not => 1,
            _ => 2,
        }
    }
}

/// A value token: literal, number, quoted string, range or property access.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Literal(Literal),
    Number(f64),
    Quoted(String),
    /// An identifier used as a property name or a bare key.
    Word(String),
    Range(Box<Operand>, Box<Operand>),
    Access {
        variable: Option<Box<Operand>>,
        props: Vec<Operand>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum Item {
    Op(Op),
    Operand(Operand),
}

#[derive(Debug, Clone)]
pub(crate) enum FilterArg {
    Positional(Operand),
    Keyword(String, Option<Operand>),
}

#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub(crate) name: String,
    pub(crate) args: Vec<FilterArg>,
}

/// An expression (in postfix order, as liquidjs evaluates it) followed by filters.
#[derive(Debug, Clone)]
pub(crate) struct FilteredValue {
    pub(crate) postfix: Vec<Item>,
    pub(crate) filters: Vec<Filter>,
}

// ---------------------------------------------------------------------------------------------
// Cursor over a range of the template

pub(crate) struct Cursor<'s> {
    src: &'s Source,
    pub(super) p: usize,
    pub(super) n: usize,
    /// How many values are being read inside one another (brackets, ranges).
    depth: usize,
}

const OPERATORS: [(&str, Op); 10] = [
    ("==", Op::Eq),
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    (">", Op::Gt),
    ("<", Op::Lt),
    ("contains", Op::Contains),
    ("not", Op::Not),
    ("and", Op::And),
    ("or", Op::Or),
];

const LITERALS: [(&str, Literal); 6] = [
    ("true", Literal::True),
    ("false", Literal::False),
    ("nil", Literal::Nil),
    ("null", Literal::Nil),
    ("empty", Literal::Empty),
    ("blank", Literal::Blank),
];

impl<'s> Cursor<'s> {
    pub(crate) fn new(src: &'s Source, begin: usize, end: usize) -> Self {
        Cursor {
            src,
            p: begin,
            n: end,
            depth: 0,
        }
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        let i = self.p + k;
        if i >= self.n {
            None
        } else {
            self.src.chars.get(i).copied()
        }
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.peek_at(0)
    }

    pub(crate) fn at_end(&self) -> bool {
        self.p >= self.n
    }

    pub(crate) fn skip_blank(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.p += 1;
        }
    }

    pub(super) fn error(&self, message: impl Into<String>) -> Error {
        self.src.error(message, self.p)
    }

    /// An error just after liquidjs's `read()` took one UTF-16 unit of the next character (half
    /// of it, for a character outside the basic plane).
    fn error_after_read(&self, message: impl Into<String>) -> Error {
        self.src.error_after_unit(message, self.p)
    }

    fn snapshot(&self) -> String {
        self.src.snapshot(self.p, self.n)
    }

    fn starts_with(&self, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(k, c)| self.src.chars.get(self.p + k) == Some(&c))
    }

    /// Matches one of `words` at the cursor (without skipping blanks); a word ending in a word
    /// character must not be followed by another word character.
    fn match_word<T: Copy>(&self, words: &[(&str, T)]) -> Option<(usize, T)> {
        for &(word, value) in words {
            let len = word.chars().count();
            if self.p + len > self.n || !self.starts_with(word) {
                continue;
            }
            let needs_boundary = word.chars().last().is_some_and(is_word);
            if needs_boundary && self.peek_at(len).is_some_and(is_word) {
                return None;
            }
            return Some((len, value));
        }
        None
    }

    pub(crate) fn read_identifier(&mut self) -> (usize, String) {
        self.skip_blank();
        let begin = self.p;
        while self.peek().is_some_and(is_word) {
            self.p += 1;
        }
        (begin, self.src.text(begin, self.p))
    }

    pub(crate) fn read_tag_name(&mut self) -> String {
        self.skip_blank();
        if self.peek() == Some('#') {
            self.p += 1;
            return "#".to_string();
        }
        self.read_identifier().1
    }

    pub(crate) fn rest(&self) -> String {
        self.src.text(self.p, self.n)
    }

    /// Advances past the next occurrence of `end`; returns false (at the end) when there is none.
    fn read_to(&mut self, end: char) -> bool {
        while self.p < self.n {
            self.p += 1;
            if self.src.chars.get(self.p - 1) == Some(&end) {
                return true;
            }
        }
        false
    }

    fn read_operator(&mut self) -> Option<Op> {
        self.skip_blank();
        let (len, op) = self.match_word(&OPERATORS)?;
        self.p += len;
        Some(op)
    }

    pub(crate) fn read_expression(&mut self) -> Result<Vec<Item>, Error> {
        let mut infix = Vec::new();
        while self.p < self.n {
            if let Some(op) = self.read_operator() {
                infix.push(Item::Op(op));
                continue;
            }
            match self.read_value()? {
                Some(operand) => infix.push(Item::Operand(operand)),
                None => break,
            }
        }
        Ok(to_postfix(infix))
    }

    pub(crate) fn read_filtered_value(&mut self) -> Result<FilteredValue, Error> {
        let postfix = self.read_expression()?;
        if postfix.is_empty() {
            return Err(self.error(format!("invalid value expression: {}", self.snapshot())));
        }
        let mut filters = Vec::new();
        while let Some(filter) = self.read_filter()? {
            filters.push(filter);
        }
        Ok(FilteredValue { postfix, filters })
    }

    fn read_filter(&mut self) -> Result<Option<Filter>, Error> {
        self.skip_blank();
        if self.at_end() {
            return Ok(None);
        }
        if self.peek() != Some('|') {
            return Err(self.error_after_read("expected \"|\" before filter"));
        }
        self.p += 1;
        let (_, name) = self.read_identifier();
        if name.is_empty() {
            if !self.at_end() {
                return Err(self.error("expected filter name"));
            }
            return Ok(None);
        }
        let mut args = Vec::new();
        self.skip_blank();
        if self.peek() == Some(':') {
            loop {
                self.p += 1;
                if let Some(arg) = self.read_filter_arg()? {
                    args.push(arg);
                }
                self.skip_blank();
                if !(self.at_end() || matches!(self.peek(), Some(',' | '|'))) {
                    return Err(self.error(format!("unexpected character {}", self.snapshot())));
                }
                if self.peek() != Some(',') {
                    break;
                }
            }
        } else if !(self.peek() == Some('|') || self.at_end()) {
            return Err(self.error("expected \":\" after filter name"));
        }
        Ok(Some(Filter { name, args }))
    }

    fn read_filter_arg(&mut self) -> Result<Option<FilterArg>, Error> {
        self.skip_blank();
        let begin = self.p;
        let Some(key) = self.read_value()? else {
            return Ok(None);
        };
        let key_text = self.src.text(begin, self.p);
        self.skip_blank();
        if self.peek() != Some(':') {
            return Ok(Some(FilterArg::Positional(key)));
        }
        self.p += 1;
        let value = self.read_value()?;
        Ok(Some(FilterArg::Keyword(key_text, value)))
    }

    pub(crate) fn read_value(&mut self) -> Result<Option<Operand>, Error> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(too_deep()));
        }
        self.depth += 1;
        let value = self.read_value_unbounded();
        self.depth -= 1;
        value
    }

    fn read_value_unbounded(&mut self) -> Result<Option<Operand>, Error> {
        self.skip_blank();
        let variable = match self.read_literal() {
            Some(v) => Some(v),
            None => match self.read_quoted()? {
                Some(v) => Some(v),
                None => match self.read_range()? {
                    Some(v) => Some(v),
                    None => self.read_number(),
                },
            },
        };
        let props = self.read_properties(variable.is_none())?;
        if props.is_empty() {
            return Ok(variable);
        }
        Ok(Some(Operand::Access {
            variable: variable.map(Box::new),
            props,
        }))
    }

    fn read_properties(&mut self, at_begin: bool) -> Result<Vec<Operand>, Error> {
        let mut props = Vec::new();
        loop {
            if self.peek() == Some('[') {
                self.p += 1;
                let prop = self
                    .read_value()?
                    .unwrap_or_else(|| Operand::Word(String::new()));
                if !self.read_to(']') {
                    return Err(self.error("[ not closed"));
                }
                props.push(prop);
                continue;
            }
            if at_begin && props.is_empty() {
                let (_, name) = self.read_identifier();
                if !name.is_empty() {
                    props.push(Operand::Word(name));
                    continue;
                }
            }
            if self.peek() == Some('.') && self.peek_at(1) != Some('.') {
                self.p += 1;
                let (_, name) = self.read_identifier();
                if name.is_empty() {
                    break;
                }
                props.push(Operand::Word(name));
                continue;
            }
            break;
        }
        Ok(props)
    }

    fn read_number(&mut self) -> Option<Operand> {
        self.skip_blank();
        let mut k = 0;
        if matches!(self.peek(), Some('+' | '-')) {
            k += 1;
        }
        let (mut decimal, mut digit) = (false, false);
        while self.p + k <= self.n {
            match self.peek_at(k) {
                Some(c) if c.is_ascii_digit() => {
                    digit = true;
                    k += 1;
                }
                Some('.') if self.peek_at(k + 1) != Some('.') => {
                    if decimal || !digit {
                        return None;
                    }
                    decimal = true;
                    k += 1;
                }
                _ => break,
            }
        }
        if digit && !self.peek_at(k).is_some_and(is_word) {
            let text = self.src.text(self.p, self.p + k);
            self.p += k;
            return Some(Operand::Number(ampline_js::string_to_number(&text)));
        }
        None
    }

    fn read_literal(&mut self) -> Option<Operand> {
        self.skip_blank();
        let (len, literal) = self.match_word(&LITERALS)?;
        self.p += len;
        Some(Operand::Literal(literal))
    }

    fn read_range(&mut self) -> Result<Option<Operand>, Error> {
        self.skip_blank();
        if self.peek() != Some('(') {
            return Ok(None);
        }
        self.p += 1;
        let low = self.read_value_or_throw()?;
        self.skip_blank();
        for _ in 0..2 {
            if self.peek() != Some('.') {
                return Err(self.error_after_read("invalid range syntax"));
            }
            self.p += 1;
        }
        let high = self.read_value_or_throw()?;
        self.skip_blank();
        if self.peek() != Some(')') {
            return Err(self.error_after_read("invalid range syntax"));
        }
        self.p += 1;
        Ok(Some(Operand::Range(Box::new(low), Box::new(high))))
    }

    fn read_value_or_throw(&mut self) -> Result<Operand, Error> {
        match self.read_value()? {
            Some(v) => Ok(v),
            None => Err(self.error(format!(
                "unexpected token {}, value expected",
                self.snapshot()
            ))),
        }
    }

    pub(crate) fn read_quoted(&mut self) -> Result<Option<Operand>, Error> {
        self.skip_blank();
        let begin = self.p;
        let Some(quote) = self.peek().filter(|&c| is_quote(c)) else {
            return Ok(None);
        };
        self.p += 1;
        let mut escaped = false;
        while self.p < self.n {
            self.p += 1;
            let c = self.src.chars.get(self.p - 1).copied();
            if c == Some(quote) && !escaped {
                break;
            }
            if escaped {
                escaped = false;
            } else if c == Some('\\') {
                escaped = true;
            }
        }
        match parse_string_literal(&self.src.text(begin, self.p)) {
            Some(text) => Ok(Some(Operand::Quoted(text))),
            None => Err(Error {
                message: LITERAL_CRASH.to_string(),
            }),
        }
    }

    /// The arguments of `cycle`: an optional `group:` and comma-separated candidates (anything
    /// between a candidate and the next comma is skipped, as liquidjs does).
    pub(crate) fn read_cycle(&mut self) -> Result<(Option<Operand>, Vec<Operand>), Error> {
        let mut candidates = Vec::new();
        let mut group = None;
        if let Some(first) = self.read_value()? {
            self.skip_blank();
            if self.peek() == Some(':') {
                group = Some(first);
                self.p += 1;
            } else {
                candidates.push(first);
            }
        }
        while !self.at_end() {
            if let Some(value) = self.read_value()? {
                candidates.push(value);
            }
            self.read_to(',');
        }
        Ok((group, candidates))
    }

    /// liquidjs `readScopeValue`: a property path such as `a.b[0]` (as `where` takes it).
    pub(crate) fn read_scope_value(&mut self) -> Result<Option<Operand>, Error> {
        self.skip_blank();
        let props = self.read_properties(true)?;
        if props.is_empty() {
            return Ok(None);
        }
        Ok(Some(Operand::Access {
            variable: None,
            props,
        }))
    }

    pub(crate) fn advance(&mut self) {
        self.p += 1;
    }

    pub(crate) fn pos(&self) -> usize {
        self.p
    }
}

/// liquidjs's shunting-yard: operators of higher precedence leave the stack first; equal
/// precedence stays, which makes `and`/`or` group from the right.
fn to_postfix(infix: Vec<Item>) -> Vec<Item> {
    let mut out = Vec::with_capacity(infix.len());
    let mut ops: Vec<Op> = Vec::new();
    for item in infix {
        match item {
            Item::Op(op) => {
                while let Some(&top) = ops.last() {
                    if top.precedence() > op.precedence() {
                        out.push(Item::Op(top));
                        ops.pop();
                    } else {
                        break;
                    }
                }
                ops.push(op);
            }
            operand => out.push(operand),
        }
    }
    while let Some(op) = ops.pop() {
        out.push(Item::Op(op));
    }
    out
}

/// What liquidjs throws (a JavaScript TypeError, without position when it happens while
/// tokenizing) when a `\\u` escape runs past the end of an unterminated string.
pub(crate) const LITERAL_CRASH: &str = "Cannot read properties of undefined (reading 'charCodeAt')";

/// The content of a quoted token (its first and last characters are dropped even when the
/// closing quote is missing, as liquidjs does), with JavaScript-like escapes. `None` where
/// liquidjs crashes: its hex test accepts the text "undefined" it reads past the end.
fn parse_string_literal(text: &str) -> Option<String> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut out: Vec<u16> = Vec::with_capacity(units.len());
    let end = units.len().saturating_sub(1);
    let unit_at = |i: usize| -> Option<u16> { units.get(i).copied() };
    let is_hex = |u: Option<u16>| u.is_some_and(|u| u < 128 && (u as u8).is_ascii_hexdigit());
    let is_oct =
        |u: Option<u16>| u.is_some_and(|u| (u16::from(b'0')..=u16::from(b'7')).contains(&u));
    let hex_val = |u: u16| -> u32 {
        let u = u32::from(u);
        if u >= 97 {
            u - 87
        } else if u >= 65 {
            u - 55
        } else {
            u - 48
        }
    };
    let mut i = 1;
    while i < end {
        let u = units[i];
        if u != u16::from(b'\\') {
            out.push(u);
            i += 1;
            continue;
        }
        let next = unit_at(i + 1);
        let short = match next.and_then(|n| u8::try_from(n).ok()) {
            Some(b'b') => Some(0x08),
            Some(b'f') => Some(0x0c),
            Some(b'n') => Some(0x0a),
            Some(b'r') => Some(0x0d),
            Some(b't') => Some(0x09),
            Some(b'v') => Some(0x0b),
            _ => None,
        };
        if let Some(code) = short {
            out.push(code);
            i += 2;
        } else if next == Some(u16::from(b'u')) {
            let mut val: u32 = 0;
            let mut j = i + 2;
            while j <= i + 5 && (j >= units.len() || is_hex(unit_at(j))) {
                if j >= units.len() {
                    return None;
                }
                val = val * 16 + hex_val(units[j]);
                j += 1;
            }
            out.push(u16::try_from(val).unwrap_or(0));
            i = j;
        } else if !is_oct(next) {
            out.extend(next);
            i += 2;
        } else {
            let mut j = i + 1;
            let mut val: u32 = 0;
            while j <= i + 3 && is_oct(unit_at(j)) {
                val = val * 8 + hex_val(units[j]);
                j += 1;
            }
            out.push(u16::try_from(val).unwrap_or(0));
            i = j;
        }
    }
    Some(String::from_utf16_lossy(&out))
}
