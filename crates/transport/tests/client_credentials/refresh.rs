//! Tokens kept while fresh, renewed before they expire, once for all the calls that need one.

use std::time::Duration;

use process_engine_testkit::TestAuthority;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::support::{self, authority, capture_logs, credentials, list_models};

/// 1,000 calls spread evenly over 5 s, by 20 tasks, with tokens that live 3 s and are renewed
/// 1 s before they expire: a token serves [0, 2), the next [2, 4), the third [4, 6). The
/// engine refuses expired tokens, so a call made with one would show.
///
/// Exactly three grants, unless a stall of a second moves the last calls past 6 s or every
/// call before 4 s.
#[tokio::test]
async fn a_thousand_calls_over_three_token_lifetimes_make_three_grants() {
    let logs = capture_logs();
    let engine = support::engine(
        TestAuthority::new()
            .token_lifetime(Duration::from_secs(3))
            .guard_engine(),
    )
    .await;
    let client = support::builder(
        &engine,
        credentials().refresh_margin(Duration::from_secs(1)),
    )
    .build()
    .unwrap();

    const CALLS: u32 = 1000;
    const TASKS: u32 = 20;
    let spread = Duration::from_secs(5);
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let client = client.clone();
        tasks.spawn(async move {
            for call in (task..CALLS).step_by(TASKS as usize) {
                tokio::time::sleep_until(start + spread * call / CALLS).await;
                list_models(&client).await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }

    let authority = authority(&engine);
    assert_eq!(authority.grants(), 3);
    assert_eq!(
        authority.refused_calls(),
        0,
        "an expired token reached the engine"
    );
    logs.assert_no_secrets();
}

/// 200 calls of a new client at once, while the authority takes 200 ms to answer: one token
/// request, and every call made with its token.
#[tokio::test]
async fn concurrent_first_calls_share_one_token_request() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new().guard_engine()).await;
    engine.delay(&TestAuthority::TOKEN, Duration::from_millis(200));
    let client = support::builder(&engine, credentials()).build().unwrap();

    let mut calls = JoinSet::new();
    for _ in 0..200 {
        let client = client.clone();
        calls.spawn(async move { list_models(&client).await });
    }
    while let Some(done) = calls.join_next().await {
        done.unwrap().unwrap();
    }

    assert_eq!(authority(&engine).grants(), 1);
    assert_eq!(authority(&engine).refused_calls(), 0);
    logs.assert_no_secrets();
}

/// A call whose wait for the token is cut short (its attempt timeout) does not cancel the
/// token request: the calls after it get the token it brings, without a second request.
#[tokio::test]
async fn a_call_that_gives_up_waiting_does_not_cancel_the_token_request() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    engine.delay(&TestAuthority::TOKEN, Duration::from_millis(300));
    let client = support::builder(&engine, credentials()).build().unwrap();

    let impatient = tokio::time::timeout(Duration::from_millis(50), list_models(&client)).await;
    assert!(
        impatient.is_err(),
        "the call should still wait for the token"
    );
    list_models(&client).await.unwrap();
    list_models(&client).await.unwrap();

    assert_eq!(authority(&engine).grants(), 1);
    logs.assert_no_secrets();
}
