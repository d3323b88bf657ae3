//! The client's error: what went wrong, told apart by [`ErrorKind`], with the engine's status and
//! message kept.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use process_engine_api_types::models::CorrelationError;
use process_engine_api_types::{EngineError, EngineErrorKind, PayloadError};

/// What kind of failure an [`Error`] is. Match on it to decide what to do; the status and the
/// engine's message stay on the error ([`Error::status`], [`Error::message`]).
///
/// The kinds of failed calls are read from the transport error's predicates
/// ([`is_not_found`](process_engine_transport::Error::is_not_found),
/// [`is_retryable`](process_engine_transport::Error::is_retryable), ...), which classify the
/// engine's statuses for every client alike; this crate adds only what it knows itself (an
/// unknown process model among the 404s, the waits for instances, its own input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 404 naming a process model: no model with that id is deployed.
    ProcessModelNotFound,
    /// Any other 404: an unknown start or end event, task, correlation or process instance (a
    /// task that was already finished is gone, too).
    NotFound,
    /// 401 or 403: no token, a token the engine does not accept for this, a missing claim.
    Unauthorized,
    /// 400: a request the engine refuses (a callback type 3 start without an end event, form
    /// fields that are not an object, ...).
    BadRequest,
    /// 409: a deployment over an existing model without overwrite.
    Conflict,
    /// 422 from a deployment, or BPMN the client could not read a process id from.
    InvalidProcessModel,
    /// An attempt or the whole call ran out of time (the transport's limits).
    Timeout,
    /// The engine could not be reached, the connection broke, or a proxy answered 502, 503 or 504.
    Unreachable,
    /// The client's own wait for a process instance (a blocking start, [`wait_for_result`])
    /// ran out; the instance may still be running. [`Error::correlation_id`] says where to
    /// look it up.
    ///
    /// [`wait_for_result`]: crate::ProcessControlClient::wait_for_result
    WaitLimitPassed,
    /// The awaited process instance ended in an error; [`Error::instance_error`] holds what the
    /// engine recorded.
    InstanceFailed,
    /// Any other answer of the engine outside 2xx (500 from inside the engine, 410, 423, ...).
    Engine,
    /// An answer the engine should not give (a body of the wrong shape).
    UnexpectedAnswer,
    /// A payload that does not have the shape the caller asked for.
    PayloadMismatch,
    /// The caller's input could not be sent (a value that does not serialize, an empty id, a
    /// user-task answer that is not an object, a BPMN file that cannot be read).
    InvalidInput,
    /// Anything else: a failing token source or layer, a blocking call inside an async runtime.
    Other,
}

