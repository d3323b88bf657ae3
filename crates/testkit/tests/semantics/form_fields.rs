//! Class 1: values keep their JavaScript type in user task forms.

use process_engine_api_types::routes;
use process_engine_transport::Call;
use serde_json::json;

use super::support::engine;
use super::{correlation, eventually, fetch_one, get, model, refused, send, start};

/// The list routes a waiting user task appears on, for one instance of `model`.
fn list_calls(model: &str, correlation: &str, instance: &str) -> Vec<Call> {
    vec![
        Call::new(&routes::GET_USER_TASKS_FOR_CORRELATION).param(correlation),
        Call::new(&routes::GET_USER_TASKS_FOR_PROCESS_MODEL).param(model),
        Call::new(&routes::GET_USER_TASKS_FOR_PROCESS_INSTANCE).param(instance),
        Call::new(&routes::GET_USER_TASKS_FOR_PROCESS_MODEL_IN_CORRELATION)
            .param(model)
            .param(correlation),
        Call::new(&routes::GET_OWN_USER_TASKS),
        Call::new(&routes::MANAGEMENT_GET_USER_TASKS_FOR_CORRELATION).param(correlation),
        Call::new(&routes::MANAGEMENT_GET_USER_TASKS_FOR_PROCESS_INSTANCE).param(instance),
    ]
}

