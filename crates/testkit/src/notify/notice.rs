//! One notification as the engine's state machine emits it, built where the core publishes its
//! message, and its payloads on the wire.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use process_engine_api_types::notifications::{Kind, Notification};
use serde_json::{Value, json};

use crate::auth::Identity;
use crate::bpmn::{NodeId, NodeKind};
use crate::engine::boundaries_interruptible;
use crate::engine::instance::{Instance, Payload, Wait};

/// A notification: what happened, to which flow node of which instance, and the token there.
///
/// Its two payloads (the global one, with the owner; the per-user one, without) are written
/// once, when the first listener asks for them.
#[derive(Debug)]
pub(crate) struct Notice {
    pub(crate) kind: Kind,
    pub(crate) correlation_id: String,
    pub(crate) process_model_id: String,
    pub(crate) process_instance_id: String,
    pub(crate) flow_node_id: String,
    pub(crate) flow_node_instance_id: String,
    pub(crate) owner: Identity,
    pub(crate) token: Payload,
    /// The end event's name (`process_ended`, a terminate end event's `process_terminated`).
    pub(crate) flow_node_name: Option<String>,
    global: OnceLock<String>,
    user: OnceLock<String>,
}

impl Notice {
    /// A notice about nothing in particular, owned by `owner`.
    #[cfg(test)]
    pub(crate) fn for_test(kind: Kind, owner: Identity) -> Notice {
        Notice {
            kind,
            correlation_id: "c".into(),
            process_model_id: "m".into(),
            process_instance_id: "i".into(),
            flow_node_id: "t".into(),
            flow_node_instance_id: "f".into(),
            owner,
            token: Payload::json(json!({"form_fields": {"a": 1}})),
            flow_node_name: None,
            global: OnceLock::new(),
            user: OnceLock::new(),
        }
    }

    fn new(kind: Kind, instance: &Instance, node: NodeId, fni: &str, token: Payload) -> Notice {
        Notice {
            kind,
            correlation_id: instance.correlation_id.clone(),
            process_model_id: instance.model_id.clone(),
            process_instance_id: instance.id.clone(),
            flow_node_id: instance.process.nodes[node].id.clone(),
            flow_node_instance_id: fni.to_owned(),
            owner: instance.owner.clone(),
            token,
            flow_node_name: None,
            global: OnceLock::new(),
            user: OnceLock::new(),
        }
    }

    /// A start event runs (`start_event_handler.js`, `_sendProcessStartedMessage`): before a
    /// timer start event waits, with the instance's input.
    pub(crate) fn started(instance: &Instance, node: NodeId, fni: &str, token: &Payload) -> Notice {
        Notice::new(Kind::ProcessStarted, instance, node, fni, token.clone())
    }

    /// An end event was reached (`end_event_handler.js`): `process_ended`, or
    /// `process_terminated` for a terminate end event, with the end event's name and result.
    pub(crate) fn ended(
        instance: &Instance,
        node: NodeId,
        fni: &str,
        result: &Payload,
        terminate: bool,
    ) -> Notice {
        let kind = if terminate {
            Kind::ProcessTerminated
        } else {
            Kind::ProcessEnded
        };
        let mut notice = Notice::new(kind, instance, node, fni, result.clone());
        notice.flow_node_name = instance.process.nodes[node].name.clone();
        notice
    }

    /// A user task, manual task or empty activity started waiting (`*_handler.js`,
    /// `_send*ReachedNotification`), or was finished through the API, with the payload it goes
    /// on with (`_send*FinishedNotification`); nothing for other waits (and a boundary event
    /// that interrupts a task finishes nothing).
    pub(crate) fn task(
        phase: Phase,
        instance: &Instance,
        node: NodeId,
        fni: &str,
        token: &Payload,
        wait: &Wait,
    ) -> Option<Notice> {
        let kind = match (wait, phase) {
            (Wait::UserTask, Phase::Waiting) => Kind::UserTaskWaiting,
            (Wait::UserTask, Phase::Finished) => Kind::UserTaskFinished,
            (Wait::ManualTask, Phase::Waiting) => Kind::ManualTaskWaiting,
            (Wait::ManualTask, Phase::Finished) => Kind::ManualTaskFinished,
            (Wait::EmptyActivity, Phase::Waiting) => Kind::EmptyActivityWaiting,
            (Wait::EmptyActivity, Phase::Finished) => Kind::EmptyActivityFinished,
            _ => return None,
        };
        Some(Notice::new(kind, instance, node, fni, token.clone()))
    }

    /// The `process_terminated` notices of a termination through the management API.
    ///
    /// In the core every interruptible handler between the start event and the waiting flow
    /// node is still in the chain of promises that the termination rejects, and each publishes
    /// `process_terminated` as the rejection passes it (`flow_node_handler_interruptible.js`,
    /// `execute`): one per such flow node, in path order, with the token `{}` its termination
    /// callback set; the waiting node itself and start events publish nothing. A waiting
    /// sub-process or call activity is passed by the child's rejection: its child's notices
    /// come first, then its own, with the error as token.
    pub(crate) fn terminations(instances: &HashMap<String, Instance>, id: &str) -> Vec<Notice> {
        let mut notices = Vec::new();
        collect_terminations(instances, id, &mut notices, 0);
        notices
    }

    /// The payload of the global event: with the owner, the end event's name, and a user task's
    /// result.
    pub(crate) fn global_json(&self) -> &str {
        self.global.get_or_init(|| {
            let owner = self.owner.to_model();
            write(&self.payload().with_owner(owner))
        })
    }

