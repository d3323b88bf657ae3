//! Request bodies as the engine's body parser (express `body-parser`, strict JSON) reads them.

use serde_json::{Map, Value};

/// Reads a request body. Without a JSON content type the body is ignored and reads as `{}`, as
/// in the engine; an empty JSON body is `{}` too. Malformed JSON and a top-level value that is
/// neither object nor array are errors whose message is the one the engine's JavaScript runtime
/// gives (the engine answers them with 500).
pub(crate) fn read(content_type: Option<&str>, body: &[u8]) -> Result<Value, String> {
    let is_json = content_type.is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    });
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    if !is_json || trimmed.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let first = trimmed.chars().next().unwrap_or(' ');
    if first != '{' && first != '[' {
        // body-parser's strict mode replaces the offending character by `#` before asking
        // JSON.parse for a message, then puts the character back into it.
        let prefix = &text[..text.len() - trimmed.len()];
        return Err(format!(
            "Unexpected token '{first}', \"{prefix}#\" is not valid JSON"
        ));
    }
    serde_json::from_str(&text).map_err(|error| javascript_message(&text, &error))
}

/// The message V8's `JSON.parse` gives for the error serde found.
fn javascript_message(text: &str, error: &serde_json::Error) -> String {
    if error.is_eof() {
        return "Unexpected end of JSON input".to_owned();
    }
    let position = byte_offset(text, error.line(), error.column());
    let message = error.to_string();
    if message.starts_with("key must be a string") {
        return format!("Expected property name or '}}' in JSON at position {position}");
    }
    match text[position.min(text.len())..].chars().next() {
        Some(c) => format!(
            "Unexpected token '{c}', \"{}\" is not valid JSON",
            excerpt(text)
        ),
        None => "Unexpected end of JSON input".to_owned(),
    }
}

/// serde counts lines and columns from 1 and points at the offending character.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    line_start + column.saturating_sub(1)
}

/// V8 quotes short inputs whole and long ones shortened.
fn excerpt(text: &str) -> String {
    const LIMIT: usize = 30;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        format!("{}...", text.chars().take(LIMIT).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const JSON: Option<&str> = Some("application/json");

    #[test]
    fn reads_objects_and_arrays_with_a_json_content_type() {
        assert_eq!(read(JSON, br#"{"a":1}"#).unwrap(), json!({"a": 1}));
        assert_eq!(
            read(Some("application/json; charset=utf-8"), b"[1, 2]").unwrap(),
            json!([1, 2])
        );
        assert_eq!(read(JSON, b"").unwrap(), json!({}));
    }

    #[test]
    fn ignores_bodies_of_other_content_types() {
        assert_eq!(read(Some("text/plain"), br#"{"a":1}"#).unwrap(), json!({}));
        assert_eq!(read(None, b"{garbage").unwrap(), json!({}));
    }

    #[test]
    fn malformed_json_gets_the_engines_messages() {
        assert_eq!(
            read(JSON, br#"{"correlationId": "#).unwrap_err(),
            "Unexpected end of JSON input"
        );
        assert_eq!(
            read(JSON, b"{bad json").unwrap_err(),
            "Expected property name or '}' in JSON at position 1"
        );
        assert_eq!(
            read(JSON, br#""just a string""#).unwrap_err(),
            r##"Unexpected token '"', "#" is not valid JSON"##
        );
        assert!(
            read(JSON, b"[1, x]")
                .unwrap_err()
                .starts_with("Unexpected token 'x'")
        );
    }
}
