//! The client's connections: HTTP/1.1, kept alive and reused, one exchange at a time on each.
//!
//! hyper's own connection (`hyper::client::conn::http1`) under a pool of idle connections per
//! origin, rather than hyper-util's legacy client. The legacy client does, for every request,
//! what a client of one engine does not need: it hashes the origin into a map of pools, races
//! the checkout against a lazily started connect, boxes its futures, and spawns a task per
//! answer to put the connection back once it is idle. Measured against a server that answers at
//! once (`cargo xtask bench start`), that was about 12,000 instructions of a 46,000-instruction
//! exchange. Here the connection goes back to the pool when the caller has read the answer
//! whole, which the client always does; an origin is a string compared byte for byte (a client
//! talks to one engine, and its token source to one authority).

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::header::HeaderValue;
use http::uri::Scheme;
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::Error;
use crate::hyper_service::Connector;

type Sender = SendRequest<Full<Bytes>>;

/// The idle connections of a client (and its clones), by origin.
#[derive(Clone)]
pub(crate) struct ConnectionPool {
    shared: Arc<Shared>,
}

struct Shared {
    connector: Connector,
    idle_timeout: Duration,
    idle: Mutex<Idle>,
}

#[derive(Default)]
struct Idle {
    connections: Vec<IdleConnection>,
    /// Whether a task closes the connections that stay idle too long.
    reaping: bool,
}

/// Where a connection goes: what a request's URI must match to use it.
#[derive(PartialEq, Eq)]
struct Origin {
    https: bool,
    authority: Box<str>,
}

struct IdleConnection {
    origin: Origin,
    host: HeaderValue,
    sender: Sender,
    since: Instant,
}

/// A connection taken from the pool (or made) for one exchange. [`Lease::release`] puts it
/// back once the answer was read whole; dropped instead, the connection closes.
pub(crate) struct Lease {
    shared: Arc<Shared>,
    origin: Origin,
    host: HeaderValue,
    sender: Sender,
}

