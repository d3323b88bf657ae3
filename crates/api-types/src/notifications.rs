//! The notifications the engine pushes over socket.io ([`crate::socket_io`]): their event names
//! and their payload, as ProcessEngine 8.0.0 writes them.
//!
//! The engine serves them at the path [`PATH`] in the namespaces [`CONSUMER_NAMESPACE`] and
//! [`MANAGEMENT_NAMESPACE`], which carry the same events. Each notification is sent under a
//! [`Name`]: a [`Kind`] and a [`Channel`]. The global channel reaches every connected socket,
//! with the instance owner's identity in the payload; the per-user channel repeats the task
//! notifications for the sockets of the user who started the instance, without it; after a
//! `process_started` the engine repeats it on a channel named after the process model.
//!
//! ```
//! use process_engine_api_types::notifications::{Channel, Kind, Name, Notification};
//!
//! let name = Name::parse("user_task_waiting/alice/user_id").expect("a known name");
//! assert_eq!(name.kind(), Kind::UserTaskWaiting);
//! assert_eq!(name.channel(), &Channel::User("alice".to_owned()));
//!
//! let payload: Notification = serde_json::from_str(
//!     r#"{"correlationId":"c1","processModelId":"m","processInstanceId":"i","flowNodeId":"t",
//!         "flowNodeInstanceId":"f","currentToken":{"order":4711}}"#,
//! )?;
//! assert_eq!(payload.current_token["order"], 4711);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::models::Identity;

/// The path the engine serves socket.io at.
pub const PATH: &str = "/socket.io/";
/// The namespace of the consumer API's notifications (ProcessEngine 8.0.0).
pub const CONSUMER_NAMESPACE: &str = "/consumer_api";
/// The namespace of the management API's notifications (ProcessEngine 8.0.0): the same events
/// as [`CONSUMER_NAMESPACE`], for authenticated sockets only.
pub const MANAGEMENT_NAMESPACE: &str = "/management_api";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// A start event ran: a new instance (also of a called model or an embedded sub-process).
    ProcessStarted,
    /// An end event without error or terminate definition was reached.
    ProcessEnded,
    /// A terminate end event was reached, or the instance was terminated from outside.
    ProcessTerminated,
    /// A user task waits to be finished.
    UserTaskWaiting,
    /// A user task was finished through the API.
    UserTaskFinished,
    /// A manual task waits to be finished.
    ManualTaskWaiting,
    /// A manual task was finished through the API.
    ManualTaskFinished,
    /// An empty activity (untyped task) waits to be finished.
    EmptyActivityWaiting,
    /// An empty activity was finished through the API.
    EmptyActivityFinished,
}

impl Kind {
    /// Every kind, in the order above.
    pub const ALL: [Kind; 9] = [
        Kind::ProcessStarted,
        Kind::ProcessEnded,
        Kind::ProcessTerminated,
        Kind::UserTaskWaiting,
        Kind::UserTaskFinished,
        Kind::ManualTaskWaiting,
        Kind::ManualTaskFinished,
        Kind::EmptyActivityWaiting,
        Kind::EmptyActivityFinished,
    ];

    /// The event name of the global channel (`user_task_waiting`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ProcessStarted => "process_started",
            Kind::ProcessEnded => "process_ended",
            Kind::ProcessTerminated => "process_terminated",
            Kind::UserTaskWaiting => "user_task_waiting",
            Kind::UserTaskFinished => "user_task_finished",
            Kind::ManualTaskWaiting => "manual_task_waiting",
            Kind::ManualTaskFinished => "manual_task_finished",
            Kind::EmptyActivityWaiting => "empty_activity_waiting",
            Kind::EmptyActivityFinished => "empty_activity_finished",
        }
    }

    /// The kind whose global event name is `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether the engine repeats this kind on the per-user channel: the task kinds.
    pub fn has_user_channel(self) -> bool {
        !matches!(
            self,
            Kind::ProcessStarted | Kind::ProcessEnded | Kind::ProcessTerminated
        )
    }
}

/// Whom an event name addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// Every socket of the namespace; the payload names the instance's owner.
    Global,
    /// The sockets of this user; the payload has no owner.
    User(String),
    /// The repeat of `process_started` named after the instance's process model.
    ProcessModel(String),
}

