//! Delivery: pacing, retries of finishes whose answer was lost, fetch backoff.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use process_engine_api_types::routes;
use process_engine_external_task::{TaskOptions, Worker};
use process_engine_transport::{Client, Pacing};
use serde_json::{Value, json};

use crate::support::{self, Recorder, wait_for};
use crate::{answering, run};

const LIMIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_transports_pacing_keeps_deliveries_apart_without_holding_handlers() {
    const TASKS: u32 = 10;
    let pacing = Duration::from_millis(100);
    // Ten tasks waiting before the worker's first fetch: a real engine stores a started
    // instance's task a while after it answers the start.
    let Some(engine) =
        support::engine("every task waiting when its start is answered, as the stand-in has it")
            .await
    else {
        return;
    };
    let test = support::client(&engine);
    for n in 0..TASKS {
        support::start(&test, "work", "paced", json!({"n": n})).await;
    }
    let recorder = Recorder::default();
    let handled = Arc::new(Mutex::new(Vec::new()));
    let transport = Client::builder(engine.url())
        .layer(recorder.clone())
        .pacing(Pacing::Fixed(pacing))
        .build()
        .unwrap();
    let worker = Worker::builder(transport);
    let record = Arc::clone(&handled);
    let worker = worker.subscribe(
        "work",
        move |payload: Value| {
            record.lock().unwrap().push(Instant::now());
            async move { Ok::<_, Infallible>(payload) }
        },
        TaskOptions::default()
            .max_tasks(TASKS as usize)
            .long_polling_timeout(Duration::from_secs(1)),
    );
    let (handle, running) = run(worker);
    support::until("every delivery", || {
        handle.stats().completed == u64::from(TASKS)
    })
    .await;
    handle.shutdown();
    running.await.unwrap();

    // The pacer sends a paced call a gap after the previous one was answered, so answers are
    // at least the gap apart. The recorder stamps an answer when its task is polled; a stamp
    // can only be late (the thread preempted), which shortens the gap after it. The tolerance
    // allows for that, far below what no pacing would give (a few ms for all).
    let finishes = recorder.answer_times("finish_external_task");
    assert_eq!(finishes.len(), TASKS as usize);
    let tolerance = Duration::from_millis(40);
    for (i, pair) in finishes.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        assert!(
            gap + tolerance >= pacing,
            "deliveries {i} and {} were {gap:?} apart",
            i + 1
        );
    }
    let span = finishes[TASKS as usize - 1] - finishes[0];
    assert!(span + tolerance >= pacing * (TASKS - 1), "{span:?}");
    // Handlers are not held by the pacing: all of them ran long before the last delivery.
    let handled = handled.lock().unwrap();
    let last_handled = handled.iter().max().unwrap();
    assert!(
        *last_handled < finishes[TASKS as usize / 2],
        "the last handler ran after half of the deliveries"
    );
}

/// A worker whose calls have a 300 ms attempt timeout.
fn impatient(engine: &process_engine_testkit::TestEngine, recorder: &Recorder) -> Client {
    Client::builder(engine.url())
        .attempt_timeout(Duration::from_millis(300))
        .pacing(Pacing::Off)
        .layer(recorder.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_finish_whose_answer_was_lost_is_sent_again_and_a_410_counts_as_delivered() {
    let Some(engine) = support::engine("fault injection: a finish answered late").await else {
        return;
    };
    let test = support::client(&engine);
    let recorder = Recorder::default();
    let worker = Worker::builder(impatient(&engine, &recorder))
        .delivery_backoff(Duration::from_millis(50), Duration::from_millis(200));
    let worker = answering(worker, "work", json!("mine"));
    // The engine finishes the task but answers after the worker stopped waiting.
    engine.delay(&routes::FINISH_EXTERNAL_TASK, Duration::from_millis(800));
    let (handle, running) = run(worker);
    support::start(&test, "work", "lost-answer", json!({})).await;
    support::until("the first finish", || {
        !recorder.times("finish_external_task").is_empty()
    })
    .await;
    wait_for("the finish to take effect", LIMIT, || {
        let test = test.clone();
        async move {
            !support::results(&test, "lost-answer", "work")
                .await
                .is_empty()
        }
    })
    .await;
    engine.delay(&routes::FINISH_EXTERNAL_TASK, Duration::ZERO);
    support::until("the delivery to be confirmed", || {
        handle.stats().completed == 1
    })
    .await;
    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!(stats.deliveries_confirmed_by_gone, 1, "{stats:?}");
    assert!(stats.deliveries_retried >= 1);
    assert_eq!(stats.locks_lost, 0);
    let results = support::results(&test, "lost-answer", "work").await;
    assert_eq!(results[0].token_payload, json!("mine"));
}

#[tokio::test]
async fn a_finish_answered_with_500_is_sent_again() {
    let Some(engine) = support::engine("fault injection: finishes answered 500").await else {
        return;
    };
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine))
        .delivery_backoff(Duration::from_millis(20), Duration::from_millis(100));
    let worker = answering(worker, "work", json!("after 500s"));
    engine.fail_next(&routes::FINISH_EXTERNAL_TASK, 2, 500);
    let (handle, running) = run(worker);
    support::start(&test, "work", "500s", json!({})).await;
    support::until("the delivery", || handle.stats().completed == 1).await;
    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!(stats.deliveries_retried, 2);
    // The 500s did not finish the task: the third attempt did, with 204.
    assert_eq!(stats.deliveries_confirmed_by_gone, 0);
    let results = support::results(&test, "500s", "work").await;
    assert_eq!(results[0].token_payload, json!("after 500s"));
}

