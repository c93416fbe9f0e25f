//! `@template`: `{{{p}}}` placeholders are replaced first, then `{{p}}` in that output.

use crate::path::{lookup, Path};
use crate::value::Js;

/// A template split into text and placeholders.
///
/// Without `{{{…}}}` placeholders the text after the first pass is the template itself, so the
/// `{{…}}` pass can be split ahead of time. With them, a substituted value may itself contain
/// `{{…}}` (the reference rescans its own output), so the second pass runs on the rendered text.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    segments: Vec<Segment>,
    rescan_doubles: bool,
}

#[derive(Debug, Clone)]
enum Segment {
    Text(Box<str>),
    Placeholder(Path),
}

impl Template {
    pub(crate) fn parse(source: &str) -> Template {
        let triples = split(source, 3);
        if triples.iter().any(|s| matches!(s, Segment::Placeholder(_))) {
            Template {
                segments: triples,
                rescan_doubles: true,
            }
        } else {
            Template {
                segments: split(source, 2),
                rescan_doubles: false,
            }
        }
    }

    pub(crate) fn render(&self, root: &Js<'_>) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Placeholder(path) => write_placeholder(&mut out, root, path),
            }
        }
        if self.rescan_doubles {
            render_source(&out, 2, root)
        } else {
            out
        }
    }
}

/// Renders a template that is only known at run time.
pub(crate) fn render_dynamic(source: &str, root: &Js<'_>) -> String {
    let first = render_source(source, 3, root);
    render_source(&first, 2, root)
}

fn render_source(source: &str, braces: usize, root: &Js<'_>) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some((start, inner, end)) = find_placeholder(rest, braces) {
        out.push_str(&rest[..start]);
        write_placeholder(&mut out, root, &placeholder_path(&rest[inner.0..inner.1]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn split(source: &str, braces: usize) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut rest = source;
    while let Some((start, inner, end)) = find_placeholder(rest, braces) {
        if start > 0 {
            segments.push(Segment::Text(rest[..start].into()));
        }
        segments.push(Segment::Placeholder(placeholder_path(
            &rest[inner.0..inner.1],
        )));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest.into()));
    }
    segments
}

/// The first match of `\{{n}([^}]+)\}{n}` in `text`: the match's start, its inner text's range
/// and its end. The inner text runs to the first `}`, so no backtracking is needed.
fn find_placeholder(text: &str, braces: usize) -> Option<(usize, (usize, usize), usize)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text.get(from..)?.find('{') {
        let start = from + offset;
        let inner_start = start + braces;
        let opens = bytes
            .get(start..inner_start)
            .is_some_and(|b| b.iter().all(|&c| c == b'{'));
        if opens {
            if let Some(close) = text.get(inner_start..).and_then(|t| t.find('}')) {
                let inner_end = inner_start + close;
                let end = inner_end + braces;
                let closes = bytes
                    .get(inner_end..end)
                    .is_some_and(|b| b.iter().all(|&c| c == b'}'));
                if close > 0 && closes {
                    return Some((start, (inner_start, inner_end), end));
                }
            }
        }
        from = start + 1;
    }
    None
}

/// A placeholder's text is trimmed and read as a path, without removing `$.`.
fn placeholder_path(inner: &str) -> Path {
    Path::parse(ampline_js::js_trim(inner))
}

/// `value ?? ''`, as a string. A template rendered without a root renders against `{}`.
fn write_placeholder(out: &mut String, root: &Js<'_>, path: &Path) {
    if root.is_undefined() {
        if *path == Path::parse("") {
            out.push_str("[object Object]");
        }
        return;
    }
    let found = lookup(root, path);
    if found.is_present() {
        found.write_string_form(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_need_text_and_matching_braces() {
        assert_eq!(find_placeholder("a{{b}}c", 2), Some((1, (3, 4), 6)));
        assert_eq!(find_placeholder("{{}}", 2), None);
        assert_eq!(find_placeholder("{{x}", 2), None);
        assert_eq!(find_placeholder("{n}", 2), None);
        // `[^}]+` may contain `{`.
        assert_eq!(find_placeholder("{{{a}}", 2), Some((0, (2, 4), 6)));
        assert_eq!(find_placeholder("{{x} {{y}}", 2), Some((5, (7, 8), 10)));
    }

    #[test]
    fn found_placeholders_are_not_overlapping() {
        let segments = split("{{a}}{{b}}", 2);
        assert_eq!(segments.len(), 2);
    }
}
