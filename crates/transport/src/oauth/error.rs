//! Why no token could be had: which step failed, at which URL, and how.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::BoxError;

/// Why the client-credentials source could not hand out a token.
///
/// The message names the step that failed and the URL it asked (`requesting a token at
/// https://login.example.com/connect/token failed: the answer was 401 invalid_client`); the
/// cause, when there is one, is in [`source()`](std::error::Error::source). It never holds the
/// client secret or a token.
///
/// It reaches users as the [`source()`](std::error::Error::source) of an
/// [`Error::is_auth`](crate::Error::is_auth) error, which is
/// [retryable](crate::Error::is_retryable) when this one [may pass](TokenError::may_pass).
///
/// Cheap to clone: every call waiting for the same token request gets the same error.
#[derive(Clone)]
pub struct TokenError {
    inner: Arc<Inner>,
}

struct Inner {
    step: TokenStep,
    url: String,
    failure: Failure,
}

/// The step of getting a token that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenStep {
    /// Asking the engine which authority it trusts (`GET /security/authority`).
    FindAuthority,
    /// Reading the authority's OpenID discovery document for its token endpoint.
    Discovery,
    /// The client-credentials grant at the token endpoint.
    Grant,
    /// Reading the user id and lifetime from the token the grant answered.
    Decoding,
}

impl TokenStep {
    fn doing(self) -> &'static str {
        match self {
            TokenStep::FindAuthority => "asking the engine for its authority at",
            TokenStep::Discovery => "reading the authority's discovery document at",
            TokenStep::Grant => "requesting a token at",
            TokenStep::Decoding => "reading the token from",
        }
    }
}

/// What went wrong at a step.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No connection could be made (refused, DNS, connect timeout, TLS handshake).
    Unreachable(BoxError),
    /// The connection broke while the request or answer was under way.
    Broken(BoxError),
    /// No whole answer came within the time limit.
    TimedOut(Duration),
    /// An answer outside 2xx; for the grant, the OAuth error code and description if the
    /// answer had them (RFC 6749, section 5.2).
    Status {
        status: u16,
        error: Option<String>,
        description: Option<String>,
    },
    /// The answer did not have the expected shape.
    Decode {
        path: String,
        source: serde_json::Error,
    },
    /// The answer decoded but cannot be used.
    Unusable(String),
}

impl TokenError {
    pub(crate) fn new(step: TokenStep, url: impl Into<String>, failure: Failure) -> Self {
        TokenError {
            inner: Arc::new(Inner {
                step,
                url: url.into(),
                failure,
            }),
        }
    }

    /// The step that failed.
    pub fn step(&self) -> TokenStep {
        self.inner.step
    }

    /// The URL the failed step asked: the engine's authority route, the discovery document or
    /// the token endpoint.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The status of the answer, when the failure was an answer outside 2xx.
    pub fn status(&self) -> Option<u16> {
        match self.inner.failure {
            Failure::Status { status, .. } => Some(status),
            _ => None,
        }
    }

    /// Asking again later may work: the server could not be reached, the exchange broke off or
    /// timed out, or it answered 408, 429 or 5xx. A refusal (400, 401: a wrong client id or
    /// secret, an unknown scope) or an answer that does not decode will not pass by itself.
    pub fn may_pass(&self) -> bool {
        match &self.inner.failure {
            Failure::Unreachable(_) | Failure::Broken(_) | Failure::TimedOut(_) => true,
            Failure::Status { status, .. } => matches!(status, 408 | 429 | 500..=599),
            Failure::Decode { .. } | Failure::Unusable(_) => false,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner { step, url, failure } = &*self.inner;
        write!(f, "{} {url} failed: ", step.doing())?;
        match failure {
            Failure::Unreachable(_) => f.write_str("it could not be reached"),
            Failure::Broken(_) => f.write_str("the exchange broke off"),
            Failure::TimedOut(limit) => write!(f, "no answer within {limit:?}"),
            Failure::Status {
                status,
                error,
                description,
            } => {
                write!(f, "the answer was {status}")?;
                if let Some(error) = error {
                    write!(f, " {error}")?;
                }
                if let Some(description) = description {
                    write!(f, " ({description})")?;
                }
                Ok(())
            }
            Failure::Decode { path, .. } => {
                write!(f, "the answer could not be decoded at `{path}`")
            }
            Failure::Unusable(reason) => f.write_str(reason),
        }
    }
}

impl fmt::Debug for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenError")
            .field("step", &self.inner.step)
            .field("url", &self.inner.url)
            .field("failure", &self.inner.failure)
            .finish()
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.failure {
            Failure::Unreachable(source) | Failure::Broken(source) => Some(&**source),
            Failure::Decode { source, .. } => Some(source),
            Failure::TimedOut(_) | Failure::Status { .. } | Failure::Unusable(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn the_message_names_the_step_and_the_url() {
        let error = TokenError::new(
            TokenStep::Grant,
            "https://login.example.com/connect/token",
            Failure::Status {
                status: 401,
                error: Some("invalid_client".to_owned()),
                description: Some("unknown client".to_owned()),
            },
        );
        assert_eq!(
            error.to_string(),
            "requesting a token at https://login.example.com/connect/token failed: \
             the answer was 401 invalid_client (unknown client)"
        );
        assert_eq!(error.status(), Some(401));
        assert!(!error.may_pass());
        assert!(error.source().is_none());
    }

    #[test]
    fn outages_may_pass_and_keep_their_cause() {
        let error = TokenError::new(
            TokenStep::Discovery,
            "http://auth/.well-known/openid-configuration",
            Failure::Unreachable("connection refused".into()),
        );
        assert_eq!(
            error.to_string(),
            "reading the authority's discovery document at \
             http://auth/.well-known/openid-configuration failed: it could not be reached"
        );
        assert!(error.may_pass());
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("connection refused")
        );
        for (status, passes) in [(503, true), (429, true), (408, true), (400, false)] {
            let error = TokenError::new(
                TokenStep::Grant,
                "u",
                Failure::Status {
                    status,
                    error: None,
                    description: None,
                },
            );
            assert_eq!(error.may_pass(), passes, "{status}");
        }
    }
}