// consumer_api_core converters/user_task_converter.js, `_evaluateExpressionWithOldToken`: a
// value whose first character is `$` loses its first two and its last character and runs as
// `return <body>`; its value keeps its type, `undefined` becomes `null`; `!expression` (absent
// or empty) is passed through, and so is text. `convertToConsumerApiFormField` copies `type`
// through the contract's enum (an unknown one is lost) and `enumValues` as parsed.
#[tokio::test]
async fn form_values_keep_their_javascript_type_on_every_list_route() {
    let xml = model(
        "typed_form",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
           <bpmn:userTask id="fill" name="Fill">
             <bpmn:extensionElements><camunda:formData>
               <camunda:formField id="count" label="${token.current.items.length}" type="long" defaultValue="${token.current.items.length > 1}" />
               <camunda:formField id="items" label="" type="string" defaultValue="${token.current.items}" />
               <camunda:formField id="price" label="${'$' + token.current.price}" type="number" defaultValue="${token.current.price / 2}" />
               <camunda:formField id="nothing" label="${null}" type="string" defaultValue="$" />
               <camunda:formField id="bare" type="date" defaultValue="2024-01-01" />
               <camunda:formField id="odd" label="Odd" type="color" defaultValue="${ {a: [token.current.price]} }" />
               <camunda:formField id="pick" type="enum" defaultValue="${token.current.items[0]}">
                 <camunda:value id="x" name="${token.current.price}" />
               </camunda:formField>
             </camunda:formData></bpmn:extensionElements>
           </bpmn:userTask>
           <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let started = start(
        &client,
        "typed_form",
        1,
        json!({"items": ["x", "y"], "price": 9}),
    )
    .await;
    let (correlation_id, instance) = (
        started["correlationId"].as_str().unwrap(),
        started["processInstanceId"].as_str().unwrap(),
    );
    let mut seen = Vec::new();
    for call in list_calls("typed_form", correlation_id, instance) {
        let list = get(&client, call).await;
        seen.push(list["userTasks"][0]["data"]["formFields"].clone());
    }
    let expected = json!([
        {"id": "count", "label": 2, "type": "long", "defaultValue": true},
        {"id": "items", "label": "", "type": "string", "defaultValue": ["x", "y"]},
        {"id": "price", "label": "$9", "type": "number", "defaultValue": 4.5},
        {"id": "nothing", "label": null, "type": "string", "defaultValue": null},
        {"id": "bare", "type": "date", "defaultValue": "2024-01-01"},
        {"id": "odd", "label": "Odd", "defaultValue": {"a": [9]}},
        {"id": "pick", "type": "enum", "enumValues": [{"id": "x", "name": "${token.current.price}"}], "defaultValue": "x"},
    ]);
    for fields in &seen {
        assert_eq!(fields, &expected);
    }
}

// user_task_converter.js, `_getUserTaskTokenInOldFormat`: the token a form is presented over
// is made of the payloads of the instance's `onExit` entries as stored: a worker's finish
// without `result` left `undefined`, stored as `{}`. user_task_handler.js validated the form
// over the live token, where it was `undefined`.
#[tokio::test]
async fn a_form_is_presented_over_the_stored_exits() {
    let xml = model(
        "stored_form",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
           <bpmn:serviceTask id="work" camunda:type="external" camunda:topic="stored_form_topic" />
           <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="fill" />
           <bpmn:userTask id="fill" name="Fill">
             <bpmn:extensionElements><camunda:formData>
               <camunda:formField id="seen" label="${JSON.stringify(token.current)}" type="string" defaultValue="${Object.keys(token.history).join(' ')}" />
             </camunda:formData></bpmn:extensionElements>
           </bpmn:userTask>
           <bpmn:sequenceFlow id="f3" sourceRef="fill" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let started = start(&client, "stored_form", 1, json!({"n": 1})).await;
    let task = fetch_one(&client, "stored_form_topic").await;
    send(
        &client,
        Call::new(&routes::FINISH_EXTERNAL_TASK)
            .param(task["id"].as_str().unwrap())
            .body(&json!({"workerId": "w"})),
    )
    .await;
    let correlation_id = started["correlationId"].as_str().unwrap().to_owned();
    let list = eventually(
        || {
            get(
                &client,
                Call::new(&routes::GET_USER_TASKS_FOR_CORRELATION).param(&correlation_id),
            )
        },
        |list| list["userTasks"].as_array().is_some_and(|t| !t.is_empty()),
    )
    .await;
    assert_eq!(
        list["userTasks"][0]["data"]["formFields"][0],
        json!({"id": "seen", "label": "{}", "type": "string", "defaultValue": "start work"})
    );
    assert_eq!(list["userTasks"][0]["tokenPayload"], json!({}));
}

// user_task_handler.js, `_validateUserTaskFormFieldConfigurations`: each field's label,
// defaultValue and preferredControl in order; the first that throws fails the task with
// `The configuration for FormField <id> is invalid!` and `additionalInformation` naming the
// task instance and carrying the token as `{history, current}`; the task writes its onExit with
// its input (`persistOnError`) and is never listed.
#[tokio::test]
async fn a_form_expression_that_throws_fails_the_instance_with_the_token() {
    let xml = model(
        "broken_form",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="double" />
           <bpmn:scriptTask id="double"><bpmn:script>return {n: token.current.n * 2};</bpmn:script></bpmn:scriptTask>
           <bpmn:sequenceFlow id="f2" sourceRef="double" targetRef="fill" />
           <bpmn:userTask id="fill" name="Fill">
             <bpmn:extensionElements><camunda:formData>
               <camunda:formField id="fine" label="${token.current.n}" type="long" />
               <camunda:formField id="broken" label="Broken" type="long" defaultValue="${token.current.n.toFixed(-1)}" />
             </camunda:formData></bpmn:extensionElements>
           </bpmn:userTask>
           <bpmn:sequenceFlow id="f3" sourceRef="fill" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let (status, message) = refused(
        &client,
        super::start_call("broken_form", 2, &json!({"n": 3})),
    )
    .await;
    assert_eq!(
        (status, message.as_str()),
        (500, "The configuration for FormField broken is invalid!")
    );
    let all = get(
        &client,
        Call::new(&routes::GET_CORRELATIONS_BY_PROCESS_MODEL_ID).param("broken_form"),
    )
    .await;
    let instance = all[0]["processInstances"][0]["processInstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let history = super::history(&client, &instance).await;
    let fill = &history["fill"];
    assert_eq!(
        super::entries(&history, "fill"),
        super::events(&[("onEnter", json!({"n": 6})), ("onExit", json!({"n": 6}))])
    );
    let info = correlation(&client, all[0]["id"].as_str().unwrap()).await["error"]["_additionalInformation"].clone();
    assert_eq!(info["userTaskInstanceId"], fill[0]["flowNodeInstanceId"]);
    assert_eq!(info["invalidFormFieldId"], "broken");
    assert_eq!(
        info["currentToken"],
        json!({"history": {"start": {"n": 3}, "double": {"n": 6}}, "current": {"n": 6}})
    );
    assert_eq!(
        info["validationError"],
        "Cannot evaluate expression ${token.current.n.toFixed(-1)}! The ProcessToken is missing some required properties!"
    );
}

// user_task_converter.js runs the presented expressions with `.call(undefined, token)`, while
// user_task_handler.js validated them with `.call(token, token)`: an expression over `this`
// passes when the task is reached and throws when a list presents it, failing the whole list
// route with its message (500); the instance keeps waiting.
#[tokio::test]
async fn an_expression_that_throws_when_presented_fails_every_list_that_meets_it() {
    let xml = model(
        "this_form",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
           <bpmn:userTask id="fill" name="Fill">
             <bpmn:extensionElements><camunda:formData>
               <camunda:formField id="f" label="${this.history.start.title}" type="string" />
             </camunda:formData></bpmn:extensionElements>
           </bpmn:userTask>
           <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let started = start(&client, "this_form", 1, json!({"title": "t"})).await;
    let (correlation_id, instance) = (
        started["correlationId"].as_str().unwrap(),
        started["processInstanceId"].as_str().unwrap(),
    );
    for call in list_calls("this_form", correlation_id, instance) {
        let (status, message) = refused(&client, call).await;
        assert_eq!(
            (status, message.as_str()),
            (500, "Cannot read properties of undefined (reading 'start')")
        );
    }
    assert_eq!(
        correlation(&client, correlation_id).await["state"],
        "running"
    );
    // Other models' lists are not touched.
    let other = get(
        &client,
        Call::new(&routes::GET_USER_TASKS_FOR_PROCESS_MODEL).param("no_such_model"),
    )
    .await;
    assert_eq!(other, json!({"userTasks": []}));
}