/// An event name: its kind and channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name {
    kind: Kind,
    channel: Channel,
}

/// The prefix of the repeat of `process_started` per process model.
const PROCESS_MODEL_PREFIX: &str = "/process_instance_started/";
/// The marker of the per-user names.
const USER_ID: &str = "user_id";

impl Name {
    /// The name of `kind` on the global channel.
    pub fn global(kind: Kind) -> Self {
        Name {
            kind,
            channel: Channel::Global,
        }
    }

    /// The name of `kind` on the channel of `user_id`.
    pub fn user(kind: Kind, user_id: impl Into<String>) -> Self {
        Name {
            kind,
            channel: Channel::User(user_id.into()),
        }
    }

    /// The repeat of `process_started` for instances of `process_model_id`.
    pub fn process_model_started(process_model_id: impl Into<String>) -> Self {
        Name {
            kind: Kind::ProcessStarted,
            channel: Channel::ProcessModel(process_model_id.into()),
        }
    }

    /// Reads an event name; `None` for one this library does not know (from a newer engine).
    ///
    /// Per-user names are read in the form 8.0.0 sends, `<event>/<userId>/user_id`, and in the
    /// form its API contracts intend, `<event>/user_id/<userId>`.
    pub fn parse(name: &str) -> Option<Self> {
        if let Some(model) = name.strip_prefix(PROCESS_MODEL_PREFIX) {
            return Some(Name::process_model_started(model));
        }
        let Some((event, rest)) = name.split_once('/') else {
            return Kind::from_name(name).map(Name::global);
        };
        let kind = Kind::from_name(event).filter(|kind| kind.has_user_channel())?;
        let user = rest
            .strip_suffix(USER_ID)
            .and_then(|user| user.strip_suffix('/'))
            .or_else(|| rest.strip_prefix(USER_ID)?.strip_prefix('/'))
            .filter(|user| !user.is_empty())?;
        Some(Name::user(kind, user))
    }

    /// What happened.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whom the name addresses.
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// The name as 8.0.0 sends it (per-user names as `<event>/<userId>/user_id`).
    pub fn to_wire(&self) -> String {
        match &self.channel {
            Channel::Global => self.kind.as_str().to_owned(),
            Channel::User(user) => format!("{}/{user}/{USER_ID}", self.kind.as_str()),
            Channel::ProcessModel(model) => format!("{PROCESS_MODEL_PREFIX}{model}"),
        }
    }
}

/// The payload of a notification, with the keys in the order the engine writes them.
///
/// Global events carry the instance's owner; per-user events do not. `flow_node_name` comes
/// with `process_ended` and with a terminate end event's `process_terminated`, when the end
/// event has a name; `user_task_result` with `user_task_finished`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Notification {
    /// The instance's correlation.
    pub correlation_id: String,
    /// The instance's process model (a called model's id; an embedded sub-process's node id).
    pub process_model_id: String,
    /// The instance (an embedded sub-process has one of its own).
    pub process_instance_id: String,
    /// The BPMN id of the flow node: the start event, the task, the end event.
    pub flow_node_id: String,
    /// The flow node's instance: for the task kinds, the id their finish route takes.
    pub flow_node_instance_id: String,
    /// Who started the instance (global events only). Its token is the starter's: every
    /// socket of the namespace receives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_instance_owner: Option<Identity>,
    /// The token payload at the flow node: the start's input, a finished task's result, the end
    /// event's result.
    #[serde(default)]
    pub current_token: Value,
    /// The end event's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_node_name: Option<String>,
    /// A finished user task's result, `{"form_fields": {...}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_task_result: Option<Value>,
}

impl Notification {
    /// A payload of the five ids and the token, without owner, name or task result (what a
    /// per-user event carries).
    pub fn new(
        correlation_id: impl Into<String>,
        process_model_id: impl Into<String>,
        process_instance_id: impl Into<String>,
        flow_node_id: impl Into<String>,
        flow_node_instance_id: impl Into<String>,
        current_token: Value,
    ) -> Self {
        Notification {
            correlation_id: correlation_id.into(),
            process_model_id: process_model_id.into(),
            process_instance_id: process_instance_id.into(),
            flow_node_id: flow_node_id.into(),
            flow_node_instance_id: flow_node_instance_id.into(),
            process_instance_owner: None,
            current_token,
            flow_node_name: None,
            user_task_result: None,
        }
    }

