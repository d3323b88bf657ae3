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
mod load;
mod locks;
mod observability;
mod pacing;
mod shutdown;
mod support;

use std::convert::Infallible;
use std::time::Duration;

use process_engine_external_task::{ExternalTaskClient, Stats, TaskOptions, WorkerHandle};
use serde_json::Value;
use tokio::task::JoinHandle;

/// Subscribes `worker` to the topic `work` with a handler that answers `result` at once, and
/// long polls of 1 s.
fn answering(mut worker: ExternalTaskClient, result: Value) -> ExternalTaskClient {
    worker
        .subscribe(
            "work",
            move |_: Value| {
                let result = result.clone();
                async move { Ok::<_, Infallible>(result) }
            },
            TaskOptions::default().long_polling_timeout(Duration::from_secs(1)),
        )
        .unwrap();
    worker
}

/// Starts `client` on its own tokio task; returns its handle and the run.
fn run(client: ExternalTaskClient) -> (WorkerHandle, JoinHandle<Stats>) {
    let handle = client.handle();
    let run = tokio::spawn(async move { client.start().await.unwrap() });
    (handle, run)
}
