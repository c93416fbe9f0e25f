//! Splitting a template into text, `{{ output }}` and `{% tag %}` tokens, including `raw`
//! blocks and whitespace control.

use super::{is_blank, is_quote, Cursor, Source};
use crate::Error;

#[derive(Debug, Clone)]
pub(crate) enum TokenKind {
    Html { trim_left: usize, trim_right: usize },
    Tag { name: String, args_begin: usize },
    Output,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) begin: usize,
    pub(crate) end: usize,
    /// The content between the delimiters, without `-` markers and surrounding blanks.
    pub(crate) content: (usize, usize),
    pub(crate) trim_left: bool,
    pub(crate) trim_right: bool,
}

impl Token {
    pub(crate) fn tag_name(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Tag { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// A delimited token's content range and `-` markers.
pub(super) fn delimited(
    src: &Source,
    content_begin: usize,
    content_end: usize,
) -> ((usize, usize), bool, bool) {
    let at = |i: usize| src.chars.get(i).copied();
    let tl = content_begin < src.chars.len() && at(content_begin) == Some('-');
    let tr = content_end >= 1 && at(content_end - 1) == Some('-');
    let mut l = if tl { content_begin + 1 } else { content_begin };
    let mut r = if tr {
        content_end.saturating_sub(1)
    } else {
        content_end
    };
    while l < r && at(l).is_some_and(is_blank) {
        l += 1;
    }
    while r > l && at(r - 1).is_some_and(is_blank) {
        r -= 1;
    }
    ((l, r), tl, tr)
}

fn tag_token(
    src: &Source,
    begin: usize,
    end: usize,
    content: (usize, usize),
) -> Result<Token, Error> {
    let ((l, r), tl, tr) = delimited(src, content.0, content.1);
    let mut cursor = Cursor::new(src, l, r);
    let name = cursor.read_tag_name();
    if name.is_empty() {
        return Err(cursor.error("illegal tag syntax, tag name expected"));
    }
    cursor.skip_blank();
    Ok(Token {
        kind: TokenKind::Tag {
            name,
            args_begin: cursor.pos(),
        },
        begin,
        end,
        content: (l, r),
        trim_left: tl,
        trim_right: tr,
    })
}

struct Lexer<'s> {
    src: &'s Source,
    p: usize,
    raw_begin: Option<usize>,
}

impl Lexer<'_> {
    fn matches(&self, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(k, c)| self.src.chars.get(self.p + k) == Some(&c))
    }

    fn rmatches(&self, word: &str) -> bool {
        let len = word.chars().count();
        if self.p < len {
            return false;
        }
        word.chars()
            .enumerate()
            .all(|(k, c)| self.src.chars.get(self.p - len + k) == Some(&c))
    }

    fn n(&self) -> usize {
        self.src.chars.len()
    }

    fn html(&self, begin: usize, end: usize) -> Token {
        Token {
            kind: TokenKind::Html {
                trim_left: 0,
                trim_right: 0,
            },
            begin,
            end,
            content: (begin, end),
            trim_left: false,
            trim_right: false,
        }
    }