#[tokio::test]
async fn failing_fetches_back_off_and_recover() {
    let Some(engine) = support::engine("fault injection: fetches answered 500").await else {
        return;
    };
    let test = support::client(&engine);
    let recorder = Recorder::default();
    let worker = Worker::builder(support::recorded_client(engine.url(), &recorder))
        .fetch_backoff(Duration::from_millis(40), Duration::from_millis(200));
    let worker = answering(worker, "work", json!("fetched at last"));
    engine.fail_next(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS, 4, 500);
    support::start(&test, "work", "fetch-500s", json!({})).await;
    let (handle, running) = run(worker);
    support::until("the delivery", || handle.stats().completed == 1).await;
    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!(stats.fetch_errors, 4);
    // Each failure was followed by a wait of at least the backoff's floor (20 ms).
    let fetches = recorder.times("fetch_and_lock_external_tasks");
    for pair in fetches[..5].windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(20),
            "{fetches:?}"
        );
    }
}

#[tokio::test]
async fn an_engine_answering_empty_at_once_is_not_polled_in_a_tight_loop() {
    let bed = support::Bed::start().await;
    let recorder = Recorder::default();
    let worker = Worker::builder(support::recorded_client(bed.url(), &recorder));
    let worker = worker.subscribe(
        &bed.work,
        |_: Value| async { Ok::<_, Infallible>(Value::Null) },
        // Zero: the engine answers `[]` at once.
        TaskOptions::default().long_polling_timeout(Duration::ZERO),
    );
    let (handle, running) = run(worker);
    let began = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    handle.shutdown();
    running.await.unwrap();
    let window = began.elapsed();
    // Each empty answer is followed by a pause of at least the fetch backoff's floor (100 ms
    // by default): at most one fetch per 100 ms, plus the first.
    let fetches = recorder.times("fetch_and_lock_external_tasks").len();
    let bound = 1 + (window.as_millis() / 100) as usize;
    assert!(
        (2..=bound).contains(&fetches),
        "{fetches} fetches in {window:?}"
    );
}

#[tokio::test]
async fn a_delivery_the_engine_refuses_is_not_sent_again() {
    let Some(engine) = support::engine("fault injection: a finish answered 400").await else {
        return;
    };
    let test = support::client(&engine);
    let recorder = Recorder::default();
    let worker = Worker::builder(support::recorded_client(engine.url(), &recorder));
    let worker = answering(worker, "work", json!("refused"));
    engine.fail_next(&routes::FINISH_EXTERNAL_TASK, 1, 400);
    let (handle, running) = run(worker);
    support::start(&test, "work", "refused", json!({})).await;
    support::until("the refusal", || handle.stats().deliveries_refused == 1).await;
    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!((stats.completed, stats.deliveries_retried), (0, 0));
    assert_eq!(recorder.times("finish_external_task").len(), 1);
    assert!(support::results(&test, "refused", "work").await.is_empty());
}
