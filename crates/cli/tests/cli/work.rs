//! `pe work`: a topic worked by a shell command.

use std::path::Path;
use std::time::Duration;

use process_engine::testkit::{TestAuthority, TestEngine};
use serde_json::{Value, json};

use crate::support::{Engine, Models, Pe, Ran, unique};

/// A handler in plain sh: echoes the payload, the task id and the correlation from its
/// environment; an order of 1000 needs an approval (a BPMN error), `"fail"` fails without a
/// code (a service error).
const HANDLER: &str = r#"input=$(cat)
case "$input" in
  *'"amount":1000'*) echo '{"code": "NeedsApproval", "message": "order too large"}'; exit 3 ;;
  *'"fail"'*) echo 'something broke' >&2; exit 1 ;;
esac
printf '{"echo": %s, "task": "%s", "correlation": "%s"}\n' "$input" "$PE_TASK_ID" "$PE_TASK_CORRELATION_ID""#;

/// Polls until the instances of `model` in `correlation` have `count` results.
async fn results(engine: &Engine, correlation: &str, model: &str, count: usize) -> Vec<Value> {
    let control = engine.control();
    for _ in 0..600 {
        let results = control
            .process_results(correlation, model)
            .send()
            .await
            .unwrap();
        if results.len() >= count {
            return results
                .into_iter()
                .map(|result| json!({"end": result.end_event_id, "payload": result.token_payload}))
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the instances of {model} in {correlation} did not all end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_worker_finishes_a_hundred_tasks_and_reports_errors() {
    let engine = Engine::start().await;
    let models = Models::new();
    engine.deploy(&models.path("shell_task")).await;
    let model = models.id("shell_task");
    let control = engine.control();
    let (done, errors) = (format!("done-{}", unique()), format!("errors-{}", unique()));
    for n in 0..100 {
        control
            .start_process_instance(&model, "start")
            .correlation_id(&done)
            .input(&json!({"amount": n}))
            .send()
            .await
            .unwrap();
    }
    for input in [json!({"amount": 1000}), json!({"amount": "fail"})] {
        control
            .start_process_instance(&model, "start")
            .correlation_id(&errors)
            .input(&input)
            .send()
            .await
            .unwrap();
    }

    let topic = format!("check_order_{}", models.suffix);
    let mut worker = engine
        .pe([
            "work",
            &topic,
            "--max-tasks",
            "8",
            "-o",
            "json",
            "--",
            "sh",
            "-c",
            HANDLER,
        ])
        .spawn();
    let finished = results(&engine, &done, &model, 100).await;
    let mut echoed: Vec<i64> = finished
        .iter()
        .map(|result| {
            assert_eq!(result["end"], "done");
            assert_eq!(result["payload"]["correlation"], done.as_str());
            assert!(!result["payload"]["task"].as_str().unwrap().is_empty());
            result["payload"]["echo"]["amount"].as_i64().unwrap()
        })
        .collect();
    echoed.sort_unstable();
    assert_eq!(echoed, (0..100).collect::<Vec<_>>());
    // Both errors are caught by the boundary event, the error as the token; the service error
    // carries the command's exit code and stderr as its details.
    let caught = results(&engine, &errors, &model, 2).await;
    assert!(
        caught.iter().all(|result| result["end"] == "check_failed"),
        "{caught:?}"
    );
    let details: Vec<&Value> = caught
        .iter()
        .filter_map(|result| result["payload"].get("_additionalInformation"))
        .collect();
    assert_eq!(details.len(), 1, "{caught:?}");
    assert_eq!(details[0]["exit_code"], 1);
    assert_eq!(details[0]["stderr"], "something broke\n");
    // The BPMN error's code reached the engine, which words it in the task's exit token.
    let correlation = control.correlation(&errors).send().await.unwrap();
    let mut messages = Vec::new();
    for instance in correlation.process_instances {
        let history = engine
            .pe([
                "instance",
                "history",
                &instance.process_instance_id,
                "-o",
                "json",
            ])
            .run()
            .await
            .success()
            .json();
        let exit = history
            .as_array()
            .unwrap()
            .iter()
            .find(|token| token["flow_node_id"] == "check_order" && token["event"] == "onExit")
            .unwrap()
            .clone();
        messages.push(
            exit["payload"]["errorMessage"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert!(
        messages
            .contains(&"ExternalTask failed due to BPMN error with code NeedsApproval".to_owned()),
        "{messages:?}"
    );

    worker.terminate().await;
    let ran = worker.wait().await;
    ran.success();
    let lines = ran.json_lines();
    let outcomes = |outcome: &str| {
        lines
            .iter()
            .filter(|line| line["outcome"] == outcome)
            .count()
    };
    assert_eq!(
        (
            outcomes("result"),
            outcomes("bpmn_error"),
            outcomes("service_error")
        ),
        (100, 1, 1)
    );
    let bpmn = lines
        .iter()
        .find(|line| line["outcome"] == "bpmn_error")
        .unwrap();
    assert_eq!(bpmn["code"], "NeedsApproval");
    assert_eq!(bpmn["message"], "order too large");
    let service = lines
        .iter()
        .find(|line| line["outcome"] == "service_error")
        .unwrap();
    assert_eq!(service["details"]["exit_code"], 1, "{service}");
    assert_eq!(
        service["details"]["stderr"], "something broke\n",
        "{service}"
    );
    let stopped = lines.last().unwrap();
    assert_eq!(stopped["stopped"], true);
    assert_eq!(stopped["completed"], 100);
    assert_eq!(stopped["bpmn_errors"], 1);
    assert_eq!(stopped["service_errors"], 1);
    assert_eq!(stopped["abandoned"], 0);
}

#[tokio::test]
async fn sigterm_lets_running_commands_finish_and_delivers_their_results() {
    let engine = Engine::start().await;
    let models = Models::new();
    engine.deploy(&models.path("shell_task")).await;
    let model = models.id("shell_task");
    let correlation = format!("sigterm-{}", unique());
    let control = engine.control();
    for n in 0..3 {
        control
            .start_process_instance(&model, "start")
            .correlation_id(&correlation)
            .input(&json!({"amount": n}))
            .send()
            .await
            .unwrap();
    }
    // Each command says it started, then waits for the test to let it go.
    let dir = models.dir().to_owned();
    let handler = r#"touch "$PE_TASK_ID.started"; while [ ! -e go ]; do sleep 0.02; done; cat"#;
    let topic = format!("check_order_{}", models.suffix);
    let mut worker = engine
        .pe([
            "work",
            &topic,
            "--max-tasks",
            "3",
            "--",
            "sh",
            "-c",
            handler,
        ])
        .current_dir(&dir)
        .spawn();
    worker.stderr_until("working topic").await;
    let started = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|e| e == "started")
            })
            .count()
    };
    for _ in 0..600 {
        if started(&dir) == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(started(&dir), 3, "the commands did not all start");

    worker.terminate().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Nothing was delivered yet: the commands still run.
    assert!(
        control
            .process_results(&correlation, &model)
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    std::fs::write(dir.join("go"), "").unwrap();

    let ran = worker.wait().await;
    ran.success();
    let finished = results(&engine, &correlation, &model, 3).await;
    let mut amounts: Vec<i64> = finished
        .iter()
        .map(|result| result["payload"]["amount"].as_i64().unwrap())
        .collect();
    amounts.sort_unstable();
    assert_eq!(amounts, [0, 1, 2]);
    let done = ran
        .stdout
        .lines()
        .filter(|line| line.starts_with("done "))
        .count();
    assert_eq!(done, 3, "{}", ran.stdout);
    assert!(
        ran.stdout.ends_with("stopped: 3 tasks fetched, 3 completed, 0 BPMN errors, 0 service errors delivered; 0 abandoned, 0 refused, 0 locks lost"),
        "{}",
        ran.stdout
    );
}

#[tokio::test]
async fn options_that_cannot_work_are_refused() {
    let engine = Engine::start().await;
    let ran = engine
        .pe(["work", "topic", "--max-tasks", "0", "--", "cat"])
        .run()
        .await;
    ran.code(2);
    assert!(ran.stderr.contains("topic"), "{}", ran.stderr);
    let ran = engine
        .pe([
            "work",
            "topic",
            "--lock-duration",
            "10s",
            "--extend-lock-every",
            "20s",
            "--",
            "cat",
        ])
        .run()
        .await;
    ran.code(2);
    assert!(ran.stderr.contains("extend_lock_timeout"), "{}", ran.stderr);
    // No command.
    engine.pe(["work", "topic"]).run().await.code(2);
}

/// Starts an instance of `shell_task` in `correlation`; answers its process model id.
async fn one_task(engine: &Engine, models: &Models, correlation: &str, amount: i64) -> String {
    let model = models.id("shell_task");
    engine
        .control()
        .start_process_instance(&model, "start")
        .correlation_id(correlation)
        .input(&json!({ "amount": amount }))
        .send()
        .await
        .unwrap();
    model
}

/// Runs `pe work` on the test's topic with a command that never finishes, with short locks and
/// a short shutdown; waits until the command runs, then sends SIGTERM. Answers how `pe` ended.
async fn stop_while_a_command_hangs(engine: &Engine, models: &Models, on_timeout: &str) -> Ran {
    let topic = format!("check_order_{}", models.suffix);
    let started = models.dir().join(format!("{on_timeout}.started"));
    let handler = format!("touch '{}'; exec sleep 60", started.display());
    let mut worker = engine
        .pe([
            "work",
            &topic,
            "--lock-duration",
            "1s",
            "--additional-lock-duration",
            "1s",
            "--extend-lock-every",
            "300ms",
            "--shutdown-timeout",
            "300ms",
            // A real engine may create the task after the first fetch began.
            "--long-polling-timeout",
            "1s",
            "--on-shutdown-timeout",
            on_timeout,
            "-o",
            "json",
            "--",
            "sh",
            "-c",
            &handler,
        ])
        .spawn();
    for _ in 0..3000 {
        if started.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.terminate().await;
    let ran = worker.wait().await;
    assert!(started.exists(), "the command did not start: {ran:?}");
    ran
}

#[tokio::test]
async fn a_command_that_outlives_the_shutdown_leaves_its_task_to_the_engine() {
    let engine = Engine::start().await;
    let models = Models::new();
    engine.deploy(&models.path("shell_task")).await;
    let correlation = format!("abandon-{}", unique());
    let model = one_task(&engine, &models, &correlation, 7).await;

    // Abandoned: the command is killed, nothing is reported, and `pe` says so with exit 1.
    let ran = stop_while_a_command_hangs(&engine, &models, "abandon").await;
    ran.code(1);
    let stopped = ran.json_lines().pop().unwrap();
    assert_eq!(
        (
            &stopped["fetched"],
            &stopped["abandoned"],
            &stopped["completed"]
        ),
        (&json!(1), &json!(1), &json!(0)),
        "{stopped}"
    );
    // The task is the engine's again once its lock runs out: the next worker finishes it.
    let topic = format!("check_order_{}", models.suffix);
    let mut next = engine.pe(["work", &topic, "--", "cat"]).spawn();
    let finished = results(&engine, &correlation, &model, 1).await;
    assert_eq!(finished[0]["end"], "done");
    assert_eq!(finished[0]["payload"]["amount"], 7);
    next.terminate().await;
    next.wait().await.success();

    // Reported: the command is killed and a service error ends the task at once. On a topic of
    // its own: a real engine may still hold the stopped worker's last long poll, and hands it
    // the next task of the topic (locked for that worker's lock duration).
    let models = Models::new();
    engine.deploy(&models.path("shell_task")).await;
    let correlation = format!("report-{}", unique());
    let model = one_task(&engine, &models, &correlation, 8).await;
    let ran = stop_while_a_command_hangs(&engine, &models, "report").await;
    ran.success();
    let stopped = ran.json_lines().pop().unwrap();
    assert_eq!(
        (&stopped["service_errors"], &stopped["abandoned"]),
        (&json!(1), &json!(0)),
        "{stopped}"
    );
    let caught = results(&engine, &correlation, &model, 1).await;
    assert_eq!(caught[0]["end"], "check_failed", "{caught:?}");
}

#[tokio::test]
async fn an_engine_that_cannot_be_used_stops_the_worker_at_once() {
    // The worker itself retries an engine that is down for as long as it runs; `pe work`
    // checks it first, so that a wrong URL is one line and exit code 6, not a silent wait.
    let began = std::time::Instant::now();
    let ran = Pe::new(["work", "topic", "--", "cat"])
        .env("PROCESS_ENGINE_URL", "http://127.0.0.1:1")
        .run()
        .await;
    ran.code(6);
    assert!(began.elapsed() < Duration::from_secs(20), "{ran:?}");
    assert!(
        ran.stderr
            .starts_with("error: get_package_info at http://127.0.0.1:1: could not connect"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("working topic"), "{}", ran.stderr);

    // A token the engine cannot read: 8.0.0 answers a fetch with it with a 500, which the
    // worker would retry for ever.
    let ran = Engine::start()
        .await
        .pe([
            "work",
            "topic",
            "--token",
            "neither-dummy-nor-jwt",
            "--",
            "cat",
        ])
        .run()
        .await;
    ran.code(4);
    assert!(
        ran.stderr
            .contains("hint: the engine could not read the token"),
        "{}",
        ran.stderr
    );

    let authority = TestAuthority::new().client("cli", "secret").guard_engine();
    let guarded = TestEngine::builder()
        .authority(authority)
        .start()
        .await
        .unwrap();
    let ran = Pe::new([
        "work",
        "topic",
        "--url",
        guarded.url(),
        "--client-id",
        "cli",
        "--client-secret",
        "wrong",
        "-o",
        "json",
        "--",
        "cat",
    ])
    .run()
    .await;
    ran.code(4);
    let error = ran.json_error();
    assert_eq!(error["kind"], "refused");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("invalid_client"),
        "{error}"
    );
}
