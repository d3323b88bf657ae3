//! The `bpmn:message`, `bpmn:signal` and `bpmn:error` definitions beside the process.

use std::collections::HashMap;

use super::xml::{BPMN, Element, attribute, lookup};

/// A `bpmn:error`: its `name` and `errorCode` (`event_parser.js`, `getErrorForId`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ErrorDefinition<'a> {
    pub(super) name: Option<&'a str>,
    pub(super) code: Option<&'a str>,
}

pub(super) struct Definitions<'a> {
    messages: HashMap<&'a str, Option<&'a str>>,
    signals: HashMap<&'a str, Option<&'a str>>,
    errors: HashMap<&'a str, ErrorDefinition<'a>>,
}

impl<'a> Definitions<'a> {
    pub(super) fn read(root: Element<'a>) -> Definitions<'a> {
        let named = |local: &str| {
            root.children()
                .filter(|child| child.has_tag_name((BPMN, local)))
                .filter_map(|child| Some((attribute(child, "id")?, attribute(child, "name"))))
                .collect()
        };
        let errors = root
            .children()
            .filter(|child| child.has_tag_name((BPMN, "error")))
            .filter_map(|child| {
                let definition = ErrorDefinition {
                    name: attribute(child, "name"),
                    code: attribute(child, "errorCode"),
                };
                Some((attribute(child, "id")?, definition))
            })
            .collect();
        Definitions {
            messages: named("message"),
            signals: named("signal"),
            errors,
        }
    }

    /// The name the engine's paths use for the message `reference` names: its `name`;
    /// `undefined` for a message without one (the handlers write the name into the event path
    /// with `String.replace`, which writes `undefined` for a missing value, so
    /// `message/undefined` triggers it); the reference itself when it names no message.
    pub(super) fn message(&self, reference: &str) -> String {
        path_name(lookup(&self.messages, reference), reference)
    }

    /// The name the engine's paths use for the signal `reference` names, as for
    /// [`message`](Self::message).
    pub(super) fn signal(&self, reference: &str) -> String {
        path_name(lookup(&self.signals, reference), reference)
    }

    /// Whether a message catch event on `reference` has a name to list: not when the message
    /// it names has none (`event_converter.js` copies `messageEventDefinition.name`, and a
    /// missing one leaves `eventName` out).
    pub(super) fn message_is_named(&self, reference: &str) -> bool {
        !matches!(lookup(&self.messages, reference), Some(None))
    }

    /// Whether a signal catch event on `reference` has a name to list, as for
    /// [`message_is_named`](Self::message_is_named).
    pub(super) fn signal_is_named(&self, reference: &str) -> bool {
        !matches!(lookup(&self.signals, reference), Some(None))
    }

    /// The error `reference` names: by its exact id, as `getErrorById` finds it.
    pub(super) fn error(&self, reference: &str) -> Option<ErrorDefinition<'a>> {
        self.errors.get(reference).copied()
    }
}

/// See [`Definitions::message`].
fn path_name(found: Option<&Option<&str>>, reference: &str) -> String {
    match found {
        Some(Some(name)) => (*name).to_owned(),
        Some(None) => "undefined".to_owned(),
        None => reference.to_owned(),
    }
}
