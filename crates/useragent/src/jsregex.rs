//! The subset of JavaScript regular expressions that ua-parser-js's tables use, matched with
//! JavaScript's own semantics.
//!
//! The `regex` crate cannot express lookahead or back-references, and its `\w`, `\s`, `.` and
//! case folding differ from JavaScript's, so agreement on the long tail needs a matcher that
//! behaves like a JavaScript engine: backtracking, leftmost start, first alternative wins,
//! over UTF-16 code units, with the `i` flag always on (every table entry uses it).
//!
//! Backtracking is slow, so each pattern also gets up to two `regex`-crate translations:
//! - a *pre-check* over bytes that accepts a superset of what the pattern accepts (lookarounds
//!   dropped, back-references widened, any code unit that may be non-ASCII widened to a run of
//!   non-ASCII bytes); callers combine these into one `RegexSet` per table, and backtracking
//!   starts at the pre-check's match, which can never lie after the real leftmost match;
//! - an *exact* translation, when one exists (most patterns: no lookaround, back-reference or
//!   count that UTF-16 and code points disagree on), whose captures are used directly, since
//!   the `regex` crate reports the captures a backtracking engine would, in linear time.
//!
//! The exact path and the backtracker are checked against each other in the crate's tests,
//! and each alone agreed with the reference on every golden user agent.

use std::fmt::Write as _;

/// One parsed pattern plus its fast pre-check.
pub(crate) struct JsRegex {
    alternatives: Alternatives,
    capture_count: usize,
    precheck: regex::bytes::Regex,
    precheck_source: String,
    /// The same pattern in `regex` syntax when that translation is exact (no lookaround, no
    /// back-reference, no count that UTF-16 and code points would disagree on). The `regex`
    /// crate reports the captures a backtracking engine would, in linear time, so the
    /// backtracking matcher is only needed for the rest.
    exact: Option<regex::Regex>,
}

/// The input prepared once per user agent for every pattern: UTF-16 units for the exact
/// matcher and UTF-8 bytes (lone surrogates replaced) for the pre-checks.
pub(crate) struct Haystack {
    units: Vec<u16>,
    text: String,
    /// `(byte, unit)` offsets of each char of `text`, and of its end.
    unit_offsets: Vec<(usize, usize)>,
}

impl Haystack {
    pub(crate) fn new(units: Vec<u16>) -> Self {
        let text = String::from_utf16_lossy(&units);
        let mut unit_offsets = Vec::with_capacity(text.len());
        let mut unit = 0;
        for (byte, ch) in text.char_indices() {
            unit_offsets.push((byte, unit));
            unit += ch.len_utf16();
        }
        unit_offsets.push((text.len(), unit));
        Haystack {
            units,
            text,
            unit_offsets,
        }
    }

    /// The bytes the pre-checks run on.
    pub(crate) fn text(&self) -> &[u8] {
        self.text.as_bytes()
    }

    pub(crate) fn units(&self) -> &[u16] {
        &self.units
    }

    fn unit_offset_of_byte(&self, byte: usize) -> usize {
        match self.unit_offsets.binary_search_by_key(&byte, |&(b, _)| b) {
            Ok(i) => self.unit_offsets.get(i).map_or(0, |&(_, u)| u),
            // A byte inside a char: back off to the char's start, which is still no later
            // than any real match.
            Err(i) => i
                .checked_sub(1)
                .and_then(|j| self.unit_offsets.get(j))
                .map_or(0, |&(_, u)| u),
        }
    }
}

/// Capture spans in UTF-16 units; index 0 is the whole match.
pub(crate) type Captures = Vec<Option<(usize, usize)>>;

type Alternatives = Vec<Vec<Node>>;

#[derive(Debug, Clone)]
enum Node {
    /// An ASCII-lowercased unit: the `i` flag folds only ASCII letters outside Unicode mode.
    Unit(u16),
    Class(Class),
    AnyButLineTerminator,
    Start,
    End,
    WordBoundary,
    Group(Alternatives, Option<usize>),
    Lookahead(Alternatives, bool),
    BackReference(usize),
    Repeat(Box<Node>, u32, Option<u32>, bool),
}

#[derive(Debug, Clone, Default)]
struct Class {
    negated: bool,
    ranges: Vec<(u16, u16)>,
    word: bool,
    digit: bool,
    space: bool,
}

