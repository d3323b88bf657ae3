//! The messages V8's `JSON.parse` (Node 20) gives for malformed JSON, for what serde refused.
//!
//! serde reports where it stopped as a line and a column counted in **bytes** (for some errors
//! inside the offending character), V8 as a position counted in UTF-16 code units. The
//! conversion goes through a character boundary, so that a multi-byte character is reported
//! whole and the text is never cut inside one.

/// The message V8's `JSON.parse` gives for the error serde found.
///
/// Not copied: V8 accepts lone surrogates (`"\ud800"`) and numbers beyond `f64` (`1e400`),
/// which serde refuses.
pub(super) fn message(text: &str, error: &serde_json::Error) -> String {
    let serde_message = error.to_string();
    let reason = serde_message
        .rsplit_once(" at line ")
        .map_or(serde_message.as_str(), |(reason, _)| reason);
    if error.is_eof() {
        return end_of_input_message(text, reason);
    }
    let at = char_boundary_at_or_before(text, byte_offset(text, error.line(), error.column()));
    let at_position = |what: &str| format!("{what} at position {}", utf16_len(text, at));
    match reason {
        "expected `:`" if after_first_key(text, at) => {
            at_position("Expected ':' after property name in JSON")
        }
        "expected `,` or `]`" => at_position("Expected ',' or ']' after array element in JSON"),
        "expected `,` or `}`" => at_position("Expected ',' or '}' after property value in JSON"),
        "trailing characters" => at_position("Unexpected non-whitespace character after JSON"),
        "key must be a string" => {
            // V8 words it after `{` one way, after `,` the other.
            match text
                .get(..at)
                .and_then(|t| t.trim_end_matches(JSON_WHITESPACE).chars().next_back())
            {
                Some('{') => at_position("Expected property name or '}' in JSON"),
                _ => at_position("Expected double-quoted property name in JSON"),
            }
        }
        "trailing comma" if text.get(at..).is_some_and(|t| t.starts_with('}')) => {
            at_position("Expected double-quoted property name in JSON")
        }
        "invalid number" => {
            at_position(unfinished_number(text, at).unwrap_or("Unexpected number in JSON"))
        }
        // serde finds these in strings, not always where V8 stops: find that place.
        "invalid escape"
        | "lone leading surrogate in hex escape"
        | "unexpected end of hex escape"
        | "invalid unicode code point" => string_fault_message(text, at),
        reason if reason.starts_with("control character") => string_fault_message(text, at),
        // A bound of the stand-in's, not a syntax error: V8 parses any depth.
        "recursion limit exceeded" => NESTED_TOO_DEEP.to_owned(),
        _ => unexpected_token_at(text, at),
    }
}

const END_OF_INPUT: &str = "Unexpected end of JSON input";

/// What the stand-in answers (with 500) for JSON nested 128 levels deep or deeper, its
/// parser's bound. The real engine reads deeper bodies; here they would risk the server's
/// stack (the parser, `Clone`, `Drop` and serialisation all recurse).
pub(super) const NESTED_TOO_DEEP: &str =
    "The stand-in engine reads JSON nested less than 128 levels deep.";

