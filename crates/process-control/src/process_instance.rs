//! The caller's own running process instances.

use process_engine_api_types::models;

use crate::mode::Mode;
use crate::{ProcessControlClient, Request, wire};

/// One of the caller's running process instances.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessInstance {
    /// The instance's id.
    pub id: String,
    /// The correlation it runs in.
    pub correlation_id: String,
    /// The process model it runs.
    pub process_model_id: String,
    /// The user id of the identity that started it.
    pub owner_user_id: String,
    /// The instance that started it through a call activity, if any.
    pub parent_process_instance_id: Option<String>,
}

impl From<models::ProcessInstance> for ProcessInstance {
    /// The wire type already names its fields for what they hold: ProcessEngine 8.0.0
    /// (consumer_api_core 5.2.0) sends the model id as `correlationId` and the correlation id as
    /// `processModelId`, and the generated type reads them the right way round.
    fn from(instance: models::ProcessInstance) -> Self {
        ProcessInstance {
            id: instance.id,
            correlation_id: instance.correlation_id,
            process_model_id: instance.process_model_id,
            owner_user_id: instance.owner.user_id,
            parent_process_instance_id: instance.parent_process_instance_id,
        }
    }
}

impl<M: Mode> ProcessControlClient<M> {
    /// The running process instances started by the caller's identity (the user id of its
    /// token; give a user's identity with
    /// [`RequestOptionsBuilder::identity`](crate::RequestOptionsBuilder::identity)).
    ///
    /// ProcessEngine 8.0.0 swaps `correlationId` and `processModelId` in this answer; the
    /// [`ProcessInstance`]s returned here have them the right way round.
    pub fn own_process_instances(&self) -> Request<Vec<ProcessInstance>, M> {
        self.request(|client, options| async move {
            let list = wire::correlations::own_instances(&client, &options).await?;
            Ok(list.into_iter().map(Into::into).collect())
        })
    }
}
