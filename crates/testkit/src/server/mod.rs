//! The HTTP server: accepts connections, runs each request through the engine's middleware and
//! handlers, and obeys the test's controls (stop accepting and drop connections, resume, stop).

mod answer_body;
mod body;
mod charset;
mod handlers;
mod json_errors;
mod reply;
mod request;
mod socket_io;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use process_engine_api_types::OperationId;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

use crate::authority::Authority;
use crate::contention::Contention;
use crate::engine::{Engine, Reject};
use crate::faults::Faults;
use crate::notify::Held;
use answer_body::AnswerBody;
use reply::Reply;
pub(crate) use socket_io::Sockets;

/// How long the accept loop waits after a failed accept. The failures that persist (out of file
/// descriptors) would otherwise have it spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The largest request head (request line and headers) read: Node's default
/// `--max-http-header-size`, 16 KiB. A longer one is answered `431`.
pub(crate) const MAX_HEADER_BYTES: usize = 16 * 1024;

/// How long a client may take to send a request's head: Node's `server.headersTimeout`.
const HEADERS_TIMEOUT: Duration = Duration::from_secs(60);

/// What one request may cost the engine, as Node and body-parser bound it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The largest JSON body read: [`body::LIMIT`], smaller only in tests of the limit.
    pub(crate) body: usize,
    /// How long a client may take to send a whole request: Node's `server.requestTimeout`,
    /// 300 s. Past it the engine answers `408` and closes the connection.
    pub(crate) request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body: body::LIMIT,
            request_timeout: Duration::from_secs(300),
        }
    }
}

/// What the connections share.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) engine: Engine,
    pub(crate) faults: Faults,
    pub(crate) limits: Limits,
    /// The OAuth authority served beside the API, if the test asked for one.
    pub(crate) authority: Option<Authority>,
    /// The opt-in model of 8.0.0's contention: holds calls back as that engine would.
    pub(crate) contention: Option<Arc<Contention>>,
    /// The open socket.io sessions.
    pub(crate) sockets: Arc<Sockets>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// What the handle tells the accept loop.
#[derive(Debug)]
pub(crate) enum Command {
    /// Close the listener and drop every open connection (the engine went down); answers once
    /// done.
    Pause(oneshot::Sender<()>),
    /// Accept again on this (newly bound) listener.
    Resume(TcpListener),
    /// Drop everything and end; answers once done.
    Stop(oneshot::Sender<()>),
}

