//! Process instances: the caller's own, one instance's record and token history, terminating
//! one.

use process_engine_api_types::models::CorrelationProcessInstance;
use process_engine_api_types::operations::{
    GetCorrelationByProcessInstanceId, GetOwnProcessInstances,
    GetTokenHistoryForCorrelationAndProcessModel, GetTokenHistoryForProcessInstance,
    TerminateProcessInstance,
};
use process_engine_transport::RequestOptions;

use crate::{Error, ProcessControlClient, RequestBuilder};

impl ProcessControlClient {
    /// The running process instances started by the caller's identity (the user id of its
    /// token; give a user's identity with
    /// [`RequestOptions::with_identity`](crate::RequestOptions::with_identity)).
    ///
    /// ProcessEngine 8.0.0 swaps `correlationId` and `processModelId` in this answer; the
    /// generated [`ProcessInstance`](process_engine_api_types::models::ProcessInstance) reads them the right way
    /// round.
    pub fn own_process_instances(&self) -> RequestBuilder<GetOwnProcessInstances> {
        self.request(GetOwnProcessInstances::new())
    }

    /// A process instance as its correlation records it: its state (running, finished, error),
    /// the error it failed with, its model, owner and parent.
    pub fn process_instance(
        &self,
        process_instance_id: impl Into<String>,
    ) -> ProcessInstanceBuilder {
        ProcessInstanceBuilder {
            request: self.request(GetCorrelationByProcessInstanceId::new(process_instance_id)),
        }
    }

    /// Terminates a process instance: it ends in state error, its open tasks are gone. The
    /// engine does it asynchronously.
    pub fn terminate_process_instance(
        &self,
        process_instance_id: impl Into<String>,
    ) -> RequestBuilder<TerminateProcessInstance> {
        self.request(TerminateProcessInstance::new(process_instance_id))
    }

    /// The token history of a process instance: for each flow node, the payload each time a
    /// token entered or left it.
    pub fn token_history(
        &self,
        process_instance_id: impl Into<String>,
    ) -> RequestBuilder<GetTokenHistoryForProcessInstance> {
        self.request(GetTokenHistoryForProcessInstance::new(process_instance_id))
    }

    /// The token history of the instance of `process_model_id` in a correlation.
    pub fn token_history_in_correlation(
        &self,
        correlation_id: impl Into<String>,
        process_model_id: impl Into<String>,
    ) -> RequestBuilder<GetTokenHistoryForCorrelationAndProcessModel> {
        self.request(GetTokenHistoryForCorrelationAndProcessModel::new(
            correlation_id,
            process_model_id,
        ))
    }
}

/// The read of one process instance: its correlation, from which `send()` answers the
/// instance's own record.
#[must_use = "a request does nothing until it is sent"]
#[derive(Debug)]
pub struct ProcessInstanceBuilder {
    request: RequestBuilder<GetCorrelationByProcessInstanceId>,
}

impl ProcessInstanceBuilder {
    /// Makes the call with `options` (time limits, identity) instead of the client's settings.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.request = self.request.with_options(options);
        self
    }

    /// The operation the read makes.
    pub fn operation(&self) -> &GetCorrelationByProcessInstanceId {
        self.request.operation()
    }

    /// The per-call options the read is made with.
    pub fn options(&self) -> &RequestOptions {
        self.request.options()
    }

    /// Reads the instance's correlation and answers the instance.
    pub async fn send(self) -> Result<CorrelationProcessInstance, Error> {
        let id = self.request.operation().process_instance_id.clone();
        let correlation = self.request.send().await?;
        correlation
            .process_instances
            .into_iter()
            .find(|instance| instance.process_instance_id == id)
            .ok_or_else(|| {
                Error::unexpected(
                    "get_correlation_by_process_instance_id",
                    format!("does not list the process instance {id}"),
                )
            })
    }
}
