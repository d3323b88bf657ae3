//! Where the client gets the identity it calls the engine as, asked before every attempt.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{BoxError, Identity};

/// Where the client gets its identity from, asked again before every attempt, so that retries
/// use a refreshed token.
///
/// When the engine answers `401` to an attempt, the client tells the source which identity
/// was refused ([`invalidate`](TokenSource::invalidate)), asks it again, and sends the attempt
/// once more if the answer is another token.
///
/// An [`Identity`] is a source that always answers itself. `Debug` of an implementation must
/// not show the token.
#[async_trait]
pub trait TokenSource: fmt::Debug + Send + Sync {
    /// The identity to send the next attempt as.
    async fn identity(&self) -> Result<Identity, BoxError>;

    /// The engine refused `identity` (`401`): a source that caches tokens drops this one, so
    /// that the next [`identity`](TokenSource::identity) gets a new one. The default does
    /// nothing.
    fn invalidate(&self, identity: &Identity) {
        let _ = identity;
    }
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

    fn invalidate(&self, identity: &Identity) {
        (**self).invalidate(identity);
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

    #[tokio::test]
    async fn an_identity_is_its_own_source() {
        let identity = Identity::new("t", "u");
        assert_eq!(identity.identity().await.unwrap(), identity);
    }
}
