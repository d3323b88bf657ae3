//! What waiting cannot mend ends the run at once, saying what to check; what may pass is tried
//! again, and said in the log.

use std::convert::Infallible;
use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use process_engine_api_types::routes;
use process_engine_external_task::{LoopState, RunError, TaskOptions, Worker, WorkerHandle};
use process_engine_testkit::{TestAuthority, TestEngine};
use process_engine_transport::{BoxError, Client, Identity, Pacing, TokenSource, async_trait};
use serde_json::Value;

use crate::support;

/// Far longer than a run that ends at its first fetch takes.
const LIMIT: Duration = Duration::from_secs(15);

fn quick() -> TaskOptions {
    TaskOptions::default().long_polling_timeout(Duration::from_secs(1))
}

/// Runs a worker of `client` on `topic` until it stops on its own (panics after [`LIMIT`]).
async fn run_to_its_error(client: Client, topic: &str) -> (RunError, WorkerHandle) {
    let worker = Worker::builder(client)
        .subscribe(
            topic,
            |_: Value| async { Ok::<_, Infallible>(Value::Null) },
            quick(),
        )
        .build()
        .unwrap();
    let handle = worker.handle();
    let ended = tokio::time::timeout(LIMIT, worker.run())
        .await
        .expect("the run did not end on its own");
    let error = ended.expect_err("the run ended without an error");
    (error, handle)
}

#[tokio::test]
async fn a_wrong_base_path_ends_the_run_at_the_first_fetch_saying_to_check_the_base_url() {
    let bed = support::Bed::start().await;
    let url = format!("{}/engine", bed.url());
    let client = Client::builder(&url).build().unwrap();

    let (error, handle) = run_to_its_error(client, &bed.work).await;

    assert_eq!(
        error.to_string(),
        format!(
            "the worker stopped: the engine has no route to fetch the tasks of topic `{}` from",
            bed.work
        )
    );
    assert_eq!(
        error.source().unwrap().to_string(),
        format!(
            "the engine answered 404: Cannot POST /engine/api/external_task/v1/fetch_and_lock: \
             the engine has no such route; check the base URL {url}"
        )
    );
    assert_eq!(error.topic(), bed.work);
    assert_eq!(error.transport_error().base_url(), Some(url.as_str()));
    // Not tried again: one fetch, and the worker is stopped.
    assert_eq!((error.stats().fetches, error.stats().fetch_errors), (1, 1));
    assert_eq!(handle.state(), LoopState::Stopped);
}

/// Counts how often the client asks for an identity and is told that one was refused; always
/// answers the same token, which the engine does not accept.
#[derive(Debug, Default)]
struct Refused {
    asked: AtomicUsize,
    told: AtomicUsize,
}

#[async_trait]
impl TokenSource for Refused {
    async fn identity(&self) -> Result<Identity, BoxError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(Identity::new("a-token-nobody-issued", "nobody"))
    }

    fn invalidate(&self, _identity: &Identity) {
        self.told.fetch_add(1, Ordering::SeqCst);
    }
}

/// An engine that refuses every token its authority did not issue, as a gateway does.
async fn guarded() -> TestEngine {
    let engine = TestEngine::builder()
        .authority(TestAuthority::new().guard_engine())
        .start()
        .await
        .unwrap();
    engine.deploy_xml(support::WORK).await.unwrap();
    engine
}

#[tokio::test]
async fn an_identity_the_engine_refuses_ends_the_run_saying_to_check_the_identity() {
    if support::skipped("an engine that refuses the development token") {
        return;
    }
    let engine = guarded().await;
    // A fixed identity (the development token): there is no new one to ask for.
    let client = Client::builder(engine.url()).build().unwrap();

    let (error, handle) = run_to_its_error(client, "work").await;

    assert_eq!(
        error.to_string(),
        "the worker stopped: the engine refused the worker's identity for the tasks of topic \
         `work`; check the identity (its token, client credentials or claims)"
    );
    assert_eq!(error.transport_error().status(), Some(401));
    assert!(error.transport_error().is_unauthorized());
    assert_eq!(error.stats().fetches, 1);
    assert_eq!(handle.state(), LoopState::Stopped);
}

