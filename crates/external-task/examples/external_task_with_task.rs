//! The Python client's second external task example, in Rust: a handler of the payload and the
//! task, subscribed to `SampleExternalTask` with the default options.
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # the engine, port 56000
//! cargo run -p process-engine-external-task --example external_task_with_task
//! ```
//!
//! The engine's URL is the first argument, else `PROCESS_ENGINE_URL`, else
//! `http://localhost:56000`. Stop the worker with Ctrl-C or SIGTERM.

use std::convert::Infallible;

use process_engine_external_task::{Client, ExternalTask, TaskOptions, Worker, shutdown_signal};
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

async fn handler(payload: Value, task: ExternalTask) -> Result<Value, Infallible> {
    tracing::debug!("do some work");
    tracing::info!(%payload, ?task, "payload for task");
    tracing::debug!("some work done");
    Ok(json!({"some": "result"}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PROCESS_ENGINE_URL").ok())
        .unwrap_or_else(|| "http://localhost:56000".to_owned());

    let worker = Worker::builder(Client::builder(&url).build()?)
        .subscribe("SampleExternalTask", handler, TaskOptions::default())
        .build()?;
    let stats = worker.run_until(shutdown_signal()).await;
    tracing::info!(?stats, "stopped");
    Ok(())
}
