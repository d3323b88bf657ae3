//! Handlers: async functions of the payload, or of the payload and the task.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use process_engine_api_types::payload::payload_as;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{BoxError, ExternalTask, ServiceError, TaskError};

/// What running a handler on a task yields: the result to finish it with, or the error to report.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send + 'static>>;

/// A function that does the work of a topic's tasks, as axum's handlers take their arguments:
///
/// - `async fn(payload: P) -> Result<R, E>`, or
/// - `async fn(payload: P, task: ExternalTask) -> Result<R, E>`,
///
/// where the payload `P` is [`serde_json::Value`] or any `T: DeserializeOwned` (an absent
/// payload reads as JSON `null`, so `Option<T>` accepts it), the result `R` is anything
/// `Serialize`, and the error `E` converts into a [`BoxError`]: a [`BpmnError`] is reported as a
/// BPMN error, a [`ServiceError`] as a service error, any other error as a service error with its
/// message and source chain ([`TaskError::classify`]). Closures returning futures work too.
///
/// A payload that does not deserialize into `P` is reported as a service error naming the
/// field; the handler is not called.
///
/// A closure that only ever answers `Ok(..)` leaves its error type to be named (the compiler
/// asks for it, E0282): `Ok::<_, Infallible>(result)`, or `Ok::<_, BpmnError>(result)` for
/// one that may also fail.
///
/// [`BpmnError`]: crate::BpmnError
// What the compiler says when a function does not fit: the shapes that do, as axum does for its
// handlers (the default, "the trait `Handler<_>` is not implemented for fn item", says nothing).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler of external tasks",
    label = "not an external task handler",
    note = "a handler is `async fn(payload: P) -> Result<R, E>` or `async fn(payload: P, task: ExternalTask) -> Result<R, E>`, or a closure that returns such a future",
    note = "P: `serde_json::Value` or any `DeserializeOwned`; R: any `Serialize`; E: an error that converts into `BoxError` (`BpmnError`, `ServiceError`, `Infallible`, ...)",
    note = "a handler that cannot fail answers `Ok::<_, Infallible>(result)`"
)]
pub trait Handler<Args>: Send + Sync + 'static {
    /// Runs the handler on `task`.
    fn call(&self, task: ExternalTask) -> HandlerFuture;
}

/// The payload as `P`, or the service error that names what does not fit.
fn read_payload<P: DeserializeOwned>(task: &ExternalTask) -> Result<P, TaskError> {
    payload_as(task.payload()).map_err(|error| {
        // The details name the field, since the engine keeps the details of a service error
        // where people look (the correlation's error) but not its message.
        let cause = std::error::Error::source(&error).map(ToString::to_string);
        TaskError::Service(ServiceError::new(
            error.to_string(),
            serde_json::json!({
                "field": error.path(),
                "expected": error.type_name(),
                "error": cause,
            }),
        ))
    })
}

async fn finish<R, E>(output: impl Future<Output = Result<R, E>>) -> Result<Value, TaskError>
where
    R: Serialize + 'static,
    E: Into<BoxError> + 'static,
{
    match output.await {
        Ok(result) => serde_json::to_value(result).map_err(|error| {
            let message = "could not serialize the handler's result";
            TaskError::Service(ServiceError::new(
                message,
                serde_json::json!([message, error.to_string()]),
            ))
        }),
        Err(error) => Err(TaskError::classify(error.into())),
    }
}

impl<F, Fut, P, R, E> Handler<(P,)> for F
where
    F: Fn(P) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    P: DeserializeOwned,
    R: Serialize + 'static,
    E: Into<BoxError> + 'static,
{
    fn call(&self, task: ExternalTask) -> HandlerFuture {
        match read_payload::<P>(&task) {
            Ok(payload) => Box::pin(finish(self(payload))),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}

impl<F, Fut, P, R, E> Handler<(P, ExternalTask)> for F
where
    F: Fn(P, ExternalTask) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    P: DeserializeOwned,
    R: Serialize + 'static,
    E: Into<BoxError> + 'static,
{
    fn call(&self, task: ExternalTask) -> HandlerFuture {
        match read_payload::<P>(&task) {
            Ok(payload) => Box::pin(finish(self(payload, task))),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}

/// A handler with its argument types forgotten, so that one client holds handlers of any kind.
pub(crate) type ErasedHandler = Arc<dyn Fn(ExternalTask) -> HandlerFuture + Send + Sync>;

pub(crate) fn erase<H, Args>(handler: H) -> ErasedHandler
where
    H: Handler<Args>,
{
    Arc::new(move |task| handler.call(task))
}
