//! What goes on the wire: URL, parameters, query, body, headers; answers without a body; users'
//! layers.

use std::collections::BTreeMap;
use std::error::Error as _;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response};
use process_engine_api_types::models::{FinishExternalTaskRequest, ImportProcessModelRequest};
use process_engine_api_types::operations::{FinishExternalTask, ImportProcessModel};
use process_engine_transport::{
    BoxError, BoxedService, Call, CallInfo, Client, Error, RequestOptions,
};
use serde::Serialize;
use serde_json::json;
use tower::{Layer, ServiceExt, service_fn};

use crate::support::{Action, GET_MODEL, LIST_MODELS, START, Server};

#[tokio::test]
async fn operations_without_an_answer_body_accept_a_200_with_an_empty_body_and_a_204() {
    let server = Server::start([Action::status(200), Action::status(204)]).await;
    let client = server.client().build().unwrap();
    let options = RequestOptions::new();

    let import = ImportProcessModel::new(ImportProcessModelRequest::new("m", "<xml/>"));
    let () = client.execute(&import, &options).await.unwrap();
    let finish = FinishExternalTask::new(
        "t",
        FinishExternalTaskRequest::new("w").with_result(json!({})),
    );
    let () = client.execute(&finish, &options).await.unwrap();

    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn an_operation_without_an_answer_body_never_parses_it() {
    let server = Server::start([Action::Respond {
        status: 200,
        content_type: Some("text/plain"),
        body: "not json",
    }])
    .await;
    let client = server.client().build().unwrap();

    let import = ImportProcessModel::new(ImportProcessModelRequest::new("m", "<xml/>"));
    client
        .execute(&import, &RequestOptions::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_operation_without_an_answer_body_still_reports_the_engine_error() {
    let server = Server::start([Action::text(
        410,
        "External Task with ID 't' has already been finished!",
    )])
    .await;
    let client = server.client().build().unwrap();

    let finish = FinishExternalTask::new(
        "t",
        FinishExternalTaskRequest::new("w").with_result(json!({})),
    );
    let error = client
        .execute(&finish, &RequestOptions::new())
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(410));
}

#[tokio::test]
async fn the_base_url_path_prefix_is_kept() {
    let server = Server::start([Action::json(200, "{}")]).await;
    for base in [
        format!("{}/engine", server.url()),
        format!("{}/engine/", server.url()),
    ] {
        let client = Client::builder(&base).build().unwrap();
        client.send(Call::new(&LIST_MODELS)).await.unwrap();
    }

    let targets: Vec<_> = server
        .received()
        .into_iter()
        .map(|request| request.target)
        .collect();
    assert_eq!(
        targets,
        [
            "/engine/api/consumer/v1/process_models",
            "/engine/api/consumer/v1/process_models"
        ]
    );
}

#[tokio::test]
async fn path_parameters_are_encoded_as_one_segment() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    client
        .send(Call::new(&GET_MODEL).param("a b/c"))
        .await
        .unwrap();

    assert_eq!(
        server.received()[0].target,
        "/api/consumer/v1/process_models/a%20b%2Fc"
    );
}

#[tokio::test]
async fn dot_segments_are_sent_encoded() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    for value in [".", "..", "v1.2"] {
        client
            .send(Call::new(&GET_MODEL).param(value))
            .await
            .unwrap();
    }

    let targets: Vec<_> = server
        .received()
        .into_iter()
        .map(|request| request.target)
        .collect();
    assert_eq!(
        targets,
        [
            "/api/consumer/v1/process_models/%2E",
            "/api/consumer/v1/process_models/%2E%2E",
            "/api/consumer/v1/process_models/v1.2",
        ]
    );
}

#[tokio::test]
async fn the_query_leaves_out_none_and_the_body_is_json() {
    #[derive(Serialize)]
    struct StartQuery<'a> {
        start_callback_type: Option<u8>,
        start_event_id: Option<&'a str>,
        end_event_id: Option<&'a str>,
    }
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().user_agent("tests/1.0").build().unwrap();

    let query = StartQuery {
        start_callback_type: Some(2),
        start_event_id: Some("Start 1"),
        end_event_id: None,
    };
    let body = serde_json::json!({"correlationId": "c", "inputValues": {"order": 1}});
    client
        .send(Call::new(&START).param("m").query(&query).body(&body))
        .await
        .unwrap();

    let request = &server.received()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.target,
        "/api/consumer/v1/process_models/m/start?start_callback_type=2&start_event_id=Start+1"
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some("tests/1.0"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&request.body).unwrap(),
        body
    );
}

