//! Starting instances: the three callback types, correlation ids, input, the wait limit.

use std::time::Duration;

use process_engine_process_control::{ErrorKind, RequestOptions, StartCallbackType, TaskScope};
use serde::Deserialize;
use serde_json::json;

use crate::support::{Harness, Model, unique};

#[derive(Debug, Deserialize, PartialEq)]
struct Order {
    path: String,
    order: u32,
}

#[tokio::test]
async fn a_start_answers_at_once_in_the_given_correlation() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let correlation = unique("corr");
    let started = harness
        .starting(&model)
        .correlation_id(&correlation)
        .input(&json!({"x": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.correlation_id, correlation);
    assert!(!started.process_instance_id.is_empty());
    // Callback type 1 does not wait: the instance is still at its user task, with the input.
    assert_eq!((started.end_event_id, started.token_payload), (None, None));
    let tasks = harness
        .some_user_tasks(TaskScope::correlation(&correlation))
        .await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].token_payload, json!({"x": 1}));
}

#[tokio::test]
async fn without_a_correlation_id_the_client_generates_one() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let started = harness
        .starting(&model)
        .input(&json!({"path": "a"}))
        .send()
        .await
        .unwrap();
    assert!(
        uuid::Uuid::parse_str(&started.correlation_id).is_ok(),
        "{}",
        started.correlation_id
    );
    let other = harness
        .starting(&model)
        .input(&json!({"path": "a"}))
        .send()
        .await
        .unwrap();
    assert_ne!(other.correlation_id, started.correlation_id);
}

#[tokio::test]
async fn a_start_waiting_for_the_instance_answers_its_end_and_payload() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let started = harness
        .starting(&model)
        .callback(StartCallbackType::OnProcessInstanceFinished)
        .input(&json!({"path": "b", "order": 4711}))
        .send()
        .await
        .unwrap();
    // The end event is only there when the engine read the snake_case callback type.
    assert_eq!(started.end_event_id.as_deref(), Some("end_b"));
    let order: Order = started.token_payload_as().unwrap();
    assert_eq!(
        order,
        Order {
            path: "b".into(),
            order: 4711
        }
    );
    let error = started.token_payload_as::<Vec<u8>>().unwrap_err();
    let error = process_engine_process_control::Error::from(error);
    assert_eq!(error.kind(), ErrorKind::PayloadMismatch);
}

#[tokio::test]
async fn a_start_waiting_for_an_end_event_answers_there() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let started = harness
        .starting(&model)
        .end_event("end_a")
        .callback(StartCallbackType::OnEndEventReached)
        .input(&json!({"path": "a", "order": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.end_event_id.as_deref(), Some("end_a"));
    assert_eq!(
        started.token_payload,
        Some(json!({"path": "a", "order": 1}))
    );
}

#[tokio::test]
async fn a_type_3_start_without_end_event_is_a_bad_request() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let error = harness
        .starting(&model)
        .callback(StartCallbackType::OnEndEventReached)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadRequest);
    assert!(error.is_bad_request());
    assert_eq!(error.status(), Some(400));
    assert_eq!(
        error.message(),
        Some("Must provide an EndEventId, when using callback type 'CallbackOnEndEventReached'!")
    );
}

