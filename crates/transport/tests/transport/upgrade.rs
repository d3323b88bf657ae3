//! Connections that switch protocols: opened through the client's connector to its base URL.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONNECTION, HeaderMap, HeaderValue, UPGRADE, USER_AGENT};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use process_engine_transport::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A server that switches every request to `/engine/ok` to an echo protocol and refuses the
/// rest with 404; it reports each request's target and user agent.
async fn echo_server() -> (String, mpsc::UnboundedReceiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/engine", listener.local_addr().unwrap());
    let (seen, requests) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            let service = service_fn(move |mut request: Request<Incoming>| {
                let agent = request.headers()[USER_AGENT].to_str().unwrap().to_owned();
                let target = request.uri().to_string();
                let _ = seen.send((target.clone(), agent));
                async move {
                    if target != "/engine/ok?x=1" {
                        let mut refused = Response::new(Full::new(Bytes::from("no such place")));
                        *refused.status_mut() = StatusCode::NOT_FOUND;
                        return Ok::<_, Infallible>(refused);
                    }
                    let upgrade = hyper::upgrade::on(&mut request);
                    tokio::spawn(async move {
                        let mut io = TokioIo::new(upgrade.await.unwrap());
                        let mut buffer = [0_u8; 4];
                        io.read_exact(&mut buffer).await.unwrap();
                        io.write_all(&buffer).await.unwrap();
                    });
                    let mut switching = Response::new(Full::new(Bytes::new()));
                    *switching.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
                    switching
                        .headers_mut()
                        .insert(UPGRADE, HeaderValue::from_static("echo"));
                    switching
                        .headers_mut()
                        .insert(CONNECTION, HeaderValue::from_static("Upgrade"));
                    Ok(switching)
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades(),
            );
        }
    });
    (url, requests)
}

fn upgrade_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(UPGRADE, HeaderValue::from_static("echo"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    headers
}

#[tokio::test]
async fn an_upgraded_connection_goes_to_the_base_url_and_carries_bytes_both_ways() {
    let (url, mut requests) = echo_server().await;
    let client = Client::builder(&url).user_agent("tests/1").build().unwrap();

    let (answer, mut connection) = client.upgrade("/ok?x=1", upgrade_headers()).await.unwrap();

    assert_eq!(answer.status, StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(answer.headers[UPGRADE], "echo");
    connection.write_all(b"ping").await.unwrap();
    let mut echoed = [0_u8; 4];
    connection.read_exact(&mut echoed).await.unwrap();
    assert_eq!(&echoed, b"ping");
    assert_eq!(
        requests.recv().await.unwrap(),
        ("/engine/ok?x=1".to_owned(), "tests/1".to_owned())
    );
}

#[tokio::test]
async fn a_refused_upgrade_is_a_status_error_with_the_engines_message() {
    let (url, _requests) = echo_server().await;
    let client = Client::builder(&url).build().unwrap();

    let error = client
        .upgrade("/elsewhere", upgrade_headers())
        .await
        .unwrap_err();

    assert!(error.is_status(), "{error:?}");
    assert_eq!(error.status(), Some(404));
    assert_eq!(error.engine_error().unwrap().message(), "no such place");
    assert_eq!(error.operation(), Some("upgrade"));
}

#[tokio::test]
async fn an_engine_that_is_not_there_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder(&url).build().unwrap();

    let error = client.upgrade("/", upgrade_headers()).await.unwrap_err();

    assert!(error.is_connect(), "{error:?}");
}

#[tokio::test]
async fn a_handshake_that_never_ends_times_out_after_the_attempt_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accepts and never answers.
    let _held = tokio::spawn(async move {
        let _stream = listener.accept().await;
        std::future::pending::<()>().await;
    });
    let client = Client::builder(&url)
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();

    let error = client.upgrade("/", upgrade_headers()).await.unwrap_err();

    assert!(error.is_timeout(), "{error:?}");
}
