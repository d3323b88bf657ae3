//! What each BPMN element becomes, as the core's `model/parser/flow_node_parsers/*` read it.

use std::sync::Arc;

use super::definitions::Definitions;
use super::xml::{CAMUNDA, Element, attribute, bpmn_children, camunda_property, text};
use super::{ParseError, read_process};
use crate::bpmn::model::{
    Boundary, EndKind, FormField, NodeKind, Source, Timer, TimerKind, Trigger, UserTaskForm,
};

/// The kind of the flow node `element` (local name `local`); `None` for elements that are not
/// flow nodes (lanes, documentation, sequence flows, ...).
pub(super) fn kind(
    definitions: &Definitions<'_>,
    element: Element<'_>,
    local: &str,
    id: &str,
) -> Result<Option<NodeKind>, ParseError> {
    let kind = match local {
        "startEvent" => NodeKind::StartEvent {
            timer: definition(element, "timerEventDefinition").map(timer),
        },
        "endEvent" => NodeKind::EndEvent {
            kind: end_kind(definitions, element)?,
            input_values: property(element, "inputValues"),
        },
        "intermediateCatchEvent" => catch_event(definitions, element),
        "intermediateThrowEvent" => throw_event(definitions, element),
        "boundaryEvent" => NodeKind::BoundaryEvent(Boundary {
            attached_to: None,
            interrupting: element.attribute("cancelActivity") != Some("false"),
            trigger: trigger(definitions, element)?,
        }),
        "serviceTask" => {
            if element.attribute((CAMUNDA, "type")) == Some("external") {
                NodeKind::ExternalTask {
                    topic: element
                        .attribute((CAMUNDA, "topic"))
                        .unwrap_or_default()
                        .to_owned(),
                    payload: property(element, "payload"),
                }
            } else {
                NodeKind::InternalServiceTask
            }
        }
        "scriptTask" => NodeKind::ScriptTask {
            script: bpmn_children(element, "script")
                .next()
                .map(|script| Source::from(text(script)))
                .unwrap_or_else(|| Source::from("")),
        },
        "userTask" => NodeKind::UserTask {
            form: UserTaskForm {
                fields: form_fields(element),
                preferred_control: camunda_property(element, "preferredControl").map(str::to_owned),
                description: camunda_property(element, "description").map(str::to_owned),
                finished_message: camunda_property(element, "finishedMessage").map(str::to_owned),
            },
        },
        "manualTask" => NodeKind::ManualTask,
        "task" => NodeKind::EmptyActivity,
        "sendTask" | "receiveTask" => {
            // send_task_parser.js / receive_task_parser.js refuse a task without messageRef.
            let Some(reference) = attribute(element, "messageRef") else {
                let what = if local == "sendTask" {
                    "Send"
                } else {
                    "Receive"
                };
                return Err(ParseError::Refused {
                    status: 422,
                    message: format!("No message Reference for {what} Task with id {id} given"),
                });
            };
            let message = definitions.message(reference);
            if local == "sendTask" {
                NodeKind::SendTask { message }
            } else {
                NodeKind::ReceiveTask { message }
            }
        }
        "subProcess" => NodeKind::SubProcess {
            process: Arc::new(read_process(definitions, element, id, true)?),
        },
        "callActivity" => NodeKind::CallActivity {
            called: attribute(element, "calledElement")
                .unwrap_or_default()
                .to_owned(),
        },
        "exclusiveGateway" => NodeKind::ExclusiveGateway { default: None },
        "parallelGateway" => NodeKind::ParallelGateway,
        // gateway_parser.js parses these; flow_node_handler_factory.js has no handler.
        "inclusiveGateway" | "complexGateway" | "eventBasedGateway" | "businessRuleTask"
        | "adHocSubProcess" | "transaction" => NodeKind::Unexecutable {
            bpmn_type: bpmn_type(local),
        },
        _ => return Ok(None),
    };
    Ok(Some(kind))
}

/// The core's `bpmnType` for an element: `bpmn:` and the local name with a capital letter.
fn bpmn_type(local: &str) -> String {
    let mut chars = local.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase());
    format!(
        "bpmn:{}{}",
        first.into_iter().collect::<String>(),
        chars.as_str()
    )
}

/// A `camunda:property` holding JavaScript.
fn property(element: Element<'_>, name: &str) -> Option<Source> {
    camunda_property(element, name).map(Source::from)
}

/// The first event definition named `local`.
fn definition<'a>(element: Element<'a>, local: &'a str) -> Option<Element<'a>> {
    bpmn_children(element, local).next()
}

/// A timer definition: the first of `timeDuration`, `timeDate`, `timeCycle` present.
fn timer(definition: Element<'_>) -> Timer {
    let found = [
        ("timeDuration", TimerKind::Duration),
        ("timeDate", TimerKind::Date),
        ("timeCycle", TimerKind::Cycle),
    ]
    .into_iter()
    .find_map(|(local, kind)| bpmn_children(definition, local).next().map(|e| (e, kind)));
    match found {
        // The core reads the text only of an element with attributes (api/semantics.md, "Timers").
        Some((element, kind)) => Timer {
            kind,
            text: (element.attributes().len() > 0).then(|| text(element).trim().to_owned()),
        },
        None => Timer {
            kind: TimerKind::Duration,
            text: None,
        },
    }
}

