//! Deployed process models: the BPMN text, its parsed process, and the checks of an import.

use std::sync::Arc;

use super::Reject;
use crate::bpmn::{self, ParseError, Process};

/// One deployed version of a process model. Instances keep the version they started with.
#[derive(Debug)]
pub(crate) struct Deployment {
    /// The model id: the deployment name, which equals the process id.
    pub(crate) id: String,
    /// The BPMN exactly as it was deployed.
    pub(crate) xml: String,
    /// The engine's bcrypt hash of the definition (`$2a$04$...`).
    pub(crate) hash: String,
    pub(crate) process: Arc<Process>,
}

impl Deployment {
    /// Parses and checks `xml` for a deployment named `name`, as the engine's import does.
    pub(crate) fn new(name: &str, xml: &str) -> Result<Deployment, Reject> {
        let unprocessable = |message: String| Reject::new(422, message);
        let process = bpmn::parse(xml).map_err(|error| match error {
            ParseError::Xml(_) | ParseError::NoProcess => {
                unprocessable(format!("The XML for process \"{name}\" could not be parsed."))
            }
            ParseError::MultipleProcesses => unprocessable(format!(
                "The XML for process \"{name}\" contains more than one ProcessModel. This is currently not supported."
            )),
            // The core's parser throws its own error classes through the import.
            ParseError::Refused { status, message } => Reject::new(status, message),
            other => unprocessable(format!("The XML for process \"{name}\" cannot be executed: {other}")),
        })?;
        if process.id != name {
            return Err(unprocessable(format!(
                "The ProcessModel contained within the diagram \"{name}\" must also use the name \"{name}\"!"
            )));
        }
        Ok(Deployment {
            id: name.to_owned(),
            xml: xml.to_owned(),
            hash: hash(xml),
            process: Arc::new(process),
        })
    }
}

/// bcrypt with cost 4, as the engine hashes its definitions. bcrypt reads at most 72 bytes, so
/// this identifies the version less than the salt does; it is kept for the wire shape.
fn hash(xml: &str) -> String {
    let prefix = &xml.as_bytes()[..xml.len().min(72)];
    bcrypt::hash_with_result(prefix, 4)
        .map(|parts| parts.format_for_version(bcrypt::Version::TwoA))
        .unwrap_or_default()
}
