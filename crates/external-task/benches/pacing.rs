//! The worker at its defaults against an engine that jams as 8.0.0 does: tasks per second and
//! instances ended at `max_tasks` 1, 10 and 50, beside the paced raw loop (`fetch_and_lock`
//! with `maxTasks` 1, `finish`, a pause, repeat) and the ratio; then a burst of 500 starts
//! through one client beside a paced raw start loop.
//!
//! `cargo xtask bench worker` runs it on the stand-in engine's contention model at 25 and 45 ms
//! of work per instance (the raw loop then pauses the cost). With `--engine URL` (a real
//! ProcessEngine 8.0.0, by hand only, never in CI) it runs there instead (the raw loop then
//! pauses 20 ms, as the figures of the project were taken); `--only raw,worker1,...` runs only
//! the runs named (`raw`, `worker1`, `worker10`, `worker50`, `starts`, `burst`): on a real
//! engine, a fresh engine per run gives the cleanest figures.
//!
//! Each run deploys a model and topic of its own and prepares 300 waiting instances, started
//! far enough apart (30 ms, or twice the model's cost) that none collide; it counts an
//! instance as ended when it shows in its correlation's results, and stops when all have or
//! after 60 s.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    reason = "a benchmark program"
)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use process_engine_api_types::routes;
use process_engine_external_task::{TaskOptions, Worker};
use process_engine_testkit::TestEngine;
use process_engine_transport::{Call, Client, Pacing};
use serde_json::{Value, json};

const INSTANCES: usize = 300;
const BURST: usize = 500;
const LIMIT: Duration = Duration::from_secs(60);

const HELLO_WORLD: &str = include_str!("../../../samples/bpmn_models/hello_world.bpmn");

/// Where a run goes: the model of 8.0.0's contention at a cost, or a real engine.
#[derive(Clone)]
enum Target {
    Model(Duration),
    Real(String),
}

impl Target {
    fn name(&self) -> String {
        match self {
            Target::Model(cost) => format!("model {} ms", cost.as_millis()),
            Target::Real(url) => format!("engine {url}"),
        }
    }

    /// The raw loop's pause after each finish.
    fn pause(&self) -> Duration {
        match self {
            Target::Model(cost) => *cost,
            Target::Real(_) => Duration::from_millis(20),
        }
    }

    /// The gap between the starts that prepare a run: none collide.
    fn start_gap(&self) -> Duration {
        match self {
            Target::Model(cost) => (*cost * 2).max(Duration::from_millis(30)),
            Target::Real(_) => Duration::from_millis(30),
        }
    }
}

/// One run's engine: the model's own, or the real one's URL.
struct Engine {
    url: String,
    _model: Option<TestEngine>,
}

async fn engine(target: &Target) -> Engine {
    match target {
        Target::Model(cost) => {
            let model = TestEngine::builder()
                .contention(*cost)
                .start()
                .await
                .unwrap();
            Engine {
                url: model.url().to_owned(),
                _model: Some(model),
            }
        }
        Target::Real(url) => Engine {
            url: url.clone(),
            _model: None,
        },
    }
}

fn unpaced(url: &str) -> Client {
    Client::builder(url)
        .pacing(Pacing::Off)
        .attempt_timeout(Duration::from_secs(120))
        .deadline(Duration::from_secs(120))
        .build()
        .unwrap()
}

async fn send(client: &Client, call: Call) -> Value {
    let answer = client.send(call).await.unwrap();
    if answer.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(answer.body()).unwrap()
    }
}

/// Deploys hello_world as a model of its own, `id`, on topic `id`.
async fn deploy(client: &Client, id: &str) {
    let xml = HELLO_WORLD
        .replace("\"hello_world\"", &format!("\"{id}\""))
        .replace("SampleExternalTask", id);
    let body = json!({"name": id, "xml": xml, "overwriteExisting": true});
    send(client, Call::new(&routes::IMPORT_PROCESS_MODEL).body(&body)).await;
}

async fn start(client: &Client, model: &str) {
    let call = Call::new(&routes::START_PROCESS_INSTANCE)
        .param(model)
        .query(&[("start_callback_type", "1")])
        .body(&json!({"correlationId": model, "inputValues": {}}));
    send(client, call).await;
}

