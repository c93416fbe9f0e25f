//! Amplitude's validation rules as pure functions: bytes and parsed values in, a normalized
//! request or the exact `Reply` Amplitude would send out. Nothing here knows about HTTP servers,
//! locks or time beyond the `now` it is handed, so every rule is unit-tested without a socket.

pub mod body;
pub mod dashboard;
pub mod events;
pub mod form;
pub mod items;
