//! One tracing span per call: `process_engine_call`, with the operation as a field.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower::{Layer, Service};
use tracing::field::Empty;

use crate::{CallInfo, Error};

/// The span of the call a request belongs to, in the request's extensions, so that the layers
/// further in record on it whatever span is current (users' layers may enter their own).
#[derive(Debug, Clone)]
pub(crate) struct CallSpan(pub(crate) tracing::Span);

/// Wraps each call in a `process_engine_call` span with the fields `operation`, `method`,
/// `path` (the route's template), and as the call goes on `attempts` (recorded by the retry
/// policy), `status` (of the answer) or `error` (the kind of failure).
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
    type Future = TraceFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Bytes>) -> Self::Future {
        let span = span_of(&mut request);
        let future = span.in_scope(|| self.inner.call(request));
        TraceFuture { future, span }
    }
}

/// The span of the call `request` makes, recorded in its extensions when it is enabled.
pub(crate) fn span_of(request: &mut Request<Bytes>) -> tracing::Span {
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
        attempts = Empty,
        status = Empty,
        error = Empty,
    );
    // Without a subscriber that wants it the span is disabled: nothing to record into, and
    // an extension less to allocate and to clone on every attempt.
    if !span.is_disabled() {
        request.extensions_mut().insert(CallSpan(span.clone()));
    }
    span
}

pin_project_lite::pin_project! {
    /// The inner service's future, polled inside the call's span, which records how the call
    /// ended.
    pub(crate) struct TraceFuture<F> {
        #[pin]
        future: F,
        span: tracing::Span,
    }
}

impl<F> TraceFuture<F> {
    /// `future`, polled inside `span`.
    pub(crate) fn new(future: F, span: tracing::Span) -> Self {
        TraceFuture { future, span }
    }
}

impl<F> Future for TraceFuture<F>
where
    F: Future<Output = Result<Response<Bytes>, Error>>,
{
    type Output = Result<Response<Bytes>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = std::task::ready!(this.future.poll(cx));
        match &result {
            Ok(response) => {
                this.span.record("status", response.status().as_u16());
            }
            Err(error) => {
                let kind = error.kind_name();
                this.span.record("error", kind);
                tracing::debug!(
                    kind,
                    error = error as &dyn std::error::Error,
                    "the call failed"
                );
            }
        }
        Poll::Ready(result)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use process_engine_api_types::route::{Method, Retry, Route, Success};
    use tokio::net::TcpListener;

    use super::*;
    use crate::capture::Recording;
    use crate::{Call, Client, RetryConfig};

    static LIST: Route = Route::new(
        "get_process_models",
        Method::Get,
        "/api/consumer/v1/process_models",
        &[],
        Retry::Idempotent,
        Success::Json,
        None,
    );

    fn has(fields: &[String], field: &str) -> bool {
        fields.iter().any(|recorded| recorded == field)
    }

    #[tokio::test]
    async fn a_failed_call_records_why_and_how_often_it_was_tried() {
        let recording = Recording::start();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let quick = RetryConfig::default()
            .max_attempts(3)
            .initial_backoff(Duration::from_millis(1));
        let client = Client::builder(&url).retry(quick).build().unwrap();

        let error = client.send(Call::new(&LIST)).await.unwrap_err();
        assert!(error.is_connect(), "{error:?}");

        let spans = recording.spans("process_engine_call");
        assert_eq!(spans.len(), 1, "{spans:?}");
        let span = &spans[0];
        for field in [
            "operation=get_process_models",
            "method=GET",
            "path=/api/consumer/v1/process_models",
            "attempts=3",
            "error=connect",
        ] {
            assert!(has(span, field), "{field} in {span:?}");
        }
        let events = recording.events();
        let retries = events
            .iter()
            .filter(|event| has(event, "message=retrying"))
            .collect::<Vec<_>>();
        assert_eq!(retries.len(), 2, "{events:?}");
        assert!(
            retries.iter().all(|event| has(event, "error=connect")),
            "{retries:?}"
        );
        assert!(
            events
                .iter()
                .any(|event| has(event, "message=the call failed") && has(event, "kind=connect")),
            "{events:?}"
        );
    }

    #[tokio::test]
    async fn an_answer_records_its_status() {
        let recording = Recording::start();
        let service = TraceLayer.layer(tower::service_fn(|_request: Request<Bytes>| async {
            let mut response = Response::new(Bytes::new());
            *response.status_mut() = http::StatusCode::NOT_FOUND;
            Ok::<_, Error>(response)
        }));
        let mut request = Request::new(Bytes::new());
        request.extensions_mut().insert(CallInfo::new(&LIST));

        tower::ServiceExt::oneshot(service, request).await.unwrap();

        let span = &recording.spans("process_engine_call")[0];
        assert!(has(span, "status=404"), "{span:?}");
        assert!(
            !span.iter().any(|field| field.starts_with("error=")),
            "{span:?}"
        );
    }
}
