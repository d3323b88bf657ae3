//! What an event stream yields: the engine's notifications, one variant per kind, events of a
//! newer engine kept as they came, and the moments when events may have been missed.

use std::time::SystemTime;

use process_engine_api_types::notifications::{Kind, Notification};
use serde_json::Value;

/// One item of an [`EventStream`](crate::EventStream).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EngineEvent {
    /// A start event ran: a new instance, also of a called model or an embedded sub-process
    /// (whose process model id is the sub-process's node id). Its token is the input.
    ProcessStarted(Notification),
    /// An end event without error or terminate definition was reached; its token is the
    /// result, `flow_node_name` the end event's name. An instance that ends in an error sends
    /// nothing: watch for the end of an instance with [`Events::wait_for_end`], which reads
    /// its state too.
    ///
    /// [`Events::wait_for_end`]: crate::Events::wait_for_end
    ProcessEnded(Notification),
    /// A terminate end event was reached, or the instance was terminated through the
    /// management API (ProcessEngine 8.0.0 then sends one per task it had passed, or none).
    ProcessTerminated(Notification),
    /// A user task waits; `flow_node_instance_id` is what finishing it takes.
    UserTaskWaiting(Notification),
    /// A user task was finished through the API; `user_task_result` holds
    /// `{"form_fields": {...}}`.
    UserTaskFinished(Notification),
    /// A manual task waits.
    ManualTaskWaiting(Notification),
    /// A manual task was finished through the API.
    ManualTaskFinished(Notification),
    /// An empty activity (untyped task) waits.
    EmptyActivityWaiting(Notification),
    /// An empty activity was finished through the API.
    EmptyActivityFinished(Notification),
    /// An event this library does not know, from a newer engine, as it came.
    Unknown(UnknownEvent),
    /// Events may have been missed: the connection was lost and made again, or the consumer
    /// fell so far behind that the stream's buffer was full. Re-read the state you depend on.
    Missed(Missed),
}

impl EngineEvent {
    /// The event of a known kind.
    pub(crate) fn of_kind(kind: Kind, notification: Notification) -> Option<EngineEvent> {
        Some(match kind {
            Kind::ProcessStarted => EngineEvent::ProcessStarted(notification),
            Kind::ProcessEnded => EngineEvent::ProcessEnded(notification),
            Kind::ProcessTerminated => EngineEvent::ProcessTerminated(notification),
            Kind::UserTaskWaiting => EngineEvent::UserTaskWaiting(notification),
            Kind::UserTaskFinished => EngineEvent::UserTaskFinished(notification),
            Kind::ManualTaskWaiting => EngineEvent::ManualTaskWaiting(notification),
            Kind::ManualTaskFinished => EngineEvent::ManualTaskFinished(notification),
            Kind::EmptyActivityWaiting => EngineEvent::EmptyActivityWaiting(notification),
            Kind::EmptyActivityFinished => EngineEvent::EmptyActivityFinished(notification),
            _ => return None,
        })
    }

    /// The kind of a known event; `None` for [`Unknown`](Self::Unknown) and
    /// [`Missed`](Self::Missed).
    pub fn kind(&self) -> Option<Kind> {
        Some(match self {
            EngineEvent::ProcessStarted(_) => Kind::ProcessStarted,
            EngineEvent::ProcessEnded(_) => Kind::ProcessEnded,
            EngineEvent::ProcessTerminated(_) => Kind::ProcessTerminated,
            EngineEvent::UserTaskWaiting(_) => Kind::UserTaskWaiting,
            EngineEvent::UserTaskFinished(_) => Kind::UserTaskFinished,
            EngineEvent::ManualTaskWaiting(_) => Kind::ManualTaskWaiting,
            EngineEvent::ManualTaskFinished(_) => Kind::ManualTaskFinished,
            EngineEvent::EmptyActivityWaiting(_) => Kind::EmptyActivityWaiting,
            EngineEvent::EmptyActivityFinished(_) => Kind::EmptyActivityFinished,
            EngineEvent::Unknown(_) | EngineEvent::Missed(_) => return None,
        })
    }

