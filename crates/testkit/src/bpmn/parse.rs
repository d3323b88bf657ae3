//! Reading BPMN XML into a [`Process`].
//!
//! Elements are matched by namespace, not by prefix. Everything inside the `bpmn:process` that the
//! stand-in engine does not execute is refused with [`ParseError::Unsupported`] rather than
//! skipped, so that a model never runs differently than it would on the real engine without
//! saying so. Ignored without complaint: `bpmn:incoming`/`bpmn:outgoing` (the flows' `sourceRef`
//! and `targetRef` are the truth), lanes, documentation, text annotations, associations, groups,
//! the process's own extension elements, and everything outside the process except the
//! `bpmn:message`, `bpmn:signal` and `bpmn:error` definitions (collaborations, diagrams).

use std::collections::{HashMap, HashSet};

use roxmltree::Document;

use super::expr::Expression;
use super::model::{FlowId, FlowNode, FormField, NodeId, NodeKind, Process, SequenceFlow};

const BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const CAMUNDA: &str = "http://camunda.org/schema/1.0/bpmn";

/// Why a BPMN document cannot be deployed on the stand-in engine.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The text is not well-formed XML, or its root is not a BPMN `definitions` element.
    #[error("the document is not a BPMN definitions document")]
    Xml(#[source] XmlError),
    /// The definitions hold no `bpmn:process`.
    #[error("the BPMN definitions contain no `bpmn:process` element")]
    NoProcess,
    /// The definitions hold more than one `bpmn:process`.
    #[error("the BPMN definitions contain more than one `bpmn:process` element; one is allowed")]
    MultipleProcesses,
    /// An element the stand-in engine does not execute.
    #[error("the element `{element}` (id `{id}`) is not supported: {reason}")]
    Unsupported {
        /// The element's name with the prefix `bpmn:` or `camunda:`, whatever prefix the document
        /// uses, e.g. `bpmn:timerEventDefinition`.
        element: String,
        /// The element's id, or the id of the enclosing flow node (or process) when it has none.
        id: String,
        /// Why it is refused.
        reason: String,
    },
    /// A reference that does not resolve, or a structure the engine cannot execute.
    #[error("the element `{id}` is invalid: {message}")]
    Invalid {
        /// The id of the offending element (empty for an element without an id).
        id: String,
        /// What is wrong, naming the kind of element; includes the expression error for a
        /// condition or payload that does not parse.
        message: String,
    },
}

/// Why a text is not a BPMN definitions document: the source of [`ParseError::Xml`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct XmlError(XmlErrorKind);

#[derive(Debug, thiserror::Error)]
enum XmlErrorKind {
    #[error("the text is not well-formed XML")]
    Malformed(#[source] roxmltree::Error),
    #[error("the root element `{0}` is not a BPMN `definitions` element")]
    NotDefinitions(String),
    #[error("elements are nested more than {MAX_NESTING} levels deep")]
    TooDeep,
}

/// Documents with elements nested deeper than this are refused before the XML parser sees them:
/// roxmltree 0.20 parses nested elements recursively, and a deep enough document would overflow
/// the stack, which aborts the process. BPMN documents nest fewer than a dozen levels.
const MAX_NESTING: usize = 100;

type Element<'a> = roxmltree::Node<'a, 'a>;

/// Reads the single process of a BPMN document, resolving and checking every reference.
pub fn parse(xml: &str) -> Result<Process, ParseError> {
    if nesting_exceeds(xml, MAX_NESTING) {
        return Err(ParseError::Xml(XmlError(XmlErrorKind::TooDeep)));
    }
    let document = Document::parse(xml)
        .map_err(|error| ParseError::Xml(XmlError(XmlErrorKind::Malformed(error))))?;
    let root = document.root_element();
    if !root.has_tag_name((BPMN, "definitions")) {
        let name = qualified_name(root);
        return Err(ParseError::Xml(XmlError(XmlErrorKind::NotDefinitions(
            name,
        ))));
    }
    let mut processes = root
        .children()
        .filter(|child| child.has_tag_name((BPMN, "process")));
    let process = processes.next().ok_or(ParseError::NoProcess)?;
    if processes.next().is_some() {
        return Err(ParseError::MultipleProcesses);
    }
    let process_id = attribute(process, "id").ok_or_else(|| {
        invalid(
            "",
            format!("the `bpmn:process` at line {} has no `id`", line(process)),
        )
    })?;
    let mut reader = Reader {
        definitions: Definitions::read(root),
        process_id,
        node_ids: Vec::new(),
        nodes: Vec::new(),
        flows: Vec::new(),
        ids: Vec::new(),
        defaults: Vec::new(),
        attachments: Vec::new(),
    };
    for child in process.children().filter(|child| child.is_element()) {
        reader.element(child)?;
    }
    let (nodes, flows) = reader.resolve()?;
    Ok(Process {
        id: process_id.to_owned(),
        executable: matches!(process.attribute("isExecutable"), Some("true" | "1")),
        nodes,
        flows,
    })
}

/// Whether elements in `xml` are nested more than `limit` levels deep, by a scan of the markup
/// that skips comments, CDATA sections, processing instructions and quoted attribute values.
/// Where the scan loses track on malformed XML, the XML parser fails at that point too.
fn nesting_exceeds(xml: &str, limit: usize) -> bool {
    let mut depth = 0_usize;
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let (terminator, opens) = if rest.starts_with("<!--") {
            ("-->", false)
        } else if rest.starts_with("<![CDATA[") {
            ("]]>", false)
        } else if rest.starts_with("<?") {
            ("?>", false)
        } else if rest.starts_with("</") {
            depth = depth.saturating_sub(1);
            (">", false)
        } else if rest.starts_with("<!") {
            (">", false)
        } else {
            ("", true)
        };
        if !opens {
            match rest.find(terminator) {
                Some(end) => rest = &rest[end + terminator.len()..],
                None => return false,
            }
            continue;
        }
        // A start tag: find its `>`, stepping over quoted attribute values.
        let mut quote = None;
        let end = rest.char_indices().skip(1).find(|&(_, c)| match quote {
            Some(open) => {
                if c == open {
                    quote = None;
                }
                false
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                false
            }
            None => c == '>',
        });
        let Some((end, _)) = end else {
            return false;
        };
        if !rest[..end].ends_with('/') {
            depth += 1;
            if depth > limit {
                return true;
            }
        }
        rest = &rest[end + 1..];
    }
    false
}

/// The `bpmn:message`, `bpmn:signal` and `bpmn:error` definitions of the document, by id.
struct Definitions<'a> {
    /// Message id → `name`.
    messages: HashMap<&'a str, Option<&'a str>>,
    /// Signal id → `name`.
    signals: HashMap<&'a str, Option<&'a str>>,
    /// Error id → `errorCode`.
    errors: HashMap<&'a str, Option<&'a str>>,
}

impl<'a> Definitions<'a> {
    fn read(root: Element<'a>) -> Definitions<'a> {
        let collect = |name: &str, value: &str| {
            root.children()
                .filter(|child| child.has_tag_name((BPMN, name)))
                .filter_map(|child| Some((attribute(child, "id")?, attribute(child, value))))
                .collect()
        };
        Definitions {
            messages: collect("message", "name"),
            signals: collect("signal", "name"),
            errors: collect("error", "errorCode"),
        }
    }
}

/// A sequence flow as written, before its references are resolved.
struct RawFlow<'a> {
    id: &'a str,
    source: &'a str,
    target: &'a str,
    condition: Option<Expression>,
}

