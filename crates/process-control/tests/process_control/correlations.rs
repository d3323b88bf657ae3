//! Correlations, instance state, token history, terminate.

use process_engine_api_types::models::{
    CorrelationProcessInstance, CorrelationState, TokenEventType,
};
use process_engine_process_control::{ErrorKind, StartCallbackType, TaskScope};
use serde_json::json;

use crate::support::{Harness, Model, eventually, unique};

#[tokio::test]
async fn a_correlation_runs_then_finishes() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let correlation = unique("corr");
    let started = harness
        .starting(&model)
        .correlation_id(&correlation)
        .send()
        .await
        .unwrap();
    harness.shown(&started).await;
    let client = &harness.client;

    let read = client.correlation(&correlation).send().await.unwrap();
    assert_eq!(read.id, correlation);
    assert_eq!(read.state, CorrelationState::Running);
    assert_eq!(read.process_instances.len(), 1);
    let instance = &read.process_instances[0];
    assert_eq!(instance.process_instance_id, started.process_instance_id);
    assert_eq!(instance.process_model_id, model);
    assert_eq!(instance.state, CorrelationState::Running);
    assert!(instance.xml.contains(&model));

    let by_instance = client
        .correlation_of_process_instance(&started.process_instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(by_instance.id, correlation);
    let by_model = client
        .correlations_of_process_model(&model)
        .send()
        .await
        .unwrap();
    assert_eq!(by_model.len(), 1);
    assert_eq!(by_model[0].id, correlation);
    let all = client.all_correlations().send().await.unwrap();
    assert!(all.iter().any(|c| c.id == correlation));
    let active = client.active_correlations().send().await.unwrap();
    assert!(active.iter().any(|c| c.id == correlation));
    assert_eq!(
        client
            .process_instance(&started.process_instance_id)
            .send()
            .await
            .unwrap()
            .state,
        CorrelationState::Running
    );

    let tasks = harness
        .some_user_tasks(TaskScope::correlation(&correlation))
        .await;
    client.finish_user_task(&tasks[0]).send().await.unwrap();
    // The engine answers the finish before the instance ends.
    client
        .wait_for_result(&correlation, &model)
        .send()
        .await
        .unwrap();
    let finished = client.correlation(&correlation).send().await.unwrap();
    assert_eq!(finished.state, CorrelationState::Finished);
    assert_eq!(
        client
            .process_instance(&started.process_instance_id)
            .send()
            .await
            .unwrap()
            .state,
        CorrelationState::Finished
    );
    let active = client.active_correlations().send().await.unwrap();
    assert!(active.iter().all(|c| c.id != correlation));
}

#[tokio::test]
async fn a_failed_instance_has_the_engines_error() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    // No flow of the gateway matches the input: the instance fails.
    let error = harness
        .starting(&model)
        .callback(StartCallbackType::OnProcessInstanceFinished)
        .input(&json!({"path": "nowhere"}))
        .send()
        .await
        .unwrap_err();
    // A start that waits fails with the instance: the engine answers with the failure's status
    // (the gateway's 400) and message, and the client looks the instance up for what the engine
    // recorded.
    assert_eq!(error.kind(), ErrorKind::InstanceFailed, "{error:?}");
    assert!(error.correlation_id().is_some());
    assert_eq!(error.status(), Some(400));
    assert!(
        error
            .message()
            .is_some_and(|m| m.contains("ExclusiveGateway")),
        "{error:?}"
    );
    // The engine's record of it: its error class and code (8.0.0 keeps the gateway's error).
    let recorded = error.instance_error().expect("the engine's recorded error");
    assert!(
        recorded.name().is_some_and(|name| !name.is_empty())
            && recorded
                .code()
                .is_some_and(|code| (400..=599).contains(&code)),
        "{recorded:?}"
    );

    let started = harness
        .starting(&model)
        .input(&json!({"path": "nowhere"}))
        .send()
        .await
        .unwrap();
    let instance = settled_instance(&harness, &started.process_instance_id).await;
    let (CorrelationState::Error, Some(failure)) = (&instance.state, &instance.error) else {
        panic!("{instance:?}");
    };
    // The gateway's BadRequestError (exclusive_gateway_handler.js).
    assert_eq!(failure.code(), Some(400), "{failure:?}");
    let correlation = harness
        .client
        .correlation(&started.correlation_id)
        .send()
        .await
        .unwrap();
    assert_eq!(correlation.state, CorrelationState::Error);
}

/// An instance once it no longer runs (the engine fails and terminates asynchronously).
async fn settled_instance(
    harness: &Harness,
    process_instance_id: &str,
) -> CorrelationProcessInstance {
    eventually("the instance stopped", || async {
        let instance = match harness
            .client
            .process_instance(process_instance_id)
            .send()
            .await
        {
            // Not stored yet.
            Err(error) if error.kind() == ErrorKind::NotFound => return None,
            answer => answer.unwrap(),
        };
        (instance.state != CorrelationState::Running).then_some(instance)
    })
    .await
}

#[tokio::test]
async fn terminate_ends_an_instance_in_error() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let started = harness.start_instance(&model).await;
    // Terminating reaches only an instance that runs its flow nodes.
    harness
        .one_user_task(TaskScope::process_instance(&started.process_instance_id))
        .await;
    harness
        .client
        .terminate_process_instance(&started.process_instance_id)
        .send()
        .await
        .unwrap();
    let instance = settled_instance(&harness, &started.process_instance_id).await;
    assert_eq!(instance.state, CorrelationState::Error, "{instance:?}");
    assert_eq!(instance.error.and_then(|e| e.code()), Some(500));
    let tasks = harness
        .user_tasks(TaskScope::process_instance(&started.process_instance_id))
        .await;
    assert!(tasks.is_empty());
}

#[tokio::test]
async fn the_token_history_of_an_instance() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let started = harness
        .starting(&model)
        .callback(StartCallbackType::OnProcessInstanceFinished)
        .input(&json!({"path": "a"}))
        .send()
        .await
        .unwrap();
    let history = harness
        .client
        .token_history(&started.process_instance_id)
        .send()
        .await
        .unwrap();
    let start = &history["start"];
    assert_eq!(start[0].token_event_type, TokenEventType::OnEnter);
    assert_eq!(start[0].previous_flow_node_instance_id, None);
    assert_eq!(
        start[0].payload_as::<serde_json::Value>().unwrap(),
        json!({"path": "a"})
    );
    assert!(history.contains_key("end_a"));
    assert!(!history.contains_key("end_b"));
    let in_correlation = harness
        .client
        .token_history_in_correlation(&started.correlation_id, &model)
        .send()
        .await
        .unwrap();
    assert_eq!(in_correlation, history);
}

#[tokio::test]
async fn an_unknown_correlation_is_not_found() {
    let harness = Harness::start().await;
    let error = harness
        .client
        .correlation(unique("corr"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.status(), Some(404));
}
