//! Testing your own worker against the stand-in engine: the tests at the bottom of this file
//! start it in-process, deploy the process the worker serves, run the worker, start an
//! instance and check what the process got. `cargo test --example test_your_worker` runs them.
//!
//! In your crate: `process-engine = { version = "…", features = ["testkit"] }` in
//! `[dev-dependencies]`, and `process_engine::testkit::TestEngine`, as here.
//!
//! ```sh
//! cargo test --example test_your_worker
//! ```

use std::time::Duration;

use process_engine::prelude::*;
use process_engine::{Client, Error};
use serde_json::{Value, json};

/// The worker under test: greets whoever the payload names.
async fn greet(payload: Value) -> Result<Value, BpmnError> {
    match payload["name"].as_str() {
        Some(name) => Ok(json!({"greeting": format!("hello, {name}")})),
        None => Err(BpmnError::new("NoName", "the payload names nobody")),
    }
}

/// Builds the worker as the application does, so that the tests test the real thing.
fn worker(client: &Client) -> Result<Worker, Error> {
    let worker = Worker::builder(client.clone())
        // Tests should not wait 30 s for a handler that hangs.
        .shutdown_timeout(Duration::from_secs(5));
    Ok(worker
        .subscribe("SampleExternalTask", greet, TaskOptions::default())
        .build()?)
}

#[cfg_attr(test, allow(dead_code))] // Under `cargo test` the tests below run instead.
#[tokio::main]
async fn main() -> Result<(), Error> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    let stats = worker(&Client::builder(&url).build()?)?
        .run_until(shutdown_signal())
        .await?;
    tracing::info!(?stats, "stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use process_engine::process_control::ErrorKind;
    use process_engine::testkit::TestEngine;

    use super::*;

    /// The stand-in engine, in this process on a free port, with the process the worker serves.
    async fn stand_in() -> TestEngine {
        let engine = TestEngine::builder().start().await.unwrap();
        engine
            .deploy_file(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../samples/bpmn_models/hello_world.bpmn"
            ))
            .await
            .unwrap();
        engine
    }

    /// Starts `hello_world` with `input` while the worker runs; stops the worker after.
    async fn start_with(
        client: &Client,
        input: Value,
    ) -> Result<process_engine::types::models::ProcessStartResponse, process_engine::Error> {
        let worker = worker(client)?;
        let handle = worker.handle();
        let start = async {
            let result = ProcessControlClient::new(client.clone())
                .start_process_instance("hello_world", "the_start_event")
                .end_event("the_end_event")
                .input(&input)
                .wait_limit(Duration::from_secs(30))
                .send()
                .await;
            handle.shutdown();
            result
        };
        let (stats, result) = tokio::join!(worker.run_until(std::future::pending()), start);
        stats?;
        Ok(result?)
    }

    #[tokio::test]
    async fn the_worker_greets_by_name() {
        let stand_in = stand_in().await;
        let client = Client::builder(stand_in.url()).build().unwrap();

        let result = start_with(&client, json!({"name": "Ada"})).await.unwrap();

        assert_eq!(result.end_event_id.as_deref(), Some("the_end_event"));
        assert_eq!(
            result.token_payload,
            Some(json!({"greeting": "hello, Ada"}))
        );
        stand_in.shutdown().await;
    }

    #[tokio::test]
    async fn a_nameless_payload_ends_the_instance_with_the_bpmn_error() {
        let stand_in = stand_in().await;
        let client = Client::builder(stand_in.url()).build().unwrap();

        let error = start_with(&client, json!({})).await.unwrap_err();

        // hello_world has no error boundary event: the BPMN error fails the instance, and the
        // waiting start gets the engine's answer, which names the code.
        let process_engine::Error::ProcessControl(error) = error else {
            panic!("not a process-control error: {error}");
        };
        assert_eq!(error.kind(), ErrorKind::InstanceFailed, "{error}");
        assert!(
            error.message().is_some_and(|m| m.contains("NoName")),
            "{error}"
        );
        stand_in.shutdown().await;
    }
}
