//! A parsed, validated BPMN process: what the stand-in engine executes.
//!
//! Indices (`NodeId`, `FlowId`) point into [`Process::nodes`] and [`Process::flows`]; the parser
//! guarantees that every index is valid and every reference resolved, so the engine never looks
//! an id up by name while it runs.

use super::expr::Expression;

/// The index of a flow node in [`Process::nodes`].
pub type NodeId = usize;
/// The index of a sequence flow in [`Process::flows`].
pub type FlowId = usize;

/// One executable BPMN process.
#[derive(Debug, Clone)]
pub struct Process {
    /// The process id (the process model id the API uses).
    pub id: String,
    /// Whether the process has `isExecutable="true"`; a non-executable model lists no events
    /// and cannot be started.
    pub executable: bool,
    /// Every flow node, in document order (the API lists start and end events in this order).
    pub nodes: Vec<FlowNode>,
    /// Every sequence flow, in document order.
    pub flows: Vec<SequenceFlow>,
}

impl Process {
    /// The node with BPMN id `id`.
    pub fn node(&self, id: &str) -> Option<NodeId> {
        self.nodes.iter().position(|node| node.id == id)
    }

    /// The start events, in document order.
    pub fn start_events(&self) -> impl Iterator<Item = &FlowNode> {
        self.nodes
            .iter()
            .filter(|node| matches!(node.kind, NodeKind::StartEvent))
    }

    /// The end events, in document order.
    pub fn end_events(&self) -> impl Iterator<Item = &FlowNode> {
        self.nodes
            .iter()
            .filter(|node| matches!(node.kind, NodeKind::EndEvent { .. }))
    }

    /// The error boundary events attached to `node`, in document order.
    pub fn boundary_events(&self, node: NodeId) -> impl Iterator<Item = (NodeId, &FlowNode)> {
        self.nodes.iter().enumerate().filter(move |(_, candidate)| {
            matches!(candidate.kind, NodeKind::ErrorBoundaryEvent { attached_to, .. } if attached_to == node)
        })
    }
}

/// A flow node: an event, an activity or a gateway.
#[derive(Debug, Clone)]
pub struct FlowNode {
    /// The BPMN id.
    pub id: String,
    /// The `name` attribute, if any.
    pub name: Option<String>,
    /// What the node does.
    pub kind: NodeKind,
    /// The sequence flows that lead here, in document order.
    pub incoming: Vec<FlowId>,
    /// The sequence flows that leave here, in document order.
    pub outgoing: Vec<FlowId>,
}

/// What a flow node does.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A none start event (`bpmn:startEvent` without an event definition).
    StartEvent,
    /// An end event; `terminate` for one with a `bpmn:terminateEventDefinition`, which ends every
    /// other token of the instance.
    EndEvent {
        /// Whether it is a terminate end event.
        terminate: bool,
    },
    /// A `bpmn:serviceTask` with `camunda:type="external"`: an external task on `topic`.
    ExternalTask {
        /// `camunda:topic`.
        topic: String,
        /// The `camunda:property name="payload"` expression; `None` hands the worker the
        /// current token payload.
        payload: Option<Expression>,
    },
    /// A `bpmn:userTask` with its form.
    UserTask {
        /// The `camunda:formData` fields, in document order.
        form_fields: Vec<FormField>,
    },
    /// A `bpmn:manualTask`.
    ManualTask,
    /// An untyped `bpmn:task` (the engine's "empty activity").
    EmptyActivity,
    /// A `bpmn:intermediateCatchEvent` with a `bpmn:messageEventDefinition`.
    MessageCatchEvent {
        /// The `name` of the referenced `bpmn:message`: what the trigger route names.
        message: String,
    },
    /// A `bpmn:intermediateCatchEvent` with a `bpmn:signalEventDefinition`.
    SignalCatchEvent {
        /// The `name` of the referenced `bpmn:signal`.
        signal: String,
    },
    /// A `bpmn:exclusiveGateway`: takes the first outgoing flow whose condition holds, else the
    /// default flow.
    ExclusiveGateway {
        /// The `default` flow, if any.
        default: Option<FlowId>,
    },
    /// A `bpmn:parallelGateway`: waits for a token on every incoming flow, then sends one down
    /// every outgoing flow.
    ParallelGateway,
    /// A `bpmn:boundaryEvent` with a `bpmn:errorEventDefinition`, attached to an external task.
    ErrorBoundaryEvent {
        /// The external task node it is attached to.
        attached_to: NodeId,
        /// The `errorCode` of the referenced `bpmn:error`; `None` (no `errorRef`) catches every
        /// error of the task.
        error_code: Option<String>,
    },
}

/// A sequence flow.
#[derive(Debug, Clone)]
pub struct SequenceFlow {
    /// The BPMN id.
    pub id: String,
    /// Where it starts.
    pub source: NodeId,
    /// Where it leads.
    pub target: NodeId,
    /// Its `bpmn:conditionExpression`; only flows leaving an exclusive gateway have one.
    pub condition: Option<Expression>,
}

/// A field of a user task's form (`camunda:formField`).
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    /// `id`.
    pub id: String,
    /// `label`, if any.
    pub label: Option<String>,
    /// `type`: `string`, `long`, `number`, `boolean`, `date` or `enum`.
    pub field_type: String,
    /// `defaultValue` as written (a string, even for `long`), if any.
    pub default_value: Option<String>,
    /// The `camunda:value` children of an `enum` field: `(id, name)`.
    pub enum_values: Vec<(String, String)>,
}
