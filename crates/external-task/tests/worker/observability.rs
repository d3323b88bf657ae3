//! The tracing span of each task, and the loop states.

use std::time::Duration;

use process_engine_external_task::{LoopState, Worker};
use serde_json::{Value, json};

use crate::support;
use crate::{answering, run};

// A current-thread runtime: the subscriber set for this thread sees every task of the worker.
#[tokio::test]
async fn each_task_runs_in_a_span_naming_it() {
    let logs = support::capture_logs();

    let bed = support::Bed::start().await;
    let test = bed.client();
    let worker = Worker::builder(bed.client()).worker_id("traced");
    let worker = answering(worker, &bed.work, json!("traced"));
    let (handle, running) = run(worker);
    let instance = support::start(&test, &bed.work, &bed.id("spans"), json!({})).await;
    support::until("the delivery", || handle.stats().completed == 1).await;
    handle.shutdown();
    running.await.unwrap();

    let log = logs.text();
    let delivered = log
        .lines()
        .find(|line| line.contains("delivered"))
        .unwrap_or_else(|| panic!("no delivery in the log:\n{log}"));
    for field in [
        "external_task{".to_owned(),
        format!("topic={}", bed.work),
        format!("process_instance_id={instance}"),
        "correlation_id=spans".to_owned(),
        "worker_id=traced".to_owned(),
        "task_id=".to_owned(),
    ] {
        assert!(
            delivered.contains(&field),
            "{field} missing in: {delivered}"
        );
    }
}

#[tokio::test]
async fn the_loop_state_says_when_fetching_backs_off() {
    let Some(engine) = support::engine("fault injection: a fetch answered 500").await else {
        return;
    };
    let worker = Worker::builder(support::client(&engine))
        .fetch_backoff(Duration::from_secs(5), Duration::from_secs(10));
    let worker = answering(worker, "work", Value::Null).build().unwrap();
    assert_eq!(
        worker.handle().topic_state("work"),
        Some(LoopState::NotStarted)
    );
    assert_eq!(worker.handle().topic_state("elsewhere"), None);
    engine.fail_next(
        &process_engine_api_types::routes::FETCH_AND_LOCK_EXTERNAL_TASKS,
        1,
        500,
    );
    let handle = worker.handle();
    let running = tokio::spawn(worker.run());
    support::until("the backoff", || {
        handle.topic_state("work") == Some(LoopState::BackingOff)
    })
    .await;
    assert_eq!(handle.state(), LoopState::Polling);
    assert_eq!(handle.stats().fetch_errors, 1);
    handle.shutdown();
    running.await.unwrap().unwrap();
    assert_eq!(handle.state(), LoopState::Stopped);
}
