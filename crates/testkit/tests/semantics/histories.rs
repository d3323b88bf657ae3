//! Class 2: token histories of nodes that do not leave normally.

use std::collections::BTreeSet;
use std::time::Duration;

use process_engine_api_types::routes;
use process_engine_transport::Call;
use serde_json::{Value, json};

use super::support::engine;
use super::{
    correlation, entries, events, eventually, fetch_one, get, history, model, refused, send, start,
};

/// Every `tokenEventType` in `history`.
fn event_types(history: &Value) -> BTreeSet<String> {
    history
        .as_object()
        .unwrap()
        .values()
        .flat_map(|entries| entries.as_array().unwrap())
        .map(|entry| entry["tokenEventType"].as_str().unwrap().to_owned())
        .collect()
}

// external_service_task_handler.js: a worker's error puts `{errorMessage: error.message,
// errorCode: error.code}` on the token before `persistOnError` (the code of an
// `InternalServerError` is 500); there is no onResume. handleBpmnError
// (external_task_api_core) makes `ExternalTask failed due to BPMN error with code <code>`.
#[tokio::test]
async fn a_worker_error_closes_the_task_with_the_errors_message_and_code() {
    let xml = model(
        "bpmn_error",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge" />
           <bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="bpmn_error_topic" />
           <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let started = start(&client, "bpmn_error", 1, json!({"amount": 3})).await;
    let task = fetch_one(&client, "bpmn_error_topic").await;
    send(
        &client,
        Call::new(&routes::HANDLE_EXTERNAL_TASK_BPMN_ERROR)
            .param(task["id"].as_str().unwrap())
            .body(&json!({"workerId": "w", "errorCode": "CARD_DECLINED"})),
    )
    .await;
    let instance = started["processInstanceId"].as_str().unwrap();
    let history = history(&client, instance).await;
    assert_eq!(
        entries(&history, "charge"),
        events(&[
            ("onEnter", json!({"amount": 3})),
            ("onSuspend", json!({"amount": 3})),
            (
                "onExit",
                json!({"errorMessage": "ExternalTask failed due to BPMN error with code CARD_DECLINED", "errorCode": 500})
            ),
        ])
    );
    assert!(history.get("end").is_none());
}

// flow_node_handler_interruptible.js, `_handleBoundaryEvent` and `interrupt`: a timer boundary
// event brings `{}` (timer_boundary_event_handler.js), which replaces the token's payload; the
// interrupted task and every boundary event attached to it write their onExit with it (no
// onResume); the path goes on from the boundary event, which records no result.
#[tokio::test]
async fn a_timer_boundary_event_closes_its_task_and_the_other_boundary_events() {
    let xml = model(
        "deadline",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
           <bpmn:userTask id="approve" name="Approve" />
           <bpmn:boundaryEvent id="too_late" attachedToRef="approve"><bpmn:timerEventDefinition>
             <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT2H</bpmn:timeDuration>
           </bpmn:timerEventDefinition></bpmn:boundaryEvent>
           <bpmn:boundaryEvent id="withdrawn" attachedToRef="approve"><bpmn:messageEventDefinition messageRef="Message_1" /></bpmn:boundaryEvent>
           <bpmn:boundaryEvent id="failed" attachedToRef="approve"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
           <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end" /><bpmn:endEvent id="end" />
           <bpmn:sequenceFlow id="f3" sourceRef="too_late" targetRef="escalate" />
           <bpmn:scriptTask id="escalate"><bpmn:script>return {late: token.current, keys: Object.keys(token.history)};</bpmn:script></bpmn:scriptTask>
           <bpmn:sequenceFlow id="f4" sourceRef="escalate" targetRef="end_late" /><bpmn:endEvent id="end_late" />
           <bpmn:sequenceFlow id="f5" sourceRef="withdrawn" targetRef="end_withdrawn" /><bpmn:endEvent id="end_withdrawn" />
           <bpmn:sequenceFlow id="f6" sourceRef="failed" targetRef="end_failed" /><bpmn:endEvent id="end_failed" />"#,
    );
    let (engine, client) = engine(&[&xml]).await;
    let started = start(&client, "deadline", 1, json!({"doc": 7})).await;
    let instance = started["processInstanceId"].as_str().unwrap().to_owned();
    engine.advance_clock(Duration::from_secs(2 * 3600));
    let history = eventually(
        || history(&client, &instance),
        |h| h.get("end_late").is_some(),
    )
    .await;
    let (approve, too_late) = (&history["approve"][0], &history["too_late"][0]);
    assert_eq!(
        entries(&history, "approve"),
        events(&[
            ("onEnter", json!({"doc": 7})),
            ("onSuspend", json!({"doc": 7})),
            ("onExit", json!({}))
        ])
    );
    for boundary in ["too_late", "withdrawn", "failed"] {
        assert_eq!(
            entries(&history, boundary),
            events(&[("onEnter", json!({"doc": 7})), ("onExit", json!({}))]),
            "{boundary}"
        );
    }
    // Only the error boundary event entered before it knew its activity.
    assert_eq!(
        too_late["previousFlowNodeInstanceId"],
        approve["flowNodeInstanceId"]
    );
    assert_eq!(
        history["failed"][0]["previousFlowNodeInstanceId"],
        Value::Null
    );
    assert_eq!(
        history["escalate"][0]["previousFlowNodeInstanceId"],
        too_late["flowNodeInstanceId"]
    );
    // The payload is the timer's `{}`; `token.current` is the last result, the start event's:
    // neither the interrupted task nor the boundary event recorded one.
    assert_eq!(history["escalate"][0]["payload"], json!({}));
    assert_eq!(
        history["escalate"][1]["payload"],
        json!({"late": {"doc": 7}, "keys": ["start"]})
    );
}

// end_event_handler.js, `_notifyAboutTermination`, and every interruptible handler's
// `_subscribeToProcessTermination`: the terminate end event's payload is what every waiting
// node writes in its onExit; the external task is finished with an error, so its worker gets
// 410; the instance fails with `Process was terminated through TerminateEndEvent '<id>'!`. Only
// the four event types of flow_node_instance.contracts ever appear.
#[tokio::test]
async fn a_terminate_end_event_closes_what_waits_on_every_branch() {
    let xml = model(
        "shutdown",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split" />
           <bpmn:parallelGateway id="split" />
           <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="listen" />
           <bpmn:intermediateCatchEvent id="listen"><bpmn:messageEventDefinition messageRef="Message_1" /></bpmn:intermediateCatchEvent>
           <bpmn:sequenceFlow id="f3" sourceRef="listen" targetRef="end_listen" /><bpmn:endEvent id="end_listen" />
           <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="work" />
           <bpmn:serviceTask id="work" camunda:type="external" camunda:topic="shutdown_topic" />
           <bpmn:sequenceFlow id="f5" sourceRef="work" targetRef="end_work" /><bpmn:endEvent id="end_work" />
           <bpmn:sequenceFlow id="f6" sourceRef="split" targetRef="stop_now" />
           <bpmn:manualTask id="stop_now" />
           <bpmn:sequenceFlow id="f7" sourceRef="stop_now" targetRef="stop" />
           <bpmn:endEvent id="stop"><bpmn:extensionElements><camunda:properties>
             <camunda:property name="inputValues" value="({stoppedAt: token.history.start.n})" />
           </camunda:properties></bpmn:extensionElements><bpmn:terminateEventDefinition /></bpmn:endEvent>"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let started = start(&client, "shutdown", 1, json!({"n": 5})).await;
    let (correlation_id, instance) = (
        started["correlationId"].as_str().unwrap().to_owned(),
        started["processInstanceId"].as_str().unwrap().to_owned(),
    );
    let task = fetch_one(&client, "shutdown_topic").await;
    let manual = get(
        &client,
        Call::new(&routes::GET_MANUAL_TASKS_FOR_CORRELATION).param(&correlation_id),
    )
    .await;
    let stop_now = manual["manualTasks"][0]["flowNodeInstanceId"]
        .as_str()
        .unwrap();
    send(
        &client,
        Call::new(&routes::FINISH_MANUAL_TASK)
            .param(&instance)
            .param(&correlation_id)
            .param(stop_now),
    )
    .await;
    let history = history(&client, &instance).await;
    let stopped = json!({"stoppedAt": 5});
    for waiting in ["listen", "work"] {
        assert_eq!(
            entries(&history, waiting),
            events(&[
                ("onEnter", json!({"n": 5})),
                ("onSuspend", json!({"n": 5})),
                ("onExit", stopped.clone())
            ]),
            "{waiting}"
        );
    }
    assert_eq!(
        entries(&history, "stop"),
        events(&[("onEnter", json!({})), ("onExit", stopped.clone())])
    );
    let types = event_types(&history);
    assert!(
        types
            .iter()
            .all(|t| ["onEnter", "onSuspend", "onResume", "onExit"].contains(&t.as_str())),
        "{types:?}"
    );
    let state = correlation(&client, &correlation_id).await;
    assert_eq!(
        (state["state"].clone(), state["error"].clone()),
        (
            json!("error"),
            json!({"_code": 500, "name": "InternalServerError"})
        )
    );
    let (status, _) = refused(
        &client,
        Call::new(&routes::FINISH_EXTERNAL_TASK)
            .param(task["id"].as_str().unwrap())
            .body(&json!({"workerId": "w", "result": {}})),
    )
    .await;
    assert_eq!(status, 410);
    let results = get(
        &client,
        Call::new(&routes::GET_PROCESS_RESULTS_FOR_CORRELATION)
            .param(&correlation_id)
            .param("shutdown"),
    )
    .await;
    assert_eq!(
        results,
        json!([{"correlationId": correlation_id, "endEventId": "stop", "tokenPayload": stopped}])
    );
}

// flow_node_handler_factory.js throws for a type without a handler while the previous node
// creates its successor: the previous node has exited, the gateway never appears, no boundary
// event of the previous node (detached by then) catches the error.
#[tokio::test]
async fn an_unsupported_gateway_never_appears_in_the_history() {
    let xml = model(
        "unsupported",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />
           <bpmn:scriptTask id="prepare"><bpmn:script>return {ready: true};</bpmn:script></bpmn:scriptTask>
           <bpmn:boundaryEvent id="catch_all" attachedToRef="prepare"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
           <bpmn:sequenceFlow id="f5" sourceRef="catch_all" targetRef="end_caught" /><bpmn:endEvent id="end_caught" />
           <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="fork" />
           <bpmn:complexGateway id="fork" />
           <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let (status, message) = refused(&client, super::start_call("unsupported", 2, &json!({}))).await;
    assert_eq!(
        (status, message.as_str()),
        (500, "BPMN type \"bpmn:ComplexGateway\" is not supported!")
    );
    let all = get(
        &client,
        Call::new(&routes::GET_CORRELATIONS_BY_PROCESS_MODEL_ID).param("unsupported"),
    )
    .await;
    let instance = all[0]["processInstances"][0]["processInstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let history = history(&client, &instance).await;
    let mut nodes: Vec<&str> = history
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    nodes.sort_unstable();
    assert_eq!(nodes, ["catch_all", "prepare", "start"]);
    assert_eq!(
        entries(&history, "prepare"),
        events(&[("onEnter", json!({})), ("onExit", json!({"ready": true}))])
    );
    assert_eq!(all[0]["state"], "error");
}

// token_history_api_core token_history_api_service.js, `_createTokenHistories`: each flow node
// instance overwrites its node's key in turn, so a node passed twice shows its last pass, and
// the history of a model in a correlation shows, per node, the instance that passed it last;
// an id nothing is known of has the history `{}`.
#[tokio::test]
async fn a_node_passed_twice_shows_its_last_pass() {
    let xml = model(
        "twice",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge" />
           <bpmn:exclusiveGateway id="merge" />
           <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="count" />
           <bpmn:scriptTask id="count"><bpmn:script>return {i: (token.current.i || 0) + 1};</bpmn:script></bpmn:scriptTask>
           <bpmn:sequenceFlow id="f3" sourceRef="count" targetRef="again" />
           <bpmn:exclusiveGateway id="again" default="out" />
           <bpmn:sequenceFlow id="back" sourceRef="again" targetRef="merge">
             <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">token.current.i &lt; 2</bpmn:conditionExpression>
           </bpmn:sequenceFlow>
           <bpmn:sequenceFlow id="out" sourceRef="again" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let first = start(&client, "twice", 2, json!({})).await;
    let history = history(&client, first["processInstanceId"].as_str().unwrap()).await;
    assert_eq!(
        entries(&history, "count"),
        events(&[("onEnter", json!({"i": 1})), ("onExit", json!({"i": 2}))])
    );
    // The second pass came from the loop (from the first pass of `again`, which the history
    // no longer shows), not from the start event.
    assert_ne!(
        history["merge"][0]["previousFlowNodeInstanceId"],
        history["start"][0]["flowNodeInstanceId"]
    );
    assert_eq!(history["merge"].as_array().unwrap().len(), 2);
    let correlation = first["correlationId"].as_str().unwrap();
    let second = get(
        &client,
        super::start_call("twice", 2, &json!({}))
            .body(&json!({"correlationId": correlation, "inputValues": {"i": 5}})),
    )
    .await;
    let merged = get(
        &client,
        Call::new(&routes::GET_TOKEN_HISTORY_FOR_CORRELATION_AND_PROCESS_MODEL)
            .param(correlation)
            .param("twice"),
    )
    .await;
    assert_eq!(
        merged["count"][0]["processInstanceId"],
        second["processInstanceId"]
    );
    assert_eq!(
        entries(&merged, "count"),
        events(&[("onEnter", json!({"i": 5})), ("onExit", json!({"i": 6}))])
    );
    assert_eq!(history_of_nothing(&client).await, (json!({}), json!({})));
}

async fn history_of_nothing(client: &process_engine_transport::Client) -> (Value, Value) {
    (
        history(client, "no_such_instance").await,
        get(
            client,
            Call::new(&routes::GET_TOKEN_HISTORY_FOR_CORRELATION_AND_PROCESS_MODEL)
                .param("none")
                .param("twice"),
        )
        .await,
    )
}
