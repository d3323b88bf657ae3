//! The retry policy: what is safe to send again, with backoff and a shared budget.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use process_engine_api_types::error::EngineErrorKind;
use process_engine_api_types::route::Retry;
use tower::retry::budget::{Budget, TpsBudget};
use tower::retry::{Policy, RetryLayer};

use super::time_limit::CallDeadline;
use super::trace::CallSpan;
use crate::{CallInfo, Error, RetryConfig};

/// The retry layer of a client: its policy shares one budget among all calls.
pub(crate) fn layer(config: RetryConfig) -> RetryLayer<RetryPolicy> {
    RetryLayer::new(RetryPolicy::new(config))
}

/// tower clones the policy for every call, so `attempts` counts the attempts of one call.
#[derive(Debug, Clone)]
pub(crate) struct RetryPolicy {
    config: Arc<RetryConfig>,
    budget: Arc<TpsBudget>,
    attempts: u32,
}

/// Whether a failed attempt may be sent again, by the route's retry class alone.
///
/// A request that never left can always go again; one that may have reached the engine (the
/// connection broke, the attempt timed out, a proxy answered 502-504 for an engine that may have
/// acted) only when sending it twice does no harm. The engine's own errors, 500 included, are
/// answers, not accidents.
pub(crate) fn should_retry(class: Retry, result: &Result<Response<Bytes>, Error>) -> bool {
    match (class, result) {
        (Retry::Never, _) => false,
        (Retry::Idempotent | Retry::NotIdempotent, Err(error)) if error.is_connect() => true,
        (Retry::Idempotent, Err(error)) => error.is_transport() || error.is_attempt_timeout(),
        (Retry::Idempotent, Ok(response)) => {
            EngineErrorKind::from_status(response.status().as_u16()) == EngineErrorKind::Unavailable
        }
        _ => false,
    }
}

impl RetryPolicy {
    /// A policy with a fresh budget. `config` must have been validated.
    fn new(config: RetryConfig) -> Self {
        let budget = Arc::new(config.budget());
        RetryPolicy {
            config: Arc::new(config),
            budget,
            attempts: 0,
        }
    }
}

fn retry_class(request: &Request<Bytes>) -> Retry {
    // Without its CallInfo nothing says the request is safe to repeat.
    request
        .extensions()
        .get::<CallInfo>()
        .map_or(Retry::Never, CallInfo::retry)
}

/// What was wrong with an attempt, for the debug events: the status the engine answered, or
/// the kind of error.
fn failure(result: &Result<Response<Bytes>, Error>) -> (Option<u16>, Option<&'static str>) {
    match result {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(error) => (None, Some(error.kind_name())),
    }
}

