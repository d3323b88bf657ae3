//! Lock extension while a handler runs, and what happens when the lock is lost.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use process_engine_api_types::routes;
use process_engine_external_task::{ExternalTask, TaskOptions, Worker};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::run;
use crate::support::{self, Recorder, wait_for};

const LIMIT: Duration = Duration::from_secs(15);

#[tokio::test]
async fn a_handler_running_three_lock_durations_keeps_its_task() {
    let bed = support::Bed::start().await;
    let test = bed.client();
    let lock = Duration::from_secs(1);
    let options = TaskOptions::default()
        .long_polling_timeout(Duration::from_secs(1))
        .lock_duration(lock)
        .additional_lock_duration(lock)
        .extend_lock_timeout(Duration::from_millis(250));

    let (started, mut started_rx) = mpsc::unbounded_channel();
    let slow = Worker::builder(bed.client());
    let slow = slow.subscribe(
        &bed.work,
        move |_: Value| {
            let started = started.clone();
            async move {
                let _ = started.send(());
                tokio::time::sleep(lock * 3).await;
                Ok::<_, Infallible>(json!("slow"))
            }
        },
        options.clone(),
    );
    let (slow_handle, slow_run) = run(slow);
    support::start(&test, &bed.work, &bed.id("three-locks"), json!({})).await;
    tokio::time::timeout(LIMIT, started_rx.recv())
        .await
        .unwrap();

    // Another worker polls the topic for as long as the slow handler runs.
    let stolen = Arc::new(AtomicUsize::new(0));
    let other = Worker::builder(bed.client());
    let count = Arc::clone(&stolen);
    let other = other.subscribe(
        &bed.work,
        move |_: Value| {
            count.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Infallible>(json!("other")) }
        },
        options,
    );
    let (other_handle, other_run) = run(other);

    let correlation = bed.id("three-locks");
    wait_for("the slow handler's result", LIMIT, || {
        let (test, correlation, work) = (test.clone(), correlation.clone(), bed.work.clone());
        async move {
            !support::results(&test, &correlation, &work)
                .await
                .is_empty()
        }
    })
    .await;
    let results = support::results(&test, &correlation, &bed.work).await;
    assert_eq!(results[0].token_payload, json!("slow"));
    slow_handle.shutdown();
    other_handle.shutdown();
    let slow_stats = slow_run.await.unwrap();
    other_run.await.unwrap();
    assert_eq!(
        stolen.load(Ordering::SeqCst),
        0,
        "the task went to another worker"
    );
    assert!(slow_stats.lock_extensions >= 3, "{slow_stats:?}");
    assert_eq!(slow_stats.completed, 1);
}

/// Signals when the handler's future is dropped.
struct OnDrop(Option<oneshot::Sender<()>>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(dropped) = self.0.take() {
            let _ = dropped.send(());
        }
    }
}

#[tokio::test]
async fn a_lost_lock_cancels_the_handler_and_its_result_is_not_reported() {
    let Some(engine) = support::engine("fault injection: an extension answered 423").await else {
        return;
    };
    let test = support::client(&engine);
    let recorder = Recorder::default();
    let (tasks, mut tasks_rx) = mpsc::unbounded_channel();
    let worker = Worker::builder(support::recorded_client(engine.url(), &recorder));
    let worker = worker.subscribe(
        "work",
        move |_: Value, task: ExternalTask| {
            let (dropped, dropped_rx) = oneshot::channel();
            let _ = tasks.send((task, dropped_rx));
            async move {
                let _guard = OnDrop(Some(dropped));
                tokio::time::sleep(Duration::from_secs(3_600)).await;
                Ok::<_, Infallible>(json!("too late"))
            }
        },
        TaskOptions::default()
            .long_polling_timeout(Duration::from_secs(1))
            .extend_lock_timeout(Duration::from_millis(100)),
    );
    let (handle, running) = run(worker);
    support::start(&test, "work", "lost", json!({})).await;
    let (task, dropped) = tokio::time::timeout(LIMIT, tasks_rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(!task.is_cancelled());

    // The next extension hears that another worker holds the task.
    engine.fail_next(&routes::EXTEND_EXTERNAL_TASK_LOCK, 1, 423);
    tokio::time::timeout(LIMIT, task.cancelled()).await.unwrap();
    tokio::time::timeout(LIMIT, dropped).await.unwrap().unwrap();
    support::until("the slot to be freed", || handle.stats().in_flight == 0).await;

    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!(stats.locks_lost, 1);
    assert_eq!(stats.completed + stats.service_errors, 0);
    assert!(
        recorder.times("finish_external_task").is_empty()
            && recorder
                .times("handle_external_task_service_error")
                .is_empty(),
        "nothing is reported for a lost task"
    );
    assert!(support::results(&test, "lost", "work").await.is_empty());
}

#[tokio::test]
async fn a_failed_extension_is_tried_again_before_the_lock_runs_out() {
    let Some(engine) = support::engine("fault injection: extensions answered 500").await else {
        return;
    };
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine))
        .delivery_backoff(Duration::from_millis(20), Duration::from_millis(50));
    let worker = worker.subscribe(
        "work",
        |_: Value| async {
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            Ok::<_, Infallible>(json!("kept"))
        },
        TaskOptions::default()
            .long_polling_timeout(Duration::from_secs(1))
            .lock_duration(Duration::from_secs(2))
            .additional_lock_duration(Duration::from_secs(2))
            .extend_lock_timeout(Duration::from_millis(300)),
    );
    // The first two extensions fail; the retries keep the lock.
    engine.fail_next(&routes::EXTEND_EXTERNAL_TASK_LOCK, 2, 500);
    let (handle, running) = run(worker);
    support::start(&test, "work", "extend-500s", json!({})).await;
    support::until("the delivery", || handle.stats().completed == 1).await;
    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!(stats.locks_lost, 0);
    assert!(stats.lock_extensions >= 1, "{stats:?}");
    let results = support::results(&test, "extend-500s", "work").await;
    assert_eq!(results[0].token_payload, json!("kept"));
}
