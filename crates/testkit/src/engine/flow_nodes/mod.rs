//! What each kind of flow node does when a token reaches it: one function per handler of the
//! core (`runtime/flow_node_handler/*`), dispatched by [`enter`] as
//! `flow_node_handler_factory.js` dispatches.

pub(crate) mod boundaries;
pub(crate) mod errors;
mod events;
mod gateways;
mod tasks;
pub(crate) mod timers;

pub(crate) use tasks::form_expression;

use std::sync::Arc;

use serde_json::Value;

use super::failure::Failure;
use super::instance::{Effects, ExitRecord, Instance, Moves, Token, Wait};
use crate::bpmn::js::{self, Evaluated, JsError, Kind};
use crate::bpmn::model::Timer;
use crate::bpmn::{NodeId, NodeKind, Process};
use crate::notify::Notice;

/// What happens to a token after its flow node ran.
pub(crate) enum Next {
    /// It leaves with its payload as the node's result.
    Leave(Token),
    /// It goes on to these nodes (the node recorded its exit itself).
    Follow(Moves),
    /// It waits.
    Wait(Token, Wait),
    /// It is gone (an end event, a failed instance).
    Stop,
    /// The node failed, with the token as its `onExit` shows it (if one is written): an error
    /// boundary event may catch it.
    Fail(Token, Failure, ExitRecord),
}

/// Runs the flow node `node` for `token`.
pub(crate) fn enter(
    instance: &mut Instance,
    process: &Arc<Process>,
    node: NodeId,
    fni: &str,
    token: Token,
    fx: &mut Effects,
) -> Next {
    if let NodeKind::StartEvent { .. } = process.nodes[node].kind {
        fx.notices
            .push(Notice::started(instance, node, fni, &token.payload));
    }
    match &process.nodes[node].kind {
        NodeKind::StartEvent { timer: None }
        | NodeKind::EmptyIntermediateEvent
        | NodeKind::BoundaryEvent(_)
        | NodeKind::InternalServiceTask => Next::Leave(token),
        NodeKind::StartEvent { timer: Some(timer) } | NodeKind::TimerCatchEvent { timer } => {
            events::timer(instance, fni, token, timer, fx)
        }
        NodeKind::EndEvent { kind, input_values } => events::end(
            instance,
            node,
            fni,
            token,
            kind,
            input_values.as_deref(),
            fx,
        ),
        NodeKind::MessageCatchEvent { message, .. } => {
            Next::Wait(token, Wait::Message(message.clone()))
        }
        NodeKind::SignalCatchEvent { signal, .. } => {
            Next::Wait(token, Wait::Signal(signal.clone()))
        }
        NodeKind::LinkCatchEvent { .. } => events::link_catch(instance, node, fni, token),
        NodeKind::LinkThrowEvent { name } => {
            events::link_throw(instance, process, node, fni, token, name)
        }
        NodeKind::MessageThrowEvent {
            message,
            input_values,
        } => events::throw(
            instance,
            node,
            fni,
            token,
            Wait::Message(message.clone()),
            input_values.as_deref(),
            "MessageThrowEvent",
            fx,
        ),
        NodeKind::SignalThrowEvent {
            signal,
            input_values,
            // intermediate_signal_throw_event_handler.js names itself `MessageThrowEvent` too.
        } => events::throw(
            instance,
            node,
            fni,
            token,
            Wait::Signal(signal.clone()),
            input_values.as_deref(),
            "MessageThrowEvent",
            fx,
        ),
        NodeKind::ExternalTask { topic, payload } => {
            tasks::external(instance, fni, token, topic, payload.as_deref(), fx)
        }
        NodeKind::ScriptTask { script } => tasks::script(instance, fni, token, script, fx),
        NodeKind::UserTask { form } => tasks::user(instance, node, fni, token, &form.fields),
        NodeKind::ManualTask => Next::Wait(token, Wait::ManualTask),
        NodeKind::EmptyActivity => Next::Wait(token, Wait::EmptyActivity),
        NodeKind::SendTask { message } => {
            fx.sent.push((message.clone(), token.payload.clone()));
            Next::Wait(token, Wait::Send(message.clone()))
        }
        NodeKind::ReceiveTask { message } => Next::Wait(token, Wait::Receive(message.clone())),
        NodeKind::SubProcess { process: inner } => tasks::child(
            instance,
            fni,
            token,
            super::instance::ChildKind::SubProcess(Arc::clone(inner)),
            fx,
        ),
        NodeKind::CallActivity { called } => tasks::child(
            instance,
            fni,
            token,
            super::instance::ChildKind::Call(called.clone()),
            fx,
        ),
        NodeKind::ExclusiveGateway { default } => {
            gateways::exclusive(instance, process, node, *default, fni, token)
        }
        // Both are taken care of before a flow node instance is made (`Instance::run`): a
        // parallel gateway is one instance for all the tokens that join there, and a node
        // without a handler never becomes one.
        NodeKind::ParallelGateway => Next::Leave(token),
        NodeKind::Unexecutable { bpmn_type } => Next::Fail(
            token,
            Failure::engine(500, format!("BPMN type \"{bpmn_type}\" is not supported!")),
            ExitRecord::None,
        ),
    }
}

/// Evaluates `source` as `kind` over the token, with the instance owner's identity.
pub(crate) fn evaluate(
    instance: &Instance,
    kind: Kind,
    source: &str,
    token: &Token,
) -> Result<Evaluated, JsError> {
    let identity = matches!(kind, Kind::Value | Kind::Script).then(|| instance.identity_js());
    let token = token.to_js();
    js::evaluate(
        kind,
        source,
        &token.json,
        token.specials.as_deref(),
        identity.as_deref(),
    )
}

/// When `timer` is due for `token`: its text, evaluated when it contains `token`
/// (`timer_facade.js`, `_executeTimerExpressionIfNeeded`), read as the timer's kind.
pub(crate) fn timer_due(timer: &Timer, token: &Token, now_ms: u64) -> Result<u64, Failure> {
    let Some(text) = &timer.text else {
        // api/semantics.md, "Timers": the core reads no text without an attribute, and fails on it.
        return Err(Failure::opaque(
            500,
            "Cannot read properties of undefined (reading 'includes')",
        ));
    };
    let text = if text.contains("token") {
        let js_token = token.to_js();
        let evaluated = js::evaluate(
            Kind::Timer,
            text,
            &js_token.json,
            js_token.specials.as_deref(),
            None,
        )
        .map_err(|error| match error {
            JsError::Thrown(thrown) => Failure::thrown(&thrown),
            other => Failure::engine(500, other.to_string()),
        })?;
        match evaluated.value {
            Some(Value::String(text)) => text,
            Some(other) => other.to_string(),
            None => "undefined".to_owned(),
        }
    } else {
        text.clone()
    };
    timers::due_ms(timer, &text, now_ms)
}
