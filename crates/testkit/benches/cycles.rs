//! Start + fetch_and_lock + finish cycles per second against the stand-in engine, over loopback.
//!
//! `cargo bench -p process-engine-testkit` (or `cargo xtask bench engine`). Each of the workers
//! loops: start an instance (callback type 1), fetch one task of the topic, finish it. The
//! client is a bare hyper connection pool, so the figure is the engine's. The real engine
//! manages about 13 cycles per second on the same kind of machine; the target is 2,000.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program"
)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use process_engine_testkit::TestEngine;
use serde_json::{Value, json};

const WORKERS: usize = 8;
const CYCLES_PER_WORKER: usize = 2_500;
const WARM_UP_CYCLES: usize = 100;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

async fn post(client: &HttpClient, url: String, body: &Value) -> Value {
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

/// One cycle; returns how long it took.
async fn cycle(client: &HttpClient, base: &str, worker: &str) -> Duration {
    let began = Instant::now();
    post(
        client,
        format!("{base}/api/consumer/v1/process_models/bench/start?start_callback_type=1"),
        &json!({"inputValues": {"n": 1}}),
    )
    .await;
    let fetch = json!({"workerId": worker, "topicName": "bench_topic", "maxTasks": 1, "longPollingTimeout": 1000, "lockDuration": 10_000});
    let tasks = post(
        client,
        format!("{base}/api/external_task/v1/fetch_and_lock"),
        &fetch,
    )
    .await;
    let id = tasks[0]["id"].as_str().expect("a task").to_owned();
    post(
        client,
        format!("{base}/api/external_task/v1/task/{id}/finish"),
        &json!({"workerId": worker, "result": {"done": true}}),
    )
    .await;
    began.elapsed()
}

#[tokio::main]
async fn main() {
    let engine = TestEngine::builder().start().await.unwrap();
    let xml = include_str!("../tests/models/external.bpmn")
        .replace("id=\"external\"", "id=\"bench\"")
        .replace("processRef=\"external\"", "processRef=\"bench\"")
        .replace("external_topic", "bench_topic");
    engine.deploy_xml(&xml).await.unwrap();
    let base = engine.url().to_owned();
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();

    for _ in 0..WARM_UP_CYCLES {
        cycle(&client, &base, "warm-up").await;
    }
    let began = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let worker = format!("bench-{w}");
                let mut latencies = Vec::with_capacity(CYCLES_PER_WORKER);
                for _ in 0..CYCLES_PER_WORKER {
                    latencies.push(cycle(&client, &base, &worker).await);
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = began.elapsed();
    latencies.sort();
    let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    let cycles = latencies.len();
    println!(
        "engine cycles (start + fetch_and_lock + finish), {WORKERS} workers: {cycles} cycles in {:.2} s = {:.0} cycles/s; cycle p50 {:.2} ms, p99 {:.2} ms (target >= 2000 cycles/s; the real engine: ~13)",
        elapsed.as_secs_f64(),
        cycles as f64 / elapsed.as_secs_f64(),
        percentile(50).as_secs_f64() * 1e3,
        percentile(99).as_secs_f64() * 1e3,
    );
    engine.shutdown().await;
}