async fn ended(client: &Client, model: &str) -> usize {
    let call = Call::new(&routes::GET_PROCESS_RESULTS_FOR_CORRELATION)
        .param(model)
        .param(model);
    match client.send(call).await {
        Ok(answer) => serde_json::from_slice::<Vec<Value>>(answer.body()).map_or(0, |r| r.len()),
        // No results yet: the engine answers 404.
        Err(_) => 0,
    }
}

/// A fresh model with `INSTANCES` waiting instances.
async fn prepare(target: &Target, url: &str, id: &str) {
    let client = unpaced(url);
    deploy(&client, id).await;
    for _ in 0..INSTANCES {
        start(&client, id).await;
        tokio::time::sleep(target.start_gap()).await;
    }
    // The last continuations reach their tasks.
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Waits until every instance of `id` ended or the limit passed; returns (ended, seconds).
///
/// Called once every task was finished: the results query is heavy on 8.0.0 (about 100 ms of
/// its work for 300 instances), and polling it while the client runs would slow the engine
/// down for the client measured.
async fn until_ended(client: &Client, id: &str, began: Instant) -> (usize, f64) {
    loop {
        let count = ended(client, id).await;
        if count >= INSTANCES || began.elapsed() >= LIMIT {
            return (count, began.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The worker as a user runs it: defaults (adaptive pacing), `max_tasks`.
async fn worker(url: &str, id: &str, max_tasks: usize) -> (usize, f64) {
    let worker = Worker::builder(Client::builder(url).build().unwrap())
        .subscribe(
            id,
            |_: Value| async { Ok::<_, Infallible>(json!({"done": true})) },
            TaskOptions::default().max_tasks(max_tasks),
        )
        .build()
        .unwrap();
    let handle = worker.handle();
    let began = Instant::now();
    let running = tokio::spawn(worker.run());
    while handle.stats().completed < INSTANCES as u64 && began.elapsed() < LIMIT {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let outcome = until_ended(&unpaced(url), id, began).await;
    handle.shutdown();
    if let Ok(Err(error)) = running.await {
        eprintln!("the worker stopped on an error: {error:?}");
    }
    outcome
}

/// The paced raw loop: fetch one, finish it, pause, repeat.
async fn raw_loop(url: &str, id: &str, pause: Duration) -> (usize, f64) {
    let client = unpaced(url);
    let began = Instant::now();
    let mut finished = 0;
    while finished < INSTANCES && began.elapsed() < LIMIT {
        let fetch = json!({"workerId": "raw", "topicName": id, "maxTasks": 1,
            "longPollingTimeout": 1000, "lockDuration": 60_000});
        let tasks = send(
            &client,
            Call::new(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS).body(&fetch),
        )
        .await;
        for task in tasks.as_array().into_iter().flatten() {
            let finish = Call::new(&routes::FINISH_EXTERNAL_TASK)
                .param(task["id"].as_str().unwrap())
                .body(&json!({"workerId": "raw", "result": {"done": true}}));
            send(&client, finish).await;
            finished += 1;
            tokio::time::sleep(pause).await;
        }
    }
    until_ended(&client, id, began).await
}

/// `BURST` starts at once through one client of default settings; returns (instances that
/// reached their task within the limit, seconds until they had).
async fn burst(url: &str, id: &str, client: Client) -> (usize, f64) {
    deploy(&unpaced(url), id).await;
    let began = Instant::now();
    let client = Arc::new(client);
    let starts: Vec<_> = (0..BURST)
        .map(|_| {
            let (client, id) = (Arc::clone(&client), id.to_owned());
            tokio::spawn(async move { start(&client, &id).await })
        })
        .collect();
    for started in starts {
        started.await.unwrap();
    }
    reached_task(url, id, began).await
}

/// The paced raw start loop: one start, a pause, the next.
async fn raw_starts(url: &str, id: &str, pause: Duration) -> (usize, f64) {
    let client = unpaced(url);
    deploy(&client, id).await;
    let began = Instant::now();
    for _ in 0..BURST {
        start(&client, id).await;
        tokio::time::sleep(pause).await;
    }
    reached_task(url, id, began).await
}

/// Counts the tasks of `id` until all `BURST` are there or the limit passed (each count
/// locks them for a moment only).
async fn reached_task(url: &str, id: &str, began: Instant) -> (usize, f64) {
    let client = unpaced(url);
    loop {
        let fetch = json!({"workerId": "counter", "topicName": id, "maxTasks": BURST * 2,
            "longPollingTimeout": 0, "lockDuration": 0});
        let tasks = send(
            &client,
            Call::new(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS).body(&fetch),
        )
        .await;
        let count = tasks.as_array().map_or(0, Vec::len);
        if count >= BURST || began.elapsed() >= LIMIT {
            return (count, began.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn line(what: &str, (ended, seconds): (usize, f64), of: usize) -> f64 {
    let rate = ended as f64 / seconds;
    println!("  {what:<34} {rate:>6.1} /s, {ended:>3} of {of} in {seconds:>5.1} s");
    rate
}

async fn run(target: Target, only: Option<&str>) {
    let name = target.name();
    println!("{name}:");
    let mut run_id = 0;
    let mut next_id = |what: &str| {
        run_id += 1;
        format!("pacing_{}_{what}_{run_id}", std::process::id())
    };
    let wanted = |key: &str| only.is_none_or(|only| only.split(',').any(|o| o == key));
    let pause = target.pause();
    let mut raw_rate = None;
    let raw_name = format!("raw loop, {} ms pause", pause.as_millis());
    if wanted("raw") {
        let engine = engine(&target).await;
        let id = next_id("raw");
        prepare(&target, &engine.url, &id).await;
        raw_rate = Some(line(
            &raw_name,
            raw_loop(&engine.url, &id, pause).await,
            INSTANCES,
        ));
    }
    for max_tasks in [1, 10, 50] {
        let what = format!("worker max_tasks {max_tasks}");
        if !wanted(&format!("worker{max_tasks}")) {
            continue;
        }
        let engine = engine(&target).await;
        let id = next_id(&format!("worker{max_tasks}"));
        prepare(&target, &engine.url, &id).await;
        let rate = line(&what, worker(&engine.url, &id, max_tasks).await, INSTANCES);
        if let Some(raw) = raw_rate {
            println!(
                "  {:<34} {:>6.2}",
                format!("  ratio to the {raw_name}"),
                rate / raw
            );
        }
    }
    let start_pause = pause;
    let mut raw_start_rate = None;
    let raw_starts_name = format!("raw starts, {} ms apart", start_pause.as_millis());
    if wanted("starts") {
        let engine = engine(&target).await;
        let id = next_id("rawstarts");
        let outcome = raw_starts(&engine.url, &id, start_pause).await;
        raw_start_rate = Some(line(&raw_starts_name, outcome, BURST));
    }
    if wanted("burst") {
        let engine = engine(&target).await;
        let id = next_id("burst");
        let client = Client::builder(&engine.url)
            .deadline(Duration::from_secs(300))
            .build()
            .unwrap();
        let rate = line(
            "burst of 500 starts, one client",
            burst(&engine.url, &id, client).await,
            BURST,
        );
        if let Some(raw) = raw_start_rate {
            println!(
                "  {:<34} {:>6.2}",
                format!("  ratio to the {raw_starts_name}"),
                rate / raw
            );
        }
    }
}

fn main() {
    // `RUST_LOG=process_engine_transport=trace` shows the pacer's every step.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let mut args = std::env::args().skip(1);
    let (mut engine_url, mut only) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--engine" => engine_url = args.next(),
            "--only" => only = args.next(),
            // cargo bench passes `--bench`.
            _ => {}
        }
    }
    let targets = match engine_url {
        Some(url) => vec![Target::Real(url)],
        None => vec![
            Target::Model(Duration::from_millis(25)),
            Target::Model(Duration::from_millis(45)),
        ],
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for target in targets {
        runtime.block_on(run(target, only.as_deref()));
    }
}
