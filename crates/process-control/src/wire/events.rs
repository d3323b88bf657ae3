//! Waiting message and signal events, and triggering them.

use process_engine_api_types::models::{EventList, EventTriggerRequest};
use process_engine_api_types::routes;
use process_engine_transport::{Call, Client, Error};

use crate::options::RequestOptions;
use crate::scope::EventScope;

pub(crate) async fn list(
    client: &Client,
    scope: &EventScope,
    options: &RequestOptions,
) -> Result<EventList, Error> {
    match scope {
        EventScope::ProcessModel(model) => {
            super::json(
                client,
                &routes::GET_EVENTS_FOR_PROCESS_MODEL,
                &[model],
                options,
            )
            .await
        }
        EventScope::Correlation(correlation) => {
            super::json(
                client,
                &routes::GET_EVENTS_FOR_CORRELATION,
                &[correlation],
                options,
            )
            .await
        }
        EventScope::ProcessModelInCorrelation { model, correlation } => {
            super::json(
                client,
                &routes::GET_EVENTS_FOR_PROCESS_MODEL_IN_CORRELATION,
                &[model, correlation],
                options,
            )
            .await
        }
    }
}

/// Message or signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    Message,
    Signal,
}

pub(crate) async fn trigger(
    client: &Client,
    trigger: Trigger,
    name: &str,
    payload: Option<serde_json::Value>,
    options: &RequestOptions,
) -> Result<(), Error> {
    let route = match trigger {
        Trigger::Message => &routes::TRIGGER_MESSAGE_EVENT,
        Trigger::Signal => &routes::TRIGGER_SIGNAL_EVENT,
    };
    // Only `currentToken` of the body reaches the waiting token (scenario a12; the core's
    // message handler reads `currentToken` of what it receives).
    let mut body = EventTriggerRequest::default();
    body.current_token = payload;
    let call = Call::new(route).param(name).json(&body);
    client.empty(options.apply(call)).await
}
