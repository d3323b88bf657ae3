//! Boundary events wait beside their activity (`boundary_event_handlers/*`): message and signal
//! boundary events for their name, timer boundary events for their timer. Error boundary events
//! need no waiting: the activity's failure looks for them.

use std::sync::Arc;

use process_engine_api_types::models::TokenEventType;

use super::super::instance::{Effects, Instance, NewTimer, Token, Wait, Waiting, new_id};
use super::timer_due;
use crate::bpmn::model::Trigger;
use crate::bpmn::{NodeId, NodeKind, Process};
use crate::clock;

/// Attaches the boundary events of `node` to its waiting flow node instance `fni`.
pub(crate) fn attach(
    instance: &mut Instance,
    process: &Arc<Process>,
    node: NodeId,
    fni: &str,
    token: &Token,
    fx: &mut Effects,
) {
    if !interruptible(&process.nodes[node].kind) {
        return;
    }
    let boundaries: Vec<(NodeId, Trigger)> = process
        .boundary_events(node)
        .map(|(id, boundary)| (id, boundary.trigger.clone()))
        .collect();
    for (boundary, trigger) in boundaries {
        let attached = fni.to_owned();
        let wait = match trigger {
            Trigger::Error { .. } => continue,
            Trigger::Message(name) => Wait::BoundaryMessage { attached, name },
            Trigger::Signal(name) => Wait::BoundarySignal { attached, name },
            Trigger::Timer(timer) => match timer_due(&timer, token, instance.clock.now_ms()) {
                Ok(due_ms) => {
                    let boundary_fni = new_id();
                    instance.record(boundary, &boundary_fni, token, TokenEventType::OnEnter);
                    fx.timers.push(NewTimer {
                        instance: instance.id.clone(),
                        fni: boundary_fni.clone(),
                        due_ms,
                    });
                    instance.waiting.push(Waiting {
                        flow_node_instance_id: boundary_fni,
                        node: boundary,
                        token: token.clone(),
                        wait: Wait::BoundaryTimer { attached },
                        since: clock::now_iso(),
                    });
                    continue;
                }
                Err(failure) => {
                    instance.fail(failure, fx);
                    return;
                }
            },
        };
        // waitForTriggeringEvent persists onEnter as the boundary event starts waiting.
        let boundary_fni = new_id();
        instance.record(boundary, &boundary_fni, token, TokenEventType::OnEnter);
        instance.waiting.push(Waiting {
            flow_node_instance_id: boundary_fni,
            node: boundary,
            token: token.clone(),
            wait,
            since: clock::now_iso(),
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
