//! Waiting message and signal events, and triggering them.

use process_engine_api_types::models::{self, EventType};
use serde::Serialize;
use serde_json::Value;

use crate::mode::{Async, Mode};
use crate::wire::events::Trigger;
use crate::{Error, EventScope, ProcessControlClient, Request, wire};
use process_engine_transport::{RequestOptions, RequestOptionsBuilder};

/// An intermediate catch event waiting for its message or signal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// The event's BPMN id.
    pub id: String,
    /// This waiting instance of it.
    pub flow_node_instance_id: String,
    /// The correlation its instance runs in.
    pub correlation_id: String,
    /// The process model of its instance.
    pub process_model_id: String,
    /// Its process instance.
    pub process_instance_id: String,
    /// Whether it waits for a message or a signal.
    pub kind: EventKind,
    /// The message or signal name: what to trigger.
    pub name: String,
    /// The BPMN element, e.g. `bpmn:IntermediateCatchEvent`.
    pub bpmn_type: String,
}

/// What an event waits for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A message: [`trigger_message`](ProcessControlClient::trigger_message).
    Message,
    /// A signal: [`trigger_signal`](ProcessControlClient::trigger_signal).
    Signal,
    /// Another kind, as the engine named it.
    Other(String),
}

impl From<models::Event> for Event {
    fn from(event: models::Event) -> Self {
        Event {
            id: event.id,
            flow_node_instance_id: event.flow_node_instance_id,
            correlation_id: event.correlation_id,
            process_model_id: event.process_model_id,
            process_instance_id: event.process_instance_id,
            kind: match event.event_type {
                EventType::MessageEvent => EventKind::Message,
                EventType::SignalEvent => EventKind::Signal,
                other => EventKind::Other(other.as_str().to_owned()),
            },
            name: event.event_name,
            bpmn_type: event.bpmn_type,
        }
    }
}

impl<M: Mode> ProcessControlClient<M> {
    /// The message and signal events waiting in `scope`.
    pub fn events(&self, scope: EventScope) -> Request<Vec<Event>, M> {
        self.request(|client, options| async move {
            let list = wire::events::list(&client, &scope, &options).await?;
            Ok(list.events.into_iter().map(Into::into).collect())
        })
    }

    /// Sends the message `name` to every event waiting for it, in any correlation; set the
    /// [`payload`](TriggerEvent::payload) the waiting token continues with. The engine answers
    /// at once, whether anything waited or not.
    pub fn trigger_message(&self, name: impl Into<String>) -> TriggerEvent<M> {
        self.trigger(Trigger::Message, name.into())
    }

    /// Sends the signal `name` to every event waiting for it; see
    /// [`trigger_message`](Self::trigger_message).
    pub fn trigger_signal(&self, name: impl Into<String>) -> TriggerEvent<M> {
        self.trigger(Trigger::Signal, name.into())
    }

    fn trigger(&self, trigger: Trigger, name: String) -> TriggerEvent<M> {
        TriggerEvent {
            client: self.clone(),
            event: Triggered {
                trigger,
                name,
                payload: Ok(None),
                options: RequestOptions::default(),
            },
        }
    }
}

/// A message or signal to send: set its payload, then `send()`.
#[must_use = "a trigger does nothing until it is sent"]
#[derive(Debug)]
pub struct TriggerEvent<M: Mode = Async> {
    pub(crate) client: ProcessControlClient<M>,
    pub(crate) event: Triggered,
}

#[derive(Debug)]
pub(crate) struct Triggered {
    trigger: Trigger,
    name: String,
    payload: Result<Option<Value>, serde_json::Error>,
    options: RequestOptions,
}

impl<M: Mode> TriggerEvent<M> {
    /// What the waiting token continues with: it becomes the event's result and the token
    /// payload after it. Without it the payload becomes `{}`. (The client sends it as the
    /// body's `currentToken`, the only part of the body that reaches the token.)
    pub fn payload<T: Serialize + ?Sized>(mut self, payload: &T) -> Self {
        self.event.payload = serde_json::to_value(payload).map(Some);
        self
    }
}

impl<M: Mode> RequestOptionsBuilder for TriggerEvent<M> {
    fn request_options(&mut self) -> &mut RequestOptions {
        &mut self.event.options
    }
}

impl TriggerEvent<Async> {
    /// Sends the message or signal.
    pub async fn send(self) -> Result<(), Error> {
        let Triggered {
            trigger,
            name,
            payload,
            options,
        } = self.event;
        let payload = payload.map_err(|error| Error::serialize("the event's payload", error))?;
        let transport = self.client.transport();
        Ok(wire::events::trigger(transport, trigger, &name, payload, &options).await?)
    }
}
