//! The results of finished instances: the end event each reached and the payload there.

use process_engine_api_types::models::CorrelationResult;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::mode::Mode;
use crate::{Error, ProcessControlClient, Request, wire};

/// The result of a finished instance.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProcessResult {
    /// The correlation the instance ran in.
    pub correlation_id: String,
    /// The end event it reached.
    pub end_event_id: String,
    /// The token payload at that end event. After a user task it holds the task's answer as
    /// the engine wraps it: `{"form_fields": {...}}`.
    pub token_payload: Value,
}

impl ProcessResult {
    /// Reads the token payload as `T`; the error names the first field that does not fit.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(process_engine_api_types::payload::payload_as(Some(
            &self.token_payload,
        ))?)
    }
}

impl From<CorrelationResult> for ProcessResult {
    fn from(result: CorrelationResult) -> Self {
        ProcessResult {
            correlation_id: result.correlation_id,
            end_event_id: result.end_event_id,
            token_payload: result.token_payload,
        }
    }
}

impl<M: Mode> ProcessControlClient<M> {
    /// The results of the finished instances of `process_model_id` in a correlation, one per end
    /// event reached: empty while the instance runs or after it failed. Fails with
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for a correlation the engine does not
    /// know.
    pub fn process_results(
        &self,
        correlation_id: impl Into<String>,
        process_model_id: impl Into<String>,
    ) -> Request<Vec<ProcessResult>, M> {
        let (correlation_id, model) = (correlation_id.into(), process_model_id.into());
        self.request(|client, options| async move {
            let results =
                wire::correlations::results(&client, &correlation_id, &model, &options).await?;
            Ok(results.into_iter().map(Into::into).collect())
        })
    }
}
