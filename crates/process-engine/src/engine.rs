//! One configured transport for both clients: [`Engine`] and its builder.

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use process_engine_transport::{
    BoxError, BoxedService, Client, ClientBuilder, Identity, Pacing, RetryConfig, TokenSource,
};
use tower::{Layer, Service};

use crate::Error;

/// One engine, called through one configured transport: the process-control client and the
/// external task worker it hands out share its connection pool, identity, timeouts, retry
/// budget and layers.
///
/// ```no_run
/// use std::time::Duration;
///
/// use process_engine::{Engine, Identity};
///
/// # fn run(token: String) -> Result<(), process_engine::Error> {
/// let engine = Engine::builder("https://engine.example.com:8000")
///     .identity(Identity::new(token, "order-service"))
///     .attempt_timeout(Duration::from_secs(10))
///     .build()?;
/// let control = engine.process_control();
/// let worker = engine.external_task_client();
/// # let _ = (control, worker);
/// # Ok(())
/// # }
/// ```
///
/// Cheap to clone. Needs no runtime to be built; its clients are used inside a tokio runtime.
/// The blocking process-control client is not handed out here: it runs its own runtime, and a
/// pool shared with async code would park connections on it; build it with
/// `process_control::blocking::ProcessControlClient::new`.
#[derive(Debug, Clone)]
pub struct Engine {
    client: Client,
}

impl Engine {
    /// The engine at `url` (`http://localhost:8000`), called as the engine's development
    /// identity with the transport's default timeouts and retries. Fails on a URL the
    /// transport cannot use (see [`ClientBuilder::build`]).
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::builder(url).build()
    }

    /// Configures the transport first: identity, timeouts, retries, TLS, tower layers.
    pub fn builder(url: &str) -> EngineBuilder {
        EngineBuilder {
            transport: Client::builder(url),
        }
    }

    /// The engine behind a transport client built elsewhere.
    pub fn from_client(client: Client) -> Self {
        Engine { client }
    }

    /// The engine's base URL.
    pub fn url(&self) -> &str {
        self.client.base_url()
    }

    /// The transport, for the typed operations the clients do not cover
    /// ([`Client::execute`]).
    pub fn transport(&self) -> &Client {
        &self.client
    }

    /// A process-control client on this engine's transport.
    #[cfg(feature = "process-control")]
    pub fn process_control(&self) -> crate::ProcessControlClient {
        crate::ProcessControlClient::from_client(self.client.clone())
    }

    /// An external task worker on this engine's transport: subscribe handlers, then run it.
    #[cfg(feature = "external-task")]
    pub fn external_task_client(&self) -> crate::ExternalTaskClient {
        crate::ExternalTaskClient::from_client(self.client.clone())
    }
}

impl From<Client> for Engine {
    fn from(client: Client) -> Self {
        Engine::from_client(client)
    }
}

/// Configures the transport of an [`Engine`]; each setting is the
/// [`ClientBuilder`]'s of the same name, whose docs say more.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct EngineBuilder {
    transport: ClientBuilder,
}

impl EngineBuilder {
    /// Calls the engine as `identity` ([`ClientBuilder::identity`]; default: the engine's
    /// development identity).
    pub fn identity(self, identity: Identity) -> Self {
        self.map(|b| b.identity(identity))
    }

    /// Calls the engine with this bearer token ([`ClientBuilder::bearer_token`]).
    pub fn bearer_token(self, token: impl Into<String>) -> Self {
        self.map(|b| b.bearer_token(token))
    }

    /// Asks `source` for the identity before every attempt, for tokens that expire
    /// ([`ClientBuilder::token_source`]).
    pub fn token_source(self, source: impl TokenSource + 'static) -> Self {
        self.map(|b| b.token_source(source))
    }

    /// The time limit of one attempt ([`ClientBuilder::attempt_timeout`]).
    pub fn attempt_timeout(self, timeout: Duration) -> Self {
        self.map(|b| b.attempt_timeout(timeout))
    }

    /// The time limit of a whole call, retries included ([`ClientBuilder::deadline`]).
    pub fn deadline(self, deadline: Duration) -> Self {
        self.map(|b| b.deadline(deadline))
    }

    /// The time limit of making a connection ([`ClientBuilder::connect_timeout`]).
    pub fn connect_timeout(self, timeout: Duration) -> Self {
        self.map(|b| b.connect_timeout(timeout))
    }

    /// The largest answer body read ([`ClientBuilder::max_response_size`]).
    pub fn max_response_size(self, bytes: usize) -> Self {
        self.map(|b| b.max_response_size(bytes))
    }

    /// How long an idle pooled connection is kept ([`ClientBuilder::pool_idle_timeout`]).
    pub fn pool_idle_timeout(self, timeout: Duration) -> Self {
        self.map(|b| b.pool_idle_timeout(timeout))
    }

    /// What is retried, how and how often ([`ClientBuilder::retry`]).
    pub fn retry(self, retry: RetryConfig) -> Self {
        self.map(|b| b.retry(retry))
    }

    /// How the calls that move an instance on are spaced, for every client of this engine
    /// ([`ClientBuilder::pacing`]; default adaptive).
    pub fn pacing(self, pacing: Pacing) -> Self {
        self.map(|b| b.pacing(pacing))
    }

    /// The `User-Agent` header ([`ClientBuilder::user_agent`]).
    pub fn user_agent(self, user_agent: impl Into<String>) -> Self {
        self.map(|b| b.user_agent(user_agent))
    }

    /// The TLS configuration for `https` engines: private CAs, client certificates
    /// ([`ClientBuilder::tls_config`]; cargo feature `rustls`).
    #[cfg(feature = "rustls")]
    pub fn tls_config(self, config: process_engine_transport::rustls::ClientConfig) -> Self {
        self.map(|b| b.tls_config(config))
    }

    /// Adds a tower layer of your own: metrics, rate limiting, a header
    /// ([`ClientBuilder::layer`]). It sees each call of both clients once.
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<BoxedService> + Send + Sync + 'static,
        L::Service:
            Service<Request<Bytes>, Response = Response<Bytes>> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request<Bytes>>>::Error: Into<BoxError>,
        <L::Service as Service<Request<Bytes>>>::Future: Send + 'static,
    {
        self.map(|b| b.layer(layer))
    }

    /// Builds the transport and the engine on it. Fails as [`ClientBuilder::build`] does (a
    /// URL it cannot use, a token that cannot be sent in a header, a retry configuration
    /// that cannot work).
    pub fn build(self) -> Result<Engine, Error> {
        Ok(Engine::from_client(self.transport.build()?))
    }

    /// The transport's builder with one more setting.
    fn map(self, set: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        EngineBuilder {
            transport: set(self.transport),
        }
    }
}

impl From<ClientBuilder> for EngineBuilder {
    fn from(transport: ClientBuilder) -> Self {
        EngineBuilder { transport }
    }
}
