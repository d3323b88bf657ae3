//! One error for applications: whatever layer failed, `?` lifts it into [`Error`], and it
//! answers the same questions as the layers' errors.

use std::fmt;

use process_engine_api_types::EngineError;

/// An error of any layer, so that an application's `main` can use `?` on every call.
///
/// Its message (`Display`) and `source()` are those of the layer's error, which the variant
/// holds for matching (the process-control error's `kind()`, ...). The questions an application
/// asks of a failure it can ask here directly, whatever the layer: [`status`](Error::status),
/// [`is_timeout`](Error::is_timeout), [`is_not_found`](Error::is_not_found),
/// [`is_retryable`](Error::is_retryable), the failed call's [`operation`](Error::operation) and
/// the engine's [`base_url`](Error::base_url).
///
/// `Debug` is a report for people, as a `main` that returns the error prints it: the failed
/// operation and the engine's URL, the message, and the chain of causes, one per line. `{:#?}`
/// shows the variant and the layer's error as data.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport: the client could not be built, or a call through it failed.
    #[error(transparent)]
    Transport(#[from] process_engine_transport::Error),
    /// A call of the process-control client failed.
    #[cfg(feature = "process-control")]
    #[error(transparent)]
    ProcessControl(#[from] process_engine_process_control::Error),
    /// A payload did not have the shape the program read it as (`token_payload_as::<T>()` of
    /// an answer).
    #[error(transparent)]
    Payload(#[from] process_engine_api_types::PayloadError),
    /// A worker could not be built: a subscription that cannot work, or none.
    #[cfg(feature = "external-task")]
    #[error(transparent)]
    WorkerBuild(#[from] process_engine_external_task::BuildError),
    /// A worker's run ended on its own: the engine answered a fetch in a way that waiting
    /// cannot change (no route at the base URL, the identity refused).
    #[cfg(feature = "external-task")]
    #[error(transparent)]
    WorkerRun(#[from] process_engine_external_task::RunError),
    /// The stand-in engine could not start or deploy.
    #[cfg(feature = "testkit")]
    #[error(transparent)]
    Testkit(#[from] process_engine_testkit::Error),
    /// The engine's notifications: the socket could not be opened, or a wait failed or ran out
    /// ([`EventsError::is_timeout`](process_engine_events::EventsError::is_timeout)).
    #[cfg(feature = "events")]
    #[error(transparent)]
    Events(#[from] process_engine_events::EventsError),
}

impl Error {
    /// The transport's error, for failures of a call to the engine (and for an instance that
    /// failed while a start waited for it: the start's answer).
    pub fn transport_error(&self) -> Option<&process_engine_transport::Error> {
        match self {
            Error::Transport(error) => Some(error),
            #[cfg(feature = "process-control")]
            Error::ProcessControl(error) => error.transport_error(),
            #[cfg(feature = "external-task")]
            Error::WorkerRun(error) => Some(error.transport_error()),
            #[cfg(feature = "events")]
            Error::Events(error) => error.transport_error(),
            #[allow(unreachable_patterns, reason = "reachable with some features only")]
            _ => None,
        }
    }

    /// The engine's status, when the engine answered with an error.
    pub fn status(&self) -> Option<u16> {
        self.transport_error()
            .and_then(process_engine_transport::Error::status)
    }

    /// The engine's error answer (status, kind, message), when there was one.
    pub fn engine_error(&self) -> Option<&EngineError> {
        self.transport_error()
            .and_then(process_engine_transport::Error::engine_error)
    }

    /// The name of the operation whose call failed (`start_process_instance`), for failures of
    /// a call to the engine.
    pub fn operation(&self) -> Option<&'static str> {
        self.transport_error()
            .and_then(process_engine_transport::Error::operation)
    }

    /// The base URL of the engine the failed call went to.
    pub fn base_url(&self) -> Option<&str> {
        self.transport_error()
            .and_then(process_engine_transport::Error::base_url)
    }

    /// A time limit of the transport passed (not the process-control client's own wait for an
    /// instance, which is its [`ErrorKind::WaitLimitPassed`], nor a wait of the events, which
    /// is their `is_timeout`).
    ///
    #[cfg_attr(
        feature = "process-control",
        doc = "[`ErrorKind::WaitLimitPassed`]: crate::process_control::ErrorKind::WaitLimitPassed"
    )]
    pub fn is_timeout(&self) -> bool {
        match self {
            #[cfg(feature = "process-control")]
            Error::ProcessControl(error) => error.is_timeout(),
            _ => self
                .transport_error()
                .is_some_and(process_engine_transport::Error::is_timeout),
        }
    }

    /// The engine could not be reached: the request never left (for the events: the socket
    /// could not be opened, or its handshake did not complete in time).
    pub fn is_connect(&self) -> bool {
        match self {
            #[cfg(feature = "events")]
            Error::Events(error) => error.is_connect(),
            _ => self
                .call_error()
                .is_some_and(process_engine_transport::Error::is_connect),
        }
    }

    /// Trying again later may work; see
    /// [`transport::Error::is_retryable`](process_engine_transport::Error::is_retryable) (for
    /// the events also a socket that could not be opened).
    pub fn is_retryable(&self) -> bool {
        #[cfg(feature = "events")]
        if let Error::Events(error) = self {
            if error.is_connect() {
                return true;
            }
        }
        self.call_error()
            .is_some_and(process_engine_transport::Error::is_retryable)
    }

    /// Something the call named does not exist: a process model, instance, task, correlation,
    /// or (for the process-control client's waits) no instance of the model in the correlation.
    pub fn is_not_found(&self) -> bool {
        match self {
            #[cfg(feature = "process-control")]
            Error::ProcessControl(error) => error.is_not_found(),
            _ => self
                .transport_error()
                .is_some_and(process_engine_transport::Error::is_not_found),
        }
    }

    /// The engine did not let the call through (401 or 403).
    pub fn is_unauthorized(&self) -> bool {
        self.call_error()
            .is_some_and(process_engine_transport::Error::is_unauthorized)
    }

    /// The engine refused the call as conflicting with what exists (409).
    pub fn is_conflict(&self) -> bool {
        self.call_error()
            .is_some_and(process_engine_transport::Error::is_conflict)
    }

    /// The transport's error when it is what failed, not the answer kept with a failed
    /// instance: a start whose instance failed is not "not found" because its answer was.
    fn call_error(&self) -> Option<&process_engine_transport::Error> {
        match self {
            #[cfg(feature = "process-control")]
            Error::ProcessControl(error) if error.is_instance_failed() => None,
            _ => self.transport_error(),
        }
    }

    /// The layer's error, for `{:#?}`.
    fn layer(&self) -> (&'static str, &dyn fmt::Debug) {
        match self {
            Error::Transport(error) => ("Transport", error),
            Error::Payload(error) => ("Payload", error),
            #[cfg(feature = "process-control")]
            Error::ProcessControl(error) => ("ProcessControl", error),
            #[cfg(feature = "external-task")]
            Error::WorkerBuild(error) => ("WorkerBuild", error),
            #[cfg(feature = "external-task")]
            Error::WorkerRun(error) => ("WorkerRun", error),
            #[cfg(feature = "testkit")]
            Error::Testkit(error) => ("Testkit", error),
            #[cfg(feature = "events")]
            Error::Events(error) => ("Events", error),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            let (variant, error) = self.layer();
            return f.debug_tuple(variant).field(error).finish();
        }
        // `fn main() -> Result<(), Error>` prints this: say which call failed where, then why;
        // the engine's URL once, where the message does not name it already.
        let message = self.to_string();
        match (self.operation(), self.base_url()) {
            (Some(operation), Some(url)) if !message.contains(url) => {
                write!(f, "{operation} at {url}: {message}")?;
            }
            (Some(operation), _) => write!(f, "{operation}: {message}")?,
            _ => f.write_str(&message)?,
        }
        let mut source = std::error::Error::source(self);
        if source.is_some() {
            f.write_str("\n\nCaused by:")?;
        }
        while let Some(cause) = source {
            write!(f, "\n    {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
