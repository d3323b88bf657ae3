//! The worker against a real HTTP engine: the stand-in engine in-process, or the engine at
//! `PROCESS_ENGINE_URL` (one test at a time, each on models, topics and correlations of its
//! own). Against a real engine, a test that needs what only the stand-in engine has (fault
//! injection, an identity server, the contention model) says on the terminal that it is
//! skipped, and why:
//!
//! ```sh
//! cargo test -p process-engine-external-task --test worker
//! PROCESS_ENGINE_URL=http://127.0.0.1:56000 cargo test -p process-engine-external-task --test worker
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "tests: they may panic, and print the figures they measure"
)]

mod chaos;
mod delivery;
mod failing_fast;
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

/// Subscribes `worker` to `topic` with a handler that answers `result` at once, and long polls
/// of 1 s.
fn answering(worker: WorkerBuilder, topic: &str, result: Value) -> WorkerBuilder {
    worker.subscribe(
        topic,
        move |_: Value| {
            let result = result.clone();
            async move { Ok::<_, Infallible>(result) }
        },
        TaskOptions::default().long_polling_timeout(Duration::from_secs(1)),
    )
}

/// Builds `worker` and runs it on its own tokio task; returns its handle and the run, which
/// panics if the worker stops on an error.
fn run(worker: WorkerBuilder) -> (WorkerHandle, JoinHandle<Stats>) {
    let worker = worker.build().unwrap();
    let handle = worker.handle();
    let run = tokio::spawn(async move {
        match worker.run().await {
            Ok(stats) => stats,
            Err(error) => panic!("the worker stopped on an error: {error:?}"),
        }
    });
    (handle, run)
}