/// V8's message for a body that ends early, by what serde was parsing and what came last.
fn end_of_input_message(text: &str, reason: &str) -> String {
    let at_end = |what: &str| format!("{what} at position {}", utf16_len(text, text.len()));
    let trimmed = text.trim_end_matches(JSON_WHITESPACE);
    let last = trimmed.chars().next_back();
    // What stands before the string that ends the text: `{` before a first key, `,` before a
    // later one, `:` before a value.
    let before_last_string = || {
        string_start(trimmed)
            .and_then(|start| trimmed.get(..start))
            .and_then(|t| t.trim_end_matches(JSON_WHITESPACE).chars().next_back())
    };
    match (reason, last) {
        ("EOF while parsing a string", _) => match string_fault(text) {
            Some((at, StringFault::BadUnicodeEscape)) => format!(
                "Bad Unicode escape in JSON at position {}",
                utf16_len(text, at)
            ),
            Some((_, StringFault::EndInEscape)) => END_OF_INPUT.to_owned(),
            _ => at_end("Unterminated string in JSON"),
        },
        ("EOF while parsing an object", Some('{')) => {
            at_end("Expected property name or '}' in JSON")
        }
        ("EOF while parsing an object", Some(',')) => {
            at_end("Expected double-quoted property name in JSON")
        }
        ("EOF while parsing an object", Some('"')) => match before_last_string() {
            Some('{') => at_end("Expected ':' after property name in JSON"),
            Some(',') => END_OF_INPUT.to_owned(),
            _ => at_end("Expected ',' or '}' after property value in JSON"),
        },
        ("EOF while parsing an object", Some(':')) => END_OF_INPUT.to_owned(),
        ("EOF while parsing an object", _) => {
            at_end("Expected ',' or '}' after property value in JSON")
        }
        // serde reads what follows a comma as a value, also a key.
        ("EOF while parsing a value", Some(',')) if innermost_open(text) == Some('{') => {
            at_end("Expected double-quoted property name in JSON")
        }
        ("EOF while parsing a list", Some('[' | ',') | None) => END_OF_INPUT.to_owned(),
        ("EOF while parsing a list", _) => {
            at_end("Expected ',' or ']' after array element in JSON")
        }
        _ => unfinished_number(text, text.len()).map_or_else(|| END_OF_INPUT.to_owned(), at_end),
    }
}

/// The innermost `{` or `[` of `text` left open.
fn innermost_open(text: &str) -> Option<char> {
    let mut open = Vec::new();
    let mut chars = text.chars();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                chars.next();
            }
            '{' | '[' if !in_string => open.push(c),
            '}' | ']' if !in_string => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// JSON's whitespace (narrower than Unicode's).
const JSON_WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// What V8 says about a number that stops before byte `at`, if it is cut short after its minus
/// sign, decimal point or exponent mark.
fn unfinished_number(text: &str, at: usize) -> Option<&'static str> {
    let before = |at: usize| text.get(..at).and_then(|t| t.chars().next_back());
    let last = before(at);
    match (last, last.and_then(|c| before(at - c.len_utf8()))) {
        (Some('.'), _) => Some("Unterminated fractional number in JSON"),
        (Some('e' | 'E'), _) | (Some('+' | '-'), Some('e' | 'E')) => {
            Some("Exponent part is missing a number in JSON")
        }
        (Some('-'), _) => Some("No number after minus sign in JSON"),
        _ => None,
    }
}

/// V8's message for the first fault in a string of `text`; where there is none V8 would see
/// (a lone surrogate), the unexpected token at `at`.
fn string_fault_message(text: &str, at: usize) -> String {
    let position = |at| utf16_len(text, at);
    match string_fault(text) {
        Some((at, StringFault::BadUnicodeEscape)) => {
            format!("Bad Unicode escape in JSON at position {}", position(at))
        }
        Some((at, StringFault::BadEscapedCharacter)) => {
            format!("Bad escaped character in JSON at position {}", position(at))
        }
        Some((at, StringFault::ControlCharacter)) => format!(
            "Bad control character in string literal in JSON at position {}",
            position(at)
        ),
        Some((at, StringFault::UnexpectedToken)) => unexpected_token_at(text, at),
        Some((_, StringFault::EndInEscape)) | None => unexpected_token_at(text, at),
    }
}

/// V8's message for the character at byte `at` (a character boundary) of `text`: a number or
/// a string where none may stand, or any other character.
fn unexpected_token_at(text: &str, at: usize) -> String {
    match text.get(at..).and_then(|t| t.chars().next()) {
        Some('"') => format!(
            "Unexpected string in JSON at position {}",
            utf16_len(text, at)
        ),
        Some('-' | '0'..='9') => format!(
            "Unexpected number in JSON at position {}",
            utf16_len(text, at)
        ),
        Some(token) => unexpected_token(text, at, token),
        None => END_OF_INPUT.to_owned(),
    }
}