/// Why a call of the [`ProcessControlClient`](crate::ProcessControlClient) failed.
///
/// Its message describes this layer only; the cause is in [`source()`](std::error::Error::source).
pub struct Error {
    kind: ErrorKind,
    repr: Box<Repr>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Repr {
    /// The transport's error says it all (the engine's answer, a timeout, a refused connection).
    #[error(transparent)]
    Call(process_engine_transport::Error),
    #[error(
        "the wait for the instance of `{process_model_id}` in correlation `{correlation_id}` ran out after {limit:?}; {}",
        waiting(waiting_at)
    )]
    WaitLimit {
        process_model_id: String,
        correlation_id: String,
        limit: Duration,
        /// Where the instance waits, each flow node described, as the engine showed it when
        /// the limit passed; empty when it did not say.
        waiting_at: Vec<String>,
    },
    #[error(
        "the instance {process_instance_id} of `{process_model_id}` in correlation `{correlation_id}` failed{}{}",
        error.as_ref().map(|e| format!(" with {e}")).unwrap_or_default(),
        answer.as_ref().and_then(|a| a.engine_error()).map(|e| format!(": {}", e.message())).unwrap_or_default()
    )]
    InstanceFailed {
        process_model_id: String,
        correlation_id: String,
        process_instance_id: String,
        error: Option<CorrelationError>,
        /// The engine's answer to a start that waited for the instance (its 500 with the
        /// failure's message), when the failure came that way.
        answer: Option<process_engine_transport::Error>,
    },
    #[error("correlation `{correlation_id}` has no instance of `{process_model_id}`")]
    NoInstance {
        process_model_id: String,
        correlation_id: String,
    },
    #[error("the engine's answer to {operation} {problem}")]
    UnexpectedAnswer {
        operation: &'static str,
        problem: String,
    },
    #[error(transparent)]
    Payload(PayloadError),
    #[error("the BPMN document {0}")]
    InvalidBpmn(String),
    #[error("the BPMN document is not well-formed XML")]
    BpmnXml(#[source] roxmltree::Error),
    #[error("could not read the BPMN file {}", path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} could not be serialized")]
    Serialize {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{0}")]
    InvalidInput(String),
    #[cfg(feature = "blocking")]
    #[error("{0}")]
    Blocking(&'static str),
    #[cfg(feature = "blocking")]
    #[error("could not start the blocking client's runtime")]
    Runtime(#[source] std::io::Error),
}

/// The end of a wait limit's message: where the instance is still waiting, if the engine said.
fn waiting(waiting_at: &[String]) -> String {
    match waiting_at {
        [] => "it may still be running".to_owned(),
        [only] => format!("it is waiting at {only}"),
        [first @ .., last] => format!("it is waiting at {} and {last}", first.join(", ")),
    }
}

impl Error {
    pub(crate) fn new(repr: Repr) -> Self {
        let kind = match &repr {
            Repr::Call(error) => classify(error),
            Repr::WaitLimit { .. } => ErrorKind::WaitLimitPassed,
            Repr::InstanceFailed { .. } => ErrorKind::InstanceFailed,
            Repr::NoInstance { .. } => ErrorKind::NotFound,
            Repr::UnexpectedAnswer { .. } => ErrorKind::UnexpectedAnswer,
            Repr::Payload(_) => ErrorKind::PayloadMismatch,
            Repr::InvalidBpmn(_) | Repr::BpmnXml(_) => ErrorKind::InvalidProcessModel,
            Repr::ReadFile { .. } | Repr::Serialize { .. } | Repr::InvalidInput(_) => {
                ErrorKind::InvalidInput
            }
            #[cfg(feature = "blocking")]
            Repr::Blocking(_) | Repr::Runtime(_) => ErrorKind::Other,
        };
        Error {
            kind,
            repr: Box::new(repr),
        }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Error::new(Repr::InvalidInput(message.into()))
    }

    pub(crate) fn serialize(what: &'static str, source: serde_json::Error) -> Self {
        Error::new(Repr::Serialize { what, source })
    }

    pub(crate) fn unexpected(operation: &'static str, problem: impl Into<String>) -> Self {
        Error::new(Repr::UnexpectedAnswer {
            operation,
            problem: problem.into(),
        })
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The engine's status code, when the engine answered with an error.
    pub fn status(&self) -> Option<u16> {
        self.engine_error().map(EngineError::status)
    }

    /// The engine's message (for ProcessEngine 8.0.0 the whole body of its answer), when the
    /// engine answered with an error.
    pub fn message(&self) -> Option<&str> {
        self.engine_error().map(EngineError::message)
    }

    /// The engine's error answer, when there was one.
    pub fn engine_error(&self) -> Option<&EngineError> {
        self.transport_error()
            .and_then(process_engine_transport::Error::engine_error)
    }

    /// The transport's error, for failures of a call to the engine (and for an instance that
    /// failed while a start waited for it: the start's answer).
    pub fn transport_error(&self) -> Option<&process_engine_transport::Error> {
        match &*self.repr {
            Repr::Call(error)
            | Repr::InstanceFailed {
                answer: Some(error),
                ..
            } => Some(error),
            _ => None,
        }
    }

    /// The transport's error when it is the whole story (not the answer kept with a failed
    /// instance).
    fn transport_call_error(&self) -> Option<&process_engine_transport::Error> {
        match &*self.repr {
            Repr::Call(error) => Some(error),
            _ => None,
        }
    }

    /// The correlation of the awaited instance, for [`ErrorKind::WaitLimitPassed`] and
    /// [`ErrorKind::InstanceFailed`]: look the instance up by it.
    pub fn correlation_id(&self) -> Option<&str> {
        match &*self.repr {
            Repr::WaitLimit { correlation_id, .. }
            | Repr::InstanceFailed { correlation_id, .. }
            | Repr::NoInstance { correlation_id, .. } => Some(correlation_id),
            _ => None,
        }
    }

    /// What the engine recorded about a failed instance, for [`ErrorKind::InstanceFailed`]
    /// (`None` there too when the engine recorded nothing).
    pub fn instance_error(&self) -> Option<&CorrelationError> {
        match &*self.repr {
            Repr::InstanceFailed { error, .. } => error.as_ref(),
            _ => None,
        }
    }

    /// No process model with that id is deployed.
    pub fn is_process_model_not_found(&self) -> bool {
        self.kind == ErrorKind::ProcessModelNotFound
    }

    /// Something was not found: a process model or anything else (see [`ErrorKind::NotFound`]).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::NotFound | ErrorKind::ProcessModelNotFound
        )
    }

    /// The engine did not let the call through (401 or 403).
    pub fn is_unauthorized(&self) -> bool {
        self.kind == ErrorKind::Unauthorized
    }

    /// The engine refused the call as conflicting with what exists (409).
    pub fn is_conflict(&self) -> bool {
        self.kind == ErrorKind::Conflict
    }

    /// Trying again later may work: the engine could not be reached, a time limit of the
    /// transport passed, or the engine was unavailable (see
    /// [`transport::Error::is_retryable`](process_engine_transport::Error::is_retryable)). Not
    /// for the client's own wait for an instance: a second wait sees the same instance.
    pub fn is_retryable(&self) -> bool {
        self.transport_call_error()
            .is_some_and(process_engine_transport::Error::is_retryable)
    }

    /// The name of the operation whose call failed (`start_process_instance`), for failures of
    /// a call to the engine.
    pub fn operation(&self) -> Option<&'static str> {
        self.transport_error()
            .and_then(process_engine_transport::Error::operation)
    }

    /// The base URL of the engine the failed call went to, for failures of a call to the
    /// engine.
    pub fn base_url(&self) -> Option<&str> {
        self.transport_error()
            .and_then(process_engine_transport::Error::base_url)
    }

    /// The engine refused the request as bad (400).
    pub fn is_bad_request(&self) -> bool {
        self.kind == ErrorKind::BadRequest
    }

    /// A time limit of the transport passed (not the client's wait for an instance; see
    /// [`is_wait_limit_passed`](Error::is_wait_limit_passed)).
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// The engine could not be reached.
    pub fn is_unreachable(&self) -> bool {
        self.kind == ErrorKind::Unreachable
    }

    /// The client's own wait for a process instance ran out.
    pub fn is_wait_limit_passed(&self) -> bool {
        self.kind == ErrorKind::WaitLimitPassed
    }

    /// The awaited process instance failed.
    pub fn is_instance_failed(&self) -> bool {
        self.kind == ErrorKind::InstanceFailed
    }
}

/// The kind of a failed call, from the transport error's predicates.
fn classify(error: &process_engine_transport::Error) -> ErrorKind {
    if error.is_not_found() {
        // The engine names no error codes; its message for an unknown model is the only way to
        // tell it from an unknown event or task (process_model_use_case: `ProcessModel with id
        // <id> not found!`).
        let unknown_model = error
            .engine_error()
            .is_some_and(|engine| engine.message().starts_with("ProcessModel with id"));
        return if unknown_model {
            ErrorKind::ProcessModelNotFound
        } else {
            ErrorKind::NotFound
        };
    }
    if error.is_unauthorized() {
        ErrorKind::Unauthorized
    } else if error.is_conflict() {
        ErrorKind::Conflict
    } else if error.is_timeout() {
        ErrorKind::Timeout
    } else if error.is_retryable() {
        // Not a timeout: no connection, a broken one, or an unavailable engine.
        ErrorKind::Unreachable
    } else if let Some(engine) = error.engine_error() {
        match engine.kind() {
            EngineErrorKind::BadRequest => ErrorKind::BadRequest,
            EngineErrorKind::UnprocessableEntity => ErrorKind::InvalidProcessModel,
            _ => ErrorKind::Engine,
        }
    } else if error.is_decode() {
        ErrorKind::UnexpectedAnswer
    } else if error.is_request() {
        ErrorKind::InvalidInput
    } else {
        ErrorKind::Other
    }
}

impl From<process_engine_transport::Error> for Error {
    fn from(error: process_engine_transport::Error) -> Self {
        Error::new(Repr::Call(error))
    }
}

impl From<PayloadError> for Error {
    fn from(error: PayloadError) -> Self {
        Error::new(Repr::Payload(error))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("repr", &self.repr)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.repr, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.repr)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_wait_limit_names_the_correlation() {
        let error = Error::new(Repr::WaitLimit {
            process_model_id: "m".into(),
            correlation_id: "order-1".into(),
            limit: Duration::from_secs(2),
            waiting_at: Vec::new(),
        });
        assert_eq!(error.kind(), ErrorKind::WaitLimitPassed);
        assert!(error.is_wait_limit_passed() && !error.is_timeout());
        assert_eq!(error.correlation_id(), Some("order-1"));
        assert_eq!(
            error.to_string(),
            "the wait for the instance of `m` in correlation `order-1` ran out after 2s; it may still be running"
        );
        assert!(error.source().is_none());
    }

    #[test]
    fn a_wait_limit_says_where_the_instance_waits() {
        let waiting = |at: &[&str]| {
            Error::new(Repr::WaitLimit {
                process_model_id: "m".into(),
                correlation_id: "c".into(),
                limit: Duration::from_secs(1),
                waiting_at: at.iter().map(|s| (*s).to_owned()).collect(),
            })
            .to_string()
        };
        assert_eq!(
            waiting(&["the user task `a`"]),
            "the wait for the instance of `m` in correlation `c` ran out after 1s; it is waiting at the user task `a`"
        );
        assert!(
            waiting(&[
                "the user task `a`",
                "the user task `b`",
                "the timer event `t`"
            ])
            .ends_with(
                "it is waiting at the user task `a`, the user task `b` and the timer event `t`"
            )
        );
    }

    #[test]
    fn a_failed_instance_shows_the_engines_error() {
        let error = Error::new(Repr::InstanceFailed {
            process_model_id: "m".into(),
            correlation_id: "c".into(),
            process_instance_id: "p".into(),
            answer: None,
            error: Some(
                serde_json::from_value(
                    serde_json::json!({"_code": 500, "name": "InternalServerError"}),
                )
                .unwrap(),
            ),
        });
        assert!(error.is_instance_failed());
        assert_eq!(error.instance_error().and_then(|e| e.code()), Some(500));
        assert_eq!(
            error.to_string(),
            "the instance p of `m` in correlation `c` failed with InternalServerError (500)"
        );
        // What a script threw is stored as it was: a plain `Error` as `{}`.
        let error = Error::new(Repr::InstanceFailed {
            process_model_id: "m".into(),
            correlation_id: "c".into(),
            process_instance_id: "p".into(),
            answer: None,
            error: Some(serde_json::json!({}).into()),
        });
        assert_eq!(
            error.to_string(),
            "the instance p of `m` in correlation `c` failed with {}"
        );
    }

    #[test]
    fn input_errors_keep_their_cause() {
        let source = serde_json::from_str::<u8>("x").unwrap_err();
        let error = Error::serialize("the input values", source);
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            error.to_string(),
            "the input values could not be serialized"
        );
        assert!(error.source().is_some());
    }

    #[test]
    fn engine_answers_are_told_apart_by_status_and_message() {
        let kind = |status, message: &str| {
            let answer = EngineError::from_response(status, message.as_bytes());
            Error::from(process_engine_transport::Error::from_engine_error(answer)).kind()
        };
        assert_eq!(
            kind(404, "ProcessModel with id x not found!"),
            ErrorKind::ProcessModelNotFound
        );
        assert_eq!(
            kind(404, "StartEvent with ID 's' not found!"),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind(401, "No auth token provided!"),
            ErrorKind::Unauthorized
        );
        assert_eq!(kind(403, "Access denied."), ErrorKind::Unauthorized);
        assert_eq!(kind(400, "bad"), ErrorKind::BadRequest);
        assert_eq!(kind(409, "exists"), ErrorKind::Conflict);
        assert_eq!(kind(422, "unparsable"), ErrorKind::InvalidProcessModel);
        assert_eq!(kind(503, ""), ErrorKind::Unreachable);
        assert_eq!(kind(500, "boom"), ErrorKind::Engine);
        assert_eq!(kind(410, "gone"), ErrorKind::Engine);
    }

    #[test]
    fn the_engines_status_and_message_stay_reachable() {
        let answer = EngineError::from_response(404, b"ProcessModel with id x not found!");
        let error = Error::from(process_engine_transport::Error::from_engine_error(answer));
        assert_eq!(error.status(), Some(404));
        assert_eq!(error.message(), Some("ProcessModel with id x not found!"));
        // The transport's message is the whole story; it is not said twice.
        assert_eq!(
            error.to_string(),
            "the engine answered 404: ProcessModel with id x not found!"
        );
        assert!(error.correlation_id().is_none() && error.instance_error().is_none());
    }

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }
}
