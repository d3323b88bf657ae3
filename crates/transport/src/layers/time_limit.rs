//! Time limits: one per attempt (reading the whole answer included), one for the whole call
//! (every attempt and backoff included). The same layer, at two places in the stack.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use tokio::time::{Instant, Timeout};
use tower::{Layer, Service};

use crate::error::Kind;
use crate::{CallInfo, Error};

/// Which time limit a [`TimeLimitLayer`] enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// One attempt, inside the retry layer. The request may have reached the engine when it
    /// fires, so only idempotent calls are retried after it.
    Attempt,
    /// The whole call, outside the retry layer.
    Call,
}

/// When the call's deadline passes, put into the request's extensions by the deadline layer,
/// so that the retry policy does not start a backoff that would outlast it (and throw away the
/// answer it has for a bare "deadline passed").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallDeadline(pub(crate) Instant);

/// Ends what is still running after the limit of its [`Scope`], from the call's [`CallInfo`]
/// and the client's default: for an attempt, the call's override or the default; for the
/// call, [`CallInfo::effective_deadline`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeLimitLayer {
    scope: Scope,
    default: Duration,
}

impl TimeLimitLayer {
    pub(crate) fn new(scope: Scope, default: Duration) -> Self {
        TimeLimitLayer { scope, default }
    }
}

impl<S> Layer<S> for TimeLimitLayer {
    type Service = TimeLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TimeLimit {
            inner,
            limits: *self,
        }
    }
}

/// See [`TimeLimitLayer`].
#[derive(Debug, Clone)]
pub(crate) struct TimeLimit<S> {
    inner: S,
    limits: TimeLimitLayer,
}

impl<S> Service<Request<Bytes>> for TimeLimit<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = TimeLimitFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Bytes>) -> Self::Future {
        let TimeLimitLayer { scope, default } = self.limits;
        let info = request.extensions().get::<CallInfo>().copied();
        let limit = match (scope, info) {
            (Scope::Attempt, info) => info.and_then(|info| info.attempt_timeout()),
            (Scope::Call, Some(info)) => Some(info.effective_deadline(default)),
            (Scope::Call, None) => None,
        }
        .unwrap_or(default);
        // A limit too far away for an instant is no limit (as in `tokio::time::timeout`).
        let end = Instant::now().checked_add(limit);
        if let (Scope::Call, Some(end)) = (scope, end) {
            request.extensions_mut().insert(CallDeadline(end));
        }
        let future = self.inner.call(request);
        match end {
            Some(end) => TimeLimitFuture::Limited {
                future: tokio::time::timeout_at(end, future),
                scope,
                limit,
            },
            None => TimeLimitFuture::Unlimited { future },
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's future, ended at the limit (unless the limit is too far away to
    /// be one).
    #[project = TimeLimitProjection]
    pub(crate) enum TimeLimitFuture<F> {
        Limited { #[pin] future: Timeout<F>, scope: Scope, limit: Duration },
        Unlimited { #[pin] future: F },
    }
}

impl<F> Future for TimeLimitFuture<F>
where
    F: Future<Output = Result<Response<Bytes>, Error>>,
{
    type Output = Result<Response<Bytes>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            TimeLimitProjection::Limited {
                future,
                scope,
                limit,
            } => future.poll(cx).map(|result| {
                result.unwrap_or_else(|_elapsed| {
                    Err(Error::new(match scope {
                        Scope::Attempt => Kind::AttemptTimeout(*limit),
                        Scope::Call => Kind::Deadline(*limit),
                    }))
                })
            }),
            TimeLimitProjection::Unlimited { future } => future.poll(cx),
        }
    }
}
