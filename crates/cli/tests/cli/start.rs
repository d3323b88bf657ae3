//! `pe start`: at once or waiting, input from an argument, a file or stdin.

use std::collections::BTreeSet;

use serde_json::json;

use crate::support::{Engine, Models, sample, unique};

#[tokio::test]
async fn a_start_answers_at_once_with_its_ids() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let correlation = format!("start-{}", unique());

    let ran = engine
        .pe(["start", "user_task", "--correlation", &correlation])
        .run()
        .await;
    ran.success();
    assert!(
        ran.stdout.starts_with(&format!(
            "correlation:       {correlation}\nprocess instance:  "
        )),
        "{}",
        ran.stdout
    );

    let started = engine
        .pe(["start", "user_task", "-s", "the_start_event", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    let keys: BTreeSet<&str> = started
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "correlation_id",
            "process_instance_id",
            "end_event_id",
            "token_payload"
        ])
    );
    assert!(started["end_event_id"].is_null());
    // The instance exists and waits at its user task.
    let id = started["process_instance_id"].as_str().unwrap();
    let shown = engine
        .pe(["instance", "show", id, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(shown["state"], "running");
}

#[tokio::test]
async fn input_comes_from_an_argument_a_file_or_stdin() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let models = Models::new();
    let file = models.dir().join("order.json");
    std::fs::write(&file, r#"{"order": "from a file"}"#).unwrap();

    let cases = [
        (
            vec!["--input", r#"{"order": "inline"}"#],
            None,
            json!({"order": "inline"}),
        ),
        (
            vec!["--input-file", file.to_str().unwrap()],
            None,
            json!({"order": "from a file"}),
        ),
        (
            vec!["--input-file", "-"],
            Some(r#"{"order": "from stdin"}"#),
            json!({"order": "from stdin"}),
        ),
    ];
    for (args, stdin, expected) in cases {
        let correlation = format!("input-{}", unique());
        let mut all = vec!["start", "user_task", "-c", &correlation, "-o", "json"];
        all.extend(args);
        let mut pe = engine.pe(&all);
        if let Some(stdin) = stdin {
            pe = pe.stdin(stdin);
        }
        pe.run().await.success();
        engine.until_a_task_waits(&correlation).await;
        let task = engine
            .pe([
                "task",
                "show",
                "review_order",
                "--correlation",
                &correlation,
                "-o",
                "json",
            ])
            .run()
            .await
            .success()
            .json();
        assert_eq!(task["token_payload"], expected);
    }
}

#[tokio::test]
async fn a_waiting_start_prints_the_result_of_the_end() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    for (wait, output) in [
        (["--wait", ""], "human"),
        (["--wait-for", "the_end_event"], "json"),
    ] {
        let correlation = format!("wait-{}", unique());
        let mut args = vec!["start", "user_task", "-c", &correlation, "-o", output];
        args.extend(wait.iter().filter(|arg| !arg.is_empty()));
        let mut start = engine.pe(&args).spawn();
        // The start waits until the task is answered.
        let mut finish = engine.pe([
            "task",
            "finish",
            "review_order",
            "--correlation",
            &correlation,
            "--field",
            "approved=true",
        ]);
        let finished = loop {
            let ran = finish.run().await;
            if ran.code == Some(0) {
                break ran;
            }
            // Not waiting yet: the start was sent but the task not reached.
            ran.code(3);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            finish = engine.pe([
                "task",
                "finish",
                "review_order",
                "--correlation",
                &correlation,
                "--field",
                "approved=true",
            ]);
        };
        assert!(
            finished
                .stdout
                .starts_with("finished user task review_order"),
            "{}",
            finished.stdout
        );
        let ran = start.wait().await;
        ran.success();
        if output == "json" {
            let result = ran.json();
            assert_eq!(result["correlation_id"], correlation.as_str());
            assert_eq!(result["end_event_id"], "the_end_event");
            assert_eq!(
                result["token_payload"],
                json!({"form_fields": {"approved": true}})
            );
        } else {
            assert!(
                ran.stdout.contains("end event:         the_end_event"),
                "{}",
                ran.stdout
            );
            assert!(
                ran.stdout.contains("result:            {\n"),
                "{}",
                ran.stdout
            );
            assert!(ran.stdout.contains("\"approved\": true"), "{}", ran.stdout);
        }
    }
}

#[tokio::test]
async fn a_wait_that_runs_out_exits_5_and_names_the_correlation() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let correlation = format!("limit-{}", unique());
    let ran = engine
        .pe([
            "start",
            "user_task",
            "-c",
            &correlation,
            "--wait",
            "--wait-limit",
            "300ms",
        ])
        .run()
        .await;
    ran.code(5);
    assert!(
        ran.stderr.contains(&format!("correlation `{correlation}`")),
        "{}",
        ran.stderr
    );
    let ran = engine
        .pe([
            "start",
            "user_task",
            "--wait",
            "--wait-limit",
            "0.3",
            "-o",
            "json",
        ])
        .run()
        .await;
    ran.code(5);
    assert_eq!(ran.json_error()["kind"], "wait_limit_passed");
}

#[tokio::test]
async fn bad_input_starts_nothing() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let correlation = format!("bad-{}", unique());
    let ran = engine
        .pe([
            "start",
            "user_task",
            "-c",
            &correlation,
            "--input",
            "{\"order\":",
        ])
        .run()
        .await;
    ran.code(2);
    assert!(
        ran.stderr
            .starts_with("error: the input (the argument) is not valid JSON: EOF while parsing"),
        "{}",
        ran.stderr
    );
    let ran = engine
        .pe([
            "start",
            "user_task",
            "--input-file",
            "no/such/order.json",
            "-o",
            "json",
        ])
        .run()
        .await;
    ran.code(2);
    let error = ran.json_error();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("could not read the input from no/such/order.json: "),
        "{error}"
    );
    let ran = engine.pe(["start", "no_such_model"]).run().await;
    ran.code(3);
    assert!(
        ran.stderr
            .contains("ProcessModel with id no_such_model not found"),
        "{}",
        ran.stderr
    );
    let ran = engine
        .pe(["start", "no_such_model", "-s", "start", "-o", "json"])
        .run()
        .await;
    ran.code(3);
    assert_eq!(ran.json_error()["status"], 404);
    // Nothing was started in the correlation of the bad input.
    engine
        .pe(["correlation", "show", &correlation])
        .run()
        .await
        .code(3);
}

#[tokio::test]
async fn an_interrupted_wait_exits_130_and_names_the_correlation() {
    let engine = Engine::start().await;
    engine.deploy(&sample("user_task")).await;
    let correlation = format!("interrupted-{}", unique());
    let mut start = engine
        .pe(["start", "user_task", "-c", &correlation, "--wait"])
        .spawn();
    // The instance's user task waits while `pe` still waits for the instance's end.
    engine.until_a_task_waits(&correlation).await;
    start.terminate().await;
    let ran = start.wait().await;
    ran.code(130);
    assert_eq!(ran.stdout, "");
    assert!(
        ran.stderr.contains(&format!(
            "interrupted; the instance goes on in correlation {correlation}"
        )),
        "{}",
        ran.stderr
    );
    // It does go on: its user task still waits.
    let tasks = engine
        .pe(["task", "list", "-c", &correlation, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
}