#[tokio::test]
async fn a_token_refused_again_after_the_source_was_asked_for_a_new_one_ends_the_run() {
    if support::skipped("an engine that refuses tokens it did not issue") {
        return;
    }
    let engine = guarded().await;
    let source = Arc::new(Refused::default());
    let client = Client::builder(engine.url())
        .token_source(Arc::clone(&source))
        .build()
        .unwrap();

    let (error, _) = run_to_its_error(client, "work").await;

    // The transport told the source of the refusal and sent the fetch again with its next
    // token; refused again, the worker stops.
    assert_eq!(source.told.load(Ordering::SeqCst), 1);
    assert_eq!(source.asked.load(Ordering::SeqCst), 2);
    let refused = error.transport_error();
    assert!(
        refused.is_auth() && refused.is_unauthorized(),
        "{refused:?}"
    );
    assert_eq!(refused.status(), Some(401));
    assert!(
        error
            .to_string()
            .ends_with("check the identity (its token, client credentials or claims)")
    );
    assert_eq!(error.stats().fetches, 1);
}

#[tokio::test]
async fn a_403_ends_the_run() {
    let Some(engine) = support::engine("fault injection: a fetch answered 403").await else {
        return;
    };
    engine.fail_next(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS, 1, 403);
    let client = Client::builder(engine.url()).build().unwrap();

    let (error, _) = run_to_its_error(client, "work").await;

    assert_eq!(error.transport_error().status(), Some(403));
    assert!(
        error.to_string().contains("refused the worker's identity"),
        "{error}"
    );
}

/// A port nothing listens on: connections are refused, which an engine that is restarting
/// does too. The worker goes on, backing off, and says each failure in the log.
#[tokio::test]
async fn a_refused_connection_is_tried_again_and_logged_naming_the_engine() {
    let logs = support::capture_logs();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let client = Client::builder(&url).pacing(Pacing::Off).build().unwrap();
    let worker = Worker::builder(client)
        .fetch_backoff(Duration::from_millis(10), Duration::from_millis(40))
        .subscribe(
            "work",
            |_: Value| async { Ok::<_, Infallible>(Value::Null) },
            quick(),
        )
        .build()
        .unwrap();
    let handle = worker.handle();
    let running = tokio::spawn(worker.run());

    support::until("three failed fetches", || handle.stats().fetch_errors >= 3).await;
    assert!(
        !running.is_finished(),
        "the run ended: {:?}",
        handle.stats()
    );
    handle.shutdown();
    let stats = running.await.unwrap().unwrap();
    assert!(stats.fetch_errors >= 3, "{stats:?}");

    let log = logs.text();
    let failures: Vec<_> = log
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("fetch_and_lock failed"))
        .collect();
    assert!(failures.len() >= 3, "{log}");
    assert!(
        failures[0].contains(&format!("could not connect to the engine at {url}")),
        "{}",
        failures[0]
    );
}

/// An engine that answers 503 (a proxy in front of one that restarts): the worker backs off,
/// and says so when fetching works again.
#[tokio::test]
async fn answers_of_5xx_are_tried_again_and_the_recovery_is_logged() {
    let logs = support::capture_logs();
    let Some(engine) = support::engine("fault injection: fetches answered 503").await else {
        return;
    };
    engine.fail_next(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS, 2, 503);
    let worker = Worker::builder(support::client(&engine))
        .fetch_backoff(Duration::from_millis(10), Duration::from_millis(40))
        .subscribe(
            "work",
            |_: Value| async { Ok::<_, Infallible>(Value::Null) },
            // Answered at once: the fetch after the failures ends before the test does.
            TaskOptions::default().long_polling_timeout(Duration::ZERO),
        )
        .build()
        .unwrap();
    let handle = worker.handle();
    let running = tokio::spawn(worker.run());
    // The recovery is logged once the fetch after the failures is answered; shutting down on
    // the count of fetches alone could cancel that fetch on a loaded machine.
    support::until("the recovery logged after two failed fetches", || {
        logs.text()
            .lines()
            .any(|line| line.contains("INFO") && line.contains("fetching works again"))
    })
    .await;
    assert!(handle.stats().fetches >= 3);
    handle.shutdown();
    running.await.unwrap().unwrap();
}