    /// The same payload naming the instance's owner (a global event's).
    pub fn with_owner(mut self, owner: Identity) -> Self {
        self.process_instance_owner = Some(owner);
        self
    }

    /// The same payload with the end event's name.
    pub fn with_flow_node_name(mut self, name: impl Into<String>) -> Self {
        self.flow_node_name = Some(name.into());
        self
    }

    /// The same payload with a finished user task's result.
    pub fn with_user_task_result(mut self, result: Value) -> Self {
        self.user_task_result = Some(result);
        self
    }

    /// The user id of the instance's owner (global events only).
    pub fn owner_user_id(&self) -> Option<&str> {
        self.process_instance_owner
            .as_ref()
            .map(|owner| owner.user_id.as_str())
    }

    /// The token payload read as `T`, naming the failing field on a mismatch.
    pub fn current_token_as<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<T, crate::PayloadError> {
        crate::payload::payload_as(Some(&self.current_token))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_read_in_both_per_user_forms_and_write_in_the_engines() {
        let engines = Name::parse("user_task_finished/dummy_token/user_id").unwrap();
        assert_eq!(engines, Name::user(Kind::UserTaskFinished, "dummy_token"));
        assert_eq!(engines.to_wire(), "user_task_finished/dummy_token/user_id");
        let contracts = Name::parse("manual_task_waiting/user_id/alice").unwrap();
        assert_eq!(contracts, Name::user(Kind::ManualTaskWaiting, "alice"));
        let model = Name::parse("/process_instance_started/conf_start_end").unwrap();
        assert_eq!(model.kind(), Kind::ProcessStarted);
        assert_eq!(model.to_wire(), "/process_instance_started/conf_start_end");
        for kind in Kind::ALL {
            assert_eq!(Name::parse(kind.as_str()), Some(Name::global(kind)));
        }
    }

    #[test]
    fn unknown_names_are_none() {
        for name in [
            "process_error",
            "process_ended/alice/user_id",
            "user_task_waiting/alice",
            "user_task_waiting//user_id",
            "",
        ] {
            assert_eq!(Name::parse(name), None, "{name}");
        }
    }

    #[test]
    fn the_recorded_payload_reads_and_writes_back_in_the_engines_key_order() {
        let recorded = r#"{"correlationId":"hello-cb1","processModelId":"conf_start_end","processInstanceId":"5da3c145-bcb3-4dd1-bdc5-10cf0ac95e6a","flowNodeId":"end","flowNodeInstanceId":"7d46156f-6511-47fc-9140-a14be6da71db","processInstanceOwner":{"token":"ZHVtbXlfdG9rZW4=","userId":"dummy_token"},"currentToken":{"greeting":"hello world"},"flowNodeName":"End"}"#;
        let payload: Notification = serde_json::from_str(recorded).unwrap();
        assert_eq!(payload.flow_node_name.as_deref(), Some("End"));
        assert_eq!(
            payload.process_instance_owner.as_ref().unwrap().user_id,
            "dummy_token"
        );
        assert_eq!(serde_json::to_string(&payload).unwrap(), recorded);
    }

    #[test]
    fn a_per_user_payload_has_no_owner_and_a_missing_token_reads_as_null() {
        let payload = Notification::new("c", "m", "i", "t", "f", json!({}))
            .with_user_task_result(json!({"form_fields": {}}));
        assert_eq!(
            serde_json::to_value(&payload).unwrap(),
            json!({"correlationId": "c", "processModelId": "m", "processInstanceId": "i",
                   "flowNodeId": "t", "flowNodeInstanceId": "f", "currentToken": {},
                   "userTaskResult": {"form_fields": {}}})
        );
        let sparse: Notification = serde_json::from_value(json!({"correlationId": "c",
            "processModelId": "m", "processInstanceId": "i", "flowNodeId": "t",
            "flowNodeInstanceId": "f", "newField": 1}))
        .unwrap();
        assert_eq!(sparse.current_token, Value::Null);
    }
}