/// `Unexpected token 'X', "…" is not valid JSON`, with V8's excerpt of `text` around byte `at`.
///
/// V8 names the UTF-16 code unit it stopped at, which for a character outside the Basic
/// Multilingual Plane is half a surrogate pair (sent on the wire as U+FFFD); here the whole
/// character is named. The excerpt is cut in code units as V8 cuts it, halves included.
pub(super) fn unexpected_token(text: &str, at: usize, token: char) -> String {
    // V8's kMaxContextCharacters and kMinOriginalSourceLengthForContext.
    const CONTEXT: usize = 10;
    const MIN_LENGTH_FOR_CONTEXT: usize = 2 * CONTEXT + 1;
    let units: Vec<u16> = text.encode_utf16().collect();
    let position = utf16_len(text, at);
    let cut = |from: usize, to: usize| {
        String::from_utf16_lossy(units.get(from..to.min(units.len())).unwrap_or_default())
    };
    let excerpt = if units.len() < MIN_LENGTH_FOR_CONTEXT {
        format!("\"{text}\"")
    } else if position < CONTEXT {
        format!("\"{}\"...", cut(0, position + CONTEXT))
    } else if position < units.len() - CONTEXT {
        format!("...\"{}\"...", cut(position - CONTEXT, position + CONTEXT))
    } else {
        format!("...\"{}\"", cut(position - CONTEXT, units.len()))
    };
    format!("Unexpected token '{token}', {excerpt} is not valid JSON")
}

/// serde counts lines from 1 and columns in bytes from 1, pointing at (or, for some errors,
/// into) the offending character; column 0 is the line break ending the line before. The
/// result may lie inside a character.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column).saturating_sub(1)
}

/// The start of the character that holds byte `at` (or the end of `text`).
fn char_boundary_at_or_before(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// How many UTF-16 code units (JavaScript's string positions) precede byte `at`.
fn utf16_len(text: &str, at: usize) -> usize {
    text.get(..at).map_or(0, |t| t.encode_utf16().count())
}

/// Whether the string before byte `at` (whitespace aside) is the first key of its object: V8
/// reports a missing `:` only after that one, after later keys it reports the unexpected token.
fn after_first_key(text: &str, at: usize) -> bool {
    let Some(before_key) = text.get(..at).map(|t| t.trim_end_matches(JSON_WHITESPACE)) else {
        return false;
    };
    string_start(before_key)
        .and_then(|start| before_key.get(..start))
        .is_some_and(|t| t.trim_end_matches(JSON_WHITESPACE).ends_with('{'))
}

/// Where the string that ends `text` (with its closing quote) starts: the last quote before
/// that is not escaped by an odd run of backslashes.
fn string_start(text: &str) -> Option<usize> {
    let inside = text.strip_suffix('"')?;
    let mut end = inside.len();
    while let Some(quote) = inside.get(..end).and_then(|t| t.rfind('"')) {
        let before = inside.get(..quote)?;
        let backslashes = before.len() - before.trim_end_matches('\\').len();
        if backslashes % 2 == 0 {
            return Some(quote);
        }
        end = quote;
    }
    None
}

/// What is wrong inside a string, in V8's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringFault {
    /// `\u` not followed by four hex digits: at the first character that is not one.
    BadUnicodeEscape,
    /// `\` followed by a Latin-1 character that escapes nothing.
    BadEscapedCharacter,
    /// `\` followed by a character beyond Latin-1: V8 reports it as an unexpected token.
    UnexpectedToken,
    /// A character below U+0020.
    ControlCharacter,
    /// The text ends right after a `\`.
    EndInEscape,
}