    /// Advances past the next `delimiter`; quoted strings are skipped whole when asked.
    fn read_to_delimiter(&mut self, delimiter: &str, respect_quoted: bool) -> Result<bool, Error> {
        while self.src.chars.get(self.p).is_some_and(|&c| is_blank(c)) {
            self.p += 1;
        }
        while self.p < self.n() {
            if respect_quoted && self.src.chars.get(self.p).is_some_and(|&c| is_quote(c)) {
                let mut cursor = Cursor::new(self.src, self.p, self.n());
                cursor.read_quoted()?;
                self.p = cursor.pos();
                continue;
            }
            self.p += 1;
            if self.rmatches(delimiter) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn read_to(&mut self, word: &str) -> Option<usize> {
        while self.p < self.n() {
            self.p += 1;
            if self.rmatches(word) {
                return Some(self.p);
            }
        }
        None
    }

    fn next_token(&mut self) -> Result<Token, Error> {
        if let Some(raw_begin) = self.raw_begin {
            return self.raw_content(raw_begin);
        }
        let begin = self.p;
        if self.matches("{%") {
            if !self.read_to_delimiter("%}", false)? {
                let snap = self.src.snapshot(begin, self.n());
                return Err(self.src.error(format!("tag {snap} not closed"), begin));
            }
            let token = tag_token(self.src, begin, self.p, (begin + 2, self.p - 2))?;
            if token.tag_name() == Some("raw") {
                self.raw_begin = Some(begin);
            }
            return Ok(token);
        }
        if self.matches("{{") {
            if !self.read_to_delimiter("}}", true)? {
                let snap = self.src.snapshot(begin, self.n());
                return Err(self.src.error(format!("output {snap} not closed"), begin));
            }
            let ((l, r), tl, tr) = delimited(self.src, begin + 2, self.p - 2);
            return Ok(Token {
                kind: TokenKind::Output,
                begin,
                end: self.p,
                content: (l, r),
                trim_left: tl,
                trim_right: tr,
            });
        }
        while self.p < self.n() && !self.matches("{%") && !self.matches("{{") {
            self.p += 1;
        }
        Ok(self.html(begin, self.p))
    }

    /// Inside `{% raw %}`: text up to the `{% endraw %}` tag, then that tag.
    fn raw_content(&mut self, raw_begin: usize) -> Result<Token, Error> {
        let begin = self.p;
        let mut left = self.read_to("{%").map(|p| p - 2);
        while self.p < self.n() {
            let mut cursor = Cursor::new(self.src, self.p, self.n());
            let (_, word) = cursor.read_identifier();
            self.p = cursor.pos();
            if word != "endraw" {
                left = self.read_to("{%").map(|p| p - 2);
                continue;
            }
            while self.p <= self.n() {
                if self.rmatches("%}") {
                    let end = self.p;
                    if left == Some(begin) {
                        self.raw_begin = None;
                        return tag_token(self.src, begin, end, (begin + 2, end - 2));
                    }
                    let left_pos = left.unwrap_or(begin);
                    self.p = left_pos;
                    return Ok(self.html(begin, left_pos));
                }
                if self.rmatches("{%") {
                    break;
                }
                self.p += 1;
            }
        }
        let snap = self.src.snapshot(raw_begin, self.n());
        Err(self.src.error(format!("raw {snap} not closed"), begin))
    }
}

pub(crate) fn tokenize(src: &Source) -> Result<Vec<Token>, Error> {
    let mut lexer = Lexer {
        src,
        p: 0,
        raw_begin: None,
    };
    let mut tokens = Vec::new();
    while lexer.p < src.chars.len() {
        tokens.push(lexer.next_token()?);
    }
    whitespace_control(src, &mut tokens);
    Ok(tokens)
}

fn whitespace_control(src: &Source, tokens: &mut [Token]) {
    let mut in_raw = false;
    for i in 0..tokens.len() {
        if matches!(tokens[i].kind, TokenKind::Html { .. }) {
            continue;
        }
        if !in_raw && tokens[i].trim_left && i > 0 {
            trim_html_end(src, &mut tokens[i - 1]);
        }
        match tokens[i].tag_name() {
            Some("raw") => in_raw = true,
            Some("endraw") => in_raw = false,
            _ => {}
        }
        if !in_raw && tokens[i].trim_right {
            if let Some(next) = tokens.get_mut(i + 1) {
                trim_html_start(src, next);
            }
        }
    }
}

fn trim_html_end(src: &Source, token: &mut Token) {
    let (begin, end) = (token.begin, token.end);
    if let TokenKind::Html { trim_right, .. } = &mut token.kind {
        while end > *trim_right
            && end - 1 - *trim_right >= begin.min(end)
            && src
                .chars
                .get(end - 1 - *trim_right)
                .is_some_and(|&c| is_blank(c))
        {
            *trim_right += 1;
        }
    }
}

fn trim_html_start(src: &Source, token: &mut Token) {
    let begin = token.begin;
    if let TokenKind::Html { trim_left, .. } = &mut token.kind {
        while src
            .chars
            .get(begin + *trim_left)
            .is_some_and(|&c| is_blank(c))
        {
            *trim_left += 1;
        }
        if src.chars.get(begin + *trim_left) == Some(&'\n') {
            *trim_left += 1;
        }
    }
}
