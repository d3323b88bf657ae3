//! The test authority over raw HTTP: the authority route, the discovery document, the token
//! endpoint's grants and refusals (RFC 6749, sections 4.4 and 5), its injected faults, and the
//! engine guarded by its tokens.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test is a failed test"
)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use process_engine_testkit::{ClientAuth, TestAuthority, TestEngine};
use serde_json::Value;
use support::{Answer, exchange};

const ID: &str = "worker";
const SECRET: &str = "s3cret";

async fn engine(authority: TestAuthority) -> TestEngine {
    TestEngine::builder()
        .authority(authority.client(ID, SECRET))
        .start()
        .await
        .unwrap()
}

/// `POST /authority/connect/token` with `form`, and an `Authorization` header if given.
async fn token_request(addr: SocketAddr, form: &str, authorization: Option<&str>) -> Answer {
    let mut head = format!(
        "POST /authority/connect/token HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        form.len()
    );
    if let Some(authorization) = authorization {
        head.push_str(&format!("Authorization: {authorization}\r\n"));
    }
    exchange(addr, format!("{head}\r\n{form}").as_bytes()).await
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn get(addr: SocketAddr, path: &str, authorization: Option<&str>) -> Answer {
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: a\r\n{authorization}Connection: close\r\n\r\n");
    exchange(addr, request.as_bytes()).await
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn the_engine_names_its_authority_and_the_discovery_document_its_token_endpoint() {
    let plain = TestEngine::builder().start().await.unwrap();
    assert!(plain.authority().is_none());
    let answer = get(plain.local_addr(), "/security/authority", None).await;
    assert_eq!(answer.json()["authority"], "http://localhost:5000/");

    let engine = engine(TestAuthority::new().client_auth(ClientAuth::Post)).await;
    let authority = engine.authority().unwrap();
    assert_eq!(authority.url(), format!("{}/authority", engine.url()));
    let answer = get(engine.local_addr(), "/security/authority", None).await;
    assert_eq!(answer.json()["authority"], authority.url());

    let answer = get(
        engine.local_addr(),
        "/authority/.well-known/openid-configuration",
        None,
    )
    .await;
    assert_eq!(answer.status, 200);
    let document = answer.json();
    assert_eq!(document["issuer"], authority.url());
    assert_eq!(document["token_endpoint"], authority.token_endpoint());
    assert_eq!(
        document["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_post"])
    );
}

#[tokio::test]
async fn a_known_client_gets_a_jwt_of_the_configured_lifetime_either_way() {
    let engine = engine(TestAuthority::new().token_lifetime(Duration::from_millis(1500))).await;
    let addr = engine.local_addr();

    let answer = token_request(
        addr,
        "grant_type=client_credentials&scope=engine%20read",
        Some(&basic(ID, SECRET)),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let granted = answer.json();
    assert_eq!(granted["token_type"], "Bearer");
    // Whole seconds, rounded up.
    assert_eq!(granted["expires_in"], 2);
    assert_eq!(granted["scope"], "engine read");
    let claims = claims(granted["access_token"].as_str().unwrap());
    assert_eq!(claims["sub"], ID);
    assert_eq!(claims["iss"], engine.authority().unwrap().url());
    assert_eq!(claims["scope"], "engine read");

    let form = format!("grant_type=client_credentials&client_id={ID}&client_secret={SECRET}");
    let answer = token_request(addr, &form, None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(engine.authority().unwrap().grants(), 2);
}

#[tokio::test]
async fn bad_token_requests_are_refused_with_oauth_errors() {
    let engine = engine(TestAuthority::new()).await;
    let addr = engine.local_addr();
    let grant = "grant_type=client_credentials";

    let answer = token_request(addr, grant, Some(&basic(ID, "wrong"))).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.json()["error"], "invalid_client");
    assert_eq!(
        answer.header("www-authenticate"),
        Some(r#"Basic realm="authority""#)
    );

    let answer = token_request(addr, "grant_type=client_credentials", None).await;
    assert_eq!(
        (answer.status, answer.json()["error"].clone()),
        (401, "invalid_client".into())
    );
    assert_eq!(answer.header("www-authenticate"), None);

    let both = format!("{grant}&client_id={ID}&client_secret={SECRET}");
    let answer = token_request(addr, &both, Some(&basic(ID, SECRET))).await;
    assert_eq!(
        (answer.status, answer.json()["error"].clone()),
        (400, "invalid_request".into())
    );

    let answer = token_request(addr, "grant_type=password", Some(&basic(ID, SECRET))).await;
    assert_eq!(
        (answer.status, answer.json()["error"].clone()),
        (400, "unsupported_grant_type".into())
    );

    let answer = get(addr, "/authority/connect/token", None).await;
    assert_eq!(answer.status, 405);

    let authority = engine.authority().unwrap();
    assert_eq!((authority.grants(), authority.refused_grants()), (0, 5));
}

#[tokio::test]
async fn the_authoritys_routes_take_injected_faults() {
    let engine = engine(TestAuthority::new()).await;
    let addr = engine.local_addr();
    engine.fail_next(&TestAuthority::TOKEN, 1, 503);
    engine.fail_next(&TestAuthority::DISCOVERY, 1, 500);

    let refused = token_request(
        addr,
        "grant_type=client_credentials",
        Some(&basic(ID, SECRET)),
    )
    .await;
    assert_eq!(refused.status, 503);
    let granted = token_request(
        addr,
        "grant_type=client_credentials",
        Some(&basic(ID, SECRET)),
    )
    .await;
    assert_eq!(granted.status, 200);
    let discovery = "/authority/.well-known/openid-configuration";
    assert_eq!(get(addr, discovery, None).await.status, 500);
    assert_eq!(get(addr, discovery, None).await.status, 200);
    // Injected failures are not the authority's own refusals.
    assert_eq!(engine.authority().unwrap().refused_grants(), 0);
}

#[tokio::test]
async fn a_guarded_engine_takes_only_live_tokens_of_its_authority() {
    let engine = engine(
        TestAuthority::new()
            .token_lifetime(Duration::from_secs(1))
            .guard_engine(),
    )
    .await;
    let addr = engine.local_addr();
    let models = "/api/consumer/v1/process_models";
    let token =
        |answer: Answer| format!("Bearer {}", answer.json()["access_token"].as_str().unwrap());
    let credentials = basic(ID, SECRET);
    let grant = || token_request(addr, "grant_type=client_credentials", Some(&credentials));

    assert_eq!(get(addr, models, Some(support::TOKEN)).await.status, 401);
    let live = token(grant().await);
    assert_eq!(get(addr, models, Some(&live)).await.status, 200);
    // Routes outside the API need no token, as on the engine.
    assert_eq!(get(addr, "/security/authority", None).await.status, 200);

    engine.authority().unwrap().revoke_all();
    assert_eq!(get(addr, models, Some(&live)).await.status, 401);

    let expiring = token(grant().await);
    assert_eq!(get(addr, models, Some(&expiring)).await.status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let answer = get(addr, models, Some(&expiring)).await;
    assert_eq!(answer.status, 401, "{}", answer.text());
    assert_eq!(engine.authority().unwrap().refused_calls(), 3);
}

#[tokio::test]
async fn debug_shows_neither_secrets_nor_tokens() {
    let engine = engine(TestAuthority::new()).await;
    let answer = token_request(
        engine.local_addr(),
        "grant_type=client_credentials",
        Some(&basic(ID, SECRET)),
    )
    .await;
    assert_eq!(answer.status, 200);
    let config = TestAuthority::new().client(ID, SECRET);
    for debug in [format!("{config:?}"), format!("{:?}", engine.authority())] {
        assert!(debug.contains(ID), "{debug}");
        assert!(!debug.contains(SECRET) && !debug.contains("eyJ"), "{debug}");
    }
}
