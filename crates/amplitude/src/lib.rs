//! Segment's Amplitude (Actions) destination as a pure library.
//!
//! The destination is one value: its settings, its presets and six actions (Log Event, Log Event
//! V2, Log Purchase, Identify User, Group Identify User, Map User). Each action is its fields as
//! data plus one function that turns a validated payload into Amplitude requests. The crate is
//! built up in that order:
//!
//! - [`fields`]: the field model every action declares, the defaults that presets use as
//!   mappings, and the pruning, coercion and validation that a mapped payload passes through
//!   before an action sees it.
//!
//! The crate does no I/O and knows nothing of HTTP clients, queues or async runtimes: it
//! describes requests, and the caller sends them.

pub mod fields;
