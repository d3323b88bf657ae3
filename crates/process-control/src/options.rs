//! Per-call options: the same three settings on every builder of this crate.

use std::time::Duration;

use process_engine_transport::{Call, Identity};

/// The per-call settings of one request: attempt timeout, deadline and identity. Unset, the
/// client's own settings apply.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    identity: Option<Identity>,
}

impl RequestOptions {
    /// The time limit of one attempt.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The time limit of the whole call, retries included.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The identity the call is made as.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    pub(crate) fn set_attempt_timeout(&mut self, timeout: Duration) {
        self.attempt_timeout = Some(timeout);
    }

    pub(crate) fn set_deadline(&mut self, deadline: Duration) {
        self.deadline = Some(deadline);
    }

    pub(crate) fn set_identity(&mut self, identity: Identity) {
        self.identity = Some(identity);
    }

    /// Puts the settings on a transport call.
    pub(crate) fn apply(&self, mut call: Call) -> Call {
        if let Some(timeout) = self.attempt_timeout {
            call = call.attempt_timeout(timeout);
        }
        if let Some(deadline) = self.deadline {
            call = call.deadline(deadline);
        }
        if let Some(identity) = &self.identity {
            call = call.identity(identity.clone());
        }
        call
    }
}

/// The per-call settings every builder of this crate has: import this trait to use them.
pub trait RequestOptionsBuilder: Sized {
    /// The builder's options.
    fn request_options(&mut self) -> &mut RequestOptions;

    /// Overrides the client's time limit for each attempt of this call.
    fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.request_options().set_attempt_timeout(timeout);
        self
    }

    /// Overrides the client's time limit for the whole call, every attempt included.
    fn deadline(mut self, deadline: Duration) -> Self {
        self.request_options().set_deadline(deadline);
        self
    }

    /// Makes this call as `identity` (a user's JWT, say, on the `own` routes) instead of the
    /// client's identity.
    fn identity(mut self, identity: Identity) -> Self {
        self.request_options().set_identity(identity);
        self
    }
}
