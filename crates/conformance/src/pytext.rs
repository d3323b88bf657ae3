//! The texts Python makes of values, so that bodies, tokens and reports come out as the recording tool
//! writes them: `repr` of a string, and three flavours of `json.dumps`: `compact`
//! (`separators=(",", ":")`, for values inserted into text and for JWTs), `spaced` (the default
//! `", "` and `": "`, for request bodies) — both escape every non-ASCII character as Python does
//! by default — and `short` (spaced, non-ASCII kept, cut to a length) for the values quoted in
//! differences.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

use crate::json::Json;

/// `json.dumps(value, separators=(",", ":"))`.
pub(crate) fn compact(value: &Json) -> String {
    render(
        value,
        PythonFormatter {
            spaced: false,
            ascii: true,
        },
    )
}

/// `json.dumps(value)`.
pub(crate) fn spaced(value: &Json) -> String {
    render(
        value,
        PythonFormatter {
            spaced: true,
            ascii: true,
        },
    )
}

/// `json.dumps(value, ensure_ascii=False)`, cut after `limit` characters (the reports' shortened values).
pub(crate) fn short(value: &Json, limit: usize) -> String {
    let text = render(
        value,
        PythonFormatter {
            spaced: true,
            ascii: false,
        },
    );
    truncate(&text, limit)
}

/// The first `limit` characters of `text`, with `...` when something was cut off.
pub(crate) fn truncate(text: &str, limit: usize) -> String {
    let head = head(text, limit);
    if head.len() < text.len() {
        format!("{head}...")
    } else {
        text.to_owned()
    }
}

/// The first `limit` characters of `text` (Python's `text[:limit]`).
pub(crate) fn head(text: &str, limit: usize) -> &str {
    match text.char_indices().nth(limit) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Python's `repr` of a string (or of `None`), as the reports quote it.
pub(crate) fn repr(text: Option<&str>) -> String {
    let Some(text) = text else {
        return "None".to_owned();
    };
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                let code = u32::from(c);
                match code {
                    0..=0xff => out.push_str(&format!("\\x{code:02x}")),
                    0x100..=0xffff => out.push_str(&format!("\\u{code:04x}")),
                    _ => out.push_str(&format!("\\U{code:08x}")),
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn render(value: &Json, formatter: PythonFormatter) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    match value.serialize(&mut serializer) {
        // Both the JSON writer and the formatter emit UTF-8 only.
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        // Unreachable: every `Json` is serializable and writing to a Vec does not fail.
        Err(e) => format!("<unserializable: {e}>"),
    }
}

struct PythonFormatter {
    spaced: bool,
    ascii: bool,
}

impl PythonFormatter {
    fn item_separator(&self) -> &'static [u8] {
        if self.spaced { b", " } else { b"," }
    }
}

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(self.item_separator())
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(self.item_separator())
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(if self.spaced { b": " } else { b":" })
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !self.ascii {
            return writer.write_all(fragment.as_bytes());
        }
        for c in fragment.chars() {
            if c < '\x7f' {
                let mut buf = [0; 4];
                writer.write_all(c.encode_utf8(&mut buf).as_bytes())?;
            } else {
                let mut units = [0; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        Json::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn the_three_flavours_separate_and_escape_as_python_does() {
        let value = json(r#"{"b": [1, 2.5, null], "a": "é\n"}"#);
        assert_eq!(compact(&value), r#"{"b":[1,2.5,null],"a":"\u00e9\n"}"#);
        assert_eq!(spaced(&value), r#"{"b": [1, 2.5, null], "a": "\u00e9\n"}"#);
        assert_eq!(short(&value, 160), r#"{"b": [1, 2.5, null], "a": "é\n"}"#);
    }

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(repr(Some("fetch it")), "'fetch it'");
        assert_eq!(repr(Some("the worker's result")), "\"the worker's result\"");
        assert_eq!(repr(Some("it's \"quoted\"")), "'it\\'s \"quoted\"'");
        assert_eq!(repr(Some("a\\b\n\u{1}\u{a0}é")), "'a\\\\b\\n\\x01\\xa0é'");
        assert_eq!(repr(None), "None");
    }

    #[test]
    fn short_cuts_after_the_limit_in_characters() {
        assert_eq!(short(&json(r#""ééé""#), 3), "\"éé...");
        assert_eq!(short(&json(r#""é""#), 3), "\"é\"");
        assert_eq!(compact(&json(r#""😀""#)), r#""\ud83d\ude00""#);
    }
}
