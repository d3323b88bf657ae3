//! The worker against the in-process stand-in engine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "tests: they may panic, and print the figures they measure"
)]

mod chaos;
mod delivery;
mod handlers;
mod identity;
mod load;
mod locks;
mod observability;
mod pacing;
mod shutdown;
mod support;

use std::convert::Infallible;
use std::time::Duration;

use process_engine_external_task::{Stats, TaskOptions, WorkerBuilder, WorkerHandle};
use serde_json::Value;
use tokio::task::JoinHandle;

/// Subscribes `worker` to the topic `work` with a handler that answers `result` at once, and
/// long polls of 1 s.
fn answering(worker: WorkerBuilder, result: Value) -> WorkerBuilder {
    worker.subscribe(
        "work",
        move |_: Value| {
            let result = result.clone();
            async move { Ok::<_, Infallible>(result) }
        },
        TaskOptions::default().long_polling_timeout(Duration::from_secs(1)),
    )
}

/// Builds `worker` and runs it on its own tokio task; returns its handle and the run.
fn run(worker: WorkerBuilder) -> (WorkerHandle, JoinHandle<Stats>) {
    let worker = worker.build().unwrap();
    let handle = worker.handle();
    let run = tokio::spawn(worker.run());
    (handle, run)
}
