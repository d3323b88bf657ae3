//! Reading BPMN XML into a [`Process`], as leniently as the core's parsers
//! (`model/parser/*`) read it: elements the core does not parse are kept as nodes it cannot
//! execute, so that the model deploys and the instance fails where a token reaches one. What
//! the core's parsers refuse (a send or receive task without `messageRef`) is refused here.

mod definitions;
mod flow_nodes;
mod resolve;
#[cfg(test)]
mod tests;
mod xml;

use roxmltree::Document;

use super::model::Process;
use definitions::Definitions;
use xml::{BPMN, Element, MAX_NESTING, attribute, line, nesting_exceeds};

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
    /// What the core's parser refuses, with the status and message the import answers.
    #[error("{message}")]
    Refused {
        /// The status of the core's error class: 422 (`UnprocessableEntityError`) or 404
        /// (`NotFoundError`).
        status: u16,
        /// The core's message, e.g. `No message Reference for Send Task with id send given`.
        message: String,
    },
    /// A reference that does not resolve, or a structure no engine can execute.
    #[error("the element `{id}` is invalid: {message}")]
    Invalid {
        /// The id of the offending element (empty for an element without an id).
        id: String,
        /// What is wrong, naming the kind of element.
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

/// Reads the single process of a BPMN document, resolving every reference.
pub(crate) fn parse(xml: &str) -> Result<Process, ParseError> {
    if nesting_exceeds(xml, MAX_NESTING) {
        return Err(ParseError::Xml(XmlError(XmlErrorKind::TooDeep)));
    }
    let document = Document::parse(xml)
        .map_err(|error| ParseError::Xml(XmlError(XmlErrorKind::Malformed(error))))?;
    let root = document.root_element();
    if !root.has_tag_name((BPMN, "definitions")) {
        let name = root.tag_name().name().to_owned();
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
    let definitions = Definitions::read(root);
    let id = attribute(process, "id").ok_or_else(|| {
        invalid(
            "",
            format!("the `bpmn:process` at line {} has no `id`", line(process)),
        )
    })?;
    let executable = matches!(process.attribute("isExecutable"), Some("true" | "1"));
    read_process(&definitions, process, id, executable)
}

/// Reads the flow nodes and flows directly inside `container` (a process or a sub-process).
fn read_process(
    definitions: &Definitions<'_>,
    container: Element<'_>,
    id: &str,
    executable: bool,
) -> Result<Process, ParseError> {
    let mut reader = resolve::Reader::default();
    for child in container.children().filter(|child| child.is_element()) {
        if child.tag_name().namespace() != Some(BPMN) {
            continue;
        }
        reader.element(definitions, child)?;
    }
    let (nodes, flows) = reader.resolve()?;
    Ok(Process {
        id: id.to_owned(),
        executable,
        nodes,
        flows,
    })
}

fn invalid(id: &str, message: String) -> ParseError {
    ParseError::Invalid {
        id: id.to_owned(),
        message,
    }
}