impl Class {
    fn contains(&self, unit: u16) -> bool {
        // Under `i`, a unit is in the class when either ASCII case of it is.
        let folded = fold(unit);
        let upper = if (b'a' as u16..=b'z' as u16).contains(&folded) {
            folded - 32
        } else {
            folded
        };
        let hit = self
            .ranges
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&folded) || (lo..=hi).contains(&upper))
            || (self.word && is_word(unit))
            || (self.digit && (b'0' as u16..=b'9' as u16).contains(&unit))
            || (self.space && is_space(unit));
        hit != self.negated
    }
}

fn fold(unit: u16) -> u16 {
    if (b'A' as u16..=b'Z' as u16).contains(&unit) {
        unit + 32
    } else {
        unit
    }
}

fn is_word(unit: u16) -> bool {
    u8::try_from(unit).is_ok_and(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_space(unit: u16) -> bool {
    char::from_u32(u32::from(unit)).is_some_and(ampline_js::is_js_whitespace)
}

fn is_line_terminator(unit: u16) -> bool {
    matches!(unit, 0x0a | 0x0d | 0x2028 | 0x2029)
}

impl JsRegex {
    /// Parses `pattern`; an error (only possible if the tables are wrong) names the pattern.
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
            capture_count: 0,
        };
        let error = |reason: String| format!("/{pattern}/: {reason}");
        let alternatives = parser.alternatives().map_err(error)?;
        if parser.pos != parser.chars.len() {
            return Err(error(format!("unexpected ')' at {}", parser.pos)));
        }
        let mut source = String::from("(?i-u)");
        write_alternatives(&mut source, &alternatives);
        let precheck = regex::bytes::RegexBuilder::new(&source)
            .unicode(false)
            .size_limit(1 << 24)
            .build()
            .map_err(|e| error(format!("pre-check {source}: {e}")))?;
        let exact = exact_regex(&alternatives);
        Ok(JsRegex {
            alternatives,
            capture_count: parser.capture_count,
            precheck,
            precheck_source: source,
            exact,
        })
    }

    /// The pre-check as `regex` syntax, for combining many into one `RegexSet`.
    pub(crate) fn precheck_source(&self) -> &str {
        &self.precheck_source
    }

    /// `RegExp.prototype.exec` on `haystack`: the leftmost match's capture spans.
    pub(crate) fn exec(&self, haystack: &Haystack) -> Option<Captures> {
        if let Some(exact) = &self.exact {
            let found = exact.captures(&haystack.text)?;
            return Some(
                found
                    .iter()
                    .map(|group| {
                        group.map(|g| {
                            (
                                haystack.unit_offset_of_byte(g.start()),
                                haystack.unit_offset_of_byte(g.end()),
                            )
                        })
                    })
                    .collect(),
            );
        }
        self.backtrack(haystack)
    }

    /// The leftmost match found by backtracking, whether or not an exact `regex` exists.
    pub(crate) fn backtrack(&self, haystack: &Haystack) -> Option<Captures> {
        let found = self.precheck.find(haystack.text.as_bytes())?;
        let first_candidate = haystack.unit_offset_of_byte(found.start());
        let units = haystack.units();
        let mut matcher = Matcher {
            text: units,
            captures: vec![None; self.capture_count + 1],
            budget: STEP_BUDGET,
        };
        for start in first_candidate..=units.len() {
            matcher.captures.iter_mut().for_each(|c| *c = None);
            let mut end = None;
            let matched = matcher.alternatives(&self.alternatives, start, &mut |_, pos| {
                end = Some(pos);
                true
            });
            if matcher.budget == 0 {
                return None;
            }
            if matched {
                if let (Some(end), Some(whole)) = (end, matcher.captures.first_mut()) {
                    *whole = Some((start, end));
                }
                return Some(matcher.captures);
            }
        }
        None
    }
}

