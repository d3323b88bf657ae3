//! Waiting message and signal events, and triggering them.

use process_engine_api_types::models::{EventList, EventTriggerRequest};
use process_engine_api_types::operations::{
    GetEventsForCorrelation, GetEventsForProcessModel, GetEventsForProcessModelInCorrelation,
    TriggerMessageEvent, TriggerSignalEvent,
};
use process_engine_transport::{Client, Error, RequestOptions};

use crate::scope::EventScope;

pub(crate) async fn list(
    client: &Client,
    scope: &EventScope,
    options: &RequestOptions,
) -> Result<EventList, Error> {
    match scope {
        EventScope::ProcessModel(model) => {
            client
                .execute(&GetEventsForProcessModel::new(model), options)
                .await
        }
        EventScope::Correlation(correlation) => {
            client
                .execute(&GetEventsForCorrelation::new(correlation), options)
                .await
        }
        EventScope::ProcessModelInCorrelation { model, correlation } => {
            let operation = GetEventsForProcessModelInCorrelation::new(model, correlation);
            client.execute(&operation, options).await
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
    // Only `currentToken` of the body reaches the waiting token (scenario a12; the core's
    // message handler reads `currentToken` of what it receives).
    let mut body = EventTriggerRequest::new();
    if let Some(payload) = payload {
        body = body.with_current_token(payload);
    }
    match trigger {
        Trigger::Message => {
            client
                .execute(&TriggerMessageEvent::new(name, body), options)
                .await
        }
        Trigger::Signal => {
            client
                .execute(&TriggerSignalEvent::new(name, body), options)
                .await
        }
    }
}
