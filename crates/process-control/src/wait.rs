//! Waiting for an instance's result by polling its state: the builder behind
//! [`ProcessControlClient::wait_for_result`].

use std::time::Duration;

use process_engine_api_types::models::{CorrelationProcessInstance, CorrelationState};

use crate::error::Repr;
use crate::mode::{Async, Mode};
use crate::wire::correlations::Which;
use crate::{Error, ProcessControlClient, ProcessResult, wire};
use process_engine_transport::{RequestOptions, RequestOptionsBuilder};

/// The first pause between polls; it doubles up to [`MAX_POLL_DELAY`].
const FIRST_POLL_DELAY: Duration = Duration::from_millis(20);
/// The longest pause between polls: how late at most the client notices the end.
const MAX_POLL_DELAY: Duration = Duration::from_secs(1);

impl<M: Mode> ProcessControlClient<M> {
    /// Waits until the instance of `process_model_id` in a correlation has finished (answering
    /// its results), has failed ([`ErrorKind::InstanceFailed`] with the engine's error), or the
    /// wait limit passed ([`ErrorKind::WaitLimitPassed`]; the client's
    /// [`wait_limit`](Self::wait_limit) unless [`WaitForResult::limit`] is set).
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
    ) -> WaitForResult<M> {
        WaitForResult {
            client: self.clone(),
            wait: Wait {
                correlation_id: correlation_id.into(),
                process_model_id: process_model_id.into(),
                limit: None,
                options: RequestOptions::default(),
            },
        }
    }
}

/// A wait for an instance's result; set a [`limit`](WaitForResult::limit) if needed, then
/// `send()`. The per-call options apply to each poll.
#[must_use = "a wait does nothing until it is sent"]
#[derive(Debug)]
pub struct WaitForResult<M: Mode = Async> {
    pub(crate) client: ProcessControlClient<M>,
    pub(crate) wait: Wait,
}

#[derive(Debug)]
pub(crate) struct Wait {
    correlation_id: String,
    process_model_id: String,
    limit: Option<Duration>,
    options: RequestOptions,
}

impl<M: Mode> WaitForResult<M> {
    /// How long to wait at most.
    pub fn limit(mut self, limit: Duration) -> Self {
        self.wait.limit = Some(limit);
        self
    }
}

impl<M: Mode> RequestOptionsBuilder for WaitForResult<M> {
    fn request_options(&mut self) -> &mut RequestOptions {
        &mut self.wait.options
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
/// message only (BPMN.md section 5); the correlation has the error's class, code and details.
///
/// [`ErrorKind::InstanceFailed`]: crate::ErrorKind::InstanceFailed
pub(crate) async fn failed_instance(
    transport: &process_engine_transport::Client,
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
    transport: &process_engine_transport::Client,
    correlation_id: &str,
    process_model_id: &str,
    options: &RequestOptions,
) -> Result<Vec<CorrelationProcessInstance>, process_engine_transport::Error> {
    let correlation =
        wire::correlations::correlation(transport, Which::ById(correlation_id), options).await?;
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
        error: instance.error.map(Into::into),
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

impl WaitForResult<Async> {
    /// Waits, and answers the results of the finished instance (one per end event reached).
    pub async fn send(self) -> Result<Vec<ProcessResult>, Error> {
        let wait = self.wait;
        let limit = wait.limit.unwrap_or_else(|| self.client.wait_limit());
        let transport = self.client.transport();
        // The limit covers the polls themselves too: one that hangs must not outlast it.
        match tokio::time::timeout(limit, poll(transport, &wait)).await {
            Ok(answer) => answer,
            Err(_elapsed) => Err(Error::new(Repr::WaitLimit {
                process_model_id: wait.process_model_id,
                correlation_id: wait.correlation_id,
                limit,
            })),
        }
    }
}

async fn poll(
    transport: &process_engine_transport::Client,
    wait: &Wait,
) -> Result<Vec<ProcessResult>, Error> {
    let mut delay = FIRST_POLL_DELAY;
    loop {
        let instances = instances_of(
            transport,
            &wait.correlation_id,
            &wait.process_model_id,
            &wait.options,
        )
        .await?;
        if instances.is_empty() {
            return Err(Error::new(Repr::NoInstance {
                process_model_id: wait.process_model_id.clone(),
                correlation_id: wait.correlation_id.clone(),
            }));
        }
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
                let results = wire::correlations::results(
                    transport,
                    &wait.correlation_id,
                    &wait.process_model_id,
                    &wait.options,
                )
                .await?;
                return Ok(results.into_iter().map(Into::into).collect());
            }
            Progress::Running => {}
        }
        // Full jitter on the upper half, so that many waiters do not poll in step.
        tokio::time::sleep(delay.mul_f64(0.5 + fastrand::f64() / 2.0)).await;
        delay = (delay * 2).min(MAX_POLL_DELAY);
    }
}
