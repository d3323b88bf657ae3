//! Connections that fail, answers that do not decode, and the engine's own errors.

use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use process_engine_api_types::error::EngineErrorKind;
use process_engine_api_types::operations::{GetProcessModelById, GetProcessModels};
use process_engine_transport::{
    BoxError, Call, Client, Identity, RequestOptions, RetryConfig, TokenSource, async_trait,
};
use serde_json::Value;

#[cfg(target_os = "linux")]
use crate::support::unaccepting_url;
use crate::support::{
    Action, FETCH_AND_LOCK, LIST_MODELS, START, Server, json, quick_retries, refused_url,
};

/// Counts attempts, even those that never reach a server: the auth layer asks on each one.
#[derive(Debug, Default)]
struct Counting {
    asked: AtomicUsize,
}

#[async_trait]
impl TokenSource for Counting {
    async fn identity(&self) -> Result<Identity, BoxError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(Identity::dummy())
    }
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_connect_error() {
    let url = refused_url().await;
    let client = Client::builder(&url)
        .retry(quick_retries())
        .build()
        .unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_connect() && error.is_retryable(), "{error:?}");
    // The message names where it tried; the cause (connection refused) is the source.
    assert_eq!(
        error.to_string(),
        format!("could not connect to the engine at {url}")
    );
    assert!(error.source().is_some());
    // The error names the call: which operation, and which engine.
    assert_eq!(error.operation(), Some(LIST_MODELS.operation));
    assert_eq!(error.base_url(), Some(url.as_str()));
}

