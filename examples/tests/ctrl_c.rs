//! The `worker_ctrl_c` example's worker, stopped by a real SIGINT (what Ctrl-C in a terminal
//! sends) to this test process: the running handler finishes and its result reaches the engine.
//!
//! A binary of its own, because the signal reaches every `shutdown_signal()` of the process:
//! in `tests/examples.rs` it would stop the other examples' workers too.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    reason = "a failed unwrap in a test is a failed test"
)]

// `main` is the example's entry point, not called here.
#[allow(dead_code)]
#[path = "../worker_ctrl_c.rs"]
mod worker_ctrl_c;

use std::time::Duration;

use process_engine::testkit::TestEngine;
use process_engine::{Client, ProcessControlClient, shutdown_signal};
use serde_json::json;

const HELLO_WORLD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../samples/bpmn_models/hello_world.bpmn"
);

#[tokio::test]
async fn sigint_drains_the_worker() {
    let engine = TestEngine::builder()
        .deploy(HELLO_WORLD)
        .start()
        .await
        .unwrap();
    let client = ProcessControlClient::new(Client::builder(engine.url()).build().unwrap());
    let started = client
        .start_process_instance("hello_world", "the_start_event")
        .input(&json!({"n": 2}))
        .send()
        .await
        .unwrap();

    let worker = worker_ctrl_c::worker(engine.url()).unwrap();
    let handle = worker.handle();
    // `shutdown_signal` installs its handlers when the run first polls it, before any fetch
    // can have come back: once a task is fetched, a SIGINT no longer ends the process.
    let run = tokio::spawn(worker.run_until(shutdown_signal()));
    tokio::time::timeout(Duration::from_secs(30), async {
        while handle.stats().fetched == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the worker fetches the task");

    let kill = std::process::Command::new("kill")
        .args(["-INT", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let stats = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the worker stops after the signal")
        .unwrap()
        .unwrap();

    assert_eq!(stats.completed, 1, "{stats:?}");
    assert_eq!(stats.abandoned, 0, "{stats:?}");
    let results = client
        .process_results(&started.correlation_id, "hello_world")
        .send()
        .await
        .unwrap();
    assert_eq!(
        results[0].token_payload,
        json!({"some": "result", "input": {"n": 2}})
    );
    engine.shutdown().await;
}