#[tokio::test]
async fn a_blocking_start_that_outlasts_its_limit_names_the_correlation() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let correlation = unique("corr");
    let error = harness
        .starting(&model)
        .correlation_id(&correlation)
        .callback(StartCallbackType::OnProcessInstanceFinished)
        // Long enough for a real engine's instance to reach its user task.
        .wait_limit(Duration::from_secs(2))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WaitLimitPassed);
    assert!(!error.is_timeout());
    assert_eq!(error.correlation_id(), Some(correlation.as_str()));
    // Where the instance waits, read from the engine when the limit passed.
    assert_eq!(
        error.to_string(),
        format!(
            "the wait for the instance of `{model}` in correlation `{correlation}` ran out after \
             2s; it is waiting at the user task `enter_data`"
        )
    );
    // The instance goes on: its user task waits in that correlation.
    let tasks = harness
        .some_user_tasks(TaskScope::correlation(&correlation))
        .await;
    assert_eq!(tasks.len(), 1);
    harness
        .client
        .finish_user_task(&tasks[0])
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_clients_wait_limit_applies_when_a_call_sets_none() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let client = harness
        .client
        .clone()
        .with_wait_limit(Duration::from_millis(200));
    assert_eq!(client.wait_limit(), Duration::from_millis(200));
    let error = client
        .start_process_instance(&model, "start")
        .callback(StartCallbackType::OnProcessInstanceFinished)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_wait_limit_passed(), "{error:?}");
    // The generated correlation id is named, and the instance is found by it.
    let correlation = error.correlation_id().unwrap();
    let tasks = harness
        .some_user_tasks(TaskScope::correlation(correlation))
        .await;
    assert_eq!(tasks.len(), 1);
}

/// Naming the end event is enough: the start waits for it.
#[tokio::test]
async fn a_start_naming_an_end_event_waits_for_it_without_a_callback() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let started = harness
        .starting(&model)
        .end_event("end_b")
        .input(&json!({"path": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.end_event_id.as_deref(), Some("end_b"));
    assert_eq!(started.token_payload, Some(json!({"path": "b"})));
}

#[tokio::test]
async fn a_wait_for_the_result_that_runs_out_says_where_the_instance_waits() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let correlation = unique("corr");
    harness
        .starting(&model)
        .correlation_id(&correlation)
        .send()
        .await
        .unwrap();
    // A real engine shows the correlation once the instance has reached its task.
    harness
        .some_user_tasks(TaskScope::correlation(&correlation))
        .await;
    let error = harness
        .client
        .wait_for_result(&correlation, &model)
        .limit(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_wait_limit_passed(), "{error:?}");
    assert!(
        error
            .to_string()
            .ends_with("it is waiting at the user task `enter_data`"),
        "{error}"
    );
}

#[tokio::test]
async fn a_type_3_start_whose_instance_ends_elsewhere_does_not_hang() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let correlation = unique("corr");
    let error = harness
        .starting(&model)
        .correlation_id(&correlation)
        .end_event("end_b")
        .callback(StartCallbackType::OnEndEventReached)
        .input(&json!({"path": "a"}))
        .wait_limit(Duration::from_secs(2))
        .send()
        .await
        .unwrap_err();
    // 8.0.0 never answers (the wait limit ends it); an engine that answers says 500.
    match error.kind() {
        ErrorKind::WaitLimitPassed => {
            assert_eq!(error.correlation_id(), Some(correlation.as_str()));
        }
        ErrorKind::Engine => assert_eq!(error.status(), Some(500)),
        other => panic!("unexpected {other:?}: {error}"),
    }
    // Either way the instance finished at the other end event.
    let results = harness.results(&correlation, &model).await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].end_event_id, "end_a");
}

#[tokio::test]
async fn per_call_options_reach_the_transport() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    // A transport deadline shorter than the wait limit ends the call as a timeout, not as the
    // wait for the instance.
    let error = harness
        .starting(&model)
        .callback(StartCallbackType::OnProcessInstanceFinished)
        .wait_limit(Duration::from_secs(30))
        .with_options(RequestOptions::new().with_deadline(Duration::from_millis(200)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    // JSON object keys must be strings.
    let input = std::collections::BTreeMap::from([(vec![1_u8], 1)]);
    let error = harness
        .starting(&model)
        .input(&input)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        error.to_string(),
        "the input values could not be serialized"
    );
    for (start_event, correlation) in [("", "c"), ("start", "")] {
        let error = harness
            .client
            .start_process_instance(&model, start_event)
            .correlation_id(correlation)
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    }
    // Nothing was started: the model has no correlations.
    let error = harness
        .client
        .correlations_of_process_model(&model)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
}
