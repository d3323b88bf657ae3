//! Every kind of event, typed, in the order the instance runs; the engine's copies dropped.

use process_engine_api_types::models::UserTaskResult;
use process_engine_api_types::operations::{FinishEmptyActivity, FinishManualTask, FinishUserTask};
use process_engine_events::{EngineEvent, EventFilter, Kind};
use process_engine_transport::{Identity, RequestOptions};
use serde_json::json;

use crate::support::{Harness, Model, next, next_matching, start, unique};

#[tokio::test]
async fn every_kind_arrives_typed_in_the_order_the_instance_runs() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::AllKinds).await;
    let client = harness.client(Identity::dummy());
    let correlation = unique("kinds");
    let mut stream = harness
        .events(Identity::dummy())
        .subscribe(EventFilter::all().correlation(&correlation))
        .await
        .unwrap();
    let instance = start(&client, &model, &correlation, json!({"order": 4711})).await;
    let options = RequestOptions::new();

    let EngineEvent::ProcessStarted(started) = next(&mut stream).await else {
        panic!("process_started first")
    };
    assert_eq!(started.process_instance_id, instance);
    assert_eq!(started.process_model_id, model);
    assert_eq!(started.flow_node_id, "start");
    assert_eq!(started.current_token, json!({"order": 4711}));
    assert_eq!(started.owner_user_id(), Some("dummy_token"));

    let EngineEvent::UserTaskWaiting(waiting) = next(&mut stream).await else {
        panic!("user_task_waiting")
    };
    assert_eq!(waiting.flow_node_id, "approve");
    let fields = json!({"approved": true}).as_object().unwrap().clone();
    let finish = FinishUserTask::new(
        &instance,
        &correlation,
        &waiting.flow_node_instance_id,
        UserTaskResult::new().with_form_fields(fields),
    );
    client.execute(&finish, &options).await.unwrap();
    let EngineEvent::UserTaskFinished(finished) = next(&mut stream).await else {
        panic!("user_task_finished")
    };
    assert_eq!(
        finished.flow_node_instance_id,
        waiting.flow_node_instance_id
    );
    let result = json!({"form_fields": {"approved": true}});
    assert_eq!(finished.user_task_result.as_ref(), Some(&result));
    assert_eq!(finished.current_token, result);

    let EngineEvent::ManualTaskWaiting(manual) = next(&mut stream).await else {
        panic!("manual_task_waiting")
    };
    assert_eq!(manual.flow_node_id, "pack");
    let finish = FinishManualTask::new(&instance, &correlation, &manual.flow_node_instance_id);
    client.execute(&finish, &options).await.unwrap();
    assert!(matches!(
        next(&mut stream).await,
        EngineEvent::ManualTaskFinished(n) if n.flow_node_id == "pack" && n.current_token == json!({})
    ));

    let EngineEvent::EmptyActivityWaiting(empty) = next(&mut stream).await else {
        panic!("empty_activity_waiting")
    };
    assert_eq!(empty.flow_node_id, "breakpoint");
    let finish = FinishEmptyActivity::new(&instance, &correlation, &empty.flow_node_instance_id);
    client.execute(&finish, &options).await.unwrap();
    assert!(matches!(
        next(&mut stream).await,
        EngineEvent::EmptyActivityFinished(n) if n.flow_node_id == "breakpoint"
    ));

    let EngineEvent::ProcessEnded(ended) = next(&mut stream).await else {
        panic!("process_ended last")
    };
    assert_eq!(ended.flow_node_id, "done");
    assert_eq!(ended.flow_node_name.as_deref(), Some("Done"));
    assert_eq!(ended.process_instance_id, instance);
}

#[tokio::test]
async fn a_terminate_end_event_is_process_terminated_and_no_end() {
    let harness = Harness::start().await;
    let terminate = harness.deploy(Model::Terminate).await;
    let hello = harness.deploy(Model::Hello).await;
    let client = harness.client(Identity::dummy());
    let correlation = unique("terminated");
    let mut stream = harness
        .events(Identity::dummy())
        .subscribe(EventFilter::all().correlation(&correlation))
        .await
        .unwrap();

    start(&client, &terminate, &correlation, json!({"order": 2})).await;
    assert_eq!(next(&mut stream).await.kind(), Some(Kind::ProcessStarted));
    let EngineEvent::ProcessTerminated(terminated) = next(&mut stream).await else {
        panic!("process_terminated")
    };
    assert_eq!(terminated.flow_node_id, "stop_all");
    assert_eq!(terminated.flow_node_name.as_deref(), Some("Terminate"));
    assert_eq!(terminated.current_token, json!({"order": 2}));
    // The next event of the correlation is the next instance's: no process_ended came between.
    start(&client, &hello, &correlation, json!({})).await;
    let next_event = next(&mut stream).await;
    assert_eq!(next_event.kind(), Some(Kind::ProcessStarted));
    assert_eq!(next_event.process_model_id(), Some(hello.as_str()));
}

#[tokio::test]
async fn filters_by_kind_and_process_model_keep_only_what_was_asked_for() {
    let harness = Harness::start().await;
    let hello = harness.deploy(Model::Hello).await;
    let other = harness.deploy(Model::Hello).await;
    let client = harness.client(Identity::dummy());
    let mut stream = harness
        .events(Identity::dummy())
        .subscribe(
            EventFilter::all()
                .kind(Kind::ProcessEnded)
                .process_model(&hello),
        )
        .await
        .unwrap();

    let correlation = unique("filters");
    start(&client, &other, &correlation, json!({})).await;
    let wanted = start(&client, &hello, &correlation, json!({})).await;

    let event = next(&mut stream).await;
    assert_eq!(event.kind(), Some(Kind::ProcessEnded));
    assert_eq!(event.process_instance_id(), Some(wanted.as_str()));
    // And the stream goes on with the next match only.
    let again = start(&client, &hello, &correlation, json!({})).await;
    let event = next_matching(&mut stream, "the second end", |_| true).await;
    assert_eq!(event.process_instance_id(), Some(again.as_str()));
}