/// Bounds pathological backtracking; far above what any table entry needs on 255 units.
const STEP_BUDGET: u32 = 5_000_000;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    capture_count: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += 1;
        c
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn alternatives(&mut self) -> Result<Alternatives, String> {
        let mut alternatives = vec![self.sequence()?];
        while self.eat('|') {
            alternatives.push(self.sequence()?);
        }
        Ok(alternatives)
    }

    fn sequence(&mut self) -> Result<Vec<Node>, String> {
        let mut nodes = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let node = self.quantified(atom)?;
            nodes.push(node);
        }
        Ok(nodes)
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                let save = self.pos;
                self.pos += 1;
                match self.braces() {
                    Some(bounds) => {
                        self.pos -= 1;
                        bounds
                    }
                    None => {
                        self.pos = save;
                        return Ok(atom);
                    }
                }
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        let greedy = !self.eat('?');
        if matches!(atom, Node::Start | Node::End | Node::WordBoundary) {
            return Err("quantified assertion".into());
        }
        Ok(Node::Repeat(Box::new(atom), min, max, greedy))
    }

    /// Parses `n}`, `n,}` or `n,m}` after `{`, leaving `pos` just past `}`.
    fn braces(&mut self) -> Option<(u32, Option<u32>)> {
        let min = self.number()?;
        let max = if self.eat(',') {
            if self.peek() == Some('}') {
                None
            } else {
                Some(self.number()?)
            }
        } else {
            Some(min)
        };
        self.eat('}').then_some((min, max))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars
            .get(start..self.pos)?
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn atom(&mut self) -> Result<Node, String> {
        match self.next() {
            Some('(') => {
                let (capture, lookahead) = if self.eat('?') {
                    match self.next() {
                        Some(':') => (None, None),
                        Some('=') => (None, Some(false)),
                        Some('!') => (None, Some(true)),
                        other => return Err(format!("unsupported group (?{other:?}")),
                    }
                } else {
                    self.capture_count += 1;
                    (Some(self.capture_count), None)
                };
                let inner = self.alternatives()?;
                if !self.eat(')') {
                    return Err("unclosed group".into());
                }
                Ok(match lookahead {
                    Some(negated) => Node::Lookahead(inner, negated),
                    None => Node::Group(inner, capture),
                })
            }
            Some('[') => self.class(),
            Some('.') => Ok(Node::AnyButLineTerminator),
            Some('^') => Ok(Node::Start),
            Some('$') => Ok(Node::End),
            Some('\\') => self.escape(),
            Some(c) => unit_of(c).map(|u| Node::Unit(fold(u))),
            None => Err("unexpected end".into()),
        }
    }

    fn escape(&mut self) -> Result<Node, String> {
        match self.next() {
            Some('b') => Ok(Node::WordBoundary),
            Some('w') => Ok(Node::Class(Class {
                word: true,
                ..Class::default()
            })),
            Some('d') => Ok(Node::Class(Class {
                digit: true,
                ..Class::default()
            })),
            Some('s') => Ok(Node::Class(Class {
                space: true,
                ..Class::default()
            })),
            Some(c @ '1'..='9') => Ok(Node::BackReference(c as usize - '0' as usize)),
            Some(c) if c.is_ascii_alphanumeric() => Err(format!("unsupported escape \\{c}")),
            Some(c) => unit_of(c).map(|u| Node::Unit(fold(u))),
            None => Err("trailing backslash".into()),
        }
    }

    fn class(&mut self) -> Result<Node, String> {
        let mut class = Class {
            negated: self.eat('^'),
            ..Class::default()
        };
        let mut first = true;
        loop {
            let c = self.next().ok_or("unclosed class")?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let low = if c == '\\' {
                match self.next().ok_or("trailing backslash")? {
                    'w' => {
                        class.word = true;
                        continue;
                    }
                    'd' => {
                        class.digit = true;
                        continue;
                    }
                    's' => {
                        class.space = true;
                        continue;
                    }
                    e if e.is_ascii_alphanumeric() => {
                        return Err(format!("unsupported class escape \\{e}"))
                    }
                    e => unit_of(e)?,
                }
            } else {
                unit_of(c)?
            };
            let is_range =
                self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']');
            if is_range {
                self.pos += 1;
                let high = match self.next().ok_or("unclosed class")? {
                    '\\' => unit_of(self.next().ok_or("trailing backslash")?)?,
                    h => unit_of(h)?,
                };
                class.ranges.push((low, high));
            } else {
                class.ranges.push((low, low));
            }
        }
        Ok(Node::Class(class))
    }
}

fn unit_of(c: char) -> Result<u16, String> {
    u16::try_from(u32::from(c)).map_err(|_| format!("astral char {c:?} in pattern"))
}

