//! Small helpers over roxmltree elements, and the guard against deeply nested documents.

pub(super) const BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
pub(super) const CAMUNDA: &str = "http://camunda.org/schema/1.0/bpmn";

/// Documents with elements nested deeper than this are refused before the XML parser sees them:
/// roxmltree parses nested elements recursively, and a deep enough document would overflow the
/// stack, which aborts the process. BPMN documents nest fewer than a dozen levels (sub-processes
/// add a few each).
pub(super) const MAX_NESTING: usize = 100;

pub(super) type Element<'a> = roxmltree::Node<'a, 'a>;

/// An unprefixed attribute; an empty one counts as absent.
pub(super) fn attribute<'a>(element: Element<'a>, name: &str) -> Option<&'a str> {
    element.attribute(name).filter(|value| !value.is_empty())
}

/// The BPMN children named `local`.
pub(super) fn bpmn_children<'a>(
    element: Element<'a>,
    local: &'a str,
) -> impl Iterator<Item = Element<'a>> {
    element
        .children()
        .filter(move |child| child.has_tag_name((BPMN, local)))
}

/// The `camunda:property` named `name` in the element's extension elements.
pub(super) fn camunda_property<'a>(element: Element<'a>, name: &str) -> Option<&'a str> {
    bpmn_children(element, "extensionElements")
        .flat_map(|extensions| extensions.children())
        .filter(|child| child.has_tag_name((CAMUNDA, "properties")))
        .flat_map(|properties| properties.children())
        .filter(|property| property.has_tag_name((CAMUNDA, "property")))
        .find(|property| property.attribute("name") == Some(name))
        .map(|property| property.attribute("value").unwrap_or_default())
}

/// The text content of an element.
pub(super) fn text(element: Element<'_>) -> String {
    element
        .children()
        .filter(|node| node.is_text())
        .filter_map(|node| node.text())
        .collect()
}

/// The definition `reference` names; a QName reference (`tns:Message_1`) also finds `Message_1`.
pub(super) fn lookup<'m, V>(
    definitions: &'m std::collections::HashMap<&str, V>,
    reference: &str,
) -> Option<&'m V> {
    definitions.get(reference).or_else(|| {
        let (_, local) = reference.split_once(':')?;
        definitions.get(local)
    })
}

/// The line an element starts on.
pub(super) fn line(element: Element<'_>) -> u32 {
    element.document().text_pos_at(element.range().start).row
}

/// Whether elements in `xml` are nested more than `limit` levels deep, by a scan of the markup
/// that skips comments, CDATA sections, processing instructions and quoted attribute values.
/// Where the scan loses track on malformed XML, the XML parser fails at that point too.
pub(super) fn nesting_exceeds(xml: &str, limit: usize) -> bool {
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