impl Policy<Request<Bytes>, Response<Bytes>, Error> for RetryPolicy {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        request: &mut Request<Bytes>,
        result: &mut Result<Response<Bytes>, Error>,
    ) -> Option<Self::Future> {
        self.attempts = self.attempts.saturating_add(1);
        if let Some(CallSpan(span)) = request.extensions().get::<CallSpan>() {
            span.record("attempts", self.attempts);
        }
        if self.attempts == 1 {
            self.budget.deposit();
        }
        if !should_retry(retry_class(request), result) {
            return None;
        }
        let attempts = self.attempts;
        let (status, error) = failure(result);
        if attempts >= self.config.max_attempts {
            tracing::debug!(attempts, status, error, "not retrying: no attempts left");
            return None;
        }
        let backoff = self.config.backoff(attempts);
        // Sleeping past the deadline would only trade this answer for "deadline passed".
        if let Some(CallDeadline(deadline)) = request.extensions().get::<CallDeadline>() {
            let wakes = tokio::time::Instant::now().checked_add(backoff);
            if wakes.is_none_or(|wakes| wakes >= *deadline) {
                tracing::debug!(
                    attempts,
                    status,
                    error,
                    ?backoff,
                    "not retrying: the backoff would outlast the deadline"
                );
                return None;
            }
        }
        if !self.budget.withdraw() {
            tracing::debug!(
                attempts,
                status,
                error,
                "not retrying: the retry budget is exhausted"
            );
            return None;
        }
        tracing::debug!(attempts, status, error, ?backoff, "retrying");
        Some(tokio::time::sleep(backoff))
    }

    fn clone_request(&mut self, request: &Request<Bytes>) -> Option<Request<Bytes>> {
        // Calls that are never sent twice are not copied (and, never being retried, do not
        // count toward the budget either).
        if self.config.max_attempts <= 1 || retry_class(request) == Retry::Never {
            return None;
        }
        let mut copy = Request::new(request.body().clone());
        *copy.method_mut() = request.method().clone();
        *copy.uri_mut() = request.uri().clone();
        *copy.version_mut() = request.version();
        *copy.headers_mut() = request.headers().clone();
        *copy.extensions_mut() = request.extensions().clone();
        Some(copy)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::StatusCode;
    use process_engine_api_types::route::{Method, Route, Success};

    use super::*;
    use crate::error::Kind;

    fn answer(status: u16) -> Result<Response<Bytes>, Error> {
        let mut response = Response::new(Bytes::new());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        Ok(response)
    }

    fn connect() -> Result<Response<Bytes>, Error> {
        Err(Error::connect(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )))
    }

    fn transport() -> Result<Response<Bytes>, Error> {
        Err(Error::transport(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )))
    }

    fn attempt_timeout() -> Result<Response<Bytes>, Error> {
        Err(Error::new(Kind::AttemptTimeout(Duration::from_secs(1))))
    }

    fn other_errors() -> Vec<Result<Response<Bytes>, Error>> {
        vec![
            Err(Error::new(Kind::Deadline(Duration::from_secs(1)))),
            Err(Error::from_boxed("a layer's own".into())),
            Err(Error::auth(crate::error::AuthError::Source(
                "no token".into(),
            ))),
        ]
    }

    #[test]
    fn decision_table() {
        use Retry::{Idempotent, Never, NotIdempotent};
        // (class, result, retried?)
        let table = [
            (Idempotent, connect(), true),
            (NotIdempotent, connect(), true),
            (Never, connect(), false),
            (Idempotent, transport(), true),
            (NotIdempotent, transport(), false),
            (Never, transport(), false),
            (Idempotent, attempt_timeout(), true),
            (NotIdempotent, attempt_timeout(), false),
            (Never, attempt_timeout(), false),
            (Idempotent, answer(502), true),
            (Idempotent, answer(503), true),
            (Idempotent, answer(504), true),
            (NotIdempotent, answer(503), false),
            (Never, answer(503), false),
            (Idempotent, answer(200), false),
            (Idempotent, answer(204), false),
            (Idempotent, answer(400), false),
            (Idempotent, answer(404), false),
            (Idempotent, answer(423), false),
            (Idempotent, answer(500), false),
            (Idempotent, answer(501), false),
        ];
        for (class, result, expected) in &table {
            assert_eq!(
                should_retry(*class, result),
                *expected,
                "{class:?} {result:?}"
            );
        }
        for result in other_errors() {
            assert!(!should_retry(Idempotent, &result), "{result:?}");
            assert!(!should_retry(NotIdempotent, &result), "{result:?}");
        }
    }

    static START: Route = Route::new(
        "start_process_instance",
        Method::Post,
        "/start",
        &[],
        Retry::NotIdempotent,
        Success::Json,
        None,
    );
    static GET: Route = Route::new(
        "get_process_models",
        Method::Get,
        "/models",
        &[],
        Retry::Idempotent,
        Success::Json,
        None,
    );
    static LONG_POLL: Route = Route::new(
        "fetch_and_lock",
        Method::Post,
        "/fetch",
        &[],
        Retry::Never,
        Success::Json,
        None,
    );

    fn request(route: &'static Route) -> Request<Bytes> {
        let mut request = Request::new(Bytes::from_static(b"{}"));
        request.extensions_mut().insert(CallInfo::new(route));
        request
    }

    fn policy_of(config: RetryConfig) -> RetryPolicy {
        RetryPolicy::new(config.initial_backoff(Duration::ZERO))
    }

    #[tokio::test]
    async fn a_connect_failure_of_a_start_is_retried_until_attempts_run_out() {
        let mut policy = policy_of(RetryConfig::default().max_attempts(3));
        let mut request = request(&START);
        let copy = policy.clone_request(&request);
        assert!(
            copy.is_some_and(|copy| copy.body() == request.body()
                && copy.extensions().get::<CallInfo>().is_some())
        );
        assert!(policy.retry(&mut request, &mut connect()).is_some());
        assert!(policy.retry(&mut request, &mut connect()).is_some());
        assert!(
            policy.retry(&mut request, &mut connect()).is_none(),
            "third attempt was the last"
        );
    }

    #[tokio::test]
    async fn long_polls_are_not_even_copied() {
        let mut policy = policy_of(RetryConfig::default());
        assert!(policy.clone_request(&request(&LONG_POLL)).is_none());
        assert!(policy.clone_request(&request(&START)).is_some());
        let mut disabled = policy_of(RetryConfig::disabled());
        assert!(disabled.clone_request(&request(&START)).is_none());
    }

    #[tokio::test]
    async fn retry_events_say_why() {
        let recording = crate::capture::Recording::start();
        let mut policy = policy_of(RetryConfig::default());
        let mut request = request(&GET);

        assert!(policy.retry(&mut request, &mut answer(503)).is_some());
        assert!(policy.retry(&mut request, &mut transport()).is_some());

        let events = recording.events();
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(events[0].contains(&"status=503".to_owned()), "{events:?}");
        assert!(
            events[1].contains(&"error=transport".to_owned()),
            "{events:?}"
        );
        assert!(
            events
                .iter()
                .all(|event| event.contains(&"message=retrying".to_owned())),
            "{events:?}"
        );
    }

    #[tokio::test]
    async fn no_backoff_outlasts_the_deadline() {
        let mut policy = RetryPolicy::new(
            RetryConfig::default()
                .initial_backoff(Duration::from_secs(3600))
                .max_backoff(Duration::from_secs(3600)),
        );
        let mut request = request(&GET);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(10);
        request.extensions_mut().insert(CallDeadline(deadline));
        let mut result = answer(503);

        // With the longest backoff drawn, still no retry: the jitter is not what decides.
        for _ in 0..20 {
            assert!(policy.clone().retry(&mut request, &mut result).is_none());
        }
        assert_eq!(result.as_ref().unwrap().status(), 503, "the answer is kept");

        // Without a deadline the same backoff is waited out.
        let mut request = self::request(&GET);
        let sleep = policy.retry(&mut request, &mut answer(503));
        assert!(sleep.is_some());
    }

    #[tokio::test]
    async fn an_empty_budget_refuses_retries() {
        let config = RetryConfig::default()
            .min_retries_per_sec(0)
            .retry_ratio(0.0);
        let mut policy = policy_of(config);
        assert!(policy.retry(&mut request(&START), &mut connect()).is_none());
    }
}
