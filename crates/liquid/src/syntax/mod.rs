//! Tokenizing and parsing, with liquidjs's exact (and sometimes surprising) rules: its
//! character classes, operator matching with word boundaries, number and property syntax,
//! whitespace control and the way block tags consume the tokens after them.
//!
//! Positions are indexes into the template's characters; errors turn them into liquidjs's
//! `line:L, col:C` (columns counted in UTF-16 units).

mod expression;
mod lexer;
mod parser;

pub(crate) use expression::{
    Cursor, FilterArg, FilteredValue, Item, Literal, Op, Operand, LITERAL_CRASH,
};
pub(crate) use lexer::tokenize;
pub(crate) use parser::{Node, Parser};

use crate::Error;

const BLANK_CHARS: [char; 19] = [
    '\u{a0}', '\u{1680}', '\u{180e}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}',
    '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}',
    '\u{202f}', '\u{205f}', '\u{3000}',
];

/// liquidjs's BLANK class: ASCII white space (with `\v` and `\f`) and a few Unicode spaces.
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r') || BLANK_CHARS.contains(&c)
}

/// liquidjs's WORD class: letters, digits, `_`, `-`, `?`, and any non-ASCII character that is
/// not one of its blanks or curly double quotes.
pub(crate) fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '?')
    } else {
        !BLANK_CHARS.contains(&c) && c != '\u{201c}' && c != '\u{201d}'
    }
}

pub(crate) fn is_quote(c: char) -> bool {
    c == '"' || c == '\''
}

/// Where a piece of the template starts, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos(pub(crate) usize);

#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) chars: Vec<char>,
}

impl Source {
    pub(crate) fn text(&self, begin: usize, end: usize) -> String {
        if begin >= end || begin >= self.chars.len() {
            return String::new();
        }
        self.chars[begin..end.min(self.chars.len())]
            .iter()
            .collect()
    }

    pub(crate) fn error(&self, message: impl Into<String>, pos: usize) -> Error {
        self.error_at(message, pos, false)
    }

    /// An error placed one UTF-16 unit into the character at `pos` (or past the end).
    pub(crate) fn error_after_unit(&self, message: impl Into<String>, pos: usize) -> Error {
        self.error_at(message, pos, true)
    }

    /// liquidjs's `line:L, col:C`: lines split at `\n`, columns counted in UTF-16 units.
    fn error_at(&self, message: impl Into<String>, pos: usize, one_more_unit: bool) -> Error {
        let (mut line, mut col) = (1, 1);
        for &c in self.chars.iter().take(pos) {
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += c.len_utf16();
            }
        }
        if one_more_unit {
            if self.chars.get(pos) == Some(&'\n') {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        Error {
            message: format!("{}, line:{line}, col:{col}", message.into()),
        }
    }

    /// liquidjs's `snapshot`: the text from `begin`, cut to 32 UTF-16 units, as a JSON string.
    fn snapshot(&self, begin: usize, end: usize) -> String {
        let text = self.text(begin, end);
        let units: Vec<u16> = text.encode_utf16().collect();
        if units.len() <= 32 {
            let mut out = String::new();
            ampline_js::write_json_string(&mut out, &text);
            return out;
        }
        // The cut may split a surrogate pair; `JSON.stringify` writes the lone half as `\uXXXX`.
        let kept = &units[..29];
        let (whole, lone) = match kept.last() {
            Some(&u) if (0xd800..0xdc00).contains(&u) => (&kept[..28], Some(u)),
            _ => (kept, None),
        };
        let mut out = String::new();
        ampline_js::write_json_string(&mut out, &String::from_utf16_lossy(whole));
        out.pop();
        if let Some(u) = lone {
            out.push_str(&format!("\\u{u:04x}"));
        }
        out.push_str("...\"");
        out
    }
}

/// How deeply values (`a[b[c]]`, `((1..2)..3)`) and blocks (`if` in `if`) may nest. liquidjs has
/// no such limit, but recursion that deep could overflow a thread's stack; real templates stay
/// far below it.
pub(crate) const MAX_NESTING: usize = 48;

pub(crate) fn too_deep() -> String {
    format!("template nesting is too deep (at most {MAX_NESTING} levels are supported)")
}
