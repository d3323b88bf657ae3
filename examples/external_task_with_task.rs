//! A worker whose handler takes the payload and the task (its ids, topic, lock, identity): the
//! Python client's second external task example, with the default options.
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run --example external_task_with_task
//! ```
//!
//! The engine is `PROCESS_ENGINE_URL`, else `http://localhost:56000`. Stop it with Ctrl-C or
//! SIGTERM.

use std::convert::Infallible;
use std::future::Future;

use process_engine::external_task::Stats;
use process_engine::{Client, Error, ExternalTask, TaskOptions, Worker, shutdown_signal};
use serde_json::{Value, json};

/// The handler: an async function of the payload and the task. The result names the instance,
/// to show what the task carries.
async fn handler(payload: Value, task: ExternalTask) -> Result<Value, Infallible> {
    tracing::debug!("do some work");
    tracing::info!(%payload, ?task, "payload for task");
    tracing::debug!("some work done");
    Ok(json!({"some": "result", "process_instance_id": task.process_instance_id()}))
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
        .subscribe("SampleExternalTask", handler, TaskOptions::default())
        .build()?;
    Ok(worker.run_until(stop).await?)
}
