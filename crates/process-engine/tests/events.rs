//! The facade's error for the events layer: `?` lifts it, and it answers the same questions
//! as the other layers' errors.
//!
//! Against the stand-in engine, or with `PROCESS_ENGINE_URL` set, against that engine:
//!
//! ```sh
//! PROCESS_ENGINE_URL=http://127.0.0.1:56000 cargo test -p process-engine --all-features --test events
//! ```

#![allow(
    clippy::unwrap_used,
    reason = "a failed unwrap in a test helper is a failed test"
)]

use std::time::Duration;

use process_engine::Client;
use process_engine::events::{EventFilter, Events};
use process_engine::testkit::TestEngine;

/// The engine the tests run against: the one at `PROCESS_ENGINE_URL`, else a stand-in engine
/// started here, which lives as long as the handle returned with its URL.
async fn engine() -> (String, Option<TestEngine>) {
    match std::env::var("PROCESS_ENGINE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let stand_in = TestEngine::builder().start().await.unwrap();
            (stand_in.url().to_owned(), Some(stand_in))
        }
    }
}

#[tokio::test]
async fn a_socket_that_cannot_be_opened_is_a_connect_error_worth_retrying() {
    // Nothing listens on port 1: the connection is refused.
    async fn subscribe() -> Result<(), process_engine::Error> {
        let events = Events::new(Client::builder("http://127.0.0.1:1").build()?);
        events.subscribe(EventFilter::all()).await?;
        Ok(())
    }
    let error = subscribe().await.unwrap_err();
    assert!(
        matches!(error, process_engine::Error::Events(_)),
        "{error:?}"
    );
    assert!(error.is_connect() && error.is_retryable(), "{error:?}");
    assert!(!error.is_timeout() && !error.is_not_found() && !error.is_unauthorized());
    assert_eq!(error.status(), None);
    // The layer's message, which names the socket.
    assert!(
        error.to_string().contains("http://127.0.0.1:1/socket.io/"),
        "{error}"
    );
    assert!(format!("{error:#?}").starts_with("Events("), "{error:#?}");
}

#[tokio::test]
async fn a_wait_that_runs_out_is_the_layers_timeout_not_the_transports() {
    let (url, stand_in) = engine().await;
    let events = Events::new(Client::builder(&url).build().unwrap())
        .wait_timeout(Duration::from_millis(300))
        .reread_every(Duration::from_millis(100));

    let error: process_engine::Error = events
        .wait_for_user_task("nobody_waits_here")
        .await
        .unwrap_err()
        .into();

    let process_engine::Error::Events(layer) = &error else {
        panic!("{error:?}");
    };
    assert!(layer.is_timeout(), "{error:?}");
    // As for the process-control client's wait: not a time limit of the transport, nothing
    // to retry, nothing missing.
    assert!(!error.is_timeout() && !error.is_retryable() && !error.is_not_found());
    assert!(!error.is_connect() && error.status().is_none());
    assert!(error.to_string().contains("nobody_waits_here"), "{error}");
    if let Some(stand_in) = stand_in {
        stand_in.shutdown().await;
    }
}
