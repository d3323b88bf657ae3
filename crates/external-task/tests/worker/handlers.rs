//! Both handler forms, typed and untyped payloads, and every way a handler can end.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use process_engine_api_types::models::CorrelationState;
use process_engine_external_task::{
    BpmnError, BuildError, ExternalTask, TaskOptions, TaskOptionsError, Worker,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::run;
use crate::support;

const LIMIT: Duration = Duration::from_secs(15);

fn quick() -> TaskOptions {
    TaskOptions::default().long_polling_timeout(Duration::from_secs(2))
}

async fn finished(
    client: &process_engine_transport::Client,
    correlation: &str,
    model: &str,
) -> Vec<process_engine_api_types::models::CorrelationResult> {
    let began = std::time::Instant::now();
    loop {
        let found = support::results(client, correlation, model).await;
        if !found.is_empty() {
            return found;
        }
        assert!(began.elapsed() < LIMIT, "{correlation} did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn failed(
    client: &process_engine_transport::Client,
    correlation: &str,
) -> process_engine_api_types::models::Correlation {
    let began = std::time::Instant::now();
    loop {
        let seen = support::correlation(client, correlation).await;
        if seen.state == CorrelationState::Error {
            return seen;
        }
        assert!(
            began.elapsed() < LIMIT,
            "{correlation} did not fail: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_untyped_handler_of_the_payload_finishes_the_task() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine));
    let worker = worker.subscribe(
        "work",
        |payload: Value| async move { Ok::<_, Infallible>(json!({"echo": payload})) },
        quick(),
    );
    let (handle, running) = run(worker);

    support::start(&test, "work", "untyped", json!({"order": 4711})).await;
    let results = finished(&test, "untyped", "work").await;
    assert_eq!(results[0].token_payload, json!({"echo": {"order": 4711}}));
    assert_eq!(results[0].end_event_id, "done");

    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!((stats.fetched, stats.completed), (1, 1));
}

#[derive(Debug, Deserialize)]
struct Order {
    order: u32,
    items: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Packed {
    order: u32,
    parcels: usize,
    topic: String,
    instance: String,
}

async fn pack(order: Order, task: ExternalTask) -> Result<Packed, BpmnError> {
    Ok(Packed {
        order: order.order,
        parcels: order.items.len(),
        topic: task.topic().to_owned(),
        instance: task.process_instance_id().to_owned(),
    })
}

#[tokio::test]
async fn a_typed_handler_of_the_payload_and_the_task_finishes_the_task() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine)).worker_id("packer-1");
    let worker = worker;
    let worker = worker.subscribe("work", pack, quick());
    let (handle, running) = run(worker);

    let instance = support::start(
        &test,
        "work",
        "typed",
        json!({"order": 7, "items": ["a", "b"]}),
    )
    .await;
    let results = finished(&test, "typed", "work").await;
    assert_eq!(
        results[0].token_payload,
        json!({"order": 7, "parcels": 2, "topic": "work", "instance": instance})
    );
    handle.shutdown();
    running.await.unwrap();
}

#[tokio::test]
async fn a_bpmn_error_reaches_the_engine_and_the_boundary_event_takes_it() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine));
    let worker = worker.subscribe(
        "reserve",
        |_: Value| async { Err::<Value, _>(BpmnError::new("out_of_stock", "none left")) },
        quick(),
    );
    let (handle, running) = run(worker);

    support::start(&test, "reserve", "bpmn", json!({})).await;
    let results = finished(&test, "bpmn", "reserve").await;
    assert_eq!(results[0].end_event_id, "backorder");
    // The 8.0.0 core rejects the task with a generic error, and a caught error becomes the
    // token's payload as its JSON (external_service_task_handler.js,
    // flow_node_handler_interruptible.js).
    assert_eq!(
        results[0].token_payload,
        json!({"_code": 500, "name": "InternalServerError"})
    );

    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!((stats.bpmn_errors, stats.completed), (1, 0));
}

#[derive(Debug, thiserror::Error)]
#[error("could not reserve the stock")]
struct ReserveFailed(#[source] std::io::Error);

#[tokio::test]
async fn any_other_error_reaches_the_engine_as_a_service_error_with_its_source_chain() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine));
    let worker = worker.subscribe(
        "work",
        |_: Value| async {
            Err::<Value, _>(ReserveFailed(std::io::Error::other("stock service down")))
        },
        quick(),
    );
    let (handle, running) = run(worker);

    support::start(&test, "work", "service", json!({})).await;
    let correlation = failed(&test, "service").await;
    let error = correlation.error.unwrap();
    assert_eq!(
        error.additional_information(),
        Some(&json!(["stock service down"]))
    );

    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!((stats.service_errors, stats.completed), (1, 0));
}

