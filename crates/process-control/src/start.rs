//! Starting a process instance: the builder behind
//! [`ProcessControlClient::start_process_instance`].

use std::time::Duration;

use process_engine_api_types::models::{
    ProcessStartRequest, ProcessStartResponse, StartCallbackType, StartProcessInstanceQuery,
};
use process_engine_api_types::operations::StartProcessInstance;
use process_engine_transport::RequestOptions;
use serde::Serialize;

use crate::error::Repr;
use crate::{Error, ProcessControlClient, RequestBuilder, wait, waiting_at};

/// How much longer than the wait limit the transport may take, so that the wait limit, with its
/// clearer error, is what ends a blocking start.
const TRANSPORT_GRACE: Duration = Duration::from_secs(5);

impl ProcessControlClient {
    /// Starts an instance of `process_model_id` at `start_event_id`; the Python client's
    /// `start_process_instance(process_model_id, start_event_id, ...)`.
    ///
    /// ```no_run
    /// # use process_engine_process_control::ProcessControlClient;
    /// # async fn run(client: &ProcessControlClient) -> Result<(), process_engine_process_control::Error> {
    /// let started = client
    ///     .start_process_instance("hello_world", "the_start_event")
    ///     .end_event("the_end_event")
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
    ) -> StartProcessInstanceBuilder {
        // The callback type always travels as the snake_case query parameter: 8.0.0 ignores
        // `startCallbackType` and answers at once.
        let query = StartProcessInstanceQuery::new()
            .with_start_callback_type(StartCallbackType::OnProcessInstanceCreated)
            .with_start_event_id(start_event_id);
        let body = ProcessStartRequest::new().with_correlation_id(uuid::Uuid::new_v4().to_string());
        let operation = StartProcessInstance::new(process_model_id, body).with_query(query);
        StartProcessInstanceBuilder {
            request: self.request(operation),
            correlation_generated: true,
            callback_chosen: false,
            wait_limit: self.wait_limit(),
        }
    }
}

/// A start of a process instance: set what it needs, then `send()`; it answers the engine's
/// [`ProcessStartResponse`].
///
/// The correlation id is always sent: the client generates one (a UUID) when none is given, so
/// that it can name it when its wait for the instance runs out.
#[must_use = "a start does nothing until it is sent"]
#[derive(Debug)]
pub struct StartProcessInstanceBuilder {
    request: RequestBuilder<StartProcessInstance>,
    /// The correlation id is the client's, not the caller's: its instance may share it with no
    /// other.
    correlation_generated: bool,
    /// [`callback`](Self::callback) was called: naming an end event no longer chooses it.
    callback_chosen: bool,
    wait_limit: Duration,
}

impl StartProcessInstanceBuilder {
    /// The end event to wait for. Naming one makes the start wait until the instance reaches
    /// it ([`StartCallbackType::OnEndEventReached`]), unless [`callback`](Self::callback) chooses
    /// another callback type, which ignores it.
    pub fn end_event(mut self, end_event_id: impl Into<String>) -> Self {
        let query = &mut self.request.operation_mut().query;
        query.end_event_id = Some(end_event_id.into());
        if !self.callback_chosen {
            query.start_callback_type = Some(StartCallbackType::OnEndEventReached);
        }
        self
    }

    /// When the start answers; see [`StartCallbackType`]. Callback types 2 and 3 wait for the
    /// instance, at most the [`wait_limit`](Self::wait_limit). Without it, the start answers
    /// once the instance exists, or, with an [`end_event`](Self::end_event), once the instance
    /// reaches it.
    pub fn callback(mut self, callback: StartCallbackType) -> Self {
        self.request.operation_mut().query.start_callback_type = Some(callback);
        self.callback_chosen = true;
        self
    }

