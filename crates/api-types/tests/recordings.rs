//! Every answer the real ProcessEngine 8.0.0 gave in every recorded scenario (`api/recordings/`:
//! the `a`, `d`, `e` and `p` scenarios) decodes into its operation's generated type and re-encodes
//! to the same JSON, every request body it accepted decodes into the operation's body type, and
//! every error answer reads as an `EngineError`. A shape the API description does not allow for
//! fails here, naming the scenario, the step and the field.

use std::path::Path;

use process_engine_api_types::route::{Method, Success};
use process_engine_api_types::{
    EngineError, EngineErrorKind, Operation, OperationId, Route, models, operations, routes,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes `body` as `T` (naming the failing field on error) and encodes it again.
fn round_trip<T: DeserializeOwned + Serialize>(body: &Value) -> Result<Value, String> {
    let decoded: T = serde_path_to_error::deserialize(body)
        .map_err(|e| format!("does not decode at `{}`: {}", e.path(), e.inner()))?;
    serde_json::to_value(&decoded).map_err(|e| format!("does not encode: {e}"))
}

/// One round trip per operation, through the types the operation itself names: its body and its
/// response type (no hand-kept table to forget an operation in).
macro_rules! round_trips {
    ($($op:ident),* $(,)?) => {
        /// The round trip of a request body through the operation's body type.
        fn request_round_trip(id: OperationId, body: &Value) -> Result<Value, String> {
            match id {
                $(OperationId::$op => round_trip::<<operations::$op as Operation>::Body>(body),)*
            }
        }

        /// The round trip of a JSON answer through the operation's response type.
        fn response_round_trip(id: OperationId, body: &Value) -> Result<Value, String> {
            match id {
                $(OperationId::$op => round_trip::<<operations::$op as Operation>::Response>(body),)*
            }
        }
    };
}

process_engine_api_types::for_each_operation!(round_trips);

#[derive(Default)]
struct Tally {
    requests: usize,
    json: usize,
    empty: usize,
    errors: usize,
    unrouted: usize,
    failures: Vec<String>,
}

fn check_step(step: &Value, tally: &mut Tally) -> Result<(), String> {
    let request = &step["request"];
    let response = &step["response"];
    let method = match request["method"].as_str() {
        Some("GET") => Some(Method::Get),
        Some("POST") => Some(Method::Post),
        _ => None,
    };
    let path = request["path"].as_str().ok_or("no path")?;
    let status = response["status"].as_u64().ok_or("no status")?;
    let status = u16::try_from(status).map_err(|e| e.to_string())?;
    let class = response["content_class"].as_str().unwrap_or("empty");
    let body = &response["body"];
    let route = method
        .and_then(|m| Route::find(routes::ALL, m, path))
        .map(|(r, _)| r);

    let Some(route) = route else {
        // Only the deliberate probes of routes the engine does not have (Express's 404 page, the
        // 401 that comes before routing, the CORS preflight) have no route.
        if matches!(status, 204 | 401 | 404) {
            tally.unrouted += 1;
            return Ok(());
        }
        return Err(format!("no route for {} {path}", request["method"]));
    };
    let id = OperationId::from_name(route.operation)
        .ok_or_else(|| format!("no operation named {}", route.operation))?;

    // The bodies the engine accepted decode into the request type and encode back to what was
    // sent, less what the engine ignores (a trigger's body beyond `currentToken`, falsy
    // `formFields`). Arrays, which the engine reads as a body without fields, are not requests
    // of any type.
    if status < 300 && request["body"].is_object() {
        if let Some(schema) = route.request_schema {
            let body = &request["body"];
            let again =
                request_round_trip(id, body).map_err(|e| format!("request {schema} {e}"))?;
            let kept = again.as_object().is_some_and(|again| {
                again
                    .iter()
                    .all(|(key, value)| body.get(key) == Some(value))
            });
            if !kept {
                return Err(format!(
                    "request {schema} re-encodes differently:\n  sent {body}\n  again {again}"
                ));
            }
            tally.requests += 1;
        }
    }

    match (status, class) {
        (200, "json") => {
            let schema = route.response_schema.ok_or_else(|| {
                format!(
                    "{} answered JSON, the route says {:?}",
                    route.operation, route.success
                )
            })?;
            let again = response_round_trip(id, body).map_err(|e| format!("{schema} {e}"))?;
            if &again != body {
                return Err(format!(
                    "{schema} re-encodes differently:\n  sent {body}\n  again {again}"
                ));
            }
            tally.json += 1;
        }
        (200 | 204, "empty") => {
            let expected = if status == 200 {
                Success::Empty
            } else {
                Success::NoContent
            };
            if route.success != expected {
                return Err(format!(
                    "{} answered {status} empty, the route says {:?}",
                    route.operation, route.success
                ));
            }
            tally.empty += 1;
        }
        // An uncaught error end event answers a blocked start 500 with an empty body.
        (400.., "text" | "empty") => {
            let text = body.as_str().ok_or("a text body that is no string")?;
            let error = EngineError::from_response(status, text.as_bytes());
            if error.message() != text.trim() || error.status() != status {
                return Err(format!("{status} {text:?} reads as {error:?}"));
            }
            if status != 500 && error.kind() == EngineErrorKind::Other {
                return Err(format!("{status} has no kind"));
            }
            tally.errors += 1;
        }
        other => return Err(format!("unexpected answer {other:?}")),
    }
    Ok(())
}

/// The recordings of the real engine and the project's own scenarios, kept with the API
/// description (`api/recordings/README.md`).
fn recordings() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api/recordings")
}

