//! The client's configuration, and the assembly of its stack.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::HeaderValue;
use http::{Request, Response};
use process_engine_api_types::routes;
use tower::{Layer, Service};

use crate::base_uri::BaseUri;
use crate::client::{Client, Shared, Stack};
use crate::error::AuthError;
use crate::error::RequestError;
use crate::hyper_service::{ConnectionSettings, HyperService};
use crate::layers::dispatch::auth::{self, Auth};
use crate::layers::dispatch::{Dispatch, Retries, Settings};
use crate::layers::trace::TraceLayer;
use crate::layers::user::{self, UserLayer};
use crate::oauth::{ClientCredentials, ClientCredentialsSource, Exchange};
use crate::pacing::{Controller, Pacer};
use crate::upgrade::Upgrader;
use crate::{BoxError, BoxedService, Error, Identity, Pacing, RetryConfig, TokenSource};

/// Configures and builds a [`Client`].
///
/// `Debug` never shows the token, nor a TLS configuration (only whether one is set).
#[derive(Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    attempt_timeout: Duration,
    deadline: Duration,
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
    max_response_size: usize,
    retry: RetryConfig,
    pacing: Pacing,
    user_agent: String,
    layers: Vec<UserLayer>,
    #[cfg(feature = "rustls")]
    tls_config: Option<rustls::ClientConfig>,
}

/// Where the identity comes from. A fixed one is checked when the client is built; a source's
/// answer can only be checked on each attempt.
#[derive(Clone, Debug)]
enum Credentials {
    Static(Identity),
    Source(Arc<dyn TokenSource>),
    /// Made into a source at `build`, with the client's connections and settings.
    ClientCredentials(ClientCredentials),
}

