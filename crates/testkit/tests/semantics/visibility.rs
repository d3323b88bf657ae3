//! Class 7: who may see what.

use process_engine_api_types::routes;
use process_engine_transport::Call;
use serde_json::{Value, json};

use super::support::engine;
use super::{get, model, refused, start_call, user};

/// The user ids of a correlation's instances, in order.
fn owners(correlation: &Value) -> Vec<&str> {
    correlation["processInstances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|instance| instance["identity"]["userId"].as_str().unwrap())
        .collect()
}

// correlation.service correlation_service.js, `getByCorrelationId`: the entries are filtered by
// the caller (the development token's entries are everyone's) only to decide whether the
// correlation may be shown; if so, every entry is. `getAll`, `getActive`,
// `getByProcessModelId` map only the entries the caller may see; `getByProcessInstanceId`
// filters nothing. correlations.repository.sequelize words the 404s.
#[tokio::test]
async fn correlations_show_what_the_caller_may_see() {
    let xml = model(
        "shared",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
           <bpmn:manualTask id="wait" />
           <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let (dana, erin, frank) = (user("dana"), user("erin"), user("frank"));
    let in_shared = |identity| {
        let mut call = start_call("shared", 1, &json!({}));
        call = call.body(&json!({"correlationId": "together", "inputValues": {}}));
        call.identity(identity)
    };
    let dana_started = get(&client, in_shared(dana.clone())).await;
    let by_id = |identity| {
        Call::new(&routes::GET_CORRELATION_BY_ID)
            .param("together")
            .identity(identity)
    };
    assert_eq!(
        refused(&client, by_id(erin.clone())).await,
        (404, "No such correlations for the user.".to_owned())
    );
    get(&client, in_shared(erin.clone())).await;
    for identity in [dana.clone(), erin.clone()] {
        assert_eq!(
            owners(&get(&client, by_id(identity)).await),
            ["dana", "erin"]
        );
    }
    assert_eq!(
        refused(&client, by_id(frank.clone())).await,
        (404, "No such correlations for the user.".to_owned())
    );
    let of_model = |identity| {
        Call::new(&routes::GET_CORRELATIONS_BY_PROCESS_MODEL_ID)
            .param("shared")
            .identity(identity)
    };
    assert_eq!(
        owners(&get(&client, of_model(erin.clone())).await[0]),
        ["erin"]
    );
    assert_eq!(get(&client, of_model(frank.clone())).await, json!([]));
    let active = get(
        &client,
        Call::new(&routes::GET_ACTIVE_CORRELATIONS).identity(dana.clone()),
    )
    .await;
    assert_eq!(active.as_array().unwrap().len(), 1);
    assert_eq!(owners(&active[0]), ["dana"]);
    let instance = dana_started["processInstanceId"].as_str().unwrap();
    let by_instance = get(
        &client,
        Call::new(&routes::GET_CORRELATION_BY_PROCESS_INSTANCE_ID)
            .param(instance)
            .identity(frank.clone()),
    )
    .await;
    assert_eq!(owners(&by_instance), ["dana"]);
    // The development token's entries are everyone's, and it sees no more than anyone.
    get(
        &client,
        start_call("shared", 1, &json!({}))
            .body(&json!({"correlationId": "together", "inputValues": {}})),
    )
    .await;
    assert_eq!(
        owners(&get(&client, by_id(frank.clone())).await),
        ["dana", "erin", "dummy_token"]
    );
    let all = get(
        &client,
        Call::new(&routes::GET_ALL_CORRELATIONS).identity(frank),
    )
    .await;
    assert_eq!(owners(&all[0]), ["dummy_token"]);
    assert_eq!(
        refused(
            &client,
            Call::new(&routes::GET_CORRELATION_BY_ID).param("nothing_here")
        )
        .await,
        (
            404,
            "Correlation with id \"nothing_here\" not found.".to_owned()
        )
    );
}

// consumer_api_service.js: the lists by correlation, process model and instance filter nothing
// by owner; the own routes keep the caller's (`_checkIfIdentityUserIDsMatch`); the finishes do
// not check the owner.
#[tokio::test]
async fn tasks_are_everyones_but_the_own_lists() {
    let xml = model(
        "owned",
        r#"<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
           <bpmn:manualTask id="wait" name="Wait" />
           <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" /><bpmn:endEvent id="end" />"#,
    );
    let (_engine, client) = engine(&[&xml]).await;
    let (gus, hana) = (user("gus"), user("hana"));
    let started = get(
        &client,
        start_call("owned", 1, &json!({"of": "gus"})).identity(gus.clone()),
    )
    .await;
    let listed = get(
        &client,
        Call::new(&routes::GET_MANUAL_TASKS_FOR_PROCESS_MODEL)
            .param("owned")
            .identity(hana.clone()),
    )
    .await;
    assert_eq!(
        listed["manualTasks"][0]["tokenPayload"],
        json!({"of": "gus"})
    );
    let own = |identity| Call::new(&routes::GET_OWN_MANUAL_TASKS).identity(identity);
    assert_eq!(
        get(&client, own(hana.clone())).await,
        json!({"manualTasks": []})
    );
    assert_eq!(
        get(&client, own(gus.clone())).await["manualTasks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let instances = get(
        &client,
        Call::new(&routes::GET_OWN_PROCESS_INSTANCES).identity(hana.clone()),
    )
    .await;
    assert_eq!(instances, json!([]));
    let fni = listed["manualTasks"][0]["flowNodeInstanceId"]
        .as_str()
        .unwrap();
    super::send(
        &client,
        Call::new(&routes::FINISH_MANUAL_TASK)
            .param(started["processInstanceId"].as_str().unwrap())
            .param(started["correlationId"].as_str().unwrap())
            .param(fni)
            .identity(hana),
    )
    .await;
    assert_eq!(get(&client, own(gus)).await, json!({"manualTasks": []}));
}
