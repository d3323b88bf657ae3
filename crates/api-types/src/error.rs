//! The engine's own error answer: a status and a message.
//!
//! ProcessEngine 8.0.0 answers every error with the bare message as plain text
//! (`text/html; charset=utf-8`). Later engines send JSON (`{"message", "additionalInformation"}`,
//! or the AtlasEngine's `{"errorClassName", "code", "message", "callStack", "additionalInformation"}`);
//! [`EngineError::from_response`] reads all three.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

/// What kind of failure a status code stands for, as the engine's error classes name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EngineErrorKind {
    /// 400: a request the engine refuses (bad callback type, missing start event id, bad form fields).
    BadRequest,
    /// 401: no `Authorization` header.
    Unauthorized,
    /// 403: a missing claim or lane.
    Forbidden,
    /// 404: an unknown model, event, task, correlation, or route.
    NotFound,
    /// 409: a deployment over an existing model with `overwriteExisting: false`.
    Conflict,
    /// 410: an external task that is already finished.
    Gone,
    /// 422: a BPMN document the engine cannot take.
    UnprocessableEntity,
    /// 423: an external task locked by another worker.
    Locked,
    /// 500: an exception inside the engine, a failed instance, a bad token, a malformed body.
    InternalServerError,
    /// 502, 503, 504: a proxy, or an engine that is down or restarting.
    Unavailable,
    /// Any other status.
    Other,
}

impl EngineErrorKind {
    /// The kind a status code stands for.
    pub const fn from_status(status: u16) -> Self {
        match status {
            400 => EngineErrorKind::BadRequest,
            401 => EngineErrorKind::Unauthorized,
            403 => EngineErrorKind::Forbidden,
            404 => EngineErrorKind::NotFound,
            409 => EngineErrorKind::Conflict,
            410 => EngineErrorKind::Gone,
            422 => EngineErrorKind::UnprocessableEntity,
            423 => EngineErrorKind::Locked,
            500 => EngineErrorKind::InternalServerError,
            502..=504 => EngineErrorKind::Unavailable,
            _ => EngineErrorKind::Other,
        }
    }
}

/// An error answer of the engine: status, kind and message, plus what a JSON body carried.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineError {
    status: u16,
    kind: EngineErrorKind,
    message: String,
    class_name: Option<String>,
    additional_information: Option<Value>,
    unknown_route: bool,
}

/// The JSON error bodies of later engines; every field optional so that either shape reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonErrorBody {
    message: Option<String>,
    error_class_name: Option<String>,
    additional_information: Option<Value>,
}

impl EngineError {
    /// Builds the error from an answer's status and body.
    ///
    /// A JSON object with a string `message` is read as a structured error; any other body is the
    /// message itself (trimmed; invalid UTF-8 is replaced, never rejected).
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let json = serde_json::from_slice::<JsonErrorBody>(body).ok();
        let (message, class_name, additional_information) = match json {
            Some(JsonErrorBody {
                message: Some(message),
                error_class_name,
                additional_information,
            }) => (
                message,
                error_class_name,
                additional_information.filter(|v| !v.is_null()),
            ),
            _ => (String::from_utf8_lossy(body).trim().to_owned(), None, None),
        };
        // Express answers a route it does not have with an HTML page around `Cannot GET /path`.
        let route_message = express_page_message(&message);
        EngineError {
            status,
            kind: EngineErrorKind::from_status(status),
            unknown_route: route_message.is_some(),
            message: route_message.unwrap_or(message),
            class_name,
            additional_information,
        }
    }

    /// The engine has no such route: its web framework answered with its own page
    /// (`Cannot POST /path`). A wrong base URL, or an engine of another version, rather than a
    /// missing model or task.
    pub fn is_unknown_route(&self) -> bool {
        self.unknown_route
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The kind of failure the status stands for.
    pub fn kind(&self) -> EngineErrorKind {
        self.kind
    }

    /// The engine's message (for 8.0.0, the whole body).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The engine's error class (`NotFoundError`, ...) when a JSON body named it.
    pub fn class_name(&self) -> Option<&str> {
        self.class_name.as_deref()
    }

    /// The `additionalInformation` of a JSON body.
    pub fn additional_information(&self) -> Option<&Value> {
        self.additional_information.as_ref()
    }
}

/// The `Cannot <METHOD> <path>` of Express's not-found page, if `body` is that page.
fn express_page_message(body: &str) -> Option<String> {
    if !body.starts_with("<!DOCTYPE html>") {
        return None;
    }
    let start = body.find("<pre>")? + "<pre>".len();
    let end = start + body[start..].find("</pre>")?;
    let text = body[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.starts_with("Cannot ").then_some(text)
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "the engine answered {}", self.status)
        } else {
            write!(f, "the engine answered {}: {}", self.status, self.message)
        }
    }
}

impl std::error::Error for EngineError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_body_is_the_message() {
        let error = EngineError::from_response(404, b"ProcessModel with id x not found!");
        assert_eq!(error.status(), 404);
        assert_eq!(error.kind(), EngineErrorKind::NotFound);
        assert_eq!(error.message(), "ProcessModel with id x not found!");
        assert_eq!(error.class_name(), None);
        assert_eq!(
            error.to_string(),
            "the engine answered 404: ProcessModel with id x not found!"
        );
    }

    #[test]
    fn json_body_of_later_engines_is_parsed() {
        let body = br#"{"message":"locked","additionalInformation":{"until":"x"}}"#;
        let error = EngineError::from_response(423, body);
        assert_eq!(error.kind(), EngineErrorKind::Locked);
        assert_eq!(error.message(), "locked");
        assert_eq!(
            error.additional_information(),
            Some(&serde_json::json!({"until": "x"}))
        );
    }

    #[test]
    fn atlas_engine_error_names_its_class() {
        let body =
            br#"{"errorClassName":"NotFoundError","code":404,"message":"nope","callStack":"..."}"#;
        let error = EngineError::from_response(404, body);
        assert_eq!(error.class_name(), Some("NotFoundError"));
        assert_eq!(error.message(), "nope");
    }

    #[test]
    fn an_unknown_route_is_told_apart_from_a_missing_model() {
        let page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /api/consumer/v2/x&amp;y</pre>\n</body>\n</html>\n";
        let error = EngineError::from_response(404, page.as_bytes());
        assert!(error.is_unknown_route());
        assert_eq!(error.kind(), EngineErrorKind::NotFound);
        assert_eq!(error.message(), "Cannot GET /api/consumer/v2/x&y");
        assert!(
            !EngineError::from_response(404, b"ProcessModel with id x not found!")
                .is_unknown_route()
        );
    }

    #[test]
    fn json_without_message_and_garbage_stay_text() {
        assert_eq!(
            EngineError::from_response(500, b"[object Object]").message(),
            "[object Object]"
        );
        assert_eq!(
            EngineError::from_response(500, br#"{"x":1}"#).message(),
            r#"{"x":1}"#
        );
        assert_eq!(
            EngineError::from_response(500, b"\xff\xfe").message(),
            "\u{fffd}\u{fffd}"
        );
        assert_eq!(
            EngineError::from_response(503, b"").to_string(),
            "the engine answered 503"
        );
        assert_eq!(EngineErrorKind::from_status(418), EngineErrorKind::Other);
    }
}
