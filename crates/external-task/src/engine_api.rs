//! The five calls the worker makes, in one place: everything else in the crate speaks in these
//! functions, not in routes and bodies.

use std::time::Duration;

use process_engine_api_types::models::{
    ExtendLockRequest, ExternalTask, FetchAndLockRequest, FinishExternalTaskRequest,
    HandleBpmnErrorRequest, HandleServiceErrorRequest,
};
use process_engine_api_types::routes;
use process_engine_transport::{Call, Client, Error};
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
    let mut body = FetchAndLockRequest::default();
    body.worker_id = fetch.worker_id.to_owned();
    body.topic_name = fetch.topic.to_owned();
    body.max_tasks = Some(fetch.max_tasks);
    body.long_polling_timeout = Some(fetch.long_polling_ms);
    body.lock_duration = Some(fetch.lock_ms);
    let call = Call::new(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS)
        .json(&body)
        .attempt_timeout(fetch.attempt_timeout);
    client.json(call).await
}

pub(crate) async fn extend_lock(
    client: &Client,
    task_id: &str,
    worker_id: &str,
    additional_ms: u64,
) -> Result<(), Error> {
    let mut body = ExtendLockRequest::default();
    body.worker_id = worker_id.to_owned();
    body.additional_duration = additional_ms;
    let call = Call::new(&routes::EXTEND_EXTERNAL_TASK_LOCK)
        .param(task_id)
        .json(&body);
    client.empty(call).await
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

pub(crate) async fn report(
    client: &Client,
    task_id: &str,
    worker_id: &str,
    report: &Report,
) -> Result<(), Error> {
    let call = match report {
        Report::Finish(result) => {
            let mut body = FinishExternalTaskRequest::default();
            body.worker_id = worker_id.to_owned();
            body.result = result.clone();
            Call::new(&routes::FINISH_EXTERNAL_TASK)
                .param(task_id)
                .json(&body)
        }
        Report::Failed(TaskError::Bpmn(error)) => {
            let mut body = HandleBpmnErrorRequest::default();
            body.worker_id = worker_id.to_owned();
            body.error_code = error.code.clone();
            Call::new(&routes::HANDLE_EXTERNAL_TASK_BPMN_ERROR)
                .param(task_id)
                .json(&body)
        }
        Report::Failed(TaskError::Service(error)) => {
            let mut body = HandleServiceErrorRequest::default();
            body.worker_id = worker_id.to_owned();
            body.error_message = error.message.clone();
            body.error_details = Some(error.details.clone());
            Call::new(&routes::HANDLE_EXTERNAL_TASK_SERVICE_ERROR)
                .param(task_id)
                .json(&body)
        }
    };
    client.empty(call).await
}
