//! Request bodies as the engine's body parser (express `body-parser` 1.18, strict JSON) reads them.

use serde_json::{Map, Value};

use super::{charset, json_errors};

/// The largest JSON body the engine reads: the shipped `http_extension` configuration's `50mb`,
/// which body-parser counts in binary megabytes.
pub(crate) const LIMIT: usize = 50 * 1024 * 1024;

/// What the engine answers for a JSON body over [`LIMIT`]. body-parser raises it as a 413
/// error, but the engine's error handler answers every error that is not one of its own with
/// 500 and the error's message (@essential-projects/http_extension 6.5.2,
/// `dist/commonjs/error_handler.js`).
pub(crate) const TOO_LARGE: &str = "request entity too large";

/// The status the engine answers [`TOO_LARGE`] with.
pub(crate) const TOO_LARGE_STATUS: u16 = 500;

/// What the engine answers for a JSON body of nothing but white space: body-parser's
/// `FIRST_CHAR_REGEXP.exec(body)[1]` on a failed match is a `TypeError` (body-parser 1.18.3,
/// `lib/types/json.js`, `firstchar`), in the words of the engine's V8.
const NO_FIRST_CHARACTER: &str = "Cannot read properties of null (reading '1')";

/// Whether body-parser's JSON parser reads a body of this content type. It leaves others unread.
pub(crate) fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// Reads a request body. Without a JSON content type the body is ignored and reads as `{}`, as
/// in the engine; an empty JSON body is `{}` too. Malformed JSON and a top-level value that is
/// neither object nor array are errors whose message is the one the engine's JavaScript runtime
/// gives (the engine answers them with 500).
///
/// As body-parser 1.18.3 does: the bytes are decoded in the content type's charset
/// ([`charset`]) by iconv-lite, which drops one leading byte-order mark (`lib/bom-handling.js`,
/// on by default); what is then empty is `{}`; the first character after JSON white space must
/// open an object or array (`lib/types/json.js`).
pub(crate) fn read(content_type: Option<&str>, body: &[u8]) -> Result<Value, String> {
    if !is_json(content_type) {
        return Ok(Value::Object(Map::new()));
    }
    let decoded = charset::decode(charset::of(content_type)?, body);
    let text = decoded.strip_prefix('\u{feff}').unwrap_or(&decoded);
    if text.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r']);
    // The regular expression's `.` matches no line terminator.
    let first = match trimmed.chars().next() {
        None | Some('\u{2028}' | '\u{2029}') => return Err(NO_FIRST_CHARACTER.to_owned()),
        Some(first) => first,
    };
    if first != '{' && first != '[' {
        // body-parser's strict mode asks JSON.parse about the text before the offending
        // character followed by `#`, then puts the character in place of the first `#` of the
        // message (the token's).
        let prefix = &text[..text.len() - trimmed.len()];
        let partial = format!("{prefix}#");
        let message = json_errors::unexpected_token(&partial, prefix.len(), '#');
        return Err(message.replacen('#', first.encode_utf8(&mut [0; 4]), 1));
    }
    serde_json::from_str(text).map_err(|error| json_errors::message(text, &error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const JSON: Option<&str> = Some("application/json");

    fn error(body: &str) -> String {
        read(JSON, body.as_bytes()).unwrap_err()
    }

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
    fn one_leading_byte_order_mark_is_dropped_as_iconv_lite_does() {
        assert_eq!(
            read(JSON, "\u{feff}{\"a\":1}".as_bytes()).unwrap(),
            json!({"a": 1})
        );
        assert_eq!(read(JSON, "\u{feff}".as_bytes()).unwrap(), json!({}));
        // A second one is a character like any other.
        assert_eq!(
            error("\u{feff}\u{feff}{}"),
            "Unexpected token '\u{feff}', \"#\" is not valid JSON"
        );
    }

    #[test]
    fn a_body_of_white_space_only_fails_as_body_parsers_first_character_lookup_does() {
        assert_eq!(error("  \r\n\t"), NO_FIRST_CHARACTER);
        assert_eq!(error(" \u{2028}{}"), NO_FIRST_CHARACTER);
        // White space beyond JSON's is not skipped: the no-break space is the first character.
        assert_eq!(
            error("\u{a0}{}"),
            "Unexpected token '\u{a0}', \"#\" is not valid JSON"
        );
    }

    #[test]
    fn json_nested_beyond_the_parsers_bound_is_refused_saying_so() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(read(JSON, nested(127).as_bytes()).is_ok());
        assert_eq!(error(&nested(128)), json_errors::NESTED_TOO_DEEP);
        assert_eq!(error(&nested(100_000)), json_errors::NESTED_TOO_DEEP);
    }

    #[test]
    fn ignores_bodies_of_other_content_types() {
        assert_eq!(read(Some("text/plain"), br#"{"a":1}"#).unwrap(), json!({}));
        assert_eq!(read(None, b"{garbage").unwrap(), json!({}));
    }

    #[test]
    fn malformed_json_gets_the_engines_messages() {
        assert_eq!(
            error(r#"{"correlationId": "#),
            "Unexpected end of JSON input"
        );
        assert_eq!(
            error("{bad json"),
            "Expected property name or '}' in JSON at position 1"
        );
        assert_eq!(
            error(r#""just a string""#),
            r##"Unexpected token '"', "#" is not valid JSON"##
        );
        assert_eq!(
            error("[1, x]"),
            r#"Unexpected token 'x', "[1, x]" is not valid JSON"#
        );
    }

    #[test]
    fn a_character_outside_the_basic_multilingual_plane_is_named_whole() {
        assert_eq!(
            error("[😀]"),
            r#"Unexpected token '😀', "[😀]" is not valid JSON"#
        );
        assert_eq!(
            error(" 😀"),
            r#"Unexpected token '😀', " #" is not valid JSON"#
        );
    }

    /// Every prefix of these documents, and every one with a troublesome character put in at
    /// each place, is read without a panic; a position in a message lies within the text.
    #[test]
    fn no_input_makes_the_reader_panic() {
        const DOCUMENTS: [&str; 5] = [
            r#"{"naïve": "café", "emoji": ["😀", "\u00e9\ud83d\ude00"], "n": -1.5e+3}"#,
            r#"["\u😀", "\u1€000", "Grüße", {"ключ": "значение"}]"#,
            "{\"日本語\":\n  [true, false, null, \"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]}",
            r#"[{"a": "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀"}, 0.5, 1E-2]"#,
            r#"{"€":{"€":{"€":["€","€"]}}}"#,
        ];
        const INSERTS: [&str; 10] = ["x", "é", "€", "😀", "\\", "\"", "\\u", ",", "}", "\u{1}"];
        let check = |body: &[u8]| {
            if let Err(message) = read(JSON, body) {
                if let Some((_, position)) = message.rsplit_once(" at position ") {
                    let text = String::from_utf8_lossy(body);
                    let position: usize = position.parse().unwrap();
                    assert!(position <= text.encode_utf16().count(), "{message}");
                }
            }
        };
        for document in DOCUMENTS {
            for end in 0..=document.len() {
                check(&document.as_bytes()[..end]);
            }
            for (at, _) in document.char_indices() {
                for insert in INSERTS {
                    check(format!("{}{insert}{}", &document[..at], &document[at..]).as_bytes());
                }
            }
        }
    }
}
