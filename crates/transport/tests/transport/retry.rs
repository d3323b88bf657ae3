//! What is retried, and how often.

use std::time::Duration;

use process_engine_transport::{Call, Client, RetryConfig};
use serde_json::Value;

use crate::support::{
    Action, FETCH_AND_LOCK, GET_MODEL, LIST_MODELS, START, Server, json, quick_retries,
};

#[tokio::test]
async fn a_get_answered_503_then_502_then_200_succeeds_on_the_third_request() {
    let server = Server::start([
        Action::text(503, "restarting"),
        Action::status(502),
        Action::json(200, r#"{"processModels":[]}"#),
    ])
    .await;
    let client = server.client().build().unwrap();

    let answer: Value = json(&client, Call::new(&LIST_MODELS)).await.unwrap();

    assert_eq!(answer, serde_json::json!({"processModels": []}));
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn retries_stop_after_max_attempts_with_the_last_answer() {
    let server = Server::start([Action::text(503, "still restarting")]).await;
    let client = server
        .client()
        .retry(quick_retries().max_attempts(3))
        .build()
        .unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert_eq!(error.status(), Some(503));
    assert_eq!(error.engine_error().unwrap().message(), "still restarting");
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_start_answered_503_is_not_retried() {
    let server = Server::start([Action::status(503), Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    let error = client
        .send(Call::new(&START).param("m").body(&serde_json::json!({})))
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(503));
    assert!(
        error.is_retryable(),
        "trying again later may work, the caller decides"
    );
    assert_eq!(error.operation(), Some("start_process_instance"));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_500_is_an_answer_not_an_accident() {
    let server = Server::start([Action::text(500, "boom"), Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert_eq!(error.status(), Some(500));
    assert!(!error.is_retryable());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn disabled_retries_send_once() {
    let server = Server::start([Action::status(503), Action::json(200, "{}")]).await;
    let client = server
        .client()
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();

    assert_eq!(
        client
            .send(Call::new(&LIST_MODELS))
            .await
            .unwrap_err()
            .status(),
        Some(503)
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn an_empty_budget_allows_no_retry() {
    let server = Server::start([Action::status(503), Action::json(200, "{}")]).await;
    let empty = quick_retries().min_retries_per_sec(0).retry_ratio(0.0);
    let client = server.client().retry(empty).build().unwrap();

    assert_eq!(
        client
            .send(Call::new(&LIST_MODELS))
            .await
            .unwrap_err()
            .status(),
        Some(503)
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_small_budget_runs_out_across_calls_and_clones() {
    let server = Server::start([Action::status(503)]).await;
    // One retry in reserve for the whole second, and calls earn nothing.
    let small = quick_retries()
        .max_attempts(4)
        .budget_ttl(Duration::from_secs(1))
        .min_retries_per_sec(1)
        .retry_ratio(0.0);
    let client = server.client().retry(small).build().unwrap();
    let clone = client.clone();

    assert_eq!(
        client
            .send(Call::new(&LIST_MODELS))
            .await
            .unwrap_err()
            .status(),
        Some(503)
    );
    assert_eq!(server.hits(), 2, "the first call spends the one retry");
    assert_eq!(
        clone
            .send(Call::new(&GET_MODEL).param("m"))
            .await
            .unwrap_err()
            .status(),
        Some(503)
    );
    assert_eq!(
        server.hits(),
        3,
        "the second call, on a clone, finds the budget empty"
    );

    // Another client has a budget of its own.
    let other = Client::builder(server.url())
        .retry(quick_retries().max_attempts(2))
        .build()
        .unwrap();
    assert!(other.send(Call::new(&LIST_MODELS)).await.is_err());
    assert_eq!(server.hits(), 5);
}

#[tokio::test]
async fn calls_that_are_never_retried_deposit_nothing() {
    let server = Server::start([Action::status(503)]).await;
    // Nothing in reserve, and every deposit earns half a retry.
    let half = quick_retries().min_retries_per_sec(0).retry_ratio(0.5);
    let client = server.client().retry(half).build().unwrap();

    for _ in 0..3 {
        let long_poll = Call::new(&FETCH_AND_LOCK).body(&serde_json::json!({}));
        assert_eq!(
            client.send(long_poll).await.unwrap_err().status(),
            Some(503)
        );
    }
    assert_eq!(server.hits(), 3);

    // Only its own deposit is in the budget: half a retry, not enough for one.
    assert_eq!(
        client
            .send(Call::new(&LIST_MODELS))
            .await
            .unwrap_err()
            .status(),
        Some(503)
    );
    assert_eq!(server.hits(), 4);

    // Its deposit and this one's make a whole retry.
    client.send(Call::new(&LIST_MODELS)).await.unwrap_err();
    assert_eq!(server.hits(), 6);
}
