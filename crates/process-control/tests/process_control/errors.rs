//! Errors are told apart by kind and keep the engine's status and message.

use std::time::Duration;

use process_engine_process_control::{
    Client, Error, ErrorKind, Identity, ProcessControlClient, RequestOptions,
};

use process_engine_api_types::routes;

use crate::support::{Harness, Model, unique};
use crate::without_token::proxy_without_token;

#[tokio::test]
async fn an_unknown_model_is_told_apart_from_other_404s() {
    let harness = Harness::start().await;
    let missing = unique("missing");
    let error = harness
        .client
        .process_model(&missing)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ProcessModelNotFound);
    assert!(error.is_process_model_not_found() && error.is_not_found());
    assert_eq!(error.status(), Some(404));
    assert_eq!(
        error.message(),
        Some(format!("ProcessModel with id {missing} not found!").as_str())
    );
    let error = harness.starting(&missing).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ProcessModelNotFound);

    let model = harness.deploy(Model::TwoEnds).await;
    let error = harness
        .client
        .start_process_instance(&model, "no_such_start")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert!(error.is_not_found() && !error.is_process_model_not_found());
    assert_eq!(
        error.message(),
        Some("StartEvent with ID 'no_such_start' not found!")
    );
}

#[tokio::test]
async fn an_engine_that_is_not_there_is_unreachable() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let transport = Client::builder(&format!("http://127.0.0.1:{port}"))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let client = ProcessControlClient::new(transport);
    let error = client.process_models().send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unreachable, "{error:?}");
    assert!(error.is_unreachable());
    assert_eq!(error.status(), None);
    assert!(error.transport_error().is_some_and(|e| e.is_connect()));
    assert_eq!(
        error.to_string(),
        format!("could not connect to the engine at http://127.0.0.1:{port}")
    );
}

/// The base URL of a newcomer who copied the API's prefix into it: every route is said twice,
/// and the engine's web framework answers its own 404 page.
#[tokio::test]
async fn a_base_url_with_the_api_prefix_says_to_check_the_base_url() {
    let harness = Harness::start().await;
    let url = format!("{}/api/consumer/v1", harness.url);
    let client = ProcessControlClient::new(Client::builder(&url).build().unwrap());
    let error = client
        .start_process_instance("hello_world", "the_start_event")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error:?}");
    assert!(error.engine_error().unwrap().is_unknown_route());
    assert_eq!(
        error.to_string(),
        format!(
            "the engine answered 404: Cannot POST \
             /api/consumer/v1/api/consumer/v1/process_models/hello_world/start: the engine has no \
             such route; check the base URL {url} (the engine's root, without `/api/...`)"
        )
    );
}

#[tokio::test]
async fn a_token_the_engine_cannot_read_keeps_its_status_and_message() {
    let harness = Harness::start().await;
    let error = harness
        .client
        .process_models()
        .with_options(
            RequestOptions::new().with_identity(Identity::new("neither-dummy-nor-jwt", "nobody")),
        )
        .send()
        .await
        .unwrap_err();
    // 8.0.0's identity middleware fails with a TypeError here: 500, not 401 (API.md 4).
    assert_eq!(error.kind(), ErrorKind::Engine);
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        error.message(),
        Some("Cannot read properties of null (reading 'sub')")
    );
}

#[tokio::test]
async fn a_url_that_is_not_one_is_an_error_not_a_panic() {
    let error = Error::from(Client::builder("not a url").build().unwrap_err());
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error:?}");
}

#[tokio::test]
async fn a_call_without_token_is_not_allowed() {
    let harness = Harness::start().await;
    let transport = Client::builder(&proxy_without_token(&harness.url).await)
        .build()
        .unwrap();
    let client = ProcessControlClient::new(transport);
    let error = client.process_models().send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error:?}");
    assert!(error.is_unauthorized());
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.message(), Some("No auth token provided!"));
    // Global routes need none.
    assert_eq!(client.server_info().send().await.unwrap().version, "8.0.0");
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_an_error_not_a_panic() {
    let harness = Harness::start().await;
    let Some(engine) = harness.stand_in() else {
        return; // Faults can only be injected into the stand-in engine.
    };
    // A 200 whose body is the fault's text, not the JSON the operation promises.
    engine.fail_next(&routes::GET_PROCESS_MODELS, 1, 200);
    let error = harness.client.process_models().send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnexpectedAnswer, "{error:?}");
    assert!(error.to_string().contains("get_process_models"), "{error}");
    // The next answer is fine again.
    harness.client.process_models().send().await.unwrap();
}

#[tokio::test]
async fn an_engine_that_keeps_answering_503_is_unreachable() {
    let harness = Harness::start().await;
    let Some(engine) = harness.stand_in() else {
        return; // Faults can only be injected into the stand-in engine.
    };
    engine.fail_next(&routes::GET_PROCESS_MODELS, 100, 503);
    let error = harness.client.process_models().send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unreachable, "{error:?}");
    assert_eq!(error.status(), Some(503));
}

#[tokio::test]
async fn an_answer_later_than_the_attempt_timeout_is_a_timeout() {
    let harness = Harness::start().await;
    let Some(engine) = harness.stand_in() else {
        return; // Faults can only be injected into the stand-in engine.
    };
    let model = harness.deploy(Model::TwoEnds).await;
    engine.delay(&routes::START_PROCESS_INSTANCE, Duration::from_secs(2));
    let error = harness
        .starting(&model)
        .input(&serde_json::json!({"path": "a"}))
        .with_options(RequestOptions::new().with_attempt_timeout(Duration::from_millis(200)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    assert!(error.is_timeout() && !error.is_wait_limit_passed());
}
