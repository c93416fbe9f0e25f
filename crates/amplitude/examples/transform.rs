//! The whole per-event transform of an action (default trigger → default mapping → validation →
//! perform, no network), timed in-process over events read from standard input, one JSON event
//! per line.
//! `conformance/bench/run.mjs` runs it on the same events as Segment's reference, side by side.
//!
//!   transform [ACTION] [ROUNDS] [PASSES] < events.ndjson
//!
//! ACTION is an action id (default `logEventV2`), ROUNDS the number of timed rounds (default 3),
//! each of PASSES passes over all events (default 1), after one untimed warm-up pass.
//!
//! The side-by-side harness picks PASSES so that a round lasts about as long as a round of the
//! reference: rounds of a few milliseconds would each catch the machine quiet or busy, while the
//! reference's rounds of seconds average that out.
//!
//! Warming up matters: a server runs warm (user-agent cache filled, allocator pools and pages in
//! place), and the reference's harness warms its JIT the same way before it measures. The first
//! pass of a fresh process is about half as fast.
//!
//! Prints one JSON line: `{"events":N,"best_events_per_sec":X,"requests":R}`, where N is the
//! events transformed in a round (events × PASSES) and R the requests they made.
//! The events are parsed before the clock starts: JSON parsing is not part of the transform.
//! Each call gets a fresh copy of its event, made before the clock starts, as the reference's
//! harness gives each call a `structuredClone`: the transform runs on an event just made, as in
//! the server, where it follows the parse.

use ampline_amplitude::{run, Action, Region, Settings};
use ampline_fql::Trigger;
use ampline_useragent::UserAgentCache;
use serde_json::Value;
use std::io::BufRead;
use std::process::ExitCode;
use std::time::{Duration, Instant};

// The allocator of the `ampline` binary, so the numbers are the product's.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let action_id = args.next().unwrap_or_else(|| "logEventV2".to_owned());
    let Some(action) = Action::ALL.into_iter().find(|a| a.id() == action_id) else {
        eprintln!("transform: unknown action {action_id:?}");
        return ExitCode::FAILURE;
    };
    let mut count = |name: &str, default: usize| match args.next().map(|r| r.parse()) {
        None => Ok(default),
        Some(Ok(count)) if count > 0 => Ok(count),
        Some(_) => Err(format!("transform: {name} must be a positive integer")),
    };
    let (rounds, passes) = match (count("ROUNDS", 3), count("PASSES", 1)) {
        (Ok(rounds), Ok(passes)) => (rounds, passes),
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let mut events = Vec::new();
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let parsed = line
            .map_err(|e| e.to_string())
            .and_then(|l| serde_json::from_str::<Value>(&l).map_err(|e| e.to_string()));
        match parsed {
            Ok(event) => events.push(event),
            Err(error) => {
                eprintln!("transform: line {}: {error}", index + 1);
                return ExitCode::FAILURE;
            }
        }
    }
    if events.is_empty() {
        eprintln!("transform: no events on standard input");
        return ExitCode::FAILURE;
    }
    let trigger = match Trigger::parse(action.default_trigger()) {
        Ok(trigger) => trigger,
        Err(error) => {
            eprintln!("transform: the default trigger does not parse: {error}");
            return ExitCode::FAILURE;
        }
    };
    let settings = Settings::new("api-key", "secret-key", Region::NorthAmerica);
    let mut cache = UserAgentCache::new(1024);
    let mut best = 0.0f64;
    let mut requests = 0;
    for round in 0..=rounds {
        let warming_up = round == 0;
        requests = 0;
        let mut elapsed = Duration::ZERO;
        let passes = if warming_up { 1 } else { passes };
        for event in (0..passes).flat_map(|_| &events) {
            let event = event.clone();
            let started = Instant::now();
            if trigger.matches(&event) {
                match run(action, &event, None, &settings, Some(&mut cache)) {
                    Ok(made) => requests += made.len(),
                    Err(error) => {
                        eprintln!("transform: an event was rejected: {error}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            elapsed += started.elapsed();
            // Dropping the copy is not part of the transform either.
            drop(event);
        }
        if !warming_up {
            let per_sec = (events.len() * passes) as f64 / elapsed.as_secs_f64();
            best = best.max(per_sec);
        }
    }
    println!(
        "{}",
        serde_json::json!({"events": events.len() * passes, "best_events_per_sec": best.round(), "requests": requests})
    );
    ExitCode::SUCCESS
}
