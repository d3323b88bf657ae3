//! Manual tasks and empty activities: every scope, finishing, finishing twice.

use process_engine_process_control::{ErrorKind, RequestOptions, TaskScope};
use serde_json::json;

use crate::support::{Harness, Model, eventually, unique, user};

#[tokio::test]
async fn a_manual_task_then_an_empty_activity() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::ManualEmpty).await;
    let correlation = unique("corr");
    let carol = user(&unique("carol"));
    let started = harness
        .starting(&model)
        .correlation_id(&correlation)
        .input(&json!({"parcel": 7}))
        .with_options(RequestOptions::new().with_identity(carol.clone()))
        .send()
        .await
        .unwrap();
    let client = &harness.client;
    let scopes = [
        TaskScope::process_model(&model),
        TaskScope::process_instance(&started.process_instance_id),
        TaskScope::correlation(&correlation),
        TaskScope::process_model_in_correlation(&model, &correlation),
    ];

    for scope in scopes.clone() {
        let manual = eventually("the manual task", || async {
            let manual = client
                .manual_tasks(scope.clone())
                .send()
                .await
                .unwrap()
                .manual_tasks;
            (!manual.is_empty()).then_some(manual)
        })
        .await;
        assert_eq!(manual.len(), 1);
        assert_eq!(manual[0].id, "check_parcel");
        assert_eq!(manual[0].name.as_deref(), Some("Check the parcel"));
        assert_eq!(
            manual[0].token_payload_as::<serde_json::Value>().unwrap(),
            json!({"parcel": 7})
        );
    }
    let own = client
        .manual_tasks(TaskScope::Own)
        .with_options(RequestOptions::new().with_identity(carol.clone()))
        .send()
        .await
        .unwrap()
        .manual_tasks;
    assert_eq!(own.len(), 1);
    assert!(
        client
            .empty_activities(TaskScope::correlation(&correlation))
            .send()
            .await
            .unwrap()
            .empty_activities
            .is_empty()
    );
    client.finish_manual_task(&own[0]).send().await.unwrap();
    let again = client.finish_manual_task(&own[0]).send().await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::NotFound);

    for scope in scopes {
        // The engine answers the finish before the instance moves on.
        let empty = eventually("the empty activity", || async {
            let empty = client
                .empty_activities(scope.clone())
                .send()
                .await
                .unwrap()
                .empty_activities;
            (!empty.is_empty()).then_some(empty)
        })
        .await;
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].id, "breakpoint");
    }
    let own = client
        .empty_activities(TaskScope::Own)
        .with_options(RequestOptions::new().with_identity(carol.clone()))
        .send()
        .await
        .unwrap()
        .empty_activities;
    assert_eq!(own.len(), 1);
    client.finish_empty_activity(&own[0]).send().await.unwrap();
    let again = client
        .finish_empty_activity(&own[0])
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::NotFound);
    assert_eq!(again.status(), Some(404));

    // Correlations are only shown to the identity that started them.
    let results = client
        .wait_for_result(&correlation, &model)
        .with_options(RequestOptions::new().with_identity(carol))
        .send()
        .await
        .unwrap();
    assert_eq!(results[0].end_event_id, "end");
}
