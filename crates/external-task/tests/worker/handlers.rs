//! Both handler forms, typed and untyped payloads, and every way a handler can end.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use process_engine_external_task::{
    BpmnError, BuildError, ExternalTask, TaskOptions, TaskOptionsError, Worker,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::run;
use crate::support;

fn quick() -> TaskOptions {
    TaskOptions::default().long_polling_timeout(Duration::from_secs(2))
}

#[tokio::test]
async fn an_untyped_handler_of_the_payload_finishes_the_task() {
    let bed = support::Bed::start().await;
    let test = bed.client();
    let worker = Worker::builder(bed.client());
    let worker = worker.subscribe(
        &bed.work,
        |payload: Value| async move { Ok::<_, Infallible>(json!({"echo": payload})) },
        quick(),
    );
    let (handle, running) = run(worker);

    support::start(&test, &bed.work, &bed.id("untyped"), json!({"order": 4711})).await;
    let results = support::finished(&test, &bed.id("untyped"), &bed.work).await;
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
    let bed = support::Bed::start().await;
    let test = bed.client();
    let worker = Worker::builder(bed.client()).worker_id("packer-1");
    let worker = worker;
    let worker = worker.subscribe(&bed.work, pack, quick());
    let (handle, running) = run(worker);

    let instance = support::start(
        &test,
        &bed.work,
        &bed.id("typed"),
        json!({"order": 7, "items": ["a", "b"]}),
    )
    .await;
    let results = support::finished(&test, &bed.id("typed"), &bed.work).await;
    assert_eq!(
        results[0].token_payload,
        json!({"order": 7, "parcels": 2, "topic": bed.work, "instance": instance})
    );
    handle.shutdown();
    running.await.unwrap();
}

#[tokio::test]
async fn a_bpmn_error_reaches_the_engine_and_the_boundary_event_takes_it() {
    let bed = support::Bed::start().await;
    let test = bed.client();
    let worker = Worker::builder(bed.client());
    let worker = worker.subscribe(
        &bed.reserve,
        |_: Value| async { Err::<Value, _>(BpmnError::new("out_of_stock", "none left")) },
        quick(),
    );
    let (handle, running) = run(worker);

    support::start(&test, &bed.reserve, &bed.id("bpmn"), json!({})).await;
    let results = support::finished(&test, &bed.id("bpmn"), &bed.reserve).await;
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
    let bed = support::Bed::start().await;
    let test = bed.client();
    let worker = Worker::builder(bed.client());
    let worker = worker.subscribe(
        &bed.work,
        |_: Value| async {
            Err::<Value, _>(ReserveFailed(std::io::Error::other("stock service down")))
        },
        quick(),
    );
    let (handle, running) = run(worker);

    support::start(&test, &bed.work, &bed.id("service"), json!({})).await;
    let correlation = support::failed(&test, &bed.id("service")).await;
    let error = correlation.error.unwrap();
    assert_eq!(
        error.additional_information(),
        Some(&json!([
            "could not reserve the stock",
            "stock service down"
        ]))
    );

    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!((stats.service_errors, stats.completed), (1, 0));
}

#[tokio::test]
async fn a_panicking_handler_is_a_service_error_and_the_worker_goes_on() {
    let bed = support::Bed::start().await;
    let test = bed.client();
    let worker = Worker::builder(bed.client());
    let worker = worker.subscribe(
        &bed.work,
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

    support::start(
        &test,
        &bed.work,
        &bed.id("panics-early"),
        json!({"explode": "early"}),
    )
    .await;
    let early = support::failed(&test, &bed.id("panics-early")).await;
    support::start(
        &test,
        &bed.work,
        &bed.id("panics-late"),
        json!({"explode": "late"}),
    )
    .await;
    let late = support::failed(&test, &bed.id("panics-late")).await;
    // The panic's message is in the details, the one part of a service error the engine keeps.
    for (correlation, message) in [(early, "boom early"), (late, "boom late")] {
        assert_eq!(
            correlation.error.unwrap().additional_information(),
            Some(&json!([format!("the handler panicked: {message}")]))
        );
    }
    support::start(&test, &bed.work, &bed.id("after-panic"), json!({})).await;
    let results = support::finished(&test, &bed.id("after-panic"), &bed.work).await;
    assert_eq!(results[0].token_payload, json!("fine"));

    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!((stats.service_errors, stats.completed), (2, 1));
    assert_eq!(stats.in_flight, 0);
}

#[tokio::test]
async fn a_payload_of_the_wrong_shape_is_a_service_error_naming_the_field() {
    let bed = support::Bed::start().await;
    let test = bed.client();
    let calls = Arc::new(AtomicUsize::new(0));
    let worker = Worker::builder(bed.client());
    let counted = Arc::clone(&calls);
    let worker = worker.subscribe(
        &bed.work,
        move |order: Order| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, Infallible>(order.order) }
        },
        quick(),
    );
    let (handle, running) = run(worker);

    support::start(
        &test,
        &bed.work,
        &bed.id("shape"),
        json!({"order": 1, "items": ["a", 2]}),
    )
    .await;
    let error = support::failed(&test, &bed.id("shape"))
        .await
        .error
        .unwrap();
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
    let bed = support::Bed::start().await;
    let test = bed.client();
    let worker = Worker::builder(bed.client()).worker_id("both");
    let worker = worker
        .subscribe(
            &bed.work,
            |_: Value, task: ExternalTask| async move {
                Ok::<_, Infallible>(json!({"work": task.worker_id()}))
            },
            quick(),
        )
        .subscribe(
            &bed.other,
            |_: Value, task: ExternalTask| async move {
                Ok::<_, Infallible>(json!({"other": task.worker_id()}))
            },
            quick(),
        );
    let (handle, running) = run(worker);

    support::start(&test, &bed.work, &bed.id("topics"), json!({})).await;
    support::start(&test, &bed.other, &bed.id("topics"), json!({})).await;
    assert_eq!(
        support::finished(&test, &bed.id("topics"), &bed.work).await[0].token_payload,
        json!({"work": "both"})
    );
    assert_eq!(
        support::finished(&test, &bed.id("topics"), &bed.other).await[0].token_payload,
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
