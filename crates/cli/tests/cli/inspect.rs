//! `pe correlation`, `pe instance`, `pe results`: where instances are and what they ended with.

use serde_json::{Value, json};

use crate::support::{Engine, sample, unique};

/// Starts `user_task` in a new correlation and answers its task; answers the correlation and
/// the instance id.
async fn finished_instance(engine: &Engine) -> (String, String) {
    let correlation = format!("inspect-{}", unique());
    let started = engine
        .pe([
            "start",
            "user_task",
            "-c",
            &correlation,
            "--input",
            r#"{"order": 7}"#,
            "-o",
            "json",
        ])
        .run()
        .await
        .success()
        .json();
    let instance = started["process_instance_id"].as_str().unwrap().to_owned();
    engine.until_a_task_waits(&correlation).await;
    engine
        .pe([
            "task",
            "finish",
            "review_order",
            "-c",
            &correlation,
            "--field",
            "comment=ok",
        ])
        .run()
        .await
        .success();
    engine
        .pe([
            "results",
            &correlation,
            "user_task",
            "--wait",
            "--wait-limit",
            "30s",
        ])
        .run()
        .await
        .success();
    (correlation, instance)
}

/// Whether any object in `value` has a key `token` (an identity's secret).
fn has_token(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("token") || map.values().any(has_token),
        Value::Array(items) => items.iter().any(has_token),
        _ => false,
    }
}

#[tokio::test]
async fn a_correlation_shows_its_instances_and_their_state() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let (correlation, instance) = finished_instance(&engine).await;

    let ran = engine.pe(["correlation", "show", &correlation]).run().await;
    ran.success();
    assert!(
        ran.stdout.contains("state:        finished"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("Process instances\nINSTANCE"),
        "{}",
        ran.stdout
    );
    let shown = engine
        .pe(["correlation", "show", &correlation, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(shown["id"], correlation.as_str());
    assert_eq!(shown["state"], "finished");
    assert_eq!(
        shown["process_instances"][0]["process_instance_id"],
        instance.as_str()
    );
    assert_eq!(
        shown["process_instances"][0]["process_model_id"],
        "user_task"
    );
    assert!(!has_token(&shown), "{shown}");

    let all = engine
        .pe(["correlation", "list", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == correlation.as_str())
    );
    let active = engine
        .pe(["correlations", "list", "--active", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert!(
        !active
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == correlation.as_str())
    );
    let ran = engine
        .pe(["correlation", "list", "--model", "user_task"])
        .run()
        .await;
    let row = ran
        .success()
        .stdout
        .lines()
        .find(|l| l.starts_with(&correlation))
        .unwrap()
        .to_owned();
    assert!(
        row.contains("finished") && row.ends_with("user_task"),
        "{row}"
    );

    engine
        .pe(["correlation", "show", "no-such-correlation"])
        .run()
        .await
        .code(3);
}

#[tokio::test]
async fn an_instance_shows_its_state_history_and_results() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let (correlation, instance) = finished_instance(&engine).await;

    let shown = engine
        .pe(["instance", "show", &instance, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(shown["state"], "finished");
    assert_eq!(shown["correlation_id"], correlation.as_str());
    assert_eq!(shown["owner"], "dummy_token");
    assert!(!has_token(&shown), "{shown}");
    let ran = engine.pe(["instance", "show", &instance]).run().await;
    assert!(
        ran.success()
            .stdout
            .contains("owner:             dummy_token"),
        "{}",
        ran.stdout
    );

    let history = engine
        .pe(["instance", "history", &instance, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    let nodes: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token["flow_node_id"].as_str().unwrap())
        .collect();
    assert_eq!(nodes.first(), Some(&"the_start_event"), "{history}");
    assert_eq!(nodes.last(), Some(&"the_end_event"), "{history}");
    assert!(nodes.contains(&"review_order"));
    assert_eq!(history[0]["payload"], json!({"order": 7}));
    let ran = engine.pe(["instance", "history", &instance]).run().await;
    assert!(ran.success().stdout.starts_with("TIME"), "{}", ran.stdout);

    let results = engine
        .pe(["results", &correlation, "user_task", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(
        results,
        json!([{
            "correlation_id": correlation,
            "end_event_id": "the_end_event",
            "token_payload": {"form_fields": {"comment": "ok"}}
        }])
    );
    let ran = engine
        .pe(["results", &correlation, "user_task"])
        .run()
        .await;
    assert!(
        ran.success()
            .stdout
            .contains("the_end_event  {\"form_fields\""),
        "{}",
        ran.stdout
    );

    let listed = engine
        .pe([
            "instance",
            "list",
            "--correlation",
            &correlation,
            "-o",
            "json",
        ])
        .run()
        .await
        .success()
        .json();
    assert_eq!(listed[0]["process_instance_id"], instance.as_str());

    engine
        .pe(["instance", "show", "no-such-instance"])
        .run()
        .await
        .code(3);
    engine
        .pe(["instance", "history", "no-such-instance"])
        .run()
        .await
        .code(3);
}

#[tokio::test]
async fn running_instances_are_listed_and_terminated() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let correlation = format!("running-{}", unique());
    let started = engine
        .pe(["start", "user_task", "-c", &correlation, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    let instance = started["process_instance_id"].as_str().unwrap();

    // A real engine lists the instance a moment after the start has answered.
    let mut mine = None;
    for _ in 0..200 {
        let own = engine
            .pe(["instance", "list", "-o", "json"])
            .run()
            .await
            .success()
            .json();
        mine = own
            .as_array()
            .unwrap()
            .iter()
            .find(|listed| listed["process_instance_id"] == instance)
            .cloned();
        if mine.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mine = mine.expect("the started instance is not among the caller's own");
    assert_eq!(mine["correlation_id"], correlation.as_str());
    assert_eq!(mine["process_model_id"], "user_task");
    assert_eq!(mine["state"], "running");
    let ran = engine
        .pe(["results", &correlation, "user_task"])
        .run()
        .await;
    ran.success();
    assert!(
        ran.stdout.is_empty() && ran.stderr.contains("no results"),
        "{ran:?}"
    );

    let ran = engine.pe(["instance", "terminate", instance]).run().await;
    assert_eq!(ran.success().stdout, format!("terminating {instance}"));
    let other = engine
        .pe(["start", "user_task", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    let other = other["process_instance_id"].as_str().unwrap();
    let terminated = engine
        .pe(["instance", "terminate", other, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(terminated, json!({ "terminated": other }));
    let mut state = Value::Null;
    for _ in 0..100 {
        let shown = engine
            .pe(["instance", "show", instance, "-o", "json"])
            .run()
            .await
            .success()
            .json();
        state = shown["state"].clone();
        if state == "error" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state, "error");
    let ran = engine
        .pe(["results", &correlation, "user_task", "--wait", "-o", "json"])
        .run()
        .await;
    ran.code(7);
    assert_eq!(ran.json_error()["kind"], "instance_failed");
}