/// Reads the children of the process in document order, then resolves references.
struct Reader<'a> {
    definitions: Definitions<'a>,
    process_id: &'a str,
    /// The ids of [`Reader::nodes`], borrowed from the document.
    node_ids: Vec<&'a str>,
    nodes: Vec<FlowNode>,
    flows: Vec<RawFlow<'a>>,
    /// Every node and flow id in document order, to find duplicates.
    ids: Vec<&'a str>,
    /// Exclusive gateways and the id of their `default` flow.
    defaults: Vec<(NodeId, &'a str)>,
    /// Error boundary events and the id of the node they are attached to.
    attachments: Vec<(NodeId, &'a str)>,
}

impl<'a> Reader<'a> {
    fn element(&mut self, element: Element<'a>) -> Result<(), ParseError> {
        if element.tag_name().namespace() != Some(BPMN) {
            return Err(unsupported(
                element,
                self.process_id,
                "only BPMN elements make up a process; extensions belong in \
                 `bpmn:extensionElements`"
                    .to_owned(),
            ));
        }
        let local = element.tag_name().name();
        match local {
            "laneSet" | "documentation" | "extensionElements" | "textAnnotation"
            | "association" | "group" => Ok(()),
            "sequenceFlow" => self.sequence_flow(element),
            "startEvent"
            | "endEvent"
            | "intermediateCatchEvent"
            | "boundaryEvent"
            | "serviceTask"
            | "userTask"
            | "manualTask"
            | "task"
            | "exclusiveGateway"
            | "parallelGateway" => self.flow_node(element, local),
            _ => Err(unsupported(element, self.process_id, not_executed(local))),
        }
    }

    fn sequence_flow(&mut self, element: Element<'a>) -> Result<(), ParseError> {
        let id = required_id(element)?;
        self.ids.push(id);
        let reference = |name: &str| {
            attribute(element, name)
                .ok_or_else(|| invalid(id, format!("the sequence flow has no `{name}`")))
        };
        let (source, target) = (reference("sourceRef")?, reference("targetRef")?);
        let mut condition = None;
        for child in content(element) {
            if !child.has_tag_name((BPMN, "conditionExpression")) {
                let reason = not_executed(child.tag_name().name());
                return Err(unsupported(child, id, reason));
            }
            if condition.is_some() {
                let message = "the sequence flow has more than one `bpmn:conditionExpression`";
                return Err(invalid(id, message.to_owned()));
            }
            let text: String = child
                .children()
                .filter(|node| node.is_text())
                .filter_map(|node| node.text())
                .collect();
            let text = text.trim();
            // A modeler leaves an empty element behind when a condition is cleared.
            if !text.is_empty() {
                let expression = Expression::parse(text).map_err(|error| {
                    invalid(
                        id,
                        format!("the sequence flow's condition is unusable: {error}"),
                    )
                })?;
                condition = Some(expression);
            }
        }
        self.flows.push(RawFlow {
            id,
            source,
            target,
            condition,
        });
        Ok(())
    }

    fn flow_node(&mut self, element: Element<'a>, local: &str) -> Result<(), ParseError> {
        let id = required_id(element)?;
        self.ids.push(id);
        let index = self.nodes.len();
        let kind = match local {
            "startEvent" => {
                if let Some(definition) = event_definitions(element, id)?.first() {
                    let reason =
                        definition_reason(*definition, "start events", "none start events");
                    return Err(unsupported(*definition, id, reason));
                }
                NodeKind::StartEvent
            }
            "endEvent" => {
                let definitions = event_definitions(element, id)?;
                for definition in &definitions {
                    if !definition.has_tag_name((BPMN, "terminateEventDefinition")) {
                        let supported = "none and terminate end events";
                        let reason = definition_reason(*definition, "end events", supported);
                        return Err(unsupported(*definition, id, reason));
                    }
                }
                if definitions.len() > 1 {
                    return Err(multiple_definitions(element, id));
                }
                NodeKind::EndEvent {
                    terminate: !definitions.is_empty(),
                }
            }
            "intermediateCatchEvent" => self.catch_event(element, id)?,
            "boundaryEvent" => {
                let (attached_to, kind) = self.boundary_event(element, id)?;
                self.attachments.push((index, attached_to));
                kind
            }
            "serviceTask" => external_task(element, id)?,
            "userTask" => {
                no_content(element, id)?;
                NodeKind::UserTask {
                    form_fields: form_fields(element, id)?,
                }
            }
            "manualTask" => {
                no_content(element, id)?;
                NodeKind::ManualTask
            }
            "task" => {
                no_content(element, id)?;
                NodeKind::EmptyActivity
            }
            "exclusiveGateway" => {
                no_content(element, id)?;
                if let Some(default) = attribute(element, "default") {
                    self.defaults.push((index, default));
                }
                NodeKind::ExclusiveGateway { default: None }
            }
            _ => {
                no_content(element, id)?;
                NodeKind::ParallelGateway
            }
        };
        self.node_ids.push(id);
        self.nodes.push(FlowNode {
            id: id.to_owned(),
            name: element.attribute("name").map(str::to_owned),
            kind,
            incoming: Vec::new(),
            outgoing: Vec::new(),
        });
        Ok(())
    }

    fn catch_event(&self, element: Element<'a>, id: &str) -> Result<NodeKind, ParseError> {
        let definitions = event_definitions(element, id)?;
        for definition in &definitions {
            let name = definition.tag_name().name();
            if name != "messageEventDefinition" && name != "signalEventDefinition" {
                let supported = "message and signal catch events";
                let reason = definition_reason(*definition, "intermediate catch events", supported);
                return Err(unsupported(*definition, id, reason));
            }
        }
        let definition = single_definition(element, id, &definitions)?;
        let (what, reference, names) = if definition.has_tag_name((BPMN, "messageEventDefinition"))
        {
            ("message", "messageRef", &self.definitions.messages)
        } else {
            ("signal", "signalRef", &self.definitions.signals)
        };
        let Some(target) = attribute(definition, reference) else {
            let message = format!("the catch event's {what} definition has no `{reference}`");
            return Err(invalid(id, message));
        };
        let name = match lookup(names, target) {
            None => {
                let message = format!(
                    "the catch event's `{reference}` `{target}` names no `bpmn:{what}` of the \
                     document"
                );
                return Err(invalid(id, message));
            }
            Some(None) => {
                let message = format!(
                    "the `bpmn:{what}` `{target}` the catch event waits for has no `name`, which \
                     is what triggers it"
                );
                return Err(invalid(id, message));
            }
            Some(Some(name)) => name.to_owned(),
        };
        Ok(if what == "message" {
            NodeKind::MessageCatchEvent { message: name }
        } else {
            NodeKind::SignalCatchEvent { signal: name }
        })
    }

    /// The id of the node the boundary event is attached to, and the event's kind (with a
    /// placeholder `attached_to` that [`Reader::resolve`] fills in).
    fn boundary_event(
        &self,
        element: Element<'a>,
        id: &str,
    ) -> Result<(&'a str, NodeKind), ParseError> {
        let definitions = event_definitions(element, id)?;
        for definition in &definitions {
            if !definition.has_tag_name((BPMN, "errorEventDefinition")) {
                let supported = "error boundary events on external service tasks";
                let reason = definition_reason(*definition, "boundary events", supported);
                return Err(unsupported(*definition, id, reason));
            }
        }
        let definition = single_definition(element, id, &definitions)?;
        if element.attribute("cancelActivity") == Some("false") {
            let reason = "non-interrupting boundary events are not executed by the stand-in engine";
            return Err(unsupported(element, id, reason.to_owned()));
        }
        let error_code = match attribute(definition, "errorRef") {
            None => None,
            Some(reference) => match lookup(&self.definitions.errors, reference) {
                Some(code) => code.map(str::to_owned),
                None => {
                    let message = format!(
                        "the boundary event's `errorRef` `{reference}` names no `bpmn:error` of \
                         the document"
                    );
                    return Err(invalid(id, message));
                }
            },
        };
        let attached_to = attribute(element, "attachedToRef")
            .ok_or_else(|| invalid(id, "the boundary event has no `attachedToRef`".to_owned()))?;
        let kind = NodeKind::ErrorBoundaryEvent {
            attached_to: 0,
            error_code,
        };
        Ok((attached_to, kind))
    }

    /// Resolves the references between nodes and flows and checks the structure.
    fn resolve(self) -> Result<(Vec<FlowNode>, Vec<SequenceFlow>), ParseError> {
        let mut seen = HashSet::new();
        if let Some(duplicate) = self.ids.iter().find(|id| !seen.insert(**id)) {
            let message = "more than one element of the process has this id".to_owned();
            return Err(invalid(duplicate, message));
        }
        let node_index: HashMap<&str, NodeId> = self
            .node_ids
            .iter()
            .enumerate()
            .map(|(index, id)| (*id, index))
            .collect();
        let flow_index: HashMap<&str, FlowId> = self
            .flows
            .iter()
            .enumerate()
            .map(|(index, flow)| (flow.id, index))
            .collect();
        let mut nodes = self.nodes;
        let mut flows = Vec::with_capacity(self.flows.len());
        for raw in self.flows {
            let resolve = |reference: &str, end: &str| {
                node_index.get(reference).copied().ok_or_else(|| {
                    let message = format!(
                        "the sequence flow's `{end}` `{reference}` names no flow node of the process"
                    );
                    invalid(raw.id, message)
                })
            };
            let source = resolve(raw.source, "sourceRef")?;
            let target = resolve(raw.target, "targetRef")?;
            if raw.condition.is_some()
                && !matches!(nodes[source].kind, NodeKind::ExclusiveGateway { .. })
            {
                let message = format!(
                    "the sequence flow has a condition but leaves `{}`, which is not an exclusive \
                     gateway",
                    raw.source
                );
                return Err(invalid(raw.id, message));
            }
            let flow = flows.len();
            nodes[source].outgoing.push(flow);
            nodes[target].incoming.push(flow);
            flows.push(SequenceFlow {
                id: raw.id.to_owned(),
                source,
                target,
                condition: raw.condition,
            });
        }
        for (gateway, reference) in self.defaults {
            let id = &nodes[gateway].id;
            let Some(&flow) = flow_index.get(reference) else {
                let message =
                    format!("the gateway's `default` `{reference}` names no sequence flow");
                return Err(invalid(id, message));
            };
            if flows[flow].source != gateway {
                let message = format!("the gateway's default flow `{reference}` does not leave it");
                return Err(invalid(id, message));
            }
            if flows[flow].condition.is_some() {
                let message = format!("the gateway's default flow `{reference}` has a condition");
                return Err(invalid(id, message));
            }
            nodes[gateway].kind = NodeKind::ExclusiveGateway {
                default: Some(flow),
            };
        }
        for (boundary, reference) in self.attachments {
            let target = node_index.get(reference).copied();
            let id = &nodes[boundary].id;
            let Some(target) = target else {
                let message = format!(
                    "the boundary event's `attachedToRef` `{reference}` names no flow node of \
                     the process"
                );
                return Err(invalid(id, message));
            };
            if !matches!(nodes[target].kind, NodeKind::ExternalTask { .. }) {
                let message = format!(
                    "the error boundary event is attached to `{reference}`, which is not an \
                     external service task; the stand-in engine executes error boundary events \
                     only there"
                );
                return Err(invalid(id, message));
            }
            if let NodeKind::ErrorBoundaryEvent { attached_to, .. } = &mut nodes[boundary].kind {
                *attached_to = target;
            }
        }
        for node in &nodes {
            let problem = match node.kind {
                NodeKind::StartEvent if !node.incoming.is_empty() => {
                    "a start event must not have incoming sequence flows"
                }
                NodeKind::ErrorBoundaryEvent { .. } if !node.incoming.is_empty() => {
                    "a boundary event must not have incoming sequence flows"
                }
                NodeKind::EndEvent { .. } if !node.outgoing.is_empty() => {
                    "an end event must not have outgoing sequence flows"
                }
                _ => continue,
            };
            return Err(invalid(&node.id, problem.to_owned()));
        }
        Ok((nodes, flows))
    }
}

/// A `bpmn:serviceTask`, which must be an external task with a topic.
fn external_task(element: Element<'_>, id: &str) -> Result<NodeKind, ParseError> {
    if element.attribute((CAMUNDA, "type")) != Some("external") {
        let reason = "only external service tasks (`camunda:type=\"external\"`) are executed by \
                      the stand-in engine";
        return Err(unsupported(element, id, reason.to_owned()));
    }
    no_content(element, id)?;
    let topic = attribute_in(element, CAMUNDA, "topic").ok_or_else(|| {
        invalid(
            id,
            "the external service task has no `camunda:topic`".to_owned(),
        )
    })?;
    let payload = camunda_children(element, "properties")
        .flat_map(|properties| properties.children())
        .filter(|property| property.has_tag_name((CAMUNDA, "property")))
        .find(|property| property.attribute("name") == Some("payload"));
    let payload = match payload {
        None => None,
        Some(property) => {
            let text = property.attribute("value").unwrap_or_default();
            let expression = Expression::parse(text).map_err(|error| {
                invalid(
                    id,
                    format!("the external task's payload is unusable: {error}"),
                )
            })?;
            if !expression.is_token_path() {
                let message = format!(
                    "the external task's payload `{text}` is not a plain property path such as \
                     `token.current` or `token.history.<flowNodeId>.result`, the only payloads \
                     the stand-in engine evaluates"
                );
                return Err(invalid(id, message));
            }
            Some(expression)
        }
    };
    Ok(NodeKind::ExternalTask {
        topic: topic.to_owned(),
        payload,
    })
}

/// The `camunda:formField`s of a user task.
fn form_fields(element: Element<'_>, id: &str) -> Result<Vec<FormField>, ParseError> {
    let mut fields: Vec<FormField> = Vec::new();
    let elements = camunda_children(element, "formData")
        .flat_map(|form| form.children())
        .filter(|field| field.has_tag_name((CAMUNDA, "formField")));
    for field in elements {
        let Some(field_id) = attribute(field, "id") else {
            let message = format!(
                "the user task's `camunda:formField` at line {} has no `id`",
                line(field)
            );
            return Err(invalid(id, message));
        };
        if fields.iter().any(|other| other.id == field_id) {
            let message = format!("the user task has more than one form field `{field_id}`");
            return Err(invalid(id, message));
        }
        let mut enum_values = Vec::new();
        for value in field
            .children()
            .filter(|value| value.has_tag_name((CAMUNDA, "value")))
        {
            let Some(value_id) = attribute(value, "id") else {
                let message = format!(
                    "a `camunda:value` of the user task's form field `{field_id}` has no `id`"
                );
                return Err(invalid(id, message));
            };
            let name = value.attribute("name").unwrap_or_default();
            enum_values.push((value_id.to_owned(), name.to_owned()));
        }
        fields.push(FormField {
            id: field_id.to_owned(),
            label: field.attribute("label").map(str::to_owned),
            field_type: attribute(field, "type").unwrap_or("string").to_owned(),
            default_value: field.attribute("defaultValue").map(str::to_owned),
            enum_values,
        });
    }
    Ok(fields)
}

/// The children `camunda:<name>` of a flow node's `bpmn:extensionElements`.
fn camunda_children<'a>(element: Element<'a>, name: &'a str) -> impl Iterator<Item = Element<'a>> {
    element
        .children()
        .filter(|child| child.has_tag_name((BPMN, "extensionElements")))
        .flat_map(|extensions| extensions.children())
        .filter(move |child| child.has_tag_name((CAMUNDA, name)))
}

/// The element children that say what a flow node does: all but `bpmn:incoming`,
/// `bpmn:outgoing`, `bpmn:documentation` and `bpmn:extensionElements`.
fn content<'a>(element: Element<'a>) -> impl Iterator<Item = Element<'a>> {
    element.children().filter(|child| {
        child.is_element()
            && !(child.tag_name().namespace() == Some(BPMN)
                && matches!(
                    child.tag_name().name(),
                    "incoming" | "outgoing" | "documentation" | "extensionElements"
                ))
    })
}