#[tokio::test]
async fn a_start_that_never_left_is_sent_again_but_a_long_poll_is_not() {
    let url = refused_url().await;
    let attempts = Arc::new(Counting::default());
    let client = Client::builder(&url)
        .retry(quick_retries().max_attempts(3))
        .token_source(Arc::clone(&attempts))
        .build()
        .unwrap();

    let error = client.send(Call::new(&START).param("m")).await.unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert_eq!(attempts.asked.swap(0, Ordering::SeqCst), 3);

    let error = client.send(Call::new(&FETCH_AND_LOCK)).await.unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert_eq!(attempts.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_start_that_never_left_arrives_whole_once_the_engine_is_up() {
    let url = refused_url().await;
    let address = url.trim_start_matches("http://").to_owned();
    let client = Client::builder(&format!("{url}/engine"))
        .retry(
            RetryConfig::default()
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_millis(100))
                .max_attempts(50),
        )
        .bearer_token("t0ken")
        .build()
        .unwrap();

    let call = Call::new(&START)
        .param("m")
        .body(&serde_json::json!({"inputValues": {"n": 1}}));
    let engine_comes_up = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        Server::start_on(&address, [Action::json(201, r#"{"ok":true}"#)]).await
    };
    let (answer, server) = tokio::join!(client.send(call), engine_comes_up);

    // Sent again as it was, not copied before it failed: the path under the base's prefix
    // once, the body, the token.
    assert_eq!(answer.unwrap().status(), 201);
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].method, "POST");
    assert_eq!(
        received[0].target,
        "/engine/api/consumer/v1/process_models/m/start"
    );
    assert_eq!(received[0].body, br#"{"inputValues":{"n":1}}"#.as_slice());
    assert_eq!(received[0].header("authorization"), Some("Bearer t0ken"));
    assert_eq!(received[0].header("content-type"), Some("application/json"));
}

// Relies on Linux dropping the SYNs to a listener whose accept queue is full.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_slow_connect_is_a_connect_error_even_past_the_attempt_timeout() {
    let (url, _listener, _queued) = unaccepting_url().await;
    let attempts = Arc::new(Counting::default());
    // The connect timeout (10 s by default) is longer than the attempt timeout: the connector
    // must give up first, or the start that never left would look as if it might have.
    let client = Client::builder(&url)
        .attempt_timeout(Duration::from_millis(300))
        .retry(quick_retries().max_attempts(2))
        .token_source(Arc::clone(&attempts))
        .build()
        .unwrap();

    let error = client.send(Call::new(&START).param("m")).await.unwrap_err();

    assert!(error.is_connect(), "{error:?}");
    assert!(!error.is_timeout(), "{error:?}");
    assert_eq!(
        attempts.asked.load(Ordering::SeqCst),
        2,
        "a start that never left is sent again"
    );
}

#[tokio::test]
async fn a_connection_closed_without_answer_is_a_transport_error_retried_only_when_idempotent() {
    let server = Server::start([Action::Close, Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    let error = client.send(Call::new(&START).param("m")).await.unwrap_err();

    assert!(error.is_transport() && error.is_retryable(), "{error:?}");
    assert!(!error.is_connect());
    assert_eq!(server.hits(), 1, "the engine may have started the instance");

    let server = Server::start([Action::Close, Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    client.send(Call::new(&LIST_MODELS)).await.unwrap();

    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_wrong_type_names_the_failing_field() {
    let body = r#"{"processModels":[{"id":"m","startEvents":"StartEvent_1"}]}"#;
    let server = Server::start([Action::json(200, body)]).await;
    let client = server.client().build().unwrap();

    let error = client
        .execute(&GetProcessModels::new(), &RequestOptions::new())
        .await
        .unwrap_err();

    assert!(error.is_decode(), "{error:?}");
    assert_eq!(error.decode_path(), Some("processModels[0].startEvents"));
    assert_eq!(
        error.to_string(),
        "could not decode the answer of get_process_models at `processModels[0].startEvents`"
    );
    assert!(
        error
            .source()
            .unwrap()
            .to_string()
            .contains("expected a sequence"),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = Server::start([Action::json(200, r#"{"processModels":[{"id":"m","#)]).await;
    let client = server.client().build().unwrap();

    let error = client
        .execute(&GetProcessModels::new(), &RequestOptions::new())
        .await
        .unwrap_err();

    assert!(error.is_decode(), "{error:?}");
    // The body ends inside the first model, before its next key.
    assert_eq!(error.decode_path(), Some("processModels[0].?"));
    assert_eq!(error.operation(), Some("get_process_models"));
}

#[tokio::test]
async fn a_good_answer_decodes() {
    let body =
        r#"{"processModels":[{"id":"m","startEvents":[{"id":"s"}],"endEvents":[],"extra":1}]}"#;
    let server = Server::start([Action::json(200, body)]).await;
    let client = server.client().build().unwrap();

    let list = client
        .execute(&GetProcessModels::new(), &RequestOptions::new())
        .await
        .unwrap();

    assert_eq!(list.process_models[0].id, "m");
    assert_eq!(list.process_models[0].start_events.len(), 1);
}

#[tokio::test]
async fn a_plain_text_404_is_the_engine_error() {
    let server = Server::start([Action::text(404, "ProcessModel with id x not found!")]).await;
    let client = server.client().build().unwrap();

    let error = client
        .execute(&GetProcessModelById::new("x"), &RequestOptions::new())
        .await
        .unwrap_err();

    assert!(error.is_status(), "{error:?}");
    // The answer's headers stay with the error.
    let headers = error.headers().unwrap();
    assert_eq!(
        headers[http::header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    assert_eq!(error.status(), Some(404));
    let engine = error.engine_error().unwrap();
    assert_eq!(engine.kind(), EngineErrorKind::NotFound);
    assert_eq!(engine.message(), "ProcessModel with id x not found!");
    assert_eq!(
        error.to_string(),
        "the engine answered 404: ProcessModel with id x not found!"
    );
    assert!(error.source().is_none());
    assert_eq!(error.operation(), Some("get_process_model_by_id"));
    assert!(!error.is_retryable());
    assert!(error.is_not_found() && !error.is_unauthorized() && !error.is_conflict());
}

/// A base URL that already holds the API's prefix: the engine's web framework answers its own
/// 404 page for the doubled path, and the error says to check the base URL, naming it.
#[tokio::test]
async fn an_unknown_route_says_to_check_the_base_url() {
    let engine = process_engine_testkit::TestEngine::builder()
        .start()
        .await
        .unwrap();
    let url = format!("{}/api/consumer/v1", engine.url());
    let client = Client::builder(&url).build().unwrap();

    let error = client
        .execute(&GetProcessModelById::new("x"), &RequestOptions::new())
        .await
        .unwrap_err();

    assert!(error.is_not_found() && !error.is_retryable(), "{error:?}");
    assert!(error.engine_error().unwrap().is_unknown_route());
    assert_eq!(
        error.to_string(),
        format!(
            "the engine answered 404: Cannot GET /api/consumer/v1/api/consumer/v1/process_models/x: \
             the engine has no such route; check the base URL {url} (the engine's root, without \
             `/api/...`)"
        )
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_json_error_body_is_read_too() {
    let body = r#"{"message":"locked by another worker","additionalInformation":{"until":"x"}}"#;
    let server = Server::start([Action::json(423, body)]).await;
    let client = server.client().build().unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    let engine = error.engine_error().unwrap();
    assert_eq!(engine.kind(), EngineErrorKind::Locked);
    assert_eq!(engine.message(), "locked by another worker");
    assert_eq!(
        engine.additional_information(),
        Some(&serde_json::json!({"until": "x"}))
    );
}

#[tokio::test]
async fn an_answer_longer_than_the_limit_is_an_error_that_is_not_retried() {
    let body = r#"{"processModels":[]}"#;
    let server = Server::start([
        Action::json(200, body),
        Action::text(503, "the engine is restarting, come back later"),
        Action::json(200, body),
    ])
    .await;
    let client = server.client().max_response_size(8).build().unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert_eq!(error.to_string(), "the answer exceeded 8 bytes");
    assert_eq!(error.operation(), Some("get_process_models"));
    assert!(!error.is_retryable(), "{error:?}");
    assert!(!error.is_transport() && !error.is_connect() && !error.is_decode());
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(server.hits(), 1);

    // Not even the answer of a 503 to an idempotent call is worth reading twice.
    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();
    assert_eq!(error.to_string(), "the answer exceeded 8 bytes");
    assert_eq!(server.hits(), 2);

    // Up to the limit, the answer is read.
    let client = server
        .client()
        .max_response_size(body.len())
        .build()
        .unwrap();
    let answer: Value = json(&client, Call::new(&LIST_MODELS)).await.unwrap();
    assert_eq!(answer, serde_json::json!({"processModels": []}));
}
