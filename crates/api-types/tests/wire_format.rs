//! The generated types write what the engine reads and read what a newer engine may write.

use process_engine_api_types::models::{
    CorrelationState, ExternalTask, FetchAndLockRequest, FormFieldType, ProcessModelList,
    ProcessStartRequest, StartCallbackType, StartProcessInstanceQuery,
};
use serde::Deserialize;
use serde_json::{Value, json};

fn external_task() -> Value {
    json!({
        "id": "t1", "workerId": "w", "topic": "orders", "flowNodeInstanceId": "f",
        "correlationId": "c", "processModelId": "m", "processInstanceId": "p",
        "identity": {"token": "t", "userId": "u"}, "payload": {"order": 4711},
        "lockExpirationTime": "2026-11-23T20:41:32.536Z", "state": "pending",
        "finishedAt": null, "error": null, "createdAt": "2026-11-23T20:41:02.528Z"
    })
}

#[test]
fn request_bodies_are_camel_case_and_leave_out_what_is_not_set() {
    let mut start = ProcessStartRequest::default();
    start.correlation_id = Some("order-4711".into());
    start.input_values = Some(json!({"customer": "ACME"}));
    assert_eq!(
        serde_json::to_value(&start).unwrap(),
        json!({"correlationId": "order-4711", "inputValues": {"customer": "ACME"}})
    );
    assert_eq!(
        serde_json::to_value(ProcessStartRequest::default()).unwrap(),
        json!({})
    );

    let mut fetch = FetchAndLockRequest::default();
    fetch.worker_id = "w1".into();
    fetch.topic_name = "orders".into();
    fetch.max_tasks = Some(10);
    fetch.long_polling_timeout = Some(1000);
    fetch.lock_duration = Some(30000);
    assert_eq!(
        serde_json::to_value(&fetch).unwrap(),
        json!({"workerId": "w1", "topicName": "orders", "maxTasks": 10,
               "longPollingTimeout": 1000, "lockDuration": 30000})
    );
}

#[test]
fn query_parameters_are_snake_case_and_numbers() {
    let mut query = StartProcessInstanceQuery::default();
    query.start_callback_type = Some(StartCallbackType::OnEndEventReached);
    query.end_event_id = Some("the end".into());
    assert_eq!(
        serde_urlencoded::to_string(&query).unwrap(),
        "start_callback_type=3&end_event_id=the+end"
    );
    assert_eq!(
        serde_urlencoded::to_string(StartProcessInstanceQuery::default()).unwrap(),
        ""
    );
}

#[test]
fn unknown_fields_are_accepted() {
    let mut body = external_task();
    body["priority"] = json!(5);
    body["identity"]["claims"] = json!(["a"]);
    let task: ExternalTask = serde_json::from_value(body).unwrap();
    assert_eq!(task.topic, "orders");
}

#[test]
fn enums_keep_values_a_newer_engine_sends() {
    let state: CorrelationState = serde_json::from_value(json!("suspended")).unwrap();
    assert_eq!(state, CorrelationState::Other("suspended".into()));
    assert_eq!(serde_json::to_value(&state).unwrap(), json!("suspended"));
    let known: CorrelationState = serde_json::from_value(json!("finished")).unwrap();
    assert_eq!(known, CorrelationState::Finished);

    let field: FormFieldType = serde_json::from_value(json!("datetime")).unwrap();
    assert_eq!(field.as_str(), "datetime");
    assert_eq!(FormFieldType::from("long"), FormFieldType::Long);

    let callback: StartCallbackType = serde_json::from_value(json!(2)).unwrap();
    assert_eq!(callback, StartCallbackType::OnProcessInstanceFinished);
    assert_eq!(
        serde_json::to_value(StartCallbackType::from(7)).unwrap(),
        json!(7)
    );
    assert_eq!(
        StartCallbackType::default().as_i64(),
        1,
        "the engine's default"
    );
}

#[test]
fn payloads_read_as_typed_values() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Order {
        order: u32,
    }
    let task: ExternalTask = serde_json::from_value(external_task()).unwrap();
    assert_eq!(task.payload_as::<Order>().unwrap(), Order { order: 4711 });

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Customer {
        customer: String,
    }
    let error = task.payload_as::<Customer>().unwrap_err();
    assert!(error.to_string().contains("Customer"), "{error}");
}

#[test]
fn an_explicit_null_payload_stays_apart_from_an_absent_one() {
    let mut body = external_task();
    body["payload"] = Value::Null;
    let task: ExternalTask = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(task.payload, Some(Value::Null));
    assert_eq!(serde_json::to_value(&task).unwrap(), body);

    body.as_object_mut().unwrap().remove("payload");
    let task: ExternalTask = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(task.payload, None);
    assert_eq!(serde_json::to_value(&task).unwrap(), body);
}

#[test]
fn decode_errors_name_the_field() {
    let body = json!({"processModels": [{"id": "m", "startEvents": "nope", "endEvents": []}]});
    let error = serde_path_to_error::deserialize::<_, ProcessModelList>(&body).unwrap_err();
    assert_eq!(error.path().to_string(), "processModels[0].startEvents");
    let body = json!({"processModels": [{"id": "m", "endEvents": []}]});
    let error = serde_path_to_error::deserialize::<_, ProcessModelList>(&body).unwrap_err();
    assert!(error.inner().to_string().contains("startEvents"), "{error}");
}

#[test]
fn own_instances_are_read_by_meaning_despite_the_swapped_fields() {
    // What 8.0.0 answers on `process_instances/own`: the model id travels as `correlationId`.
    let body = json!([{"id": "pi", "correlationId": "order_model", "processModelId": "order-4711",
                       "owner": {"token": "t", "userId": "alice"}, "parentProcessInstanceId": null}]);
    let instances: process_engine_api_types::models::ProcessInstanceList =
        serde_json::from_value(body.clone()).unwrap();
    assert_eq!(instances[0].process_model_id, "order_model");
    assert_eq!(instances[0].correlation_id, "order-4711");
    assert_eq!(serde_json::to_value(&instances).unwrap(), body);
}
