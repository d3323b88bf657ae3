//! A tiny HTTP server with a few fixed routes, for the runner's own tests (the scenarios need a
//! whole engine). The same routes, served to the tool the
//! recordings were made with, gave the reference report of `run.rs`'s test.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const JSON: &str = "application/json; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// How long `POST /slow` takes to echo its body.
pub(crate) const SLOW: Duration = Duration::from_millis(300);

pub(crate) struct FakeServer {
    pub(crate) url: String,
    task: JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves on a free port of 127.0.0.1:
/// `POST /api/deployment/v1/import_process_model` → 200, empty JSON;
/// `POST /slow` → its body back after `SLOW`;
/// `GET /counter` → `{"n": k}` for the k-th call;
/// `GET /auth` → `{"authorization": ..., "echo": ...}` (the headers `Authorization`, `X-Echo`);
/// `GET /text` → 404 with a plain-text message; anything else 404.
pub(crate) async fn start() -> std::io::Result<FakeServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let counter = Arc::new(AtomicU64::new(0));
    let task = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            let service = service_fn(move |request| answer(request, Arc::clone(&counter)));
            tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(socket), service));
        }
    });
    Ok(FakeServer { url, task })
}

async fn answer(
    request: Request<Incoming>,
    counter: Arc<AtomicU64>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    let (authorization, echo) = (header("authorization"), header("x-echo"));
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let (status, content_type, body) = match (method.as_str(), path.as_str()) {
        ("POST", "/api/deployment/v1/import_process_model") => (StatusCode::OK, JSON, Bytes::new()),
        ("POST", "/slow") => {
            tokio::time::sleep(SLOW).await;
            (StatusCode::OK, JSON, body)
        }
        ("GET", "/counter") => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            (
                StatusCode::OK,
                JSON,
                Bytes::from(format!(r#"{{"n": {n}}}"#)),
            )
        }
        ("GET", "/auth") => {
            let text =
                serde_json::json!({"authorization": authorization, "echo": echo}).to_string();
            (StatusCode::OK, JSON, Bytes::from(text))
        }
        ("GET", "/text") => {
            let text = "Thing with id 'abc' not found at 2026-11-23T20:08:43.310Z.";
            (StatusCode::NOT_FOUND, HTML, Bytes::from(text))
        }
        _ => (
            StatusCode::NOT_FOUND,
            HTML,
            Bytes::from(format!("Cannot {method} {path}")),
        ),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    Ok(response)
}
