//! Class 4: call activities.

use process_engine_api_types::routes;
use process_engine_transport::Call;
use serde_json::json;

use super::support::engine;
use super::{correlation, entries, events, get, history, model, refused, start};

/// A parent that calls `child` from `call`, with a catch-all boundary event on it whose path
/// reports what it caught.
fn caller(id: &str, child: &str, before: &str) -> String {
    model(
        id,
        &format!(
            r#"<bpmn:startEvent id="start" />
               <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="before" />
               <bpmn:scriptTask id="before"><bpmn:script>{before}</bpmn:script></bpmn:scriptTask>
               <bpmn:sequenceFlow id="f2" sourceRef="before" targetRef="call" />
               <bpmn:callActivity id="call" calledElement="{child}" />
               <bpmn:boundaryEvent id="caught" attachedToRef="call"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
               <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="end" /><bpmn:endEvent id="end" name="Done" />
               <bpmn:sequenceFlow id="f4" sourceRef="caught" targetRef="report" />
               <bpmn:scriptTask id="report"><bpmn:script>return {{caught: token.current, message: token.current.message}};</bpmn:script></bpmn:scriptTask>
               <bpmn:sequenceFlow id="f5" sourceRef="report" targetRef="end_caught" /><bpmn:endEvent id="end_caught" />"#
        ),
    )
}

// call_activity_handler.js, `_executeSubprocess`: the child's input is `token.current || {}`
// (an empty string is falsy); `_createResultTokenPayloadFromCallActivityResult`: the result is
// `{result, endEventId, endEventName}`, `endEventName` being the end event's name; the child's
// token history starts with no previous node and its own results only.
#[tokio::test]
async fn a_call_activity_wraps_what_its_child_ends_with() {
    let child = model(
        "echo_child",
        r#"<bpmn:startEvent id="child_start" />
           <bpmn:sequenceFlow id="c1" sourceRef="child_start" targetRef="echo" />
           <bpmn:scriptTask id="echo"><bpmn:script>return [token.current, Object.keys(token.history)];</bpmn:script></bpmn:scriptTask>
           <bpmn:sequenceFlow id="c2" sourceRef="echo" targetRef="child_end" /><bpmn:endEvent id="child_end" name="Echoed" />"#,
    );
    let parent = caller("echo_parent", "echo_child", "return '';");
    let (_engine, client) = engine(&[&child, &parent]).await;
    let answer = start(&client, "echo_parent", 2, json!({"n": 1})).await;
    assert_eq!(answer["endEventId"], "end");
    assert_eq!(
        answer["tokenPayload"],
        json!({"result": [{}, ["child_start"]], "endEventId": "child_end", "endEventName": "Echoed"})
    );
    let correlation = correlation(&client, answer["correlationId"].as_str().unwrap()).await;
    let child = &correlation["processInstances"][1];
    assert_eq!(
        child["parentProcessInstanceId"],
        answer["processInstanceId"]
    );
    let history = history(&client, child["processInstanceId"].as_str().unwrap()).await;
    assert_eq!(
        history["child_start"][0]["previousFlowNodeInstanceId"],
        json!(null)
    );
    assert_eq!(
        history["child_start"][0]["caller"],
        answer["processInstanceId"]
    );
}

// execute_process_service.js, `_startAndAwaitEndEvent`: a child's error that has a code (or
// errorCode) and a name reaches the caller as it is; any other becomes an InternalServerError
// with its message. call_activity_handler.js exits with `{error, additionalInformation}`.
#[tokio::test]
async fn a_childs_error_reaches_its_caller_as_it_is_only_with_a_code() {
    let plain_child = model(
        "plain_child",
        r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="c1" sourceRef="s" targetRef="boom" />
           <bpmn:scriptTask id="boom"><bpmn:script>const e = new Error('plain'); e.detail = 1; throw e;</bpmn:script></bpmn:scriptTask>"#,
    );
    let coded_child = model(
        "coded_child",
        r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="c1" sourceRef="s" targetRef="boom" />
           <bpmn:scriptTask id="boom"><bpmn:script>const e = new Error('coded'); e.errorCode = 'X1'; throw e;</bpmn:script></bpmn:scriptTask>"#,
    );
    let plain_parent = caller("plain_parent", "plain_child", "return 1;");
    let coded_parent = caller("coded_parent", "coded_child", "return 1;");
    let (_engine, client) =
        engine(&[&plain_child, &coded_child, &plain_parent, &coded_parent]).await;

    let plain = start(&client, "plain_parent", 2, json!({})).await;
    assert_eq!(
        plain["tokenPayload"],
        json!({"caught": {"_code": 500, "name": "InternalServerError"}, "message": "plain"})
    );
    let coded = start(&client, "coded_parent", 2, json!({})).await;
    assert_eq!(
        coded["tokenPayload"],
        json!({"caught": {"errorCode": "X1"}, "message": "coded"})
    );
    let history = history(&client, coded["processInstanceId"].as_str().unwrap()).await;
    assert_eq!(
        entries(&history, "call"),
        events(&[
            ("onEnter", json!(1)),
            ("onSuspend", json!(1)),
            ("onExit", json!({"error": "coded"}))
        ])
    );
    // The parent went on; its correlation still reads error, with the child's error.
    let correlation = correlation(&client, coded["correlationId"].as_str().unwrap()).await;
    assert_eq!(correlation["state"], "error");
    assert_eq!(correlation["error"], json!({"errorCode": "X1"}));
    assert_eq!(correlation["processInstances"][0]["state"], "finished");
}

// call_activity_handler.js reads `result.currentToken.result` without a check: a child that
// ends with `null` fails the call activity with a TypeError (stored as `{}`, 500).
#[tokio::test]
async fn a_child_that_ends_with_null_fails_its_call_activity() {
    let child = model(
        "null_child",
        r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="c1" sourceRef="s" targetRef="nothing" />
           <bpmn:scriptTask id="nothing"><bpmn:script>return null;</bpmn:script></bpmn:scriptTask>
           <bpmn:sequenceFlow id="c2" sourceRef="nothing" targetRef="e" /><bpmn:endEvent id="e" />"#,
    );
    let parent = model(
        "null_parent",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
           <bpmn:callActivity id="call" calledElement="null_child" />
           <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&child, &parent]).await;
    let (status, message) = refused(&client, super::start_call("null_parent", 2, &json!({}))).await;
    assert_eq!(
        (status, message.as_str()),
        (500, "Cannot read properties of null (reading 'result')")
    );
    let all = get(
        &client,
        Call::new(&routes::GET_CORRELATIONS_BY_PROCESS_MODEL_ID).param("null_parent"),
    )
    .await;
    assert_eq!(all[0]["processInstances"][0]["error"], json!({}));
}
