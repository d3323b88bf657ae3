//! Median latency of a callback-type-1 start through `ProcessControlClient` against a raw hyper
//! loop sending the same requests on one kept-alive connection (and reading the answer into the
//! same wire type), in the same run, against the stand-in engine in-process; plus the CPU time
//! each side's thread spends per start. A third side, the bare transport executing the same
//! operation, shows how the overhead splits between this crate and the layers under it; a
//! fourth, the transport with pacing off, what the pacer costs a paced call (a start is one).
//!
//! It runs twice: against the stand-in engine, and against a canned-answer server that answers
//! every request at once with the same start answer, doing no engine work. On the canned run
//! the latency is almost all the client's own, so its ratio measures the client's fixed cost
//! (its stack, its timers, its allocations), not the engine's speed.
//!
//! `cargo bench -p process-engine-process-control --bench start` (or `cargo xtask bench start`).
//! The engine runs on a runtime of its own threads; each side's loop runs alone on a
//! single-threaded runtime on one thread, so that thread's CPU time is that side's cost (its
//! connection's I/O included). The two sides take turns in rounds, so that drift of the machine
//! or of the engine (its growing list of instances) falls on both alike. The last line is
//! `start/raw ratio (canned): R (client P ms, raw Q ms)`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program"
)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use process_engine_api_types::models::{
    ProcessStartRequest, ProcessStartResponse, StartCallbackType, StartProcessInstanceQuery,
};
use process_engine_api_types::operations::StartProcessInstance;
use process_engine_process_control::ProcessControlClient;
use process_engine_testkit::TestEngine;
use process_engine_transport::{Client, Pacing, RequestOptions};
use serde_json::json;

const MODEL: &str = include_str!("../tests/models/pc_two_ends.bpmn");
const ROUNDS: usize = 10;
const STARTS_PER_ROUND: usize = 200;
const WARM_UP: usize = 200;

/// One side's figures: every start's latency, and the thread's CPU time over all of them.
#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    cpu: Duration,
}

impl Sample {
    fn median_ms(&mut self) -> f64 {
        self.percentile_ms(50)
    }

    fn percentile_ms(&mut self, percent: usize) -> f64 {
        self.latencies.sort_unstable();
        let index = (self.latencies.len() * percent / 100).min(self.latencies.len() - 1);
        self.latencies[index].as_secs_f64() * 1e3
    }

    fn cpu_per_start_ms(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e3 / self.latencies.len() as f64
    }
}

/// The CPU time the calling thread has used (Linux: `/proc/thread-self/schedstat`, in ns).
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Runs `starts` starts with `start` and records them.
async fn measure(sample: &mut Sample, starts: usize, mut start: impl AsyncFnMut()) {
    let cpu_before = thread_cpu();
    for _ in 0..starts {
        let began = Instant::now();
        start().await;
        sample.latencies.push(began.elapsed());
    }
    if let (Some(before), Some(after)) = (cpu_before, thread_cpu()) {
        sample.cpu += after - before;
    }
}

/// The raw side: the request the client sends, by hand, on one kept-alive HTTP/1 connection,
/// and its answer read into the same wire type.
struct Raw {
    sender: SendRequest<Full<Bytes>>,
    path: String,
    host: String,
}

impl Raw {
    async fn connect(url: &str, model: &str) -> Raw {
        let authority = url.trim_start_matches("http://").to_owned();
        let stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        Raw {
            sender,
            path: format!(
                "/api/consumer/v1/process_models/{model}/start?start_callback_type=1&start_event_id=start"
            ),
            host: authority,
        }
    }

    async fn start(&mut self) {
        let body = json!({
            "correlationId": uuid::Uuid::new_v4().to_string(),
            "inputValues": {"path": "a"},
        });
        let request = hyper::Request::post(&self.path)
            .header("host", &self.host)
            .header("authorization", "Bearer ZHVtbXlfdG9rZW4=")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(serde_json::to_vec(&body).unwrap())))
            .unwrap();
        self.sender.ready().await.unwrap();
        let response = self.sender.send_request(request).await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        // Read as the client reads it: a caller needs the ids in the answer.
        let answer: ProcessStartResponse = serde_json::from_slice(&body).unwrap();
        assert!(!answer.process_instance_id.is_empty());
    }
}

/// A server that answers every request with `answer` at once: no engine behind it.
async fn canned_server(answer: Bytes) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            stream.set_nodelay(true).unwrap();
            let answer = answer.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let answer = answer.clone();
                    async move {
                        // Read the request as a server must, then answer.
                        let _ = request.into_body().collect().await;
                        hyper::Response::builder()
                            .header("content-type", "application/json; charset=utf-8")
                            .body(Full::new(answer))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    url
}

