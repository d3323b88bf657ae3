//! The HTTP server: accepts connections, runs each request through the engine's middleware and
//! handlers, and obeys the test's controls (stop accepting and drop connections, resume, stop).

mod body;
mod handlers;
mod reply;
mod request;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

use crate::engine::{Engine, Reject};
use crate::faults::Faults;
use reply::Reply;

/// What the connections share.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) engine: Engine,
    pub(crate) faults: Faults,
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
                Some(listener) => listener.accept().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            accepted = accepted => {
                let Ok((stream, _peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let closed = generation.subscribe();
                tokio::spawn(connection(stream, Arc::clone(&shared), closed));
            }
            command = commands.recv() => match command {
                Some(Command::Pause(done)) => {
                    listener = None;
                    generation.send_modify(|g| *g += 1);
                    let _ = done.send(());
                }
                Some(Command::Resume(bound)) => listener = Some(bound),
                Some(Command::Stop(done)) => {
                    drop(listener);
                    generation.send_modify(|g| *g += 1);
                    let _ = done.send(());
                    return;
                }
                None => {
                    generation.send_modify(|g| *g += 1);
                    return;
                }
            },
        }
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    shared: Arc<Shared>,
    mut closed: watch::Receiver<u64>,
) {
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, std::convert::Infallible>(handle(&shared, request).await) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection closes the socket, answered or not.
        _ = closed.changed() => {}
    }
}

async fn handle(
    shared: &Shared,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let reply = match body.collect().await {
        Err(error) => Reply::Error(Reject::new(400, error.to_string())),
        Ok(body) => {
            match request::route(&parts.method, &parts.uri, &parts.headers, &body.to_bytes()) {
                Err(reply) => reply,
                Ok(call) => match shared.faults.intercept(call.route).await {
                    Some(reject) => Reply::Error(reject),
                    None => handlers::dispatch(&shared.engine, call).await,
                },
            }
        }
    };
    tracing::debug!(method = %parts.method, path = parts.uri.path(), status = reply.status(), "answered");
    reply.into_response()
}

/// The address a listener for `addr` is bound to (resolving port 0).
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
