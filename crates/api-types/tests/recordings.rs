//! Every body the real ProcessEngine 8.0.0 answered in the recorded scenarios decodes into the
//! generated types and re-encodes to the same JSON; every error answer reads as an `EngineError`.

use std::path::Path;

use process_engine_api_types::route::{Method, Success};
use process_engine_api_types::{EngineError, ErrorKind, Route, models, routes};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes `body` as `T` (naming the failing field on error) and encodes it again.
fn round_trip<T: DeserializeOwned + Serialize>(body: &Value) -> Result<Value, String> {
    let decoded: T = serde_path_to_error::deserialize(body)
        .map_err(|e| format!("does not decode at `{}`: {}", e.path(), e.inner()))?;
    serde_json::to_value(&decoded).map_err(|e| format!("does not encode: {e}"))
}

macro_rules! decoders {
    ($($schema:ident),* $(,)?) => {
        /// The round trip through the type of a route's response schema.
        fn decode(schema: &str, body: &Value) -> Result<Value, String> {
            match schema {
                $(stringify!($schema) => round_trip::<models::$schema>(body),)*
                other => Err(format!("the test has no decoder for schema {other}: add it")),
            }
        }
    };
}

decoders!(
    PackageInfo,
    Authority,
    ProcessModel,
    ProcessModelList,
    ManagementProcessModel,
    ManagementProcessModelList,
    ProcessStartResponse,
    CorrelationResultList,
    ProcessInstanceList,
    EventList,
    UserTaskList,
    ManualTaskList,
    EmptyActivityList,
    ExternalTaskList,
    Correlation,
    CorrelationList,
    TokenHistory,
);

#[derive(Default)]
struct Tally {
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

    match (status, class) {
        (200, "json") => {
            let schema = route.response_schema.ok_or_else(|| {
                format!(
                    "{} answered JSON, the route says {:?}",
                    route.operation, route.success
                )
            })?;
            let again = decode(schema, body).map_err(|e| format!("{schema} {e}"))?;
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
        (400.., "text") => {
            let text = body.as_str().ok_or("a text body that is no string")?;
            let error = EngineError::from_response(status, text.as_bytes());
            if error.message() != text.trim() || error.status() != status {
                return Err(format!("{status} {text:?} reads as {error:?}"));
            }
            if status != 500 && error.kind() == ErrorKind::Other {
                return Err(format!("{status} has no kind"));
            }
            tally.errors += 1;
        }
        other => return Err(format!("unexpected answer {other:?}")),
    }
    Ok(())
}

#[test]
fn every_recorded_answer_decodes_and_re_encodes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings/transcripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 16, "the corpus has 16 transcripts");

    let mut tally = Tally::default();
    for file in &files {
        let transcript: Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = transcript["scenario"].as_str().unwrap().to_owned();
        for (i, step) in transcript["steps"].as_array().unwrap().iter().enumerate() {
            if step["response"].is_null() {
                continue;
            }
            if let Err(e) = check_step(step, &mut tally) {
                tally.failures.push(format!(
                    "{name} step {i} '{}': {e}",
                    step["name"].as_str().unwrap_or("")
                ));
            }
        }
    }
    assert!(
        tally.failures.is_empty(),
        "{} failures:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    // The corpus has well over a hundred JSON answers; far fewer means steps were skipped.
    assert!(
        tally.json >= 120,
        "only {} JSON answers checked",
        tally.json
    );
    assert!(
        tally.empty >= 24 && tally.errors >= 55,
        "empty {} errors {}",
        tally.empty,
        tally.errors
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
