//! Class 5: results of tasks that return nothing.

use process_engine_api_types::routes;
use process_engine_transport::Call;
use serde_json::{Value, json};

use super::support::engine;
use super::{entries, events, eventually, fetch_one, get, history, model, send, start};

/// A chain of two external tasks of `topic_a` and `topic_b` and a script that reports what
/// it saw; the instance's end.
fn chain(id: &str) -> String {
    model(
        id,
        &format!(
            r#"<bpmn:startEvent id="start" />
               <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
               <bpmn:serviceTask id="a" camunda:type="external" camunda:topic="{id}_a" />
               <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b" />
               <bpmn:serviceTask id="b" camunda:type="external" camunda:topic="{id}_b" />
               <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="end" /><bpmn:endEvent id="end" />"#
        ),
    )
}

/// Runs `chain` with the worker finishing `a` with `first` and `b` with `second` (`None`: no
/// `result` key); returns the payload `b` was fetched with (`None`: no key), the callback-2
/// answer and the token history.
async fn run(first: Option<Value>, second: Option<Value>) -> (Option<Value>, Value, Value) {
    let (_engine, client) = engine(&[&chain("shapes")]).await;
    let blocked = {
        let client = client.clone();
        tokio::spawn(async move { start(&client, "shapes", 2, json!({"n": 1})).await })
    };
    let finish = |task: &Value, result: Option<Value>| {
        let mut body = json!({"workerId": "w"});
        if let Some(result) = result {
            body["result"] = result;
        }
        Call::new(&routes::FINISH_EXTERNAL_TASK)
            .param(task["id"].as_str().unwrap())
            .body(&body)
    };
    let a = fetch_one(&client, "shapes_a").await;
    send(&client, finish(&a, first)).await;
    let b = fetch_one(&client, "shapes_b").await;
    send(&client, finish(&b, second)).await;
    let answer = blocked.await.unwrap();
    let history = history(&client, answer["processInstanceId"].as_str().unwrap()).await;
    (b.get("payload").cloned(), answer, history)
}

// external_service_task_handler.js: the worker's result becomes the payload, whatever its type
// (`token.payload = result`), and an external task's payload is the token's; a finish without
// `result` leaves it `undefined`: the next task has no payload key, the blocked start's answer
// no tokenPayload key (execute_process_service.js answers the end event's live message), and
// the stored history `{}` (flow_node_instance.repository.sequelize, `JSON.stringify`).
#[tokio::test]
async fn a_finish_without_result_leaves_nothing_anywhere_but_the_database() {
    let (payload, answer, history) = run(Some(json!("")), None).await;
    assert_eq!(payload, Some(json!("")));
    assert!(answer.get("tokenPayload").is_none(), "{answer}");
    assert_eq!(answer["endEventId"], "end");
    assert_eq!(
        entries(&history, "b"),
        events(&[
            ("onEnter", json!("")),
            ("onSuspend", json!("")),
            ("onResume", json!({})),
            ("onExit", json!({}))
        ])
    );
    assert_eq!(
        entries(&history, "end"),
        events(&[("onEnter", json!({})), ("onExit", json!({}))])
    );

    let (payload, answer, _) = run(None, Some(json!([0]))).await;
    assert_eq!(payload, None);
    assert_eq!(answer["tokenPayload"], json!([0]));
}

// The same with falsy results: `false` and `0` stay what they are all the way to the results
// route (`getProcessResultForCorrelation` reads the stored onExit payload).
#[tokio::test]
async fn falsy_results_stay_what_they_are() {
    let (payload, answer, _) = run(Some(json!(false)), Some(json!(0))).await;
    assert_eq!(payload, Some(json!(false)));
    assert_eq!(answer["tokenPayload"], json!(0));
}

// user_task_handler.js: the result is `{form_fields: message.result || null}` and
// consumer_api_service.js, `_createUserTaskResultForProcessEngine`, gives `{}` for a body
// without formFields or with falsy ones (checked before the task is looked up); a manual task's
// result is `{}` (manual_task_handler.js) and an empty activity passes its payload on
// (empty_activity_handler.js).
#[tokio::test]
async fn tasks_finished_without_data_pass_on_what_their_handlers_make() {
    let xml = model(
        "finishes",
        r#"<bpmn:startEvent id="start" />
           <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="look" />
           <bpmn:task id="look" />
           <bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="ask" />
           <bpmn:userTask id="ask" name="Ask" />
           <bpmn:sequenceFlow id="f3" sourceRef="ask" targetRef="do" />
           <bpmn:manualTask id="do" />
           <bpmn:sequenceFlow id="f4" sourceRef="do" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let started = start(&client, "finishes", 1, json!({"n": 2})).await;
    let (correlation_id, instance) = (
        started["correlationId"].as_str().unwrap().to_owned(),
        started["processInstanceId"].as_str().unwrap().to_owned(),
    );
    let waiting = |route| {
        let (client, correlation_id) = (client.clone(), correlation_id.clone());
        async move { get(&client, Call::new(route).param(&correlation_id)).await }
    };
    let look =
        waiting(&routes::GET_EMPTY_ACTIVITIES_FOR_CORRELATION).await["emptyActivities"][0].clone();
    send(
        &client,
        Call::new(&routes::FINISH_EMPTY_ACTIVITY)
            .param(&instance)
            .param(&correlation_id)
            .param(look["flowNodeInstanceId"].as_str().unwrap()),
    )
    .await;
    let ask = eventually(
        || waiting(&routes::GET_USER_TASKS_FOR_CORRELATION),
        |list| list["userTasks"].as_array().is_some_and(|t| !t.is_empty()),
    )
    .await["userTasks"][0]
        .clone();
    assert_eq!(ask["tokenPayload"], json!({"n": 2}));
    send(
        &client,
        Call::new(&routes::FINISH_USER_TASK)
            .param(&instance)
            .param(&correlation_id)
            .param(ask["flowNodeInstanceId"].as_str().unwrap())
            .body(&json!({"formFields": ""})),
    )
    .await;
    let task = eventually(
        || waiting(&routes::GET_MANUAL_TASKS_FOR_CORRELATION),
        |list| {
            list["manualTasks"]
                .as_array()
                .is_some_and(|t| !t.is_empty())
        },
    )
    .await["manualTasks"][0]
        .clone();
    assert_eq!(task["tokenPayload"], json!({"form_fields": {}}));
    send(
        &client,
        Call::new(&routes::FINISH_MANUAL_TASK)
            .param(&instance)
            .param(&correlation_id)
            .param(task["flowNodeInstanceId"].as_str().unwrap()),
    )
    .await;
    let results = get(
        &client,
        Call::new(&routes::GET_PROCESS_RESULTS_FOR_CORRELATION)
            .param(&correlation_id)
            .param("finishes"),
    )
    .await;
    assert_eq!(results[0]["tokenPayload"], json!({}));
}
