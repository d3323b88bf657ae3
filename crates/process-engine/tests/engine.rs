//! One transport `Client`, configured once: both handles made from it go through it (its
//! layers, its identity); and the facade's error.
//!
//! Against the stand-in engine, or with `PROCESS_ENGINE_URL` set, against that engine (each test
//! on a model and topic of its own):
//!
//! ```sh
//! PROCESS_ENGINE_URL=http://127.0.0.1:56000 cargo test -p process-engine --all-features --test engine
//! ```

#![allow(
    clippy::unwrap_used,
    reason = "a failed unwrap in a test helper is a failed test"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use process_engine::Client;
use process_engine::prelude::*;
use process_engine::testkit::TestEngine;
use serde_json::{Value, json};
use tower::util::MapRequestLayer;

const HELLO_WORLD: &str = include_str!("../../../samples/bpmn_models/hello_world.bpmn");

/// The engine the tests run against: the one at `PROCESS_ENGINE_URL`, else a stand-in engine
/// started here, which lives as long as the handle returned with its URL.
async fn engine() -> (String, Option<TestEngine>) {
    match std::env::var("PROCESS_ENGINE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let stand_in = TestEngine::builder().start().await.unwrap();
            (stand_in.url().to_owned(), Some(stand_in))
        }
    }
}

/// Deploys `hello_world` under an id of its own, its topic that id too, so that a real engine's
/// earlier instances never reach this test's worker; answers the id.
async fn deploy_own_hello_world(control: &ProcessControlClient) -> String {
    let id = format!("hello_world_{}", unique_suffix());
    let xml = HELLO_WORLD
        .replace("hello_world", &id)
        .replace("SampleExternalTask", &id);
    control.deploy_bpmn(xml).send().await.unwrap();
    id
}

/// Unique enough among the tests of one run and the runs before: the clock's nanoseconds.
fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}")
}

async fn echo(payload: Value) -> Result<Value, BpmnError> {
    Ok(payload)
}

#[tokio::test]
async fn both_clients_call_through_one_transport() {
    let (url, _stand_in) = engine().await;
    let model = deploy_own_hello_world(&ProcessControlClient::new(
        Client::builder(&url).build().unwrap(),
    ))
    .await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let client = Client::builder(&url)
        .attempt_timeout(Duration::from_secs(20))
        .layer(MapRequestLayer::new(
            move |request: http::Request<bytes::Bytes>| {
                counter.fetch_add(1, Ordering::SeqCst);
                request
            },
        ))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), url);

    let control = ProcessControlClient::new(client.clone());
    control.process_models().send().await.unwrap();
    let after_control = calls.load(Ordering::SeqCst);
    assert_eq!(after_control, 1);

    let worker = Worker::builder(client)
        .subscribe(&model, echo, TaskOptions::default())
        .build()
        .unwrap();
    let handle = worker.handle();
    let start = async {
        let result = control
            .start_process_instance(&model, "the_start_event")
            .end_event("the_end_event")
            .callback(StartCallbackType::OnEndEventReached)
            .input(&json!({"echo": 1}))
            .send()
            .await;
        handle.shutdown();
        result
    };
    let (stats, result) = tokio::join!(worker.run_until(std::future::pending()), start);

    assert_eq!(result.unwrap().token_payload, Some(json!({"echo": 1})));
    assert_eq!(stats.unwrap().completed, 1);
    // The start, and the worker's fetch and finish at least, went through the layer.
    assert!(calls.load(Ordering::SeqCst) >= after_control + 3);
}

#[test]
fn a_url_the_transport_cannot_use_is_a_transport_error() {
    fn connect(url: &str) -> Result<Client, process_engine::Error> {
        Ok(Client::builder(url).build()?)
    }
    let error = connect("ftp://engine").unwrap_err();
    let process_engine::Error::Transport(error) = error else {
        panic!("not a transport error: {error:?}");
    };
    assert!(error.is_request(), "{error}");
}

