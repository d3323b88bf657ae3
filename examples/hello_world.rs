//! Hello world: deploy a process, do its external task with a worker, start it and wait for
//! its result. The first program to copy.
//!
//! ```sh
//! cargo run --example hello_world                                            # a stand-in engine in this process
//! PROCESS_ENGINE_URL=http://localhost:56000 cargo run --example hello_world  # your engine
//! ```
//!
//! The process (`samples/bpmn_models/hello_world.bpmn`): `the_start_event` → an external task
//! on topic `SampleExternalTask` → `the_end_event`. The worker's result becomes the process
//! result.
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::Duration;

use process_engine::Client;
use process_engine::prelude::*;
use process_engine::testkit::TestEngine;
use process_engine::types::models::ProcessStartResponse;
use serde_json::{Value, json};

/// The process model, built into the program so that it runs from any directory.
const HELLO_WORLD: &str = include_str!("../samples/bpmn_models/hello_world.bpmn");

/// Does the external task: its payload (the process's input) in, its result out.
async fn say_hello(payload: Value) -> Result<Value, BpmnError> {
    tracing::info!(%payload, "doing the external task");
    Ok(json!({"some": "result"}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        // Logs go to stderr: stdout is the program's output.
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    // Your engine if `PROCESS_ENGINE_URL` names one, else the stand-in engine, in this process.
    let (url, stand_in) = match std::env::var("PROCESS_ENGINE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let engine = TestEngine::builder().start().await?;
            println!("started a stand-in engine at {}", engine.url());
            (engine.url().to_owned(), Some(engine))
        }
    };

    let result = run(&url).await?;
    println!("correlation id:      {}", result.correlation_id);
    println!("process instance id: {}", result.process_instance_id);
    println!(
        "result payload:      {}",
        result.token_payload.unwrap_or(Value::Null)
    );

    if let Some(engine) = stand_in {
        engine.shutdown().await;
    }
    Ok(())
}

/// Deploys `hello_world`, runs a worker for its external task, starts an instance and waits
/// until it reaches `the_end_event`, then stops the worker gracefully.
pub(crate) async fn run(url: &str) -> Result<ProcessStartResponse, process_engine::Error> {
    // One transport client: both handles share its connection pool and identity.
    let client = Client::builder(url).build()?;
    let control = ProcessControlClient::new(client.clone());

    // Overwrite: running the example twice against the same engine is fine.
    control
        .deploy_bpmn(HELLO_WORLD)
        .overwrite(true)
        .send()
        .await?;

    let worker = Worker::builder(client)
        .subscribe("SampleExternalTask", say_hello, TaskOptions::default())
        .build()?;
    let worker_handle = worker.handle();

    // Start and wait for `the_end_event`; stop the worker when the start has its answer,
    // whatever it is. A start never waits for ever: the client's wait limit ends it.
    let start = async {
        let result = control
            .start_process_instance("hello_world", "the_start_event")
            .end_event("the_end_event")
            .input(&json!({"greeting": "hello, world"}))
            .wait_limit(Duration::from_secs(60))
            .send()
            .await;
        worker_handle.shutdown();
        result
    };
    // The worker runs until it is shut down (or Ctrl-C), then finishes what it holds.
    let (stats, result) = tokio::join!(worker.run_until(shutdown_signal()), start);
    stats?;
    Ok(result?)
}
