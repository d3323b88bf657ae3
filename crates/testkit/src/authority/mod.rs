//! An OAuth 2.0 authority for tests, served by the stand-in engine beside its API: an OpenID
//! discovery document and a token endpoint that grants client credentials.
//!
//! ProcessEngine 8.0.0 names its identity server at `GET /security/authority` and reads the
//! user id from the JWT it is given; it checks neither signature nor expiry. Deployments put a
//! gateway in front that does; [`TestAuthority::guard_engine`] makes the stand-in engine that
//! gateway for the tokens of its authority.

mod endpoints;
mod tokens;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::HeaderMap;
use http::header::AUTHORIZATION;
use process_engine_api_types::Route;
use process_engine_api_types::route::{Method, Retry, Success};

use crate::engine::Reject;
use tokens::Ledger;

/// Where the authority is served on the engine's address.
const PREFIX: &str = "/authority";

/// How a client may authenticate at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_secret_basic` and `client_secret_post` (the default).
    Both,
    /// Only `client_secret_basic`: an `Authorization: Basic` header.
    Basic,
    /// Only `client_secret_post`: `client_id` and `client_secret` in the form.
    Post,
}

/// Configures the authority of a [`TestEngine`](crate::TestEngine)
/// ([`TestEngineBuilder::authority`](crate::TestEngineBuilder::authority)).
///
/// With it, the engine serves under `<engine url>/authority`:
///
/// - `GET /authority/.well-known/openid-configuration`: the discovery document, naming the
///   token endpoint and the client authentication methods;
/// - `POST /authority/connect/token`: the client-credentials grant (RFC 6749, section 4.4) for
///   the configured clients. It answers unsigned JWTs (`sub` is the client id) with
///   `expires_in` of the configured lifetime, and `400`/`401` with an OAuth error otherwise;
///
/// and `GET /security/authority` names it. The endpoints take faults like the engine's routes:
/// [`TestEngine::fail_next`](crate::TestEngine::fail_next) and
/// [`TestEngine::delay`](crate::TestEngine::delay) with [`TestAuthority::DISCOVERY`] or
/// [`TestAuthority::TOKEN`].
///
/// `Debug` shows the client ids, not their secrets.
#[derive(Clone)]
#[must_use = "an authority does nothing until given to `TestEngineBuilder::authority`"]
pub struct TestAuthority {
    clients: Vec<(String, String)>,
    lifetime: Duration,
    client_auth: ClientAuth,
    guard: bool,
}

impl fmt::Debug for TestAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.clients.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("TestAuthority")
            .field("clients", &ids)
            .field("lifetime", &self.lifetime)
            .field("client_auth", &self.client_auth)
            .field("guard", &self.guard)
            .finish()
    }
}

impl Default for TestAuthority {
    fn default() -> Self {
        TestAuthority::new()
    }
}

impl TestAuthority {
    /// The discovery document's route, for injecting faults.
    pub const DISCOVERY: Route = Route::new(
        "authority_discovery",
        Method::Get,
        "/authority/.well-known/openid-configuration",
        &[],
        Retry::Idempotent,
        Success::Json,
        None,
    );

    /// The token endpoint's route, for injecting faults.
    pub const TOKEN: Route = Route::new(
        "authority_token",
        Method::Post,
        "/authority/connect/token",
        &[],
        Retry::Idempotent,
        Success::Json,
        None,
    );

    /// An authority without clients, granting tokens that live an hour, accepting both client
    /// authentication methods, and not guarding the engine.
    pub fn new() -> Self {
        TestAuthority {
            clients: Vec::new(),
            lifetime: Duration::from_secs(3600),
            client_auth: ClientAuth::Both,
            guard: false,
        }
    }

    /// Grants tokens to the client `id` with `secret`.
    pub fn client(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.clients.push((id.into(), secret.into()));
        self
    }

    /// How long the tokens live (default an hour). `expires_in` is in whole seconds (RFC 6749):
    /// a fraction is rounded up.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        let whole = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
        self.lifetime = Duration::from_secs(whole);
        self
    }

    /// Which client authentication methods the token endpoint accepts (and the discovery
    /// document lists).
    pub fn client_auth(mut self, methods: ClientAuth) -> Self {
        self.client_auth = methods;
        self
    }

    /// Makes the engine refuse (`401`) every API call whose token this authority did not issue,
    /// or issued and has expired or [revoked](Authority::revoke_all), as the gateway in front
    /// of a deployed engine would. The development token is refused too.
    pub fn guard_engine(mut self) -> Self {
        self.guard = true;
        self
    }
}

/// The authority of a running [`TestEngine`](crate::TestEngine): where it is, what it granted
/// and refused ([`TestEngine::authority`](crate::TestEngine::authority)).
///
/// `Debug` shows neither the clients' secrets nor the tokens issued.
#[derive(Debug)]
pub struct Authority {
    config: TestAuthority,
    url: String,
    token_endpoint: String,
    ledger: Ledger,
    grants: AtomicU64,
    refused_grants: AtomicU64,
    refused_calls: AtomicU64,
}

impl Authority {
    pub(crate) fn new(config: TestAuthority, engine_url: &str) -> Self {
        let url = format!("{engine_url}{PREFIX}");
        Authority {
            token_endpoint: format!("{engine_url}{}", TestAuthority::TOKEN.path),
            url,
            config,
            ledger: Ledger::default(),
            grants: AtomicU64::default(),
            refused_grants: AtomicU64::default(),
            refused_calls: AtomicU64::default(),
        }
    }

    /// The authority's URL (its issuer), as `GET /security/authority` answers it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The token endpoint's URL.
    pub fn token_endpoint(&self) -> &str {
        &self.token_endpoint
    }

    /// Tokens granted so far.
    pub fn grants(&self) -> u64 {
        self.grants.load(Ordering::Relaxed)
    }

    /// Token requests refused so far (an unknown client, a wrong secret, a malformed request);
    /// injected faults are not counted.
    pub fn refused_grants(&self) -> u64 {
        self.refused_grants.load(Ordering::Relaxed)
    }

    /// API calls a [guarding](TestAuthority::guard_engine) engine refused so far.
    pub fn refused_calls(&self) -> u64 {
        self.refused_calls.load(Ordering::Relaxed)
    }

    /// Revokes every token issued so far: a [guarding](TestAuthority::guard_engine) engine
    /// refuses them from now on, as after a key rotation.
    pub fn revoke_all(&self) {
        self.ledger.revoke_all();
    }

    /// Whether `path` is one of the authority's.
    pub(crate) fn serves(&self, path: &str) -> bool {
        path.strip_prefix(PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// Lets an API call through a guarding engine, or refuses it as a gateway would.
    pub(crate) fn admit(&self, path: &str, headers: &HeaderMap) -> Result<(), Reject> {
        let api = path
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("/api/"));
        if !self.config.guard || !api {
            return Ok(());
        }
        let token = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        if token.is_some_and(|token| self.ledger.is_live(token)) {
            return Ok(());
        }
        self.refused_calls.fetch_add(1, Ordering::Relaxed);
        Err(Reject::new(
            401,
            "The token is missing, expired, revoked or not issued by the authority.",
        ))
    }
}
