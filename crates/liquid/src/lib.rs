//! Liquid templates exactly as Segment's `@liquid` mapping directive runs them: liquidjs 10
//! semantics with Segment's engine options, its disabled tags (`case`, `for`, `include`,
//! `layout`, `render`, `tablerow`) and disabled filters.
//!
//! Shape: [`Template::parse`] splits the template into tokens (`syntax::lexer`), reads values
//! and expressions (`syntax::expression`, kept in liquidjs's postfix order) and builds a small
//! tree of nodes (`syntax::parser`). [`Template::render`] walks that tree (`render`) with
//! JavaScript value semantics (`value`) and the filters (`filters`, `date`, `json`). liquidjs's
//! quirks are reproduced on purpose, because mappings written against Segment depend on them:
//! `{{ arr }}` joins without separator, `and`/`or` group from the right, undefined variables
//! render as nothing, `divided_by` is float division, unknown filters return their input, and a
//! disabled filter fails only when it runs. `tests/cases.json` holds the reference's answers
//! (recorded by `tests/oracle.js`) that the tests compare against.
//!
//! Limits: templates over 1000 UTF-16 units are rejected (as the directive does); liquidjs's
//! memory accounting (10^8 units) is reproduced exactly; Segment's 500 ms render time limit is
//! replaced by a deterministic allowance of work (characters written and array items made),
//! so rendering never reads a clock. For the same reason `date` of `"now"` needs the current
//! time passed in ([`Template::render_at`]). Values and blocks may nest 48 deep, so that no
//! template can exhaust a thread's stack.
//!
//! Known differences from the reference, all on inputs no real mapping uses:
//! - JavaScript strings can hold half of a surrogate pair (after `slice` or `split: ""` cut an
//!   emoji), Rust strings cannot, so such halves come out as U+FFFD;
//! - `sample` (random), time zone names other than UTC's in `date` (they need a time zone
//!   database) and `slugify` of scripts outside its tables are errors rather than results;
//! - templates that exceed the work allowance or the nesting depth fail where liquidjs might
//!   still finish;
//! - `increment` and `decrement` write to the environment as in the reference, but only for the
//!   rest of the render: the caller's event is never changed.

mod date;
mod filters;
mod json;
mod render;
mod syntax;
mod value;

use serde_json::Value;
use std::fmt;

/// The longest template the directive accepts, in UTF-16 units.
pub const MAX_TEMPLATE_LEN: usize = 1000;

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    source: syntax::Source,
    nodes: Vec<syntax::Node>,
}

/// A parse or render failure. Messages follow liquidjs's (`tag "for" is disabled, line:1,
/// col:1`), naming the problem and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl Template {
    /// Parses `source`: over-long templates, syntax errors and disabled or unknown tags are
    /// errors. Disabled filters are errors only when rendered, as in liquidjs.
    pub fn parse(source: &str) -> Result<Template, Error> {
        if ampline_js::utf16_len(source) > MAX_TEMPLATE_LEN {
            return Err(Error {
                message: "liquid template values are limited to 1000 characters".to_string(),
            });
        }
        let src = syntax::Source {
            chars: source.chars().collect(),
        };
        let tokens = syntax::tokenize(&src)?;
        let nodes = syntax::Parser {
            src: &src,
            depth: std::cell::Cell::new(0),
        }
        .parse_all(tokens.into())?;
        Ok(Template { source: src, nodes })
    }

    /// Renders against `root` (the event). `date` of `"now"`/`"today"` is an error here; use
    /// [`Template::render_at`] to supply the time.
    pub fn render(&self, root: &Value) -> Result<String, Error> {
        self.render_with(root, None)
    }

    /// Renders with `now_unix_ms` (milliseconds since the Unix epoch) as the current time.
    pub fn render_at(&self, root: &Value, now_unix_ms: f64) -> Result<String, Error> {
        self.render_with(root, Some(now_unix_ms))
    }

    fn render_with(&self, root: &Value, now_ms: Option<f64>) -> Result<String, Error> {
        let mut ctx = render::Context::new(root, now_ms);
        let mut out = String::new();
        ctx.render_nodes(&self.source, &self.nodes, &mut out)?;
        Ok(out)
    }
}
