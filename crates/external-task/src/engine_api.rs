//! The five calls the worker makes, in one place: everything else in the crate speaks in these
//! functions, not in operations and bodies.

use std::time::Duration;

use process_engine_api_types::models::{
    ExtendLockRequest, ExternalTask, FetchAndLockRequest, FinishExternalTaskRequest,
    HandleBpmnErrorRequest, HandleServiceErrorRequest,
};
use process_engine_api_types::operations::{
    ExtendExternalTaskLock, FetchAndLockExternalTasks, FinishExternalTask,
    HandleExternalTaskBpmnError, HandleExternalTaskServiceError,
};
use process_engine_transport::{Client, Error, RequestOptions};
use serde_json::Value;

use crate::TaskError;

/// One fetch-and-lock: a long poll of `long_polling_ms`, whose attempt may take `attempt_timeout`.
pub(crate) struct Fetch<'a> {
    pub(crate) worker_id: &'a str,
    pub(crate) topic: &'a str,
    pub(crate) max_tasks: u64,
    pub(crate) long_polling_ms: u64,
    pub(crate) lock_ms: u64,
    pub(crate) attempt_timeout: Duration,
}

pub(crate) async fn fetch_and_lock(
    client: &Client,
    fetch: &Fetch<'_>,
) -> Result<Vec<ExternalTask>, Error> {
    let body = FetchAndLockRequest::new(fetch.worker_id, fetch.topic)
        .with_max_tasks(fetch.max_tasks)
        .with_long_polling_timeout(fetch.long_polling_ms)
        .with_lock_duration(fetch.lock_ms);
    let options = RequestOptions::new().with_attempt_timeout(fetch.attempt_timeout);
    client
        .execute(&FetchAndLockExternalTasks::new(body), &options)
        .await
}

pub(crate) async fn extend_lock(
    client: &Client,
    task_id: &str,
    worker_id: &str,
    additional_ms: u64,
) -> Result<(), Error> {
    let body = ExtendLockRequest::new(worker_id, additional_ms);
    client
        .execute(
            &ExtendExternalTaskLock::new(task_id, body),
            &RequestOptions::new(),
        )
        .await
}

/// What the worker reports for a task.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Report {
    Finish(Value),
    Failed(TaskError),
}

impl Report {
    /// The name of the outcome, for logs.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Report::Finish(_) => "result",
            Report::Failed(TaskError::Bpmn(_)) => "bpmn_error",
            Report::Failed(TaskError::Service(_)) => "service_error",
        }
    }
}

/// A report as the operation that delivers it, built once and sent as often as needed.
pub(crate) enum Delivery {
    Finish(FinishExternalTask),
    Bpmn(HandleExternalTaskBpmnError),
    Service(HandleExternalTaskServiceError),
}

impl Delivery {
    pub(crate) fn new(task_id: &str, worker_id: &str, report: Report) -> Self {
        match report {
            Report::Finish(result) => Delivery::Finish(FinishExternalTask::new(
                task_id,
                FinishExternalTaskRequest::new(worker_id).with_result(result),
            )),
            // The 8.0.0 engine takes no message with a BPMN error; it is logged instead.
            Report::Failed(TaskError::Bpmn(error)) => {
                Delivery::Bpmn(HandleExternalTaskBpmnError::new(
                    task_id,
                    HandleBpmnErrorRequest::new(worker_id, error.code),
                ))
            }
            Report::Failed(TaskError::Service(error)) => {
                Delivery::Service(HandleExternalTaskServiceError::new(
                    task_id,
                    HandleServiceErrorRequest::new(worker_id, error.message)
                        .with_error_details(error.details),
                ))
            }
        }
    }

    pub(crate) async fn send(&self, client: &Client) -> Result<(), Error> {
        let options = RequestOptions::new();
        match self {
            Delivery::Finish(operation) => client.execute(operation, &options).await,
            Delivery::Bpmn(operation) => client.execute(operation, &options).await,
            Delivery::Service(operation) => client.execute(operation, &options).await,
        }
    }
}
