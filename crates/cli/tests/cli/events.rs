//! `pe event`: what waits for a message or signal, and triggering them.

use serde_json::json;

use crate::support::{Engine, Models, sample, unique};

#[tokio::test]
async fn a_waiting_signal_is_listed_and_triggered_with_a_payload() {
    let engine = Engine::start().await;
    let models = Models::new();
    engine.deploy(&models.path("chores")).await;
    let model = models.id("chores");
    let correlation = format!("signal-{}", unique());
    engine
        .pe(["start", &model, "-c", &correlation])
        .run()
        .await
        .success();
    for task in ["sign_delivery", "checkpoint"] {
        engine
            .until_listed(&["task", "list", "-c", &correlation, "-o", "json"])
            .await;
        engine
            .pe(["task", "finish", task, "-c", &correlation])
            .run()
            .await
            .success();
    }

    let waiting = engine
        .until_listed(&["event", "list", "--model", &model, "-o", "json"])
        .await;
    let signal = format!("go_{}", models.suffix);
    assert_eq!(
        waiting[0],
        json!({
            "event_type": "signal",
            "event_name": signal,
            "flow_node_id": "wait_for_go",
            "flow_node_instance_id": waiting[0]["flow_node_instance_id"],
            "process_model_id": model,
            "process_instance_id": waiting[0]["process_instance_id"],
            "correlation_id": correlation,
        })
    );
    let ran = engine
        .pe(["event", "list", "--correlation", &correlation])
        .run()
        .await;
    assert!(
        ran.success()
            .stdout
            .contains(&format!("signal  {signal}  wait_for_go")),
        "{}",
        ran.stdout
    );

    let ran = engine
        .pe(["event", "signal", &signal, "--payload", r#"{"go": true}"#])
        .run()
        .await;
    assert_eq!(
        ran.success().stdout,
        format!("sent signal {signal} with {{\"go\":true}}")
    );
    let results = engine
        .pe([
            "results",
            &correlation,
            &model,
            "--wait",
            "--wait-limit",
            "30s",
            "-o",
            "json",
        ])
        .run()
        .await
        .success()
        .json();
    assert_eq!(results[0]["token_payload"], json!({"go": true}));

    let ran = engine
        .pe(["event", "list", "--correlation", &correlation])
        .run()
        .await;
    assert!(ran.success().stdout.is_empty(), "{}", ran.stdout);
    // A scope is needed: the engine lists no events without one.
    engine.pe(["event", "list"]).run().await.code(2);
}

#[tokio::test]
async fn a_message_carries_its_payload_from_stdin() {
    let engine = Engine::start().await;
    engine.deploy(&sample("message_event")).await;
    let correlation = format!("message-{}", unique());
    engine
        .pe(["start", "message_event", "-c", &correlation])
        .run()
        .await
        .success();
    let waiting = engine
        .until_listed(&["event", "list", "-c", &correlation, "-o", "json"])
        .await;
    assert_eq!(waiting[0]["event_type"], "message");
    let name = waiting[0]["event_name"].as_str().unwrap().to_owned();

    let sent = engine
        .pe([
            "event",
            "message",
            &name,
            "--payload-file",
            "-",
            "-o",
            "json",
        ])
        .stdin(r#"{"paid": 12.5}"#)
        .run()
        .await
        .success()
        .json();
    assert_eq!(
        sent,
        json!({"event_type": "message", "event_name": name, "payload": {"paid": 12.5}})
    );
    let results = engine
        .pe([
            "results",
            &correlation,
            "message_event",
            "--wait",
            "-o",
            "json",
        ])
        .run()
        .await
        .success()
        .json();
    assert_eq!(results[0]["token_payload"], json!({"paid": 12.5}));
    engine
        .pe(["event", "message", &name, "--payload", "not json"])
        .run()
        .await
        .code(2);
}
