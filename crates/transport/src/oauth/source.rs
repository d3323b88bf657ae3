//! The client-credentials token source: a token cached while it is fresh, and one token request
//! at a time for all the calls that need a new one.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use http::Uri;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument as _;
use tracing::instrument::WithSubscriber as _;

use super::authority::{self, TokenEndpoint};
use super::config::ClientCredentials;
use super::error::{TokenError, TokenStep};
use super::exchange::Exchange;
use super::grant;
use crate::{BoxError, Identity, RetryConfig, TokenSource};

/// Gets tokens with the client-credentials grant and keeps them while they are fresh.
///
/// A token is fresh until its lifetime, less the refresh margin, has passed since it was asked
/// for. The first call that finds none fresh starts a token request on a task of its own; every
/// call that comes meanwhile waits for that one request (single flight), and so do calls whose
/// own wait is cut short (their attempt timeout, say) without cancelling it for the others.
#[derive(Clone)]
pub(crate) struct ClientCredentialsSource {
    shared: Arc<Shared>,
}

struct Shared {
    credentials: ClientCredentials,
    exchange: Exchange,
    /// The engine's `GET /security/authority`, absolute.
    engine_route: Uri,
    /// The client's retry settings: attempts and backoff of one token request.
    retry: RetryConfig,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    token: Option<Cached>,
    /// The token request under way, if any.
    flight: Option<Flight>,
    /// Found once, kept until the token endpoint answers 404.
    endpoint: Option<TokenEndpoint>,
}

/// A token request under way: `None` until it ends.
type Flight = watch::Receiver<Option<Result<Identity, TokenError>>>;

struct Cached {
    identity: Identity,
    /// `None` when the authority did not say how long the token lives: it is then used until
    /// the engine refuses it.
    fresh_until: Option<Instant>,
}

