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
    let bed = support::Bed::start().await;
    let test = bed.client();
    // The handlers wait for the test's word, given after the shutdown has begun.
    let (release, released) = tokio::sync::watch::channel(false);
    let worker = Worker::builder(bed.client());
    let worker = worker.subscribe(
        &bed.work,
        move |payload: Value| {
            let mut released = released.clone();
            async move {
                let _ = released.wait_for(|go| *go).await;
                Ok::<_, Infallible>(json!({"done": payload["n"]}))
            }
        },
        TaskOptions::default()
            .max_tasks(5)
            .long_polling_timeout(Duration::from_secs(60)),
    );
    let (handle, running) = run(worker);
    for n in 0..5 {
        support::start(
            &test,
            &bed.work,
            &bed.id(&format!("drain-{n}")),
            json!({"n": n}),
        )
        .await;
    }
    support::until("five handlers in flight", || handle.stats().in_flight == 5).await;

    handle.shutdown();
    support::until("the shutdown to begin", || {
        handle.state() == LoopState::Draining
    })
    .await;
    release.send(true).unwrap();
    let stats = tokio::time::timeout(LIMIT, running).await.unwrap().unwrap();
    assert_eq!(handle.state(), LoopState::Stopped);
    assert_eq!(handle.topic_state(&bed.work), Some(LoopState::Stopped));
    assert_eq!((stats.fetched, stats.completed, stats.in_flight), (5, 5, 0));
    for n in 0..5 {
        let results = support::finished(&test, &bed.id(&format!("drain-{n}")), &bed.work).await;
        assert_eq!(results[0].token_payload, json!({"done": n}));
    }
    // Nothing is fetched after the shutdown.
    support::start(&test, &bed.work, &bed.id("after"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        support::results(&test, &bed.id("after"), &bed.work)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn shutdown_abandons_an_open_long_poll() {
    let bed = support::Bed::start().await;
    let worker = Worker::builder(bed.client());
    let worker = worker.subscribe(
        &bed.work,
        |_: Value| async { Ok::<_, Infallible>(Value::Null) },
        TaskOptions::default().long_polling_timeout(Duration::from_secs(600)),
    );
    let (handle, running) = run(worker);
    support::until("the long poll", || {
        handle.topic_state(&bed.work) == Some(LoopState::Polling)
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

/// A worker whose one handler never finishes, shut down with a 200 ms deadline; its instance
/// is in the correlation `stuck` of the engine returned.
async fn stuck_at_shutdown(
    action: ShutdownTimeoutAction,
) -> (
    ExternalTask,
    process_engine_external_task::Stats,
    process_engine_transport::Client,
    support::Bed,
) {
    let bed = support::Bed::start().await;
    let correlation = &bed.id("stuck");
    let test = bed.client();
    let (tasks, mut tasks_rx) = mpsc::unbounded_channel();
    let worker = Worker::builder(bed.client())
        .shutdown_timeout(Duration::from_millis(200))
        .on_shutdown_timeout(action);
    let worker = worker.subscribe(
        &bed.work,
        move |_: Value, task: ExternalTask| {
            let _ = tasks.send(task);
            std::future::pending::<Result<Value, Infallible>>()
        },
        TaskOptions::default().long_polling_timeout(Duration::from_secs(1)),
    );
    let (handle, running) = run(worker);
    support::start(&test, &bed.work, correlation, json!({})).await;
    let task = tokio::time::timeout(LIMIT, tasks_rx.recv())
        .await
        .unwrap()
        .unwrap();
    handle.shutdown();
    let stats = tokio::time::timeout(LIMIT, running).await.unwrap().unwrap();
    assert!(task.is_cancelled());
    // The engine must outlive the checks of the caller: it holds it.
    (task, stats, test, bed)
}

#[tokio::test]
async fn handlers_still_running_at_the_deadline_are_abandoned_by_default() {
    let (_, stats, test, bed) = stuck_at_shutdown(ShutdownTimeoutAction::Abandon).await;
    assert_eq!(stats.abandoned, 1);
    assert_eq!(stats.completed + stats.service_errors, 0);
    let correlation = support::correlation(&test, &bed.id("stuck")).await;
    assert_eq!(correlation.state, CorrelationState::Running);
}

#[tokio::test]
async fn handlers_still_running_at_the_deadline_can_be_reported_as_service_errors() {
    let (_, stats, test, bed) = stuck_at_shutdown(ShutdownTimeoutAction::ReportServiceError).await;
    assert_eq!(stats.service_errors, 1);
    assert_eq!(stats.abandoned, 0);
    support::failed(&test, &bed.id("stuck")).await;
}

#[tokio::test]
async fn run_until_drains_when_its_future_resolves() {
    let bed = support::Bed::start().await;
    let test = bed.client();
    let worker = Worker::builder(bed.client());
    let worker = worker
        .subscribe(
            &bed.work,
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
    support::start(&test, &bed.work, &bed.id("signalled"), json!({})).await;
    support::until("the handler to run", || handle.stats().in_flight == 1).await;
    stop.send(()).unwrap();
    let stats = tokio::time::timeout(LIMIT, running)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(stats.completed, 1);
    let results = support::finished(&test, &bed.id("signalled"), &bed.work).await;
    assert_eq!(results[0].token_payload, json!("drained"));
}

#[tokio::test]
async fn dropping_the_run_stops_fetching_and_abandons_running_handlers() {
    let bed = support::Bed::start().await;
    let test = bed.client();
    let (finished_tx, mut finished) = mpsc::unbounded_channel::<()>();
    let worker = Worker::builder(bed.client());
    let worker = worker.subscribe(
        &bed.work,
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
    support::start(&test, &bed.work, &bed.id("dropped-1"), json!({})).await;
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
    support::start(&test, &bed.work, &bed.id("dropped-2"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(handle.stats().fetched, 1);
    assert!(
        support::results(&test, &bed.id("dropped-1"), &bed.work)
            .await
            .is_empty()
    );
    assert!(
        support::results(&test, &bed.id("dropped-2"), &bed.work)
            .await
            .is_empty()
    );
}
