//! Starting a process instance.

use process_engine_api_types::models::{
    ProcessStartRequest, ProcessStartResponse, StartCallbackType, StartProcessInstanceQuery,
};
use process_engine_api_types::operations::StartProcessInstance;
use process_engine_transport::{Client, Error, RequestOptions};

/// What a start sends, in the client's terms.
pub(crate) struct Start<'a> {
    pub(crate) process_model_id: &'a str,
    pub(crate) start_event_id: &'a str,
    pub(crate) end_event_id: Option<&'a str>,
    /// 1, 2 or 3.
    pub(crate) callback: i64,
    pub(crate) correlation_id: &'a str,
    pub(crate) input_values: Option<serde_json::Value>,
    pub(crate) caller_id: Option<&'a str>,
}

pub(crate) async fn start(
    client: &Client,
    start: Start<'_>,
    options: &RequestOptions,
) -> Result<ProcessStartResponse, Error> {
    // Always the snake_case parameter: 8.0.0 ignores `startCallbackType` and answers at once.
    let mut query = StartProcessInstanceQuery::new()
        .with_start_callback_type(StartCallbackType::from(start.callback))
        .with_start_event_id(start.start_event_id);
    if let Some(end_event_id) = start.end_event_id {
        query = query.with_end_event_id(end_event_id);
    }
    let mut body = ProcessStartRequest::new().with_correlation_id(start.correlation_id);
    if let Some(input_values) = start.input_values {
        body = body.with_input_values(input_values);
    }
    if let Some(caller_id) = start.caller_id {
        body = body.with_caller_id(caller_id);
    }
    let operation = StartProcessInstance::new(start.process_model_id, body).with_query(query);
    client.execute(&operation, options).await
}
