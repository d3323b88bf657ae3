//! Class 3: errors inside sub-processes and the payload a catch leaves.

use process_engine_api_types::routes;
use process_engine_transport::Call;
use serde_json::json;

use super::support::engine;
use super::{correlation, entries, events, fetch_one, get, history, model, refused, send, start};

/// A sub-process `inner` around `inner_body`, with `boundaries` on it, after a start event;
/// its normal way out ends at `end`.
fn with_sub_process(id: &str, inner_body: &str, boundaries: &str) -> String {
    model(
        id,
        &format!(
            r#"<bpmn:startEvent id="start" />
               <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inner" />
               <bpmn:subProcess id="inner">
                 <bpmn:startEvent id="inner_start" />
                 <bpmn:sequenceFlow id="i1" sourceRef="inner_start" targetRef="inner_step" />
                 {inner_body}
               </bpmn:subProcess>
               {boundaries}
               <bpmn:sequenceFlow id="f2" sourceRef="inner" targetRef="end" /><bpmn:endEvent id="end" />"#
        ),
    )
}

// sub_process_handler.js: the inner error reaches the sub-process as it is and the sub-process
// writes `{error: error.message, additionalInformation: error.additionalInformation}` (an
// `InternalServerError` from handleBpmnError has none, so the key is left out) before
// `persistOnError`; flow_node_handler_interruptible.js detaches the boundary events with that
// payload and puts the error on the catching path's token.
#[tokio::test]
async fn a_worker_error_inside_a_sub_process_is_caught_on_the_sub_process() {
    let xml = with_sub_process(
        "sub_worker",
        r#"<bpmn:serviceTask id="inner_step" camunda:type="external" camunda:topic="sub_worker_topic" />
           <bpmn:sequenceFlow id="i2" sourceRef="inner_step" targetRef="inner_end" /><bpmn:endEvent id="inner_end" />"#,
        r#"<bpmn:boundaryEvent id="caught" attachedToRef="inner"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
           <bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="report" />
           <bpmn:scriptTask id="report"><bpmn:script>return {message: token.current.message, code: token.current.code, inner: token.history.inner};</bpmn:script></bpmn:scriptTask>
           <bpmn:sequenceFlow id="f4" sourceRef="report" targetRef="end_caught" /><bpmn:endEvent id="end_caught" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let started = start(&client, "sub_worker", 1, json!({"order": 12})).await;
    let task = fetch_one(&client, "sub_worker_topic").await;
    assert_eq!(task["processModelId"], "inner");
    send(
        &client,
        Call::new(&routes::HANDLE_EXTERNAL_TASK_BPMN_ERROR)
            .param(task["id"].as_str().unwrap())
            .body(&json!({"workerId": "w", "errorCode": "NO_STOCK"})),
    )
    .await;
    let message = "ExternalTask failed due to BPMN error with code NO_STOCK";
    let history = history(&client, started["processInstanceId"].as_str().unwrap()).await;
    assert_eq!(
        entries(&history, "inner"),
        events(&[
            ("onEnter", json!({"order": 12})),
            ("onSuspend", json!({"order": 12})),
            ("onExit", json!({"error": message})),
        ])
    );
    assert_eq!(
        entries(&history, "caught"),
        events(&[
            ("onEnter", json!({"order": 12})),
            ("onExit", json!({"error": message}))
        ])
    );
    // `code` is the errors_ts getter (500), `message` is readable though not in the JSON.
    assert_eq!(
        entries(&history, "report")[1],
        (
            "onExit".to_owned(),
            json!({"message": message, "code": 500, "inner": {"_code": 500, "name": "InternalServerError"}})
        )
    );
    assert_eq!(
        correlation(&client, started["correlationId"].as_str().unwrap()).await["state"],
        "finished"
    );
}

// error_boundary_event_handler.js, `canHandleError`: a named boundary event catches an error of
// its name, and of its code when it has one; the code alone never matches. end_event_handler.js
// rejects with `BpmnError(name, code)`, whose message is empty: a blocked start answers 500 with
// an empty body, and the correlation stores `{name, code}`.
#[tokio::test]
async fn a_boundary_event_on_a_sub_process_matches_an_error_end_event_by_name_then_code() {
    let inner = r#"<bpmn:sequenceFlow id="i2" sourceRef="inner_step" targetRef="inner_fail" />
        <bpmn:scriptTask id="inner_step"><bpmn:script>return {checked: true};</bpmn:script></bpmn:scriptTask>
        <bpmn:endEvent id="inner_fail"><bpmn:errorEventDefinition errorRef="Error_1" /></bpmn:endEvent>"#;
    let other_code = with_sub_process(
        "code_differs",
        inner,
        r#"<bpmn:boundaryEvent id="caught" attachedToRef="inner"><bpmn:errorEventDefinition errorRef="Error_other" /></bpmn:boundaryEvent>
           <bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="end_caught" /><bpmn:endEvent id="end_caught" />"#,
    )
    .replace(
        "</bpmn:definitions>",
        r#"<bpmn:error id="Error_other" name="code_differsError" errorCode="E2" /></bpmn:definitions>"#,
    );
    let name_only = with_sub_process(
        "name_only",
        inner,
        r#"<bpmn:boundaryEvent id="caught" attachedToRef="inner"><bpmn:errorEventDefinition errorRef="Error_named" /></bpmn:boundaryEvent>
           <bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="end_caught" /><bpmn:endEvent id="end_caught" />"#,
    )
    .replace(
        "</bpmn:definitions>",
        r#"<bpmn:error id="Error_named" name="name_onlyError" /></bpmn:definitions>"#,
    );
    let (_engine, client) = engine(&[&other_code, &name_only]).await;
    let (status, body) = refused(&client, super::start_call("code_differs", 2, &json!({}))).await;
    assert_eq!((status, body.as_str()), (500, ""));
    let failed = get(
        &client,
        Call::new(&routes::GET_CORRELATIONS_BY_PROCESS_MODEL_ID).param("code_differs"),
    )
    .await;
    assert_eq!(
        failed[0]["error"],
        json!({"name": "code_differsError", "code": "E1"})
    );

    let caught = start(&client, "name_only", 2, json!({})).await;
    assert_eq!(caught["endEventId"], "end_caught");
    assert_eq!(
        caught["tokenPayload"],
        json!({"name": "name_onlyError", "code": "E1"})
    );
    let history = history(&client, caught["processInstanceId"].as_str().unwrap()).await;
    // The BpmnError's message is empty: `{error: ''}`.
    assert_eq!(
        entries(&history, "inner")[2],
        ("onExit".to_owned(), json!({"error": ""}))
    );
}
