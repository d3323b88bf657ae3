//! Exclusive gateways (`process_engine_core` `runtime/flow_node_handler/exclusive_gateway_handler.js`).
//! Parallel gateways are one flow node instance for every token that joins there, which the
//! instance keeps (`Instance::parallel`).

use std::sync::Arc;

use process_engine_api_types::models::TokenEventType;

use super::super::failure::Failure;
use super::super::instance::{ExitRecord, Instance, Token};
use super::{Next, evaluate};
use crate::bpmn::js::Kind;
use crate::bpmn::{FlowId, NodeId, Process};

/// A gateway with several incoming and several outgoing flows is "mixed", which the core
/// refuses when a token reaches it.
fn mixed(process: &Process, node: NodeId) -> bool {
    let node = &process.nodes[node];
    node.incoming.len() > 1 && node.outgoing.len() > 1
}

/// An exclusive gateway: a join (or a gateway with one way out) passes; a split takes the one
/// flow whose condition is truthy (conditions that throw count as false; the default flow and
/// flows without a condition are not candidates), else the default flow.
pub(super) fn exclusive(
    instance: &mut Instance,
    process: &Arc<Process>,
    node: NodeId,
    default: Option<FlowId>,
    fni: &str,
    token: Token,
) -> Next {
    let gateway = &process.nodes[node];
    if instance.is_embedded() {
        // api/semantics.md, "Sub-processes", observed on 8.0.0: the handler looks its flows
        // up in the parent's model and fails with a TypeError (serialised `{}`).
        return Next::Fail(
            token,
            Failure::opaque(
                500,
                "Cannot read properties of undefined (reading 'targetRef')",
            ),
            ExitRecord::None,
        );
    }
    if mixed(process, node) {
        let message = format!(
            "ExclusiveGateway {} is neither a Split- nor a Join-Gateway! Mixed Gateways are NOT supported!",
            gateway.id
        );
        return Next::Fail(token, Failure::engine(422, message), ExitRecord::Written);
    }
    let chosen = if let [only] = gateway.outgoing.as_slice() {
        *only
    } else {
        let holding: Vec<FlowId> = gateway
            .outgoing
            .iter()
            .copied()
            .filter(|&flow| Some(flow) != default)
            .filter(|&flow| {
                process.flows[flow]
                    .condition
                    .as_ref()
                    .is_some_and(|condition| {
                        evaluate(instance, Kind::Condition, condition, &token)
                            .is_ok_and(|evaluated| evaluated.truthy)
                    })
            })
            .collect();
        match (holding.as_slice(), default) {
            ([flow], _) => *flow,
            ([], Some(default)) => default,
            ([], None) => {
                let message = format!(
                    "No outgoing SequenceFlow for ExclusiveGateway {} had a truthy condition!",
                    gateway.id
                );
                return Next::Fail(token, Failure::engine(400, message), ExitRecord::Written);
            }
            _ => {
                let message = format!(
                    "More than one outgoing SequenceFlow for ExclusiveGateway {} had a truthy condition!",
                    gateway.id
                );
                return Next::Fail(token, Failure::engine(400, message), ExitRecord::Written);
            }
        }
    };
    let mut token = token;
    let id = gateway.id.clone();
    let result = token.payload.clone();
    token.record(&id, result);
    instance.record(node, fni, &token, TokenEventType::OnExit);
    token.previous = Some(fni.to_owned());
    Next::Follow(vec![(process.flows[chosen].target, token, Some(chosen))])
}
