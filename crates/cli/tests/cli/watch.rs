//! `pe watch`: the engine's events as they come.

use std::time::Duration;

use crate::support::{Engine, sample, unique};

#[tokio::test]
async fn events_of_a_correlation_are_printed_as_they_come() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let correlation = format!("watch-{}", unique());
    let mut watch = engine
        .pe(["watch", "--correlation", &correlation, "--count", "2"])
        .spawn();
    watch.stderr_until("watching the events at").await;
    engine
        .pe([
            "start",
            "user_task",
            "-c",
            &correlation,
            "--input",
            r#"{"n": 1}"#,
        ])
        .run()
        .await
        .success();
    let started = watch.stdout_line().await;
    assert!(
        started.starts_with("process_started user_task/the_start_event correlation "),
        "{started}"
    );
    let waiting = watch.stdout_line().await;
    assert!(
        waiting.starts_with("user_task_waiting user_task/review_order"),
        "{waiting}"
    );
    assert!(waiting.ends_with(r#"token {"n":1}"#), "{waiting}");
    watch.wait().await.success();
}

#[tokio::test]
async fn a_filtered_watch_prints_json_lines() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let mut watch = engine
        .pe([
            "watch",
            "--model",
            "user_task",
            "--kind",
            "user_task_waiting",
            "-n",
            "1",
            "-o",
            "json",
        ])
        .spawn();
    // The JSON mode says nothing before the first event: start instances until one is seen.
    let line = loop {
        let correlation = format!("watch-json-{}", unique());
        engine
            .pe(["start", "user_task", "-c", &correlation])
            .run()
            .await
            .success();
        if let Ok(line) =
            tokio::time::timeout(Duration::from_millis(300), watch.stdout_line()).await
        {
            break line;
        }
    };
    let event: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["event"], "user_task_waiting");
    assert_eq!(event["process_model_id"], "user_task");
    assert_eq!(event["flow_node_id"], "review_order");
    assert!(event["flow_node_instance_id"].is_string());
    watch.wait().await.success();
}

#[tokio::test]
async fn watching_an_engine_that_is_not_there_exits_6() {
    let ran = crate::support::Pe::new(["watch", "--url", "http://127.0.0.1:1"])
        .run()
        .await;
    ran.code(6);
    assert!(
        ran.stderr.contains("hint: is the engine running"),
        "{}",
        ran.stderr
    );
}
