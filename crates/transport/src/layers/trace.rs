//! One tracing span per call, named by the operation.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower::{Layer, Service};
use tracing::Instrument;
use tracing::field::Empty;

use super::ResponseFuture;
use crate::{CallInfo, Error};

/// Wraps each call in a `process_engine_call` span.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Trace { inner }
    }
}

/// See [`TraceLayer`].
#[derive(Debug, Clone)]
pub(crate) struct Trace<S> {
    inner: S,
}

impl<S> Service<Request<Bytes>> for Trace<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        // The path is the route's template, not the filled path: ids would make every span
        // unique. The token is never recorded.
        let (operation, method, path) = match request.extensions().get::<CallInfo>() {
            Some(info) => (
                info.operation(),
                info.route().method.as_str(),
                info.route().path,
            ),
            None => ("unknown", "unknown", "unknown"),
        };
        let span = tracing::info_span!(
            "process_engine_call",
            operation,
            method,
            path,
            status = Empty,
        );
        let future = span.in_scope(|| self.inner.call(request));
        let recorder = span.clone();
        Box::pin(
            async move {
                let result = future.await;
                match &result {
                    Ok(response) => {
                        recorder.record("status", response.status().as_u16());
                    }
                    Err(error) => {
                        tracing::debug!(error = error as &dyn std::error::Error, "the call failed");
                    }
                }
                result
            }
            .instrument(span),
        )
    }
}
