//! Descriptions from the API description become doc comments.

/// Renders `text` as `///` lines (or `//!` with `inner`), indented by `indent`.
pub(super) fn comment(text: &str, indent: &str) -> String {
    let mut out = String::new();
    for line in text.trim().lines() {
        let line = escape(line.trim_end());
        if line.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {line}\n"));
        }
    }
    out
}

/// Escapes what rustdoc would read as HTML tags or links outside code spans (engine messages
/// such as `ProcessModel with id <id> not found!`), and makes bare URLs links.
fn escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code && (rest.starts_with("http://") || rest.starts_with("https://")) {
            let end = rest
                .find(|ch: char| ch.is_whitespace() || ch == ')' || ch == '`')
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        } else if !in_code && matches!(c, '<' | '>' | '[' | ']') && !is_doc_link_bracket(line, rest)
        {
            out.push('\\');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Whether the bracket at the start of `rest` belongs to an intra-doc link (`` [`Name`] ``).
fn is_doc_link_bracket(line: &str, rest: &str) -> bool {
    let before = &line[..line.len() - rest.len()];
    (rest.starts_with("[`")) || (rest.starts_with(']') && before.ends_with('`'))
}

/// The first sentence-ish line of a description, for one-line summaries.
pub(super) fn first_line(text: &str) -> &str {
    text.trim().lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tags_and_links_outside_code_only() {
        assert_eq!(
            escape("404 `<id>` or ProcessModel with id <id> [x]"),
            "404 `<id>` or ProcessModel with id \\<id\\> \\[x\\]"
        );
        assert_eq!(escape("See [`Name`]."), "See [`Name`].");
        assert_eq!(
            escape("see http://localhost:5000/."),
            "see <http://localhost:5000/>."
        );
        assert_eq!(comment("a\n\nb", "    "), "    /// a\n    ///\n    /// b\n");
    }
}
