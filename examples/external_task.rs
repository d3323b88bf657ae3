//! A worker whose handler takes the task's payload alone: the Python client's first external
//! task example, subscribed to `SampleExternalTask` with `max_tasks=5`.
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run --example external_task
//! ```
//!
//! The engine is `PROCESS_ENGINE_URL`, else `http://localhost:56000`. Start `hello_world`
//! instances (`cargo run --example start_and_wait`) and watch them finish; stop the worker with
//! Ctrl-C (it finishes what it is doing first). `RUST_LOG=debug` shows each task.

use std::convert::Infallible;
use std::future::Future;

use process_engine::external_task::Stats;
use process_engine::{Client, Error, TaskOptions, Worker, shutdown_signal};
use serde_json::{Value, json};

/// The handler: an async function of the payload. It cannot fail, hence `Infallible`.
async fn handler(payload: Value) -> Result<Value, Infallible> {
    tracing::debug!("do some work");
    tracing::debug!(%payload);
    tracing::debug!("some work done");
    Ok(json!({"some": "result"}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        // Logs go to stderr: stdout is the program's output.
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    let stats = run(&url, shutdown_signal()).await?;
    tracing::info!(?stats, "stopped");
    Ok(())
}

/// Runs the worker until `stop` resolves, then lets running handlers finish.
pub(crate) async fn run(url: &str, stop: impl Future<Output = ()>) -> Result<Stats, Error> {
    let worker = Worker::builder(Client::builder(url).build()?)
        .subscribe(
            "SampleExternalTask",
            handler,
            TaskOptions::default().max_tasks(5),
        )
        .build()?;
    Ok(worker.run_until(stop).await?)
}
