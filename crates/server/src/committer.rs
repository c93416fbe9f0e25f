//! The committer task: settled events → their routed mark, with whatever Amplitude did not take
//! stored beside it, in one queue transaction per wake-up (see [`crate::inflight`]).

use crate::AppState;
use ampline_queue::{Error, Queue};
use std::sync::Arc;
use std::time::Duration;

/// Polling interval when nothing wakes the committer, and the pause after a failed commit.
const IDLE_POLL: Duration = Duration::from_millis(500);

pub async fn run_committer(state: AppState) {
    loop {
        let woken = state.inflight.settled.notified();
        // Asked before taking: once nothing can be settled any more, what is taken is the last.
        let done = state.is_done_settling();
        let settled = state.inflight.take_settled();
        if settled.is_empty() {
            if done {
                return;
            }
            let _ = tokio::time::timeout(IDLE_POLL, woken).await;
            continue;
        }
        let stored_something = !settled.pending.is_empty() || !settled.failed.is_empty();
        let queue = Arc::clone(&state.queue);
        let attempt = settled.clone();
        let committed = tokio::task::spawn_blocking(move || queue.commit_settled(attempt)).await;
        match committed {
            Ok(Ok(())) => {
                state.inflight.room.notify_one();
                if stored_something {
                    // A hold or retry may be due soon: the sender reads the queue again.
                    state.routed.notify_one();
                }
            }
            Ok(Err(error @ (Error::Storage(_) | Error::Closed))) => {
                tracing::error!(%error, "committing routed events failed; retrying");
                state.inflight.restore_settled(settled);
                tokio::time::sleep(IDLE_POLL).await;
            }
            Ok(Err(error)) => {
                // The queue refused the marks as a whole (an event it does not hold as
                // unrouted), which retrying cannot change. The events stay unrouted, so the
                // next start routes them again; Amplitude drops what already arrived.
                tracing::error!(%error, events = settled.events.len(), "routed events could not be marked; they are routed again at the next start");
            }
            Err(error) => {
                tracing::error!(%error, "commit task failed; retrying");
                state.inflight.restore_settled(settled);
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}
