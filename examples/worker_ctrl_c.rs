//! A worker that stops gracefully on Ctrl-C (or SIGTERM, as `docker stop` and Kubernetes send):
//! fetching stops at once, handlers that are running finish and their results reach the
//! engine, up to a shutdown timeout; what still runs then is reported as a service error so
//! that the engine does not wait for its lock to run out.
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run --example worker_ctrl_c        # then start instances, then press Ctrl-C
//! ```

use std::time::Duration;

use process_engine::external_task::ShutdownTimeoutAction;
use process_engine::{Client, Error, TaskOptions, Worker, shutdown_signal};
use serde_json::{Value, json};

/// A handler that takes a while, so that a shutdown finds it running.
async fn slow_work(payload: Value) -> Result<Value, std::io::Error> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(json!({"some": "result", "input": payload}))
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
    let worker = worker(&url)?;
    let handle = worker.handle();
    let stats = worker
        .run_until(async {
            // Resolves on the first Ctrl-C or SIGTERM.
            shutdown_signal().await;
            tracing::info!(
                in_flight = handle.stats().in_flight,
                "stopping: no more fetches, waiting for running handlers"
            );
        })
        .await?;
    tracing::info!(
        completed = stats.completed,
        abandoned = stats.abandoned,
        "stopped"
    );
    Ok(())
}

/// The worker, configured for its shutdown.
pub(crate) fn worker(url: &str) -> Result<Worker, Error> {
    let worker = Worker::builder(Client::builder(url).build()?)
        // Handlers get 10 s after the signal to finish and deliver.
        .shutdown_timeout(Duration::from_secs(10))
        // Those still running then are ended with a service error, not left to their lock.
        .on_shutdown_timeout(ShutdownTimeoutAction::ReportServiceError);
    Ok(worker
        .subscribe("SampleExternalTask", slow_work, TaskOptions::default())
        .build()?)
}
