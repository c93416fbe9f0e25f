//! Segment's Amplitude (Actions) destination as a pure library.
//!
//! The destination is one value: its [`Settings`], its [`Preset`]s and six [`Action`]s (Log
//! Event, Log Event V2, Log Purchase, Identify User, Group Identify User, Map User). Each action
//! is its fields as data ([`schema`], declared once and shared) plus one `perform` that turns a
//! validated payload into the Amplitude [`Request`]s to make. The crate is built up in that
//! order:
//!
//! - [`fields`]: the field model every action declares, the defaults that presets use as
//!   mappings, and the pruning, coercion and validation that a mapped payload passes through
//!   before an action sees it.
//! - [`schema`]: every field of every action, as constants.
//! - [`Action`]: ids, titles, default triggers, fields and [`Action::perform`].
//! - [`run`] / [`CompiledAction`]: the whole pipeline for one event — mapping, validation,
//!   perform — with mappings compiled once.
//! - [`Preset`]: the six presets, one of which is a browser plugin rather than a cloud action.
//!
//! The crate does no I/O and knows nothing of HTTP clients, queues or async runtimes: it
//! describes requests, and the caller sends them. It reads no clock either, which is why Group
//! Identify leaves out a missing time instead of sending "now" (see below).
//!
//! # Deviations from the reference
//!
//! The requests equal those of `@segment/action-destinations`' Amplitude destination (checked
//! by `tests/actions_golden.rs` against requests captured from it), except:
//!
//! 1. Log Event, Log Event V2 and Log Purchase do not send the internal `use_batch_endpoint`
//!    field inside each event; it only picks the endpoint.
//! 2. Identify User and Group Identify User send no `options` form field when no option is set
//!    (the reference sends the text `options=undefined`).
//! 3. Group Identify's associate-user call sends no `time` when the payload has none or an
//!    invalid one; the reference sends the processing time (`dayjs.utc(undefined)`) or `null`.
//!    Amplitude uses the upload time for an event without `time`.
//! 4. An unknown `endpoint` region is a configuration error ([`SettingsError::UnknownRegion`]);
//!    the reference silently sends to North America.
//! 5. Spreading a string into `$set`/`$setOnce` (only when mapped user properties hold a string
//!    under those keys) keeps an astral character under one index; JavaScript splits it into two
//!    lone surrogates, which a Rust string cannot hold.
//! 6. Objects keep their keys in insertion order. JavaScript lists integer-like keys (`"0"`,
//!    `"42"`) first, so an object holding such keys is written with its keys in another order
//!    (the same JSON object to any JSON reader).

pub mod fields;
pub mod schema;

mod action;
mod js_object;
mod out_object;
mod pipeline;
mod preset;
mod request;
mod settings;
mod user_properties;

pub use action::Action;
pub use pipeline::{run, ActionError, CompiledAction, ErrorCode};
pub use preset::{
    BrowserPlugin, BrowserSetting, BrowserSettingKind, Preset, PresetTarget,
    MAX_MAPPINGS_PER_DESTINATION,
};
pub use request::{Body, ContentType, EventBatch, EventJson, Method, Request};
pub use settings::{Endpoint, Region, Secret, Settings, SettingsError};
pub use user_properties::{merge_user_properties, referrer_operations, utm_operations};
