//! A proxy in front of the engine that drops the `Authorization` header: the client always
//! sends one, so this is how a call without a token reaches the engine.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

/// Listens on 127.0.0.1 and forwards every request to `engine_url` without its
/// `Authorization` header. Answers the proxy's URL; it runs until the test's runtime ends.
pub(crate) async fn proxy_without_token(engine_url: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let engine_url = engine_url.trim_end_matches('/').to_owned();
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (client, engine_url) = (client.clone(), engine_url.clone());
            let service = service_fn(move |request: hyper::Request<Incoming>| {
                let (client, engine_url) = (client.clone(), engine_url.clone());
                async move {
                    let (mut parts, body) = request.into_parts();
                    parts.headers.remove(http::header::AUTHORIZATION);
                    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                    parts.uri = format!("{engine_url}{path}").parse().unwrap();
                    let body = body.collect().await?.to_bytes();
                    let answer = client
                        .request(hyper::Request::from_parts(parts, Full::new(body)))
                        .await
                        .unwrap();
                    let (parts, body) = answer.into_parts();
                    let body = body.collect().await?.to_bytes();
                    Ok::<_, hyper::Error>(hyper::Response::from_parts(parts, Full::new(body)))
                }
            });
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    url
}
