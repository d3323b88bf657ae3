//! Starting a process instance.

use process_engine_api_types::models::{
    ProcessStartRequest, ProcessStartResponse, StartCallbackType, StartProcessInstanceQuery,
};
use process_engine_api_types::routes;
use process_engine_transport::{Call, Client, Error};

use crate::options::RequestOptions;

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
    let mut query = StartProcessInstanceQuery::default();
    // Always the snake_case parameter: 8.0.0 ignores `startCallbackType` and answers at once.
    query.start_callback_type = Some(StartCallbackType::from(start.callback));
    query.start_event_id = Some(start.start_event_id.to_owned());
    query.end_event_id = start.end_event_id.map(str::to_owned);
    let mut body = ProcessStartRequest::default();
    body.correlation_id = Some(start.correlation_id.to_owned());
    body.input_values = start.input_values;
    body.caller_id = start.caller_id.map(str::to_owned);
    let call = Call::new(&routes::START_PROCESS_INSTANCE)
        .param(start.process_model_id)
        .query(&query)
        .json(&body);
    client.json(options.apply(call)).await
}
