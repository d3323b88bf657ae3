//! Results, wait_for_result, and the caller's own instances.

use std::time::Duration;

use process_engine_process_control::{ErrorKind, RequestOptions, StartCallbackType, TaskScope};
use serde_json::json;

use crate::support::{Harness, Model, eventually, unique, user};

#[tokio::test]
async fn results_of_a_finished_instance() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let correlation = unique("corr");
    harness
        .starting(&model)
        .correlation_id(&correlation)
        .callback(StartCallbackType::OnProcessInstanceFinished)
        .input(&json!({"path": "a", "n": 7}))
        .send()
        .await
        .unwrap();
    let results = harness.results(&correlation, &model).await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].correlation_id, correlation);
    assert_eq!(results[0].end_event_id, "end_a");
    assert_eq!(
        results[0].token_payload_as::<serde_json::Value>().unwrap(),
        json!({"path": "a", "n": 7})
    );
}

#[tokio::test]
async fn results_of_an_unknown_correlation_are_not_found() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let error = harness
        .client
        .process_results(unique("corr"), &model)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
}

#[tokio::test]
async fn wait_for_result_answers_when_the_instance_finished() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let started = harness.start_instance(&model).await;
    let waiting = tokio::spawn(
        harness
            .client
            .wait_for_result(&started.correlation_id, &model)
            .limit(Duration::from_secs(20))
            .send(),
    );
    // Finish the task while the wait polls.
    let tasks = harness
        .some_user_tasks(TaskScope::process_instance(&started.process_instance_id))
        .await;
    harness
        .client
        .finish_user_task(&tasks[0])
        .field("first_name", "Ada")
        .send()
        .await
        .unwrap();
    let results = waiting.await.unwrap().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].end_event_id, "end");
    assert_eq!(
        results[0].token_payload,
        json!({"form_fields": {"first_name": "Ada"}})
    );
}

#[tokio::test]
async fn wait_for_result_reports_a_failed_instance_with_the_engines_error() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let correlation = unique("corr");
    // No flow of the gateway matches: the instance fails.
    harness
        .starting(&model)
        .correlation_id(&correlation)
        .input(&json!({"path": "nowhere"}))
        .send()
        .await
        .unwrap();
    let error = harness
        .client
        .wait_for_result(&correlation, &model)
        .limit(Duration::from_secs(20))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InstanceFailed, "{error:?}");
    assert_eq!(error.correlation_id(), Some(correlation.as_str()));
    let failure = error
        .instance_error()
        .expect("the engine records the error");
    // No flow of the exclusive gateway holds: the core's BadRequestError
    // (exclusive_gateway_handler.js).
    assert_eq!(failure.code(), Some(400), "{failure:?}");
    assert!(failure.name().is_some_and(|name| !name.is_empty()));
}

#[tokio::test]
async fn wait_for_result_gives_up_at_its_limit() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let started = harness.start_instance(&model).await;
    let error = harness
        .client
        .wait_for_result(&started.correlation_id, &model)
        .limit(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WaitLimitPassed);
    assert_eq!(
        error.correlation_id(),
        Some(started.correlation_id.as_str())
    );
}

/// 8.0.0 answers a start with callback type 1 before it stores the correlation: a wait right
/// after the start waits for it to show.
#[tokio::test]
async fn wait_for_result_right_after_a_start_waits_for_the_correlation() {
    let harness = Harness::start_lagging(Duration::from_millis(300)).await;
    let model = harness.deploy(Model::TwoEnds).await;
    let started = harness
        .starting(&model)
        .input(&json!({"path": "a"}))
        .send()
        .await
        .unwrap();
    if harness.stand_in().is_some() {
        // The stand-in lags for certain; a real engine may have stored it already.
        let error = harness
            .client
            .correlation(&started.correlation_id)
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    }
    let results = harness
        .client
        .wait_for_result(&started.correlation_id, &model)
        .limit(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].end_event_id, "end_a");
}

#[tokio::test]
async fn wait_for_result_of_a_correlation_that_never_shows_is_not_found() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let error = harness
        .client
        .wait_for_result(unique("corr"), &model)
        .limit(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
}

#[tokio::test]
async fn wait_for_result_of_a_model_not_in_the_correlation() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let started = harness
        .starting(&model)
        .input(&json!({"path": "a"}))
        .send()
        .await
        .unwrap();
    let error = harness
        .client
        .wait_for_result(&started.correlation_id, "pc_other_model")
        .limit(Duration::from_secs(1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
}

#[tokio::test]
async fn own_instances_are_the_users_with_ids_the_right_way_round() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let correlation = unique("corr");
    let alice = user(&unique("alice"));
    let started = harness
        .starting(&model)
        .correlation_id(&correlation)
        .with_options(RequestOptions::new().with_identity(alice.clone()))
        .send()
        .await
        .unwrap();
    // A second instance, started as if by a parent instance (a call activity does this).
    let child = harness
        .starting(&model)
        .correlation_id(&correlation)
        .caller_id(&started.process_instance_id)
        .with_options(RequestOptions::new().with_identity(alice.clone()))
        .send()
        .await
        .unwrap();
    let own = eventually("both instances", || async {
        let own = harness
            .client
            .own_process_instances()
            .with_options(RequestOptions::new().with_identity(alice.clone()))
            .send()
            .await
            .unwrap();
        let ids = [&started.process_instance_id, &child.process_instance_id];
        ids.iter()
            .all(|id| own.iter().any(|i| &i.id == *id))
            .then_some(own)
    })
    .await;
    let instance = own
        .iter()
        .find(|i| i.id == started.process_instance_id)
        .unwrap();
    // 8.0.0 swaps these two on the wire.
    assert_eq!(instance.correlation_id, correlation);
    assert_eq!(instance.process_model_id, model);
    assert_eq!(instance.owner.user_id, alice.user_id());
    assert_eq!(instance.parent_process_instance_id, None);
    let child = own
        .iter()
        .find(|i| i.id == child.process_instance_id)
        .unwrap();
    assert_eq!(
        child.parent_process_instance_id.as_deref(),
        Some(started.process_instance_id.as_str())
    );

    let bob = user(&unique("bob"));
    let theirs = harness
        .client
        .own_process_instances()
        .with_options(RequestOptions::new().with_identity(bob))
        .send()
        .await
        .unwrap();
    assert!(theirs.iter().all(|i| i.id != started.process_instance_id));
}
