//! The compiled trigger tree and its evaluation.

use crate::condition::Condition;
use serde_json::Value;

/// A compiled trigger. Groups keep their children in source order because the reference
/// evaluates left to right and stops early, which decides whether a throwing child is reached.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    All(Box<[Node]>),
    Any(Box<[Node]>),
    Not(Box<Node>),
    Test(Condition),
    /// An empty group `()`: the reference keeps an `undefined` child that throws when reached.
    Throws,
}

/// The reference threw while evaluating; the trigger then does not match.
pub(crate) struct Thrown;

impl Node {
    pub(crate) fn evaluate(&self, event: &Value) -> Result<bool, Thrown> {
        match self {
            Node::All(children) => {
                for child in children.iter() {
                    if !child.evaluate(event)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Node::Any(children) => {
                for child in children.iter() {
                    if child.evaluate(event)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::Not(child) => Ok(!child.evaluate(event)?),
            Node::Test(condition) => condition.holds(event).ok_or(Thrown),
            Node::Throws => Err(Thrown),
        }
    }

    /// Whether evaluating the node always throws, so the trigger can never match anything.
    pub(crate) fn always_throws(&self) -> bool {
        match self {
            Node::Throws => true,
            Node::Not(child) => child.always_throws(),
            _ => false,
        }
    }
}
