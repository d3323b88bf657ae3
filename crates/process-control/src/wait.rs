//! Waiting for an instance's result by polling its state: the builder behind
//! [`ProcessControlClient::wait_for_result`].

use std::time::Duration;

use process_engine_api_types::models::{
    CorrelationProcessInstance, CorrelationResultList, CorrelationState,
};
use process_engine_api_types::operations::{GetCorrelationById, GetProcessResultsForCorrelation};
use process_engine_transport::{Client, RequestOptions};

use crate::error::Repr;
use crate::{Error, ProcessControlClient, waiting_at};

/// The first pause between polls; it doubles up to [`MAX_POLL_DELAY`].
const FIRST_POLL_DELAY: Duration = Duration::from_millis(20);
/// The longest pause between polls: how late at most the client notices the end.
const MAX_POLL_DELAY: Duration = Duration::from_secs(1);

impl ProcessControlClient {
    /// Waits until the instance of `process_model_id` in a correlation has finished (answering
    /// its results), has failed ([`ErrorKind::InstanceFailed`] with the engine's error), or the
    /// wait limit passed ([`ErrorKind::WaitLimitPassed`]; the client's
    /// [`wait_limit`](Self::wait_limit) unless [`WaitForResultBuilder::limit`] is set).
    ///
    /// It polls the correlation's state, pausing 20 ms at first and doubling up to a second
    /// (with jitter): for instances started with callback type 1, or whose start answered
    /// already. The engine shows a correlation only to the identity that started it (and
    /// everyone's to the development identity): wait for a user's instance as that user.
    ///
    /// [`ErrorKind::InstanceFailed`]: crate::ErrorKind::InstanceFailed
    /// [`ErrorKind::WaitLimitPassed`]: crate::ErrorKind::WaitLimitPassed
    pub fn wait_for_result(
        &self,
        correlation_id: impl Into<String>,
        process_model_id: impl Into<String>,
    ) -> WaitForResultBuilder {
        WaitForResultBuilder {
            transport: self.transport().clone(),
            correlation_id: correlation_id.into(),
            process_model_id: process_model_id.into(),
            limit: self.wait_limit(),
            options: RequestOptions::new(),
        }
    }
}

/// A wait for an instance's result; set a [`limit`](WaitForResultBuilder::limit) if needed,
/// then `send()`. It is no single call of the engine but a series of reads of the correlation,
/// each made with the per-call options.
#[must_use = "a wait does nothing until it is sent"]
#[derive(Debug)]
pub struct WaitForResultBuilder {
    transport: Client,
    correlation_id: String,
    process_model_id: String,
    limit: Duration,
    options: RequestOptions,
}

impl WaitForResultBuilder {
    /// How long to wait at most.
    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// Makes each poll with `options` (time limits, identity) instead of the client's settings.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The per-call options of each poll.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }
}

/// A waiting start that was answered with an error, to explain by its correlation.
pub(crate) struct FailedStart<'a> {
    pub(crate) process_model_id: &'a str,
    pub(crate) correlation_id: &'a str,
    /// The correlation was the caller's: its instance of the model must be the only one there.
    pub(crate) only_instance: bool,
}

/// Why a start that waited for its instance was `answer`ed with an error: when the correlation
/// shows the instance of `process_model_id` failed, an [`ErrorKind::InstanceFailed`] error with what the
/// engine recorded and the answer; the answer itself when it does not (a refusal before the
/// instance started), or when the lookup fails.
///
/// The engine answers a waiting start whose instance failed with the failure's status and
/// message only; the correlation has the error's class, code and details.
///
/// [`ErrorKind::InstanceFailed`]: crate::ErrorKind::InstanceFailed
pub(crate) async fn failed_instance(
    transport: &Client,
    start: FailedStart<'_>,
    options: &RequestOptions,
    answer: process_engine_transport::Error,
) -> Result<Error, process_engine_transport::Error> {
    let FailedStart {
        process_model_id,
        correlation_id,
        only_instance,
    } = start;
    let Ok(instances) = instances_of(transport, correlation_id, process_model_id, options).await
    else {
        return Err(answer);
    };
    // In a correlation the caller chose, an older instance of the model may have failed before:
    // then nothing says which one this start was.
    if only_instance && instances.len() != 1 {
        return Err(answer);
    }
    let Progress::Failed(instance) = progress(&instances) else {
        return Err(answer);
    };
    Ok(instance_failed(
        process_model_id,
        correlation_id,
        *instance,
        Some(answer),
    ))
}