impl std::fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionPool")
            .field("idle_timeout", &self.shared.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl ConnectionPool {
    pub(crate) fn new(connector: Connector, idle_timeout: Duration) -> Self {
        ConnectionPool {
            shared: Arc::new(Shared {
                connector,
                idle_timeout,
                idle: Mutex::new(Idle::default()),
            }),
        }
    }

    /// Sends `request` (absolute URI) on an idle connection to its origin, or a new one, and
    /// returns the answer's head with the connection it came on.
    ///
    /// A request that an idle connection could not take (the server had closed it) goes on
    /// another one: it never left. A failure to connect is an [`Error::is_connect`] error, which
    /// gives the request back as it came (see [`Error::take_unsent`]); a connection that broke
    /// off after the request went out, an [`Error::is_transport`] one.
    pub(crate) async fn send(
        &self,
        mut request: Request<Full<Bytes>>,
    ) -> Result<(Response<Incoming>, Lease), Error> {
        // The connection wants the request in origin form (path and query only).
        let uri = std::mem::take(request.uri_mut());
        let (https, authority) = Origin::parts(&uri)?;
        let target = uri.path_and_query().cloned();
        *request.uri_mut() = target.map_or_else(|| Uri::from_static("/"), Uri::from);
        loop {
            // An origin of its own only for a new connection: a call on an idle one
            // allocates none.
            let (mut lease, reused) = match self.shared.take_idle(https, authority) {
                Some(lease) => (lease, true),
                None => {
                    let origin = Origin {
                        https,
                        authority: authority.into(),
                    };
                    match self.connect(&uri, origin).await {
                        Ok(lease) => (lease, false),
                        Err(error) => return Err(unsent(error, request, uri)),
                    }
                }
            };
            // A connection put back as its answer ended may need a moment to be ready again;
            // one that closed meanwhile is dropped for the next.
            if lease.sender.ready().await.is_err() {
                if reused {
                    continue;
                }
                let error = Error::connect("the new connection closed at once");
                return Err(unsent(error, request, uri));
            }
            request
                .headers_mut()
                .entry(http::header::HOST)
                .or_insert_with(|| lease.host.clone());
            match lease.sender.try_send_request(request).await {
                Ok(response) => return Ok((response, lease)),
                Err(mut error) => match error.take_message() {
                    // The server closed the idle connection before the request was written.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(Error::transport(error.into_error())),
                },
            }
        }
    }

    /// A new connection to `uri`'s origin, its HTTP/1 state driven by a task of its own.
    async fn connect(&self, uri: &Uri, origin: Origin) -> Result<Lease, Error> {
        let io = self
            .shared
            .connector
            .clone()
            .oneshot(uri.clone())
            .await
            .map_err(Error::connect)?;
        let (sender, connection) = http1::handshake(io).await.map_err(Error::connect)?;
        tokio::spawn(async move {
            // Upgrades (a websocket) take the connection over; anything else ends it.
            if let Err(error) = connection.with_upgrades().await {
                tracing::debug!(
                    error = &error as &dyn std::error::Error,
                    "connection closed"
                );
            }
        });
        Ok(Lease {
            shared: Arc::clone(&self.shared),
            host: origin.host()?,
            origin,
            sender,
        })
    }
}

impl Shared {
    fn idle(&self) -> std::sync::MutexGuard<'_, Idle> {
        // Pushes and removals only: a panic elsewhere leaves the list whole.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most recently used open connection to `origin` (its socket is the warmest), if it
    /// has not been idle too long.
    fn take_idle(self: &Arc<Self>, https: bool, authority: &str) -> Option<Lease> {
        let now = Instant::now();
        let mut idle = self.idle();
        while let Some(index) = idle
            .connections
            .iter()
            .rposition(|c| c.origin.https == https && *c.origin.authority == *authority)
        {
            let connection = idle.connections.swap_remove(index);
            if connection.sender.is_closed() || now - connection.since >= self.idle_timeout {
                continue;
            }
            return Some(Lease {
                shared: Arc::clone(self),
                origin: connection.origin,
                host: connection.host,
                sender: connection.sender,
            });
        }
        None
    }

    fn put_back(self: &Arc<Self>, connection: IdleConnection) {
        let mut idle = self.idle();
        idle.connections.push(connection);
        if !idle.reaping {
            idle.reaping = true;
            tokio::spawn(reap(Arc::downgrade(self), self.idle_timeout));
        }
    }
}

/// Closes the connections idle for `timeout` or longer, checking every `timeout`, until no
/// connection is idle or the pool is gone.
async fn reap(shared: Weak<Shared>, timeout: Duration) {
    loop {
        tokio::time::sleep(timeout).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let now = Instant::now();
        let mut idle = shared.idle();
        // Dropping the sender of an idle connection closes it.
        idle.connections
            .retain(|c| !c.sender.is_closed() && now - c.since < timeout);
        if idle.connections.is_empty() {
            idle.reaping = false;
            return;
        }
    }
}

impl Lease {
    /// Puts the connection back for the next exchange: its answer was read whole.
    pub(crate) fn release(self) {
        let Lease {
            shared,
            origin,
            host,
            sender,
        } = self;
        if sender.is_closed() {
            return;
        }
        shared.put_back(IdleConnection {
            origin,
            host,
            sender,
            since: Instant::now(),
        });
    }
}

impl Origin {
    /// Whether `uri` is https, and its authority.
    fn parts(uri: &Uri) -> Result<(bool, &str), Error> {
        let https = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTP => false,
            Some(scheme) if *scheme == Scheme::HTTPS => true,
            _ => {
                return Err(Error::connect(
                    "the URI is not an absolute http or https URI",
                ));
            }
        };
        let authority = uri
            .authority()
            .ok_or_else(|| Error::connect("the URI has no host"))?;
        Ok((https, authority.as_str()))
    }

    /// The `Host` header: the host, and the port unless it is the scheme's default.
    fn host(&self) -> Result<HeaderValue, Error> {
        let default_port = if self.https { 443 } else { 80 };
        let authority: http::uri::Authority = self
            .authority
            .parse()
            .map_err(|error: http::uri::InvalidUri| Error::connect(error))?;
        let host = match authority.port_u16() {
            Some(port) if port != default_port => format!("{}:{port}", authority.host()),
            _ => authority.host().to_owned(),
        };
        HeaderValue::from_str(&host).map_err(Error::connect)
    }
}

/// `error` with the request that never left, as it came to [`ConnectionPool::send`] (its
/// absolute URI back in place), so that the call can send it again.
fn unsent(error: Error, request: Request<Full<Bytes>>, uri: Uri) -> Error {
    let (mut parts, body) = request.into_parts();
    parts.uri = uri;
    let body = body.into_inner().unwrap_or_default();
    error.with_unsent(Request::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Origin {
        let uri = url.parse().unwrap();
        let (https, authority) = Origin::parts(&uri).unwrap();
        Origin {
            https,
            authority: authority.into(),
        }
    }

    #[test]
    fn the_host_header_leaves_out_the_default_port() {
        assert_eq!(origin("http://h:8000/x").host().unwrap(), "h:8000");
        assert_eq!(origin("http://h:80/x").host().unwrap(), "h");
        assert_eq!(origin("https://h:443/").host().unwrap(), "h");
        assert_eq!(origin("https://h:80/").host().unwrap(), "h:80");
        assert_eq!(origin("http://[::1]:8000/").host().unwrap(), "[::1]:8000");
    }

    #[test]
    fn origins_differ_by_scheme_and_authority() {
        assert!(origin("http://h:8000/a") == origin("http://h:8000/b?c"));
        assert!(origin("http://h:8000/") != origin("https://h:8000/"));
        assert!(origin("http://h:8000/") != origin("http://h:8001/"));
        assert!(Origin::parts(&"/relative".parse().unwrap()).is_err());
    }
}
