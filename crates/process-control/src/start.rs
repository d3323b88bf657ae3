//! Starting a process instance: the builder behind
//! [`ProcessControlClient::start_process_instance`].

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::error::Repr;
use crate::mode::{Async, Mode};
use crate::{Error, ProcessControlClient, ProcessStartResult, StartCallbackType, wait, wire};
use process_engine_transport::{RequestOptions, RequestOptionsBuilder};

/// Whether the error answer of a waiting start may be its instance's failure: an error status,
/// but not one that says the call itself was not let through, or one of an unavailable engine
/// (a proxy's).
fn may_be_instance_failure(error: &process_engine_transport::Error) -> bool {
    error
        .status()
        .is_some_and(|status| (400..=599).contains(&status))
        && !error.is_unauthorized()
        && !error.is_retryable()
}

/// How much longer than the wait limit the transport may take, so that the wait limit, with its
/// clearer error, is what ends a blocking start.
const TRANSPORT_GRACE: Duration = Duration::from_secs(5);

impl<M: Mode> ProcessControlClient<M> {
    /// Starts an instance of `process_model_id` at `start_event_id`; the Python client's
    /// `start_process_instance(process_model_id, start_event_id, ...)`.
    ///
    /// ```no_run
    /// # use process_engine_process_control::{ProcessControlClient, StartCallbackType};
    /// # async fn run() -> Result<(), process_engine_process_control::Error> {
    /// let client = ProcessControlClient::new("http://localhost:56000")?;
    /// let started = client
    ///     .start_process_instance("hello_world", "the_start_event")
    ///     .end_event("the_end_event")
    ///     .callback(StartCallbackType::OnEndEventReached)
    ///     .send()
    ///     .await?;
    /// println!("{} ended with {:?}", started.process_instance_id, started.token_payload);
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_process_instance(
        &self,
        process_model_id: impl Into<String>,
        start_event_id: impl Into<String>,
    ) -> StartProcessInstance<M> {
        StartProcessInstance {
            client: self.clone(),
            start: Start {
                process_model_id: process_model_id.into(),
                start_event_id: start_event_id.into(),
                end_event_id: None,
                callback: StartCallbackType::default(),
                correlation_id: None,
                input: None,
                caller_id: None,
                wait_limit: None,
                options: RequestOptions::default(),
            },
        }
    }
}

/// A start of a process instance: set what it needs, then `send()`.
///
/// The correlation id is always sent: the client generates one (a UUID) when none is given, so
/// that it can name it when its wait for the instance runs out.
#[must_use = "a start does nothing until it is sent"]
#[derive(Debug)]
pub struct StartProcessInstance<M: Mode = Async> {
    pub(crate) client: ProcessControlClient<M>,
    pub(crate) start: Start,
}

#[derive(Debug)]
pub(crate) struct Start {
    process_model_id: String,
    start_event_id: String,
    end_event_id: Option<String>,
    callback: StartCallbackType,
    correlation_id: Option<String>,
    /// Serialized when given, so that the builder does not borrow; the error waits for `send`.
    input: Option<Result<Value, serde_json::Error>>,
    caller_id: Option<String>,
    wait_limit: Option<Duration>,
    options: RequestOptions,
}

impl<M: Mode> StartProcessInstance<M> {
    /// The end event to wait for: required with [`StartCallbackType::OnEndEventReached`],
    /// ignored otherwise.
    pub fn end_event(mut self, end_event_id: impl Into<String>) -> Self {
        self.start.end_event_id = Some(end_event_id.into());
        self
    }

    /// When the start answers; see [`StartCallbackType`].
    pub fn callback(mut self, callback: StartCallbackType) -> Self {
        self.start.callback = callback;
        self
    }

