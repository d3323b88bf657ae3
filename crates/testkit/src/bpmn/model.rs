//! A parsed BPMN process: what the stand-in engine executes.
//!
//! Indices (`NodeId`, `FlowId`) point into [`Process::nodes`] and [`Process::flows`]; the parser
//! guarantees that every index is valid, so the engine never looks an id up by name while it
//! runs. Like the core's parsers (`model/parser/flow_node_parsers/*`), the parser reads more
//! than the core can execute: what has no handler is an [`NodeKind::Unexecutable`] node that
//! fails its instance when a token reaches it.

use std::sync::Arc;

/// The index of a flow node in [`Process::nodes`].
pub(crate) type NodeId = usize;
/// The index of a sequence flow in [`Process::flows`].
pub(crate) type FlowId = usize;

/// JavaScript source text of an expression or script, evaluated when a token needs it.
pub(crate) type Source = Arc<str>;

/// One executable BPMN process (or the inside of an embedded sub-process).
#[derive(Debug, Clone)]
pub(crate) struct Process {
    /// The process id (the process model id the API uses); a sub-process's flow node id.
    pub(crate) id: String,
    /// Whether the process has `isExecutable="true"`.
    pub(crate) executable: bool,
    /// Every flow node, in document order.
    pub(crate) nodes: Vec<FlowNode>,
    /// Every sequence flow, in document order.
    pub(crate) flows: Vec<SequenceFlow>,
}

impl Process {
    /// The node with BPMN id `id`.
    pub(crate) fn node(&self, id: &str) -> Option<NodeId> {
        self.nodes.iter().position(|node| node.id == id)
    }

    /// The start events, in document order.
    pub(crate) fn start_events(&self) -> impl Iterator<Item = &FlowNode> {
        self.nodes
            .iter()
            .filter(|node| matches!(node.kind, NodeKind::StartEvent { .. }))
    }

    /// The end events, in document order.
    pub(crate) fn end_events(&self) -> impl Iterator<Item = &FlowNode> {
        self.nodes
            .iter()
            .filter(|node| matches!(node.kind, NodeKind::EndEvent { .. }))
    }

    /// The boundary events attached to `node`, in document order.
    pub(crate) fn boundary_events(
        &self,
        node: NodeId,
    ) -> impl Iterator<Item = (NodeId, &Boundary)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(move |(id, candidate)| match &candidate.kind {
                NodeKind::BoundaryEvent(boundary) if boundary.attached_to == Some(node) => {
                    Some((id, boundary))
                }
                _ => None,
            })
    }

    /// The link catch events named `name`, in document order.
    pub(crate) fn link_catches(&self, name: &str) -> Vec<NodeId> {
        self.nodes
            .iter()
            .enumerate()
            .filter(
                |(_, node)| matches!(&node.kind, NodeKind::LinkCatchEvent { name: n } if n == name),
            )
            .map(|(id, _)| id)
            .collect()
    }
}

/// A flow node: an event, an activity or a gateway.
#[derive(Debug, Clone)]
pub(crate) struct FlowNode {
    /// The BPMN id.
    pub(crate) id: String,
    /// The `name` attribute, if any.
    pub(crate) name: Option<String>,
    /// What the node does.
    pub(crate) kind: NodeKind,
    /// The sequence flows that lead here, in document order.
    pub(crate) incoming: Vec<FlowId>,
    /// The sequence flows that leave here, in document order.
    pub(crate) outgoing: Vec<FlowId>,
}

/// A timer definition as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timer {
    /// `timeDuration`, `timeDate` or `timeCycle`.
    pub(crate) kind: TimerKind,
    /// The text of the element; `None` when the element has no attribute (no `xsi:type`), which
    /// the core does not read (api/semantics.md, "Timers").
    pub(crate) text: Option<String>,
}

/// The child element of a `bpmn:timerEventDefinition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerKind {
    /// `bpmn:timeDuration`: ISO-8601 duration.
    Duration,
    /// `bpmn:timeDate`: ISO-8601 date.
    Date,
    /// `bpmn:timeCycle`: refused by the core when reached.
    Cycle,
}

/// What an end event does besides ending its token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EndKind {
    /// A none end event.
    Plain,
    /// `bpmn:terminateEventDefinition`.
    Terminate,
    /// `bpmn:errorEventDefinition`: rejects with `BpmnError(name, code)`.
    Error {
        /// The `bpmn:error`'s `name` (empty without a reference).
        name: String,
        /// Its `errorCode`.
        code: String,
    },
    /// `bpmn:messageEventDefinition`: publishes the message.
    Message(String),
    /// `bpmn:signalEventDefinition`: publishes the signal.
    Signal(String),
}

/// What triggers a boundary event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Trigger {
    /// An error; `name` empty catches every error (`error_boundary_event_handler.js`).
    Error {
        /// The referenced `bpmn:error`'s `name`.
        name: String,
        /// Its `errorCode`.
        code: String,
    },
    /// A timer.
    Timer(Timer),
    /// A message name.
    Message(String),
    /// A signal name.
    Signal(String),
}

/// A boundary event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Boundary {
    /// The node it is attached to; `None` when `attachedToRef` names nothing the core knows.
    pub(crate) attached_to: Option<NodeId>,
    /// `cancelActivity` (default true).
    pub(crate) interrupting: bool,
    /// What triggers it.
    pub(crate) trigger: Trigger,
}