/// Writes the pre-check's source: a `regex` pattern over bytes (ASCII case-insensitive,
/// Unicode off) accepting every string the JavaScript pattern accepts.
fn write_alternatives(out: &mut String, alternatives: &Alternatives) {
    for (i, sequence) in alternatives.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        for node in sequence {
            write_node(out, node);
        }
    }
}

const NON_ASCII_RUN: &str = "[\\x80-\\xFF]+";

fn write_node(out: &mut String, node: &Node) {
    match node {
        Node::Unit(u) => match u8::try_from(*u) {
            Ok(b) if b.is_ascii() => {
                let _ = write!(out, "\\x{b:02X}");
            }
            _ => out.push_str(NON_ASCII_RUN),
        },
        Node::Class(class) => write_class(out, class),
        Node::AnyButLineTerminator => {
            let _ = write!(out, "(?:[^\\n\\r\\x80-\\xFF]|{NON_ASCII_RUN})");
        }
        Node::Start => out.push('^'),
        Node::End => out.push('$'),
        Node::WordBoundary => out.push_str("\\b"),
        Node::Group(inner, _) => {
            out.push_str("(?:");
            write_alternatives(out, inner);
            out.push(')');
        }
        // Dropping an assertion only widens what matches.
        Node::Lookahead(..) => {}
        Node::BackReference(_) => out.push_str("(?s:.)*"),
        Node::Repeat(inner, min, max, greedy) => {
            out.push_str("(?:");
            write_node(out, inner);
            out.push(')');
            // A non-ASCII run covers several code units in one iteration, so an upper
            // bound could reject what JavaScript accepts: drop it when that can happen.
            let max = if may_match_non_ascii(inner) {
                None
            } else {
                *max
            };
            let _ = match max {
                None => write!(out, "{{{min},}}"),
                Some(max) => write!(out, "{{{min},{max}}}"),
            };
            if !greedy {
                out.push('?');
            }
        }
    }
}

fn write_class(out: &mut String, class: &Class) {
    let mut set = String::new();
    for &(lo, hi) in &class.ranges {
        match (u8::try_from(lo), u8::try_from(hi)) {
            (Ok(lo), Ok(hi)) if hi.is_ascii() => {
                let _ = write!(set, "\\x{lo:02X}-\\x{hi:02X}");
            }
            (Ok(lo), _) if lo.is_ascii() => {
                let _ = write!(set, "\\x{lo:02X}-\\x7F");
            }
            _ => {}
        }
    }
    if class.word {
        set.push_str("0-9A-Za-z_");
    }
    if class.digit {
        set.push_str("0-9");
    }
    if class.space {
        set.push_str("\\t\\n\\x0B\\x0C\\r ");
    }
    if class.negated {
        if set.is_empty() {
            let _ = write!(out, "(?:[\\x00-\\x7F]|{NON_ASCII_RUN})");
        } else {
            let _ = write!(out, "(?:[^{set}\\x80-\\xFF]|{NON_ASCII_RUN})");
        }
    } else if may_match_non_ascii(&Node::Class(class.clone())) {
        if set.is_empty() {
            out.push_str(NON_ASCII_RUN);
        } else {
            let _ = write!(out, "(?:[{set}]|{NON_ASCII_RUN})");
        }
    } else if set.is_empty() {
        // An empty class never matches.
        out.push_str("[^\\x00-\\xFF]");
    } else {
        let _ = write!(out, "[{set}]");
    }
}

/// JavaScript's `\s` beyond ASCII.
const NON_ASCII_SPACES: &str =
    "\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";

fn exact_regex(alternatives: &Alternatives) -> Option<regex::Regex> {
    let mut source = String::new();
    write_exact_alternatives(&mut source, alternatives)?;
    regex::RegexBuilder::new(&source)
        .size_limit(1 << 24)
        .build()
        .ok()
}

/// Writes `regex` syntax (Unicode mode, over `&str`) that matches, and captures, exactly as
/// JavaScript would, or gives up with `None`. Letters fold in ASCII only (`(?i-u:…)`), since
/// JavaScript's non-Unicode `i` never folds a non-ASCII char onto an ASCII one.
fn write_exact_alternatives(out: &mut String, alternatives: &Alternatives) -> Option<()> {
    for (i, sequence) in alternatives.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        for node in sequence {
            write_exact_node(out, node)?;
        }
    }
    Some(())
}