    /// The correlation to run the instance in (reusing one groups instances). Without it the
    /// client generates a UUID.
    pub fn correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.start.correlation_id = Some(correlation_id.into());
        self
    }

    /// The instance's initial token payload (`token.current` in the model), any `Serialize`
    /// value. A value that does not serialize fails the start when it is sent.
    pub fn input<T: Serialize + ?Sized>(mut self, input: &T) -> Self {
        self.start.input = Some(serde_json::to_value(input));
        self
    }

    /// The id of the process instance that starts this one (its parent).
    pub fn caller_id(mut self, caller_id: impl Into<String>) -> Self {
        self.start.caller_id = Some(caller_id.into());
        self
    }

    /// How long a start that waits for the instance (callback types 2 and 3) waits at most;
    /// the client's [`wait_limit`](ProcessControlClient::wait_limit) otherwise. When it passes,
    /// the start fails with [`ErrorKind::WaitLimitPassed`](crate::ErrorKind::WaitLimitPassed),
    /// naming the correlation; the instance goes on.
    pub fn wait_limit(mut self, limit: Duration) -> Self {
        self.start.wait_limit = Some(limit);
        self
    }
}

impl<M: Mode> RequestOptionsBuilder for StartProcessInstance<M> {
    fn request_options(&mut self) -> &mut RequestOptions {
        &mut self.start.options
    }
}

impl StartProcessInstance<Async> {
    /// Starts the instance and answers when the callback type says.
    pub async fn send(self) -> Result<ProcessStartResult, Error> {
        let client = self.client;
        let start = self.start;
        let input = start
            .input
            .transpose()
            .map_err(|error| Error::serialize("the input values", error))?;
        if start.start_event_id.is_empty() {
            return Err(Error::invalid_input("the start event id is empty"));
        }
        let generated_correlation = start.correlation_id.is_none();
        let correlation_id = match start.correlation_id {
            Some(id) if id.is_empty() => {
                return Err(Error::invalid_input("the correlation id is empty"));
            }
            Some(id) => id,
            None => uuid::Uuid::new_v4().to_string(),
        };
        let wire_start = wire::start::Start {
            process_model_id: &start.process_model_id,
            start_event_id: &start.start_event_id,
            end_event_id: start.end_event_id.as_deref(),
            callback: start.callback.wire(),
            correlation_id: &correlation_id,
            input_values: input,
            caller_id: start.caller_id.as_deref(),
        };
        let transport = client.transport();
        if !start.callback.waits() {
            let answer = wire::start::start(transport, wire_start, &start.options).await?;
            return Ok(answer.into());
        }
        let limit = start.wait_limit.unwrap_or_else(|| client.wait_limit());
        let mut options = start.options;
        // The transport's limits are made for answers that come at once; unless the caller set
        // them for this call, they must not end the wait before the wait limit does.
        let transport_limit = limit.saturating_add(TRANSPORT_GRACE);
        options.attempt_timeout.get_or_insert(transport_limit);
        options.deadline.get_or_insert(transport_limit);
        let process_model_id = wire_start.process_model_id.to_owned();
        match tokio::time::timeout(limit, wire::start::start(transport, wire_start, &options)).await
        {
            Ok(Ok(answer)) => Ok(answer.into()),
            // The engine answers a waiting start whose instance failed with the failure's status
            // (its `_code`, else 500) and message (BPMN.md section 5); a refusal before anything
            // started has a status of its own (400, 404). The correlation tells them apart.
            Ok(Err(error)) if may_be_instance_failure(&error) => {
                // The lookup is an ordinary read: the client's time limits, the start's identity
                // (the engine shows a correlation only to its owner).
                let mut lookup = RequestOptions::new();
                lookup.identity.clone_from(&options.identity);
                let why = wait::failed_instance(
                    transport,
                    wait::FailedStart {
                        process_model_id: &process_model_id,
                        correlation_id: &correlation_id,
                        only_instance: !generated_correlation,
                    },
                    &lookup,
                    error,
                )
                .await;
                Err(why.unwrap_or_else(Error::from))
            }
            Ok(Err(error)) => Err(error.into()),
            Err(_elapsed) => Err(Error::new(Repr::WaitLimit {
                process_model_id,
                correlation_id,
                limit,
            })),
        }
    }
}
