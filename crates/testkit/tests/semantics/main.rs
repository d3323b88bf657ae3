//! The 8.0.0 core's semantics where a stand-in most easily differs, one module per class, each
//! test written from the engine's source (cited at each test) on models and data of its own.
//! The recordings of `api/recordings` hold the stand-in engine to the same classes on other
//! models; api/semantics.md says it all in prose.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test helper is a failed test"
)]

#[path = "../engine_support/mod.rs"]
mod support;

mod call_activities;
mod check_order;
mod empty_results;
mod form_fields;
mod histories;
mod sub_process_errors;
mod visibility;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use process_engine_api_types::routes;
use process_engine_transport::{Call, Client, Identity};
use serde_json::{Value, json};

use support::json as decode;

/// A one-process document with `body` inside the process `id`.
fn model(id: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="Definitions_{id}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{id}" isExecutable="true">{body}</bpmn:process>
  <bpmn:message id="Message_1" name="{id}_message" />
  <bpmn:error id="Error_1" name="{id}Error" errorCode="E1" />
</bpmn:definitions>"#
    )
}

/// A JSON answer, whatever its shape (the generated types hold what the API description says;
/// these tests read what the engine answers).
async fn get(client: &Client, call: Call) -> Value {
    decode::<Value>(client, call).await.unwrap()
}

/// The status and text of a refused call.
async fn refused(client: &Client, call: Call) -> (u16, String) {
    let error = client.send(call).await.unwrap_err();
    let engine = error.engine_error().unwrap();
    (error.status().unwrap(), engine.message().to_owned())
}

/// Starts `model` with `input` and callback type `callback`, as the raw answer.
async fn start(client: &Client, model: &str, callback: u8, input: Value) -> Value {
    get(client, start_call(model, callback, &input)).await
}

fn start_call(model: &str, callback: u8, input: &Value) -> Call {
    Call::new(&routes::START_PROCESS_INSTANCE)
        .param(model)
        .query(&[("start_callback_type", callback.to_string())])
        .body(&json!({ "inputValues": input }))
        .attempt_timeout(Duration::from_secs(20))
}

/// The token history of a process instance.
async fn history(client: &Client, instance: &str) -> Value {
    get(
        client,
        Call::new(&routes::GET_TOKEN_HISTORY_FOR_PROCESS_INSTANCE).param(instance),
    )
    .await
}

/// `(tokenEventType, payload)` of each entry of `node` in `history`.
fn entries(history: &Value, node: &str) -> Vec<(String, Value)> {
    history[node]
        .as_array()
        .unwrap_or_else(|| panic!("{node} is not in {history}"))
        .iter()
        .map(|entry| {
            (
                entry["tokenEventType"].as_str().unwrap().to_owned(),
                entry["payload"].clone(),
            )
        })
        .collect()
}

/// The `(event, payload)` pairs, written out.
fn events(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
    pairs
        .iter()
        .map(|(event, payload)| ((*event).to_owned(), payload.clone()))
        .collect()
}

/// One correlation as the management API shows it to the development token.
async fn correlation(client: &Client, id: &str) -> Value {
    get(client, Call::new(&routes::GET_CORRELATION_BY_ID).param(id)).await
}

/// Polls `read` until `ready` holds for what it returns; the engine moves instances as
/// requests arrive, so a request of another task may still be on its way.
async fn eventually<F, Fut>(mut read: F, ready: impl Fn(&Value) -> bool) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let mut last = Value::Null;
    for _ in 0..500 {
        last = read().await;
        if ready(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never ready: {last}");
}

/// An unsigned JWT for `sub`, which 8.0.0 takes as that user.
fn user(sub: &str) -> Identity {
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let jwt = format!(
        "{}.{}.",
        part(&json!({"alg": "none", "typ": "JWT"})),
        part(&json!({ "sub": sub }))
    );
    Identity::new(jwt, sub)
}

/// The one external task of `topic`, fetched by worker `w`.
async fn fetch_one(client: &Client, topic: &str) -> Value {
    let tasks = eventually(
        || {
            get(
                client,
                Call::new(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS).body(&json!({
                    "workerId": "w", "topicName": topic, "maxTasks": 1,
                    "longPollingTimeout": 0, "lockDuration": 60_000
                })),
            )
        },
        |tasks| tasks.as_array().is_some_and(|tasks| tasks.len() == 1),
    )
    .await;
    tasks[0].clone()
}

/// Sends `call`, whose answer has no body.
async fn send(client: &Client, call: Call) {
    support::empty(client, call).await.unwrap();
}
