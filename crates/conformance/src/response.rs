//! What came back for a request: an answer, classed and decoded, or none.

use crate::json::Json;
use crate::scenario::ContentClass;

#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    Answered(Reply),
    /// No answer: the timeout ran out (`timed_out`) or the exchange failed.
    NoAnswer {
        error: String,
        timed_out: bool,
        elapsed_ms: f64,
    },
}

impl Outcome {
    pub(crate) fn reply(&self) -> Option<&Reply> {
        match self {
            Self::Answered(reply) => Some(reply),
            Self::NoAnswer { .. } => None,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// The Content-Type header as sent, if any.
    pub(crate) content_type: Option<String>,
    pub(crate) class: ContentClass,
    /// Parsed JSON for `json` (the text if it does not parse), the text for `text`, `""` for
    /// `empty`.
    pub(crate) body: Json,
    /// The body as text (invalid UTF-8 replaced).
    pub(crate) text: String,
    pub(crate) elapsed_ms: f64,
}

impl Reply {
    pub(crate) fn new(
        status: u16,
        content_type: Option<String>,
        raw: &[u8],
        elapsed_ms: f64,
    ) -> Self {
        let text = String::from_utf8_lossy(raw).into_owned();
        let is_json = content_type
            .as_deref()
            .is_some_and(|ct| ct.to_lowercase().starts_with("application/json"));
        let (class, body) = if raw.is_empty() {
            (ContentClass::Empty, Json::from(""))
        } else if is_json {
            let body = Json::parse(text.as_bytes()).unwrap_or_else(|_| text.as_str().into());
            (ContentClass::Json, body)
        } else {
            (ContentClass::Text, text.as_str().into())
        };
        Self {
            status,
            content_type,
            class,
            body,
            text,
            elapsed_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_classed_by_length_and_content_type() {
        let empty = Reply::new(
            200,
            Some("application/json; charset=utf-8".into()),
            b"",
            1.0,
        );
        assert_eq!((empty.class, empty.body), (ContentClass::Empty, "".into()));
        let json = Reply::new(200, Some("Application/JSON".into()), br#"{"a": 1}"#, 1.0);
        assert_eq!(
            (json.class, json.body),
            (ContentClass::Json, Json::parse(br#"{"a":1}"#).unwrap())
        );
        let broken = Reply::new(200, Some("application/json".into()), b"{", 1.0);
        assert_eq!(
            (broken.class, broken.body),
            (ContentClass::Json, "{".into())
        );
        let text = Reply::new(
            404,
            Some("text/html; charset=utf-8".into()),
            b"Not found",
            1.0,
        );
        assert_eq!(
            (text.class, text.body),
            (ContentClass::Text, "Not found".into())
        );
        let none = Reply::new(500, None, b"{}", 1.0);
        assert_eq!(none.class, ContentClass::Text);
    }
}
