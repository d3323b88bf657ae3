//! Tokens from an OAuth 2.0 identity server with the client-credentials grant: the identity a
//! service deploys with.
//!
//! [`ClientCredentials`] holds the client id, secret and scopes and says where the identity
//! server (the *authority*) is; [`ClientBuilder::client_credentials`] makes the client get its
//! tokens there:
//!
//! 1. **the authority**: configured ([`ClientCredentials::authority`]), or the one the engine
//!    names at `GET /security/authority`;
//! 2. **its token endpoint**: from the authority's OpenID discovery document
//!    (`<authority>/.well-known/openid-configuration`), unless configured
//!    ([`ClientCredentials::token_endpoint`]);
//! 3. **the grant**: `grant_type=client_credentials` with the client authenticated by
//!    `client_secret_basic` or `client_secret_post` ([`ClientAuthMethod`]);
//! 4. **the identity**: the access token, and as user id its `sub` claim, which is what the
//!    engine takes the caller for.
//!
//! The token is kept while it is fresh (its `expires_in`, else its `exp`, less a margin) and a
//! new one is asked for once for all the calls that need it. When the engine answers `401`, the
//! call is sent once more with a new token; a second `401` is an error saying that the engine
//! refused the identity. A token request that fails in a way that may pass (the authority is
//! unreachable, slow, or answers 5xx) is tried again with the client's retry settings; what
//! is left is a [`TokenError`] naming the step and the URL, inside an
//! [`Error::is_auth`](crate::Error::is_auth) error. Neither the secret nor a token is ever in
//! a `Debug` output, an error message or a tracing field.
//!
//! [`ClientBuilder::client_credentials`]: crate::ClientBuilder::client_credentials

mod authority;
mod config;
mod error;
mod exchange;
mod grant;
mod jwt;
mod source;

pub use config::{ClientAuthMethod, ClientCredentials};
pub use error::{TokenError, TokenStep};

pub(crate) use exchange::Exchange;
pub(crate) use source::ClientCredentialsSource;