/// The instances of `process_model_id` in the correlation.
async fn instances_of(
    transport: &Client,
    correlation_id: &str,
    process_model_id: &str,
    options: &RequestOptions,
) -> Result<Vec<CorrelationProcessInstance>, process_engine_transport::Error> {
    let correlation = transport
        .execute(&GetCorrelationById::new(correlation_id), options)
        .await?;
    Ok(correlation
        .process_instances
        .into_iter()
        .filter(|instance| instance.process_model_id == process_model_id)
        .collect())
}

/// The error for a failed `instance`, with what the engine recorded about it.
fn instance_failed(
    process_model_id: &str,
    correlation_id: &str,
    instance: CorrelationProcessInstance,
    answer: Option<process_engine_transport::Error>,
) -> Error {
    Error::new(Repr::InstanceFailed {
        process_model_id: process_model_id.to_owned(),
        correlation_id: correlation_id.to_owned(),
        process_instance_id: instance.process_instance_id,
        error: instance.error,
        answer,
    })
}

/// Where the polled instances stand.
enum Progress {
    Running,
    Finished,
    Failed(Box<CorrelationProcessInstance>),
}

fn progress(instances: &[CorrelationProcessInstance]) -> Progress {
    if let Some(failed) = instances
        .iter()
        .find(|instance| instance.state == CorrelationState::Error)
    {
        return Progress::Failed(Box::new(failed.clone()));
    }
    if instances
        .iter()
        .all(|instance| instance.state == CorrelationState::Finished)
    {
        Progress::Finished
    } else {
        Progress::Running
    }
}

impl WaitForResultBuilder {
    /// Waits, and answers the results of the finished instance (one per end event reached).
    pub async fn send(self) -> Result<CorrelationResultList, Error> {
        // Why the instance was not there at the last poll, while it never was.
        let mut missing = None;
        // The limit covers the polls themselves too: one that hangs must not outlast it.
        match tokio::time::timeout(self.limit, poll(&self, &mut missing)).await {
            Ok(answer) => answer,
            Err(_elapsed) => {
                if let Some(missing) = missing {
                    return Err(missing);
                }
                let waiting_at = waiting_at::waiting_at(
                    &self.transport,
                    &self.process_model_id,
                    &self.correlation_id,
                    &self.options,
                )
                .await;
                Err(Error::new(Repr::WaitLimit {
                    process_model_id: self.process_model_id,
                    correlation_id: self.correlation_id,
                    limit: self.limit,
                    waiting_at,
                }))
            }
        }
    }
}

/// Polls until the instance finished or failed. While the engine has not shown the correlation
/// or the instance yet, `missing` holds why (it stores them after answering a start with
/// callback type 1: `process_engine_core` `runtime/execute_process_service.js`, `start`, does
/// not await `_executeProcess`, whose `saveCorrelation` creates the correlation's entry); once
/// they showed, it stays `None`, and their vanishing is an error at once.
async fn poll(
    wait: &WaitForResultBuilder,
    missing: &mut Option<Error>,
) -> Result<CorrelationResultList, Error> {
    let transport = &wait.transport;
    let mut delay = FIRST_POLL_DELAY;
    let mut seen = false;
    loop {
        let found = instances_of(
            transport,
            &wait.correlation_id,
            &wait.process_model_id,
            &wait.options,
        )
        .await;
        let absent = match found {
            Ok(instances) if !instances.is_empty() => {
                seen = true;
                *missing = None;
                match progress(&instances) {
                    Progress::Failed(instance) => {
                        return Err(instance_failed(
                            &wait.process_model_id,
                            &wait.correlation_id,
                            *instance,
                            None,
                        ));
                    }
                    Progress::Finished => {
                        let results = GetProcessResultsForCorrelation::new(
                            &wait.correlation_id,
                            &wait.process_model_id,
                        );
                        return Ok(transport.execute(&results, &wait.options).await?);
                    }
                    Progress::Running => None,
                }
            }
            Ok(_none) => Some(Error::new(Repr::NoInstance {
                process_model_id: wait.process_model_id.clone(),
                correlation_id: wait.correlation_id.clone(),
            })),
            Err(error) if error.is_not_found() => Some(error.into()),
            Err(error) => return Err(error.into()),
        };
        if let Some(absent) = absent {
            if seen {
                return Err(absent);
            }
            *missing = Some(absent);
        }
        // Full jitter on the upper half, so that many waiters do not poll in step.
        tokio::time::sleep(delay.mul_f64(0.5 + fastrand::f64() / 2.0)).await;
        delay = (delay * 2).min(MAX_POLL_DELAY);
    }
}
