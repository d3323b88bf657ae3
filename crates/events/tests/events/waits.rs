//! The waits: subscribe, read once, then an event or a periodic re-read.

use std::time::Duration;

use process_engine_api_types::models::{CorrelationState, UserTaskResult};
use process_engine_api_types::operations::{FinishUserTask, TerminateProcessInstance};
use process_engine_transport::{Identity, RequestOptions};
use serde_json::json;

use crate::support::{Harness, Model, patience, start, unique};

#[tokio::test]
async fn a_user_task_that_waits_before_or_after_the_call_is_found() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::AllKinds).await;
    let client = harness.client(Identity::dummy());
    let events = harness.events(Identity::dummy());

    // Waiting already: the first read finds it.
    let before = unique("before");
    start(&client, &model, &before, json!({})).await;
    let task = events.wait_for_user_task(&before).await.unwrap();
    assert_eq!(
        (task.id.as_str(), task.correlation_id.as_str()),
        ("approve", before.as_str())
    );

    // Waiting only after the call: the event wakes the wait. A long re-read interval shows it
    // was the event, not a re-read.
    let after = unique("after");
    let waiting = tokio::spawn({
        let events = events.clone().reread_every(Duration::from_secs(3600));
        let after = after.clone();
        async move { events.wait_for_user_task(&after).await }
    });
    // Once the wait has subscribed, nothing can be missed; until then the first read covers it.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let instance = start(&client, &model, &after, json!({})).await;
    let task = tokio::time::timeout(patience(), waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(task.process_instance_id, instance);
}

#[tokio::test]
async fn an_end_is_seen_by_its_event_and_a_termination_without_event_by_the_re_read() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::Approve).await;
    let client = harness.client(Identity::dummy());
    let events = harness.events(Identity::dummy());
    let options = RequestOptions::new();

    // The end's event wakes the wait: its re-reads are an hour apart.
    let correlation = unique("ends");
    let instance = start(&client, &model, &correlation, json!({})).await;
    let task = events.wait_for_user_task(&correlation).await.unwrap();
    let ending = tokio::spawn({
        let events = events.clone().reread_every(Duration::from_secs(3600));
        let instance = instance.clone();
        async move { events.wait_for_end(&instance).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let finish = FinishUserTask::new(
        &instance,
        &correlation,
        &task.flow_node_instance_id,
        UserTaskResult::new(),
    );
    client.execute(&finish, &options).await.unwrap();
    let record = tokio::time::timeout(patience(), ending)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(record.state, CorrelationState::Finished);
    assert_eq!(record.process_instance_id, instance);

    // Terminated while its user task waits, 8.0.0 sends no event at all: the re-read sees it.
    let correlation = unique("terminated");
    let instance = start(&client, &model, &correlation, json!({})).await;
    events.wait_for_user_task(&correlation).await.unwrap();
    let ending = tokio::spawn({
        let events = events.clone().reread_every(Duration::from_millis(50));
        let instance = instance.clone();
        async move { events.wait_for_end(&instance).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let terminate = TerminateProcessInstance::new(&instance);
    client.execute(&terminate, &options).await.unwrap();
    let record = tokio::time::timeout(patience(), ending)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(record.state, CorrelationState::Error);
}

/// 8.0.0 answers a start before it stores the instance's correlation: a wait right after the
/// start waits for the instance to show.
#[tokio::test]
async fn a_wait_for_the_end_right_after_the_start_waits_for_the_instance_to_show() {
    let harness = Harness::start_lagging(Duration::from_millis(300)).await;
    let model = harness.deploy(Model::Fail).await;
    let client = harness.client(Identity::dummy());
    let events = harness
        .events(Identity::dummy())
        .reread_every(Duration::from_millis(50));

    let correlation = unique("lags");
    let instance = start(&client, &model, &correlation, json!({"order": 9})).await;
    let record = tokio::time::timeout(patience(), events.wait_for_end(&instance))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.process_instance_id, instance);
    assert_eq!(record.state, CorrelationState::Error);
}

#[tokio::test]
async fn a_failed_instance_ends_the_wait_with_the_error_it_failed_with() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::Fail).await;
    let client = harness.client(Identity::dummy());
    // 8.0.0 sends no event for a failed instance: a short re-read interval sees it.
    let events = harness
        .events(Identity::dummy())
        .reread_every(Duration::from_millis(50));

    let correlation = unique("fails");
    let instance = start(&client, &model, &correlation, json!({"order": 8})).await;
    let record = tokio::time::timeout(patience(), events.wait_for_end(&instance))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.process_instance_id, instance);
    assert_eq!(record.state, CorrelationState::Error);
    // What the script threw, as the engine stored it: the `Error`'s own properties, without
    // `_code`, `name` or the message.
    let error = record.error.expect("the error the instance failed with");
    assert_eq!(
        error.as_json(),
        &json!({"code": "E_STOCK", "details": {"order": 8}})
    );
    assert_eq!(
        (error.error_code(), error.code(), error.name()),
        (Some("E_STOCK"), None, None)
    );
    assert_eq!(error.to_string(), "error (code E_STOCK)");
}

#[tokio::test]
async fn a_wait_in_vain_ends_with_a_timeout_naming_what_it_waited_for() {
    let harness = Harness::start().await;
    let nobody = unique("nobody");
    let error = harness
        .events(Identity::dummy())
        .wait_timeout(Duration::from_millis(300))
        .reread_every(Duration::from_millis(100))
        .wait_for_user_task(&nobody)
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.to_string().contains(&nobody), "{error}");
}
