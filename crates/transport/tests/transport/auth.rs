//! The Authorization header, token sources, and tokens kept out of Debug output.

use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use process_engine_api_types::route::{Method, Retry, Route, Success};
use process_engine_transport::{BoxError, Call, Client, Identity, TokenSource, async_trait};

use crate::support::{Action, LIST_MODELS, Server};

/// Hands out `token-1`, `token-2`, ... and counts how often it was asked.
#[derive(Debug, Default)]
struct Rotating {
    asked: AtomicUsize,
}

#[async_trait]
impl TokenSource for Rotating {
    async fn identity(&self) -> Result<Identity, BoxError> {
        let n = self.asked.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Identity::new(format!("token-{n}"), "rotating"))
    }
}

#[derive(Debug)]
struct Broken;

#[async_trait]
impl TokenSource for Broken {
    async fn identity(&self) -> Result<Identity, BoxError> {
        Err("the identity provider is down".into())
    }
}

fn authorization(server: &Server) -> Vec<String> {
    server
        .received()
        .iter()
        .map(|request| request.header("authorization").unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn the_development_identity_is_the_default() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    client.send(Call::new(&LIST_MODELS)).await.unwrap();

    assert_eq!(authorization(&server), ["Bearer ZHVtbXlfdG9rZW4="]);
}

#[tokio::test]
async fn a_static_token_is_sent_as_bearer() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server
        .client()
        .bearer_token("eyJhbGciOi.x.y")
        .build()
        .unwrap();

    client.send(Call::new(&LIST_MODELS)).await.unwrap();

    assert_eq!(authorization(&server), ["Bearer eyJhbGciOi.x.y"]);
}

#[tokio::test]
async fn the_token_source_is_asked_on_every_attempt() {
    let server = Server::start([Action::status(503), Action::json(200, "{}")]).await;
    let client = server
        .client()
        .token_source(Rotating::default())
        .build()
        .unwrap();

    client.send(Call::new(&LIST_MODELS)).await.unwrap();

    assert_eq!(authorization(&server), ["Bearer token-1", "Bearer token-2"]);
}

/// A route the client never sends twice on its own (a long poll, say).
static NEVER_RETRIED: Route = Route::new(
    "never_retried",
    Method::Post,
    "/api/never_retried",
    &[],
    Retry::Never,
    Success::Json,
    None,
);

