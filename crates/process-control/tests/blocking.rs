//! The blocking client (cargo feature `blocking`) in plain `fn` tests: the engine runs on a
//! runtime of the test's own, the client on its own runtime, as in a `fn main` program. With
//! `PROCESS_ENGINE_URL` set, against that engine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test is a failed test"
)]

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use process_engine_api_types::models::UserTask;
use process_engine_process_control::blocking::ProcessControlClient;
use process_engine_process_control::{Client, ErrorKind, StartCallbackType, TaskScope};
use process_engine_testkit::TestEngine;
use serde_json::json;

const USER_TASK: &str = include_str!("models/pc_user_task.bpmn");

/// A real engine stalls under concurrent writes (API.md 12.3): tests take turns on it.
static SERIAL: Mutex<()> = Mutex::new(());

/// What a test holds while it runs: its turn on a real engine, or the stand-in engine and the
/// runtime it runs on.
enum Engine {
    Real(#[allow(dead_code, reason = "held, not read")] MutexGuard<'static, ()>),
    StandIn(
        #[allow(dead_code, reason = "held, not read")] tokio::runtime::Runtime,
        #[allow(dead_code, reason = "held, not read")] TestEngine,
    ),
}

/// The engine's URL, and what keeps it to the test until the test ends.
fn engine() -> (String, Engine) {
    if let Ok(url) = std::env::var("PROCESS_ENGINE_URL") {
        // A test that failed while holding the turn poisons the lock; the turn is still free.
        let turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        return (url, Engine::Real(turn));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let engine = runtime.block_on(TestEngine::builder().start()).unwrap();
    (engine.url().to_owned(), Engine::StandIn(runtime, engine))
}

/// A blocking client of the engine at `url`.
fn client(url: &str) -> ProcessControlClient {
    ProcessControlClient::new(Client::builder(url).build().unwrap()).unwrap()
}

fn unique_model(client: &ProcessControlClient) -> String {
    let id = format!("pc_user_task_{}", uuid::Uuid::new_v4().simple());
    let deployed = client
        .call(|control| {
            control
                .deploy_bpmn(USER_TASK.replace("pc_user_task", &id))
                .send()
        })
        .unwrap();
    assert_eq!(deployed, id);
    id
}

/// The user tasks waiting in `correlation`, once there is one: 8.0.0 answers a start before
/// its instance reaches its first task. Fails the test after 20 s.
fn some_user_tasks(client: &ProcessControlClient, correlation: &str) -> Vec<UserTask> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let tasks = client
            .call(|control| {
                control
                    .user_tasks(TaskScope::correlation(correlation))
                    .send()
            })
            .unwrap()
            .user_tasks;
        if !tasks.is_empty() {
            return tasks;
        }
        assert!(Instant::now() < deadline, "no user task in {correlation}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_python_readme_translates_line_by_line() {
    let (url, _engine) = engine();
    let client = client(&url);
    let model = unique_model(&client);

    let result = client
        .call(|control| {
            control
                .start_process_instance(&model, "start")
                .input(&json!({"customer": "ACME"}))
                .send()
        })
        .unwrap();
    let tasks = some_user_tasks(&client, &result.correlation_id);
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].token_payload, json!({"customer": "ACME"}));
    client
        .call(|control| {
            control
                .finish_user_task(&tasks[0])
                .answer(&json!({"first_name": "Ada"}))
                .send()
        })
        .unwrap();
    let results = client
        .call(|control| {
            control
                .wait_for_result(&result.correlation_id, &model)
                .send()
        })
        .unwrap();
    assert_eq!(
        results[0].token_payload,
        json!({"form_fields": {"first_name": "Ada"}})
    );
}

#[test]
fn a_blocking_start_hits_its_limit() {
    let (url, _engine) = engine();
    let client = client(&url).with_wait_limit(Duration::from_millis(300));
    assert_eq!(client.wait_limit(), Duration::from_millis(300));
    let model = unique_model(&client);
    let correlation = format!("blocking-limit-{}", uuid::Uuid::new_v4());
    let error = client
        .call(|control| {
            control
                .start_process_instance(&model, "start")
                .correlation_id(&correlation)
                .callback(StartCallbackType::OnProcessInstanceFinished)
                .send()
        })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WaitLimitPassed);
    assert_eq!(error.correlation_id(), Some(correlation.as_str()));
}

#[test]
fn inside_an_async_runtime_it_fails_instead_of_blocking_it() {
    let (url, _engine) = engine();
    let client = client(&url);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let error = runtime
        .block_on(async { client.call(|control| control.process_models().send()) })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Other);
    assert!(
        error.to_string().contains("inside an async runtime"),
        "{error}"
    );
    // Outside, the same client works, and dropping it anywhere does not panic.
    assert!(client.call(|control| control.server_info().send()).is_ok());
    runtime.block_on(async move { drop(client) });
}
