//! Class 6: which check answers a request that is wrong in two ways.

use process_engine_api_types::routes;
use process_engine_transport::Call;
use serde_json::json;

use super::support::engine;
use super::{eventually, get, model, refused, start};

fn start_query(
    route: &'static process_engine_api_types::Route,
    model: &str,
    query: &[(&str, &str)],
) -> Call {
    Call::new(route).param(model).query(&query).body(&json!({}))
}

// consumer_api_core process_model_execution_adapter.js checks the callback type; then
// process_engine_core execute_process_service.js, `_validateStartRequest`: the model (by the
// caller's identity), that it is executable, the start event among all flow nodes, or the
// single start event, then for callback 3 the end event's presence and its existence among all
// flow nodes; `_createProcessInstanceConfig` checks that the start event is one. The
// management API's start route is the same code.
#[tokio::test]
async fn starts_are_checked_in_the_cores_order() {
    let xml = model(
        "ordered",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
           <bpmn:manualTask id="work" />
           <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let not_executable = xml
        .replace("\"ordered\"", "\"idle\"")
        .replace("isExecutable=\"true\"", "isExecutable=\"false\"")
        .replace("Definitions_ordered", "Definitions_idle");
    let (_engine, client) = engine(&[&xml, &not_executable]).await;
    for route in [
        &routes::START_PROCESS_INSTANCE,
        &routes::MANAGEMENT_START_PROCESS_INSTANCE,
    ] {
        for (model, query, status, message) in [
            (
                "nowhere",
                vec![("start_callback_type", "7")],
                400,
                "7 is not a valid return option!",
            ),
            (
                "nowhere",
                vec![("start_callback_type", "3")],
                404,
                "ProcessModel with id nowhere not found!",
            ),
            (
                "idle",
                vec![("start_callback_type", "3")],
                400,
                "The process model is not executable!",
            ),
            (
                "ordered",
                vec![
                    ("start_callback_type", "3"),
                    ("start_event_id", "ghost"),
                    ("end_event_id", "ghost"),
                ],
                404,
                "StartEvent with ID 'ghost' not found!",
            ),
            (
                "ordered",
                vec![("start_callback_type", "3"), ("start_event_id", "end")],
                400,
                "Must provide an EndEventId, when using callback type 'CallbackOnEndEventReached'!",
            ),
            (
                "ordered",
                vec![
                    ("start_callback_type", "3"),
                    ("start_event_id", "end"),
                    ("end_event_id", "ghost"),
                ],
                404,
                "EndEvent with ID 'end' not found!",
            ),
            (
                "ordered",
                vec![
                    ("start_callback_type", "3"),
                    ("start_event_id", "work"),
                    ("end_event_id", "start"),
                ],
                404,
                "Start event with id 'work' not found!",
            ),
        ] {
            let (got_status, got) = refused(&client, start_query(route, model, &query)).await;
            assert_eq!((got_status, got.as_str()), (status, message), "{query:?}");
        }
    }
}

// consumer_api_service.js, `finishManualTask`/`finishEmptyActivity`: the flow node instance is
// found among the instance's suspended ones of the correlation (404), then converted; the
// converter skips what is not of its kind and the finish reads `correlationId` of nothing: a
// TypeError (500). A wrong correlation is a 404 before any of that.
#[tokio::test]
async fn a_task_finished_through_the_route_of_another_kind_is_a_500() {
    let xml = model(
        "kinds",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split" />
           <bpmn:parallelGateway id="split" />
           <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="look" /><bpmn:task id="look" />
           <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="wait" />
           <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="Message_1" /></bpmn:intermediateCatchEvent>"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let started = start(&client, "kinds", 1, json!({})).await;
    let (correlation, instance) = (
        started["correlationId"].as_str().unwrap().to_owned(),
        started["processInstanceId"].as_str().unwrap().to_owned(),
    );
    let look = get(
        &client,
        Call::new(&routes::GET_EMPTY_ACTIVITIES_FOR_CORRELATION).param(&correlation),
    )
    .await["emptyActivities"][0]["flowNodeInstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let wait = get(
        &client,
        Call::new(&routes::GET_EVENTS_FOR_CORRELATION).param(&correlation),
    )
    .await["events"][0]["flowNodeInstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let type_error = (
        500,
        "Cannot read properties of undefined (reading 'correlationId')".to_owned(),
    );
    let finish = |route, fni: &str, correlation: &str| {
        Call::new(route)
            .param(&instance)
            .param(correlation)
            .param(fni)
            .body(&json!({}))
    };
    // A suspended catch event is found by every finish route; no converter takes it.
    for route in [
        &routes::FINISH_MANUAL_TASK,
        &routes::FINISH_USER_TASK,
        &routes::MANAGEMENT_FINISH_EMPTY_ACTIVITY,
    ] {
        assert_eq!(
            refused(&client, finish(route, &wait, &correlation)).await,
            type_error
        );
    }
    assert_eq!(
        refused(
            &client,
            finish(&routes::FINISH_MANUAL_TASK, &look, &correlation)
        )
        .await,
        type_error
    );
    assert_eq!(
        refused(
            &client,
            finish(&routes::FINISH_EMPTY_ACTIVITY, &look, "elsewhere")
        )
        .await,
        (
            404,
            format!(
                "ProcessInstance '{instance}' in Correlation 'elsewhere' does not have an EmptyActivity with id '{look}'"
            )
        )
    );
    // Nothing moved.
    let events = eventually(
        || {
            get(
                &client,
                Call::new(&routes::GET_EVENTS_FOR_CORRELATION).param(&correlation),
            )
        },
        |events| events["events"].as_array().is_some_and(|e| e.len() == 1),
    )
    .await;
    assert_eq!(events["events"][0]["id"], "wait");
}

// consumer_api_service.js, `getProcessResultForCorrelation`: the model first
// (`getProcessModelById`), then the correlation's flow node instances.
#[tokio::test]
async fn results_look_the_model_up_before_the_correlation() {
    let xml = model(
        "results_order",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let results = |correlation: &str, model: &str| {
        Call::new(&routes::GET_PROCESS_RESULTS_FOR_CORRELATION)
            .param(correlation)
            .param(model)
    };
    assert_eq!(
        refused(&client, results("no_correlation", "no_model")).await,
        (404, "ProcessModel with id no_model not found!".to_owned())
    );
    assert_eq!(
        refused(&client, results("no_correlation", "results_order")).await,
        (
            404,
            "No process results for correlation with id 'no_correlation' found.".to_owned()
        )
    );
    let started = start(&client, "results_order", 2, json!({"v": 1})).await;
    assert_eq!(
        refused(
            &client,
            results(started["correlationId"].as_str().unwrap(), "no_model")
        )
        .await,
        (404, "ProcessModel with id no_model not found!".to_owned())
    );
}
