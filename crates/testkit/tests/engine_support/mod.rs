//! Helpers the engine tests share: an engine with models, starts and fetches over HTTP.

#![allow(
    dead_code,
    reason = "each test crate that includes this module uses a part of it"
)]

use std::time::Duration;

use process_engine_api_types::models::{
    ExternalTaskList, FetchAndLockRequest, ProcessStartRequest, ProcessStartResponse,
    StartCallbackType, StartProcessInstanceQuery,
};
use process_engine_api_types::routes;
use process_engine_testkit::TestEngine;
use process_engine_transport::{Call, Client, RetryConfig};
use serde_json::Value;

/// Sends `call` and decodes the answer as `T`.
pub(crate) async fn json<T: serde::de::DeserializeOwned>(
    client: &Client,
    call: Call,
) -> Result<T, process_engine_transport::Error> {
    let answer = client.send(call).await?;
    process_engine_api_types::operation::decode_json(answer.body())
        .map_err(process_engine_transport::Error::from_decode_error)
}

/// Sends `call` and ignores the answer's body.
pub(crate) async fn empty(
    client: &Client,
    call: Call,
) -> Result<(), process_engine_transport::Error> {
    client.send(call).await.map(drop)
}

pub(crate) async fn engine(models: &[&str]) -> (TestEngine, Client) {
    let engine = TestEngine::builder().start().await.unwrap();
    for xml in models {
        engine.deploy_xml(xml).await.unwrap();
    }
    let client = Client::builder(engine.url())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    (engine, client)
}

pub(crate) async fn start(
    client: &Client,
    model: &str,
    callback: StartCallbackType,
    input: Value,
) -> ProcessStartResponse {
    try_start(client, model, callback, input).await.unwrap()
}

pub(crate) async fn try_start(
    client: &Client,
    model: &str,
    callback: StartCallbackType,
    input: Value,
) -> Result<ProcessStartResponse, process_engine_transport::Error> {
    let mut query = StartProcessInstanceQuery::default();
    query.start_callback_type = Some(callback);
    let mut body = ProcessStartRequest::default();
    body.input_values = Some(input);
    let call = Call::new(&routes::START_PROCESS_INSTANCE)
        .param(model)
        .query(&query)
        .body(&body)
        .attempt_timeout(Duration::from_secs(30));
    json(client, call).await
}

pub(crate) async fn fetch(
    client: &Client,
    worker: &str,
    topic: &str,
    max: u64,
    poll_ms: u64,
    lock_ms: u64,
) -> ExternalTaskList {
    let mut body = FetchAndLockRequest::default();
    body.worker_id = worker.to_owned();
    body.topic_name = topic.to_owned();
    body.max_tasks = Some(max);
    body.long_polling_timeout = Some(poll_ms);
    body.lock_duration = Some(lock_ms);
    let call = Call::new(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS)
        .body(&body)
        .attempt_timeout(Duration::from_millis(poll_ms) + Duration::from_secs(10));
    json(client, call).await.unwrap()
}