    /// The correlation to run the instance in (reusing one groups instances). Without it the
    /// client generates a UUID.
    pub fn correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.request.operation_mut().body.correlation_id = Some(correlation_id.into());
        self.correlation_generated = false;
        self
    }

    /// The instance's initial token payload (`token.current` in the model), any `Serialize`
    /// value. A value that does not serialize fails the start when it is sent.
    pub fn input<T: Serialize + ?Sized>(mut self, input: &T) -> Self {
        match serde_json::to_value(input) {
            Ok(input) => {
                self.request.operation_mut().body.input_values = Some(input);
                self.request.mistake = None;
            }
            Err(error) => self.request.mistake = Some(Error::serialize("the input values", error)),
        }
        self
    }

    /// The id of the process instance that starts this one (its parent).
    pub fn caller_id(mut self, caller_id: impl Into<String>) -> Self {
        self.request.operation_mut().body.caller_id = Some(caller_id.into());
        self
    }

    /// How long a start that waits for the instance (callback types 2 and 3) waits at most;
    /// the client's [`wait_limit`](ProcessControlClient::wait_limit) otherwise. When it passes,
    /// the start fails with [`ErrorKind::WaitLimitPassed`](crate::ErrorKind::WaitLimitPassed),
    /// naming the correlation; the instance goes on.
    pub fn wait_limit(mut self, limit: Duration) -> Self {
        self.wait_limit = limit;
        self
    }

    /// Makes the call with `options` (time limits, identity) instead of the client's settings.
    /// A start that waits gets the wait limit as its transport time limits, unless `options`
    /// set them.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.request = self.request.with_options(options);
        self
    }

    /// The operation the start makes: the model in its path, the callback type and events in
    /// its query, the correlation, input and caller in its body.
    pub fn operation(&self) -> &StartProcessInstance {
        self.request.operation()
    }

    /// The per-call options the start is made with.
    pub fn options(&self) -> &RequestOptions {
        self.request.options()
    }

    /// Starts the instance and answers when the callback type says.
    pub async fn send(self) -> Result<ProcessStartResponse, Error> {
        let (transport, operation, mut options) = self.request.into_parts()?;
        if operation
            .query
            .start_event_id
            .as_deref()
            .is_none_or(str::is_empty)
        {
            return Err(Error::invalid_input("the start event id is empty"));
        }
        let correlation_id = match operation.body.correlation_id.as_deref() {
            Some("") | None => return Err(Error::invalid_input("the correlation id is empty")),
            Some(id) => id,
        };
        let waits = matches!(
            operation.query.start_callback_type,
            Some(
                StartCallbackType::OnProcessInstanceFinished | StartCallbackType::OnEndEventReached
            )
        );
        if !waits {
            return Ok(transport.execute(&operation, &options).await?);
        }
        let limit = self.wait_limit;
        // The transport's limits are made for answers that come at once; unless the caller set
        // them for this call, they must not end the wait before the wait limit does.
        let transport_limit = limit.saturating_add(TRANSPORT_GRACE);
        options.attempt_timeout.get_or_insert(transport_limit);
        options.deadline.get_or_insert(transport_limit);
        match tokio::time::timeout(limit, transport.execute(&operation, &options)).await {
            Ok(Ok(answer)) => Ok(answer),
            // The engine answers a waiting start whose instance failed with the failure's status
            // (its `_code`, else 500) and message; a refusal before anything started has a
            // status of its own (400, 404). The correlation tells them apart.
            Ok(Err(error)) if may_be_instance_failure(&error) => {
                // The lookup is an ordinary read: the client's time limits, the start's identity
                // (the engine shows a correlation only to its owner).
                let mut lookup = RequestOptions::new();
                lookup.identity.clone_from(&options.identity);
                let why = wait::failed_instance(
                    &transport,
                    wait::FailedStart {
                        process_model_id: &operation.process_model_id,
                        correlation_id,
                        only_instance: !self.correlation_generated,
                    },
                    &lookup,
                    error,
                )
                .await;
                Err(why.unwrap_or_else(Error::from))
            }
            Ok(Err(error)) => Err(error.into()),
            Err(_elapsed) => {
                let waiting_at = waiting_at::waiting_at(
                    &transport,
                    &operation.process_model_id,
                    correlation_id,
                    &options,
                )
                .await;
                Err(Error::new(Repr::WaitLimit {
                    process_model_id: operation.process_model_id,
                    correlation_id: correlation_id.to_owned(),
                    limit,
                    waiting_at,
                }))
            }
        }
    }
}

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

#[cfg(test)]
mod tests {
    use process_engine_transport::Client;

    use super::*;

    fn client() -> ProcessControlClient {
        ProcessControlClient::new(Client::builder("http://localhost:8000").build().unwrap())
    }

    #[test]
    fn a_start_is_its_operation_before_anything_is_sent() {
        let start = client()
            .start_process_instance("order", "start")
            .end_event("end")
            .callback(StartCallbackType::OnEndEventReached)
            .correlation_id("order-1")
            .input(&serde_json::json!({"n": 1}))
            .caller_id("parent");
        let operation = start.operation();
        assert_eq!(operation.process_model_id, "order");
        assert_eq!(
            operation.query,
            StartProcessInstanceQuery::new()
                .with_start_callback_type(StartCallbackType::OnEndEventReached)
                .with_start_event_id("start")
                .with_end_event_id("end")
        );
        assert_eq!(
            operation.body,
            ProcessStartRequest::new()
                .with_correlation_id("order-1")
                .with_input_values(serde_json::json!({"n": 1}))
                .with_caller_id("parent")
        );
        assert_eq!(start.options(), &RequestOptions::new());
    }

    #[test]
    fn without_a_correlation_id_one_is_generated() {
        let start = client().start_process_instance("order", "start");
        let generated = start.operation().body.correlation_id.clone().unwrap();
        assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");
        assert!(start.correlation_generated);
        // The default callback type is sent too: the engine gets no chance to read another.
        assert_eq!(
            start.operation().query.start_callback_type,
            Some(StartCallbackType::OnProcessInstanceCreated)
        );
    }

    #[test]
    fn naming_an_end_event_waits_for_it_unless_a_callback_says_otherwise() {
        let callback = |start: StartProcessInstanceBuilder| {
            start.operation().query.start_callback_type.clone()
        };
        let start = || client().start_process_instance("order", "start");
        assert_eq!(
            callback(start().end_event("end")),
            Some(StartCallbackType::OnEndEventReached)
        );
        for chosen in [
            StartCallbackType::OnProcessInstanceCreated,
            StartCallbackType::OnProcessInstanceFinished,
        ] {
            let chosen_first = start().callback(chosen.clone()).end_event("end");
            assert_eq!(callback(chosen_first), Some(chosen.clone()));
            let chosen_last = start().end_event("end").callback(chosen.clone());
            assert_eq!(callback(chosen_last), Some(chosen));
        }
    }

    #[tokio::test]
    async fn the_last_input_given_is_the_one_sent() {
        // JSON object keys must be strings.
        let unserializable = std::collections::BTreeMap::from([(vec![1_u8], 1)]);
        let start = client()
            .start_process_instance("order", "start")
            .input(&unserializable);
        let error = start.send().await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "the input values could not be serialized"
        );

        let start = client()
            .start_process_instance("order", "start")
            .input(&unserializable)
            .input(&1);
        assert!(start.request.mistake.is_none());
        assert_eq!(
            start.operation().body.input_values,
            Some(serde_json::json!(1))
        );
    }

    #[tokio::test]
    async fn empty_ids_are_refused_before_sending() {
        let error = client()
            .start_process_instance("order", "")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "the start event id is empty");
        let error = client()
            .start_process_instance("order", "start")
            .correlation_id("")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "the correlation id is empty");
    }
}
