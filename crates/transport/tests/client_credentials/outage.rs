//! The authority down, slow, or answering garbage: errors that name the step and the URL,
//! retried where that can help, and calls that work again once the authority is back.

use std::error::Error as _;

use process_engine_testkit::TestAuthority;
use process_engine_transport::Error;
use process_engine_transport::oauth::{TokenError, TokenStep};

use crate::support::{self, SECRET, authority, capture_logs, credentials, list_models};

fn token_error(error: &Error) -> &TokenError {
    error
        .source()
        .and_then(|source| source.downcast_ref::<TokenError>())
        .unwrap_or_else(|| panic!("no token error in {error:?}"))
}

#[tokio::test]
async fn an_authority_down_at_start_is_a_retryable_error_and_its_return_is_noticed() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    // More failures than one token request makes attempts (the default retry settings: 4).
    engine.fail_next(&TestAuthority::DISCOVERY, 4, 503);
    let client = support::builder(&engine, credentials()).build().unwrap();

    let error = list_models(&client).await.unwrap_err();

    assert!(error.is_auth() && error.is_retryable(), "{error:?}");
    let cause = token_error(&error);
    let discovery = format!(
        "{}/.well-known/openid-configuration",
        authority(&engine).url()
    );
    assert_eq!(cause.step(), TokenStep::Discovery);
    assert_eq!(cause.url(), discovery);
    assert_eq!(
        cause.to_string(),
        format!(
            "reading the authority's discovery document at {discovery} failed: the answer was 503"
        )
    );
    assert!(cause.may_pass());
    // Every attempt was logged with the URL.
    let retries = logs
        .text()
        .lines()
        .filter(|line| line.contains("getting a token failed; trying again"))
        .inspect(|line| assert!(line.contains(&discovery), "{line}"))
        .count();
    assert_eq!(retries, 3);

    // The authority is back: the next call gets a token.
    list_models(&client).await.unwrap();
    assert_eq!(authority(&engine).grants(), 1);
    logs.assert_no_secrets();
}

#[tokio::test]
async fn a_short_outage_is_bridged_by_the_token_requests_own_retries() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    engine.fail_next(&TestAuthority::TOKEN, 2, 502);
    let client = support::builder(&engine, credentials()).build().unwrap();

    list_models(&client).await.unwrap();

    assert_eq!(authority(&engine).grants(), 1);
    logs.assert_no_secrets();
}

#[tokio::test]
async fn garbage_from_the_token_endpoint_is_a_decoding_error_not_retried() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    // 200 with a plain-text body.
    engine.fail_next(&TestAuthority::TOKEN, 1, 200);
    let client = support::builder(&engine, credentials()).build().unwrap();

    let error = list_models(&client).await.unwrap_err();

    assert!(error.is_auth() && !error.is_retryable(), "{error:?}");
    let cause = token_error(&error);
    assert_eq!(cause.step(), TokenStep::Grant);
    assert_eq!(cause.url(), authority(&engine).token_endpoint());
    assert_eq!(
        cause.to_string(),
        format!(
            "requesting a token at {} failed: the answer could not be decoded at `.`",
            authority(&engine).token_endpoint()
        )
    );
    // Not tried again within the call: the next request would have been answered.
    list_models(&client).await.unwrap();
    logs.assert_no_secrets();
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_authority_once_and_named() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    let wrong = process_engine_transport::ClientCredentials::new(support::CLIENT_ID, "wrong");
    let client = support::builder(&engine, wrong).build().unwrap();

    let error = list_models(&client).await.unwrap_err();

    let cause = token_error(&error);
    assert_eq!(cause.status(), Some(401));
    assert!(!cause.may_pass() && !error.is_retryable());
    assert_eq!(
        cause.to_string(),
        format!(
            "requesting a token at {} failed: \
             the answer was 401 invalid_client (unknown client or wrong secret)",
            authority(&engine).token_endpoint()
        )
    );
    assert_eq!(authority(&engine).refused_grants(), 1);
    assert_eq!(authority(&engine).grants(), 0);
    logs.assert_no_secrets();
}

/// What users print: the builder, the client, the error, at every depth.
#[tokio::test]
async fn no_debug_or_display_shows_the_secret_or_a_token() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    let builder = support::builder(&engine, credentials());
    let client = builder.clone().build().unwrap();
    list_models(&client).await.unwrap();
    engine.fail_next(&TestAuthority::TOKEN, 4, 503);
    let failing = builder.clone().build().unwrap();
    let error = list_models(&failing).await.unwrap_err();

    let mut printed = vec![
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{:?}", credentials()),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(error) = source {
        printed.push(error.to_string());
        source = error.source();
    }
    for text in printed {
        assert!(!text.contains(SECRET) && !text.contains("eyJ"), "{text}");
    }
    logs.assert_no_secrets();
}