/// What a flow node does. Each kind is executed by the handler the core has for it.
#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    /// `bpmn:startEvent`; a timer start event waits for its timer first.
    StartEvent {
        /// Its timer, if it has a `bpmn:timerEventDefinition`.
        timer: Option<Timer>,
    },
    /// `bpmn:endEvent`.
    EndEvent {
        /// What it does.
        kind: EndKind,
        /// The `inputValues` property: the end event's payload.
        input_values: Option<Source>,
    },
    /// `bpmn:serviceTask camunda:type="external"`.
    ExternalTask {
        /// `camunda:topic`.
        topic: String,
        /// The `payload` property.
        payload: Option<Source>,
    },
    /// A `bpmn:serviceTask` that is not external: skipped without an invocation.
    InternalServiceTask,
    /// `bpmn:scriptTask`.
    ScriptTask {
        /// The `bpmn:script` body.
        script: Source,
    },
    /// `bpmn:userTask` with its form.
    UserTask {
        /// Its form.
        form: UserTaskForm,
    },
    /// `bpmn:manualTask`.
    ManualTask,
    /// An untyped `bpmn:task`.
    EmptyActivity,
    /// `bpmn:sendTask` with the message's name.
    SendTask {
        /// The message name.
        message: String,
    },
    /// `bpmn:receiveTask` with the message's name.
    ReceiveTask {
        /// The message name.
        message: String,
    },
    /// An embedded `bpmn:subProcess`: runs as its own instance of `process`.
    SubProcess {
        /// The inside, with the sub-process's id as its process id.
        process: Arc<Process>,
    },
    /// `bpmn:callActivity`.
    CallActivity {
        /// `calledElement`: the model to start.
        called: String,
    },
    /// An intermediate message catch event.
    MessageCatchEvent {
        /// The message name its path is made of (`undefined` for a message without one).
        message: String,
        /// Whether the message has a name, for the event lists' `eventName`.
        named: bool,
    },
    /// An intermediate signal catch event.
    SignalCatchEvent {
        /// The signal name its path is made of (`undefined` for a signal without one).
        signal: String,
        /// Whether the signal has a name, for the event lists' `eventName`.
        named: bool,
    },
    /// An intermediate timer catch event.
    TimerCatchEvent {
        /// Its timer.
        timer: Timer,
    },
    /// An intermediate link catch event.
    LinkCatchEvent {
        /// The link name.
        name: String,
    },
    /// An intermediate link throw event.
    LinkThrowEvent {
        /// The link name.
        name: String,
    },
    /// An intermediate message throw event.
    MessageThrowEvent {
        /// The message name.
        message: String,
        /// The `inputValues` property.
        input_values: Option<Source>,
    },
    /// An intermediate signal throw event.
    SignalThrowEvent {
        /// The signal name.
        signal: String,
        /// The `inputValues` property.
        input_values: Option<Source>,
    },
    /// An intermediate catch or throw event without a definition: passes the token on.
    EmptyIntermediateEvent,
    /// `bpmn:exclusiveGateway`.
    ExclusiveGateway {
        /// The `default` flow, if any.
        default: Option<FlowId>,
    },
    /// `bpmn:parallelGateway`.
    ParallelGateway,
    /// `bpmn:boundaryEvent`.
    BoundaryEvent(Boundary),
    /// A node the core parses (or leaves unparsed) but has no handler for: a token that
    /// reaches it fails the instance with `BPMN type "<bpmn_type>" is not supported!`.
    Unexecutable {
        /// The core's `bpmnType`, e.g. `bpmn:InclusiveGateway`.
        bpmn_type: String,
    },
}

/// A sequence flow.
#[derive(Debug, Clone)]
pub(crate) struct SequenceFlow {
    /// Where it starts.
    pub(crate) source: NodeId,
    /// Where it leads.
    pub(crate) target: NodeId,
    /// Its `bpmn:conditionExpression`.
    pub(crate) condition: Option<Source>,
}

/// A user task's form as `user_task_parser.js` reads it: every attribute as written, `None`
/// where the model has none (and the consumer API then leaves the key out).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct UserTaskForm {
    /// The `camunda:formData` fields, in document order.
    pub(crate) fields: Vec<FormField>,
    /// The `preferredControl` `camunda:property` of the task.
    pub(crate) preferred_control: Option<String>,
    /// The `description` `camunda:property`.
    pub(crate) description: Option<String>,
    /// The `finishedMessage` `camunda:property`.
    pub(crate) finished_message: Option<String>,
}

/// A field of a user task's form (`camunda:formField`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FormField {
    /// `id`.
    pub(crate) id: Option<String>,
    /// `label`, if any.
    pub(crate) label: Option<String>,
    /// `type`, if any.
    pub(crate) field_type: Option<String>,
    /// `defaultValue` as written, if any.
    pub(crate) default_value: Option<String>,
    /// `preferredControl`, if any.
    pub(crate) preferred_control: Option<String>,
    /// For an `enum` field (only), its `camunda:value` children: `(id, name)`.
    pub(crate) enum_values: Option<Vec<(Option<String>, Option<String>)>>,
}
