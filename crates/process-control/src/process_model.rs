//! Deployed process models: list, get, get by process instance, with or without their XML.

use process_engine_api_types::models::{self, EventReference};

use crate::mode::Mode;
use crate::{ProcessControlClient, Request, wire};

/// A deployed process model.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessModel {
    /// The model's id (the id of its BPMN `process`).
    pub id: String,
    /// The ids of its start events in document order (empty when the process is not executable).
    pub start_events: Vec<String>,
    /// The ids of its end events in document order (empty when the process is not executable).
    pub end_events: Vec<String>,
    /// The BPMN XML as deployed, when it was asked for
    /// ([`process_models_with_xml`](ProcessControlClient::process_models_with_xml),
    /// [`process_model_with_xml`](ProcessControlClient::process_model_with_xml)).
    pub xml: Option<String>,
}

fn ids(events: Vec<EventReference>) -> Vec<String> {
    events.into_iter().map(|event| event.id).collect()
}

impl From<models::ProcessModel> for ProcessModel {
    fn from(model: models::ProcessModel) -> Self {
        ProcessModel {
            id: model.id,
            start_events: ids(model.start_events),
            end_events: ids(model.end_events),
            xml: None,
        }
    }
}

impl From<models::ManagementProcessModel> for ProcessModel {
    fn from(model: models::ManagementProcessModel) -> Self {
        ProcessModel {
            id: model.id,
            start_events: ids(model.start_events),
            end_events: ids(model.end_events),
            xml: Some(model.xml),
        }
    }
}

impl<M: Mode> ProcessControlClient<M> {
    /// The deployed process models the caller may see.
    pub fn process_models(&self) -> Request<Vec<ProcessModel>, M> {
        self.request(|client, options| async move {
            let list = wire::process_models::list(&client, &options).await?;
            Ok(list.process_models.into_iter().map(Into::into).collect())
        })
    }

    /// One deployed process model; [`ErrorKind::ProcessModelNotFound`] when there is none with
    /// that id.
    ///
    /// [`ErrorKind::ProcessModelNotFound`]: crate::ErrorKind::ProcessModelNotFound
    pub fn process_model(&self, process_model_id: impl Into<String>) -> Request<ProcessModel, M> {
        let id = process_model_id.into();
        self.request(|client, options| async move {
            Ok(wire::process_models::get(&client, &id, &options)
                .await?
                .into())
        })
    }

    /// The process model a process instance runs.
    pub fn process_model_of_instance(
        &self,
        process_instance_id: impl Into<String>,
    ) -> Request<ProcessModel, M> {
        let id = process_instance_id.into();
        self.request(|client, options| async move {
            Ok(wire::process_models::of_instance(&client, &id, &options)
                .await?
                .into())
        })
    }

    /// The deployed process models with their BPMN XML (through the engine's management API).
    pub fn process_models_with_xml(&self) -> Request<Vec<ProcessModel>, M> {
        self.request(|client, options| async move {
            let list = wire::process_models::list_with_xml(&client, &options).await?;
            Ok(list.process_models.into_iter().map(Into::into).collect())
        })
    }

    /// One deployed process model with its BPMN XML (through the engine's management API).
    pub fn process_model_with_xml(
        &self,
        process_model_id: impl Into<String>,
    ) -> Request<ProcessModel, M> {
        let id = process_model_id.into();
        self.request(|client, options| async move {
            Ok(wire::process_models::get_with_xml(&client, &id, &options)
                .await?
                .into())
        })
    }
}