#[test]
fn errors_of_every_layer_convert_with_question_mark() {
    fn subscribe() -> Result<(), process_engine::Error> {
        let client = Client::builder("http://127.0.0.1:1").build()?;
        Worker::builder(client)
            .subscribe("", echo, TaskOptions::default())
            .build()?;
        Ok(())
    }
    let error = subscribe().unwrap_err();
    assert!(
        matches!(error, process_engine::Error::WorkerBuild(_)),
        "{error:?}"
    );
    // The facade adds no text of its own: the layer's message, the layer's source.
    assert_eq!(error.to_string(), "the topic is empty");
}

#[tokio::test]
async fn a_failed_call_reports_its_operation_its_engine_and_its_causes() {
    // Nothing listens on port 1: the connection is refused.
    let url = "http://127.0.0.1:1";
    async fn start(url: &str) -> Result<(), process_engine::Error> {
        let control = ProcessControlClient::new(Client::builder(url).build()?);
        control
            .start_process_instance("hello_world", "the_start_event")
            .send()
            .await?;
        Ok(())
    }
    let error = start(url).await.unwrap_err();

    // What `fn main() -> Result<(), process_engine::Error>` prints after `Error: `.
    let report = format!("{error:?}");
    assert!(
        report.starts_with(
            "start_process_instance: could not connect to the engine at http://127.0.0.1:1\n\nCaused by:\n    "
        ),
        "{report}"
    );
    assert!(!report.contains("Error {"), "{report}");
    // The same questions as the layers' errors, asked of the facade's.
    assert!(error.is_connect() && error.is_retryable() && !error.is_timeout());
    assert!(!error.is_not_found() && error.status().is_none());
    assert_eq!(error.operation(), Some("start_process_instance"));
    assert_eq!(error.base_url(), Some(url));
    // The variant and the layer's error as data, when asked for.
    assert!(
        format!("{error:#?}").starts_with("ProcessControl("),
        "{error:#?}"
    );
}

#[tokio::test]
async fn the_facade_error_answers_for_the_engines_refusals() {
    let (url, _stand_in) = engine().await;
    let control = ProcessControlClient::new(Client::builder(&url).build().unwrap());

    let error: process_engine::Error = control
        .process_model("no_such_model")
        .send()
        .await
        .unwrap_err()
        .into();

    assert!(error.is_not_found() && !error.is_retryable(), "{error:?}");
    assert_eq!(error.status(), Some(404));
    assert_eq!(error.operation(), Some("get_process_model_by_id"));
    assert_eq!(
        format!("{error:?}"),
        format!(
            "get_process_model_by_id at {url}: the engine answered 404: ProcessModel with id no_such_model not found!"
        )
    );
}

/// A worker pointed at a wrong base path ends its run, and `?` makes it the facade's error,
/// whose report names the operation, the URL and what to check.
#[tokio::test]
async fn a_worker_that_cannot_fetch_ends_its_run_with_an_error_saying_what_to_check() {
    let (url, _stand_in) = engine().await;
    let wrong = format!("{url}/engine");
    async fn run(url: &str) -> Result<(), process_engine::Error> {
        let worker = Worker::builder(Client::builder(url).build()?)
            .subscribe("SampleExternalTask", echo, TaskOptions::default())
            .build()?;
        worker.run().await?;
        Ok(())
    }
    let error = tokio::time::timeout(Duration::from_secs(15), run(&wrong))
        .await
        .expect("the run ends on its own")
        .unwrap_err();

    assert!(
        matches!(error, process_engine::Error::WorkerRun(_)),
        "{error:#?}"
    );
    assert!(error.is_not_found() && !error.is_retryable());
    assert_eq!(error.base_url(), Some(wrong.as_str()));
    assert_eq!(
        format!("{error:?}"),
        format!(
            "fetch_and_lock_external_tasks at {wrong}: the worker stopped: the engine has no \
             route to fetch the tasks of topic `SampleExternalTask` from\n\nCaused by:\n    \
             the engine answered 404: Cannot POST /engine/api/external_task/v1/fetch_and_lock: \
             the engine has no such route; check the base URL {wrong}"
        )
    );
}