/// Refuses any content (loop characteristics, data associations, ...) of an activity or gateway.
fn no_content(element: Element<'_>, id: &str) -> Result<(), ParseError> {
    match content(element).next() {
        Some(child) => Err(unsupported(
            child,
            id,
            not_executed(child.tag_name().name()),
        )),
        None => Ok(()),
    }
}

/// The event definitions of an event; any other content is refused.
fn event_definitions<'a>(element: Element<'a>, id: &str) -> Result<Vec<Element<'a>>, ParseError> {
    content(element)
        .map(|child| {
            let name = child.tag_name().name();
            let definition = child.tag_name().namespace() == Some(BPMN)
                && (name.ends_with("EventDefinition") || name == "eventDefinitionRef");
            if definition {
                Ok(child)
            } else {
                Err(unsupported(child, id, not_executed(name)))
            }
        })
        .collect()
}

/// The one event definition of an event that needs exactly one.
fn single_definition<'a>(
    element: Element<'a>,
    id: &str,
    definitions: &[Element<'a>],
) -> Result<Element<'a>, ParseError> {
    match definitions {
        [] => {
            let message = format!("the `{}` has no event definition", qualified_name(element));
            Err(invalid(id, message))
        }
        [definition] => Ok(*definition),
        _ => Err(multiple_definitions(element, id)),
    }
}