fn write_exact_node(out: &mut String, node: &Node) -> Option<()> {
    match node {
        Node::Unit(u) => {
            let b = u8::try_from(*u).ok().filter(u8::is_ascii)?;
            let _ = write!(out, "(?i-u:\\x{b:02X})");
        }
        Node::Class(class) => write_exact_class(out, class)?,
        Node::AnyButLineTerminator => out.push_str("[^\\n\\r\\x{2028}\\x{2029}]"),
        Node::Start => out.push('^'),
        Node::End => out.push('$'),
        Node::WordBoundary => out.push_str("(?-u:\\b)"),
        Node::Group(inner, capture) => {
            out.push_str(if capture.is_some() { "(" } else { "(?:" });
            write_exact_alternatives(out, inner)?;
            out.push(')');
        }
        Node::Lookahead(..) | Node::BackReference(_) => return None,
        Node::Repeat(inner, min, max, greedy) => {
            // An astral char is two units to JavaScript but one char here, so counts over
            // anything that may match non-ASCII are not comparable; and JavaScript's rule for
            // empty iterations differs, so nullable bodies stay with the backtracker.
            let counted = *min > 1 || max.is_some_and(|m| m > 1);
            if (counted && may_match_non_ascii(inner)) || nullable(inner) {
                return None;
            }
            out.push_str("(?:");
            write_exact_node(out, inner)?;
            out.push(')');
            let _ = match max {
                None => write!(out, "{{{min},}}"),
                Some(max) => write!(out, "{{{min},{max}}}"),
            };
            if !greedy {
                out.push('?');
            }
        }
    }
    Some(())
}

fn write_exact_class(out: &mut String, class: &Class) -> Option<()> {
    let mut set = String::new();
    for &(lo, hi) in &class.ranges {
        let lo = u8::try_from(lo).ok().filter(u8::is_ascii)?;
        let hi = u8::try_from(hi).ok().filter(u8::is_ascii)?;
        // A negated class would need both cases of a letter spelled out; none does.
        if class.negated && (lo..=hi).any(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let _ = write!(set, "\\x{lo:02X}-\\x{hi:02X}");
    }
    if class.word {
        set.push_str("0-9A-Za-z_");
    }
    if class.digit {
        set.push_str("0-9");
    }
    if class.space {
        set.push_str("\\t\\n\\x0B\\x0C\\r ");
    }
    if class.negated {
        if class.space {
            set.push_str(NON_ASCII_SPACES);
        }
        if set.is_empty() {
            out.push_str("(?s:.)");
        } else {
            let _ = write!(out, "[^{set}]");
        }
    } else {
        let ascii = if set.is_empty() {
            String::from("[^\\x00-\\x{10FFFF}]")
        } else {
            format!("(?i-u:[{set}])")
        };
        if class.space {
            let _ = write!(out, "(?:{ascii}|[{NON_ASCII_SPACES}])");
        } else {
            out.push_str(&ascii);
        }
    }
    Some(())
}

fn nullable(node: &Node) -> bool {
    match node {
        Node::Unit(_) | Node::Class(_) | Node::AnyButLineTerminator => false,
        Node::Start | Node::End | Node::WordBoundary | Node::Lookahead(..) => true,
        Node::BackReference(_) => true,
        Node::Group(inner, _) => inner.iter().any(|seq| seq.iter().all(nullable)),
        Node::Repeat(inner, min, ..) => *min == 0 || nullable(inner),
    }
}

fn may_match_non_ascii(node: &Node) -> bool {
    match node {
        Node::Unit(u) => *u >= 0x80,
        Node::Class(class) => {
            class.negated || class.space || class.ranges.iter().any(|&(_, hi)| hi >= 0x80)
        }
        Node::AnyButLineTerminator | Node::BackReference(_) => true,
        Node::Group(inner, _) => inner.iter().flatten().any(may_match_non_ascii),
        Node::Repeat(inner, ..) => may_match_non_ascii(inner),
        Node::Start | Node::End | Node::WordBoundary | Node::Lookahead(..) => false,
    }
}

/// The backtracking matcher: continuation-passing, so every choice point can retry with
/// whatever follows it, exactly as a JavaScript engine explores alternatives.
struct Matcher<'t> {
    text: &'t [u16],
    captures: Captures,
    budget: u32,
}

