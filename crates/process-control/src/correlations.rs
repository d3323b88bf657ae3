//! Correlations and the results of their instances (the engine's management API for the
//! correlations): the only way 8.0.0 tells whether an instance runs, finished or failed.

use process_engine_api_types::operations::{
    GetActiveCorrelations, GetAllCorrelations, GetCorrelationById,
    GetCorrelationByProcessInstanceId, GetCorrelationsByProcessModelId,
    GetProcessResultsForCorrelation,
};

use crate::{ProcessControlClient, RequestBuilder};

impl ProcessControlClient {
    /// One correlation with its instances; [`ErrorKind::NotFound`](crate::ErrorKind::NotFound)
    /// when the caller has none of that id.
    pub fn correlation(
        &self,
        correlation_id: impl Into<String>,
    ) -> RequestBuilder<GetCorrelationById> {
        self.request(GetCorrelationById::new(correlation_id))
    }

    /// The correlation a process instance runs in.
    pub fn correlation_of_process_instance(
        &self,
        process_instance_id: impl Into<String>,
    ) -> RequestBuilder<GetCorrelationByProcessInstanceId> {
        self.request(GetCorrelationByProcessInstanceId::new(process_instance_id))
    }

    /// The correlations with instances of a process model.
    pub fn correlations_of_process_model(
        &self,
        process_model_id: impl Into<String>,
    ) -> RequestBuilder<GetCorrelationsByProcessModelId> {
        self.request(GetCorrelationsByProcessModelId::new(process_model_id))
    }

    /// All correlations the caller may see (those started with the development token are seen
    /// by everyone).
    pub fn all_correlations(&self) -> RequestBuilder<GetAllCorrelations> {
        self.request(GetAllCorrelations::new())
    }

    /// The correlations with a running instance.
    pub fn active_correlations(&self) -> RequestBuilder<GetActiveCorrelations> {
        self.request(GetActiveCorrelations::new())
    }

    /// The results of the finished instances of `process_model_id` in a correlation, one per end
    /// event reached: empty while the instance runs or after it failed. Fails with
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for a correlation the engine does not
    /// know.
    pub fn process_results(
        &self,
        correlation_id: impl Into<String>,
        process_model_id: impl Into<String>,
    ) -> RequestBuilder<GetProcessResultsForCorrelation> {
        self.request(GetProcessResultsForCorrelation::new(
            correlation_id,
            process_model_id,
        ))
    }
}
