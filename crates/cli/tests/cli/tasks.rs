//! `pe task`: user tasks, manual tasks and empty activities: list, show, finish.

use serde_json::json;

use crate::support::{Engine, Models, sample, unique};

#[tokio::test]
async fn a_user_task_is_listed_shown_and_finished_with_typed_fields() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let correlation = format!("user-{}", unique());
    let started = engine
        .pe(["start", "user_task", "-c", &correlation, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    let instance = started["process_instance_id"].as_str().unwrap();
    engine.until_a_task_waits(&correlation).await;

    for scope in [
        vec!["--correlation", &correlation],
        vec!["--instance", instance],
        vec!["--model", "user_task", "--correlation", &correlation],
        vec![],
    ] {
        let mut args = vec!["task", "list", "-o", "json"];
        args.extend(&scope);
        let tasks = engine.pe(&args).run().await.success().json();
        let task = tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|task| task["correlation_id"] == correlation.as_str())
            .unwrap_or_else(|| panic!("no task in {scope:?}: {tasks}"));
        assert_eq!(task["kind"], "user_task");
        assert_eq!(task["flow_node_id"], "review_order");
    }
    let ran = engine.pe(["task", "list", "-c", &correlation]).run().await;
    ran.success();
    assert!(ran.stdout.starts_with("TASK"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("user task  review_order  Review the order"),
        "{}",
        ran.stdout
    );
    let ran = engine
        .pe(["task", "list", "-c", &correlation, "--kind", "manual"])
        .run()
        .await;
    assert!(
        ran.success().stdout.is_empty() && ran.stderr.starts_with("no tasks wait"),
        "{ran:?}"
    );

    let shown = engine
        .pe([
            "task",
            "show",
            "review_order",
            "-c",
            &correlation,
            "-o",
            "json",
        ])
        .run()
        .await
        .success()
        .json();
    assert_eq!(
        shown["form"]["fields"][1],
        json!({
            "id": "priority", "label": "Priority", "type": "enum", "default": "normal",
            "choices": [
                {"id": "low", "name": "Low"}, {"id": "normal", "name": "Normal"},
                {"id": "urgent", "name": "Urgent"}
            ]
        })
    );
    assert_eq!(shown["form"]["fields"][0]["default"], false);
    let ran = engine
        .pe(["task", "show", "review_order", "-c", &correlation])
        .run()
        .await;
    ran.success();
    assert!(ran.stdout.contains("Form fields\nFIELD"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("priority  enum     Priority            normal"),
        "{}",
        ran.stdout
    );

    // What the form does not take is refused before anything is sent.
    let finish = |extra: &[&str]| {
        let mut args = vec!["task", "finish", "review_order", "-c", &correlation];
        args.extend(extra);
        engine.pe(args)
    };
    let ran = finish(&["--field", "approved=maybe"]).run().await;
    ran.code(2);
    assert!(
        ran.stderr.contains("the field is a boolean"),
        "{}",
        ran.stderr
    );
    let ran = finish(&["--field", "colour=red"]).run().await;
    ran.code(2);
    assert!(
        ran.stderr
            .contains("has no field colour; its fields: approved, priority, comment"),
        "{}",
        ran.stderr
    );
    finish(&["--field", "priority=whenever"])
        .run()
        .await
        .code(2);
    finish(&["--answer", "[1, 2]"]).run().await.code(2);
    finish(&["--answer", "{"]).run().await.code(2);

    let finished = finish(&[
        "--answer",
        r#"{"comment": "fine"}"#,
        "--field",
        "approved=true",
        "-o",
        "json",
    ])
    .run()
    .await
    .success()
    .json();
    assert_eq!(finished["kind"], "user_task");
    assert_eq!(
        finished["answer"],
        json!({"comment": "fine", "approved": true})
    );
    let results = engine
        .pe(["results", &correlation, "user_task", "--wait", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(
        results[0]["token_payload"]["form_fields"],
        json!({"comment": "fine", "approved": true})
    );

    // Gone once finished.
    let ran = finish(&[]).run().await;
    ran.code(3);
    assert!(
        ran.stderr
            .contains("no task review_order waits in correlation"),
        "{}",
        ran.stderr
    );
}

#[tokio::test]
async fn manual_tasks_and_empty_activities_are_finished_without_an_answer() {
    let engine = Engine::start().await;
    let models = Models::new();
    engine.deploy(&models.path("chores")).await;
    let model = models.id("chores");
    let correlation = format!("chores-{}", unique());
    engine
        .pe(["start", &model, "-c", &correlation])
        .run()
        .await
        .success();

    let tasks = engine
        .until_listed(&[
            "task", "list", "--model", &model, "--kind", "manual", "-o", "json",
        ])
        .await;
    assert_eq!(tasks[0]["kind"], "manual_task");
    assert_eq!(tasks[0]["name"], "Sign the delivery note");
    let id = tasks[0]["flow_node_instance_id"].as_str().unwrap();

    let ran = engine
        .pe(["task", "finish", id, "--field", "x=1"])
        .run()
        .await;
    ran.code(2);
    assert!(
        ran.stderr
            .contains("sign_delivery is a manual task, which takes no answer"),
        "{}",
        ran.stderr
    );
    let ran = engine.pe(["task", "finish", id]).run().await;
    ran.success();
    assert!(
        ran.stdout
            .starts_with("finished manual task sign_delivery ("),
        "{}",
        ran.stdout
    );

    // The empty activity comes next.
    let mut shown = None;
    for _ in 0..100 {
        let ran = engine
            .pe([
                "task",
                "show",
                "checkpoint",
                "-c",
                &correlation,
                "-o",
                "json",
            ])
            .run()
            .await;
        if ran.code == Some(0) {
            shown = Some(ran.json());
            break;
        }
        ran.code(3);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let shown = shown.expect("the empty activity never waited");
    assert_eq!(shown["kind"], "empty_activity");
    assert!(shown.get("form").is_none(), "{shown}");
    let finished = engine
        .pe([
            "task",
            "finish",
            "checkpoint",
            "-c",
            &correlation,
            "-o",
            "json",
        ])
        .run()
        .await
        .success()
        .json();
    assert_eq!(finished["kind"], "empty_activity");
    assert!(finished["answer"].is_null());
}
