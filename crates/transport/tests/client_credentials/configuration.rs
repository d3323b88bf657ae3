//! Where the token endpoint comes from, and how the client authenticates there.

use process_engine_api_types::routes;
use process_engine_testkit::{ClientAuth, TestAuthority};
use process_engine_transport::oauth::{ClientAuthMethod, TokenError, TokenStep};
use process_engine_transport::{Client, ClientCredentials};

use crate::support::{self, CLIENT_ID, SECRET, authority, capture_logs, credentials, list_models};

#[tokio::test]
async fn a_configured_authority_is_used_without_asking_the_engine() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    engine.fail_next(&routes::GET_AUTHORITY, 100, 500);
    let configured = credentials().authority(authority(&engine).url());
    let client = support::builder(&engine, configured).build().unwrap();

    list_models(&client).await.unwrap();

    assert_eq!(authority(&engine).grants(), 1);
    logs.assert_no_secrets();
}

#[tokio::test]
async fn a_configured_token_endpoint_needs_no_discovery() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new()).await;
    engine.fail_next(&TestAuthority::DISCOVERY, 100, 500);
    let configured = credentials().token_endpoint(authority(&engine).token_endpoint());
    let client = support::builder(&engine, configured).build().unwrap();

    list_models(&client).await.unwrap();

    assert_eq!(authority(&engine).grants(), 1);
    logs.assert_no_secrets();
}

#[tokio::test]
async fn an_authority_that_takes_the_secret_only_in_the_form_gets_it_there() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new().client_auth(ClientAuth::Post)).await;
    let client = support::builder(&engine, credentials()).build().unwrap();
    list_models(&client).await.unwrap();
    assert_eq!(authority(&engine).grants(), 1);

    // Told to use Basic, the client does, and is refused.
    let basic = credentials().auth_method(ClientAuthMethod::ClientSecretBasic);
    let client = support::builder(&engine, basic).build().unwrap();
    let error = list_models(&client).await.unwrap_err();
    let cause = std::error::Error::source(&error)
        .and_then(|source| source.downcast_ref::<TokenError>())
        .unwrap();
    assert_eq!(
        (cause.step(), cause.status()),
        (TokenStep::Grant, Some(401))
    );
    logs.assert_no_secrets();
}

#[tokio::test]
async fn basic_authentication_works_where_it_is_the_only_method() {
    let logs = capture_logs();
    let engine = support::engine(TestAuthority::new().client_auth(ClientAuth::Basic)).await;
    let client = support::builder(&engine, credentials()).build().unwrap();
    list_models(&client).await.unwrap();
    let post = credentials().auth_method(ClientAuthMethod::ClientSecretPost);
    let client = support::builder(&engine, post).build().unwrap();
    assert!(list_models(&client).await.is_err());
    assert_eq!(
        (
            authority(&engine).grants(),
            authority(&engine).refused_grants()
        ),
        (1, 1)
    );
    logs.assert_no_secrets();
}

#[test]
fn credentials_that_cannot_work_are_refused_when_the_client_is_built() {
    let build = |credentials| {
        Client::builder("http://localhost:8000")
            .client_credentials(credentials)
            .build()
    };
    let error = build(ClientCredentials::new("", SECRET)).unwrap_err();
    assert!(error.is_auth(), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the client credentials cannot work: the client id is empty"
    );
    let error = build(ClientCredentials::new(CLIENT_ID, SECRET).authority("login.example.com"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the client credentials cannot work: the authority URL `login.example.com` has no scheme"
    );
}
