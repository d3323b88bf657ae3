//! The connection pool against servers that misbehave at the TCP level: connections closed
//! while idle, a server restarted on the same port, an answer cut off by a reset, more
//! concurrent calls than idle connections, answers the client stops reading, the idle timeout.
//!
//! The server here is written on bare TCP, so that each test controls exactly when a
//! connection closes and how, and counts the connections the client made.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use process_engine_transport::{Call, Client, RetryConfig};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::support::{LIST_MODELS, START, json, quick_retries};

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

/// What the server does on a connection after each answer, or instead of one.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers `{}`, keeps the connection open.
    KeepAlive,
    /// Answers `{}`, then closes the connection when no next request came within this time.
    CloseIdleAfter(Duration),
    /// Answers `{}` after this delay.
    Slow(Duration),
    /// On its first connection, sends the head and part of the body, then resets the
    /// connection; later connections keep alive.
    ResetFirstMidAnswer,
    /// On its first connection, sends the head and part of the body and stops; later
    /// connections keep alive.
    StallFirstMidAnswer,
    /// On its first connection, answers a body of 64 KiB; later connections answer `{}`.
    LargeFirst,
}

/// A server on bare TCP; counts the connections it accepted.
struct TcpServer {
    address: SocketAddr,
    connections: Arc<AtomicUsize>,
    /// Connections that the client closed (the server read end of stream while waiting for
    /// the next request).
    closed_by_client: Arc<AtomicUsize>,
    tasks: JoinSet<()>,
}

impl TcpServer {
    async fn start(behaviour: Behaviour) -> TcpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        TcpServer::on(listener, behaviour)
    }

    /// A server on `address`, which a server before it used.
    async fn restart(address: SocketAddr, behaviour: Behaviour) -> TcpServer {
        // The port is free again once the old listener is gone; tokio sets SO_REUSEADDR.
        let listener = TcpListener::bind(address).await.unwrap();
        TcpServer::on(listener, behaviour)
    }

    fn on(listener: TcpListener, behaviour: Behaviour) -> TcpServer {
        let address = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let closed_by_client = Arc::new(AtomicUsize::new(0));
        let mut tasks = JoinSet::new();
        let (count, closed) = (Arc::clone(&connections), Arc::clone(&closed_by_client));
        tasks.spawn(async move {
            // The connections' tasks live in the accept task's own set: aborting it (the
            // server stopping) drops them all, which closes their sockets.
            let mut served = JoinSet::new();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let nth = count.fetch_add(1, Ordering::SeqCst);
                served.spawn(serve(stream, behaviour, nth, Arc::clone(&closed)));
            }
        });
        TcpServer {
            address,
            connections,
            closed_by_client,
            tasks,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Stops listening and closes every connection, as a stopped engine does.
    async fn stop(mut self) -> SocketAddr {
        self.tasks.shutdown().await;
        self.address
    }
}