/// Runs the three sides against `url`, where `model` is deployed, and prints their lines and
/// the ratio, labelled `label`.
fn run_against(label: &str, url: &str, model: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let [
        mut client_sample,
        mut transport_sample,
        mut unpaced_sample,
        mut raw_sample,
    ] = runtime.block_on(async {
        let client = ProcessControlClient::new(Client::builder(url).build().unwrap());
        let input = json!({"path": "a"});
        let mut client_start = async || {
            client
                .start_process_instance(model, "start")
                .input(&input)
                .send()
                .await
                .unwrap();
        };
        let transport = client.transport().clone();
        let unpaced = Client::builder(url).pacing(Pacing::Off).build().unwrap();
        let mut unpaced_start = async || {
            let body = ProcessStartRequest::new()
                .with_correlation_id(uuid::Uuid::new_v4().to_string())
                .with_input_values(input.clone());
            let query = StartProcessInstanceQuery::new()
                .with_start_callback_type(StartCallbackType::OnProcessInstanceCreated)
                .with_start_event_id("start");
            let operation = StartProcessInstance::new(model, body).with_query(query);
            unpaced
                .execute(&operation, &RequestOptions::new())
                .await
                .unwrap();
        };
        let mut transport_start = async || {
            let body = ProcessStartRequest::new()
                .with_correlation_id(uuid::Uuid::new_v4().to_string())
                .with_input_values(input.clone());
            let query = StartProcessInstanceQuery::new()
                .with_start_callback_type(StartCallbackType::OnProcessInstanceCreated)
                .with_start_event_id("start");
            let operation = StartProcessInstance::new(model, body).with_query(query);
            transport
                .execute(&operation, &RequestOptions::new())
                .await
                .unwrap();
        };
        let mut raw = Raw::connect(url, model).await;
        let mut raw_start = async || raw.start().await;

        // Warm up all: connections, the allocator, the engine's caches, the client's pacer
        // (which learns that this engine needs no gap).
        measure(&mut Sample::default(), WARM_UP, &mut client_start).await;
        measure(&mut Sample::default(), WARM_UP, &mut transport_start).await;
        measure(&mut Sample::default(), WARM_UP, &mut unpaced_start).await;
        measure(&mut Sample::default(), WARM_UP, &mut raw_start).await;
        let mut samples: [Sample; 4] = Default::default();
        for _ in 0..ROUNDS {
            measure(&mut samples[0], STARTS_PER_ROUND, &mut client_start).await;
            measure(&mut samples[1], STARTS_PER_ROUND, &mut transport_start).await;
            measure(&mut samples[2], STARTS_PER_ROUND, &mut unpaced_start).await;
            measure(&mut samples[3], STARTS_PER_ROUND, &mut raw_start).await;
        }
        samples
    });

    let starts = ROUNDS * STARTS_PER_ROUND;
    for (name, sample) in [
        ("client", &mut client_sample),
        ("transport", &mut transport_sample),
        ("unpaced", &mut unpaced_sample),
        ("raw", &mut raw_sample),
    ] {
        println!(
            "{label:>6} {name:>9}: {starts} starts, median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, CPU per start {:.3} ms",
            sample.median_ms(),
            sample.percentile_ms(90),
            sample.percentile_ms(99),
            sample.cpu_per_start_ms(),
        );
    }
    let (client_ms, raw_ms) = (client_sample.median_ms(), raw_sample.median_ms());
    println!(
        "start/raw ratio ({label}): {:.3} (client {client_ms:.3} ms, raw {raw_ms:.3} ms; CPU per start client {:.3} ms, raw {:.3} ms)",
        client_ms / raw_ms,
        client_sample.cpu_per_start_ms(),
        raw_sample.cpu_per_start_ms(),
    );
}

fn main() {
    let engine_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let engine = engine_runtime
        .block_on(TestEngine::builder().start())
        .unwrap();
    let model = engine_runtime
        .block_on(engine.deploy_xml(&MODEL.replace("pc_two_ends", "bench_start")))
        .unwrap();
    run_against("engine", engine.url(), &model);

    let answer = json!({
        "correlationId": "canned",
        "processInstanceId": "00000000-0000-4000-8000-000000000000",
        "endEventId": null,
        "tokenPayload": null,
    });
    let canned = engine_runtime.block_on(canned_server(Bytes::from(answer.to_string())));
    run_against("canned", &canned, &model);
    engine_runtime.block_on(engine.shutdown());
}
