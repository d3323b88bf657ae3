//! What a start answers.

use process_engine_api_types::models::ProcessStartResponse;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;

/// A started process instance: where it runs and, for a start that waited for it, where it ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProcessStartResult {
    /// The instance's correlation: the one given, or the one the client generated.
    pub correlation_id: String,
    /// The new instance's id.
    pub process_instance_id: String,
    /// For starts that waited (callback types 2 and 3): the end event the instance reached.
    pub end_event_id: Option<String>,
    /// For starts that waited: the token payload at that end event.
    pub token_payload: Option<Value>,
}

impl ProcessStartResult {
    /// Reads the token payload as `T`; the error names the first field that does not fit. A
    /// start that did not wait has no payload, which reads as JSON `null` (so `Option<T>` fits).
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(process_engine_api_types::payload::payload_as(
            self.token_payload.as_ref(),
        )?)
    }
}

impl From<ProcessStartResponse> for ProcessStartResult {
    fn from(answer: ProcessStartResponse) -> Self {
        ProcessStartResult {
            correlation_id: answer.correlation_id,
            process_instance_id: answer.process_instance_id,
            end_event_id: answer.end_event_id,
            token_payload: answer.token_payload,
        }
    }
}