type Continuation<'k, 't> = dyn FnMut(&mut Matcher<'t>, usize) -> bool + 'k;

impl<'t> Matcher<'t> {
    fn spend(&mut self) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        true
    }

    fn alternatives(
        &mut self,
        alternatives: &[Vec<Node>],
        pos: usize,
        next: &mut Continuation<'_, 't>,
    ) -> bool {
        alternatives
            .iter()
            .any(|sequence| self.sequence(sequence, pos, next))
    }

    fn sequence(&mut self, nodes: &[Node], pos: usize, next: &mut Continuation<'_, 't>) -> bool {
        let Some((first, rest)) = nodes.split_first() else {
            return next(self, pos);
        };
        if !self.spend() {
            return false;
        }
        self.node(first, pos, &mut |m: &mut Matcher<'t>, p| {
            m.sequence(rest, p, next)
        })
    }

    fn single_unit(&self, node: &Node, pos: usize) -> Option<bool> {
        let unit = self.text.get(pos).copied();
        match node {
            Node::Unit(u) => Some(unit.is_some_and(|c| fold(c) == *u)),
            Node::Class(class) => Some(unit.is_some_and(|c| class.contains(c))),
            Node::AnyButLineTerminator => Some(unit.is_some_and(|c| !is_line_terminator(c))),
            _ => None,
        }
    }

    fn node(&mut self, node: &Node, pos: usize, next: &mut Continuation<'_, 't>) -> bool {
        if let Some(hit) = self.single_unit(node, pos) {
            return hit && next(self, pos + 1);
        }
        match node {
            Node::Unit(_) | Node::Class(_) | Node::AnyButLineTerminator => false,
            Node::Start => pos == 0 && next(self, pos),
            Node::End => pos == self.text.len() && next(self, pos),
            Node::WordBoundary => {
                let before = pos
                    .checked_sub(1)
                    .and_then(|p| self.text.get(p))
                    .is_some_and(|&c| is_word(c));
                let after = self.text.get(pos).is_some_and(|&c| is_word(c));
                before != after && next(self, pos)
            }
            Node::Group(inner, capture) => match capture {
                None => self.alternatives(inner, pos, next),
                Some(index) => {
                    let index = *index;
                    self.alternatives(inner, pos, &mut |m: &mut Matcher<'t>, end| {
                        let saved = m.captures.get(index).copied().flatten();
                        if let Some(slot) = m.captures.get_mut(index) {
                            *slot = Some((pos, end));
                        }
                        if next(m, end) {
                            return true;
                        }
                        if let Some(slot) = m.captures.get_mut(index) {
                            *slot = saved;
                        }
                        false
                    })
                }
            },
            Node::Lookahead(inner, negated) => {
                let saved = self.captures.clone();
                let found = self.alternatives(inner, pos, &mut |_, _| true);
                if *negated {
                    self.captures = saved;
                    !found && next(self, pos)
                } else if found {
                    if next(self, pos) {
                        return true;
                    }
                    self.captures = saved;
                    false
                } else {
                    false
                }
            }
            Node::BackReference(index) => {
                let span = self.captures.get(*index).copied().flatten();
                let Some((start, end)) = span else {
                    // An unset group matches the empty string in JavaScript.
                    return next(self, pos);
                };
                let len = end - start;
                let (Some(wanted), Some(here)) =
                    (self.text.get(start..end), self.text.get(pos..pos + len))
                else {
                    return false;
                };
                wanted.iter().zip(here).all(|(&a, &b)| fold(a) == fold(b)) && next(self, pos + len)
            }
            Node::Repeat(inner, min, max, greedy) => {
                if self.single_unit(inner, pos).is_some() {
                    self.repeat_units(inner, *min, *max, *greedy, pos, next)
                } else {
                    self.repeat(inner, *min, *max, *greedy, 0, pos, usize::MAX, next)
                }
            }
        }
    }

    /// A quantifier over one code unit: no per-iteration recursion is needed.
    fn repeat_units(
        &mut self,
        inner: &Node,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        pos: usize,
        next: &mut Continuation<'_, 't>,
    ) -> bool {
        let limit = max.map_or(usize::MAX, |m| m as usize);
        let mut run = 0;
        while run < limit && self.single_unit(inner, pos + run) == Some(true) {
            run += 1;
        }
        let min = min as usize;
        if run < min {
            return false;
        }
        if greedy {
            for count in (min..=run).rev() {
                if !self.spend() {
                    return false;
                }
                if next(self, pos + count) {
                    return true;
                }
            }
        } else {
            for count in min..=run {
                if !self.spend() {
                    return false;
                }
                if next(self, pos + count) {
                    return true;
                }
            }
        }
        false
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &mut self,
        inner: &Node,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        done: u32,
        pos: usize,
        previous_start: usize,
        next: &mut Continuation<'_, 't>,
    ) -> bool {
        if !self.spend() {
            return false;
        }
        // JavaScript rejects an optional iteration that consumed nothing.
        if done > min && pos == previous_start {
            return false;
        }
        let may_stop = done >= min;
        let may_continue = max.is_none_or(|m| done < m);
        // Greedy tries one more iteration before stopping; lazy tries stopping first.
        let (first, second) = if greedy { (true, false) } else { (false, true) };
        for iterate in [first, second] {
            let matched = if iterate {
                may_continue && self.repeat_once(inner, min, max, greedy, done, pos, next)
            } else {
                may_stop && next(self, pos)
            };
            if matched {
                return true;
            }
        }
        false
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat_once(
        &mut self,
        inner: &Node,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        done: u32,
        pos: usize,
        next: &mut Continuation<'_, 't>,
    ) -> bool {
        self.node(inner, pos, &mut |m: &mut Matcher<'t>, p| {
            m.repeat(inner, min, max, greedy, done + 1, p, pos, next)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(pattern: &str, text: &str) -> Option<Vec<Option<String>>> {
        let regex = JsRegex::new(pattern).ok()?;
        let haystack = Haystack::new(text.encode_utf16().collect());
        let captures = regex.exec(&haystack)?;
        Some(
            captures
                .iter()
                .map(|span| {
                    span.and_then(|(s, e)| haystack.units().get(s..e).map(String::from_utf16_lossy))
                })
                .collect(),
        )
    }

    fn group(pattern: &str, text: &str, index: usize) -> Option<String> {
        exec(pattern, text)?.get(index).cloned().flatten()
    }

    #[test]
    fn lazy_and_greedy_quantifiers_choose_like_javascript() {
        assert_eq!(group(r"a(.+?)c", "abcbc", 1).as_deref(), Some("b"));
        assert_eq!(group(r"a(.+)c", "abcbc", 1).as_deref(), Some("bcb"));
        assert_eq!(group(r"(\w{2,4})", "abcdef", 1).as_deref(), Some("abcd"));
    }

    #[test]
    fn lookahead_and_back_reference() {
        assert_eq!(group(r"(\w+)(?!.+x)", "ab x cd", 1).as_deref(), Some("x"));
        assert_eq!(group(r"win(?=3|9|n)", "win9", 0).as_deref(), Some("win"));
        assert!(exec(r"win(?=3|9|n)", "win7").is_none());
        assert_eq!(
            group(r"; (\w+) build\/hm\1", "; 2014 build/HM2014", 1).as_deref(),
            Some("2014")
        );
        assert!(exec(r"; (\w+) build\/hm\1", "; 2014 build/hm2015").is_none());
    }

    #[test]
    fn case_folding_and_classes_are_ascii_only() {
        assert_eq!(group(r"(iphone)", "IPhone", 1).as_deref(), Some("IPhone"));
        assert!(exec(r"\w", "é").is_none());
        assert_eq!(group(r"([^;]+)", "é;", 1).as_deref(), Some("é"));
        assert_eq!(group(r"a\sb", "a\u{a0}b", 0).as_deref(), Some("a\u{a0}b"));
        assert!(exec(r"a.b", "a\nb").is_none());
        assert_eq!(group(r"[c-g]\d", "X E5", 0).as_deref(), Some("E5"));
    }

    #[test]
    fn unmatched_optional_group_is_absent() {
        let captures = exec(r"(a)|(b)", "b");
        assert_eq!(
            captures,
            Some(vec![Some("b".into()), None, Some("b".into())])
        );
    }

    #[test]
    fn word_boundary_and_anchors() {
        assert!(exec(r"\bqq\/", "xqq/1").is_none());
        assert!(exec(r"\bqq\/", "x qq/1").is_some());
        assert_eq!(group(r"(\w+)$", "ab cd", 1).as_deref(), Some("cd"));
    }
}
