//! Who the client calls the engine as: a token and the user id it stands for.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::BoxError;

/// The token of the engine's development identity: base64 of `dummy_token`.
const DUMMY_TOKEN: &str = "ZHVtbXlfdG9rZW4=";
/// The user id the engine gives the development identity.
const DUMMY_USER_ID: &str = "dummy_token";

/// A bearer token and the id of the user it stands for.
///
/// `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    token: String,
    user_id: String,
}

impl Identity {
    /// An identity from its token and user id.
    pub fn new(token: impl Into<String>, user_id: impl Into<String>) -> Self {
        Identity {
            token: token.into(),
            user_id: user_id.into(),
        }
    }

    /// The engine's development identity (token `ZHVtbXlfdG9rZW4=`, user id `dummy_token`),
    /// which an engine with the shipped configuration accepts: the default.
    pub fn dummy() -> Self {
        Identity::new(DUMMY_TOKEN, DUMMY_USER_ID)
    }

    /// The bearer token. A secret: do not log it.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The id of the user the token stands for.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl Default for Identity {
    fn default() -> Self {
        Identity::dummy()
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("token", &format_args!("<redacted>"))
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// Where the client gets its identity from, asked again before every attempt, so that retries
/// use a refreshed token.
///
/// An [`Identity`] is a source that always answers itself. `Debug` of an implementation must
/// not show the token.
#[async_trait]
pub trait TokenSource: fmt::Debug + Send + Sync {
    /// The identity to send the next attempt as.
    async fn identity(&self) -> Result<Identity, BoxError>;
}

#[async_trait]
impl TokenSource for Identity {
    async fn identity(&self) -> Result<Identity, BoxError> {
        Ok(self.clone())
    }
}

#[async_trait]
impl<T: TokenSource + ?Sized> TokenSource for Arc<T> {
    async fn identity(&self) -> Result<Identity, BoxError> {
        (**self).identity().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_token() {
        let identity = Identity::new("s3cr3t", "alice");
        let debug = format!("{identity:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(
            debug.contains("<redacted>") && debug.contains("alice"),
            "{debug}"
        );
    }

    #[test]
    fn the_default_is_the_development_identity() {
        let identity = Identity::default();
        assert_eq!(identity.token(), "ZHVtbXlfdG9rZW4=");
        assert_eq!(identity.user_id(), "dummy_token");
    }
}