fn multiple_definitions(element: Element<'_>, id: &str) -> ParseError {
    let reason = "events with more than one event definition are not executed by the stand-in \
                  engine";
    unsupported(element, id, reason.to_owned())
}

/// Why an event definition is refused on an event of kind `events`; `supported` names the kinds
/// the engine executes.
fn definition_reason(definition: Element<'_>, events: &str, supported: &str) -> String {
    let name = definition.tag_name().name();
    match name.strip_suffix("EventDefinition") {
        Some("timer") => "timer events are not executed by the stand-in engine".to_owned(),
        Some(kind) => {
            format!("{kind} {events} are not executed by the stand-in engine, only {supported}")
        }
        None => format!(
            "referenced event definitions are not executed by the stand-in engine, only \
             {supported}"
        ),
    }
}

/// Why a BPMN element named `local` is refused.
fn not_executed(local: &str) -> String {
    let what = match local {
        "scriptTask" => "script tasks",
        "sendTask" => "send tasks",
        "receiveTask" => "receive tasks",
        "businessRuleTask" => "business rule tasks",
        "callActivity" => "call activities",
        "subProcess" => "sub-processes",
        "adHocSubProcess" => "ad-hoc sub-processes",
        "transaction" => "transactions",
        "inclusiveGateway" => "inclusive gateways",
        "eventBasedGateway" => "event-based gateways",
        "complexGateway" => "complex gateways",
        "intermediateThrowEvent" => "intermediate throw events",
        "dataObject" | "dataObjectReference" => "data objects",
        "dataStoreReference" => "data stores",
        "dataInputAssociation" | "dataOutputAssociation" => "data associations",
        "multiInstanceLoopCharacteristics" => "multi-instance activities",
        "standardLoopCharacteristics" => "loops",
        "ioSpecification" | "dataInput" | "dataOutput" | "inputSet" | "outputSet" => {
            "data inputs and outputs"
        }
        "property" => "properties",
        _ => return format!("the stand-in engine does not execute `{local}` elements here"),
    };
    format!("{what} are not executed by the stand-in engine")
}

/// `Unsupported` for `element`, with its own id or else `enclosing`.
fn unsupported(element: Element<'_>, enclosing: &str, reason: String) -> ParseError {
    ParseError::Unsupported {
        element: qualified_name(element),
        id: attribute(element, "id").unwrap_or(enclosing).to_owned(),
        reason,
    }
}

fn invalid(id: &str, message: String) -> ParseError {
    ParseError::Invalid {
        id: id.to_owned(),
        message,
    }
}

/// The `id` of a flow node or flow, which it must have.
fn required_id<'a>(element: Element<'a>) -> Result<&'a str, ParseError> {
    attribute(element, "id").ok_or_else(|| {
        let message = format!(
            "the `{}` at line {} has no `id`",
            qualified_name(element),
            line(element)
        );
        invalid("", message)
    })
}

/// An unprefixed attribute; an empty one counts as absent.
fn attribute<'a>(element: Element<'a>, name: &str) -> Option<&'a str> {
    element.attribute(name).filter(|value| !value.is_empty())
}

/// An attribute in `namespace`; an empty one counts as absent.
fn attribute_in<'a>(element: Element<'a>, namespace: &str, name: &str) -> Option<&'a str> {
    element
        .attribute((namespace, name))
        .filter(|value| !value.is_empty())
}

/// The definition `reference` names; a QName reference (`tns:Message_1`) also finds `Message_1`.
fn lookup<V: Copy>(definitions: &HashMap<&str, V>, reference: &str) -> Option<V> {
    definitions.get(reference).copied().or_else(|| {
        let (_, local) = reference.split_once(':')?;
        definitions.get(local).copied()
    })
}

/// `bpmn:` or `camunda:` plus the local name for those namespaces, whatever prefix the document
/// uses; the document's own prefix for others.
fn qualified_name(element: Element<'_>) -> String {
    let name = element.tag_name();
    let prefix = match name.namespace() {
        Some(BPMN) => Some("bpmn"),
        Some(CAMUNDA) => Some("camunda"),
        Some(namespace) => element.lookup_prefix(namespace),
        None => None,
    };
    match prefix {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}:{}", name.name()),
        _ => name.name().to_owned(),
    }
}

