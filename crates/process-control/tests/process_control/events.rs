//! Waiting message and signal events: every scope, and triggering them with a payload.

use process_engine_api_types::models::EventType;
use process_engine_process_control::EventScope;
use serde_json::json;

use crate::support::{Harness, Model, eventually, unique};

async fn waits_and_is_triggered(model_kind: Model, kind: EventType) {
    let harness = Harness::start().await;
    let model = harness.deploy(model_kind).await;
    let name = format!("{model}_go");
    let correlation = unique("corr");
    let started = harness
        .starting(&model)
        .correlation_id(&correlation)
        .send()
        .await
        .unwrap();
    let client = &harness.client;
    for scope in [
        EventScope::process_model(&model),
        EventScope::correlation(&correlation),
        EventScope::process_model_in_correlation(&model, &correlation),
    ] {
        let events = eventually("the waiting event", || async {
            let events = client.events(scope.clone()).send().await.unwrap().events;
            (!events.is_empty()).then_some(events)
        })
        .await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].event_type, kind);
        assert_eq!(events[0].event_name.as_ref(), Some(&name));
        assert_eq!(events[0].process_instance_id, started.process_instance_id);
        assert_eq!(events[0].bpmn_type, "bpmn:IntermediateCatchEvent");
    }
    let payload = json!({"approved": true});
    match kind {
        EventType::MessageEvent => client.trigger_message(&name).payload(&payload).send().await,
        _ => client.trigger_signal(&name).payload(&payload).send().await,
    }
    .unwrap();
    let results = client
        .wait_for_result(&correlation, &model)
        .send()
        .await
        .unwrap();
    // The payload is what the waiting token continues with.
    assert_eq!(results[0].token_payload, json!({"approved": true}));
    assert!(
        client
            .events(EventScope::correlation(&correlation))
            .send()
            .await
            .unwrap()
            .events
            .is_empty()
    );
}

#[tokio::test]
async fn a_message_reaches_the_waiting_token_with_its_payload() {
    waits_and_is_triggered(Model::Message, EventType::MessageEvent).await;
}

#[tokio::test]
async fn a_signal_reaches_the_waiting_token_with_its_payload() {
    waits_and_is_triggered(Model::Signal, EventType::SignalEvent).await;
}

#[tokio::test]
async fn a_message_nobody_waits_for_is_fine() {
    let harness = Harness::start().await;
    harness
        .client
        .trigger_message(unique("nobody_waits"))
        .send()
        .await
        .unwrap();
}
