//! What a client-credentials source is configured with.

use std::fmt;
use std::time::Duration;

use http::Uri;
use http::uri::Scheme;

/// How the client id and secret go to the token endpoint (RFC 6749, section 2.3.1; the names
/// are those of OpenID Connect's `token_endpoint_auth_methods_supported`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// `client_secret_basic`: an `Authorization: Basic` header. Every authority must support it.
    ClientSecretBasic,
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

impl ClientAuthMethod {
    /// The method's name in a discovery document.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
            ClientAuthMethod::ClientSecretPost => "client_secret_post",
        }
    }
}

/// Where the token endpoint is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// The engine's `GET /security/authority` names the authority; its discovery document
    /// names the token endpoint.
    FromEngine,
    /// This authority's discovery document names the token endpoint.
    Authority(String),
    /// This is the token endpoint.
    TokenUrl(String),
}

/// A client secret: shown as `<redacted>` by `Debug`, and not `Display` at all.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The settings of an OAuth 2.0 client-credentials identity (RFC 6749, section 4.4): the client
/// id and secret the identity server knows the service by, the scopes to ask for, and where the
/// identity server is. Hand it to
/// [`ClientBuilder::client_credentials`](crate::ClientBuilder::client_credentials).
///
/// The client then gets a token before its first call, keeps it while it is fresh, and gets
/// a new one shortly before it expires, once for all calls that need it. See the crate's
/// `docs/auth.md` for the whole story.
///
/// ```no_run
/// use process_engine_transport::{Client, ClientCredentials};
///
/// # fn run() -> Result<(), process_engine_transport::Error> {
/// let secret = std::env::var("ENGINE_CLIENT_SECRET").unwrap_or_default();
/// let client = Client::builder("https://engine.example.com")
///     // The authority comes from the engine's `GET /security/authority` unless set here.
///     .client_credentials(ClientCredentials::new("order-service", secret).scope("engine_etw"))
///     .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
///
/// `Debug` shows `<redacted>` for the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "credentials do nothing until handed to `ClientBuilder::client_credentials`"]
pub struct ClientCredentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) scopes: Vec<String>,
    pub(crate) endpoint: Endpoint,
    pub(crate) auth_method: Option<ClientAuthMethod>,
    pub(crate) refresh_margin: Duration,
}

impl ClientCredentials {
    /// The credentials of the client `client_id` with `client_secret`; no scope, the authority
    /// the engine names, the authentication method the authority prefers, and a refresh margin
    /// of 30 s.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: Secret(client_secret.into()),
            scopes: Vec::new(),
            endpoint: Endpoint::FromEngine,
            auth_method: None,
            refresh_margin: Duration::from_secs(30),
        }
    }

    /// Asks for `scope` too (sent space-separated, in the order added).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// The identity server's URL (its OpenID issuer, such as `https://login.example.com/`),
    /// whose discovery document (`/.well-known/openid-configuration`) names the token endpoint.
    ///
    /// Without it, the client asks the engine (`GET /security/authority`, which 8.0.0 answers
    /// from its IAM configuration). That sends the client secret wherever the engine says:
    /// fine for an engine reached over `https`, but set the authority here when the engine is
    /// reached over plain `http` on a network you do not trust.
    pub fn authority(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Endpoint::Authority(url.into());
        self
    }

    /// The token endpoint itself, for an identity server without a discovery document.
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Endpoint::TokenUrl(url.into());
        self
    }

    /// How the id and secret go to the token endpoint. Default: `client_secret_basic`, unless
    /// the discovery document lists only `client_secret_post`.
    pub fn auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.auth_method = Some(method);
        self
    }

    /// How long before a token expires a new one is fetched (default 30 s; at most half the
    /// token's lifetime is used, so that short-lived tokens are still used for a while).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Checks what can be checked before anything is sent.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.client_id.is_empty() {
            return Err("the client id is empty".to_owned());
        }
        // A scope token has no spaces (RFC 6749, section 3.3): one would split it in two.
        if let Some(scope) = self
            .scopes
            .iter()
            .find(|scope| scope.is_empty() || scope.contains(' '))
        {
            return Err(format!(
                "the scope `{scope}` is empty or has a space; add one scope per call"
            ));
        }
        match &self.endpoint {
            Endpoint::FromEngine => Ok(()),
            Endpoint::Authority(url) => parse_url(url)
                .map(drop)
                .map_err(|reason| format!("the authority URL `{url}` {reason}")),
            Endpoint::TokenUrl(url) => parse_url(url)
                .map(drop)
                .map_err(|reason| format!("the token endpoint `{url}` {reason}")),
        }
    }
}

/// An absolute `http` or `https` URL without credentials or fragment; `Err` says why not.
pub(crate) fn parse_url(url: &str) -> Result<Uri, &'static str> {
    if url.contains('#') {
        return Err("has a fragment");
    }
    let uri: Uri = url.parse().map_err(|_| "is not a URL")?;
    let scheme = uri.scheme().ok_or("has no scheme")?;
    if *scheme != Scheme::HTTP && *scheme != Scheme::HTTPS {
        return Err("is neither http nor https");
    }
    if *scheme == Scheme::HTTPS && !cfg!(feature = "rustls") {
        return Err("is https, which needs the `rustls` feature of process-engine-transport");
    }
    let authority = uri.authority().ok_or("has no host")?;
    if authority.as_str().contains('@') {
        return Err("has credentials in it");
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secret() {
        let credentials = ClientCredentials::new("worker", "s3cr3t").scope("engine");
        let debug = format!("{credentials:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(
            debug.contains("worker") && debug.contains("<redacted>"),
            "{debug}"
        );
    }

    #[test]
    fn what_cannot_work_is_refused_before_anything_is_sent() {
        let ok = ClientCredentials::new("worker", "s");
        assert_eq!(ok.validate(), Ok(()));
        assert!(ok.clone().authority("https://login/").validate().is_ok());
        assert!(
            ok.clone()
                .token_endpoint("http://a/token")
                .validate()
                .is_ok()
        );
        assert_eq!(
            ClientCredentials::new("", "s").validate(),
            Err("the client id is empty".to_owned())
        );
        assert!(ok.clone().scope("a b").validate().is_err());
        assert!(ok.clone().scope("").validate().is_err());
        for (url, reason) in [
            ("login.example.com", "has no scheme"),
            ("ftp://login/", "is neither http nor https"),
            ("http://user:pw@login/", "has credentials in it"),
            ("http://login/#x", "has a fragment"),
        ] {
            assert_eq!(
                ok.clone().authority(url).validate(),
                Err(format!("the authority URL `{url}` {reason}"))
            );
        }
    }
}
