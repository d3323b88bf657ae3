//! What the engine's benchmarks share: a bare hyper client (so the figures are the engine's),
//! the benchmark model, one start + fetch_and_lock + finish cycle, and the process's RSS.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "each benchmark uses the part it needs; a failed unwrap is a failed benchmark"
)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use process_engine_testkit::TestEngine;
use serde_json::{Value, json};

pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The topic of the benchmark model's one external task.
pub(crate) const TOPIC: &str = "bench_topic";

pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// An engine with default settings and the benchmark model, its URL, and a client.
pub(crate) async fn engine() -> (TestEngine, String, HttpClient) {
    let engine = TestEngine::builder().start().await.unwrap();
    deploy_bench_model(&engine).await;
    let base = engine.url().to_owned();
    (engine, base, client())
}

/// Deploys the benchmark model, `bench`: start, one external task of [`TOPIC`], end.
pub(crate) async fn deploy_bench_model(engine: &TestEngine) {
    let xml = include_str!("../../tests/models/external.bpmn")
        .replace("id=\"external\"", "id=\"bench\"")
        .replace("processRef=\"external\"", "processRef=\"bench\"")
        .replace("external_topic", TOPIC);
    engine.deploy_xml(&xml).await.unwrap();
}

pub(crate) async fn post(client: &HttpClient, url: String, body: &Value) -> Value {
    let request = hyper::Request::post(url)
        .header("authorization", "Bearer ZHVtbXlfdG9rZW4=")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(serde_json::to_vec(body).unwrap())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    }
}

/// Starts an instance of `bench` (callback type 1).
pub(crate) async fn start(client: &HttpClient, base: &str) {
    post(
        client,
        format!("{base}/api/consumer/v1/process_models/bench/start?start_callback_type=1"),
        &json!({"inputValues": {"n": 1}}),
    )
    .await;
}

/// fetch_and_lock of [`TOPIC`]: at most `max` tasks (0: all), a long poll of `poll_ms`.
pub(crate) async fn fetch(
    client: &HttpClient,
    base: &str,
    worker: &str,
    max: u64,
    poll_ms: u64,
) -> Vec<Value> {
    let body = json!({"workerId": worker, "topicName": TOPIC, "maxTasks": max,
        "longPollingTimeout": poll_ms, "lockDuration": 600_000});
    match post(
        client,
        format!("{base}/api/external_task/v1/fetch_and_lock"),
        &body,
    )
    .await
    {
        Value::Array(tasks) => tasks,
        other => panic!("not a list: {other}"),
    }
}

/// One cycle: start an instance, fetch its task, finish it; returns how long it took.
pub(crate) async fn cycle(client: &HttpClient, base: &str, worker: &str) -> Duration {
    let began = Instant::now();
    start(client, base).await;
    let tasks = fetch(client, base, worker, 1, 1000).await;
    let id = tasks[0]["id"].as_str().expect("a task").to_owned();
    post(
        client,
        format!("{base}/api/external_task/v1/task/{id}/finish"),
        &json!({"workerId": worker, "result": {"done": true}}),
    )
    .await;
    began.elapsed()
}

/// The process's resident set size in KiB (`VmRSS` of `/proc/self/status`); `None` where
/// there is no such file.
pub(crate) fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