/// Reads requests (head and `content-length` body) and answers them as `behaviour` says.
async fn serve(stream: TcpStream, behaviour: Behaviour, nth: usize, closed: Arc<AtomicUsize>) {
    let mut stream = BufReader::new(stream);
    loop {
        let next = read_request(&mut stream);
        let read = match behaviour {
            Behaviour::CloseIdleAfter(idle) => match tokio::time::timeout(idle, next).await {
                Ok(read) => read,
                // Closed while idle, as a server's keep-alive timeout does.
                Err(_) => return,
            },
            _ => next.await,
        };
        if !read {
            closed.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let stream = stream.get_mut();
        match behaviour {
            Behaviour::KeepAlive | Behaviour::CloseIdleAfter(_) => {}
            Behaviour::Slow(delay) => tokio::time::sleep(delay).await,
            Behaviour::ResetFirstMidAnswer | Behaviour::StallFirstMidAnswer if nth == 0 => {
                let head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"cut\":";
                stream.write_all(head.as_bytes()).await.unwrap();
                stream.flush().await.unwrap();
                if let Behaviour::StallFirstMidAnswer = behaviour {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                // A linger of zero makes the close a reset.
                stream.set_zero_linger().unwrap();
                return;
            }
            Behaviour::LargeFirst if nth == 0 => {
                let body = format!("[{}0]", "0,".repeat(32 * 1024));
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
                stream.write_all(head.as_bytes()).await.unwrap();
                // The client stops reading at its limit and closes; the rest may not fit.
                let _ = stream.write_all(body.as_bytes()).await;
                continue;
            }
            Behaviour::ResetFirstMidAnswer
            | Behaviour::StallFirstMidAnswer
            | Behaviour::LargeFirst => {}
        }
        if stream.write_all(OK.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads one request; false at the end of the stream.
async fn read_request(stream: &mut BufReader<TcpStream>) -> bool {
    let mut length = 0;
    loop {
        let mut line = String::new();
        match stream.read_line(&mut line).await {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.is_ok()
}

fn client(url: &str) -> Client {
    Client::builder(url)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

async fn list(client: &Client) -> Result<Value, process_engine_transport::Error> {
    json(client, Call::new(&LIST_MODELS)).await
}

async fn start(client: &Client) -> Result<Value, process_engine_transport::Error> {
    json(client, Call::new(&START).param("m")).await
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_not_used_again() {
    let server = TcpServer::start(Behaviour::CloseIdleAfter(Duration::from_millis(50))).await;
    // No retries: the call after the close must not need one. A start is never resent once
    // it may have left, so it fails if it went on the closed connection.
    let client = client(&server.url());

    start(&client).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    start(&client).await.unwrap();

    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn calls_go_on_after_the_server_restarts() {
    let server = TcpServer::start(Behaviour::KeepAlive).await;
    let client = client(&server.url());
    start(&client).await.unwrap();

    let address = server.stop().await;
    // While it is down: a connect error, which a start may retry (it never left).
    let error = start(&client).await.unwrap_err();
    assert!(error.is_connect(), "{error:?}");

    let server = TcpServer::restart(address, Behaviour::KeepAlive).await;
    start(&client).await.unwrap();
    start(&client).await.unwrap();
    assert_eq!(server.connections(), 1, "the new connection is kept");
}

#[tokio::test]
async fn a_restart_between_two_calls_loses_neither() {
    let server = TcpServer::start(Behaviour::KeepAlive).await;
    let client = client(&server.url());
    start(&client).await.unwrap();

    // The engine goes away and comes back while the client's connection sits idle.
    let address = server.stop().await;
    let server = TcpServer::restart(address, Behaviour::KeepAlive).await;
    tokio::time::sleep(Duration::from_millis(50)).await;

    start(&client).await.unwrap();
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn an_answer_cut_off_by_a_reset_is_a_transport_error_retried_only_when_idempotent() {
    let server = TcpServer::start(Behaviour::ResetFirstMidAnswer).await;
    let retrying = Client::builder(&server.url())
        .retry(quick_retries())
        .build()
        .unwrap();

    let error = start(&retrying).await.unwrap_err();
    assert!(error.is_transport() && error.is_retryable(), "{error:?}");
    assert_eq!(
        server.connections(),
        1,
        "a start that may have run is not resent"
    );

    let server = TcpServer::start(Behaviour::ResetFirstMidAnswer).await;
    let retrying = Client::builder(&server.url())
        .retry(quick_retries())
        .build()
        .unwrap();
    assert_eq!(list(&retrying).await.unwrap(), serde_json::json!({}));
    assert_eq!(
        server.connections(),
        2,
        "the reset connection is not reused"
    );
}

#[tokio::test]
async fn more_concurrent_calls_than_idle_connections_open_more_and_keep_them() {
    let server = TcpServer::start(Behaviour::Slow(Duration::from_millis(100))).await;
    let client = client(&server.url());
    start(&client).await.unwrap();
    assert_eq!(server.connections(), 1);

    for round in 0..2 {
        let mut calls = JoinSet::new();
        for _ in 0..8 {
            let client = client.clone();
            calls.spawn(async move { start(&client).await });
        }
        while let Some(answer) = calls.join_next().await {
            answer.unwrap().unwrap();
        }
        // Eight at once need eight connections; the second round finds them all idle.
        assert_eq!(server.connections(), 8, "round {round}");
    }
}

#[tokio::test]
async fn an_answer_over_the_size_limit_closes_its_connection() {
    let server = TcpServer::start(Behaviour::LargeFirst).await;
    let client = Client::builder(&server.url())
        .retry(RetryConfig::disabled())
        .max_response_size(1024)
        .build()
        .unwrap();

    let error = list(&client).await.unwrap_err();
    assert!(!error.is_retryable(), "{error:?}");
    // The rest of the long answer must not be read as the next one.
    assert_eq!(list(&client).await.unwrap(), serde_json::json!({}));
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn an_answer_abandoned_at_the_timeout_closes_its_connection() {
    let server = TcpServer::start(Behaviour::StallFirstMidAnswer).await;
    let client = Client::builder(&server.url())
        .retry(RetryConfig::disabled())
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();

    let error = list(&client).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(list(&client).await.unwrap(), serde_json::json!({}));
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn idle_connections_close_after_the_idle_timeout() {
    let server = TcpServer::start(Behaviour::KeepAlive).await;
    let client = Client::builder(&server.url())
        .retry(RetryConfig::disabled())
        .pool_idle_timeout(Duration::from_millis(100))
        .build()
        .unwrap();

    start(&client).await.unwrap();
    start(&client).await.unwrap();
    assert_eq!(server.connections(), 1, "reused within the idle timeout");

    tokio::time::sleep(Duration::from_millis(400)).await;
    // The pool closed the connection by itself, not only stopped using it.
    assert_eq!(server.closed_by_client.load(Ordering::SeqCst), 1);
    start(&client).await.unwrap();
    assert_eq!(server.connections(), 2);
}
