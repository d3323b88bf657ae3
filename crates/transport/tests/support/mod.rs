//! A scripted HTTP server on 127.0.0.1:0: it answers each request with the next action of its
//! script (the last one repeats) and records every request it received.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use process_engine_api_types::operation::decode_json;
use process_engine_api_types::route::{Method, Retry, Route, Success};
use process_engine_transport::{Call, Client, ClientBuilder, Error, RetryConfig};
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
#[cfg(target_os = "linux")]
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// What the server does with a request.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Answers with this status, content type and body.
    Respond {
        status: u16,
        content_type: Option<&'static str>,
        body: &'static str,
    },
    /// Waits, then does the next action.
    Delay(Duration, Box<Action>),
    /// Closes the connection without answering.
    Close,
    /// Never answers.
    Hang,
}

impl Action {
    pub(crate) fn json(status: u16, body: &'static str) -> Action {
        Action::Respond {
            status,
            content_type: Some("application/json; charset=utf-8"),
            body,
        }
    }

    /// An error as ProcessEngine 8.0.0 sends it: the bare message.
    pub(crate) fn text(status: u16, body: &'static str) -> Action {
        Action::Respond {
            status,
            content_type: Some("text/html; charset=utf-8"),
            body,
        }
    }

    pub(crate) fn status(status: u16) -> Action {
        Action::Respond {
            status,
            content_type: None,
            body: "",
        }
    }

    pub(crate) fn delayed(delay: Duration, then: Action) -> Action {
        Action::Delay(delay, Box::new(then))
    }
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    /// Path and query.
    pub(crate) target: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Action>,
    received: Vec<Received>,
}

pub(crate) struct Server {
    url: String,
    state: Arc<Mutex<State>>,
    accept: JoinHandle<()>,
}

impl Server {
    pub(crate) async fn start(script: impl IntoIterator<Item = Action>) -> Server {
        Server::start_on("127.0.0.1:0", script).await
    }

    /// A server on `address` (`host:port`): one that comes up where a client already calls.
    pub(crate) async fn start_on(
        address: &str,
        script: impl IntoIterator<Item = Action>,
    ) -> Server {
        let listener = TcpListener::bind(address).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let script = script.into_iter().collect();
        let state = Arc::new(Mutex::new(State {
            script,
            received: Vec::new(),
        }));
        let accept = tokio::spawn(accept(listener, Arc::clone(&state)));
        Server { url, state, accept }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    pub(crate) fn hits(&self) -> usize {
        self.state.lock().unwrap().received.len()
    }

    /// A client of this server with quick retries.
    pub(crate) fn client(&self) -> ClientBuilder {
        Client::builder(&self.url).retry(quick_retries())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn accept(listener: TcpListener, state: Arc<Mutex<State>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(request, Arc::clone(&state)));
            // An error here is the scripted `Close`, or the client going away.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    request: Request<Incoming>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Full<Bytes>>, &'static str> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| "body")?.to_bytes();
    let mut action = {
        let mut state = state.lock().unwrap();
        state.received.push(Received {
            method: parts.method.to_string(),
            target: parts
                .uri
                .path_and_query()
                .map(ToString::to_string)
                .unwrap_or_default(),
            headers: parts.headers,
            body,
        });
        let next = if state.script.len() > 1 {
            state.script.pop_front()
        } else {
            state.script.front().cloned()
        };
        next.unwrap_or(Action::text(500, "the script is empty"))
    };
    loop {
        match action {
            Action::Respond {
                status,
                content_type,
                body,
            } => {
                let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
                *response.status_mut() = StatusCode::from_u16(status).unwrap();
                if let Some(content_type) = content_type {
                    response
                        .headers_mut()
                        .insert("content-type", content_type.parse().unwrap());
                }
                return Ok(response);
            }
            Action::Delay(delay, then) => {
                tokio::time::sleep(delay).await;
                action = *then;
            }
            // hyper closes the connection when the service fails.
            Action::Close => return Err("closed by script"),
            Action::Hang => {
                std::future::pending::<Infallible>().await;
            }
        }
    }
}

/// Retries after at most 1 ms, so that tests are quick.
pub(crate) fn quick_retries() -> RetryConfig {
    RetryConfig::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(1))
}

/// A listener whose accept queue is full and never drained: the kernel drops further SYNs, so a
/// connect to the URL hangs until it times out. The stream is the connection filling the queue;
/// keep both alive for as long as the connect should hang.
#[cfg(target_os = "linux")]
pub(crate) async fn unaccepting_url() -> (String, TcpListener, TcpStream) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    // A backlog of 0 leaves room for one waiting connection (on Linux).
    let listener = socket.listen(0).unwrap();
    let address = listener.local_addr().unwrap();
    let queued = TcpStream::connect(address).await.unwrap();
    (format!("http://{address}"), listener, queued)
}

/// A bound port that nobody listens on any more.
pub(crate) async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

pub(crate) static LIST_MODELS: Route = Route::new(
    "get_process_models",
    Method::Get,
    "/api/consumer/v1/process_models",
    &[],
    Retry::Idempotent,
    Success::Json,
    Some("ProcessModelList"),
);

pub(crate) static GET_MODEL: Route = Route::new(
    "get_process_model_by_id",
    Method::Get,
    "/api/consumer/v1/process_models/{process_model_id}",
    &["process_model_id"],
    Retry::Idempotent,
    Success::Json,
    Some("ProcessModel"),
);

pub(crate) static START: Route = Route::new(
    "start_process_instance",
    Method::Post,
    "/api/consumer/v1/process_models/{process_model_id}/start",
    &["process_model_id"],
    Retry::NotIdempotent,
    Success::Json,
    Some("ProcessStartResponse"),
);

pub(crate) static FETCH_AND_LOCK: Route = Route::new(
    "fetch_and_lock_external_tasks",
    Method::Post,
    "/api/external_task/v1/fetch_and_lock",
    &[],
    Retry::Never,
    Success::Json,
    Some("ExternalTaskList"),
);

/// Sends `call` and decodes its answer as `T`: for the fake routes of these tests, which have no
/// typed operation.
pub(crate) async fn json<T: DeserializeOwned>(client: &Client, call: Call) -> Result<T, Error> {
    let answer = client.send(call).await?;
    decode_json(answer.body()).map_err(Error::from_decode_error)
}
