//! Runs every example against the stand-in engine.
//!
//! Each example keeps its work in a `run` function and its `main` only picks the engine and
//! prints; this test compiles the example files as modules (`#[path]`) and calls `run`, which is
//! what `cargo run --example` would do without starting a cargo process per example.
//! (`test_your_worker` has tests of its own, run by `cargo test` through `test = true`;
//! `worker_ctrl_c` is run by `tests/ctrl_c.rs`, which stops it with a real SIGINT.)

// Helpers unwrap too: a failure there is a failed test with its message.
#![allow(clippy::unwrap_used)]

// Each module's `main` is the example's entry point, not called here.
#[allow(dead_code)]
#[path = "../hello_world.rs"]
mod hello_world;

#[allow(dead_code)]
#[path = "../start_process.rs"]
mod start_process;

#[allow(dead_code)]
#[path = "../start_process_blocking.rs"]
mod start_process_blocking;

#[allow(dead_code)]
#[path = "../start_and_wait.rs"]
mod start_and_wait;

#[allow(dead_code)]
#[path = "../external_task.rs"]
mod external_task;

#[allow(dead_code)]
#[path = "../external_task_with_task.rs"]
mod external_task_with_task;

#[allow(dead_code)]
#[path = "../answer_user_task.rs"]
mod answer_user_task;

#[allow(dead_code)]
#[path = "../message_event.rs"]
mod message_event;

#[allow(dead_code)]
#[path = "../custom_layer.rs"]
mod custom_layer;

#[allow(dead_code)]
#[path = "../typed_payload.rs"]
mod typed_payload;

#[allow(dead_code)]
#[path = "../client_credentials.rs"]
mod client_credentials;

#[allow(dead_code)]
#[path = "../blocking_client.rs"]
mod blocking_client;

#[allow(dead_code)]
#[path = "../watch_events.rs"]
mod watch_events;

use std::future::Future;
use std::pin::Pin;

use process_engine::external_task::Stats;
use process_engine::testkit::TestEngine;
use process_engine::{Client, ProcessControlClient};
use serde_json::json;
use tokio::sync::oneshot;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/bpmn_models");

/// The stand-in engine with the samples deployed, as `cargo run -p process-engine-testkit --
/// --deploy samples/bpmn_models` serves them.
async fn engine_with_samples() -> TestEngine {
    TestEngine::builder().deploy(SAMPLES).start().await.unwrap()
}

/// What a worker example's `run` waits on before it drains and stops.
type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs a worker example (`run(url, stop)`) while `work` runs, stops it when `work` is done
/// (whatever its outcome), and answers both outcomes.
async fn with_worker<W, F, T>(
    worker: impl FnOnce(Stop) -> W,
    work: F,
) -> (Result<Stats, process_engine::Error>, T)
where
    W: Future<Output = Result<Stats, process_engine::Error>>,
    F: Future<Output = T>,
{
    let (stop, stopped) = oneshot::channel::<()>();
    let worker = worker(Box::pin(async move {
        // A dropped sender stops the worker too.
        let _ = stopped.await;
    }));
    let work = async {
        let outcome = work.await;
        let _ = stop.send(());
        outcome
    };
    tokio::join!(worker, work)
}

#[tokio::test]
async fn hello_world_prints_the_workers_result() {
    let engine = TestEngine::builder().start().await.unwrap();

    // The example deploys the model itself.
    let result = hello_world::run(engine.url()).await.unwrap();

    assert_eq!(result.end_event_id.as_deref(), Some("the_end_event"));
    assert_eq!(result.token_payload, Some(json!({"some": "result"})));
    assert!(!result.correlation_id.is_empty());
    assert!(!result.process_instance_id.is_empty());
    engine.shutdown().await;
}

#[tokio::test]
async fn start_process_answers_when_the_instance_exists() {
    let engine = engine_with_samples().await;

    let started = start_process::run(engine.url()).await.unwrap();

    // No worker runs: the instance waits at its external task, unfinished.
    assert!(started.end_event_id.is_none());
    let client = ProcessControlClient::new(Client::builder(engine.url()).build().unwrap());
    let results = client
        .process_results(&started.correlation_id, "hello_world")
        .send()
        .await
        .unwrap();
    assert!(results.is_empty(), "{results:?}");
    engine.shutdown().await;
}

#[tokio::test]
async fn start_and_wait_with_the_external_task_worker() {
    let engine = engine_with_samples().await;
    let url = engine.url().to_owned();

    let (stats, result) = with_worker(
        |stop| external_task::run(&url, stop),
        start_and_wait::run(&url),
    )
    .await;

    let result = result.unwrap();
    assert_eq!(result.end_event_id.as_deref(), Some("the_end_event"));
    assert_eq!(result.token_payload, Some(json!({"some": "result"})));
    assert_eq!(stats.unwrap().completed, 1);
    engine.shutdown().await;
}

