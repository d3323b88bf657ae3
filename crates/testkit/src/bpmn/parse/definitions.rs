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

    /// The name of the message `reference` names; the reference itself when it names none
    /// (the core then matches on whatever the reference resolves to, which is nothing).
    pub(super) fn message(&self, reference: &str) -> String {
        lookup(&self.messages, reference)
            .copied()
            .flatten()
            .unwrap_or(reference)
            .to_owned()
    }

    /// The name of the signal `reference` names.
    pub(super) fn signal(&self, reference: &str) -> String {
        lookup(&self.signals, reference)
            .copied()
            .flatten()
            .unwrap_or(reference)
            .to_owned()
    }

    /// The error `reference` names: by its exact id, as `getErrorById` finds it.
    pub(super) fn error(&self, reference: &str) -> Option<ErrorDefinition<'a>> {
        self.errors.get(reference).copied()
    }
}
