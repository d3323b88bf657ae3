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
mod shutdown;
mod support;

use process_engine_external_task::{ExternalTaskClient, Stats, WorkerHandle};
use tokio::task::JoinHandle;

/// Starts `client` on its own tokio task; returns its handle and the run.
fn run(client: ExternalTaskClient) -> (WorkerHandle, JoinHandle<Stats>) {
    let handle = client.handle();
    let run = tokio::spawn(async move { client.start().await.unwrap() });
    (handle, run)
}
