//! `pe model`: list, show, remove.

use serde_json::json;

use crate::support::{Engine, Models};

#[tokio::test]
async fn models_are_listed_shown_and_removed() {
    let engine = Engine::start().await;
    let models = Models::new();
    engine.deploy(&models.path("chores")).await;
    let id = models.id("chores");

    let ran = engine.pe(["model", "list"]).run().await;
    ran.success();
    assert!(ran.stdout.starts_with("ID"), "{}", ran.stdout);
    assert!(ran.stdout.contains("START EVENTS"), "{}", ran.stdout);
    let row = ran
        .stdout
        .lines()
        .find(|line| line.starts_with(&id))
        .unwrap();
    assert!(row.contains(" start ") && row.ends_with(" end"), "{row}");

    let list = engine
        .pe(["model", "list", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|model| model["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        listed,
        &json!({"id": id, "start_events": ["start"], "end_events": ["end"]})
    );

    let ran = engine.pe(["model", "show", &id]).run().await;
    ran.success();
    assert!(
        ran.stdout.contains(&format!("id:            {id}")),
        "{}",
        ran.stdout
    );
    assert!(!ran.stdout.contains("bpmn:definitions"));
    let shown = engine
        .pe(["model", "show", &id, "--xml", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert!(shown["xml"].as_str().unwrap().contains("bpmn:manualTask"));
    let ran = engine.pe(["model", "show", &id, "--xml"]).run().await;
    assert!(
        ran.success().stdout.contains("BPMN\n<?xml"),
        "{}",
        ran.stdout
    );

    let ran = engine.pe(["model", "remove", &id]).run().await;
    assert_eq!(ran.success().stdout, format!("removed {id}"));
    engine.deploy(&models.path("chores")).await;
    let removed = engine
        .pe(["model", "rm", &id, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(removed, json!({ "removed": id }));
    engine.pe(["model", "show", &id]).run().await.code(3);
    let ran = engine.pe(["model", "rm", &id, "-o", "json"]).run().await;
    ran.code(3);
    assert_eq!(ran.json_error()["kind"], "not_found");
}
