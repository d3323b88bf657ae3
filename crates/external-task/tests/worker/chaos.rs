//! 2,000 tasks through injected 500s, answers lost to timeouts, and two engine restarts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use process_engine_api_types::routes;
use process_engine_external_task::{TaskOptions, Worker, WorkerHandle};
use process_engine_testkit::TestEngine;
use process_engine_transport::{Client, Pacing};
use serde::Deserialize;
use serde_json::json;

use crate::run;
use crate::support::{self, Recorder};

const TASKS: u64 = 2_000;
const MAX_TASKS: usize = 50;
const FETCH_BACKOFF: Duration = Duration::from_millis(100);
const DELIVERY_BACKOFF: Duration = Duration::from_millis(40);
const DOWN_FOR: Duration = Duration::from_millis(800);

#[derive(Deserialize)]
struct Numbered {
    n: u64,
}

async fn reached(handle: &WorkerHandle, completed: u64) {
    support::until(&format!("{completed} completions"), || {
        handle.stats().completed >= completed
    })
    .await;
}

/// Stops the engine for [`DOWN_FOR`] and brings it back with its state; returns when it was
/// down.
async fn restart(engine: &TestEngine) -> (Instant, Instant) {
    engine.stop_accepting().await.unwrap();
    let down = Instant::now();
    tokio::time::sleep(DOWN_FOR).await;
    let up = Instant::now();
    engine.resume().await.unwrap();
    (down, up)
}

/// The faults, each when the worker has got so far.
async fn inflict(engine: Arc<TestEngine>, handle: WorkerHandle) -> Vec<(Instant, Instant)> {
    let mut outages = Vec::new();
    reached(&handle, 200).await;
    engine.fail_next(&routes::FINISH_EXTERNAL_TASK, 3, 500);
    reached(&handle, 400).await;
    // The engine finishes the tasks but answers after the worker's attempt timeout: its retries
    // meet 410.
    engine.delay(&routes::FINISH_EXTERNAL_TASK, Duration::from_millis(600));
    tokio::time::sleep(Duration::from_secs(1)).await;
    engine.delay(&routes::FINISH_EXTERNAL_TASK, Duration::ZERO);
    reached(&handle, 700).await;
    outages.push(restart(&engine).await);
    reached(&handle, 1_100).await;
    engine.fail_next(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS, 3, 500);
    engine.fail_next(&routes::FINISH_EXTERNAL_TASK, 3, 500);
    reached(&handle, 1_400).await;
    outages.push(restart(&engine).await);
    outages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_survives_500s_lost_answers_and_two_engine_restarts() {
    let Some(engine) = support::engine("fault injection: 500s, delayed answers, restarts").await
    else {
        return;
    };
    let engine = Arc::new(engine);
    let test = support::client(&engine);
    support::start_numbered(&test, "chaos", TASKS).await;

    let recorder = Recorder::default();
    // Not a test of pacing: the stand-in engine needs none, and timeouts would widen the gap.
    let transport = Client::builder(engine.url())
        .attempt_timeout(Duration::from_millis(400))
        .pacing(Pacing::Off)
        .layer(recorder.clone())
        .build()
        .unwrap();
    let calls = Arc::new(Mutex::new(HashMap::<u64, u32>::new()));
    let seen = Arc::clone(&calls);
    let worker = Worker::builder(transport)
        .fetch_backoff(FETCH_BACKOFF, Duration::from_secs(1))
        .delivery_backoff(DELIVERY_BACKOFF, Duration::from_secs(1));
    let worker = worker.subscribe(
        "work",
        move |job: Numbered| {
            *seen.lock().unwrap().entry(job.n).or_default() += 1;
            async move { Ok::<_, std::convert::Infallible>(json!({"n": job.n, "by": "chaos"})) }
        },
        // A short lock so that tasks whose fetch answer a restart cut off come back soon.
        TaskOptions::default()
            .max_tasks(MAX_TASKS)
            .long_polling_timeout(Duration::from_secs(2))
            .lock_duration(Duration::from_secs(5))
            .additional_lock_duration(Duration::from_secs(5))
            .extend_lock_timeout(Duration::from_millis(1_500)),
    );
    engine.fail_next(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS, 5, 500);
    let (handle, running) = run(worker);
    let outages = tokio::spawn(inflict(Arc::clone(&engine), handle.clone()));
    reached(&handle, TASKS).await;
    let outages = outages.await.unwrap();
    handle.shutdown();
    let stats = running.await.unwrap();

    // Every instance ends with its handler's result, exactly once.
    assert_eq!(stats.completed, TASKS, "{stats:?}");
    assert_eq!(
        stats.locks_lost + stats.deliveries_refused + stats.service_errors,
        0,
        "{stats:?}"
    );
    let results = support::results(&test, "chaos", "work").await;
    let mut numbers: Vec<u64> = results
        .iter()
        .map(|result| {
            assert_eq!(result.token_payload["by"], json!("chaos"));
            result.token_payload["n"].as_u64().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (0..TASKS).collect::<Vec<_>>(),
        "lost or finished twice"
    );
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len() as u64, TASKS);
    assert!(
        calls.values().all(|&count| count == 1),
        "a handler ran twice for one instance"
    );
    // The faults were met, and survived.
    assert!(stats.fetch_errors >= 8, "{stats:?}");
    assert!(stats.deliveries_retried >= 6, "{stats:?}");
    assert!(stats.deliveries_confirmed_by_gone >= 1, "{stats:?}");

    // While the engine was down, the worker's calls stayed within the bound of the crate docs:
    // one fetch per half fetch backoff, one delivery probe per half delivery backoff, plus the
    // first attempts of results whose handlers finished just before (at most `max_tasks`).
    for (down, up) in outages {
        let window = up - down;
        let during = recorder.between(down, up);
        let per = |floor: Duration| 1 + (window.as_millis() / floor.as_millis()) as usize;
        let bound = per(FETCH_BACKOFF / 2) + per(DELIVERY_BACKOFF / 2) + MAX_TASKS;
        assert!(
            during.len() <= bound,
            "{} calls in {window:?} of outage, bound {bound}",
            during.len()
        );
        println!(
            "{} calls in {window:?} of outage (bound {bound})",
            during.len()
        );
    }
}
