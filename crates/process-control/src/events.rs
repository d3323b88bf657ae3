//! Waiting message and signal events, and triggering them.

use process_engine_api_types::models::EventTriggerRequest;
use process_engine_api_types::operations::{TriggerMessageEvent, TriggerSignalEvent};
use serde::Serialize;

use crate::{Error, EventScope, ListEvents, ProcessControlClient, RequestBuilder};

impl ProcessControlClient {
    /// The message and signal events waiting in `scope`.
    pub fn events(&self, scope: EventScope) -> RequestBuilder<ListEvents> {
        self.request(ListEvents::from(scope))
    }

    /// Sends the message `name` to every event waiting for it, in any correlation; set the
    /// `payload` the waiting token continues with. The engine answers at once, whether anything
    /// waited or not.
    pub fn trigger_message(&self, name: impl Into<String>) -> RequestBuilder<TriggerMessageEvent> {
        self.request(TriggerMessageEvent::new(name, EventTriggerRequest::new()))
    }

    /// Sends the signal `name` to every event waiting for it; see
    /// [`trigger_message`](Self::trigger_message).
    pub fn trigger_signal(&self, name: impl Into<String>) -> RequestBuilder<TriggerSignalEvent> {
        self.request(TriggerSignalEvent::new(name, EventTriggerRequest::new()))
    }
}

impl RequestBuilder<TriggerMessageEvent> {
    /// What the waiting token continues with: it becomes the event's result and the token
    /// payload after it. Without it the payload becomes `{}`. A value that does not serialize
    /// fails the call when it is sent.
    pub fn payload<T: Serialize + ?Sized>(mut self, payload: &T) -> Self {
        self.mistake = current_token(&mut self.operation_mut().body, payload).err();
        self
    }
}

impl RequestBuilder<TriggerSignalEvent> {
    /// What the waiting token continues with: it becomes the event's result and the token
    /// payload after it. Without it the payload becomes `{}`. A value that does not serialize
    /// fails the call when it is sent.
    pub fn payload<T: Serialize + ?Sized>(mut self, payload: &T) -> Self {
        self.mistake = current_token(&mut self.operation_mut().body, payload).err();
        self
    }
}

/// Puts `payload` in the body's `currentToken`, the only part of a trigger's body that reaches
/// the waiting token (scenario a12; the core's message handler reads `currentToken` of what it
/// receives).
fn current_token<T: Serialize + ?Sized>(
    body: &mut EventTriggerRequest,
    payload: &T,
) -> Result<(), Error> {
    let payload = serde_json::to_value(payload)
        .map_err(|error| Error::serialize("the event's payload", error))?;
    body.current_token = Some(payload);
    Ok(())
}
