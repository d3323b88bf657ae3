//! Collects the flow nodes and flows of one process level and resolves their references.

use std::collections::{HashMap, HashSet};

use super::definitions::Definitions;
use super::flow_nodes;
use super::xml::{Element, attribute, bpmn_children, line, text};
use super::{ParseError, invalid};
use crate::bpmn::model::{FlowNode, NodeId, NodeKind, SequenceFlow, Source};

/// A sequence flow as written, before its references are resolved.
struct RawFlow {
    id: String,
    source: String,
    target: String,
    condition: Option<Source>,
}

/// Reads the children of a process in document order, then resolves references.
#[derive(Default)]
pub(super) struct Reader {
    nodes: Vec<FlowNode>,
    flows: Vec<RawFlow>,
    /// Exclusive gateways and the id of their `default` flow.
    defaults: Vec<(NodeId, String)>,
    /// Boundary events and the id of the node they are attached to.
    attachments: Vec<(NodeId, String)>,
}

impl Reader {
    pub(super) fn element(
        &mut self,
        definitions: &Definitions<'_>,
        element: Element<'_>,
    ) -> Result<(), ParseError> {
        let local = element.tag_name().name();
        if local == "sequenceFlow" {
            return self.sequence_flow(element);
        }
        let Some(id) = attribute(element, "id") else {
            // Lanes, documentation, annotations: nothing the engine runs.
            return Ok(());
        };
        let Some(kind) = flow_nodes::kind(definitions, element, local, id)? else {
            return Ok(());
        };
        let index = self.nodes.len();
        if let NodeKind::BoundaryEvent(_) = kind {
            let target = attribute(element, "attachedToRef").unwrap_or_default();
            self.attachments.push((index, target.to_owned()));
        }
        if let NodeKind::ExclusiveGateway { .. } = kind {
            if let Some(default) = attribute(element, "default") {
                self.defaults.push((index, default.to_owned()));
            }
        }
        self.nodes.push(FlowNode {
            id: id.to_owned(),
            name: element.attribute("name").map(str::to_owned),
            kind,
            incoming: Vec::new(),
            outgoing: Vec::new(),
        });
        Ok(())
    }

    fn sequence_flow(&mut self, element: Element<'_>) -> Result<(), ParseError> {
        let id = attribute(element, "id").ok_or_else(|| {
            invalid(
                "",
                format!("the sequence flow at line {} has no `id`", line(element)),
            )
        })?;
        let reference = |name: &str| {
            attribute(element, name)
                .map(str::to_owned)
                .ok_or_else(|| invalid(id, format!("the sequence flow has no `{name}`")))
        };
        let condition = bpmn_children(element, "conditionExpression")
            .next()
            .map(|condition| text(condition).trim().to_owned())
            .filter(|condition| !condition.is_empty())
            .map(Source::from);
        self.flows.push(RawFlow {
            id: id.to_owned(),
            source: reference("sourceRef")?,
            target: reference("targetRef")?,
            condition,
        });
        Ok(())
    }

    /// Resolves the references between nodes and flows.
    pub(super) fn resolve(self) -> Result<(Vec<FlowNode>, Vec<SequenceFlow>), ParseError> {
        let mut seen = HashSet::new();
        for id in self
            .nodes
            .iter()
            .map(|node| node.id.as_str())
            .chain(self.flows.iter().map(|flow| flow.id.as_str()))
        {
            if !seen.insert(id) {
                return Err(invalid(id, "the id is used more than once".to_owned()));
            }
        }
        let node_index: HashMap<String, NodeId> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(index, node)| (node.id.clone(), index))
            .collect();
        let mut nodes = self.nodes;
        let mut flows = Vec::with_capacity(self.flows.len());
        let mut flow_index = HashMap::new();
        for raw in self.flows {
            let resolve = |reference: &str, end: &str| {
                node_index.get(reference).copied().ok_or_else(|| {
                    invalid(
                        &raw.id,
                        format!(
                            "the sequence flow's `{end}` `{reference}` names no flow node of the \
                             process"
                        ),
                    )
                })
            };
            let source = resolve(&raw.source, "sourceRef")?;
            let target = resolve(&raw.target, "targetRef")?;
            let flow = flows.len();
            nodes[source].outgoing.push(flow);
            nodes[target].incoming.push(flow);
            flow_index.insert(raw.id.clone(), flow);
            flows.push(SequenceFlow {
                source,
                target,
                condition: raw.condition,
            });
        }
        for (gateway, reference) in self.defaults {
            let default = flow_index.get(&reference).copied();
            if let NodeKind::ExclusiveGateway { default: slot } = &mut nodes[gateway].kind {
                *slot = default;
            }
        }
        for (boundary, reference) in self.attachments {
            let target = node_index.get(&reference).copied();
            if let NodeKind::BoundaryEvent(event) = &mut nodes[boundary].kind {
                event.attached_to = target;
            }
        }
        Ok((nodes, flows))
    }
}