/// The `bpmn:error` an error event definition names (`event_parser.js`,
/// `retrieveErrorObject`): an empty definition is anonymous (empty name and code); one with
/// attributes must reference a `bpmn:error` by id, else the import fails with the core's
/// `NotFoundError`.
fn error_of(
    definitions: &Definitions<'_>,
    definition: Element<'_>,
) -> Result<(String, String), ParseError> {
    if definition.attributes().len() == 0 {
        return Ok((String::new(), String::new()));
    }
    let reference = definition.attribute("errorRef");
    match reference.and_then(|reference| definitions.error(reference)) {
        Some(found) => Ok((
            found.name.unwrap_or_default().to_owned(),
            found.code.unwrap_or_default().to_owned(),
        )),
        None => Err(ParseError::Refused {
            status: 404,
            message: format!(
                "No error with id {} found.",
                reference.unwrap_or("undefined")
            ),
        }),
    }
}

fn end_kind(definitions: &Definitions<'_>, element: Element<'_>) -> Result<EndKind, ParseError> {
    if let Some(error) = definition(element, "errorEventDefinition") {
        let (name, code) = error_of(definitions, error)?;
        return Ok(EndKind::Error { name, code });
    }
    if definition(element, "terminateEventDefinition").is_some() {
        return Ok(EndKind::Terminate);
    }
    if let Some(message) = definition(element, "messageEventDefinition") {
        return Ok(EndKind::Message(
            definitions.message(attribute(message, "messageRef").unwrap_or_default()),
        ));
    }
    if let Some(signal) = definition(element, "signalEventDefinition") {
        return Ok(EndKind::Signal(
            definitions.signal(attribute(signal, "signalRef").unwrap_or_default()),
        ));
    }
    Ok(EndKind::Plain)
}

fn catch_event(definitions: &Definitions<'_>, element: Element<'_>) -> NodeKind {
    if let Some(message) = definition(element, "messageEventDefinition") {
        let reference = attribute(message, "messageRef").unwrap_or_default();
        return NodeKind::MessageCatchEvent {
            message: definitions.message(reference),
            named: definitions.message_is_named(reference),
        };
    }
    if let Some(signal) = definition(element, "signalEventDefinition") {
        let reference = attribute(signal, "signalRef").unwrap_or_default();
        return NodeKind::SignalCatchEvent {
            signal: definitions.signal(reference),
            named: definitions.signal_is_named(reference),
        };
    }
    if let Some(timer_definition) = definition(element, "timerEventDefinition") {
        return NodeKind::TimerCatchEvent {
            timer: timer(timer_definition),
        };
    }
    if let Some(link) = definition(element, "linkEventDefinition") {
        return NodeKind::LinkCatchEvent {
            name: link.attribute("name").unwrap_or_default().to_owned(),
        };
    }
    NodeKind::EmptyIntermediateEvent
}

fn throw_event(definitions: &Definitions<'_>, element: Element<'_>) -> NodeKind {
    let input_values = property(element, "inputValues");
    if let Some(message) = definition(element, "messageEventDefinition") {
        return NodeKind::MessageThrowEvent {
            message: definitions.message(attribute(message, "messageRef").unwrap_or_default()),
            input_values,
        };
    }
    if let Some(signal) = definition(element, "signalEventDefinition") {
        return NodeKind::SignalThrowEvent {
            signal: definitions.signal(attribute(signal, "signalRef").unwrap_or_default()),
            input_values,
        };
    }
    if let Some(link) = definition(element, "linkEventDefinition") {
        return NodeKind::LinkThrowEvent {
            name: link.attribute("name").unwrap_or_default().to_owned(),
        };
    }
    NodeKind::EmptyIntermediateEvent
}

fn trigger(definitions: &Definitions<'_>, element: Element<'_>) -> Result<Trigger, ParseError> {
    if let Some(message) = definition(element, "messageEventDefinition") {
        return Ok(Trigger::Message(
            definitions.message(attribute(message, "messageRef").unwrap_or_default()),
        ));
    }
    if let Some(signal) = definition(element, "signalEventDefinition") {
        return Ok(Trigger::Signal(
            definitions.signal(attribute(signal, "signalRef").unwrap_or_default()),
        ));
    }
    if let Some(timer_definition) = definition(element, "timerEventDefinition") {
        return Ok(Trigger::Timer(timer(timer_definition)));
    }
    let (name, code) = match definition(element, "errorEventDefinition") {
        Some(error) => error_of(definitions, error)?,
        None => (String::new(), String::new()),
    };
    Ok(Trigger::Error { name, code })
}

/// The `camunda:formField`s of a user task (`user_task_parser.js`).
fn form_fields(element: Element<'_>) -> Vec<FormField> {
    bpmn_children(element, "extensionElements")
        .flat_map(|extensions| extensions.children())
        .filter(|child| child.has_tag_name((CAMUNDA, "formData")))
        .flat_map(|form| form.children())
        .filter(|field| field.has_tag_name((CAMUNDA, "formField")))
        .map(|field| FormField {
            id: field.attribute("id").map(str::to_owned),
            label: field.attribute("label").map(str::to_owned),
            field_type: field.attribute("type").map(str::to_owned),
            default_value: field.attribute("defaultValue").map(str::to_owned),
            preferred_control: field.attribute("preferredControl").map(str::to_owned),
            // Only an `enum` field reads its values, and always has a list of them.
            enum_values: (field.attribute("type") == Some("enum")).then(|| {
                field
                    .children()
                    .filter(|value| value.has_tag_name((CAMUNDA, "value")))
                    .map(|value| {
                        (
                            value.attribute("id").map(str::to_owned),
                            value.attribute("name").map(str::to_owned),
                        )
                    })
                    .collect()
            }),
        })
        .collect()
}