/// The first fault in a string of `text` and the byte where V8 reports it. serde reports a bad
/// `\u` escape at the last of the four bytes it read, which may be inside another character,
/// and a bad escape after a leading surrogate as a surrogate error. Strings are tracked from the
/// start, which is sound because serde accepted everything before its error.
fn string_fault(text: &str) -> Option<(usize, StringFault)> {
    let mut chars = text.char_indices();
    let mut in_string = false;
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => in_string = !in_string,
            c if in_string && u32::from(c) < 0x20 => {
                return Some((at, StringFault::ControlCharacter));
            }
            '\\' if in_string => {
                let Some((at, escaped)) = chars.next() else {
                    return Some((text.len(), StringFault::EndInEscape));
                };
                match escaped {
                    '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' => {}
                    'u' => {
                        for _ in 0..4 {
                            match chars.next() {
                                Some((_, digit)) if digit.is_ascii_hexdigit() => {}
                                Some((at, _)) => return Some((at, StringFault::BadUnicodeEscape)),
                                None => return Some((text.len(), StringFault::BadUnicodeEscape)),
                            }
                        }
                    }
                    c if u32::from(c) <= 0xFF => {
                        return Some((at, StringFault::BadEscapedCharacter));
                    }
                    _ => return Some((at, StringFault::UnexpectedToken)),
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        let error = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        message(text, &error)
    }

    /// Inputs and the messages Node 20.20 (V8 11.3) gives for them, behind body-parser 1.18.
    #[test]
    fn messages_are_v8s_with_positions_in_utf16_code_units() {
        let cases = [
            (r#"["\u😀"]"#, "Bad Unicode escape in JSON at position 4"),
            (
                r#"{"a":"\u1€000"}"#,
                "Bad Unicode escape in JSON at position 9",
            ),
            (r#"["\u00é0"]"#, "Bad Unicode escape in JSON at position 6"),
            (
                r#"["\ud800\ué"]"#,
                "Bad Unicode escape in JSON at position 10",
            ),
            (r#"["\u12\x"]"#, "Bad Unicode escape in JSON at position 6"),
            (r#"["\é"]"#, "Bad escaped character in JSON at position 3"),
            (r#"["é\x"]"#, "Bad escaped character in JSON at position 4"),
            (
                r#"["\\u12\x"]"#,
                "Bad escaped character in JSON at position 8",
            ),
            (
                r#"["\€"]"#,
                r#"Unexpected token '€', "["\€"]" is not valid JSON"#,
            ),
            ("[é]", r#"Unexpected token 'é', "[é]" is not valid JSON"#),
            (
                "[tré]",
                r#"Unexpected token 'é', "[tré]" is not valid JSON"#,
            ),
            (
                r#"["é", x]"#,
                r#"Unexpected token 'x', "["é", x]" is not valid JSON"#,
            ),
            (
                "[\u{2028}]",
                "Unexpected token '\u{2028}', \"[\u{2028}]\" is not valid JSON",
            ),
            (
                r#"{ "😀": tru }"#,
                r#"Unexpected token ' ', "{ "😀": tru }" is not valid JSON"#,
            ),
            (
                r#"{"é": 1 x}"#,
                "Expected ',' or '}' after property value in JSON at position 8",
            ),
            (
                r#"["😀"x]"#,
                "Expected ',' or ']' after array element in JSON at position 5",
            ),
            (
                "[1,\n \"é\" é]",
                "Expected ',' or ']' after array element in JSON at position 9",
            ),
            (
                "[1é]",
                "Expected ',' or ']' after array element in JSON at position 2",
            ),
            (
                r#"{"a" é}"#,
                "Expected ':' after property name in JSON at position 5",
            ),
            ("{é}", "Expected property name or '}' in JSON at position 1"),
            (
                r#"{"a":1, é}"#,
                "Expected double-quoted property name in JSON at position 8",
            ),
            (
                r#"{"a":1,}"#,
                "Expected double-quoted property name in JSON at position 7",
            ),
            ("[1,]", r#"Unexpected token ']', "[1,]" is not valid JSON"#),
            (
                "[\"é\u{1}\"]",
                "Bad control character in string literal in JSON at position 3",
            ),
            (
                r#"["é"]é"#,
                "Unexpected non-whitespace character after JSON at position 5",
            ),
            (
                "{\"a\":1}\n x",
                "Unexpected non-whitespace character after JSON at position 9",
            ),
            ("[-é]", "No number after minus sign in JSON at position 2"),
            (
                "[1.]",
                "Unterminated fractional number in JSON at position 3",
            ),
            (
                "[1e-]",
                "Exponent part is missing a number in JSON at position 4",
            ),
            ("[-01]", "Unexpected number in JSON at position 3"),
            (r#"[tr"é"]"#, "Unexpected string in JSON at position 3"),
            (
                r#"{"é":1,"b" 1}"#,
                "Unexpected number in JSON at position 11",
            ),
            (
                r#"{"é":1,"b" x}"#,
                r#"Unexpected token 'x', "{"é":1,"b" x}" is not valid JSON"#,
            ),
            (
                r#"{"a":{"é" x}}"#,
                "Expected ':' after property name in JSON at position 10",
            ),
            (
                r#"{"é\\" x}"#,
                "Expected ':' after property name in JSON at position 7",
            ),
            (
                "{\"日本語\\\":\n  1}",
                "Bad control character in string literal in JSON at position 8",
            ),
            (
                r#"["\ud83d\xude00"]"#,
                "Bad escaped character in JSON at position 9",
            ),
            // Bodies that end early.
            (
                r#"{"é": "abc"#,
                "Unterminated string in JSON at position 10",
            ),
            (r#"{"a\""#, "Unterminated string in JSON at position 5"),
            (r#"["é\u00"#, "Bad Unicode escape in JSON at position 7"),
            (r#"["é\"#, "Unexpected end of JSON input"),
            ("{ ", "Expected property name or '}' in JSON at position 2"),
            (
                r#"{"é""#,
                "Expected ':' after property name in JSON at position 4",
            ),
            (r#"{"a":1, "é""#, "Unexpected end of JSON input"),
            (
                r#"{"a":"é" "#,
                "Expected ',' or '}' after property value in JSON at position 9",
            ),
            (
                r#"{"a":{"b":1}"#,
                "Expected ',' or '}' after property value in JSON at position 12",
            ),
            (
                r#"{"é":1,"#,
                "Expected double-quoted property name in JSON at position 7",
            ),
            (r#"{"a":"#, "Unexpected end of JSON input"),
            (
                "[[1]",
                "Expected ',' or ']' after array element in JSON at position 4",
            ),
            ("[1,\n", "Unexpected end of JSON input"),
            ("[fals", "Unexpected end of JSON input"),
            (
                r#"{"a":-1e-"#,
                "Exponent part is missing a number in JSON at position 9",
            ),
            (
                "[1.",
                "Unterminated fractional number in JSON at position 3",
            ),
            ("[-", "No number after minus sign in JSON at position 2"),
            (
                r#"[1, 2, 3, 4, 5, 6, 7, 8, x]"#,
                r#"Unexpected token 'x', ..." 6, 7, 8, x]" is not valid JSON"#,
            ),
            (
                r#"[1, x, 3, 4, 5, 6, 7, 8, 9, 10]"#,
                r#"Unexpected token 'x', "[1, x, 3, 4, 5"... is not valid JSON"#,
            ),
            (
                r#"{"😀😀😀😀😀😀😀😀😀😀": x, "b": 1, "c": 2, "d": 3}"#,
                "Unexpected token 'x', ...\"\u{FFFD}😀😀😀\": x, \"b\": 1,\"... is not valid JSON",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(error(body), expected, "{body}");
        }
    }
}