impl ClientBuilder {
    /// A builder for a client of the engine at `base_url` (`http://localhost:8000`; a path
    /// prefix such as `http://host/engine` is kept in front of every route's path).
    pub fn new(base_url: &str) -> Self {
        ClientBuilder {
            base_url: base_url.to_owned(),
            credentials: Credentials::Static(Identity::dummy()),
            attempt_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(4),
            max_response_size: 64 * 1024 * 1024,
            retry: RetryConfig::default(),
            pacing: Pacing::default(),
            user_agent: concat!("process-engine-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
            layers: Vec::new(),
            #[cfg(feature = "rustls")]
            tls_config: None,
        }
    }

    /// Calls the engine as `identity` (default: [`Identity::dummy`]). A token that cannot be
    /// sent in a header (a line break, say) makes [`build`](Self::build) fail.
    ///
    /// A call with an identity of its own ([`Call::identity`]) is made as that instead.
    ///
    /// [`Call::identity`]: crate::Call::identity
    pub fn identity(mut self, identity: Identity) -> Self {
        self.credentials = Credentials::Static(identity);
        self
    }

    /// Sends `token` as bearer token; the user id of the identity is left empty, as the engine
    /// reads it from the token. A token that cannot be sent in a header makes
    /// [`build`](Self::build) fail.
    pub fn bearer_token(self, token: impl Into<String>) -> Self {
        self.identity(Identity::new(token, ""))
    }

    /// Asks `source` for the identity before every attempt (for tokens that expire). A token
    /// that cannot be sent in a header fails that attempt with an [`Error::is_auth`] error.
    ///
    /// Calls with an identity of their own ([`Call::identity`]) are made as that, without
    /// asking `source`.
    ///
    /// [`Call::identity`]: crate::Call::identity
    pub fn token_source(mut self, source: impl TokenSource + 'static) -> Self {
        self.credentials = Credentials::Source(Arc::new(source));
        self
    }

    /// Gets tokens from an OAuth 2.0 identity server with the client-credentials grant: the
    /// identity to deploy with. The authority is the one `credentials` names, else the one the
    /// engine names at `GET /security/authority`; its discovery document names the token
    /// endpoint. See [`oauth`](crate::oauth).
    ///
    /// Tokens are kept while they are fresh and renewed once for all calls shortly before they
    /// expire; the identity's user id is the token's `sub`. A call the engine answers `401` is
    /// sent once more with a new token; a second `401` is an [`Error::is_auth`] error that is
    /// also [`Error::is_status`]. The token requests go over the client's connections (its TLS
    /// settings and connect timeout), each limited by the
    /// [`attempt_timeout`](Self::attempt_timeout), and are tried again with the client's
    /// [`retry`](Self::retry) settings when the failure may pass.
    ///
    /// Calls with an identity of their own ([`Call::identity`]) are made as that.
    ///
    /// [`Call::identity`]: crate::Call::identity
    pub fn client_credentials(mut self, credentials: ClientCredentials) -> Self {
        self.credentials = Credentials::ClientCredentials(credentials);
        self
    }

    /// The time limit of one attempt, reading the answer included (default 30 s). Calls that
    /// wait on purpose (long polls, blocking starts) override it with [`Call::attempt_timeout`].
    ///
    /// [`Call::attempt_timeout`]: crate::Call::attempt_timeout
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The time limit of a whole call, every attempt and backoff included (default 120 s).
    ///
    /// A call's own [`Call::deadline`] replaces it. A call that overrides only its
    /// [`Call::attempt_timeout`] with a longer one runs under that instead, so that it gets one
    /// whole attempt. A retry whose backoff would end after the deadline is not made: the call
    /// ends with the last answer or error, not with "deadline passed".
    ///
    /// [`Call::deadline`]: crate::Call::deadline
    /// [`Call::attempt_timeout`]: crate::Call::attempt_timeout
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The time limit for opening a connection (default 10 s).
    ///
    /// It never outlasts the client's [`attempt_timeout`](Self::attempt_timeout): the
    /// connector's limit is the shorter of this and nine tenths of the attempt timeout, so that
    /// a connection that cannot be made in time is a connect error (the request never left, and
    /// every call may be sent again) rather than an attempt timeout. The tenth is the connect's
    /// head start: its timer starts a little after the attempt's (after the token source has
    /// answered), and with equal limits the attempt's would fire first. A call's longer
    /// [`Call::attempt_timeout`] does not raise it; a call's shorter one may still end an
    /// attempt during the connect.
    ///
    /// [`Call::attempt_timeout`]: crate::Call::attempt_timeout
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The longest answer body the client reads, in bytes (default 64 MiB). A longer one ends
    /// the attempt with an error ("the answer exceeded N bytes") that is never retried.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// How long an unused connection stays in the pool (default 4 s).
    ///
    /// The engine (Node.js) closes connections that were idle for 5 s; a request sent on such a
    /// connection just as the engine closes it is lost, and one that is not idempotent cannot
    /// be retried. Keep this below the keep-alive timeout of the engine or proxy in front.
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// How calls are retried (default [`RetryConfig::default`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// How the calls after which the engine moves an instance on are spaced (default
    /// [`Pacing::Adaptive`]): starts, finishes of tasks of every kind, message and signal
    /// triggers. One pacer serves the client and all its clones.
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// The `User-Agent` header (default `process-engine-rs/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Connects to `https` base URLs with `config` instead of the default (the ring provider
    /// and the webpki roots, that is Mozilla's root certificates): to trust a private CA, or to
    /// present a client certificate.
    ///
    /// Build the configuration with the crate's re-export `process_engine_transport::rustls`, so that
    /// its version is the one the client uses, and pass the crypto provider explicitly
    /// (`builder_with_provider`): `ClientConfig::builder()` relies on a process-wide default,
    /// which this crate does not install, and panics when rustls cannot pick one (when another
    /// crate enables a second provider, say). The client speaks HTTP/1.1 only, so the
    /// configuration's `alpn_protocols` are replaced by none. Plain `http` base URLs are still
    /// allowed; the configuration then goes unused.
    ///
    /// A failed TLS handshake (a certificate the configuration does not trust, say) is an
    /// [`Error::is_connect`] error: the request never left.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    ///
    /// use process_engine_transport::Client;
    /// use process_engine_transport::rustls::crypto::ring;
    /// use process_engine_transport::rustls::pki_types::CertificateDer;
    /// use process_engine_transport::rustls::{ClientConfig, RootCertStore};
    ///
    /// # fn run(private_ca: CertificateDer<'static>) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut roots = RootCertStore::empty();
    /// roots.add(private_ca)?;
    /// // rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange).
    /// #[allow(deprecated)]
    /// let provider = Arc::new(ring::default_provider());
    /// let config = ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth(); // or `.with_client_auth_cert(chain, key)?`
    /// let client = Client::builder("https://engine.internal:8000")
    ///     .tls_config(config)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "rustls")]
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// Adds a tower layer of your own (metrics, rate limiting, a stand-in for tests).
    ///
    /// Users' layers sit between the trace span and the deadline: they see each call once (not
    /// each attempt), with a [`CallInfo`](crate::CallInfo) in the request's extensions and a
    /// URI of path and query only. The first layer added is the outermost. Errors of the
    /// client that pass through come back unchanged; the layer's own errors become
    /// [`Error::is_layer`] errors.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<BoxedService> + Send + Sync + 'static,
        L::Service:
            Service<Request<Bytes>, Response = Response<Bytes>> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request<Bytes>>>::Error: Into<BoxError>,
        <L::Service as Service<Request<Bytes>>>::Future: Send + 'static,
    {
        self.layers.push(user::boxed(layer));
        self
    }

    /// Builds the client. Fails with an [`Error::is_request`] error on a base URL that is not
    /// an absolute `http` (or, with the `rustls` feature, `https`) URL without credentials,
    /// query or fragment, on an invalid user agent or retry configuration; and with an
    /// [`Error::is_auth`] error on an [`identity`](Self::identity) or
    /// [`bearer_token`](Self::bearer_token) that cannot be sent in a header, or
    /// [`client_credentials`](Self::client_credentials) that cannot work (an empty client id,
    /// an authority that is not an `http` or `https` URL).
    ///
    /// Needs no runtime; the client must be used inside a tokio runtime.
    pub fn build(self) -> Result<Client, Error> {
        self.retry
            .validate()
            .map_err(|reason| Error::request(RequestError::RetryConfig(reason)))?;
        check_port(&self.base_url).map_err(|error| error.with_base_url(&self.base_url))?;
        let base =
            BaseUri::parse(&self.base_url).map_err(|error| error.with_base_url(&self.base_url))?;
        if base.is_https() && !cfg!(feature = "rustls") {
            return Err(Error::request(RequestError::HttpsDisabled));
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|error| Error::request(RequestError::UserAgent(error)))?;
        let http = HyperService::new(ConnectionSettings {
            connect_timeout: connect_limit(self.connect_timeout, self.attempt_timeout),
            pool_idle_timeout: self.pool_idle_timeout,
            max_response_size: self.max_response_size,
            #[cfg(feature = "rustls")]
            tls_config: self.tls_config,
        })?;
        // The header for the calls, and the source that `Client::identity` asks (protocols
        // beside the HTTP calls, such as the engine's events, send the same identity).
        let (credentials, identity): (_, Arc<dyn TokenSource>) = match self.credentials {
            Credentials::Static(identity) => (
                auth::Credentials::Header(auth::bearer(identity.token())?),
                Arc::new(identity),
            ),
            Credentials::Source(source) => (auth::Credentials::Source(Arc::clone(&source)), source),
            Credentials::ClientCredentials(credentials) => {
                credentials
                    .validate()
                    .map_err(|reason| Error::auth(AuthError::Credentials(reason)))?;
                let exchange =
                    Exchange::new(http.clone(), user_agent.clone(), self.attempt_timeout);
                // The base URL was checked above: absolute, no query or fragment.
                let engine_route = format!(
                    "{}{}",
                    self.base_url.trim_end_matches('/'),
                    routes::GET_AUTHORITY.path
                )
                .parse()
                .map_err(|error| Error::request(RequestError::Build(http::Error::from(error))))?;
                let source: Arc<dyn TokenSource> = Arc::new(ClientCredentialsSource::new(
                    credentials,
                    exchange,
                    engine_route,
                    self.retry.clone(),
                ));
                (auth::Credentials::Source(Arc::clone(&source)), source)
            }
        };

        let pacer = match self.pacing {
            Pacing::Adaptive => Some(Pacer::new(Controller::adaptive())),
            Pacing::Fixed(gap) => Some(Pacer::new(Controller::fixed(gap))),
            Pacing::Off => None,
        };
        let upgrader = Upgrader {
            pool: http.pool(),
            base: base.clone(),
            timeout: self.attempt_timeout,
        };
        let core = Dispatch::new(Settings {
            base,
            deadline: self.deadline,
            attempt_timeout: self.attempt_timeout,
            retries: Retries::new(self.retry),
            pacer,
            auth: Auth::new(credentials),
            http,
        });
        // Without users' layers the span and the dispatch of a call are one boxed future.
        let stack: Arc<dyn Stack> = if self.layers.is_empty() {
            Arc::new(core.traced())
        } else {
            let users = self
                .layers
                .iter()
                .rev()
                .fold(BoxedService::new(core), |inner, layer| layer(inner));
            Arc::new(TraceLayer.layer(users))
        };

        Ok(Client::from_parts(
            stack,
            Shared {
                base_url: self.base_url,
                user_agent,
                identity,
                upgrader,
            },
        ))
    }
}

/// Refuses a base URL whose port is not one a connection can be made to.
///
/// The `http` crate reads a port that does not fit in 16 bits as no port at all, and the
/// requests would go to the scheme's default port instead (`http://host:99999` to port 80). Port
/// 0 cannot be connected to either. A URL that does not parse is left to [`BaseUri::parse`],
/// which says what is wrong with it.
fn check_port(url: &str) -> Result<(), Error> {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Ok(());
    };
    let Some(authority) = uri.authority() else {
        return Ok(());
    };
    let authority = authority.as_str();
    // The port follows the last colon after the host, which may be an IPv6 literal in brackets.
    let host_end = authority.rfind(']').unwrap_or(0);
    let Some(colon) = authority[host_end..].rfind(':') else {
        return Ok(());
    };
    let port = &authority[host_end + colon + 1..];
    match port.parse::<u16>() {
        Ok(1..) => Ok(()),
        // `host:` names no port: the scheme's default, as the `http` crate reads it.
        _ if port.is_empty() => Ok(()),
        _ => Err(Error::request(RequestError::BaseUrl {
            reason: "its port is not a number from 1 to 65535",
            source: None,
        })),
    }
}

