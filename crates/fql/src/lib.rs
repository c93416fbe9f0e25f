//! Segment's trigger language ("FQL"): parse once, evaluate per event without allocating.
//!
//! A trigger such as `type = "track" and event != "Order Completed"` decides which events an
//! action receives. [`Trigger::parse`] compiles the text into a small tree of conditions whose
//! expected values, operators and property paths are all worked out up front;
//! [`Trigger::matches`] then walks that tree over a borrowed [`serde_json::Value`].
//!
//! The crate reproduces `@segment/destination-subscriptions` 3.37.0 (lexer `@segment/fql-ts`
//! 1.10.1), quirks included, as specified in Part A of `docs/mapping-and-triggers.md`:
//!
//! * `lexer` turns text into the reference's exact token stream;
//! * `condition` builds each condition the way the reference builds it for its field head;
//! * `lookup` reads event fields the way the reference's `get` does;
//! * `parser` groups conditions into the tree; `eval` evaluates it.
//!
//! # Deviations from Segment
//!
//! One deliberate change: **grouping follows real precedence.** `!` binds tighter than `and`,
//! which binds tighter than `or`; parentheses nest (up to 32 levels) and match properly; `!`
//! before a group or a condition negates it. Segment instead applies a level's *last*
//! connective to the whole level, accepts one level of parentheses, ends a group at the first
//! `)` (even a function call's), and ignores `!` unless it precedes `contains`/`match`.
//!
//! Every trigger whose grouping is unambiguous reads exactly as in Segment, quirks included:
//! one kind of connective per parenthesised level, no `!` before a group or condition, no
//! parentheses inside parentheses, no function call inside parentheses. Each construct where
//! the readings can differ produces a [`Warning`] naming its position:
//!
//! | trigger | ampline | Segment |
//! |---|---|---|
//! | `a and b or c` | `(a and b) or c` | `or(a, b, c)`: the last connective wins |
//! | `a or b and c`, `a and b or` | `a or (b and c)`, `and(a, b)` | `and(a, b, c)`, `or(a, b)` |
//! | `!(a or b)`, `!type = "x"` | negated | `!` ignored |
//! | `x and (contains(event,"a") or b)` | `and(x, or(contains, b))` | `or(x, contains, b)` |
//! | `((a))`, `a and (b or (c))` | accepted | rejected |
//! | `anonymousId = "x" and a` | `a` (the unknown head is dropped, as in Segment) | `a` |
//!
//! Two conditions with no connective between them take the nearest connective before them (or,
//! failing that, the first after them), so `a or b c` is `or(a, b, c)` as in Segment.
//! `!contains(…)` and `!match(…)` keep Segment's meaning (`not_contains` and friends, false for
//! a missing or non-string field), unlike `!(contains(…))`.
//!
//! Some triggers Segment accepts are rejected, all of them with a function call inside a group:
//! a group left unclosed because Segment closes it at the call's `)` (`(match(event, "x*")`), and
//! tokens after such a call that only parse once the group has ended (the error says where
//! Segment ends the group).
//!
//! Beyond grouping, one approximation: a member that every JavaScript value inherits
//! (`properties.constructor`, `properties.name.toUpperCase`) exists, as in Segment, but what lies
//! inside it (`properties.constructor.name`) reads as missing.

mod condition;
mod eval;
mod lexer;
mod lookup;
mod parser;

use serde_json::Value;
use std::fmt;

/// A compiled trigger.
#[derive(Debug, Clone)]
pub struct Trigger {
    root: eval::Node,
    warnings: Vec<Warning>,
}

/// Why a trigger could not be parsed: where (char offset into the source) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at position {}: {}", self.position, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Something in a valid trigger that Segment reads differently from ampline, or drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Char offset into the source.
    pub position: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at position {}: {}", self.position, self.message)
    }
}

impl Trigger {
    /// Compiles `source`. An empty trigger, or one without any condition, is an error.
    pub fn parse(source: &str) -> Result<Trigger, ParseError> {
        let (root, warnings) = parser::parse(source)?;
        Ok(Trigger { root, warnings })
    }

    /// Whether `event` passes the trigger. Where Segment's evaluation would throw (an empty group
    /// `()` is reached, or the event is `null`), the event does not match.
    pub fn matches(&self, event: &Value) -> bool {
        self.root.evaluate(event).unwrap_or(false)
    }

    /// Constructs that Segment reads differently or drops, in source order.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_triggers_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Trigger>();
    }
}
