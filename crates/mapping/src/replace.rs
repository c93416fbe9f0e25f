//! `@replace`: the reference escapes the pattern into a regular expression, so it matches
//! literal text; with the `i` flag, characters compare after JavaScript's non-Unicode case
//! canonicalization. The replacement keeps JavaScript's `$` sequences.

/// The longest pattern and replacement, in UTF-16 units.
pub(crate) const MAX_PATTERN_LENGTH: usize = 10;
pub(crate) const MAX_REPLACEMENT_LENGTH: usize = 10;

#[derive(Debug, Clone)]
pub(crate) struct Replacer {
    pattern: Vec<char>,
    replacement: Vec<Part>,
    global: bool,
    ignore_case: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    /// `$&`
    Match,
    /// `` $` ``
    Before,
    /// `$'`
    After,
}

impl Replacer {
    /// Prepares one pass, or gives the reference's error for an over-long pattern or replacement.
    pub(crate) fn new(
        pattern: &str,
        replacement: &str,
        global: bool,
        ignore_case: bool,
    ) -> Result<Replacer, String> {
        if ampline_js::utf16_len(pattern) > MAX_PATTERN_LENGTH {
            return Err(format!(
                "@replace requires a \"pattern\" less than {MAX_PATTERN_LENGTH} characters"
            ));
        }
        if ampline_js::utf16_len(replacement) > MAX_REPLACEMENT_LENGTH {
            return Err(format!(
                "@replace requires a \"replacement\" less than {MAX_REPLACEMENT_LENGTH} characters"
            ));
        }
        let pattern = if ignore_case {
            pattern.chars().map(canonicalize).collect()
        } else {
            pattern.chars().collect()
        };
        Ok(Replacer {
            pattern,
            replacement: parse_replacement(replacement),
            global,
            ignore_case,
        })
    }

    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied_to = 0;
        let mut search_from = 0;
        while let Some((start, end)) = self.find(text, search_from) {
            out.push_str(&text[copied_to..start]);
            for part in &self.replacement {
                match part {
                    Part::Text(t) => out.push_str(t),
                    Part::Match => out.push_str(&text[start..end]),
                    Part::Before => out.push_str(&text[..start]),
                    Part::After => out.push_str(&text[end..]),
                }
            }
            copied_to = end;
            search_from = end;
            if !self.global {
                break;
            }
        }
        out.push_str(&text[copied_to..]);
        out
    }

    /// The byte range of the first match at or after `from`. The pattern is never empty.
    fn find(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        let rest = text.get(from..)?;
        for (offset, _) in rest.char_indices() {
            let start = from + offset;
            let mut candidate = text.get(start..)?.char_indices();
            let mut end = start;
            let mut matched = true;
            for &want in &self.pattern {
                match candidate.next() {
                    Some((i, c)) if self.same(c, want) => end = start + i + c.len_utf8(),
                    _ => {
                        matched = false;
                        break;
                    }
                }
            }
            if matched && !self.pattern.is_empty() {
                return Some((start, end));
            }
        }
        None
    }

    fn same(&self, c: char, pattern_char: char) -> bool {
        if self.ignore_case {
            canonicalize(c) == pattern_char
        } else {
            c == pattern_char
        }
    }
}

/// JavaScript's `Canonicalize` for a case-insensitive, non-Unicode regular expression: the
/// upper-case form when it is a single UTF-16 unit and does not turn a non-ASCII character into
/// an ASCII one. Characters outside the BMP are compared as surrogate pairs, which never change.
fn canonicalize(c: char) -> char {
    if u32::from(c) > 0xffff {
        return c;
    }
    let mut upper = c.to_uppercase();
    let (Some(u), None) = (upper.next(), upper.next()) else {
        return c;
    };
    if u32::from(u) > 0xffff || (u32::from(c) >= 128 && u32::from(u) < 128) {
        return c;
    }
    u
}

/// `GetSubstitution` without capture groups: `$$`, `$&`, `` $` `` and `$'` are special; any other
/// `$` (including `$1` and `$<name>`) is literal.
fn parse_replacement(replacement: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            text.push(c);
            continue;
        }
        let special = match chars.peek() {
            Some('$') => {
                text.push('$');
                None
            }
            Some('&') => Some(Part::Match),
            Some('`') => Some(Part::Before),
            Some('\'') => Some(Part::After),
            _ => {
                text.push('$');
                continue;
            }
        };
        chars.next();
        if let Some(part) = special {
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(part);
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(value: &str, pattern: &str, replacement: &str, global: bool, ic: bool) -> String {
        match Replacer::new(pattern, replacement, global, ic) {
            Ok(r) => r.apply(value),
            Err(e) => e,
        }
    }

    #[test]
    fn dollar_sequences() {
        assert_eq!(run("a-b", "-", "[$&]", true, false), "a[-]b");
        assert_eq!(run("a-b", "-", "$`", true, false), "aab");
        assert_eq!(run("a-b", "-", "$'", true, false), "abb");
        assert_eq!(run("a-b", "-", "$$", true, false), "a$b");
        assert_eq!(run("a-b", "-", "$1$<n>$", true, false), "a$1$<n>$b");
    }

    #[test]
    fn global_and_case_flags() {
        assert_eq!(run("aAa", "a", "x", true, false), "xAx");
        assert_eq!(run("aAa", "a", "x", false, true), "xAa");
        assert_eq!(run("aAa", "a", "x", true, true), "xxx");
        assert_eq!(
            run("STRASSE straße", "ß", "ss", true, true),
            "STRASSE strasse"
        );
        // ſ upper-cases to ASCII S, which canonicalization refuses.
        assert_eq!(run("ſs", "S", "x", true, true), "ſx");
    }

    #[test]
    fn lengths_count_utf16_units() {
        assert!(Replacer::new("😀😀😀😀😀", "", true, false).is_ok());
        assert!(Replacer::new("😀😀😀😀😀a", "", true, false).is_err());
        assert!(Replacer::new("a", "12345678901", true, false).is_err());
    }
}