/// The `.json` files of a folder of the recordings, by name.
fn json_files(folder: &str) -> Vec<std::path::PathBuf> {
    let dir = recordings().join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| match entry {
            Ok(entry) => entry.path(),
            Err(e) => panic!("{}: {e}", dir.display()),
        })
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// A deployment before the first step: `import_process_model`, answered 200 without a body.
fn check_setup(deployment: &Value) -> Result<(), String> {
    let status = deployment["status"].as_u64().ok_or("no status")?;
    let body = &deployment["body"];
    if status != 200 || body != "" {
        return Err(format!("deployment answered {status} {body}"));
    }
    if routes::IMPORT_PROCESS_MODEL.success != Success::Empty {
        return Err("the import route does not answer 200 without a body".to_owned());
    }
    Ok(())
}

#[test]
fn every_recorded_answer_decodes_and_re_encodes() {
    let scenarios: Vec<_> = json_files("scenarios")
        .iter()
        .map(|path| path.file_name().unwrap().to_owned())
        .collect();
    let files = json_files("transcripts");
    let names: Vec<_> = files
        .iter()
        .map(|path| path.file_name().unwrap().to_owned())
        .collect();
    // Every scenario's transcript is read: a scenario without one would go unchecked.
    assert_eq!(names, scenarios, "every scenario has its transcript");
    for prefix in ["a", "d", "e", "p"] {
        assert!(
            names
                .iter()
                .any(|name| name.to_string_lossy().starts_with(prefix)),
            "no `{prefix}` scenario"
        );
    }

    let mut tally = Tally::default();
    let mut steps = 0;
    for file in &files {
        let transcript: Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = transcript["scenario"].as_str().unwrap().to_owned();
        assert_eq!(transcript["passed"], true, "{name} did not pass");
        for deployment in transcript["setup"].as_array().unwrap() {
            if let Err(e) = check_setup(deployment) {
                tally.failures.push(format!("{name} setup: {e}"));
            }
        }
        for (i, step) in transcript["steps"].as_array().unwrap().iter().enumerate() {
            if step["response"].is_null() {
                // A request that was still unanswered when its time ran out (`no_response`).
                assert_eq!(step["no_response"], true, "{name} step {i} has no answer");
                continue;
            }
            steps += 1;
            let step_name = step["name"].as_str().unwrap_or("");
            if let Err(e) = check_step(step, &mut tally) {
                tally
                    .failures
                    .push(format!("{name} step {i} '{step_name}': {e}"));
            }
        }
    }
    assert!(
        tally.failures.is_empty(),
        "{} answers or requests of the real engine do not fit the API description \
         (api/engine-8.0.0.openapi.yaml; `cargo xtask codegen` after changing it):\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    // Every answered step was one of these; the floors say the corpus is still all there.
    assert_eq!(
        tally.json + tally.empty + tally.errors + tally.unrouted,
        steps
    );
    assert!(
        tally.json >= 450,
        "only {} JSON answers checked",
        tally.json
    );
    assert!(
        tally.empty >= 60 && tally.errors >= 110 && tally.requests >= 170,
        "empty {} errors {} requests {}",
        tally.empty,
        tally.errors,
        tally.requests
    );
    assert!(
        tally.unrouted <= 4,
        "{} answers had no route",
        tally.unrouted
    );
}

#[test]
fn every_route_is_found_by_its_own_template() {
    for route in routes::ALL {
        let path = route.path.replace('{', "x").replace('}', "");
        let (found, _) = Route::find(routes::ALL, route.method, &path).unwrap();
        assert_eq!(
            found.operation, route.operation,
            "{} is shadowed",
            route.path
        );
    }
}

#[test]
fn calls_that_must_not_be_repeated_are_never_retried_blindly() {
    use process_engine_api_types::route::Retry;
    let not_idempotent = [
        routes::START_PROCESS_INSTANCE,
        routes::MANAGEMENT_START_PROCESS_INSTANCE,
        routes::TRIGGER_MESSAGE_EVENT,
        routes::TRIGGER_SIGNAL_EVENT,
        routes::MANAGEMENT_TRIGGER_MESSAGE_EVENT,
        routes::MANAGEMENT_TRIGGER_SIGNAL_EVENT,
        // A repeated finish answers 404/410 although the first one took effect.
        routes::FINISH_EXTERNAL_TASK,
        routes::HANDLE_EXTERNAL_TASK_BPMN_ERROR,
        routes::HANDLE_EXTERNAL_TASK_SERVICE_ERROR,
        routes::FINISH_USER_TASK,
        routes::FINISH_MANUAL_TASK,
        routes::FINISH_EMPTY_ACTIVITY,
        routes::IMPORT_PROCESS_MODEL,
    ];
    for route in not_idempotent {
        assert_eq!(route.retry, Retry::NotIdempotent, "{}", route.operation);
    }
    assert_eq!(
        routes::FETCH_AND_LOCK_EXTERNAL_TASKS.retry,
        Retry::Never,
        "the long poll"
    );
    for route in routes::ALL.iter().filter(|r| r.method == Method::Get) {
        assert_eq!(route.retry, Retry::Idempotent, "{}", route.operation);
    }
}

#[test]
fn debug_output_never_shows_an_identitys_token() {
    let body = serde_json::json!({
        "id": "t1", "workerId": "w", "topic": "orders", "flowNodeInstanceId": "f",
        "correlationId": "c", "processModelId": "m", "processInstanceId": "p",
        "identity": {"token": "secret-bearer-token", "userId": "alice"},
        "lockExpirationTime": "2026-11-23T20:41:32.536Z", "state": "pending",
        "finishedAt": null, "error": null, "createdAt": "2026-11-23T20:41:02.528Z"
    });
    let task: models::ExternalTask = serde_json::from_value(body).unwrap();
    let debug = format!("{task:?}");
    assert!(!debug.contains("secret-bearer-token"), "{debug}");
    assert!(
        debug.contains("alice") && debug.contains("<redacted>"),
        "{debug}"
    );
}
