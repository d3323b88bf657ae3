//! Connections that switch to another protocol (a websocket), opened through the client's own
//! connector: the same TLS configuration, connect timeout and base URL as its calls, no proxy.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderMap, USER_AGENT};
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use process_engine_api_types::error::EngineError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::base_uri::BaseUri;
use crate::connection_pool::ConnectionPool;
use crate::error::{Kind, RequestError};
use crate::{Client, Error};

/// The longest refusal body read: an upgrade's answer is headers, a refusal a short message.
const MAX_REFUSAL: usize = 64 * 1024;

/// What the client needs to open upgraded connections.
#[derive(Clone)]
pub(crate) struct Upgrader {
    pub(crate) pool: ConnectionPool,
    pub(crate) base: BaseUri,
    /// The time limit of the whole handshake: the client's attempt timeout.
    pub(crate) timeout: Duration,
}

/// A connection the engine switched to another protocol (`101 Switching Protocols`), to be
/// read and written in that protocol: a byte stream for tokio.
pub struct Upgraded {
    io: TokioIo<hyper::upgrade::Upgraded>,
}

impl fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upgraded").finish_non_exhaustive()
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl Client {
    /// Sends `GET <base URL><path_and_query>` with `headers` (the upgrade's own, such as
    /// `Upgrade: websocket` and its key) and returns the connection once the engine switched
    /// protocols, with the headers of its `101` answer.
    ///
    /// The connection is made as the client's calls are made: through its connector (TLS with
    /// its configuration for `https`), with its connect timeout, to its base URL only, with its
    /// `User-Agent`. The client's identity is not added: the other protocol says how it wants
    /// its credentials. Nothing is retried; the whole handshake has the client's attempt
    /// timeout.
    ///
    /// Errors: [`Error::is_connect`] when no connection could be made, [`Error::is_status`]
    /// with the engine's status and message when it answered other than `101`,
    /// [`Error::is_timeout`], [`Error::is_transport`] when the exchange broke off.
    pub async fn upgrade(
        &self,
        path_and_query: &str,
        headers: HeaderMap,
    ) -> Result<(http::response::Parts, Upgraded), Error> {
        let upgrader = &self.shared.upgrader;
        let target: Uri = path_and_query
            .parse()
            .map_err(|error: http::uri::InvalidUri| {
                Error::request(RequestError::Build(error.into()))
            })?;
        let mut request = Request::builder()
            .method(Method::GET)
            .uri(upgrader.base.join(target)?)
            .body(Full::new(Bytes::new()))
            .map_err(|error| Error::request(RequestError::Build(error)))?;
        *request.headers_mut() = headers;
        request
            .headers_mut()
            .insert(USER_AGENT, self.shared.user_agent.clone());
        let handshake = async {
            // The connection is the upgrade's from here on, or closes with a refusal: it does
            // not go back to the pool.
            let (response, _connection) = upgrader.pool.send(request).await?;
            if response.status() != StatusCode::SWITCHING_PROTOCOLS {
                return Err(refusal(response).await);
            }
            let mut response = response;
            let on_upgrade = hyper::upgrade::on(&mut response);
            let (parts, _empty) = response.into_parts();
            let upgraded = on_upgrade.await.map_err(Error::transport)?;
            Ok((
                parts,
                Upgraded {
                    io: TokioIo::new(upgraded),
                },
            ))
        };
        tokio::time::timeout(upgrader.timeout, handshake)
            .await
            .unwrap_or_else(|_| Err(Error::new(Kind::AttemptTimeout(upgrader.timeout))))
            .map_err(|error| error.with_operation("upgrade"))
    }
}

/// The engine's answer to an upgrade it did not make, as an error with its status and message.
async fn refusal(response: http::Response<hyper::body::Incoming>) -> Error {
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, MAX_REFUSAL)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    Error::from_answer(
        EngineError::from_response(parts.status.as_u16(), &body),
        parts.headers,
    )
}