/// Runs the accept loop until told to stop.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut commands: mpsc::Receiver<Command>,
) {
    let mut listener = Some(listener);
    // Bumped to drop every open connection.
    let (generation, _) = watch::channel(0_u64);
    loop {
        let accepted = async {
            match &listener {
                Some(listener) => back_off_on_error(listener.accept()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            accepted = accepted => {
                let Some((stream, _peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let closed = generation.subscribe();
                tokio::spawn(connection(stream, Arc::clone(&shared), closed));
            }
            command = commands.recv() => match command {
                Some(Command::Pause(done)) => {
                    listener = None;
                    generation.send_modify(|g| *g += 1);
                    // A restarted engine knows no session of before.
                    shared.sockets.drop_all();
                    let _ = done.send(());
                }
                Some(Command::Resume(bound)) => listener = Some(bound),
                Some(Command::Stop(done)) => {
                    drop(listener);
                    generation.send_modify(|g| *g += 1);
                    shared.sockets.drop_all();
                    let _ = done.send(());
                    return;
                }
                None => {
                    generation.send_modify(|g| *g += 1);
                    shared.sockets.drop_all();
                    return;
                }
            },
        }
    }
}

/// The accepted connection, or `None` once [`ACCEPT_BACKOFF`] has passed after a failure. The
/// accept loop still obeys its commands while this waits.
async fn back_off_on_error<T>(accept: impl Future<Output = std::io::Result<T>>) -> Option<T> {
    match accept.await {
        Ok(accepted) => Some(accepted),
        Err(error) => {
            tracing::warn!(
                %error,
                backoff_ms = ACCEPT_BACKOFF.as_millis(),
                "accepting a connection failed; trying again after the backoff"
            );
            tokio::time::sleep(ACCEPT_BACKOFF).await;
            None
        }
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>, mut closed: watch::Receiver<u64>) {
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { handle(&shared, request).await }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .max_header_size(MAX_HEADER_BYTES)
        // hyper's default of at most 100 header lines stays: Node limits only their size, but
        // raising hyper's count moves every request's header table to the heap, which costs a
        // third of the engine's throughput. More than 100 lines are answered 431.
        .header_read_timeout(HEADERS_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::select! {
        _ = connection => {}
        // Dropping the connection closes the socket, answered or not.
        _ = closed.changed() => {}
    }
}

/// A websocket upgrade on a path engine.io does not serve: Node hands it to engine.io, which
/// destroys the connection unanswered after a second (`destroyUpgradeTimeout`).
#[derive(Debug, thiserror::Error)]
#[error("a websocket upgrade outside /socket.io/ is not answered")]
struct UnservedUpgrade;

/// How long an unserved websocket upgrade is held before its connection is destroyed.
const UNSERVED_UPGRADE: Duration = Duration::from_secs(1);

async fn handle(
    shared: &Shared,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<AnswerBody>, UnservedUpgrade> {
    if request
        .uri()
        .path()
        .starts_with(process_engine_api_types::notifications::PATH)
    {
        let response = socket_io::handle(&shared.sockets, request, shared.limits.body).await;
        return Ok(response.map(AnswerBody::from));
    }
    if socket_io::is_upgrade(&request) {
        tokio::time::sleep(UNSERVED_UPGRADE).await;
        return Err(UnservedUpgrade);
    }
    // The head has arrived: Node's request timeout counts from its start, which is close.
    let deadline = tokio::time::Instant::now() + shared.limits.request_timeout;
    let (parts, body) = request.into_parts();
    if let Some(authority) = shared
        .authority
        .as_ref()
        .filter(|authority| authority.serves(parts.uri.path()))
    {
        let response = authority
            .answer(&parts, body, &shared.faults, deadline)
            .await;
        return Ok(response.map(AnswerBody::from));
    }
    let (reply, held) = answer(shared, &parts, body, deadline).await;
    tracing::debug!(method = %parts.method, path = parts.uri.path(), status = reply.status(), "answered");
    let response = reply.into_response();
    Ok(match held.filter(|held| !held.is_empty()) {
        Some(held) => {
            let hub = shared.engine.hub();
            response.map(|bytes| AnswerBody::releasing(bytes, held, hub))
        }
        None => response.map(AnswerBody::from),
    })
}

/// Runs a request through the engine's middleware and handler, then holds the answer back for
/// the route's injected delay: the engine has acted before the delay starts. The notifications
/// the request's rule holds back come with the answer, to go out after it.
async fn answer(
    shared: &Shared,
    parts: &http::request::Parts,
    body: Incoming,
    deadline: tokio::time::Instant,
) -> (Reply, Option<Held>) {
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let json = body::is_json(content_type);
    // body-parser refuses a charset before it reads the body, so before the size limit too.
    if json {
        if let Err(message) = charset::of(content_type) {
            return (Reject::new(500, message).into(), None);
        }
    }
    let read = tokio::time::timeout_at(deadline, read_body(body, json, shared.limits.body));
    let bytes = match read.await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(reject)) => return (reject.into(), None),
        Err(_elapsed) => return (Reply::RequestTimeout, None),
    };
    // A guarding authority stands for the gateway in front of the engine.
    if let Some(authority) = &shared.authority {
        if let Err(reject) = authority.admit(parts.uri.path(), &parts.headers) {
            return (reject.into(), None);
        }
    }
    let call = match request::route(&parts.method, &parts.uri, &parts.headers, &bytes) {
        Ok(call) => call,
        Err(reply) => return (reply, None),
    };
    if let Some(model) = &shared.contention {
        model.before_call(call.route).await;
    }
    let injected = shared.faults.take(call.route);
    let held = Held::new(handlers::hold(&call));
    let reply = match (injected.failure, &shared.authority) {
        (Some(reject), _) => reject.into(),
        (None, Some(authority)) if call.operation == OperationId::GetAuthority => {
            Reply::json(&serde_json::json!({ "authority": authority.url() }))
        }
        (None, _) => held.scope(handlers::dispatch(&shared.engine, call)).await,
    };
    if let Some(delay) = injected.delay {
        tokio::time::sleep(delay).await;
    }
    (reply, Some(held))
}

/// Reads a body as body-parser does: a JSON one up to `limit` bytes, refused beyond (before
/// reading it when its declared length is over); any other is drained unread.
async fn read_body<B>(body: B, json: bool, limit: usize) -> Result<Bytes, Reject>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let unreadable =
        |error: Box<dyn std::error::Error + Send + Sync>| Reject::new(400, error.to_string());
    let too_large = || Reject::new(body::TOO_LARGE_STATUS, body::TOO_LARGE);
    if !json {
        let mut body = pin!(body);
        while let Some(frame) = body.frame().await {
            frame.map_err(|error| unreadable(error.into()))?;
        }
        return Ok(Bytes::new());
    }
    if body.size_hint().lower() > u64::try_from(limit).unwrap_or(u64::MAX) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(too_large()),
        Err(error) => Err(unreadable(error)),
    }
}

/// The address a listener for `addr` is bound to (resolving port 0).
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use http_body_util::{Empty, Full};
    use hyper::body::Frame;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::Instant;

    use super::*;

    /// A body sent in chunks without a declared length.
    struct Chunked(VecDeque<&'static [u8]>);

    impl Body for Chunked {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            Poll::Ready(
                self.0
                    .pop_front()
                    .map(|chunk| Ok(Frame::data(Bytes::from_static(chunk)))),
            )
        }
    }

    fn chunked(chunks: &[&'static [u8]]) -> Chunked {
        Chunked(chunks.iter().copied().collect())
    }

    fn too_large() -> Reject {
        Reject::new(500, "request entity too large")
    }

    #[tokio::test]
    async fn json_bodies_up_to_the_limit_are_read_and_longer_ones_refused() {
        let exactly = Full::new(Bytes::from_static(b"[1,2,3,4]"));
        assert_eq!(read_body(exactly, true, 9).await.unwrap(), "[1,2,3,4]");
        let declared_longer = Full::new(Bytes::from_static(b"[1,2,3,4,5]"));
        assert_eq!(
            read_body(declared_longer, true, 9).await.unwrap_err(),
            too_large()
        );
        let exactly = chunked(&[b"[1,2,", b"3,4]"]);
        assert_eq!(read_body(exactly, true, 9).await.unwrap(), "[1,2,3,4]");
        let turns_out_longer = chunked(&[b"[1,2,", b"3,4,", b"5]"]);
        assert_eq!(
            read_body(turns_out_longer, true, 9).await.unwrap_err(),
            too_large()
        );
        assert_eq!(read_body(Empty::<Bytes>::new(), true, 0).await.unwrap(), "");
    }

    #[tokio::test]
    async fn other_bodies_are_drained_whatever_their_length() {
        let long = chunked(&[b"0123456789", b"0123456789"]);
        assert_eq!(read_body(long, false, 9).await.unwrap(), "");
    }

    #[test]
    fn the_limit_is_body_parsers_50mb() {
        assert_eq!(body::LIMIT, 52_428_800);
        assert_eq!(Shared::default().limits.body, body::LIMIT);
    }

    /// Sends `request` on a fresh connection to a server whose JSON bodies are limited to 16
    /// bytes; returns what comes back until the server closes or `Connection: close` is honoured.
    async fn exchange_with_limited_server(request: &[u8]) -> String {
        let (listener, addr) = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let shared = Arc::new(Shared {
            limits: Limits {
                body: 16,
                ..Limits::default()
            },
            ..Shared::default()
        });
        let (_commands, receiver) = mpsc::channel(1);
        let server = tokio::spawn(serve(listener, shared, receiver));
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        // A reset after the answer (unread rest of a refused body) ends the exchange too.
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        server.abort();
        String::from_utf8(answer).unwrap()
    }

    #[tokio::test]
    async fn a_json_body_over_the_limit_is_answered_500_as_the_engines_error_handler_does() {
        let declared = exchange_with_limited_server(
            b"POST /api/external_task/v1/fetch_and_lock HTTP/1.1\r\nHost: x\r\n\
              Connection: close\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n\
              {\"topicName\":\"a\"}",
        )
        .await;
        let chunked = exchange_with_limited_server(
            b"POST /api/external_task/v1/fetch_and_lock HTTP/1.1\r\nHost: x\r\n\
              Connection: close\r\nContent-Type: application/json\r\n\
              Transfer-Encoding: chunked\r\n\r\n\
              c\r\n{\"topicName\"\r\n7\r\n:\"abc\"}\r\n0\r\n\r\n",
        )
        .await;
        for answer in [declared, chunked] {
            assert!(answer.starts_with("HTTP/1.1 500 "), "{answer}");
            assert!(
                answer
                    .to_ascii_lowercase()
                    .contains("content-type: text/html; charset=utf-8"),
                "{answer}"
            );
            assert!(
                answer.ends_with("\r\n\r\nrequest entity too large"),
                "{answer}"
            );
        }
    }

    #[tokio::test]
    async fn the_limit_applies_to_json_bodies_only() {
        // Within the limit: routed (the auth check answers, not the body parser).
        let within = exchange_with_limited_server(
            b"POST /api/external_task/v1/fetch_and_lock HTTP/1.1\r\nHost: x\r\n\
              Connection: close\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n\
              {\"topicName\":\"\"}",
        )
        .await;
        assert!(within.starts_with("HTTP/1.1 401 "), "{within}");
        let text = exchange_with_limited_server(
            b"POST /api/external_task/v1/fetch_and_lock HTTP/1.1\r\nHost: x\r\n\
              Connection: close\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n\
              0123456789012345678901234567890123456789",
        )
        .await;
        assert!(text.starts_with("HTTP/1.1 401 "), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_accept_is_retried_only_after_the_backoff() {
        let started = Instant::now();
        let failed = back_off_on_error(std::future::ready(Err::<(), _>(std::io::Error::other(
            "Too many open files",
        ))))
        .await;
        assert_eq!(failed, None);
        assert!(started.elapsed() >= ACCEPT_BACKOFF);

        let started = Instant::now();
        let accepted = back_off_on_error(std::future::ready(Ok::<_, std::io::Error>(7))).await;
        assert_eq!(accepted, Some(7));
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
