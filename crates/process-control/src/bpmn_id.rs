//! The id of the one process in a BPMN document: the name the engine requires it deployed under.

use crate::Error;
use crate::error::Repr;

/// The BPMN 2.0 model namespace.
const BPMN_MODEL: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";

/// The id of the document's (first) `bpmn:process`: the name to deploy it under. The engine
/// takes one process per document; a document with more is sent all the same, so that the
/// engine's own answer (422, naming the rule) is what the caller sees.
pub(crate) fn process_id(xml: &str) -> Result<String, Error> {
    let document =
        roxmltree::Document::parse(xml).map_err(|error| Error::new(Repr::BpmnXml(error)))?;
    let process = document
        .descendants()
        .find(|node| {
            node.tag_name().namespace() == Some(BPMN_MODEL) && node.tag_name().name() == "process"
        })
        .ok_or_else(|| Error::new(Repr::InvalidBpmn("has no bpmn:process".into())))?;
    match process.attribute("id") {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err(Error::new(Repr::InvalidBpmn(
            "has a bpmn:process without an id".into(),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const NS: &str = r#"xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL""#;

    #[test]
    fn reads_the_process_id() {
        let xml = format!(
            r#"<bpmn:definitions {NS}><bpmn:collaboration><bpmn:participant processRef="p1"/></bpmn:collaboration><bpmn:process id="p1"/></bpmn:definitions>"#
        );
        assert_eq!(process_id(&xml).unwrap(), "p1");
        // Any prefix: the namespace is what counts.
        let xml =
            r#"<d xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p2"/></d>"#;
        assert_eq!(process_id(xml).unwrap(), "p2");
        // More than one: the first names it; the engine refuses the rest itself.
        let xml = format!(
            r#"<bpmn:definitions {NS}><bpmn:process id="a"/><bpmn:process id="b"/></bpmn:definitions>"#
        );
        assert_eq!(process_id(&xml).unwrap(), "a");
    }

    #[test]
    fn refuses_what_it_cannot_name() {
        for (xml, message) in [
            (
                format!("<bpmn:definitions {NS}/>"),
                "the BPMN document has no bpmn:process",
            ),
            (
                format!(r#"<bpmn:definitions {NS}><bpmn:process/></bpmn:definitions>"#),
                "the BPMN document has a bpmn:process without an id",
            ),
            (
                "<process id=\"x\"/>".to_owned(),
                "the BPMN document has no bpmn:process",
            ),
            (
                "<unclosed".to_owned(),
                "the BPMN document is not well-formed XML",
            ),
        ] {
            let error = process_id(&xml).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidProcessModel);
            assert_eq!(error.to_string(), message);
        }
    }
}
