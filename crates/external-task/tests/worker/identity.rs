//! A worker whose identity comes from an OAuth authority (client credentials): across many
//! token lifetimes without a failed call, and through an outage of the authority, logged and
//! counted, without losing a result.

use std::time::Duration;

use process_engine_external_task::{TaskOptions, Worker, WorkerBuilder};
use process_engine_testkit::{TestAuthority, TestEngine};
use process_engine_transport::{Client, ClientCredentials, Pacing, RetryConfig};
use serde_json::{Value, json};

use crate::support;
use crate::{answering, run};

const SECRET: &str = "s3cr3t-of-the-worker";

/// A client of `engine` as `client_id`, its tokens renewed `margin` before they expire.
fn client_as(engine: &TestEngine, client_id: &str, margin: Duration) -> Client {
    Client::builder(engine.url())
        .client_credentials(ClientCredentials::new(client_id, SECRET).refresh_margin(margin))
        .pacing(Pacing::Off)
        .retry(
            RetryConfig::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

/// A worker that answers at once, pacing nothing and backing off briefly.
fn worker(client: Client) -> WorkerBuilder {
    let worker = Worker::builder(client)
        .fetch_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .delivery_backoff(Duration::from_millis(20), Duration::from_millis(100));
    answering(worker, "work", json!("done"))
}

/// Tokens live 1 s and are renewed 250 ms before: over ten lifetimes the worker fetches, and
/// delivers 200 results, while the engine refuses every token that expired or was never
/// issued. No call fails, none is refused, and the tokens were renewed all along.
#[tokio::test]
async fn a_worker_runs_across_ten_token_lifetimes_without_a_failed_call() {
    if support::skipped("the stand-in engine's identity server") {
        return;
    }
    let engine = TestEngine::builder()
        .authority(
            TestAuthority::new()
                .client("worker", SECRET)
                .client("starter", SECRET)
                .token_lifetime(Duration::from_secs(1))
                .guard_engine(),
        )
        .start()
        .await
        .unwrap();
    engine.deploy_xml(support::WORK).await.unwrap();
    let margin = Duration::from_millis(250);
    let starter = client_as(&engine, "starter", margin);
    let (handle, running) = run(worker(client_as(&engine, "worker", margin)));

    const INSTANCES: u64 = 200;
    let every = Duration::from_millis(50);
    for _ in 0..INSTANCES {
        support::start(&starter, "work", "lifetimes", json!({})).await;
        tokio::time::sleep(every).await;
    }
    support::until("every delivery", || handle.stats().completed == INSTANCES).await;
    handle.shutdown();
    let stats = running.await.unwrap();

    assert_eq!(stats.completed, INSTANCES);
    assert_eq!(
        (
            stats.fetch_errors,
            stats.deliveries_retried,
            stats.deliveries_refused,
            stats.locks_lost
        ),
        (0, 0, 0, 0),
        "{stats:?}"
    );
    let results = support::results(&starter, "lifetimes", "work").await;
    assert_eq!(results.len() as u64, INSTANCES);
    let authority = engine.authority().unwrap();
    assert_eq!(
        authority.refused_calls(),
        0,
        "an expired token reached the engine"
    );
    // Each client renews at least once a lifetime over ten lifetimes.
    assert!(authority.grants() >= 20, "{} grants", authority.grants());
}

// A current-thread runtime: the subscriber set for this thread sees every task of the worker.
#[tokio::test]
async fn a_worker_keeps_fetching_through_an_authority_outage_and_says_so() {
    if support::skipped("the stand-in engine's identity server") {
        return;
    }
    let logs = support::capture_logs();

    let engine = TestEngine::builder()
        .authority(TestAuthority::new().client("worker", SECRET))
        .start()
        .await
        .unwrap();
    engine.deploy_xml(support::WORK).await.unwrap();
    // Down from the start.
    engine.fail_next(&TestAuthority::TOKEN, 100_000, 503);
    let test = support::client(&engine);
    let client = client_as(&engine, "worker", Duration::from_secs(30));
    let (handle, running) = run(worker(client));
    for _ in 0..5 {
        support::start(&test, "work", "outage", json!({})).await;
    }

    support::until("three failed fetches", || handle.stats().fetch_errors >= 3).await;
    assert_eq!(handle.stats().completed, 0);
    let log = logs.text();
    let token_endpoint = engine.authority().unwrap().token_endpoint();
    let failed = log
        .lines()
        .find(|line| line.contains("fetch_and_lock failed"))
        .unwrap_or_else(|| panic!("no failed fetch in the log:\n{log}"));
    for said in [
        format!("requesting a token at {token_endpoint} failed: the answer was 503"),
        "the token source failed".to_owned(),
    ] {
        assert!(failed.contains(&said), "{said} missing in: {failed}");
    }

    // The authority is back: the worker gets a token and does the waiting work.
    engine.clear_faults();
    support::until("every delivery", || handle.stats().completed == 5).await;
    handle.shutdown();
    let stats = running.await.unwrap();
    assert_eq!(stats.deliveries_refused, 0);
    assert_eq!(support::results(&test, "outage", "work").await.len(), 5);
    assert_eq!(engine.authority().unwrap().grants(), 1);
    let log = logs.text();
    assert!(
        !log.contains(SECRET) && !log.contains("eyJ"),
        "a secret in the log"
    );
}

/// The token expires while the handler runs and the authority is down when the result is
/// delivered: the delivery waits for the authority instead of giving the result up.
#[tokio::test]
async fn a_result_waits_out_an_authority_outage_and_is_delivered() {
    if support::skipped("the stand-in engine's identity server") {
        return;
    }
    let engine = TestEngine::builder()
        .authority(
            TestAuthority::new()
                .client("worker", SECRET)
                .token_lifetime(Duration::from_secs(1)),
        )
        .start()
        .await
        .unwrap();
    engine.deploy_xml(support::WORK).await.unwrap();
    let test = support::client(&engine);
    let client = client_as(&engine, "worker", Duration::ZERO);
    let worker = Worker::builder(client)
        .fetch_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .delivery_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .subscribe(
            "work",
            |_: Value| async {
                // Past the token's lifetime.
                tokio::time::sleep(Duration::from_millis(1200)).await;
                Ok::<_, std::convert::Infallible>(json!("slow"))
            },
            TaskOptions::default().long_polling_timeout(Duration::from_millis(200)),
        );
    let (handle, running) = run(worker);
    support::start(&test, "work", "late", json!({})).await;
    support::until("the task", || handle.stats().fetched == 1).await;
    engine.fail_next(&TestAuthority::TOKEN, 100_000, 503);

    support::until("a failed delivery", || {
        handle.stats().deliveries_retried >= 2
    })
    .await;
    engine.clear_faults();
    support::until("the delivery", || handle.stats().completed == 1).await;
    handle.shutdown();
    let stats = running.await.unwrap();

    assert_eq!(
        (stats.deliveries_refused, stats.locks_lost),
        (0, 0),
        "{stats:?}"
    );
    let results = support::results(&test, "late", "work").await;
    assert_eq!(results.len(), 1);
}
