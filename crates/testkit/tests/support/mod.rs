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
        .json(&body)
        .attempt_timeout(Duration::from_secs(30));
    client.json(call).await
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
        .json(&body)
        .attempt_timeout(Duration::from_millis(poll_ms) + Duration::from_secs(10));
    client.json(call).await.unwrap()
}
