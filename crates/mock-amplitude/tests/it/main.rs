//! Integration tests over loopback HTTP: every rule of the mock, as a client sees it.

mod dashboard;
mod faults;
mod forms;
mod ingestion;
mod limits;
mod recorder;
mod state_file;
mod util;
