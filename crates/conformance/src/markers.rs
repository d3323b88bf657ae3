//! The markers of the matcher language: type markers that stand for a whole value (`"<uuid>"`)
//! and the markers that stand for a piece of a longer text
//! (`"... is locked by another worker, until <iso-date>."`). The patterns are those the recordings were
//! checked with.

use crate::error::{Result, ScenarioError};
use crate::json::Json;
use crate::regex::Regex;

const UUID: &str = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const ISO_DATE: &str = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})";
const ANY_TEXT: &str = r"[\s\S]*?";
const NUMBER: &str = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?";
const INTEGER: &str = r"-?\d+";

/// The markers that may appear inside a longer string, with the text each one matches.
const INLINE: [(&str, &str); 6] = [
    ("<uuid>", UUID),
    ("<iso-date>", ISO_DATE),
    ("<string>", ANY_TEXT),
    ("<any>", ANY_TEXT),
    ("<number>", NUMBER),
    ("<integer>", INTEGER),
];

const TYPE_MARKERS: [&str; 11] = [
    "<any>",
    "<uuid>",
    "<iso-date>",
    "<string>",
    "<number>",
    "<integer>",
    "<bool>",
    "<object>",
    "<array>",
    "<null>",
    "<non-null>",
];

pub(crate) fn is_type_marker(text: &str) -> bool {
    TYPE_MARKERS.contains(&text)
}

/// Whether `actual` is of the kind the type marker names.
pub(crate) fn matches_type(marker: &str, actual: &Json) -> Result<bool> {
    Ok(match marker {
        "<any>" => true,
        "<non-null>" => !matches!(actual, Json::Null),
        "<null>" => matches!(actual, Json::Null),
        "<string>" => matches!(actual, Json::String(_)),
        "<uuid>" => full_match(UUID, actual)?,
        "<iso-date>" => full_match(ISO_DATE, actual)?,
        "<number>" => matches!(actual, Json::Number(_)),
        "<integer>" => actual.is_integer(),
        "<bool>" => matches!(actual, Json::Bool(_)),
        "<object>" => matches!(actual, Json::Object(_)),
        "<array>" => matches!(actual, Json::Array(_)),
        other => return Err(ScenarioError::invalid(format!("unknown marker {other}"))),
    })
}

fn full_match(pattern: &str, actual: &Json) -> Result<bool> {
    match actual.as_str() {
        Some(text) => Ok(compile(pattern)?.full_match(text)),
        None => Ok(false),
    }
}

/// The pattern for an expected text with inline markers: the text around the markers literally,
/// each marker as its piece of text. `None` if the text has no marker.
pub(crate) fn text_pattern(expected: &str) -> Result<Option<Regex>> {
    let mut parts = Vec::new();
    let mut literal_start = 0;
    let mut rest = expected;
    while let Some((offset, marker, pattern)) = next_marker(rest) {
        let at = expected.len() - rest.len() + offset;
        parts.push(Regex::literal(&expected[literal_start..at]).map_err(ScenarioError::Invalid)?);
        parts.push(compile(pattern)?);
        literal_start = at + marker.len();
        rest = &expected[literal_start..];
    }
    if parts.is_empty() {
        return Ok(None);
    }
    parts.push(Regex::literal(&expected[literal_start..]).map_err(ScenarioError::Invalid)?);
    Regex::concat(&parts)
        .map(Some)
        .map_err(ScenarioError::Invalid)
}

/// The first inline marker in `text`: its byte offset, the marker and its pattern.
fn next_marker(text: &str) -> Option<(usize, &'static str, &'static str)> {
    text.match_indices('<').find_map(|(offset, _)| {
        INLINE
            .iter()
            .find(|(marker, _)| text[offset..].starts_with(marker))
            .map(|&(marker, pattern)| (offset, marker, pattern))
    })
}

fn compile(pattern: &str) -> Result<Regex> {
    Regex::parse(pattern).map_err(ScenarioError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_matches(expected: &str, actual: &str) -> bool {
        text_pattern(expected).unwrap().unwrap().full_match(actual)
    }

    #[test]
    fn inline_markers_match_pieces_of_text() {
        let expected = "External Task with ID 'abc' is locked by another worker, until <iso-date>.";
        assert!(text_matches(
            expected,
            "External Task with ID 'abc' is locked by another worker, until 2026-11-23T20:41:29.681Z."
        ));
        assert!(!text_matches(
            expected,
            "External Task with ID 'abc' is locked by another worker, until tomorrow."
        ));
        assert!(text_matches(
            "<uuid>/<integer>",
            "5989df23-a780-4169-88ab-7f8e070da7c4/-3"
        ));
        assert!(!text_matches(
            "<uuid>/<integer>",
            "5989df23-a780-4169-88ab-7f8e070da7c4/3.5"
        ));
        assert!(text_matches("a <number> b", "a 3.5e-2 b"));
        assert!(text_matches("<any> and <string>", " and  and x"));
        assert!(text_matches("<string>", ""));
    }

    #[test]
    fn the_text_around_markers_is_literal() {
        assert!(text_matches("(.*) <any> [x]", "(.*) whatever [x]"));
        assert!(!text_matches("(.*) <any> [x]", "abc whatever x"));
        assert!(text_matches("é <any> ü", "é ä ü"));
    }

    #[test]
    fn only_the_six_text_markers_are_inline_markers() {
        assert!(text_pattern("plain text").unwrap().is_none());
        assert!(text_pattern("is <bool> here").unwrap().is_none());
        assert!(text_pattern("<object>").unwrap().is_none());
        assert!(text_pattern("a < b <uuid").unwrap().is_none());
    }

    #[test]
    fn type_markers_check_json_types() {
        let number = Json::parse(b"1.5").unwrap();
        let integer = Json::parse(b"2").unwrap();
        assert!(matches_type("<number>", &number).unwrap());
        assert!(!matches_type("<integer>", &number).unwrap());
        assert!(matches_type("<integer>", &integer).unwrap());
        assert!(!matches_type("<number>", &Json::Bool(true)).unwrap());
        assert!(!matches_type("<integer>", &Json::parse(b"2.0").unwrap()).unwrap());
        assert!(!matches_type("<string>", &integer).unwrap());
        assert!(!matches_type("<uuid>", &"5989df23".into()).unwrap());
        assert!(matches_type("<iso-date>", &"2026-11-23T20:08:43.310Z".into()).unwrap());
        assert!(!matches_type("<non-null>", &Json::Null).unwrap());
        assert!(matches_type("<any>", &Json::Null).unwrap());
    }
}
