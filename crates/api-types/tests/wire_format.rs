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

#[test]
fn a_correlation_error_is_any_json_read_through_its_keys() {
    use process_engine_api_types::models::CorrelationError;

    let own: CorrelationError = serde_json::from_value(json!({
        "_code": 500, "name": "InternalServerError", "_additionalInformation": {"why": "test"}
    }))
    .unwrap();
    assert_eq!(
        (own.code(), own.name(), own.message(), own.error_code()),
        (Some(500), Some("InternalServerError"), None, None)
    );
    assert_eq!(own.additional_information(), Some(&json!({"why": "test"})));

    let bpmn: CorrelationError =
        serde_json::from_value(json!({"name": "PubOtherError", "code": "E_SAME"})).unwrap();
    assert_eq!(
        (bpmn.code(), bpmn.name(), bpmn.error_code()),
        (None, Some("PubOtherError"), Some("E_SAME"))
    );

    // A thrown string is the message itself; a thrown object keeps its own properties.
    let text: CorrelationError = serde_json::from_value(json!("out of stock")).unwrap();
    assert_eq!((text.message(), text.name()), (Some("out of stock"), None));
    let thrown: CorrelationError =
        serde_json::from_value(json!({"message": "no stock", "details": {"order": 8}})).unwrap();
    assert_eq!(thrown.message(), Some("no stock"));

    #[derive(Debug, Deserialize, PartialEq)]
    struct Details {
        order: u32,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    struct Thrown {
        details: Details,
    }
    assert_eq!(
        thrown.read_as::<Thrown>().unwrap().details,
        Details { order: 8 }
    );
    let error = text.read_as::<Thrown>().unwrap_err();
    assert!(error.to_string().contains("Thrown"), "{error}");

    // Whatever the shape, it re-encodes as sent.
    for value in [json!({}), json!(42), json!([1, 2]), json!(true), json!("")] {
        let error: CorrelationError = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(
            (error.code(), error.name(), error.message()),
            (None, None, value.as_str())
        );
        assert_eq!(serde_json::to_value(&error).unwrap(), value);
        assert_eq!(error.into_json(), value);
    }
}

#[test]
fn form_fields_keep_absent_empty_and_null_apart() {
    use process_engine_api_types::models::FormField;

    let fields: Vec<FormField> = serde_json::from_value(json!([
        {"id": "a", "label": "", "type": "long", "defaultValue": 42},
        {"id": "b", "label": null, "defaultValue": {"tags": ["x"]}},
        {"label": "No id", "type": "string"}
    ]))
    .unwrap();
    assert_eq!(fields[0].label, Some(json!("")));
    assert_eq!(fields[0].default_value, Some(json!(42)));
    assert_eq!(fields[1].label, Some(Value::Null));
    assert_eq!(fields[1].r#type, None, "a type the engine does not name");
    assert_eq!(fields[2].id, None);
    assert_eq!(fields[2].default_value, None);
    assert_eq!(
        serde_json::to_value(&fields).unwrap(),
        json!([
            {"id": "a", "label": "", "type": "long", "defaultValue": 42},
            {"id": "b", "label": null, "defaultValue": {"tags": ["x"]}},
            {"label": "No id", "type": "string"}
        ])
    );
}

#[test]
fn finishes_may_leave_out_their_result() {
    use process_engine_api_types::models::{FinishExternalTaskRequest, UserTaskResult};

    assert_eq!(
        serde_json::to_value(FinishExternalTaskRequest::new("w")).unwrap(),
        json!({"workerId": "w"})
    );
    assert_eq!(
        serde_json::to_value(FinishExternalTaskRequest::new("w").with_result(Value::Null)).unwrap(),
        json!({"workerId": "w", "result": null}),
        "null is a result of its own"
    );
    assert_eq!(
        serde_json::to_value(UserTaskResult::new()).unwrap(),
        json!({})
    );
    // What the engine reads as no form fields (`!formFields`) decodes as none; anything else
    // that is no object it refuses, and so does the type.
    for falsy in [json!(false), json!(0), json!(""), Value::Null] {
        let body: UserTaskResult = serde_json::from_value(json!({"formFields": falsy})).unwrap();
        assert_eq!(body.form_fields, None);
    }
    let body: UserTaskResult = serde_json::from_value(json!({"formFields": {"a": 1}})).unwrap();
    assert_eq!(body.form_fields.unwrap()["a"], 1);
    for refused in [json!([]), json!(true), json!("yes"), json!(1)] {
        assert!(serde_json::from_value::<UserTaskResult>(json!({"formFields": refused})).is_err());
    }
}

#[test]
fn a_query_is_written_as_serde_would_write_it() {
    use process_engine_api_types::Operation;
    use process_engine_api_types::models::ProcessStartRequest;
    use process_engine_api_types::operations::StartProcessInstance;

    let texts = ["start", "the end", "a&b=c", "ä/ö?#+", "", "*-._~!'()"];
    let callbacks = [
        None,
        Some(StartCallbackType::OnProcessInstanceCreated),
        Some(StartCallbackType::OnEndEventReached),
        Some(StartCallbackType::Other(-7)),
    ];
    for callback in callbacks {
        for start in texts.iter().map(|t| Some((*t).to_owned())).chain([None]) {
            for end in texts.iter().map(|t| Some((*t).to_owned())).chain([None]) {
                let mut query = StartProcessInstanceQuery::default();
                query.start_callback_type = callback.clone();
                query.start_event_id = start.clone();
                query.end_event_id = end.clone();
                let expected = serde_urlencoded::to_string(&query).unwrap();
                let operation =
                    StartProcessInstance::new("m", ProcessStartRequest::new()).with_query(query);
                let mut written = String::new();
                operation.write_query(&mut written).unwrap();
                assert_eq!(written, expected);
                // Appended after what is there, joined by `&`.
                let mut more = "a=1".to_owned();
                operation.write_query(&mut more).unwrap();
                let joined = if expected.is_empty() {
                    "a=1".to_owned()
                } else {
                    format!("a=1&{expected}")
                };
                assert_eq!(more, joined);
            }
        }
    }
}