fn line(element: Element<'_>) -> u32 {
    element.document().text_pos_at(element.range().start).row
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;
    use crate::bpmn::Token;

    /// A document with one process holding `body`, and `definitions` beside it.
    fn document(body: &str, definitions: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="Definitions_test" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="test" isExecutable="true">
{body}
  </bpmn:process>
{definitions}
</bpmn:definitions>"#
        )
    }

    fn parse_ok(xml: &str) -> Process {
        match parse(xml) {
            Ok(process) => process,
            Err(error) => panic!("{error}\n{xml}"),
        }
    }

    fn ids(process: &Process, nodes: &[NodeId]) -> Vec<String> {
        nodes
            .iter()
            .map(|node| process.nodes[*node].id.clone())
            .collect()
    }

    fn node<'p>(process: &'p Process, id: &str) -> &'p FlowNode {
        let index = process.node(id);
        match index {
            Some(index) => &process.nodes[index],
            None => panic!("no node {id}"),
        }
    }

    const CONF_EXTERNAL: &str =
        include_str!("../../tests/conformance/scenarios/bpmn/conf_external.bpmn");

    const CONF_MANUAL_EMPTY: &str =
        include_str!("../../tests/conformance/scenarios/bpmn/conf_manual_empty.bpmn");

    const CONF_MESSAGE: &str =
        include_str!("../../tests/conformance/scenarios/bpmn/conf_message.bpmn");

    const CONF_SIGNAL: &str =
        include_str!("../../tests/conformance/scenarios/bpmn/conf_signal.bpmn");

    const CONF_START_END: &str =
        include_str!("../../tests/conformance/scenarios/bpmn/conf_start_end.bpmn");

    const CONF_TWO_PROCESSES: &str =
        include_str!("../../tests/conformance/scenarios/bpmn/conf_two_processes.bpmn");

    const CONF_TWO_STARTS: &str =
        include_str!("../../tests/conformance/scenarios/bpmn/conf_two_starts.bpmn");

    const CONF_USER_TASK: &str =
        include_str!("../../tests/conformance/scenarios/bpmn/conf_user_task.bpmn");

    const HELLO_WORLD: &str = include_str!("../../../../samples/bpmn_models/hello_world.bpmn");

    #[test]
    fn conformance_models_parse() {
        let process = parse_ok(CONF_START_END);
        assert_eq!(process.id, "conf_start_end");
        assert!(process.executable);
        assert_eq!(process.nodes.len(), 2);
        assert!(matches!(process.nodes[0].kind, NodeKind::StartEvent));
        assert_eq!(process.nodes[0].name.as_deref(), Some("Start"));
        assert!(matches!(
            process.nodes[1].kind,
            NodeKind::EndEvent { terminate: false }
        ));
        assert_eq!(process.flows.len(), 1);
        assert_eq!((process.flows[0].source, process.flows[0].target), (0, 1));
        assert_eq!(process.nodes[0].outgoing, [0]);
        assert_eq!(process.nodes[1].incoming, [0]);

        let process = parse_ok(CONF_EXTERNAL);
        let task = node(&process, "external_task");
        assert!(
            matches!(&task.kind, NodeKind::ExternalTask { topic, payload: None } if topic == "conf_external_topic")
        );
        assert_eq!(task.name.as_deref(), Some("Do work"));

        let process = parse_ok(HELLO_WORLD);
        assert_eq!(process.id, "hello_world");
        assert!(matches!(
            &node(&process, "say_hello").kind,
            NodeKind::ExternalTask { topic, .. } if topic == "SampleExternalTask"
        ));

        let process = parse_ok(CONF_MANUAL_EMPTY);
        assert!(matches!(
            node(&process, "manual_task").kind,
            NodeKind::ManualTask
        ));
        assert!(matches!(
            node(&process, "empty_activity").kind,
            NodeKind::EmptyActivity
        ));
        assert_eq!(process.flows.len(), 3);

        let process = parse_ok(CONF_MESSAGE);
        assert!(matches!(
            &node(&process, "wait_for_message").kind,
            NodeKind::MessageCatchEvent { message } if message == "conf_message_name"
        ));

        let process = parse_ok(CONF_SIGNAL);
        assert!(matches!(
            &node(&process, "wait_for_signal").kind,
            NodeKind::SignalCatchEvent { signal } if signal == "conf_signal_name"
        ));

        let process = parse_ok(CONF_USER_TASK);
        let NodeKind::UserTask { form_fields } = &node(&process, "user_task").kind else {
            panic!("not a user task");
        };
        let field = |id: &str, label: &str, field_type: &str, default: Option<&str>| FormField {
            id: id.to_owned(),
            label: Some(label.to_owned()),
            field_type: field_type.to_owned(),
            default_value: default.map(str::to_owned),
            enum_values: Vec::new(),
        };
        assert_eq!(
            form_fields,
            &[
                field("first_name", "First name", "string", Some("Jane")),
                field("age", "Age", "long", Some("42")),
                field("accepted", "Accept terms", "boolean", None),
            ]
        );

        let process = parse_ok(CONF_TWO_STARTS);
        let starts: Vec<&str> = process.start_events().map(|n| n.id.as_str()).collect();
        assert_eq!(starts, ["start_a", "start_b"]);
        let ends: Vec<&str> = process.end_events().map(|n| n.id.as_str()).collect();
        assert_eq!(ends, ["end_a", "end_b"]);
        let flow_b = &process.flows[1];
        assert_eq!(flow_b.id, "flow_b");
        assert_eq!(
            ids(&process, &[flow_b.source, flow_b.target]),
            ["start_b", "end_b"]
        );

        assert!(matches!(
            parse(CONF_TWO_PROCESSES),
            Err(ParseError::MultipleProcesses)
        ));
    }

    /// Exclusive gateway with conditions and a default, a parallel split and join, an error
    /// boundary event, a terminate end event; other prefixes than `bpmn:` and `camunda:`.
    const RICH: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:c="http://camunda.org/schema/1.0/bpmn"
             xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
             xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
             id="Definitions_rich" targetNamespace="http://bpmn.io/schema/bpmn">
  <error id="Error_1" name="Declined" errorCode="declined" />
  <error id="Error_no_code" name="Anything" />
  <process id="rich" isExecutable="false">
    <documentation>A model exercising everything the parser reads.</documentation>
    <extensionElements><c:properties><c:property name="x" value="y" /></c:properties></extensionElements>
    <startEvent id="start" />
    <sequenceFlow id="f_start" sourceRef="start" targetRef="choose" />
    <exclusiveGateway id="choose" name="Amount?" default="f_small">
      <incoming>wrong_on_purpose</incoming>
    </exclusiveGateway>
    <sequenceFlow id="f_big" sourceRef="choose" targetRef="split">
      <conditionExpression xsi:type="tFormalExpression">token.current.amount &gt; 100 &amp;&amp; token.current.currency === 'EUR'</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="f_cdata" sourceRef="choose" targetRef="review">
      <conditionExpression><![CDATA[return token.current.amount < 0;]]></conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="f_small" sourceRef="choose" targetRef="done">
      <conditionExpression xsi:type="tFormalExpression">  </conditionExpression>
    </sequenceFlow>
    <parallelGateway id="split" />
    <sequenceFlow id="f_a" sourceRef="split" targetRef="charge" />
    <sequenceFlow id="f_b" sourceRef="split" targetRef="review" />
    <serviceTask id="charge" name="Charge" c:type="external" c:topic="payments">
      <extensionElements>
        <c:properties>
          <c:property name="other" value="ignored + anything" />
          <c:property name="payload" value="token.history.start" />
        </c:properties>
      </extensionElements>
    </serviceTask>
    <boundaryEvent id="declined" attachedToRef="charge">
      <errorEventDefinition id="ErrorDef_1" errorRef="Error_1" />
    </boundaryEvent>
    <boundaryEvent id="any_error" attachedToRef="charge" cancelActivity="true">
      <errorEventDefinition errorRef="Error_no_code" />
    </boundaryEvent>
    <boundaryEvent id="catch_all" attachedToRef="charge">
      <errorEventDefinition />
    </boundaryEvent>
    <userTask id="review">
      <extensionElements>
        <c:formData>
          <c:formField id="decision" type="enum">
            <c:value id="yes" name="Yes" />
            <c:value id="no" name="No" />
          </c:formField>
          <c:formField id="note" />
        </c:formData>
      </extensionElements>
    </userTask>
    <sequenceFlow id="f_charge" sourceRef="charge" targetRef="join" />
    <sequenceFlow id="f_review" sourceRef="review" targetRef="join" />
    <parallelGateway id="join" />
    <sequenceFlow id="f_join" sourceRef="join" targetRef="done" />
    <sequenceFlow id="f_declined" sourceRef="declined" targetRef="abort" />
    <endEvent id="done" />
    <endEvent id="abort"><terminateEventDefinition /></endEvent>
    <textAnnotation id="note"><text>hi</text></textAnnotation>
    <association id="assoc" sourceRef="note" targetRef="start" />
  </process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="rich" />
  </bpmndi:BPMNDiagram>