#[tokio::test]
async fn a_401_to_a_sources_token_is_sent_once_more_with_the_next_token() {
    let server = Server::start([
        Action::text(401, "No auth token provided!"),
        Action::json(200, "{}"),
    ])
    .await;
    let source = Arc::new(Rotating::default());
    let client = server
        .client()
        .token_source(Arc::clone(&source))
        .build()
        .unwrap();

    // The engine answers 401 before it acts: even a call that is never retried goes again.
    client
        .send(Call::new(&NEVER_RETRIED).body(&serde_json::json!({"a": 1})))
        .await
        .unwrap();

    assert_eq!(authorization(&server), ["Bearer token-1", "Bearer token-2"]);
    let bodies: Vec<_> = server.received().iter().map(|r| r.body.clone()).collect();
    assert_eq!(bodies, [r#"{"a":1}"#, r#"{"a":1}"#]);
    assert_eq!(source.asked.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_second_401_is_an_auth_error_that_keeps_the_engines_answer() {
    let server = Server::start([Action::text(401, "Token expired")]).await;
    let client = server
        .client()
        .token_source(Rotating::default())
        .build()
        .unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_auth() && error.is_status(), "{error:?}");
    assert_eq!(error.status(), Some(401));
    assert_eq!(
        error
            .engine_error()
            .map(|e| e.message().to_owned())
            .as_deref(),
        Some("Token expired")
    );
    assert_eq!(error.operation(), Some("get_process_models"));
    assert_eq!(authorization(&server), ["Bearer token-1", "Bearer token-2"]);
}

#[tokio::test]
async fn a_source_that_answers_the_refused_token_again_is_not_sent_twice() {
    let server = Server::start([Action::text(401, "No")]).await;
    let client = server
        .client()
        .token_source(Identity::new("fixed", "svc"))
        .build()
        .unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_auth() && error.status() == Some(401), "{error:?}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_401_to_a_fixed_identity_is_the_engines_answer_and_not_sent_again() {
    let server = Server::start([Action::text(401, "No")]).await;
    let client = server.client().bearer_token("fixed").build().unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_status() && !error.is_auth(), "{error:?}");
    assert_eq!(error.to_string(), "the engine answered 401: No");
    assert_eq!(server.hits(), 1);
}

/// Hands out a token that cannot be a header value.
#[derive(Debug)]
struct Garbled;

#[async_trait]
impl TokenSource for Garbled {
    async fn identity(&self) -> Result<Identity, BoxError> {
        Ok(Identity::new("line\nbreak", "garbled"))
    }
}

#[test]
fn an_invalid_static_token_is_refused_by_the_builder() {
    for builder in [
        Client::builder("http://localhost:8000").bearer_token("line\nbreak"),
        Client::builder("http://localhost:8000").identity(Identity::new("nul\0byte", "alice")),
    ] {
        let error = builder.build().unwrap_err();
        assert!(error.is_auth(), "{error:?}");
        assert_eq!(error.to_string(), "the token is not a valid header value");
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains("line") && !shown.contains("byte"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn an_invalid_token_from_a_source_is_an_auth_error_and_nothing_is_sent() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().token_source(Garbled).build().unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_auth(), "{error:?}");
    assert!(!error.is_retryable());
    assert!(!format!("{error} {error:?}").contains("line"), "{error:?}");
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn a_failing_token_source_is_an_auth_error_with_its_cause() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().token_source(Broken).build().unwrap();

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_auth(), "{error:?}");
    assert_eq!(error.to_string(), "the token source failed");
    assert_eq!(
        error.source().unwrap().to_string(),
        "the identity provider is down"
    );
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn a_call_made_as_its_own_identity_sends_its_token_and_the_next_call_the_clients() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server
        .client()
        .bearer_token("service-token")
        .build()
        .unwrap();

    let as_alice = Call::new(&LIST_MODELS).identity(Identity::new("alice-jwt", "alice"));
    client.send(as_alice).await.unwrap();
    client.send(Call::new(&LIST_MODELS)).await.unwrap();

    assert_eq!(
        authorization(&server),
        ["Bearer alice-jwt", "Bearer service-token"]
    );
}

#[tokio::test]
async fn a_calls_own_identity_is_sent_on_every_attempt_and_the_source_is_not_asked() {
    let server = Server::start([Action::status(503), Action::json(200, "{}")]).await;
    let source = Arc::new(Rotating::default());
    let client = server
        .client()
        .token_source(Arc::clone(&source))
        .build()
        .unwrap();

    let as_bob = Call::new(&LIST_MODELS).identity(Identity::new("bob-jwt", "bob"));
    client.send(as_bob).await.unwrap();

    assert_eq!(authorization(&server), ["Bearer bob-jwt", "Bearer bob-jwt"]);
    assert_eq!(source.asked.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_invalid_token_of_a_call_is_an_auth_error_and_nothing_is_sent() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    let garbled = Call::new(&LIST_MODELS).identity(Identity::new("line\nbreak", "garbled"));
    let error = client.send(garbled).await.unwrap_err();

    assert!(error.is_auth(), "{error:?}");
    assert!(!error.is_retryable());
    assert_eq!(error.operation(), Some("get_process_models"));
    assert!(!format!("{error} {error:?}").contains("line"), "{error:?}");
    assert_eq!(server.hits(), 0);
}

#[test]
fn debug_output_never_shows_the_token() {
    let secret = "s3cr3t-t0k3n";
    let identity = Identity::new(secret, "alice");
    let builder = Client::builder("http://localhost:8000").identity(identity.clone());
    let client = builder.clone().build().unwrap();
    let with_bearer = Client::builder("http://localhost:8000").bearer_token(secret);
    let call = Call::new(&LIST_MODELS).identity(identity.clone());

    for debug in [
        format!("{identity:?}"),
        format!("{builder:?}"),
        format!("{with_bearer:?}"),
        format!("{call:?}"),
    ] {
        assert!(!debug.contains(secret), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
    // A client shows no credentials at all, not even redacted ones.
    for debug in [
        format!("{client:?}"),
        format!("{:?}", with_bearer.build().unwrap()),
    ] {
        assert!(!debug.contains(secret), "{debug}");
        assert!(debug.contains("http://localhost:8000"), "{debug}");
    }
    assert!(!format!("{:?}", Identity::dummy()).contains("ZHVtbXlfdG9rZW4="));
}

#[tokio::test]
async fn the_identity_is_the_configured_one_or_the_sources_answer_now() {
    let fixed = Client::builder("http://127.0.0.1:1")
        .identity(Identity::new("t", "alice"))
        .build()
        .unwrap();
    assert_eq!(fixed.identity().await.unwrap(), Identity::new("t", "alice"));

    let rotating = Client::builder("http://127.0.0.1:1")
        .token_source(Rotating::default())
        .build()
        .unwrap();
    assert_eq!(rotating.identity().await.unwrap().token(), "token-1");
    assert_eq!(rotating.identity().await.unwrap().token(), "token-2");

    let broken = Client::builder("http://127.0.0.1:1")
        .token_source(Broken)
        .build()
        .unwrap();
    let error = broken.identity().await.unwrap_err();
    assert!(error.is_auth(), "{error:?}");
    assert_eq!(
        error.source().map(ToString::to_string).as_deref(),
        Some("the identity provider is down")
    );
}
