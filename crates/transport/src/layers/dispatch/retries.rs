//! The retry policy: what is safe to send again, with backoff and a shared budget.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use process_engine_api_types::error::EngineErrorKind;
use process_engine_api_types::route::Retry;
use tokio::time::Instant;
use tower::retry::budget::{Budget, TpsBudget};

use crate::{Error, RetryConfig};

/// The retry policy of a client: its settings, and one budget shared by all its calls.
#[derive(Debug, Clone)]
pub(crate) struct Retries {
    config: Arc<RetryConfig>,
    budget: Arc<TpsBudget>,
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

/// What was wrong with an attempt, for the debug events: the status the engine answered, or
/// the kind of error.
fn failure(result: &Result<Response<Bytes>, Error>) -> (Option<u16>, Option<&'static str>) {
    match result {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(error) => (None, Some(error.kind_name())),
    }
}

impl Retries {
    /// A policy with a fresh budget. `config` must have been validated.
    pub(crate) fn new(config: RetryConfig) -> Self {
        let budget = Arc::new(config.budget());
        Retries {
            config: Arc::new(config),
            budget,
        }
    }

    /// Whether a call of `class` may ever be sent twice. Calls that may not are neither
    /// copied nor counted toward the budget.
    pub(crate) fn may_retry(&self, class: Retry) -> bool {
        self.config.max_attempts > 1 && class != Retry::Never
    }

    /// A copy of `request` to send again, should its attempt fail, for the calls that may go
    /// again after the request may have reached the engine (idempotent ones). Others are sent
    /// again only when their request never left, and then it comes back with the error.
    pub(crate) fn copy(&self, class: Retry, request: &Request<Bytes>) -> Option<Request<Bytes>> {
        if class != Retry::Idempotent || !self.may_retry(class) {
            return None;
        }
        Some(super::copy_of(request))
    }

    /// After attempt number `attempts` of a call of `class` ended with `result`: the backoff to
    /// wait before the next attempt, or `None` when the call ends with this result. Only a call
    /// whose request can be sent again (`resendable`: a copy, or the request that never left)
    /// is retried. No backoff ends at or after `deadline`: sleeping past it would only trade
    /// this answer for "deadline passed".
    pub(crate) fn backoff(
        &self,
        class: Retry,
        attempts: u32,
        result: &Result<Response<Bytes>, Error>,
        resendable: bool,
        deadline: Option<Instant>,
    ) -> Option<Duration> {
        if !self.may_retry(class) {
            return None;
        }
        if attempts == 1 {
            self.budget.deposit();
        }
        if !resendable || !should_retry(class, result) {
            return None;
        }
        let (status, error) = failure(result);
        if attempts >= self.config.max_attempts {
            tracing::debug!(attempts, status, error, "not retrying: no attempts left");
            return None;
        }
        let backoff = self.config.backoff(attempts);
        if let Some(deadline) = deadline {
            let wakes = Instant::now().checked_add(backoff);
            if wakes.is_none_or(|wakes| wakes >= deadline) {
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
        Some(backoff)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::StatusCode;
    use process_engine_api_types::route::{Method, Route, Success};

    use super::*;
    use crate::CallInfo;
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

    fn retries_of(config: RetryConfig) -> Retries {
        Retries::new(config.initial_backoff(Duration::ZERO))
    }

    #[tokio::test]
    async fn a_connect_failure_of_a_start_is_retried_until_attempts_run_out() {
        let retries = retries_of(RetryConfig::default().max_attempts(3));
        let class = Retry::NotIdempotent;
        let backoff = |attempts| retries.backoff(class, attempts, &connect(), true, None);
        assert!(backoff(1).is_some());
        assert!(backoff(2).is_some());
        assert!(backoff(3).is_none(), "third attempt was the last");
    }

    #[tokio::test]
    async fn a_call_without_a_request_to_send_again_ends() {
        let retries = retries_of(RetryConfig::default());
        assert!(
            retries
                .backoff(Retry::NotIdempotent, 1, &connect(), false, None)
                .is_none()
        );
    }

    #[tokio::test]
    async fn only_idempotent_calls_are_copied_before_they_are_sent() {
        let retries = retries_of(RetryConfig::default());
        let get = request(&GET);
        let copy = retries.copy(Retry::Idempotent, &get);
        assert!(copy.is_some_and(|copy| copy.body() == get.body()
            && copy.uri() == get.uri()
            && copy.extensions().get::<CallInfo>().is_some()));
        // A start goes again only when it never left, and then it comes back with the error.
        assert!(
            retries
                .copy(Retry::NotIdempotent, &request(&START))
                .is_none()
        );
        assert!(retries.copy(Retry::Never, &request(&LONG_POLL)).is_none());
        let disabled = retries_of(RetryConfig::disabled());
        assert!(disabled.copy(Retry::Idempotent, &get).is_none());
    }

    #[tokio::test]
    async fn retry_events_say_why() {
        let recording = crate::capture::Recording::start();
        let retries = retries_of(RetryConfig::default());

        assert!(
            retries
                .backoff(Retry::Idempotent, 1, &answer(503), true, None)
                .is_some()
        );
        assert!(
            retries
                .backoff(Retry::Idempotent, 2, &transport(), true, None)
                .is_some()
        );

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
        let retries = Retries::new(
            RetryConfig::default()
                .initial_backoff(Duration::from_secs(3600))
                .max_backoff(Duration::from_secs(3600)),
        );
        let deadline = Instant::now() + Duration::from_millis(10);

        // With the longest backoff drawn, still no retry: the jitter is not what decides.
        for _ in 0..20 {
            let backoff = retries.backoff(Retry::Idempotent, 1, &answer(503), true, Some(deadline));
            assert!(backoff.is_none());
        }

        // Without a deadline the same backoff is waited out.
        let backoff = retries.backoff(Retry::Idempotent, 1, &answer(503), true, None);
        assert!(backoff.is_some());
    }

    #[tokio::test]
    async fn an_empty_budget_refuses_retries() {
        let config = RetryConfig::default()
            .min_retries_per_sec(0)
            .retry_ratio(0.0);
        let retries = retries_of(config);
        let backoff = retries.backoff(Retry::NotIdempotent, 1, &connect(), true, None);
        assert!(backoff.is_none());
    }
}
