//! The settings of one call that are not part of the request: time limits and identity.

use std::time::Duration;

use crate::Identity;

/// How one call is made, apart from what it asks: its time limits and the identity it is made
/// as. Unset values fall back to the client's.
///
/// This is the one way to set them: [`Client::execute`](crate::Client::execute) takes them,
/// [`Call::options`](crate::Call::options) applies them, and every request builder of the
/// clients built on this transport takes them with `with_options`.
///
/// `Debug` never shows the token.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// The time limit of each attempt, when the call overrides the client's.
    pub attempt_timeout: Option<Duration>,
    /// The time limit of the whole call, every attempt and backoff included, when the call
    /// overrides the client's.
    pub deadline: Option<Duration>,
    /// The identity the call is made as, when it is not the client's.
    pub identity: Option<Identity>,
}

impl RequestOptions {
    /// Options that change nothing: the client's settings apply.
    pub fn new() -> Self {
        RequestOptions::default()
    }

    /// Overrides the client's time limit for each attempt (a long poll, a start that waits for
    /// the instance to finish).
    ///
    /// Unless a [`deadline`](RequestOptions::with_deadline) is set too, the call's deadline is
    /// the longer of the client's and this timeout, so that a call that waits longer than the
    /// client's deadline still gets one whole attempt.
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Overrides the time limit for the whole call, every attempt and backoff included. It is
    /// the call's deadline whatever else is set: an attempt timeout longer than it is cut short.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Makes the call as `identity` instead of the client's identity or token source: for a
    /// service that acts for several users (the engine's `own` routes, with each user's JWT),
    /// which can then share one client, connection pool and retry budget among them.
    pub fn with_identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token() {
        let options = RequestOptions::new().with_identity(Identity::new("s3cr3t", "alice"));
        let debug = format!("{options:?}");
        assert!(
            !debug.contains("s3cr3t") && debug.contains("alice"),
            "{debug}"
        );
    }
}
