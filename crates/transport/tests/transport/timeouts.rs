//! Attempt timeouts, deadlines, and their per-call overrides.

use std::time::Duration;

use process_engine_transport::Call;
use serde_json::Value;

use crate::support::{Action, FETCH_AND_LOCK, LIST_MODELS, START, Server, json, quick_retries};

const SLOW: Duration = Duration::from_secs(2);
const ATTEMPT: Duration = Duration::from_millis(100);

#[tokio::test]
async fn a_timed_out_start_is_not_sent_again() {
    let server = Server::start([
        Action::delayed(SLOW, Action::json(200, "{}")),
        Action::json(200, "{}"),
    ])
    .await;
    let client = server.client().attempt_timeout(ATTEMPT).build().unwrap();

    let error = client.send(Call::new(&START).param("m")).await.unwrap_err();

    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.to_string(), "the attempt timed out after 100ms");
    assert_eq!(server.hits(), 1, "the engine may have started the instance");
}

#[tokio::test]
async fn a_timed_out_get_is_sent_again() {
    let server = Server::start([
        Action::delayed(SLOW, Action::json(200, "{}")),
        Action::json(200, "[1]"),
    ])
    .await;
    let client = server.client().attempt_timeout(ATTEMPT).build().unwrap();

    let answer: Value = json(&client, Call::new(&LIST_MODELS)).await.unwrap();

    assert_eq!(answer, serde_json::json!([1]));
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn the_attempt_timeout_covers_a_server_that_never_answers() {
    let server = Server::start([Action::Hang]).await;
    let client = server
        .client()
        .attempt_timeout(ATTEMPT)
        .retry(quick_retries().max_attempts(2))
        .build()
        .unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_timeout() && error.is_retryable(), "{error:?}");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_long_poll_overrides_the_attempt_timeout() {
    let server = Server::start([Action::delayed(
        Duration::from_millis(300),
        Action::json(200, "[]"),
    )])
    .await;
    let client = server.client().attempt_timeout(ATTEMPT).build().unwrap();

    let call = Call::new(&FETCH_AND_LOCK)
        .body(&serde_json::json!({}))
        .attempt_timeout(Duration::from_secs(5));
    let tasks: Vec<Value> = json(&client, call).await.unwrap();

    assert!(tasks.is_empty());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn the_deadline_ends_an_attempt_after_retries() {
    let server = Server::start([Action::status(503), Action::status(503), Action::Hang]).await;
    let backoff = Duration::from_millis(20);
    let patient = quick_retries()
        .max_attempts(u32::MAX)
        .initial_backoff(backoff)
        .max_backoff(backoff);
    let client = server
        .client()
        .retry(patient)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.to_string(), "the call's deadline of 300ms passed");
    assert_eq!(server.hits(), 3, "retried until the attempt that hung");
}

#[tokio::test]
async fn a_backoff_past_the_deadline_ends_the_call_with_the_real_answer() {
    let server = Server::start([Action::text(503, "restarting")]).await;
    // Full jitter draws each backoff from [0, cap]. The cap is far beyond the deadline so that
    // a draw short enough to retry (and a retry cut off by the deadline) is next to impossible;
    // the rule does not depend on the cap.
    let backoff = Duration::from_secs(3600);
    let patient = quick_retries()
        .max_attempts(u32::MAX)
        .initial_backoff(backoff)
        .max_backoff(backoff);
    let client = server
        .client()
        .retry(patient)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(!error.is_timeout(), "{error:?}");
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.engine_error().unwrap().message(), "restarting");
}

#[tokio::test]
async fn a_long_attempt_timeout_outlasts_the_client_deadline() {
    let server = Server::start([Action::delayed(
        Duration::from_millis(500),
        Action::json(200, "{}"),
    )])
    .await;
    let client = server
        .client()
        .deadline(Duration::from_millis(200))
        .build()
        .unwrap();

    // A blocking start that waits longer than the client's deadline gets its whole attempt.
    let call = Call::new(&START)
        .param("m")
        .attempt_timeout(Duration::from_secs(5));
    client.send(call).await.unwrap();

    // Unless it sets a deadline of its own.
    let call = Call::new(&START)
        .param("m")
        .attempt_timeout(Duration::from_secs(5))
        .deadline(Duration::from_millis(200));
    let error = client.send(call).await.unwrap_err();
    assert_eq!(error.to_string(), "the call's deadline of 200ms passed");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_call_overrides_the_deadline() {
    let server = Server::start([Action::Hang]).await;
    let client = server.client().build().unwrap();

    let error = client
        .send(Call::new(&LIST_MODELS).deadline(Duration::from_millis(100)))
        .await
        .unwrap_err();

    assert_eq!(error.to_string(), "the call's deadline of 100ms passed");
    assert_eq!(server.hits(), 1);
}
