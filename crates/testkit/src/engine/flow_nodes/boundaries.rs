//! Boundary events (`process_engine_core` `runtime/flow_node_handler/boundary_event_handlers/*`
//! and `flow_node_handler_interruptible.js`, `_attachBoundaryEvents`).
//!
//! The core attaches an activity's boundary events before the activity starts, whether it will
//! wait or not: each writes its `onEnter` with the token the activity gets (an error boundary
//! event before it knows its activity, so with no previous node; the others with the activity
//! as previous node), and each writes its `onExit` when the activity ends, however it ends.
//! Message, signal and timer boundary events wait beside an activity that waits; error boundary
//! events need no waiting: the activity's failure looks for them.

use std::sync::Arc;

use process_engine_api_types::models::TokenEventType;

use super::super::failure::Failure;
use super::super::instance::{Attached, Effects, Instance, NewTimer, Token, Wait, Waiting, new_id};
use super::timer_due;
use crate::bpmn::model::Trigger;
use crate::bpmn::{NodeId, NodeKind, Process};
use crate::clock;

/// Attaches the boundary events of `node` (whose flow node instance is `fni`) as the core does
/// before the node starts: their `onEnter`, and their timers. A timer that cannot be set fails
/// the instance.
pub(crate) fn attach(
    instance: &mut Instance,
    process: &Arc<Process>,
    node: NodeId,
    fni: &str,
    token: &Token,
    fx: &mut Effects,
) -> Result<Vec<Attached>, Failure> {
    if !interruptible(&process.nodes[node].kind) {
        return Ok(Vec::new());
    }
    let boundaries: Vec<(NodeId, Trigger)> = process
        .boundary_events(node)
        .map(|(id, boundary)| (id, boundary.trigger.clone()))
        .collect();
    let mut attached = Vec::with_capacity(boundaries.len());
    for (boundary, trigger) in boundaries {
        let previous = match trigger {
            // ErrorBoundaryEventHandler writes its onEnter before it learns its activity.
            Trigger::Error { .. } => None,
            _ => Some(fni.to_owned()),
        };
        let boundary_fni = new_id();
        let mut entered = token.clone();
        entered.previous.clone_from(&previous);
        instance.record(boundary, &boundary_fni, &entered, TokenEventType::OnEnter);
        if let Trigger::Timer(timer) = &trigger {
            let due_ms = timer_due(timer, token, instance.clock.now_ms())?;
            fx.timers.push(NewTimer {
                instance: instance.id.clone(),
                fni: boundary_fni.clone(),
                due_ms,
            });
        }
        attached.push(Attached {
            node: boundary,
            fni: boundary_fni,
            previous,
        });
    }
    Ok(attached)
}

/// The message, signal and timer boundary events of an activity that waits wait beside it.
pub(crate) fn wait(
    instance: &mut Instance,
    process: &Arc<Process>,
    fni: &str,
    token: &Token,
    boundaries: &[Attached],
) {
    for boundary in boundaries {
        let NodeKind::BoundaryEvent(definition) = &process.nodes[boundary.node].kind else {
            continue;
        };
        let attached = fni.to_owned();
        let wait = match &definition.trigger {
            Trigger::Error { .. } => continue,
            Trigger::Message(name) => Wait::BoundaryMessage {
                attached,
                name: name.clone(),
            },
            Trigger::Signal(name) => Wait::BoundarySignal {
                attached,
                name: name.clone(),
            },
            Trigger::Timer(_) => Wait::BoundaryTimer { attached },
        };
        instance.waiting.push(Waiting {
            flow_node_instance_id: boundary.fni.clone(),
            node: boundary.node,
            token: token.clone(),
            wait,
            since: clock::now_iso(),
            boundaries: Vec::new(),
            carried: None,
        });
    }
}

/// Whether the core makes a flow node of this kind interruptible, which is what boundary events
/// attach to (`boundary_event_handlers/*`): user, manual, empty, script, service, send and
/// receive tasks, call activities, sub-processes, and timer, message and signal catch events.
pub(crate) fn interruptible(kind: &NodeKind) -> bool {
    matches!(
        kind,
        NodeKind::UserTask { .. }
            | NodeKind::ManualTask
            | NodeKind::EmptyActivity
            | NodeKind::ScriptTask { .. }
            | NodeKind::ExternalTask { .. }
            | NodeKind::InternalServiceTask
            | NodeKind::SendTask { .. }
            | NodeKind::ReceiveTask { .. }
            | NodeKind::CallActivity { .. }
            | NodeKind::SubProcess { .. }
            | NodeKind::TimerCatchEvent { .. }
            | NodeKind::MessageCatchEvent { .. }
            | NodeKind::SignalCatchEvent { .. }
    )
}
