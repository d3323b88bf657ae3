//! What a handler can answer besides a result.

use std::error::Error as StdError;

use serde_json::Value;

/// A boxed error, as handlers may return them.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A business error: the engine finishes the task with a BPMN error of this code, which an
/// error boundary event can catch (the Python client's `FunctionalError(code, message)`).
///
/// Return it from a handler (directly, or boxed in any error type that converts into a
/// [`BoxError`]) to report it:
///
/// ```
/// use process_engine_external_task::BpmnError;
///
/// async fn check(order: serde_json::Value) -> Result<serde_json::Value, BpmnError> {
///     if order["amount"].as_u64() > Some(1_000) {
///         return Err(BpmnError::new("LimitExceeded", "the order needs an approval"));
///     }
///     Ok(order)
/// }
/// ```
///
/// The 8.0.0 engine keeps only the code (its `handle_bpmn_error` takes no message); the message
/// goes into the worker's log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("BPMN error {code}: {message}")]
pub struct BpmnError {
    /// The error code an error boundary event matches.
    pub code: String,
    /// What happened, for people reading the log.
    pub message: String,
}

impl BpmnError {
    /// A BPMN error with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        BpmnError {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A technical failure: the engine finishes the task with an error carrying `message` and
/// `details`, which the process's error handling (or an operator) deals with.
///
/// Handlers rarely need to build one: any error that is not a [`BpmnError`] becomes a service
/// error with the error's message and its `source()` chain as details. Build one to choose the
/// details yourself.
///
/// The 8.0.0 engine keeps only the details (the correlation's error shows them as
/// `_additionalInformation`); the message goes nowhere but the worker's log. Details that should
/// tell people what happened say it themselves.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ServiceError {
    /// The error message.
    pub message: String,
    /// Any JSON value: the engine shows it as the error's `_additionalInformation`.
    pub details: Value,
}

impl ServiceError {
    /// A service error with `message` and `details`.
    pub fn new(message: impl Into<String>, details: impl Into<Value>) -> Self {
        ServiceError {
            message: message.into(),
            details: details.into(),
        }
    }

    /// A service error made from any error: its message, and as details the same message
    /// followed by the messages of its `source()` chain, outermost first (the engine keeps only
    /// the details).
    pub fn from_error(error: &(dyn StdError + 'static)) -> Self {
        let mut causes = vec![Value::String(error.to_string())];
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(Value::String(cause.to_string()));
            source = cause.source();
        }
        ServiceError::new(error.to_string(), Value::Array(causes))
    }

    /// A service error the worker reports itself, its message also its details (`[message]`),
    /// where the engine keeps it.
    pub(crate) fn told(message: String) -> Self {
        let details = Value::Array(vec![Value::String(message.clone())]);
        ServiceError::new(message, details)
    }
}

/// How a handler's work ended when it did not produce a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// Reported with `handle_bpmn_error`.
    #[error(transparent)]
    Bpmn(BpmnError),
    /// Reported with `handle_service_error`.
    #[error(transparent)]
    Service(ServiceError),
}

impl TaskError {
    /// Sorts a handler's error: a [`BpmnError`], [`ServiceError`] or [`TaskError`] stays what it
    /// is (also when it is the outermost error's source), anything else becomes a service error
    /// ([`ServiceError::from_error`]).
    pub fn classify(error: BoxError) -> Self {
        let error = match error.downcast::<TaskError>() {
            Ok(error) => return *error,
            Err(error) => error,
        };
        let error = match error.downcast::<BpmnError>() {
            Ok(error) => return TaskError::Bpmn(*error),
            Err(error) => error,
        };
        let error = match error.downcast::<ServiceError>() {
            Ok(error) => return TaskError::Service(*error),
            Err(error) => error,
        };
        // An error type of the user's that wraps one of ours as its cause.
        let mut source = error.source();
        while let Some(cause) = source {
            if let Some(bpmn) = cause.downcast_ref::<BpmnError>() {
                return TaskError::Bpmn(bpmn.clone());
            }
            if let Some(service) = cause.downcast_ref::<ServiceError>() {
                return TaskError::Service(service.clone());
            }
            source = cause.source();
        }
        TaskError::Service(ServiceError::from_error(error.as_ref()))
    }
}

impl From<BpmnError> for TaskError {
    fn from(error: BpmnError) -> Self {
        TaskError::Bpmn(error)
    }
}

impl From<ServiceError> for TaskError {
    fn from(error: ServiceError) -> Self {
        TaskError::Service(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not reach the stock service")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    enum Wrapping {
        #[error("the order check failed")]
        Bpmn(#[from] BpmnError),
    }

    #[test]
    fn any_error_becomes_a_service_error_with_its_source_chain() {
        let error = Outer(std::io::Error::other("connection refused"));
        let TaskError::Service(service) = TaskError::classify(Box::new(error)) else {
            panic!("not a service error");
        };
        assert_eq!(service.message, "could not reach the stock service");
        assert_eq!(
            service.details,
            serde_json::json!(["could not reach the stock service", "connection refused"])
        );
    }

    #[test]
    fn our_errors_keep_their_kind_even_when_wrapped() {
        let bpmn = BpmnError::new("E1", "no stock");
        assert_eq!(
            TaskError::classify(Box::new(bpmn.clone())),
            TaskError::Bpmn(bpmn.clone())
        );
        assert_eq!(
            TaskError::classify(Box::new(Wrapping::Bpmn(bpmn.clone()))),
            TaskError::Bpmn(bpmn)
        );
        let service = ServiceError::new("down", serde_json::json!({"retry": true}));
        assert_eq!(
            TaskError::classify(Box::new(service.clone())),
            TaskError::Service(service)
        );
        let TaskError::Service(from_str) = TaskError::classify("plain text".into()) else {
            panic!("not a service error");
        };
        assert_eq!(from_str.message, "plain text");
        assert_eq!(from_str.details, serde_json::json!(["plain text"]));
    }
}