#[tokio::test]
async fn start_and_wait_with_the_external_task_with_task_worker() {
    let engine = engine_with_samples().await;
    let url = engine.url().to_owned();

    let (stats, result) = with_worker(
        |stop| external_task_with_task::run(&url, stop),
        start_and_wait::run(&url),
    )
    .await;

    let result = result.unwrap();
    assert_eq!(
        result.token_payload,
        Some(json!({"some": "result", "process_instance_id": result.process_instance_id}))
    );
    assert_eq!(stats.unwrap().completed, 1);
    engine.shutdown().await;
}

#[tokio::test]
async fn answer_user_task_makes_the_answer_the_result() {
    let engine = TestEngine::builder().start().await.unwrap();

    let result = answer_user_task::run(engine.url()).await.unwrap();

    assert_eq!(
        result,
        json!({"form_fields": {
            "approved": true,
            "priority": "urgent",
            "comment": "answered from code",
        }})
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn message_event_makes_the_message_the_result() {
    let engine = TestEngine::builder().start().await.unwrap();

    let result = message_event::run(engine.url()).await.unwrap();

    assert_eq!(result, json!({"paid": true}));
    engine.shutdown().await;
}

#[tokio::test]
async fn custom_layer_sees_each_call_once() {
    let engine = engine_with_samples().await;

    let counts = custom_layer::run(engine.url()).await.unwrap();

    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.values().sum::<u64>(), 3, "{counts:?}");
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert!(counts.values().any(|&calls| calls == 2), "{counts:?}");
    engine.shutdown().await;
}

#[tokio::test]
async fn typed_payload_round_trips_the_structs() {
    let engine = TestEngine::builder().start().await.unwrap();

    let small = typed_payload::run(
        engine.url(),
        typed_payload::Order {
            id: 7,
            amount: 2_500,
        },
    )
    .await
    .unwrap();
    let large = typed_payload::run(
        engine.url(),
        typed_payload::Order {
            id: 8,
            amount: 20_000,
        },
    )
    .await
    .unwrap();

    assert_eq!(
        small,
        typed_payload::Checked {
            id: 7,
            approved: true
        }
    );
    assert_eq!(
        large,
        typed_payload::Checked {
            id: 8,
            approved: false
        }
    );
    engine.shutdown().await;
}

#[test]
fn blocking_client_reaches_the_end_event_of_each_amount() {
    // The blocking client refuses to run inside an async runtime: the engine gets a runtime of
    // its own, and the example runs on this plain thread.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engine = runtime.block_on(TestEngine::builder().start()).unwrap();

    let ends = blocking_client::run(engine.url()).unwrap();

    assert_eq!(
        ends,
        vec![
            (2_500, "the_approval_needed_end_event".to_owned()),
            (40, "the_accepted_end_event".to_owned()),
        ]
    );
    runtime.block_on(engine.shutdown());
}

#[test]
fn start_process_blocking_waits_for_the_end_event() {
    // The engine and the worker run on a runtime of their own; the blocking example runs on
    // this plain thread, as in its `fn main`.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engine = runtime.block_on(engine_with_samples());
    let url = engine.url().to_owned();
    let (stop, stopped) = oneshot::channel::<()>();
    let worker_url = url.clone();
    let worker = runtime.spawn(async move {
        let stop = async move {
            // A dropped sender stops the worker too.
            let _ = stopped.await;
        };
        external_task::run(&worker_url, stop).await
    });

    let result = start_process_blocking::run(&url).unwrap();
    let _ = stop.send(());

    assert_eq!(result.end_event_id.as_deref(), Some("the_end_event"));
    assert_eq!(result.token_payload, Some(json!({"some": "result"})));
    let stats = runtime.block_on(worker).unwrap().unwrap();
    assert_eq!(stats.completed, 1);
    runtime.block_on(engine.shutdown());
}

#[tokio::test]
async fn client_credentials_calls_as_the_authoritys_client() {
    // The engine refuses every token its authority did not issue, the development one too.
    let engine = TestEngine::builder()
        .authority(
            process_engine::testkit::TestAuthority::new()
                .client("example-client", "example-secret")
                .guard_engine(),
        )
        .start()
        .await
        .unwrap();
    let credentials =
        process_engine::transport::ClientCredentials::new("example-client", "example-secret");

    let result = client_credentials::run(engine.url(), credentials)
        .await
        .unwrap();

    assert_eq!(result.end_event_id.as_deref(), Some("the_end_event"));
    assert_eq!(result.token_payload, Some(json!({"some": "result"})));
    let authority = engine.authority().unwrap();
    // One token for the deployment, the worker and the start.
    assert_eq!((authority.grants(), authority.refused_calls()), (1, 0));
    engine.shutdown().await;
}

#[tokio::test]
async fn watch_events_prints_each_event_of_the_instance_as_it_runs() {
    let engine = TestEngine::builder().start().await.unwrap();

    let printed = watch_events::run(engine.url()).await.unwrap();

    let kinds: Vec<&str> = printed
        .iter()
        .map(|line| line.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "process_started",
            "user_task_waiting",
            "user_task_finished",
            "process_ended"
        ],
        "{printed:#?}"
    );
    assert!(printed[0].contains(r#"{"order":4711}"#), "{}", printed[0]);
    assert!(printed[2].contains(r#""approved":true"#), "{}", printed[2]);
    engine.shutdown().await;
}