/// The connector's time limit: `connect`, but never more than nine tenths of `attempt`, so that
/// the connector gives up (a connect error: the request never left) before the attempt does.
fn connect_limit(connect: Duration, attempt: Duration) -> Duration {
    connect.min(attempt - attempt / 10)
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut builder = f.debug_struct("ClientBuilder");
        builder
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("deadline", &self.deadline)
            .field("connect_timeout", &self.connect_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("max_response_size", &self.max_response_size)
            .field("retry", &self.retry)
            .field("pacing", &self.pacing)
            .field("user_agent", &self.user_agent)
            .field("layers", &self.layers.len());
        // A configuration may hold a client certificate's private key: only say whether there
        // is one.
        #[cfg(feature = "rustls")]
        builder.field(
            "tls_config",
            &format_args!(
                "{}",
                if self.tls_config.is_some() {
                    "custom"
                } else {
                    "default"
                }
            ),
        );
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_no_connection_can_be_made_to_is_refused() {
        for url in [
            "http://127.0.0.1:99999",
            "http://127.0.0.1:65536/engine",
            "http://localhost:0",
            "http://[::1]:70000",
            "https://engine:8a",
        ] {
            let error = Client::builder(url).build().unwrap_err();
            assert!(error.is_request(), "{url}: {error:?}");
            assert_eq!(
                error.to_string(),
                format!(
                    "the base URL `{url}` is not valid: its port is not a number from 1 to 65535"
                )
            );
            assert_eq!(error.base_url(), Some(url));
        }
        for url in [
            "http://127.0.0.1:65535",
            "http://127.0.0.1:1/engine",
            "http://[::1]:8000",
            "http://[::1]",
            "http://localhost",
            "http://localhost:",
        ] {
            assert!(Client::builder(url).build().is_ok(), "{url}");
        }
    }

    #[test]
    fn an_invalid_base_url_is_named_in_the_error() {
        let error = Client::builder("ftp://engine").build().unwrap_err();
        assert_eq!(
            error.to_string(),
            "the base URL `ftp://engine` is not valid: the scheme is neither http nor https"
        );
    }

    #[test]
    fn the_connect_timeout_gives_up_before_the_attempt() {
        let secs = Duration::from_secs;
        assert_eq!(connect_limit(secs(10), secs(30)), secs(10));
        assert_eq!(connect_limit(secs(10), secs(10)), secs(9));
        assert_eq!(connect_limit(secs(10), secs(1)), Duration::from_millis(900));
        assert_eq!(connect_limit(secs(10), Duration::MAX), secs(10));
        assert_eq!(connect_limit(secs(10), Duration::ZERO), Duration::ZERO);
    }
}
