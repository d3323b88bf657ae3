//! The BPMN the stand-in engine executes as the 8.0.0 core does, beyond the recordings: every
//! supported element on one path, the engine's clock, the sandbox of its JavaScript, and the
//! errors of the core's handlers. Each test cites the core's file it follows
//! (`@process-engine/process_engine_core` 12.6.0, `dist/commonjs/`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test helper is a failed test"
)]

use std::time::Duration;

use process_engine_api_types::models::{
    CorrelationResultList, HandleServiceErrorRequest, ProcessStartResponse, StartCallbackType,
    TokenHistory, UserTaskList,
};
use process_engine_api_types::routes;
use process_engine_testkit::TestEngine;
use process_engine_transport::{Call, Client, RetryConfig};
use serde_json::{Value, json};

#[path = "engine_support/mod.rs"]
mod support;
use support::{empty, engine, fetch, json, start, try_start};

const ALL: &str = include_str!("models/all_elements.bpmn");
const ALL_CHILD: &str = include_str!("models/all_elements_child.bpmn");
const ALL_PEERS: &str = include_str!("models/all_elements_peers.bpmn");

const FINISHED: StartCallbackType = StartCallbackType::OnProcessInstanceFinished;
const CREATED: StartCallbackType = StartCallbackType::OnProcessInstanceCreated;

/// A one-process document with `body` inside the process `id`.
fn model(id: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="Definitions_{id}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{id}" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>"#
    )
}

async fn results(client: &Client, started: &ProcessStartResponse, model: &str) -> Vec<Value> {
    let results: CorrelationResultList = json(
        client,
        Call::new(&routes::GET_PROCESS_RESULTS_FOR_CORRELATION)
            .param(&started.correlation_id)
            .param(model),
    )
    .await
    .unwrap();
    results.into_iter().map(|r| r.token_payload).collect()
}

async fn user_tasks(client: &Client, correlation: &str) -> UserTaskList {
    json(
        client,
        Call::new(&routes::GET_USER_TASKS_FOR_CORRELATION).param(correlation),
    )
    .await
    .unwrap()
}

/// Polls until `ready` holds (the engine moves instances as requests arrive; this waits for
/// the request of another task to have arrived).
async fn eventually<F, Fut>(mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..500 {
        if ready().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the condition never held");
}

#[tokio::test]
async fn every_supported_element_runs_end_to_end() {
    let (engine, client) = engine(&[ALL, ALL_CHILD, ALL_PEERS]).await;
    let peer = start(
        &client,
        "all_elements_peers",
        CREATED,
        json!({"peer": true}),
    )
    .await;
    let main = {
        let client = client.clone();
        tokio::spawn(
            async move { try_start(&client, "all_elements", FINISHED, json!({"n": 1})).await },
        )
    };
    // external_service_task_handler.js: the payload property over `token` and its history.
    let tasks = fetch(&client, "w", "all_elements_topic", 1, 10_000, 10_000).await;
    // parallel_split_gateway_handler.js: a split's result is `{}`.
    assert_eq!(
        tasks[0].payload,
        Some(json!({"n": 2, "doubled": 4, "afterSplit": {}}))
    );
    let mut error = HandleServiceErrorRequest::default();
    error.worker_id = "w".to_owned();
    error.error_message = "no stock".to_owned();
    error.error_details = Some(json!({"why": "test"}));
    empty(
        &client,
        Call::new(&routes::HANDLE_EXTERNAL_TASK_SERVICE_ERROR)
            .param(&tasks[0].id)
            .body(&error),
    )
    .await
    .unwrap();
    // user_task_converter.js: form-field expressions are presented evaluated.
    let correlation = tasks[0].correlation_id.clone();
    let mut listed = UserTaskList::default();
    eventually(|| {
        let (client, correlation) = (client.clone(), correlation.clone());
        async move {
            !user_tasks(&client, &correlation)
                .await
                .user_tasks
                .is_empty()
        }
    })
    .await;
    listed.user_tasks = user_tasks(&client, &correlation).await.user_tasks;
    assert_eq!(
        listed.user_tasks[0].data.form_fields[0].label,
        Some(json!("Approve order 2"))
    );
    // A message boundary event interrupts the user task (boundary_event_handlers/*).
    empty(
        &client,
        Call::new(&routes::TRIGGER_MESSAGE_EVENT)
            .param("all_elements_cancel")
            .body(&json!({"currentToken": {"reason": "late"}})),
    )
    .await
    .unwrap();
    assert!(
        user_tasks(&client, &correlation)
            .await
            .user_tasks
            .is_empty()
    );
    // timer_facade.js: the PT1H timer fires on the engine's clock.
    engine.advance_clock(Duration::from_secs(3600));
    let answer = tokio::time::timeout(Duration::from_secs(30), main)
        .await
        .expect("the instance ended once the clock passed its timer")
        .unwrap()
        .unwrap();
    assert_eq!(answer.end_event_id.as_deref(), Some("end_big"));
    assert_eq!(
        answer.token_payload,
        Some(json!({
            "call": {"result": {"doubled": 4}, "endEventId": "child_end", "endEventName": "Child done"},
            "inner": {"inner": 2, "sawCompute": 2},
            "joined": ["merge_approve", "merge_work", "send", "wait"],
            // flow_node_handler.js: the failing node's result is its error; the boundary
            // events that caught the error and interrupted the user task record none.
            "work": {"_code": 500, "name": "InternalServerError", "_additionalInformation": {"why": "test"}},
            "cancel": {"reason": "late"},
            "boundaries": [null, null],
            "user": "dummy_token",
            "afterLink": {},
        }))
    );
    // The peer's receive task got the send task's payload, its catch event the signal.
    let history: TokenHistory = json(
        &client,
        Call::new(&routes::GET_TOKEN_HISTORY_FOR_PROCESS_INSTANCE).param(&peer.process_instance_id),
    )
    .await
    .unwrap();
    let received = history["receive"].last().unwrap();
    assert_eq!(received.payload["result"]["doubled"], json!(4));
    assert_eq!(
        results(&client, &peer, "all_elements_peers").await,
        [json!({"announced": 2})]
    );
}

/// A start waiting for an end event the instance does not reach: the real engine never
/// answers (`execute_process_service.js` waits for that end event's message only).
#[tokio::test]
async fn a_start_for_an_end_event_not_reached_gets_no_answer_unless_asked() {
    let xml = model(
        "two_ends",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f" sourceRef="start" targetRef="a" />
           <bpmn:endEvent id="a" /><bpmn:endEvent id="b" />"#,
    );
    let start_for_b = |client: Client| async move {
        let call = Call::new(&routes::START_PROCESS_INSTANCE)
            .param("two_ends")
            .query(&[("start_callback_type", "3"), ("end_event_id", "b")])
            .body(&json!({"inputValues": {}}))
            .attempt_timeout(Duration::from_millis(500));
        json::<ProcessStartResponse>(&client, call).await
    };
    let (_engine, client) = engine(&[&xml]).await;
    let error = start_for_b(client).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");

    let kind = TestEngine::builder()
        .answer_unreached_end_events(true)
        .start()
        .await
        .unwrap();
    kind.deploy_xml(&xml).await.unwrap();
    let client = Client::builder(kind.url())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let error = start_for_b(client).await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        error.engine_error().unwrap().message(),
        "The process instance finished without reaching the end event 'b'."
    );
}

