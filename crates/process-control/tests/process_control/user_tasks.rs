//! User tasks: every scope, typed form fields, finishing with a map or a struct.

use std::collections::HashMap;

use process_engine_api_types::models::{FormField, FormFieldType, UserTask};
use process_engine_process_control::{ErrorKind, FormValue, RequestOptions, TaskRef, TaskScope};
use serde::Serialize;
use serde_json::json;

use crate::support::{Harness, Model, unique, user};

#[tokio::test]
async fn a_user_task_is_listed_in_every_scope_with_typed_fields() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let correlation = unique("corr");
    let alice = user(&unique("alice"));
    let started = harness
        .starting(&model)
        .correlation_id(&correlation)
        .input(&json!({"order": 1}))
        .with_options(RequestOptions::new().with_identity(alice.clone()))
        .send()
        .await
        .unwrap();

    let task = harness
        .one_user_task(TaskScope::process_model(&model))
        .await;
    assert_eq!(task.id, "enter_data");
    assert_eq!(task.name.as_deref(), Some("Enter your data"));
    assert_eq!(task.correlation_id, correlation);
    assert_eq!(task.process_model_id, model);
    assert_eq!(task.process_instance_id, started.process_instance_id);
    assert_eq!(task.token_payload, json!({"order": 1}));
    for scope in [
        TaskScope::process_instance(&started.process_instance_id),
        TaskScope::correlation(&correlation),
        TaskScope::process_model_in_correlation(&model, &correlation),
    ] {
        assert_eq!(harness.one_user_task(scope).await, task);
    }
    let own = harness
        .client
        .user_tasks(TaskScope::Own)
        .with_options(RequestOptions::new().with_identity(alice))
        .send()
        .await
        .unwrap()
        .user_tasks;
    assert_eq!(own, std::slice::from_ref(&task));
    let not_bobs = harness
        .client
        .user_tasks(TaskScope::Own)
        .with_options(RequestOptions::new().with_identity(user(&unique("bob"))))
        .send()
        .await
        .unwrap()
        .user_tasks;
    assert!(not_bobs.is_empty());

    let types: Vec<_> = task
        .data
        .form_fields
        .iter()
        .map(|f| f.r#type.clone())
        .collect();
    assert_eq!(
        types,
        [
            Some(FormFieldType::String),
            Some(FormFieldType::Long),
            Some(FormFieldType::Number),
            Some(FormFieldType::Boolean),
            Some(FormFieldType::Date),
            Some(FormFieldType::Enum)
        ]
    );
    let defaults: Vec<_> = task
        .data
        .form_fields
        .iter()
        .map(FormValue::default_of)
        .collect();
    assert_eq!(
        defaults,
        [
            Some(FormValue::String("Jane".into())),
            Some(FormValue::Long(42)),
            Some(FormValue::Number(1.75)),
            Some(FormValue::Boolean(false)),
            None,
            Some(FormValue::String("red".into())),
        ]
    );
    let color = form_field(&task, "color");
    assert_eq!(color.label, Some(json!("Colour")));
    let values: Vec<_> = color
        .enum_values
        .iter()
        .flatten()
        .map(|value| (value.id.as_deref(), value.name.as_deref()))
        .collect();
    assert_eq!(
        values,
        [(Some("red"), Some("Red")), (Some("green"), Some("Green"))]
    );
    assert_eq!(form_field(&task, "age").default_value, Some(json!("42")));
}

/// The form field of `task` with that id.
fn form_field<'a>(task: &'a UserTask, id: &str) -> &'a FormField {
    task.data
        .form_fields
        .iter()
        .find(|field| field.id.as_deref() == Some(id))
        .unwrap()
}

#[derive(Serialize)]
struct Answer {
    first_name: String,
    age: i64,
    accepted: bool,
    color: &'static str,
}

#[tokio::test]
async fn finishing_with_a_struct_wraps_it_as_the_engine_expects() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let started = harness.start_instance(&model).await;
    let task = harness
        .one_user_task(TaskScope::correlation(&started.correlation_id))
        .await;
    let answer = Answer {
        first_name: "Ada".into(),
        age: 36,
        accepted: true,
        color: "green",
    };
    harness
        .client
        .finish_user_task(&task)
        .answer(&answer)
        .send()
        .await
        .unwrap();
    // The engine answers the finish before the instance ends.
    let results = harness
        .client
        .wait_for_result(&started.correlation_id, &model)
        .send()
        .await
        .unwrap();
    assert_eq!(
        results[0].token_payload,
        json!({"form_fields": {"first_name": "Ada", "age": 36, "accepted": true, "color": "green"}})
    );
}

#[tokio::test]
async fn finishing_with_a_map_by_ids_and_finishing_twice() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let started = harness.start_instance(&model).await;
    let task = harness
        .one_user_task(TaskScope::correlation(&started.correlation_id))
        .await;
    // The Python client's finish_user_task(process_instance_id, correlation_id, task instance id, answer).
    let by_ids = TaskRef::new(
        &task.process_instance_id,
        &task.correlation_id,
        &task.flow_node_instance_id,
    );
    let answer = HashMap::from([("first_name", json!("Grace")), ("age", json!(85))]);
    harness
        .client
        .finish_user_task(by_ids.clone())
        .answer(&answer)
        .field("accepted", &FormValue::Boolean(true))
        .send()
        .await
        .unwrap();
    let error = harness
        .client
        .finish_user_task(by_ids)
        .answer(&answer)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.status(), Some(404));
    assert!(
        error
            .message()
            .unwrap()
            .contains("does not have a UserTask"),
        "{error}"
    );
    let results = harness.results(&started.correlation_id, &model).await;
    assert_eq!(
        results[0].token_payload,
        json!({"form_fields": {"first_name": "Grace", "age": 85, "accepted": true}})
    );
}

#[tokio::test]
async fn an_answer_that_is_not_an_object_is_refused_before_sending() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let started = harness.start_instance(&model).await;
    let task = harness
        .one_user_task(TaskScope::correlation(&started.correlation_id))
        .await;
    let error = harness
        .client
        .finish_user_task(&task)
        .answer(&["not", "an", "object"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        error.to_string(),
        "a user task's answer must be a JSON object of form field values, not an array"
    );
    // The task still waits.
    harness
        .one_user_task(TaskScope::process_instance(&task.process_instance_id))
        .await;
}
