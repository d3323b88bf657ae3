//! Graceful shutdown: fetching stops at once, handlers in flight deliver, the deadline holds.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use process_engine_api_types::models::CorrelationState;
use process_engine_external_task::{
    ExternalTask, LoopState, ShutdownTimeoutAction, TaskOptions, Worker,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::run;
use crate::support;

const LIMIT: Duration = Duration::from_secs(15);

#[tokio::test]
async fn shutdown_delivers_the_results_of_handlers_in_flight() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine));
    let worker = worker.subscribe(
        "work",
        |payload: Value| async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok::<_, Infallible>(json!({"done": payload["n"]}))
        },
        TaskOptions::default()
            .max_tasks(5)
            .long_polling_timeout(Duration::from_secs(60)),
    );
    let (handle, running) = run(worker);
    for n in 0..5 {
        support::start(&test, "work", &format!("drain-{n}"), json!({"n": n})).await;
    }
    support::until("five handlers in flight", || handle.stats().in_flight == 5).await;

    handle.shutdown();
    let stats = tokio::time::timeout(LIMIT, running).await.unwrap().unwrap();
    assert_eq!(handle.state(), LoopState::Stopped);
    assert_eq!(handle.topic_state("work"), Some(LoopState::Stopped));
    assert_eq!((stats.fetched, stats.completed, stats.in_flight), (5, 5, 0));
    for n in 0..5 {
        let results = support::results(&test, &format!("drain-{n}"), "work").await;
        assert_eq!(results[0].token_payload, json!({"done": n}));
    }
    // Nothing is fetched after the shutdown.
    support::start(&test, "work", "after", json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(support::results(&test, "after", "work").await.is_empty());
}

#[tokio::test]
async fn shutdown_abandons_an_open_long_poll() {
    let engine = support::engine().await;
    let worker = Worker::builder(support::client(&engine));
    let worker = worker.subscribe(
        "work",
        |_: Value| async { Ok::<_, Infallible>(Value::Null) },
        TaskOptions::default().long_polling_timeout(Duration::from_secs(600)),
    );
    let (handle, running) = run(worker);
    support::until("the long poll", || {
        handle.topic_state("work") == Some(LoopState::Polling)
    })
    .await;
    // Let the request reach the engine.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let began = Instant::now();
    handle.shutdown();
    tokio::time::timeout(LIMIT, running).await.unwrap().unwrap();
    // Far less than the 600 s long poll (and than the test's limit).
    assert!(began.elapsed() < LIMIT);
    assert_eq!(handle.state(), LoopState::Stopped);
}

/// A worker whose one handler never finishes, shut down with a 200 ms deadline.
async fn stuck_at_shutdown(
    action: ShutdownTimeoutAction,
    correlation: &str,
) -> (
    ExternalTask,
    process_engine_external_task::Stats,
    process_engine_transport::Client,
) {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let (tasks, mut tasks_rx) = mpsc::unbounded_channel();
    let worker = Worker::builder(support::client(&engine))
        .shutdown_timeout(Duration::from_millis(200))
        .on_shutdown_timeout(action);
    let worker = worker.subscribe(
        "work",
        move |_: Value, task: ExternalTask| {
            let _ = tasks.send(task);
            std::future::pending::<Result<Value, Infallible>>()
        },
        TaskOptions::default().long_polling_timeout(Duration::from_secs(1)),
    );
    let (handle, running) = run(worker);
    support::start(&test, "work", correlation, json!({})).await;
    let task = tokio::time::timeout(LIMIT, tasks_rx.recv())
        .await
        .unwrap()
        .unwrap();
    handle.shutdown();
    let stats = tokio::time::timeout(LIMIT, running).await.unwrap().unwrap();
    assert!(task.is_cancelled());
    // The engine must outlive the checks of the caller: keep it running by leaking it into
    // a task that ends with the test's runtime.
    tokio::spawn(async move {
        let _engine = engine;
        std::future::pending::<()>().await;
    });
    (task, stats, test)
}

#[tokio::test]
async fn handlers_still_running_at_the_deadline_are_abandoned_by_default() {
    let (_, stats, test) = stuck_at_shutdown(ShutdownTimeoutAction::Abandon, "abandoned").await;
    assert_eq!(stats.abandoned, 1);
    assert_eq!(stats.completed + stats.service_errors, 0);
    let correlation = support::correlation(&test, "abandoned").await;
    assert_eq!(correlation.state, CorrelationState::Running);
}

#[tokio::test]
async fn handlers_still_running_at_the_deadline_can_be_reported_as_service_errors() {
    let (_, stats, test) =
        stuck_at_shutdown(ShutdownTimeoutAction::ReportServiceError, "reported").await;
    assert_eq!(stats.service_errors, 1);
    assert_eq!(stats.abandoned, 0);
    let correlation = support::correlation(&test, "reported").await;
    assert_eq!(correlation.state, CorrelationState::Error);
}

#[tokio::test]
async fn run_until_drains_when_its_future_resolves() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine));
    let worker = worker
        .subscribe(
            "work",
            |_: Value| async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok::<_, Infallible>(json!("drained"))
            },
            TaskOptions::default().long_polling_timeout(Duration::from_secs(30)),
        )
        .build()
        .unwrap();
    let handle = worker.handle();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async {
        let _ = stopped.await;
    }));
    support::start(&test, "work", "signalled", json!({})).await;
    support::until("the handler to run", || handle.stats().in_flight == 1).await;
    stop.send(()).unwrap();
    let stats = tokio::time::timeout(LIMIT, running).await.unwrap().unwrap();
    assert_eq!(stats.completed, 1);
    let results = support::results(&test, "signalled", "work").await;
    assert_eq!(results[0].token_payload, json!("drained"));
}

#[tokio::test]
async fn dropping_the_run_stops_fetching_and_abandons_running_handlers() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let (finished_tx, mut finished) = mpsc::unbounded_channel::<()>();
    let worker = Worker::builder(support::client(&engine));
    let worker = worker.subscribe(
        "work",
        move |_: Value, task: ExternalTask| {
            let finished_tx = finished_tx.clone();
            async move {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(600)) => {}
                    () = task.cancellation_token().cancelled() => {}
                }
                let _ = finished_tx.send(());
                Ok::<_, Infallible>(json!({"late": true}))
            }
        },
        TaskOptions::default().long_polling_timeout(Duration::from_secs(60)),
    );
    let (handle, running) = run(worker);
    support::start(&test, "work", "dropped-1", json!({})).await;
    support::until("the handler runs", || handle.stats().in_flight == 1).await;

    // The caller stops waiting for the run: nothing may go on behind its back.
    running.abort();
    let _ = running.await;
    tokio::time::timeout(LIMIT, finished.recv())
        .await
        .expect("the handler's token fires when the run is dropped");
    support::until("no task in flight", || handle.stats().in_flight == 0).await;
    assert_eq!(handle.state(), LoopState::Stopped);
    assert_eq!(handle.stats().completed, 0);

    // Nothing is fetched any more, and the abandoned handler's result was not reported.
    support::start(&test, "work", "dropped-2", json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(handle.stats().fetched, 1);
    assert!(
        support::results(&test, "dropped-1", "work")
            .await
            .is_empty()
    );
    assert!(
        support::results(&test, "dropped-2", "work")
            .await
            .is_empty()
    );
}
