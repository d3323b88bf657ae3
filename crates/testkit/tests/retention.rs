//! How long the stand-in engine keeps process instances that stopped: up to a bound or an age
//! (`TestEngineBuilder::keep_finished`, `keep_finished_for`), then forgotten with their token
//! history, results, tasks and emptied correlations. Running instances are never forgotten.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test is a failed test"
)]

mod support;

use std::time::Duration;

use process_engine_testkit::TestEngine;
use serde_json::{Value, json};
use support::{EXTERNAL, QUICK, call, fetch, finish, start};

async fn engine(keep: usize) -> TestEngine {
    let engine = TestEngine::builder()
        .keep_finished(keep)
        .start()
        .await
        .unwrap();
    engine.deploy_xml(QUICK).await.unwrap();
    engine.deploy_xml(EXTERNAL).await.unwrap();
    engine
}

async fn status(engine: &TestEngine, path: &str) -> u16 {
    call(engine.local_addr(), "GET", path, None).await.status
}

/// Whether the engine has a token history for `instance`: one it does not know (never saw, or
/// forgot) has the history `{}`, as on 8.0.0.
async fn has_history(engine: &TestEngine, instance: &str) -> bool {
    let answer = call(
        engine.local_addr(),
        "GET",
        &format!("/api/management/v1/process_instance/{instance}/token_history"),
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer
        .json()
        .as_object()
        .is_some_and(|history| !history.is_empty())
}

async fn correlation_ids(engine: &TestEngine) -> Vec<String> {
    let answer = call(
        engine.local_addr(),
        "GET",
        "/api/management/v1/correlations/all",
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_longest_stopped_instances_beyond_the_bound_are_forgotten() {
    let engine = engine(2).await;
    let addr = engine.local_addr();
    let mut started = Vec::new();
    for n in 0..4 {
        started.push(start(addr, "quick", &json!({ "correlationId": format!("c{n}") })).await);
    }
    // The two that stopped first are gone from every route, the two last are kept.
    for (correlation, instance) in &started[..2] {
        assert!(!has_history(&engine, instance).await);
        let path = format!("/api/management/v1/correlations/{correlation}");
        assert_eq!(status(&engine, &path).await, 404);
        let path =
            format!("/api/consumer/v1/correlations/{correlation}/process_models/quick/results");
        assert_eq!(status(&engine, &path).await, 404);
    }
    for (correlation, instance) in &started[2..] {
        assert!(has_history(&engine, instance).await);
        let path =
            format!("/api/consumer/v1/correlations/{correlation}/process_models/quick/results");
        let answer = call(addr, "GET", &path, None).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()[0]["endEventId"], "end");
    }
    assert_eq!(correlation_ids(&engine).await, ["c2", "c3"]);
}

#[tokio::test]
async fn running_instances_are_kept_whatever_the_bound_and_their_tasks_go_with_them() {
    let engine = engine(0).await;
    let addr = engine.local_addr();
    let mut instances = Vec::new();
    for n in 0..3 {
        instances.push(
            start(addr, "external", &json!({ "inputValues": { "n": n } }))
                .await
                .1,
        );
    }
    let tasks = fetch(addr, "w", "external_topic", 0, 0, json!(60_000)).await;
    assert_eq!(tasks.len(), 3);
    for instance in &instances {
        assert!(has_history(&engine, instance).await);
    }
    let first = tasks[0]["id"].as_str().unwrap();
    let finished_instance = tasks[0]["processInstanceId"].as_str().unwrap();
    assert_eq!(finish(addr, first, "w").await, 204);
    // With a bound of 0 the finished instance is forgotten at once, its task with it: a
    // second finish meets an unknown task, not a finished one.
    assert!(!has_history(&engine, finished_instance).await);
    assert_eq!(finish(addr, first, "w").await, 404);
    for task in &tasks[1..] {
        let instance = task["processInstanceId"].as_str().unwrap();
        assert!(has_history(&engine, instance).await);
        assert_eq!(finish(addr, task["id"].as_str().unwrap(), "w").await, 204);
    }
    assert!(correlation_ids(&engine).await.is_empty());
}

#[tokio::test]
async fn stopped_instances_older_than_the_age_are_forgotten_at_the_next_move() {
    let engine = TestEngine::builder()
        .keep_finished_for(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    engine.deploy_xml(QUICK).await.unwrap();
    let addr = engine.local_addr();
    let (_, old) = start(addr, "quick", &json!({})).await;
    assert!(has_history(&engine, &old).await);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, new) = start(addr, "quick", &json!({})).await;
    assert!(!has_history(&engine, &old).await);
    assert!(has_history(&engine, &new).await);
}

#[tokio::test]
async fn a_correlation_id_used_again_after_it_was_forgotten_is_listed_once() {
    let engine = engine(1).await;
    let addr = engine.local_addr();
    start(addr, "quick", &json!({ "correlationId": "again" })).await;
    start(addr, "quick", &json!({ "correlationId": "other" })).await;
    assert_eq!(correlation_ids(&engine).await, ["other"]);
    start(addr, "quick", &json!({ "correlationId": "again" })).await;
    assert_eq!(correlation_ids(&engine).await, ["again"]);
    // Many more, so that the creation orders are compacted on the way.
    for n in 0..200 {
        start(
            addr,
            "quick",
            &json!({ "correlationId": format!("n{}", n % 3) }),
        )
        .await;
    }
    start(addr, "quick", &json!({ "correlationId": "again" })).await;
    let ids: Vec<String> = correlation_ids(&engine).await;
    assert_eq!(ids, ["again"]);
}

#[tokio::test]
async fn by_default_thousands_of_stopped_instances_are_kept() {
    let engine = TestEngine::builder().start().await.unwrap();
    engine.deploy_xml(QUICK).await.unwrap();
    let addr = engine.local_addr();
    let (first, _) = start(addr, "quick", &json!({})).await;
    for _ in 0..300 {
        start(addr, "quick", &json!({})).await;
    }
    let all = correlation_ids(&engine).await;
    assert_eq!(all.len(), 301);
    assert_eq!(all.first(), Some(&first));
    let path = format!("/api/management/v1/correlations/{first}");
    let answer = call(addr, "GET", &path, None).await;
    assert_eq!(answer.json()["state"], Value::from("finished"));
}
