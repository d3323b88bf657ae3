//! The engine the tests run against, with the test models: the stand-in engine in-process, or
//! with `PROCESS_ENGINE_URL` set, that engine, one test at a time, each on models and topics of
//! its own. A transport client that records every call the worker makes, and the calls a test
//! needs to start instances and read their outcome.

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use http::{Request, Response};
use process_engine_api_types::models::{
    Correlation, CorrelationResult, CorrelationState, ImportProcessModelRequest,
    ProcessStartRequest,
};
use process_engine_api_types::operations::{
    GetCorrelationById, GetProcessResultsForCorrelation, ImportProcessModel, StartProcessInstance,
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

/// A real engine stalls under concurrent writes: the tests take turns on it.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The engine of a test that runs against any engine: the stand-in engine, or the one at
/// `PROCESS_ENGINE_URL`. The three test models are deployed under ids of the test's own, each
/// model's id also its topic, so that a real engine's earlier instances never reach the test's
/// workers.
pub(crate) struct Bed {
    url: String,
    /// The model of `work.bpmn`: one external task whose result is the instance's result.
    pub(crate) work: String,
    /// The model of `other.bpmn`: the same, for a second topic.
    pub(crate) other: String,
    /// The model of `reserve.bpmn`: an external task whose errors a boundary event catches.
    pub(crate) reserve: String,
    /// What makes the test's correlation ids its own.
    suffix: String,
    /// The stand-in engine, kept for the test's length: dropping it stops the engine.
    _stand_in: Option<TestEngine>,
    _turn: Option<tokio::sync::MutexGuard<'static, ()>>,
}

impl Bed {
    pub(crate) async fn start() -> Bed {
        let (url, stand_in, turn) = match std::env::var("PROCESS_ENGINE_URL") {
            Ok(url) => (url, None, Some(SERIAL.lock().await)),
            Err(_) => {
                let engine = TestEngine::builder().start().await.unwrap();
                (engine.url().to_owned(), Some(engine), None)
            }
        };
        let client = Client::builder(&url).build().unwrap();
        Bed {
            work: deploy_as_own(&client, WORK, "work").await,
            other: deploy_as_own(&client, OTHER, "other").await,
            reserve: deploy_as_own(&client, RESERVE, "reserve").await,
            suffix: unique(""),
            url,
            _stand_in: stand_in,
            _turn: turn,
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The test's correlation id `name`: the same for the same name, no other test's.
    pub(crate) fn id(&self, name: &str) -> String {
        format!("{name}{}", self.suffix)
    }

    /// A plain client without pacing (see [`client`]).
    pub(crate) fn client(&self) -> Client {
        Client::builder(&self.url)
            .pacing(Pacing::Off)
            .build()
            .unwrap()
    }
}

/// Deploys the model `xml`, whose process id and topic are `base`, under an id of its own
/// (also its topic); answers the id.
async fn deploy_as_own(client: &Client, xml: &str, base: &str) -> String {
    let id = unique(base);
    let body = ImportProcessModelRequest::new(&id, xml.replace(base, &id));
    client
        .execute(&ImportProcessModel::new(body), &RequestOptions::new())
        .await
        .unwrap();
    id
}

/// An id no other test, nor an earlier run against a real engine, uses: `name`, a random part
/// and a counter.
pub(crate) fn unique(name: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let run = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{name}_{}_{}",
        &run[..8],
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// An engine with the three test models deployed under their own names, for a test that needs
/// the stand-in engine: `None` when the tests run against a real engine, after saying on the
/// terminal that the test is skipped and why.
pub(crate) async fn engine(needs: &str) -> Option<TestEngine> {
    if skipped(needs) {
        return None;
    }
    let engine = TestEngine::builder().start().await.unwrap();
    for xml in [WORK, OTHER, RESERVE] {
        engine.deploy_xml(xml).await.unwrap();
    }
    Some(engine)
}

/// Whether the tests run against a real engine, on which a test that `needs` what only the
/// stand-in engine has (fault injection, an identity server, the contention model) cannot run:
/// then it says so on the terminal, naming itself, and is to pass without running.
pub(crate) fn skipped(needs: &str) -> bool {
    let Ok(url) = std::env::var("PROCESS_ENGINE_URL") else {
        return false;
    };
    // libtest names each test's thread after the test.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    // Straight to the process's stderr: the harness captures what the print macros write and
    // shows it only for failed tests.
    let _ = writeln!(
        std::io::stderr(),
        "skipped against {url}: {test} (it needs {needs})"
    );
    true
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
pub(crate) fn recorded_client(url: &str, recorder: &Recorder) -> Client {
    Client::builder(url)
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
    match client.execute(&operation, &RequestOptions::new()).await {
        Ok(results) => results,
        // A real engine answers 404 until the instance has stored its first flow node.
        Err(error) if error.is_not_found() => Vec::new(),
        Err(error) => panic!("{error:?}"),
    }
}

/// The correlation as the management API shows it (state, error). A real engine knows a
/// correlation only once its instance has stored something: until then, it is asked again.
pub(crate) async fn correlation(client: &Client, correlation: &str) -> Correlation {
    let began = Instant::now();
    loop {
        let read = client
            .execute(
                &GetCorrelationById::new(correlation),
                &RequestOptions::new(),
            )
            .await;
        match read {
            Ok(correlation) => return correlation,
            Err(error) if error.is_not_found() && began.elapsed() < Duration::from_secs(15) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => panic!("{error:?}"),
        }
    }
}

/// How long an instance may take to finish or fail once its task is done.
const SETTLE_LIMIT: Duration = Duration::from_secs(15);

/// The results of `model` in `correlation` once its instance has finished: a real engine moves
/// an instance on a while after it acknowledged the task's result.
pub(crate) async fn finished(
    client: &Client,
    correlation: &str,
    model: &str,
) -> Vec<CorrelationResult> {
    let began = Instant::now();
    loop {
        let found = results(client, correlation, model).await;
        if !found.is_empty() {
            return found;
        }
        assert!(
            began.elapsed() < SETTLE_LIMIT,
            "{correlation} did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The correlation once its instance has failed.
pub(crate) async fn failed(client: &Client, correlation: &str) -> Correlation {
    let began = Instant::now();
    loop {
        let seen = self::correlation(client, correlation).await;
        if seen.state == CorrelationState::Error {
            return seen;
        }
        assert!(
            began.elapsed() < SETTLE_LIMIT,
            "{correlation} did not fail: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