    /// The payload of a known event.
    pub fn notification(&self) -> Option<&Notification> {
        match self {
            EngineEvent::ProcessStarted(n)
            | EngineEvent::ProcessEnded(n)
            | EngineEvent::ProcessTerminated(n)
            | EngineEvent::UserTaskWaiting(n)
            | EngineEvent::UserTaskFinished(n)
            | EngineEvent::ManualTaskWaiting(n)
            | EngineEvent::ManualTaskFinished(n)
            | EngineEvent::EmptyActivityWaiting(n)
            | EngineEvent::EmptyActivityFinished(n) => Some(n),
            EngineEvent::Unknown(_) | EngineEvent::Missed(_) => None,
        }
    }

    /// The instance's correlation id (also of an unknown event whose payload has one).
    pub fn correlation_id(&self) -> Option<&str> {
        self.field("correlationId", |n| &n.correlation_id)
    }

    /// The instance's process model id (also of an unknown event whose payload has one).
    pub fn process_model_id(&self) -> Option<&str> {
        self.field("processModelId", |n| &n.process_model_id)
    }

    /// The process instance id (also of an unknown event whose payload has one).
    pub fn process_instance_id(&self) -> Option<&str> {
        self.field("processInstanceId", |n| &n.process_instance_id)
    }

    fn field<'a>(&'a self, key: &str, known: fn(&Notification) -> &String) -> Option<&'a str> {
        match self {
            EngineEvent::Unknown(unknown) => unknown.payload.get(key)?.as_str(),
            EngineEvent::Missed(_) => None,
            known_event => known_event.notification().map(|n| known(n).as_str()),
        }
    }
}

/// An event a newer engine sent that this library does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownEvent {
    pub(crate) name: String,
    pub(crate) payload: Value,
}

impl UnknownEvent {
    /// The event's name as the engine sent it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its first argument (`null` when it had none).
    pub fn payload(&self) -> &Value {
        &self.payload
    }
}

/// Events may have been missed since [`since`](Self::since).
///
/// The engine sends its events once, to the sockets connected at that moment, and replays
/// nothing: what happened while the connection was down is lost, and so are the events the
/// stream dropped because its consumer did not keep up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    pub(crate) since: SystemTime,
    pub(crate) dropped: u64,
    pub(crate) reconnected: bool,
}

impl Missed {
    /// From when on events may be missing: the last moment the lost connection was heard from,
    /// or when the stream dropped its first event for a full buffer.
    pub fn since(&self) -> SystemTime {
        self.since
    }

    /// How many events the stream dropped because its buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether the connection was lost (and is made again): the engine may have sent events
    /// nobody received.
    pub fn reconnected(&self) -> bool {
        self.reconnected
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_come_from_the_payload_for_known_and_unknown_events() {
        let notification = Notification::new("c", "m", "i", "t", "f", json!(null));
        let ended = EngineEvent::of_kind(Kind::ProcessEnded, notification).unwrap();
        assert_eq!(ended.kind(), Some(Kind::ProcessEnded));
        assert_eq!(ended.correlation_id(), Some("c"));
        assert_eq!(ended.process_instance_id(), Some("i"));
        let unknown = EngineEvent::Unknown(UnknownEvent {
            name: "process_error".into(),
            payload: json!({"processModelId": "m2"}),
        });
        assert_eq!(unknown.kind(), None);
        assert_eq!(unknown.process_model_id(), Some("m2"));
        assert_eq!(unknown.correlation_id(), None);
        for kind in Kind::ALL {
            let event = EngineEvent::of_kind(kind, Notification::new("", "", "", "", "", json!(1)));
            assert_eq!(event.unwrap().kind(), Some(kind));
        }
    }
}
