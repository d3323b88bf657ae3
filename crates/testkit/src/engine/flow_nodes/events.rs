//! Events: end events (`end_event_handler.js`), timer catch and timer start events
//! (`intermediate_timer_catch_event_handler.js`, `start_event_handler.js`), link events
//! (`intermediate_link_{catch,throw}_event_handler.js`) and message/signal throw events
//! (`intermediate_{message,signal}_throw_event_handler.js`).

use std::sync::Arc;

use process_engine_api_types::models::TokenEventType;
use serde_json::{Map, Value};

use super::super::failure::Failure;
use super::super::instance::{Effects, Instance, NewTimer, Token, Wait};
use super::{Next, evaluate, timer_due, value_or_null};
use crate::bpmn::js::Kind;
use crate::bpmn::model::{EndKind, Timer};
use crate::bpmn::{NodeId, Process};
use crate::notify::Notice;

fn empty() -> Arc<Value> {
    Arc::new(Value::Object(Map::new()))
}

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
        Err(failure) => Next::Fail(token, failure),
    }
}

/// An end event: its payload is the token's, or its `inputValues`; then what its definition
/// says (error, terminate, message, signal).
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
            Ok(value) => token.payload = Arc::new(value_or_null(value)),
            Err(_) => {
                // The results route still lists the end event, with `{}`.
                instance.results.push((id, empty()));
                let message =
                    format!("EndEvent configuration for inputValues '{source}' is invalid!");
                instance.fail(Failure::engine(500, message), fx);
                return Next::Stop;
            }
        }
    }
    let result = Arc::clone(&token.payload);
    token.record(&id, Arc::clone(&result));
    instance.record(node, fni, &token, TokenEventType::OnExit);
    instance.results.push((id.clone(), Arc::clone(&result)));
    match kind {
        EndKind::Plain => {}
        EndKind::Message(name) => fx
            .published
            .push((Wait::Message(name.clone()), Arc::clone(&result))),
        EndKind::Signal(name) => fx
            .published
            .push((Wait::Signal(name.clone()), Arc::clone(&result))),
        EndKind::Error { name, code } => {
            instance.fail(Failure::bpmn(name, code), fx);
            return Next::Stop;
        }
        EndKind::Terminate => {
            fx.notices
                .push(Notice::ended(instance, node, fni, &result, true));
            let message = format!("Process was terminated through TerminateEndEvent '{id}'!");
            instance.fail(Failure::engine(500, message), fx);
            return Next::Stop;
        }
    }
    fx.notices
        .push(Notice::ended(instance, node, fni, &result, false));
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
    token.record(&id, empty());
    Next::Follow(instance.leave_recorded(node, fni, token))
}

/// A link throw event records `{}` and jumps to the one catch event with its name.
pub(super) fn link_throw(
    instance: &mut Instance,
    process: &Arc<Process>,
    node: NodeId,
    fni: &str,
    mut token: Token,
    name: &str,
) -> Next {
    let Some(target) = process.link_catch(name) else {
        let message = format!("No IntermediateCatchEvent with a link called '{name}' exists!");
        return Next::Fail(token, Failure::engine(404, message));
    };
    let id = process.nodes[node].id.clone();
    token.record(&id, empty());
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
            Ok(value) => token.payload = Arc::new(value_or_null(value)),
            Err(_) => {
                let message =
                    format!("{what} configuration for inputValues '{source}' is invalid!");
                return Next::Fail(token, Failure::engine(500, message));
            }
        }
    }
    fx.published.push((wait, Arc::clone(&token.payload)));
    let id = instance.process.nodes[node].id.clone();
    token.record(&id, empty());
    Next::Follow(instance.leave_recorded(node, fni, token))
}