/// The core runs scripts unsandboxed; here an endless script fails its instance after the
/// time limit, and the engine answers other requests meanwhile and afterwards.
#[tokio::test]
async fn an_endless_script_fails_its_instance_and_the_engine_keeps_answering() {
    let xml = model(
        "endless",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="spin" />
           <bpmn:scriptTask id="spin"><bpmn:script>while (true) {}</bpmn:script></bpmn:scriptTask>
           <bpmn:sequenceFlow id="f2" sourceRef="spin" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let error = try_start(&client, "endless", FINISHED, json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert!(
        error
            .engine_error()
            .unwrap()
            .message()
            .contains("longer than"),
        "{error:?}"
    );
    let models: Value = json(&client, Call::new(&routes::GET_PROCESS_MODELS))
        .await
        .unwrap();
    assert_eq!(models["processModels"][0]["id"], "endless");
}

/// timer_facade.js: an invalid duration fails the instance with 422 and the core's message.
#[tokio::test]
async fn an_invalid_timer_duration_fails_with_the_engines_422() {
    let xml = model(
        "bad_timer",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
           <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
             <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'soon' + token.current.x</bpmn:timeDuration>
           </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
           <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let error = try_start(&client, "bad_timer", FINISHED, json!({"x": 1}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(422));
    assert_eq!(
        error.engine_error().unwrap().message(),
        "The given duration definition soon1 is not in ISO8601 format"
    );
}

/// user_task_handler.js, `_validateExpression`: a form-field expression that cannot be
/// evaluated when the task is reached fails the instance.
#[tokio::test]
async fn an_unevaluable_form_field_expression_fails_the_instance() {
    let xml = model(
        "bad_form",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask" />
           <bpmn:userTask id="ask" name="Ask"><bpmn:extensionElements><camunda:formData>
             <camunda:formField id="name" label="${token.current.customer.name}" type="string" />
           </camunda:formData></bpmn:extensionElements></bpmn:userTask>
           <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let error = try_start(&client, "bad_form", FINISHED, json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        error.engine_error().unwrap().message(),
        "The configuration for FormField name is invalid!"
    );
}

/// exclusive_gateway_handler.js: no truthy condition and no default flow is a
/// `BadRequestError`; a gateway that both joins and splits is refused with 422.
#[tokio::test]
async fn exclusive_gateways_fail_with_the_cores_errors() {
    let no_way = model(
        "no_way",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="g" />
           <bpmn:exclusiveGateway id="g" />
           <bpmn:sequenceFlow id="a" sourceRef="g" targetRef="end_a"><bpmn:conditionExpression>token.current.x === 1</bpmn:conditionExpression></bpmn:sequenceFlow>
           <bpmn:sequenceFlow id="b" sourceRef="g" targetRef="end_b"><bpmn:conditionExpression>token.current.x === 2</bpmn:conditionExpression></bpmn:sequenceFlow>
           <bpmn:endEvent id="end_a" /><bpmn:endEvent id="end_b" />"#,
    );
    let mixed = model(
        "mixed",
        r#"<bpmn:startEvent id="s1" /><bpmn:startEvent id="s2" />
           <bpmn:sequenceFlow id="f1" sourceRef="s1" targetRef="g" /><bpmn:sequenceFlow id="f2" sourceRef="s2" targetRef="g" />
           <bpmn:exclusiveGateway id="g" />
           <bpmn:sequenceFlow id="a" sourceRef="g" targetRef="end_a" /><bpmn:sequenceFlow id="b" sourceRef="g" targetRef="end_b" />
           <bpmn:endEvent id="end_a" /><bpmn:endEvent id="end_b" />"#,
    );
    let (_engine, client) = engine(&[&no_way, &mixed]).await;
    let error = try_start(&client, "no_way", FINISHED, json!({"x": 3}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(
        error.engine_error().unwrap().message(),
        "No outgoing SequenceFlow for ExclusiveGateway g had a truthy condition!"
    );
    let call = Call::new(&routes::START_PROCESS_INSTANCE)
        .param("mixed")
        .query(&[("start_callback_type", "2"), ("start_event_id", "s1")])
        .body(&json!({"inputValues": {}}));
    let error = json::<ProcessStartResponse>(&client, call)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(422));
    assert_eq!(
        error.engine_error().unwrap().message(),
        "ExclusiveGateway g is neither a Split- nor a Join-Gateway! Mixed Gateways are NOT supported!"
    );
}

/// A loop that never waits, with a large payload, ends as a failed instance without keeping a
/// copy of the payload per step: the history keeps a bounded number of entries per flow node.
#[tokio::test]
async fn a_looping_instance_with_a_large_payload_keeps_a_bounded_history() {
    let (_engine, client) = engine(&[include_str!("models/loop.bpmn")]).await;
    let big = json!({"blob": "x".repeat(100_000)});
    let error = try_start(&client, "loop", FINISHED, big).await.unwrap_err();
    assert!(error.engine_error().unwrap().message().contains("loops"));
    let started = start(&client, "loop", CREATED, json!({"small": true})).await;
    let history: TokenHistory = json(
        &client,
        Call::new(&routes::GET_TOKEN_HISTORY_FOR_PROCESS_INSTANCE)
            .param(&started.process_instance_id),
    )
    .await
    .unwrap();
    assert!(history["first"].len() <= 1000, "{}", history["first"].len());
}

/// error_boundary_event_handler.js matches `bpmn:error` names against `error.name`: a script's
/// plain `Error` is caught by a boundary event whose error is named `Error`, and the token
/// carries the error's serialisation, `{}` (flow_node_handler_interruptible.js).
#[tokio::test]
async fn a_script_error_is_caught_by_name_and_leaves_its_serialisation() {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
  <bpmn:error id="Error_plain" name="Error" />
  <bpmn:error id="Error_type" name="TypeError" />
  {}
</bpmn:definitions>"#,
        r#"<bpmn:process id="script_caught" isExecutable="true">
    <bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fail" />
    <bpmn:scriptTask id="fail"><bpmn:script>throw new Error('no');</bpmn:script></bpmn:scriptTask>
    <bpmn:boundaryEvent id="as_type" attachedToRef="fail"><bpmn:errorEventDefinition errorRef="Error_type" /></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="as_plain" attachedToRef="fail"><bpmn:errorEventDefinition errorRef="Error_plain" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="fail" targetRef="end" /><bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="as_type" targetRef="end_type" /><bpmn:endEvent id="end_type" />
    <bpmn:sequenceFlow id="f4" sourceRef="as_plain" targetRef="end_plain" /><bpmn:endEvent id="end_plain" />
  </bpmn:process>"#
    );
    let (_engine, client) = engine(&[&xml]).await;
    let answer = start(&client, "script_caught", FINISHED, json!({})).await;
    assert_eq!(answer.end_event_id.as_deref(), Some("end_plain"));
    assert_eq!(answer.token_payload, Some(json!({})));
}

/// A non-interrupting timer boundary event (`cancelActivity="false"`) runs its path while the
/// user task keeps waiting; a timer start event waits for its timer before the instance goes on
/// (start_event_handler.js, timer_facade.js).
#[tokio::test]
async fn non_interrupting_boundaries_and_timer_start_events() {
    let xml = model(
        "reminder",
        r#"<bpmn:startEvent id="start"><bpmn:timerEventDefinition>
             <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT10M</bpmn:timeDuration>
           </bpmn:timerEventDefinition></bpmn:startEvent>
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
           <bpmn:userTask id="review" name="Review" />
           <bpmn:boundaryEvent id="remind" attachedToRef="review" cancelActivity="false">
             <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
           </bpmn:boundaryEvent>
           <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" />
           <bpmn:sequenceFlow id="f3" sourceRef="remind" targetRef="reminded" /><bpmn:endEvent id="reminded" />"#,
    );
    let (engine, client) = engine(&[&xml]).await;
    let started = start(&client, "reminder", CREATED, json!({"doc": 1})).await;
    assert!(
        user_tasks(&client, &started.correlation_id)
            .await
            .user_tasks
            .is_empty(),
        "the timer start event still waits"
    );
    engine.advance_clock(Duration::from_secs(600));
    eventually(|| {
        let (client, correlation) = (client.clone(), started.correlation_id.clone());
        async move {
            !user_tasks(&client, &correlation)
                .await
                .user_tasks
                .is_empty()
        }
    })
    .await;
    engine.advance_clock(Duration::from_secs(3600));
    eventually(|| {
        let (client, started) = (client.clone(), started.clone());
        async move { !results(&client, &started, "reminder").await.is_empty() }
    })
    .await;
    // timer boundary events continue with `{}`; the task still waits.
    assert_eq!(results(&client, &started, "reminder").await, [json!({})]);
    let tasks = user_tasks(&client, &started.correlation_id).await;
    assert_eq!(tasks.user_tasks.len(), 1);
    assert_eq!(tasks.user_tasks[0].token_payload, json!({"doc": 1}));
}

/// call_activity_handler.js: a called model that fails fails the call activity, which an error
/// boundary event on it may catch; a missing called model fails it the same way.
#[tokio::test]
async fn a_failing_called_model_fails_its_call_activity() {
    let child = model(
        "failing_child",
        r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="boom" />
           <bpmn:scriptTask id="boom"><bpmn:script>throw new Error('child failed');</bpmn:script></bpmn:scriptTask>"#,
    );
    let parent = model(
        "calling",
        r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call" />
           <bpmn:callActivity id="call" calledElement="failing_child" />
           <bpmn:boundaryEvent id="caught" attachedToRef="call"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
           <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" /><bpmn:endEvent id="end" />
           <bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="handled" /><bpmn:endEvent id="handled" />"#,
    );
    let orphan = model(
        "orphan",
        r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call" />
           <bpmn:callActivity id="call" calledElement="nowhere" />
           <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&child, &parent, &orphan]).await;
    let answer = start(&client, "calling", FINISHED, json!({})).await;
    assert_eq!(answer.end_event_id.as_deref(), Some("handled"));
    let error = try_start(&client, "orphan", FINISHED, json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
}

/// Observed on 8.0.0 (api/semantics.md, "Flow nodes"): an exclusive gateway inside an embedded sub-process
/// fails, and the sub-process's failure fails the parent.
#[tokio::test]
async fn an_exclusive_gateway_inside_a_sub_process_fails_as_on_the_engine() {
    let xml = model(
        "sub_gateway",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
           <bpmn:subProcess id="sub">
             <bpmn:startEvent id="inner_start" /><bpmn:sequenceFlow id="i1" sourceRef="inner_start" targetRef="choose" />
             <bpmn:exclusiveGateway id="choose" /><bpmn:sequenceFlow id="i2" sourceRef="choose" targetRef="inner_end" />
             <bpmn:endEvent id="inner_end" />
           </bpmn:subProcess>
           <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let error = try_start(&client, "sub_gateway", FINISHED, json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        error.engine_error().unwrap().message(),
        "Cannot read properties of undefined (reading 'targetRef')"
    );
}

/// A model that calls itself ends at a bound instead of starting instances without end.
#[tokio::test]
async fn a_model_calling_itself_fails_at_the_nesting_bound() {
    let xml = model(
        "recursive",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="again" />
           <bpmn:callActivity id="again" calledElement="recursive" />
           <bpmn:sequenceFlow id="f2" sourceRef="again" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let error = try_start(&client, "recursive", FINISHED, json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert!(
        error
            .engine_error()
            .unwrap()
            .message()
            .contains("nested more than 64 levels"),
        "{error:?}"
    );
}
