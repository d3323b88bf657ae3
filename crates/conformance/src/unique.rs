//! Names made unique per run (recordings README §2.1 `unique`), so that scenarios replayed against one
//! engine do not meet each other's models, topics and messages.
//!
//! In a BPMN file every double-quoted attribute value equal to one of the literals (process id,
//! `processRef`, participant name, `camunda:topic`, message or signal name) gets the run id as a
//! suffix; the same value is the variable's.

/// The unique form of `literal` in run `run`.
pub(crate) fn name(literal: &str, run: &str) -> String {
    format!("{literal}_{run}")
}

/// `xml` with every `"literal"` replaced by `"literal_run"` (longer literals first, as
/// the recording tool's regular expression does).
pub(crate) fn rename(xml: &str, literals: &[&str], run: &str) -> String {
    if literals.is_empty() {
        return xml.to_owned();
    }
    let mut literals = literals.to_vec();
    literals.sort_by_key(|literal| std::cmp::Reverse(literal.len()));
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(quote) = rest.find('"') {
        let (before, from_quote) = rest.split_at(quote);
        out.push_str(before);
        let inside = &from_quote[1..];
        let quoted = literals.iter().find(|literal| {
            inside
                .strip_prefix(**literal)
                .is_some_and(|after| after.starts_with('"'))
        });
        match quoted {
            Some(literal) => {
                out.push('"');
                out.push_str(&name(literal, run));
                out.push('"');
                rest = &inside[literal.len() + 1..];
            }
            None => {
                out.push('"');
                rest = inside;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_quoted_values_are_renamed() {
        let xml = r#"<process id="conf_x" name="conf_x"><task topic="conf_x_topic" ref="conf_xy">conf_x</task>"#;
        let renamed = rename(xml, &["conf_x", "conf_x_topic"], "r1");
        assert_eq!(
            renamed,
            r#"<process id="conf_x_r1" name="conf_x_r1"><task topic="conf_x_topic_r1" ref="conf_xy">conf_x</task>"#
        );
    }

    #[test]
    fn neighbouring_values_are_all_renamed() {
        assert_eq!(
            rename(r#""a""a" "b"x"a"#, &["a", "b"], "r"),
            r#""a_r""a_r" "b_r"x"a"#
        );
        assert_eq!(rename(r#"a="a""#, &[], "r"), r#"a="a""#);
    }
}