    /// The payload of the per-user event: without owner and end event name.
    pub(crate) fn user_json(&self) -> &str {
        self.user.get_or_init(|| {
            let mut payload = self.payload();
            payload.flow_node_name = None;
            write(&payload)
        })
    }

    fn payload(&self) -> Notification {
        let mut payload = Notification::new(
            &self.correlation_id,
            &self.process_model_id,
            &self.process_instance_id,
            &self.flow_node_id,
            &self.flow_node_instance_id,
            self.token.sent().unwrap_or(Value::Null),
        );
        if let Some(name) = &self.flow_node_name {
            payload = payload.with_flow_node_name(name);
        }
        if self.kind == Kind::UserTaskFinished {
            payload = payload.with_user_task_result(self.token.sent().unwrap_or(Value::Null));
        }
        payload
    }
}

fn write(payload: &Notification) -> String {
    // Strings and JSON values always serialize.
    serde_json::to_string(payload).unwrap_or_else(|_| "{}".to_owned())
}

/// How deep sub-processes nest when terminated: the engine's own bound is lower.
const MAX_TERMINATION_DEPTH: usize = 128;

fn collect_terminations(
    instances: &HashMap<String, Instance>,
    id: &str,
    notices: &mut Vec<Notice>,
    depth: usize,
) {
    let Some(instance) = instances.get(id) else {
        return;
    };
    if !instance.is_running() || depth > MAX_TERMINATION_DEPTH {
        return;
    }
    let empty: Payload = Payload::json(json!({}));
    let entered = entered(instance);
    // Branches share the handlers before they split: each announces once.
    let mut announced = HashSet::new();
    for waiting in instance
        .waiting
        .iter()
        .filter(|w| w.wait.attached().is_none())
    {
        let fni = &waiting.flow_node_instance_id;
        for (node, passed) in path_to(instance, &entered, fni, &mut announced) {
            notices.push(Notice::new(
                Kind::ProcessTerminated,
                instance,
                node,
                &passed,
                empty.clone(),
            ));
        }
        if let Wait::Child(child) = &waiting.wait {
            collect_terminations(instances, child, notices, depth + 1);
            let error: Payload = Payload::json(json!({"error": "Process was terminated!"}));
            notices.push(Notice::new(
                Kind::ProcessTerminated,
                instance,
                waiting.node,
                fni,
                error,
            ));
        }
    }
}

/// Each flow node instance of the token history, with its node's id and the flow node
/// instance the token came from.
fn entered(instance: &Instance) -> HashMap<&str, (&str, Option<&str>)> {
    let mut entered = HashMap::new();
    for (flow_node_id, entries) in &instance.history {
        for entry in entries {
            entered
                .entry(entry.flow_node_instance_id.as_str())
                .or_insert((flow_node_id.as_str(), entry.previous.as_deref()));
        }
    }
    entered
}

/// The interruptible flow nodes the token passed from its start event to the flow node
/// instance `fni`, in path order, without `fni` itself and without those `announced` already:
/// read backwards through the token history's `previous` links.
fn path_to(
    instance: &Instance,
    entered: &HashMap<&str, (&str, Option<&str>)>,
    fni: &str,
    announced: &mut HashSet<String>,
) -> Vec<(NodeId, String)> {
    let mut path = Vec::new();
    let mut next = entered.get(fni).and_then(|(_, previous)| *previous);
    while let Some(current) = next {
        if !announced.insert(current.to_owned()) {
            break;
        }
        let Some((flow_node_id, previous)) = entered.get(current) else {
            break;
        };
        if let Some(node) = instance.process.node(flow_node_id) {
            let kind = &instance.process.nodes[node].kind;
            if !matches!(kind, NodeKind::StartEvent { .. }) && boundaries_interruptible(kind) {
                path.push((node, current.to_owned()));
            }
        }
        next = *previous;
    }
    path.reverse();
    path
}

/// Where a task is when it is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Waiting,
    Finished,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kind: Kind) -> Notice {
        let owner = Identity {
            token: "tok".into(),
            user_id: "alice".into(),
        };
        let mut notice = Notice::for_test(kind, owner);
        notice.flow_node_name = Some("End".into());
        notice
    }

    #[test]
    fn the_global_payload_names_the_owner_and_the_per_user_one_does_not() {
        let notice = sample(Kind::ProcessEnded);
        assert_eq!(
            notice.global_json(),
            r#"{"correlationId":"c","processModelId":"m","processInstanceId":"i","flowNodeId":"t","flowNodeInstanceId":"f","processInstanceOwner":{"token":"tok","userId":"alice"},"currentToken":{"form_fields":{"a":1}},"flowNodeName":"End"}"#
        );
        assert_eq!(
            notice.user_json(),
            r#"{"correlationId":"c","processModelId":"m","processInstanceId":"i","flowNodeId":"t","flowNodeInstanceId":"f","currentToken":{"form_fields":{"a":1}}}"#
        );
    }

    #[test]
    fn a_finished_user_task_carries_its_result_twice() {
        let mut notice = sample(Kind::UserTaskFinished);
        notice.flow_node_name = None;
        assert!(
            notice
                .user_json()
                .ends_with(r#""currentToken":{"form_fields":{"a":1}},"userTaskResult":{"form_fields":{"a":1}}}"#),
            "{}",
            notice.user_json()
        );
        assert!(notice.global_json().contains(r#""userTaskResult""#));
    }
}