</definitions>"#;

    #[test]
    fn rich_model_resolves_to_indices() {
        let process = parse_ok(RICH);
        assert_eq!(process.id, "rich");
        assert!(!process.executable);
        let node_ids: Vec<&str> = process.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(
            node_ids,
            [
                "start",
                "choose",
                "split",
                "charge",
                "declined",
                "any_error",
                "catch_all",
                "review",
                "join",
                "done",
                "abort"
            ]
        );
        let flow_ids: Vec<&str> = process.flows.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            flow_ids,
            [
                "f_start",
                "f_big",
                "f_cdata",
                "f_small",
                "f_a",
                "f_b",
                "f_charge",
                "f_review",
                "f_join",
                "f_declined"
            ]
        );
        let index = |id: &str| process.node(id).unwrap_or(usize::MAX);

        let choose = &process.nodes[index("choose")];
        assert_eq!(choose.name.as_deref(), Some("Amount?"));
        assert!(matches!(
            choose.kind,
            NodeKind::ExclusiveGateway { default: Some(3) }
        ));
        assert_eq!(choose.incoming, [0], "bpmn:incoming children are ignored");
        assert_eq!(choose.outgoing, [1, 2, 3]);
        assert!(process.flows[3].condition.is_none(), "blank condition");

        let current = json!({"amount": 150, "currency": "EUR"});
        let history = Map::new();
        let token = Token {
            current: &current,
            history: &history,
        };
        let holds = |flow: FlowId| {
            process.flows[flow]
                .condition
                .as_ref()
                .map(|condition| condition.holds(&token).ok())
        };
        assert_eq!(holds(1), Some(Some(true)), "entities decoded");
        assert_eq!(holds(2), Some(Some(false)), "CDATA read");
        assert_eq!(
            process.flows[1].condition.as_ref().map(Expression::source),
            Some("token.current.amount > 100 && token.current.currency === 'EUR'")
        );

        assert!(matches!(
            process.nodes[index("split")].kind,
            NodeKind::ParallelGateway
        ));
        assert_eq!(process.nodes[index("split")].outgoing, [4, 5]);
        let join = &process.nodes[index("join")];
        assert!(matches!(join.kind, NodeKind::ParallelGateway));
        assert_eq!(join.incoming, [6, 7]);
        assert_eq!(join.outgoing, [8]);
        let review = &process.nodes[index("review")];
        assert_eq!(review.incoming, [2, 5]);

        let charge = index("charge");
        let NodeKind::ExternalTask { topic, payload } = &process.nodes[charge].kind else {
            panic!("charge is not an external task");
        };
        assert_eq!(topic, "payments");
        assert_eq!(
            payload.as_ref().map(Expression::source),
            Some("token.history.start")
        );
        let boundaries: Vec<(&str, Option<&str>)> = process
            .boundary_events(charge)
            .map(|(_, event)| match &event.kind {
                NodeKind::ErrorBoundaryEvent { error_code, .. } => {
                    (event.id.as_str(), error_code.as_deref())
                }
                _ => ("not a boundary event", None),
            })
            .collect();
        assert_eq!(
            boundaries,
            [
                ("declined", Some("declined")),
                ("any_error", None),
                ("catch_all", None)
            ]
        );
        assert!(matches!(
            process.nodes[index("declined")].kind,
            NodeKind::ErrorBoundaryEvent { attached_to, .. } if attached_to == charge
        ));
        assert_eq!(process.nodes[index("declined")].outgoing, [9]);
        assert_eq!(process.nodes[index("abort")].incoming, [9]);
        assert!(matches!(
            process.nodes[index("abort")].kind,
            NodeKind::EndEvent { terminate: true }
        ));
        assert!(matches!(
            process.nodes[index("done")].kind,
            NodeKind::EndEvent { terminate: false }
        ));
        assert_eq!(process.nodes[index("done")].incoming, [3, 8]);

        let NodeKind::UserTask { form_fields } = &review.kind else {
            panic!("review is not a user task");
        };
        assert_eq!(
            form_fields,
            &[
                FormField {
                    id: "decision".to_owned(),
                    label: None,
                    field_type: "enum".to_owned(),
                    default_value: None,
                    enum_values: vec![
                        ("yes".to_owned(), "Yes".to_owned()),
                        ("no".to_owned(), "No".to_owned())
                    ],
                },
                FormField {
                    id: "note".to_owned(),
                    label: None,
                    field_type: "string".to_owned(),
                    default_value: None,
                    enum_values: Vec::new(),
                },
            ]
        );
    }

    #[test]
    fn qualified_references_and_the_messages_definitions() {
        let xml = document(
            r#"<bpmn:startEvent id="s" />
               <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="m" />
               <bpmn:intermediateCatchEvent id="m"><bpmn:messageEventDefinition messageRef="tns:Msg" /></bpmn:intermediateCatchEvent>"#,
            r#"<bpmn:message id="Msg" name="go" />"#,
        );
        let process = parse_ok(&xml);
        assert!(matches!(
            &process.nodes[1].kind,
            NodeKind::MessageCatchEvent { message } if message == "go"
        ));
    }

    fn unsupported_case(body: &str, definitions: &str) -> (String, String) {
        let xml = document(body, definitions);
        match parse(&xml) {
            Err(ParseError::Unsupported { element, id, .. }) => (element, id),
            other => panic!("expected Unsupported for {body}, got {other:?}"),
        }
    }

    #[test]
    fn unsupported_elements() {
        let cases = [
            (r#"<bpmn:serviceTask id="t" />"#, "bpmn:serviceTask", "t"),
            (
                r#"<bpmn:serviceTask id="t" camunda:class="com.example.Delegate" />"#,
                "bpmn:serviceTask",
                "t",
            ),
            (r#"<bpmn:scriptTask id="t" />"#, "bpmn:scriptTask", "t"),
            (r#"<bpmn:sendTask id="t" />"#, "bpmn:sendTask", "t"),
            (r#"<bpmn:receiveTask id="t" />"#, "bpmn:receiveTask", "t"),
            (
                r#"<bpmn:businessRuleTask id="t" />"#,
                "bpmn:businessRuleTask",
                "t",
            ),
            (r#"<bpmn:callActivity id="t" />"#, "bpmn:callActivity", "t"),
            (r#"<bpmn:subProcess id="t" />"#, "bpmn:subProcess", "t"),
            (
                r#"<bpmn:inclusiveGateway id="g" />"#,
                "bpmn:inclusiveGateway",
                "g",
            ),
            (
                r#"<bpmn:eventBasedGateway id="g" />"#,
                "bpmn:eventBasedGateway",
                "g",
            ),
            (
                r#"<bpmn:complexGateway id="g" />"#,
                "bpmn:complexGateway",
                "g",
            ),
            (
                r#"<bpmn:intermediateThrowEvent id="e" />"#,
                "bpmn:intermediateThrowEvent",
                "e",
            ),
            (r#"<bpmn:dataObject id="d" />"#, "bpmn:dataObject", "d"),
            (
                r#"<bpmn:dataStoreReference id="d" />"#,
                "bpmn:dataStoreReference",
                "d",
            ),
            (
                r#"<bpmn:startEvent id="s"><bpmn:timerEventDefinition id="Timer_1" /></bpmn:startEvent>"#,
                "bpmn:timerEventDefinition",
                "Timer_1",
            ),
            (
                r#"<bpmn:startEvent id="s"><bpmn:messageEventDefinition /></bpmn:startEvent>"#,
                "bpmn:messageEventDefinition",
                "s",
            ),
            (
                r#"<bpmn:startEvent id="s"><bpmn:signalEventDefinition /></bpmn:startEvent>"#,
                "bpmn:signalEventDefinition",
                "s",
            ),
            (
                r#"<bpmn:intermediateCatchEvent id="c"><bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>"#,
                "bpmn:timerEventDefinition",
                "c",
            ),
            (
                r#"<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="M" /><bpmn:signalEventDefinition signalRef="S" /></bpmn:intermediateCatchEvent>"#,
                "bpmn:intermediateCatchEvent",
                "c",
            ),
            (
                r#"<bpmn:endEvent id="e"><bpmn:errorEventDefinition /></bpmn:endEvent>"#,
                "bpmn:errorEventDefinition",
                "e",
            ),
            (
                r#"<bpmn:endEvent id="e"><bpmn:messageEventDefinition /></bpmn:endEvent>"#,
                "bpmn:messageEventDefinition",
                "e",
            ),
            (
                r#"<bpmn:serviceTask id="t" camunda:type="external" camunda:topic="x" />
                   <bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:timerEventDefinition /></bpmn:boundaryEvent>"#,
                "bpmn:timerEventDefinition",
                "b",
            ),
            (
                r#"<bpmn:serviceTask id="t" camunda:type="external" camunda:topic="x" />
                   <bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:messageEventDefinition /></bpmn:boundaryEvent>"#,
                "bpmn:messageEventDefinition",
                "b",
            ),
            (
                r#"<bpmn:serviceTask id="t" camunda:type="external" camunda:topic="x" />
                   <bpmn:boundaryEvent id="b" attachedToRef="t" cancelActivity="false"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>"#,
                "bpmn:boundaryEvent",
                "b",
            ),
            (
                r#"<bpmn:userTask id="u"><bpmn:multiInstanceLoopCharacteristics /></bpmn:userTask>"#,
                "bpmn:multiInstanceLoopCharacteristics",
                "u",
            ),
            (
                r#"<bpmn:task id="u"><bpmn:standardLoopCharacteristics id="loop" /></bpmn:task>"#,
                "bpmn:standardLoopCharacteristics",
                "loop",
            ),
            (
                r#"<bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b"><other:thing xmlns:other="urn:x" /></bpmn:sequenceFlow>"#,
                "other:thing",
                "f",
            ),
            (r#"<camunda:thing />"#, "camunda:thing", "test"),
        ];
        for (body, element, id) in cases {
            assert_eq!(
                unsupported_case(body, ""),
                (element.to_owned(), id.to_owned()),
                "{body}"
            );
        }
    }

    fn invalid_case(body: &str, definitions: &str) -> (String, String) {
        let xml = document(body, definitions);
        match parse(&xml) {
            Err(ParseError::Invalid { id, message }) => (id, message),
            other => panic!("expected Invalid for {body}, got {other:?}"),
        }
    }

    #[test]
    fn invalid_models() {
        const TASK: &str =
            r#"<bpmn:serviceTask id="t" camunda:type="external" camunda:topic="x" />"#;
        let with_task = |rest: &str| format!("{TASK}{rest}");
        let cases = [
            (
                r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="nowhere" />"#.to_owned(),
                "",
                "f",
                "targetRef",
            ),
            (
                r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="nowhere" targetRef="s" />"#.to_owned(),
                "",
                "f",
                "sourceRef",
            ),
            (
                r#"<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="s" />"#.to_owned(),
                "",
                "f",
                "no `targetRef`",
            ),
            (
                r#"<bpmn:endEvent id="s" /><bpmn:sequenceFlow id="f" targetRef="s" />"#.to_owned(),
                "",
                "f",
                "no `sourceRef`",
            ),
            (
                r#"<bpmn:startEvent id="s" /><bpmn:endEvent id="s" />"#.to_owned(),
                "",
                "s",
                "more than one element",
            ),
            (
                r#"<bpmn:startEvent id="x" /><bpmn:sequenceFlow id="x" sourceRef="x" targetRef="x" />"#.to_owned(),
                "",
                "x",
                "more than one element",
            ),
            (
                r#"<bpmn:exclusiveGateway id="g" default="f2" /><bpmn:task id="a" /><bpmn:task id="b" />
                   <bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="a" />
                   <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b" />"#.to_owned(),
                "",
                "g",
                "does not leave it",
            ),
            (
                r#"<bpmn:exclusiveGateway id="g" default="missing" />"#.to_owned(),
                "",
                "g",
                "names no sequence flow",
            ),
            (
                r#"<bpmn:exclusiveGateway id="g" default="f1" /><bpmn:task id="a" />
                   <bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="a"><bpmn:conditionExpression>true</bpmn:conditionExpression></bpmn:sequenceFlow>"#.to_owned(),
                "",
                "g",
                "has a condition",
            ),
            (
                r#"<bpmn:task id="a" /><bpmn:task id="b" />
                   <bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b"><bpmn:conditionExpression>true</bpmn:conditionExpression></bpmn:sequenceFlow>"#.to_owned(),
                "",
                "f",
                "not an exclusive gateway",
            ),
            (
                r#"<bpmn:exclusiveGateway id="g" /><bpmn:task id="b" />
                   <bpmn:sequenceFlow id="f" sourceRef="g" targetRef="b"><bpmn:conditionExpression>token.current.a + 1</bpmn:conditionExpression></bpmn:sequenceFlow>"#.to_owned(),
                "",
                "f",
                "`+`",
            ),
            (
                r#"<bpmn:task id="a" /><bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="a" targetRef="s" />"#.to_owned(),
                "",
                "s",
                "start event",
            ),
            (
                r#"<bpmn:endEvent id="e" /><bpmn:task id="a" /><bpmn:sequenceFlow id="f" sourceRef="e" targetRef="a" />"#.to_owned(),
                "",
                "e",
                "end event",
            ),
            (
                r#"<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="Nope" /></bpmn:intermediateCatchEvent>"#.to_owned(),
                r#"<bpmn:message id="M" name="m" />"#,
                "c",
                "`Nope`",
            ),
            (
                r#"<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="M" /></bpmn:intermediateCatchEvent>"#.to_owned(),
                r#"<bpmn:message id="M" />"#,
                "c",
                "no `name`",
            ),
            (
                r#"<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition /></bpmn:intermediateCatchEvent>"#.to_owned(),
                "",
                "c",
                "no `messageRef`",
            ),
            (
                r#"<bpmn:intermediateCatchEvent id="c"><bpmn:signalEventDefinition signalRef="S" /></bpmn:intermediateCatchEvent>"#.to_owned(),
                r#"<bpmn:message id="S" name="a message, not a signal" />"#,
                "c",
                "`bpmn:signal`",
            ),
            (
                r#"<bpmn:intermediateCatchEvent id="c"><bpmn:signalEventDefinition signalRef="S" /></bpmn:intermediateCatchEvent>"#.to_owned(),
                r#"<bpmn:signal id="S" name="" />"#,
                "c",
                "no `name`",
            ),
            (
                r#"<bpmn:intermediateCatchEvent id="c" />"#.to_owned(),
                "",
                "c",
                "no event definition",
            ),
            (
                r#"<bpmn:task id="a" /><bpmn:boundaryEvent id="b" attachedToRef="a"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>"#.to_owned(),
                "",
                "b",
                "not an external service task",
            ),
            (
                with_task(r#"<bpmn:boundaryEvent id="b" attachedToRef="missing"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>"#),
                "",
                "b",
                "`missing`",
            ),
            (
                with_task(r#"<bpmn:boundaryEvent id="b"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>"#),
                "",
                "b",
                "attachedToRef",
            ),
            (
                with_task(r#"<bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:errorEventDefinition errorRef="E" /></bpmn:boundaryEvent>"#),
                "",
                "b",
                "`bpmn:error`",
            ),
            (
                with_task(r#"<bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
                   <bpmn:task id="a" /><bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b" />"#),
                "",
                "b",
                "boundary event",
            ),
            (
                r#"<bpmn:serviceTask id="t" camunda:type="external" />"#.to_owned(),
                "",
                "t",
                "camunda:topic",
            ),
            (
                r#"<bpmn:serviceTask id="t" camunda:type="external" camunda:topic="x">
                     <bpmn:extensionElements><camunda:properties>
                       <camunda:property name="payload" value="{ order: token.current }" />
                     </camunda:properties></bpmn:extensionElements>
                   </bpmn:serviceTask>"#.to_owned(),
                "",
                "t",
                "payload is unusable",
            ),
            (
                r#"<bpmn:serviceTask id="t" camunda:type="external" camunda:topic="x">
                     <bpmn:extensionElements><camunda:properties>
                       <camunda:property name="payload" value="token.current.a || token.current.b" />
                     </camunda:properties></bpmn:extensionElements>
                   </bpmn:serviceTask>"#.to_owned(),
                "",
                "t",
                "not a plain property path",
            ),
            (
                r#"<bpmn:userTask id="u"><bpmn:extensionElements><camunda:formData>
                     <camunda:formField label="no id" />
                   </camunda:formData></bpmn:extensionElements></bpmn:userTask>"#.to_owned(),
                "",
                "u",
                "no `id`",
            ),
            (
                r#"<bpmn:task name="no id" />"#.to_owned(),
                "",
                "",
                "`bpmn:task` at line",
            ),
        ];
        for (body, definitions, id, needle) in cases {
            let (actual_id, message) = invalid_case(&body, definitions);
            assert_eq!(actual_id, id, "{body}: {message}");
            assert!(message.contains(needle), "{body}: {message}");
        }
    }

    #[test]
    fn nesting_depth_scan() {
        assert!(!nesting_exceeds("<a><b/><c></c></a>", 2));
        assert!(nesting_exceeds("<a><b><c/></b></a>", 1));
        assert!(!nesting_exceeds(
            "<a x='<b>' y=\"/>\"><!-- <b> --><![CDATA[<b>]]><?p <b>?></a>",
            1
        ));
        assert!(!nesting_exceeds("<a></a><a></a><a></a>", 1));
        assert!(!nesting_exceeds("<a", 0));
        assert!(!nesting_exceeds("", 0));
        assert!(!nesting_exceeds(RICH, 8));
    }

    #[test]
    fn not_bpmn() {
        let not_xml = [
            "",
            "   ",
            "not xml",
            "<a>",
            "<a></b>",
            "{\"json\": true}",
            "<?xml?>",
        ];
        for text in not_xml {
            assert!(matches!(parse(text), Err(ParseError::Xml(_))), "{text:?}");
        }
        let foreign = [
            "<definitions/>",
            r#"<definitions xmlns="urn:other"><process id="p"/></definitions>"#,
            r#"<bpmn:process xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p"/>"#,
        ];
        for text in foreign {
            assert!(matches!(parse(text), Err(ParseError::Xml(_))), "{text:?}");
        }
        let dtd = r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>"#;
        assert!(matches!(parse(dtd), Err(ParseError::Xml(_))));
        let empty = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
            <bpmn:collaboration id="c" /></bpmn:definitions>"#;
        assert!(matches!(parse(empty), Err(ParseError::NoProcess)));
        // A process nested elsewhere is not a process of the definitions.
        let nested = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
            <extensionElements><process id="p" /></extensionElements></definitions>"#;
        assert!(matches!(parse(nested), Err(ParseError::NoProcess)));
    }

    #[test]
    fn errors_read_as_sentences_with_their_cause() {
        let error = parse("<a></b>").err();
        let source = error
            .as_ref()
            .and_then(std::error::Error::source)
            .map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("the text is not well-formed XML"));
        let cause = error
            .as_ref()
            .and_then(std::error::Error::source)
            .and_then(std::error::Error::source)
            .map(ToString::to_string);
        assert!(cause.is_some_and(|cause| cause.contains("1:4")));

        let error = parse(&document(
            r#"<bpmn:startEvent id="s"><bpmn:timerEventDefinition /></bpmn:startEvent>"#,
            "",
        ));
        assert_eq!(
            error.err().map(|e| e.to_string()).as_deref(),
            Some(
                "the element `bpmn:timerEventDefinition` (id `s`) is not supported: timer events \
                 are not executed by the stand-in engine"
            )
        );
    }

    /// Every prefix of the rich model, and of each line removed, parses or fails without
    /// panicking.
    #[test]
    fn no_input_panics() {
        for (end, _) in RICH.char_indices() {
            let _ = parse(&RICH[..end]);
        }
        let lines: Vec<&str> = RICH.lines().collect();
        for skip in 0..lines.len() {
            let text: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != skip)
                .map(|(_, line)| *line)
                .collect();
            let _ = parse(&text.join("\n"));
        }
        for element in ["<a>", "<a x='>'>", "<bpmn:process>"] {
            let deep = format!("{}{}", element.repeat(50_000), "</a>".repeat(50_000));
            assert!(matches!(parse(&deep), Err(ParseError::Xml(_))));
        }
        let deep_process = RICH.replace(
            "<startEvent id=\"start\" />",
            &format!(
                "<startEvent id=\"start\" />{}{}",
                "<documentation>".repeat(MAX_NESTING),
                "</documentation>".repeat(MAX_NESTING)
            ),
        );
        assert!(matches!(parse(&deep_process), Err(ParseError::Xml(_))));
    }
}