impl ClientCredentialsSource {
    pub(crate) fn new(
        credentials: ClientCredentials,
        exchange: Exchange,
        engine_route: Uri,
        retry: RetryConfig,
    ) -> Self {
        ClientCredentialsSource {
            shared: Arc::new(Shared {
                credentials,
                exchange,
                engine_route,
                retry,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// The fresh token, or the request that will bring one (started here if none is under way).
    fn fresh_or_flight(&self) -> Result<Next, BoxError> {
        let mut state = self.shared.lock();
        if let Some(cached) = &state.token {
            if cached
                .fresh_until
                .is_none_or(|until| Instant::now() < until)
            {
                return Ok(Next::Fresh(cached.identity.clone()));
            }
        }
        // A request whose task was dropped (its runtime shut down) will never answer.
        if let Some(flight) = state.flight.as_ref().filter(|f| f.has_changed().is_ok()) {
            return Ok(Next::Wait(flight.clone()));
        }
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "the client must be used inside a tokio runtime")?;
        let (done, flight) = watch::channel(None);
        state.flight = Some(flight.clone());
        drop(state);
        let span = tracing::debug_span!(
            parent: None,
            "token_request",
            client_id = %self.shared.credentials.client_id
        );
        let shared = Arc::clone(&self.shared);
        runtime.spawn(
            async move { shared.refresh(&done).await }
                .instrument(span)
                .with_current_subscriber(),
        );
        Ok(Next::Wait(flight))
    }
}

/// What a call does for its token.
enum Next {
    Fresh(Identity),
    Wait(Flight),
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent whatever panicked while holding the lock: every change is
        // one assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gets a token, keeps it, and tells the waiting calls.
    async fn refresh(&self, done: &watch::Sender<Option<Result<Identity, TokenError>>>) {
        let outcome = self.request_with_retries().await;
        let mut state = self.lock();
        state.flight = None;
        let outcome = outcome.map(|cached| {
            let identity = cached.identity.clone();
            state.token = Some(cached);
            identity
        });
        drop(state);
        done.send_replace(Some(outcome));
    }

    /// Tries as often as the client's retry settings allow, with their backoff, as long as the
    /// failure may pass.
    async fn request_with_retries(&self) -> Result<Cached, TokenError> {
        let mut attempt = 1;
        loop {
            match self.request().await {
                Ok(cached) => return Ok(cached),
                Err(error) if error.may_pass() && attempt < self.retry.max_attempts => {
                    let retry_in = self.retry.backoff(attempt);
                    tracing::warn!(
                        error = &error as &dyn std::error::Error,
                        attempt,
                        ?retry_in,
                        "getting a token failed; trying again"
                    );
                    tokio::time::sleep(retry_in).await;
                    attempt += 1;
                }
                Err(error) => {
                    tracing::debug!(
                        error = &error as &dyn std::error::Error,
                        attempt,
                        "getting a token failed"
                    );
                    return Err(error);
                }
            }
        }
    }

    async fn request(&self) -> Result<Cached, TokenError> {
        let known = self.lock().endpoint.clone();
        let endpoint = match known {
            Some(endpoint) => endpoint,
            None => {
                let credentials = &self.credentials;
                let endpoint = authority::locate(
                    &self.exchange,
                    &credentials.endpoint,
                    credentials.auth_method,
                    &self.engine_route,
                )
                .await?;
                self.lock().endpoint = Some(endpoint.clone());
                endpoint
            }
        };
        let asked_at = Instant::now();
        let granted = grant::request(&self.exchange, &endpoint, &self.credentials)
            .await
            .inspect_err(|error| {
                // The endpoint moved: find it again next time.
                if error.step() == TokenStep::Grant && error.status() == Some(404) {
                    self.lock().endpoint = None;
                }
            })?;
        tracing::debug!(
            token_endpoint = %endpoint.url,
            user_id = %granted.subject,
            lifetime = ?granted.lifetime,
            "got a token"
        );
        // A token that expired before it arrived would be asked for again on every call: it
        // is used instead until the engine refuses it, which asks for a new one.
        let lifetime = granted.lifetime.filter(|lifetime| !lifetime.is_zero());
        if lifetime.is_none() && granted.lifetime.is_some() {
            tracing::warn!(
                token_endpoint = %endpoint.url,
                "the token's lifetime is zero (an `expires_in` of 0, or an `exp` that is past on \
                 this machine's clock: check the clock); it is used until the engine refuses it"
            );
        }
        // A lifetime too long for an instant is as good as none.
        let fresh_until = lifetime.and_then(|lifetime| {
            asked_at.checked_add(fresh_for(lifetime, self.credentials.refresh_margin))
        });
        Ok(Cached {
            identity: Identity::new(granted.token, granted.subject),
            fresh_until,
        })
    }
}

/// How long a token of `lifetime` is used: its lifetime less the margin, the margin being at
/// most half the lifetime, so that a short-lived token is still used for a while rather than
/// asked for on every call.
fn fresh_for(lifetime: Duration, margin: Duration) -> Duration {
    lifetime - margin.min(lifetime / 2)
}

#[async_trait]
impl TokenSource for ClientCredentialsSource {
    async fn identity(&self) -> Result<Identity, BoxError> {
        let mut flight = match self.fresh_or_flight()? {
            Next::Fresh(identity) => return Ok(identity),
            Next::Wait(flight) => flight,
        };
        let ended = flight.wait_for(Option::is_some).await;
        match ended.as_deref() {
            Ok(Some(Ok(identity))) => Ok(identity.clone()),
            Ok(Some(Err(error))) => Err(Box::new(error.clone())),
            // The request's task was dropped before it ended: its runtime is shutting down.
            Ok(None) | Err(_) => Err("the token request was abandoned before it ended".into()),
        }
    }

    fn invalidate(&self, identity: &Identity) {
        let mut state = self.shared.lock();
        // Only the refused token: calls that were refused with an older one must not throw
        // away the fresh one another call already got.
        if state
            .token
            .as_ref()
            .is_some_and(|cached| cached.identity.token() == identity.token())
        {
            state.token = None;
        }
    }
}

impl fmt::Debug for ClientCredentialsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The credentials' Debug redacts the secret; the token is not shown at all.
        f.debug_struct("ClientCredentialsSource")
            .field("credentials", &self.shared.credentials)
            .field("engine_route", &self.shared.engine_route)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_used_for_its_lifetime_less_a_margin_of_at_most_half() {
        let secs = Duration::from_secs;
        assert_eq!(fresh_for(secs(3600), secs(30)), secs(3570));
        assert_eq!(fresh_for(secs(40), secs(30)), secs(20));
        assert_eq!(fresh_for(secs(1), secs(30)), Duration::from_millis(500));
        assert_eq!(fresh_for(Duration::ZERO, secs(30)), Duration::ZERO);
        assert_eq!(fresh_for(secs(60), Duration::ZERO), secs(60));
    }
}
