//! Events: end events (`end_event_handler.js`), timer catch and timer start events
//! (`intermediate_timer_catch_event_handler.js`, `start_event_handler.js`), link events
//! (`intermediate_link_{catch,throw}_event_handler.js`) and message/signal throw events
//! (`intermediate_{message,signal}_throw_event_handler.js`), all in `process_engine_core`
//! `runtime/flow_node_handler/`.

use process_engine_api_types::models::TokenEventType;

use super::super::failure::Failure;
use super::super::instance::{Effects, ExitRecord, Instance, NewTimer, Payload, Token, Wait};
use super::{Next, evaluate, timer_due};
use crate::bpmn::js::Kind;
use crate::bpmn::model::{EndKind, Timer};
use crate::bpmn::{NodeId, Process};
use crate::notify::Notice;

/// A timer catch event (or timer start event) suspends until its timer fires; the payload is
/// unchanged.
pub(super) fn timer(
    instance: &Instance,
    fni: &str,
    token: Token,
    timer: &Timer,
    fx: &mut Effects,
) -> Next {
    match timer_due(timer, &token, instance.clock.now_ms()) {
        Ok(due_ms) => {
            fx.timers.push(NewTimer {
                instance: instance.id.clone(),
                fni: fni.to_owned(),
                due_ms,
            });
            Next::Wait(token, Wait::Timer)
        }
        // The timer is set before anything is written: no onExit.
        Err(failure) => Next::Fail(token, failure, ExitRecord::None),
    }
}

/// An end event: its payload is the token's, or its `inputValues`; its `onExit` (which the
/// results route lists) is written in any case, then it does what its definition says. None,
/// message and signal end events announce the end of the instance (what blocked starts and a
/// waiting parent learn); an error end event fails the instance with a `BpmnError`; a
/// terminate end event interrupts every flow node that waits, and fails the instance only
/// if one did (else the instance finishes, unannounced). An end event records no result.
pub(super) fn end(
    instance: &mut Instance,
    node: NodeId,
    fni: &str,
    mut token: Token,
    kind: &EndKind,
    input_values: Option<&str>,
    fx: &mut Effects,
) -> Next {
    let id = instance.process.nodes[node].id.clone();
    if let Some(source) = input_values {
        match evaluate(instance, Kind::Value, source, &token) {
            Ok(value) => token.payload = Payload::evaluated(value.value),
            Err(_) => {
                // The payload becomes `{}` and the onExit is written (`persistOnError`): the
                // results route lists the end event.
                token.payload = Payload::empty_object();
                instance.record(node, fni, &token, TokenEventType::OnExit);
                instance.results.push((id, token.payload));
                let message =
                    format!("EndEvent configuration for inputValues '{source}' is invalid!");
                instance.fail(Failure::engine(500, message), fx);
                return Next::Stop;
            }
        }
    }
    let result = token.payload.clone();
    instance.record(node, fni, &token, TokenEventType::OnExit);
    instance.results.push((id.clone(), result.clone()));
    match kind {
        EndKind::Plain => {}
        EndKind::Message(name) => fx
            .published
            .push((Wait::Message(name.clone()), result.clone())),
        EndKind::Signal(name) => fx
            .published
            .push((Wait::Signal(name.clone()), result.clone())),
        EndKind::Error { name, code } => {
            instance.fail(Failure::bpmn(name, code), fx);
            return Next::Stop;
        }
        EndKind::Terminate => {
            fx.notices
                .push(Notice::ended(instance, node, fni, &result, true));
            instance.terminated_by = Some((id.clone(), fni.to_owned(), result.clone()));
            if instance.interrupt_all(&result, fx) {
                let message = format!("Process was terminated through TerminateEndEvent '{id}'!");
                instance.fail(Failure::engine(500, message), fx);
            }
            return Next::Stop;
        }
    }
    fx.notices
        .push(Notice::ended(instance, node, fni, &result, false));
    if instance.ended.is_none() {
        instance.ended = Some((id.clone(), result.clone()));
    }
    fx.ended.push((instance.id.clone(), id, result));
    Next::Stop
}

/// A link catch event records `{}` and goes on.
pub(super) fn link_catch(
    instance: &mut Instance,
    node: NodeId,
    fni: &str,
    mut token: Token,
) -> Next {
    let id = instance.process.nodes[node].id.clone();
    token.record(&id, Payload::empty_object());
    Next::Follow(instance.leave_recorded(node, fni, token))
}

/// A link throw event records `{}` and jumps to the one catch event with its name.
pub(super) fn link_throw(
    instance: &mut Instance,
    process: &std::sync::Arc<Process>,
    node: NodeId,
    fni: &str,
    mut token: Token,
    name: &str,
) -> Next {
    let target = match process.link_catches(name).as_slice() {
        [one] => *one,
        [] => {
            let message = format!("No IntermediateCatchEvent with a link called '{name}' exists!");
            return Next::Fail(token, Failure::engine(404, message), ExitRecord::Written);
        }
        _ => {
            let message = format!("Too many CatchEvents for link '{name}' exist!");
            return Next::Fail(token, Failure::engine(400, message), ExitRecord::Written);
        }
    };
    let id = process.nodes[node].id.clone();
    token.record(&id, Payload::empty_object());
    instance.record(node, fni, &token, TokenEventType::OnExit);
    token.previous = Some(fni.to_owned());
    Next::Follow(vec![(target, token, None)])
}

/// A message or signal throw event: the payload becomes the `inputValues` value when there is
/// one, is published, and the event records `{}` as its result.
#[allow(clippy::too_many_arguments)]
pub(super) fn throw(
    instance: &mut Instance,
    node: NodeId,
    fni: &str,
    mut token: Token,
    wait: Wait,
    input_values: Option<&str>,
    what: &str,
    fx: &mut Effects,
) -> Next {
    if let Some(source) = input_values {
        match evaluate(instance, Kind::Value, source, &token) {
            Ok(value) => token.payload = Payload::evaluated(value.value),
            Err(_) => {
                // The onExit holds `{}` (`persistOnError` after `token.payload = {}`).
                token.payload = Payload::empty_object();
                let message =
                    format!("{what} configuration for inputValues '{source}' is invalid!");
                return Next::Fail(token, Failure::engine(500, message), ExitRecord::Written);
            }
        }
    }
    fx.published.push((wait, token.payload.clone()));
    let id = instance.process.nodes[node].id.clone();
    token.record(&id, Payload::empty_object());
    Next::Follow(instance.leave_recorded(node, fni, token))
}
