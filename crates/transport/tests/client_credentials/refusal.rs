//! The engine's `401`: the token is dropped and the call sent once more with a new one; a
//! second `401` is an error saying the identity was refused.

use std::error::Error as _;

use process_engine_api_types::routes;
use process_engine_testkit::TestAuthority;
use tokio::task::JoinSet;

use crate::support::{self, authority, capture_logs, credentials, list_models};

/// The authority revokes its tokens (a key rotation): the next calls are refused once, get
/// one new token between them, and succeed.
#[tokio::test]
async fn a_refused_token_is_replaced_once_for_all_calls_and_the_calls_succeed() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new().guard_engine()).await;
    let client = support::builder(&engine, credentials()).build().unwrap();
    list_models(&client).await.unwrap();
    assert_eq!(authority(&engine).grants(), 1);

    authority(&engine).revoke_all();
    let mut calls = JoinSet::new();
    for _ in 0..50 {
        let client = client.clone();
        calls.spawn(async move { list_models(&client).await });
    }
    while let Some(done) = calls.join_next().await {
        done.unwrap().unwrap();
    }

    let authority = authority(&engine);
    assert_eq!(
        authority.grants(),
        2,
        "one new token for all the refused calls"
    );
    assert!(
        (1..=50).contains(&authority.refused_calls()),
        "{}",
        authority.refused_calls()
    );
    logs.assert_no_secrets();
}

#[tokio::test]
async fn a_second_401_is_an_error_saying_the_identity_was_refused() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    let client = support::builder(&engine, credentials()).build().unwrap();
    engine.fail_next(&routes::GET_PROCESS_MODELS, 2, 401);

    let error = list_models(&client).await.unwrap_err();

    assert!(error.is_auth() && error.is_status(), "{error:?}");
    assert_eq!(error.status(), Some(401));
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "the engine refused the identity of the token source, a new token too"
    );
    assert_eq!(
        error.source().map(ToString::to_string).as_deref(),
        Some("the engine answered 401: Injected fault: 401")
    );
    // The first token, and the new one after the first refusal.
    assert_eq!(authority(&engine).grants(), 2);
    // The call after it works with the token it has.
    list_models(&client).await.unwrap();
    assert_eq!(authority(&engine).grants(), 2);
    logs.assert_no_secrets();
}
