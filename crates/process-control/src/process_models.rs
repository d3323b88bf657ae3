//! Deployed process models: list, get, get by process instance, with or without their XML.

use process_engine_api_types::operations::{
    GetProcessModelById, GetProcessModelByProcessInstanceId, GetProcessModels,
    ManagementGetProcessModelById, ManagementGetProcessModels,
};

use crate::{ProcessControlClient, RequestBuilder};

impl ProcessControlClient {
    /// The deployed process models the caller may see.
    pub fn process_models(&self) -> RequestBuilder<GetProcessModels> {
        self.request(GetProcessModels::new())
    }

    /// One deployed process model; [`ErrorKind::ProcessModelNotFound`] when there is none with
    /// that id.
    ///
    /// [`ErrorKind::ProcessModelNotFound`]: crate::ErrorKind::ProcessModelNotFound
    pub fn process_model(
        &self,
        process_model_id: impl Into<String>,
    ) -> RequestBuilder<GetProcessModelById> {
        self.request(GetProcessModelById::new(process_model_id))
    }

    /// The process model a process instance runs.
    pub fn process_model_of_instance(
        &self,
        process_instance_id: impl Into<String>,
    ) -> RequestBuilder<GetProcessModelByProcessInstanceId> {
        self.request(GetProcessModelByProcessInstanceId::new(process_instance_id))
    }

    /// The deployed process models with their BPMN XML (through the engine's management API).
    pub fn process_models_with_xml(&self) -> RequestBuilder<ManagementGetProcessModels> {
        self.request(ManagementGetProcessModels::new())
    }

    /// One deployed process model with its BPMN XML (through the engine's management API).
    pub fn process_model_with_xml(
        &self,
        process_model_id: impl Into<String>,
    ) -> RequestBuilder<ManagementGetProcessModelById> {
        self.request(ManagementGetProcessModelById::new(process_model_id))
    }
}
