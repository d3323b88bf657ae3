//! The stand-in engine's HTTP layer, over raw HTTP: routing as express routes, bodies the JSON
//! parser refuses, injected faults, and the program's clean stop on SIGTERM.

#![allow(
    clippy::unwrap_used,
    reason = "a failed unwrap in a test helper is a failed test"
)]

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use process_engine_api_types::routes;
use process_engine_testkit::TestEngine;
use serde_json::{Value, json};

const TOKEN: &str = "Bearer ZHVtbXlfdG9rZW4=";

struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    url: String,
}

impl Http {
    fn new(engine: &TestEngine) -> Http {
        Http {
            client: Client::builder(TokioExecutor::new()).build_http(),
            url: engine.url().to_owned(),
        }
    }

    /// Sends a request, JSON-labelled when it has a body, with the development token unless
    /// `token` is false; returns the status and the body as text.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        token: bool,
    ) -> (u16, String) {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url));
        if token {
            request = request.header("authorization", TOKEN);
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body.unwrap_or_default())))
            .unwrap();
        let response = self.client.request(request).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, String) {
        self.send("POST", path, Some(body.to_string().as_bytes()), true)
            .await
    }

    async fn get(&self, path: &str) -> (u16, String) {
        self.send("GET", path, None, true).await
    }
}

async fn engine_with_external_model() -> (TestEngine, Http) {
    let engine = TestEngine::builder().start().await.unwrap();
    engine
        .deploy_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/models/external.bpmn"
        ))
        .await
        .unwrap();
    let http = Http::new(&engine);
    (engine, http)
}

/// Starts an instance of `external` and locks its external task for worker `w`; returns the
/// task's id.
async fn locked_task(http: &Http) -> String {
    let (status, body) = http
        .post("/api/consumer/v1/process_models/external/start", &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let fetch = json!({
        "workerId": "w",
        "topicName": "external_topic",
        "maxTasks": 1,
        "longPollingTimeout": 5000,
        "lockDuration": 60000,
    });
    let (status, body) = http
        .post("/api/external_task/v1/fetch_and_lock", &fetch)
        .await;
    assert_eq!(status, 200, "{body}");
    let tasks: Value = serde_json::from_str(&body).unwrap();
    tasks[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_delayed_answer_comes_after_the_engine_acted() {
    let (engine, http) = engine_with_external_model().await;
    let task = locked_task(&http).await;
    let finish_path = format!("/api/external_task/v1/task/{task}/finish");
    let finish = json!({"workerId": "w", "result": {"done": true}});

    engine.delay(&routes::FINISH_EXTERNAL_TASK, Duration::from_millis(500));
    let attempt =
        tokio::time::timeout(Duration::from_millis(100), http.post(&finish_path, &finish)).await;
    assert!(attempt.is_err(), "the answer came in time: {attempt:?}");

    // What a client retrying after its timeout meets: the finish of the first attempt.
    engine.clear_faults();
    let (status, body) = http.post(&finish_path, &finish).await;
    assert_eq!(status, 410, "{body}");
}

#[tokio::test]
async fn routes_match_whatever_the_case_of_their_literal_segments() {
    let (_engine, http) = engine_with_external_model().await;
    let (status, body) = http.get("/api/consumer/v1/PROCESS_MODELS").await;
    assert_eq!(status, 200, "{body}");
    let models: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(models["processModels"][0]["id"], "external");

    let (status, body) = http.get("/API/Consumer/V1/Process_Models/external/").await;
    assert_eq!(status, 200, "{body}");
    // Parameter values are kept as sent: model ids are case-sensitive.
    let (status, body) = http.get("/api/consumer/v1/process_models/EXTERNAL").await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn the_auth_check_covers_the_api_roots_whatever_their_case() {
    let (_engine, http) = engine_with_external_model().await;
    for path in [
        "/API/consumer/v1/process_models",
        "/Api/Consumer/V1/PROCESS_MODELS",
        "/aPi/nowhere",
    ] {
        let (status, body) = http.send("GET", path, None, false).await;
        assert_eq!(
            (status, body.as_str()),
            (401, "No auth token provided!"),
            "{path}"
        );
    }
    let (status, _) = http.send("GET", "/Security/Authority", None, false).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn malformed_json_with_multibyte_characters_gets_v8s_message() {
    let (_engine, http) = engine_with_external_model().await;
    let start = "/api/consumer/v1/process_models/external/start";
    for (body, message) in [
        (r#"["\u😀"]"#, "Bad Unicode escape in JSON at position 4"),
        (
            r#"{"a":"\u1€000"}"#,
            "Bad Unicode escape in JSON at position 9",
        ),
        ("[é]", r#"Unexpected token 'é', "[é]" is not valid JSON"#),
    ] {
        let answer = http.send("POST", start, Some(body.as_bytes()), true).await;
        assert_eq!(answer, (500, message.to_owned()), "{body}");
    }
    // The connection's task did not die with the request: the engine still answers.
    let (status, _) = http.get("/api/consumer/v1/process_models").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_injected_status_no_answer_can_have_is_answered_500_naming_it() {
    let (engine, http) = engine_with_external_model().await;
    for status in [42, 150, 1000] {
        engine.fail_next(&routes::GET_PROCESS_MODELS, 1, status);
        let (answered, body) = http.get("/api/consumer/v1/process_models").await;
        assert_eq!(answered, 500, "{status}");
        assert_eq!(
            body,
            format!("Injected fault: {status} is not a status an answer can have (200..=999)")
        );
    }
    engine.fail_next(&routes::GET_PROCESS_MODELS, 1, 418);
    let (answered, body) = http.get("/api/consumer/v1/process_models").await;
    assert_eq!((answered, body.as_str()), (418, "Injected fault: 418"));
    let (answered, _) = http.get("/api/consumer/v1/process_models").await;
    assert_eq!(answered, 200);
}

/// A script starts the program, waits for its `listening on` line and stops it with SIGTERM
/// at once: the program must stop cleanly (exit code 0), not die of the signal.
#[cfg(unix)]
#[test]
fn sigterm_right_after_the_listening_line_stops_the_program_cleanly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    for _ in 0..3 {
        let mut program = Command::new(env!("CARGO_BIN_EXE_process-engine-testkit"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(program.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let killed = Command::new("kill")
            .args(["-TERM", &program.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = program.wait().unwrap();
        assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
        assert!(status.success(), "{status}");
    }
}

/// `--deploy DIR` with one model among good ones that cannot be deployed: the program says which
/// file, and why, and does not start.
#[test]
fn the_program_names_the_file_it_cannot_deploy() {
    let dir = std::env::temp_dir().join(format!("testkit-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a_good.bpmn"),
        include_str!("models/external.bpmn"),
    )
    .unwrap();
    let broken = dir.join("b_broken.bpmn");
    std::fs::write(
        &broken,
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="nowhere" />
  </bpmn:process>
</bpmn:definitions>"#,
    )
    .unwrap();

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_process-engine-testkit"))
        .args(["--port", "0", "--deploy"])
        .arg(&dir)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        format!(
            "error: could not deploy {}: the BPMN cannot be deployed: the element `f` is \
             invalid: the sequence flow's `targetRef` `nowhere` names no flow node of the process",
            broken.display()
        )
    );
}