#[tokio::test]
async fn a_panicking_handler_is_a_service_error_and_the_worker_goes_on() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine));
    let worker = worker.subscribe(
        "work",
        |payload: Value| {
            // Before the handler's future exists, and inside it.
            assert!(payload["explode"] != json!("early"), "boom early");
            async move {
                if payload["explode"] == json!("late") {
                    panic!("boom late");
                }
                Ok::<_, Infallible>(json!("fine"))
            }
        },
        // One slot: the panicking task must free it for the next to run.
        quick().max_tasks(1),
    );
    let (handle, running) = run(worker);

    support::start(&test, "work", "panics-early", json!({"explode": "early"})).await;
    failed(&test, "panics-early").await;
    support::start(&test, "work", "panics-late", json!({"explode": "late"})).await;
    failed(&test, "panics-late").await;
    support::start(&test, "work", "after-panic", json!({})).await;
    let results = finished(&test, "after-panic", "work").await;
    assert_eq!(results[0].token_payload, json!("fine"));

    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!((stats.service_errors, stats.completed), (2, 1));
    assert_eq!(stats.in_flight, 0);
}

#[tokio::test]
async fn a_payload_of_the_wrong_shape_is_a_service_error_naming_the_field() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let calls = Arc::new(AtomicUsize::new(0));
    let worker = Worker::builder(support::client(&engine));
    let counted = Arc::clone(&calls);
    let worker = worker.subscribe(
        "work",
        move |order: Order| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, Infallible>(order.order) }
        },
        quick(),
    );
    let (handle, running) = run(worker);

    support::start(
        &test,
        "work",
        "shape",
        json!({"order": 1, "items": ["a", 2]}),
    )
    .await;
    let error = failed(&test, "shape").await.error.unwrap();
    let details = error.additional_information().unwrap();
    assert_eq!(details["field"], json!("items[1]"), "{details}");
    assert!(
        details["expected"].as_str().unwrap().ends_with("Order"),
        "{details}"
    );

    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!(stats.service_errors, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the handler is not called");
}

#[tokio::test]
async fn several_topics_on_one_worker_share_its_worker_id() {
    let engine = support::engine().await;
    let test = support::client(&engine);
    let worker = Worker::builder(support::client(&engine)).worker_id("both");
    let worker = worker
        .subscribe(
            "work",
            |_: Value, task: ExternalTask| async move {
                Ok::<_, Infallible>(json!({"work": task.worker_id()}))
            },
            quick(),
        )
        .subscribe(
            "other",
            |_: Value, task: ExternalTask| async move {
                Ok::<_, Infallible>(json!({"other": task.worker_id()}))
            },
            quick(),
        );
    let (handle, running) = run(worker);

    support::start(&test, "work", "topics", json!({})).await;
    support::start(&test, "other", "topics", json!({})).await;
    assert_eq!(
        finished(&test, "topics", "work").await[0].token_payload,
        json!({"work": "both"})
    );
    assert_eq!(
        finished(&test, "topics", "other").await[0].token_payload,
        json!({"other": "both"})
    );
    handle.shutdown();
    assert_eq!(running.await.unwrap().completed, 2);
}

#[tokio::test]
async fn subscriptions_that_cannot_work_are_refused() {
    let handler = |_: Value| async { Ok::<_, Infallible>(Value::Null) };
    let client = process_engine_transport::Client::builder("http://127.0.0.1:9")
        .build()
        .unwrap();
    let worker = || Worker::builder(client.clone());
    assert_eq!(
        worker()
            .subscribe("", handler, quick())
            .build()
            .unwrap_err(),
        BuildError::EmptyTopic
    );
    assert_eq!(
        worker()
            .subscribe("work", handler, quick().max_tasks(0))
            .build()
            .unwrap_err(),
        BuildError::InvalidOptions {
            topic: "work".to_owned(),
            reason: TaskOptionsError::ZeroTasks
        }
    );
    let error = worker()
        .subscribe(
            "work",
            handler,
            quick()
                .lock_duration(Duration::from_secs(5))
                .extend_lock_timeout(Duration::from_secs(6)),
        )
        .build()
        .unwrap_err();
    let BuildError::InvalidOptions { reason, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        reason
            .to_string()
            .contains("the lock would run out before it is extended"),
        "{error}"
    );
    assert_eq!(
        worker()
            .subscribe("work", handler, quick())
            .subscribe("work", handler, quick())
            .build()
            .unwrap_err(),
        BuildError::DuplicateTopic("work".to_owned())
    );

    assert_eq!(worker().build().unwrap_err(), BuildError::NoSubscriptions);
}
