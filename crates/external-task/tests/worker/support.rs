//! The stand-in engine with the test models, a transport client that records every call the
//! worker makes, and the calls a test needs to start instances and read their outcome.

use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use http::{Request, Response};
use process_engine_api_types::models::{Correlation, CorrelationResult, ProcessStartRequest};
use process_engine_api_types::operations::{
    GetCorrelationById, GetProcessResultsForCorrelation, StartProcessInstance,
};
use process_engine_testkit::TestEngine;
use process_engine_transport::{BoxedService, CallInfo, Client, Error, Pacing, RequestOptions};
use serde_json::Value;
use tower::{Layer, Service};
use tracing::Dispatch;
use tracing::subscriber::{DefaultGuard, NoSubscriber};

pub(crate) const WORK: &str = include_str!("../models/work.bpmn");
pub(crate) const OTHER: &str = include_str!("../models/other.bpmn");
pub(crate) const RESERVE: &str = include_str!("../models/reserve.bpmn");

/// An engine with the three test models deployed.
pub(crate) async fn engine() -> TestEngine {
    let engine = TestEngine::builder().start().await.unwrap();
    for xml in [WORK, OTHER, RESERVE] {
        engine.deploy_xml(xml).await.unwrap();
    }
    engine
}

/// One call the worker made: its operation and when it went out.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) operation: &'static str,
    pub(crate) at: Instant,
}

/// Every call of a client, in the order they went out. The layer sits outside the transport's
/// retry, so it sees each call once: a call's own retries (only of requests that never left)
/// are not counted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorder {
    calls: Arc<Mutex<Vec<Recorded>>>,
    answers: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    pub(crate) fn calls(&self) -> Vec<Recorded> {
        self.calls.lock().unwrap().clone()
    }

    pub(crate) fn times(&self, operation: &str) -> Vec<Instant> {
        self.calls()
            .into_iter()
            .filter(|call| call.operation == operation)
            .map(|call| call.at)
            .collect()
    }

    /// When the calls of `operation` were answered (or failed), in that order.
    pub(crate) fn answer_times(&self, operation: &str) -> Vec<Instant> {
        self.answers
            .lock()
            .unwrap()
            .iter()
            .filter(|call| call.operation == operation)
            .map(|call| call.at)
            .collect()
    }

    /// The calls that went out in `from..to`.
    pub(crate) fn between(&self, from: Instant, to: Instant) -> Vec<Recorded> {
        self.calls()
            .into_iter()
            .filter(|call| call.at >= from && call.at < to)
            .collect()
    }
}

impl Layer<BoxedService> for Recorder {
    type Service = Recording;

    fn layer(&self, inner: BoxedService) -> Recording {
        Recording {
            inner,
            calls: Arc::clone(&self.calls),
            answers: Arc::clone(&self.answers),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Recording {
    inner: BoxedService,
    calls: Arc<Mutex<Vec<Recorded>>>,
    answers: Arc<Mutex<Vec<Recorded>>>,
}

impl Service<Request<Bytes>> for Recording {
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = <BoxedService as Service<Request<Bytes>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let operation = request
            .extensions()
            .get::<CallInfo>()
            .map_or("unknown", CallInfo::operation);
        self.calls.lock().unwrap().push(Recorded {
            operation,
            at: Instant::now(),
        });
        let answer = self.inner.call(request);
        let answers = Arc::clone(&self.answers);
        Box::pin(async move {
            let result = answer.await;
            answers.lock().unwrap().push(Recorded {
                operation,
                at: Instant::now(),
            });
            result
        })
    }
}

/// A transport client for the worker whose calls `recorder` sees, without pacing (the
/// recorder sits outside the pacer: it would see paced calls before they wait).
pub(crate) fn recorded_client(engine: &TestEngine, recorder: &Recorder) -> Client {
    Client::builder(engine.url())
        .layer(recorder.clone())
        .pacing(Pacing::Off)
        .build()
        .unwrap()
}

/// A plain client without pacing: for the test's own calls, and for workers whose tests are
/// not about pacing (the stand-in engine needs none).
pub(crate) fn client(engine: &TestEngine) -> Client {
    Client::builder(engine.url())
        .pacing(Pacing::Off)
        .build()
        .unwrap()
}

/// Starts an instance of `model` in `correlation` with `input` (answers at once).
pub(crate) async fn start(client: &Client, model: &str, correlation: &str, input: Value) -> String {
    let body = ProcessStartRequest::new()
        .with_correlation_id(correlation)
        .with_input_values(input);
    let started = client
        .execute(
            &StartProcessInstance::new(model, body),
            &RequestOptions::new(),
        )
        .await
        .unwrap();
    started.process_instance_id
}

/// Starts `count` instances of `work` in `correlation`, with the inputs `{"n": 0}` and up,
/// 16 at a time.
pub(crate) async fn start_numbered(client: &Client, correlation: &str, count: u64) {
    futures_util::stream::iter(0..count)
        .for_each_concurrent(16, |n| async move {
            start(client, "work", correlation, serde_json::json!({"n": n})).await;
        })
        .await;
}

/// The results of `model`'s finished instances in `correlation` (empty while it runs).
pub(crate) async fn results(
    client: &Client,
    correlation: &str,
    model: &str,
) -> Vec<CorrelationResult> {
    let operation = GetProcessResultsForCorrelation::new(correlation, model);
    client
        .execute(&operation, &RequestOptions::new())
        .await
        .unwrap()
}

/// The correlation as the management API shows it (state, error).
pub(crate) async fn correlation(client: &Client, correlation: &str) -> Correlation {
    client
        .execute(
            &GetCorrelationById::new(correlation),
            &RequestOptions::new(),
        )
        .await
        .unwrap()
}

/// Waits until `holds` says so (it reads the worker's counters or states), checking every
/// 10 ms; panics after 40 s naming `what`.
pub(crate) async fn until(what: &str, mut holds: impl FnMut() -> bool) {
    let began = Instant::now();
    while !holds() {
        assert!(
            began.elapsed() < Duration::from_secs(40),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until `condition` holds, checking every 20 ms; panics after `limit` naming `what`.
pub(crate) async fn wait_for<F, Fut>(what: &str, limit: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let began = Instant::now();
    while !condition().await {
        assert!(began.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What is logged on the test's thread, at debug level and up, while it is kept. A test that
/// reads it runs on a current-thread runtime, so that every task of the worker logs there.
pub(crate) struct Logs {
    buffer: Arc<Mutex<Vec<u8>>>,
    _guard: DefaultGuard,
}

/// Collects what the fmt subscriber writes.
#[derive(Clone)]
struct Writer(Arc<Mutex<Vec<u8>>>);

impl Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing the log of this thread.
pub(crate) fn capture_logs() -> Logs {
    ask_every_subscriber();
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = Writer(Arc::clone(&buffer));
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    Logs {
        buffer,
        _guard: tracing::subscriber::set_default(subscriber),
    }
}

impl Logs {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.buffer.lock().unwrap().clone()).unwrap()
    }
}

/// While only one subscriber is registered, tracing-core decides whether an event is wanted by
/// asking the default subscriber of the thread that first emits it (tracing-core 0.1,
/// `src/callsite.rs`, `Dispatchers::has_just_one`), and keeps the answer: an event first
/// emitted by a test that captures nothing would stay off for the test that captures. With a
/// second subscriber registered for good, it asks every registered one.
fn ask_every_subscriber() {
    static SECOND: OnceLock<Dispatch> = OnceLock::new();
    SECOND.get_or_init(|| Dispatch::new(NoSubscriber::default()));
}
