//! The innermost service: the connection pool, reading each answer whole.

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::Error;
use crate::connection_pool::ConnectionPool;
use crate::error::Kind;

#[cfg(feature = "rustls")]
pub(crate) type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
#[cfg(not(feature = "rustls"))]
pub(crate) type Connector = HttpConnector;

/// The connection settings of the innermost service.
///
/// No `Debug`: a TLS configuration may hold a client certificate's private key.
pub(crate) struct ConnectionSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) pool_idle_timeout: Duration,
    /// The longest answer body read, in bytes.
    pub(crate) max_response_size: usize,
    /// The user's TLS configuration; `None` for the default (ring, webpki roots).
    #[cfg(feature = "rustls")]
    pub(crate) tls_config: Option<rustls::ClientConfig>,
}

/// Sends each request (absolute URI) over a pooled (keep-alive) connection and collects the
/// whole answer body, up to a size limit, so that the attempt timeout above covers reading it.
/// A connect error gives the request back ([`Error::take_unsent`]).
#[derive(Debug, Clone)]
pub(crate) struct HyperService {
    pool: ConnectionPool,
    max_response_size: usize,
}

impl HyperService {
    #[cfg_attr(
        not(feature = "rustls"),
        allow(
            clippy::needless_pass_by_value,
            reason = "with the `rustls` feature, its TLS configuration is moved into the connector"
        )
    )]
    pub(crate) fn new(settings: ConnectionSettings) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(settings.connect_timeout));
        http.set_nodelay(true);
        #[cfg(feature = "rustls")]
        let connector = connector(http, settings.tls_config)?;
        #[cfg(not(feature = "rustls"))]
        let connector = http;
        Ok(HyperService {
            pool: ConnectionPool::new(connector, settings.pool_idle_timeout),
            max_response_size: settings.max_response_size,
        })
    }
}

/// The https connector around `http`, from the user's TLS configuration or the default one.
#[cfg(feature = "rustls")]
fn connector(
    mut http: HttpConnector,
    tls_config: Option<rustls::ClientConfig>,
) -> Result<Connector, Error> {
    use crate::error::RequestError;

    // The https connector hands plain http URIs to this one.
    http.enforce_http(false);
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let builder = match tls_config {
        Some(mut config) => {
            // The connector sets ALPN from the protocols it enables (and panics on a config
            // that already has some); with HTTP/1.1 only, it offers none.
            config.alpn_protocols.clear();
            builder.with_tls_config(config)
        }
        // The provider is passed explicitly: a library must not install the process-wide
        // default, and relying on it would panic if another crate enabled a second provider.
        // rustls 0.23.48 deprecates ring's provider for its lack of post-quantum key exchange;
        // ring stays the choice (aws-lc-rs needs a C toolchain and CMake to build), and a
        // user who wants post-quantum passes a config of their own (`tls_config`). Allowed
        // here, or every build of a user's project would warn.
        None => builder
            .with_provider_and_webpki_roots({
                #[allow(deprecated)]
                rustls::crypto::ring::default_provider()
            })
            .map_err(|error| Error::request(RequestError::Tls(error.into())))?,
    };
    Ok(builder.https_or_http().enable_http1().wrap_connector(http))
}

impl HyperService {
    /// The connection pool itself, for requests that do not go through the stack (upgrades).
    pub(crate) fn pool(&self) -> ConnectionPool {
        self.pool.clone()
    }
}

impl HyperService {
    /// Sends `request` (absolute URI) and reads the whole answer.
    pub(crate) async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let (response, connection) = self.pool.send(request.map(Full::new)).await?;
        let (parts, body) = response.into_parts();
        let limit = self.max_response_size;
        let body = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<LengthLimitError>() {
                    Error::new(Kind::TooLarge(limit))
                } else {
                    Error::transport(error)
                }
            })?
            .to_bytes();
        connection.release();
        Ok(Response::from_parts(parts, body))
    }
}
