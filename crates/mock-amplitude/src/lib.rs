//! A faithful, scriptable and fast mock of Amplitude's HTTP APIs, for tests and benchmarks.
//!
//! It serves, on one port and whatever the Host, the ingestion endpoints (`/2/httpapi`, `/batch`,
//! `/identify`, `/groupidentify`, `/usermap`) and the dashboard endpoints ampline uses
//! (`/api/2/deletions/users`, `/api/2/usersearch`), answering with Amplitude's documented status
//! codes and bodies (see `shared/docs/amplitude-api.md`, §10 for the checklist this follows).
//!
//! # Shape
//!
//! A request flows through five parts, each knowing nothing of the ones after it:
//!
//! 1. **serving** ([`server`]): accept loop, request IDs, the region a request reached (Amplitude
//!    host name or an `/eu`, `/us` path prefix), the request log;
//! 2. **fault injector** ([`faults`]): scripted failures decided before routing (status codes with
//!    Amplitude, HTML or empty bodies, "ingested anyway" 5xx, latency, dropped connections, a
//!    "down for T" switch) and ID-level ones applied at ingestion (429 for chosen IDs, silenced
//!    devices);
//! 3. **router** ([`routes`]): reads and gunzips bodies, decodes forms, calls validation, renders
//!    replies;
//! 4. **validation** ([`validate`]): pure functions from bytes to a normalized request or the exact
//!    [`Reply`] Amplitude would send — unit-tested without a server;
//! 5. **state store and recorder** ([`store`], [`records`]): what needs memory of earlier requests
//!    (throttling over sliding windows, insert_id de-duplication, the Amplitude IDs deletions and
//!    user search resolve) and what was accepted, queryable through [`MockHandle`] or
//!    `GET /_mock/…` ([`control`]), optionally journaled to a state file ([`journal`]).
//!
//! Any refusal (400, 413, 429) happens before the store keeps anything, so a refused request
//! ingests nothing, as with Amplitude.
//!
//! Time comes from an injectable [`Clock`]: with a [`ManualClock`] a test steps over the 30-second
//! rate window or the 7-day de-duplication window instantly. Every limit is in [`Limits`].
//!
//! API keys are never logged, recorded or written to the state file: records name projects
//! ([`Project::name`]; in open mode a fingerprint of the key).
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use ampline_mock_amplitude::{Config, MockAmplitude, Project, RecordFilter};
//! let mock = MockAmplitude::start(Config::with_projects([Project::new("prod", "KEY")])).await?;
//! // … point the client at mock.base_url(), send events …
//! let arrived = mock.events(&RecordFilter::new().user_id("user-1"));
//! # Ok(()) }
//! ```

pub mod clock;
pub mod config;
pub mod control;
pub mod dedup;
pub mod faults;
pub mod journal;
pub mod ratelimit;
pub mod records;
pub mod reply;
pub mod routes;
pub mod server;
mod shared;
pub mod store;
pub mod validate;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, IndexReporting, Limits, Project, Region};
pub use faults::{FaultBody, FaultCommand, FaultOutcome, FaultRule};
pub use records::{RecordFilter, RecordKind, Recorded, RequestLogEntry};
pub use reply::{Reply, ReplyBody};
pub use server::{MockAmplitude, MockHandle};
pub use store::Totals;