#[tokio::test]
async fn a_get_has_no_body_and_no_content_type() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    client.send(Call::new(&LIST_MODELS)).await.unwrap();

    let request = &server.received()[0];
    assert_eq!(request.method, "GET");
    assert!(request.body.is_empty());
    assert_eq!(request.header("content-type"), None);
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("process-engine-rs/")
    );
}

#[tokio::test]
async fn building_mistakes_surface_when_sent_and_nothing_goes_out() {
    let server = Server::start([Action::json(200, "{}")]).await;
    let client = server.client().build().unwrap();

    let error = client.send(Call::new(&GET_MODEL)).await.unwrap_err();
    assert!(error.is_request(), "{error:?}");
    assert_eq!(error.operation(), Some("get_process_model_by_id"));

    // `/process_models/` would be `/process_models` to the engine: another route.
    let error = client
        .send(Call::new(&GET_MODEL).param(""))
        .await
        .unwrap_err();
    assert!(error.is_request(), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the path parameter `process_model_id` of get_process_model_by_id is empty"
    );

    // JSON object keys must be strings.
    let unserializable = BTreeMap::from([(vec![1_u8], "value")]);
    let error = client
        .send(Call::new(&START).param("m").body(&unserializable))
        .await
        .unwrap_err();
    assert!(error.is_request(), "{error:?}");
    assert!(error.source().is_some());

    assert_eq!(server.hits(), 0);
}

#[test]
fn bad_base_urls_are_refused_by_the_builder() {
    for url in [
        "localhost:8000",
        "ftp://host/",
        "http://user:pass@host/",
        "http://host/?page=1",
        "http://host/#engine",
        "http://host/engine#top",
        "not a url",
    ] {
        let error = Client::builder(url).build().unwrap_err();
        assert!(error.is_request(), "{url}: {error:?}");
    }
    #[cfg(feature = "rustls")]
    assert!(Client::builder("https://engine.example").build().is_ok());
    #[cfg(not(feature = "rustls"))]
    assert!(
        Client::builder("https://engine.example")
            .build()
            .unwrap_err()
            .is_request()
    );
}

/// A layer of a user's own: records the operation of each call it sees and tags the request.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<&'static str>>>,
}

impl Layer<BoxedService> for Recorder {
    type Service = BoxedService;

    fn layer(&self, inner: BoxedService) -> BoxedService {
        let seen = Arc::clone(&self.seen);
        BoxedService::new(service_fn(move |mut request: Request<Bytes>| {
            let info = request.extensions().get::<CallInfo>().copied();
            seen.lock()
                .unwrap()
                .push(info.map_or("none", |info| info.operation()));
            request
                .headers_mut()
                .insert("x-recorded", "yes".parse().unwrap());
            inner.clone().oneshot(request)
        }))
    }
}

/// A layer that refuses every call with an error of its own.
struct Refuse;

impl<S: Clone> Layer<S> for Refuse {
    type Service = tower::util::BoxCloneSyncService<Request<Bytes>, Response<Bytes>, BoxError>;

    fn layer(&self, _inner: S) -> Self::Service {
        tower::util::BoxCloneSyncService::new(service_fn(|_request: Request<Bytes>| async {
            Err::<Response<Bytes>, BoxError>("rate limited".into())
        }))
    }
}

#[tokio::test]
async fn users_layers_see_each_call_once_with_its_call_info() {
    let server = Server::start([Action::status(503), Action::json(200, "{}")]).await;
    let recorder = Recorder::default();
    let client = server.client().layer(recorder.clone()).build().unwrap();

    client.send(Call::new(&LIST_MODELS)).await.unwrap();

    assert_eq!(
        *recorder.seen.lock().unwrap(),
        ["get_process_models"],
        "once, not per attempt"
    );
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert!(
        received
            .iter()
            .all(|request| request.header("x-recorded") == Some("yes"))
    );
}

#[tokio::test]
async fn errors_pass_users_layers_unchanged_and_their_own_are_layer_errors() {
    let server = Server::start([Action::text(404, "nope")]).await;
    let client = server.client().layer(Recorder::default()).build().unwrap();
    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();
    assert_eq!(error.status(), Some(404));

    let client = server.client().layer(Refuse).build().unwrap();
    let error: Error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();
    assert!(!error.is_status() && error.is_layer(), "{error:?}");
    assert_eq!(error.source().unwrap().to_string(), "rate limited");
    assert_eq!(server.hits(), 1);
}
