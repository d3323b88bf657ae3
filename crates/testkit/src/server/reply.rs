//! The three kinds of success and the error answers, with the engine's headers.

use bytes::Bytes;
use http::header::{
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, CONNECTION, CONTENT_TYPE,
    HeaderValue, VARY,
};
use http::{Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

use crate::engine::Reject;

const JSON: &str = "application/json; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// What a handler answers.
#[derive(Debug)]
pub(crate) enum Reply {
    /// `200` with a JSON body.
    Json(Bytes),
    /// `200` with an empty body, still labelled JSON (the deployment routes).
    Empty,
    /// `204` without body or content type.
    NoContent,
    /// An error: status and plain-text message.
    Error(Reject),
    /// Express's HTML page for a route that does not exist.
    NoRoute { method: String, path: String },
    /// The answer to a CORS preflight.
    Preflight,
    /// Node's answer to a request not received within its request timeout: `408`, no body,
    /// and the connection closed.
    RequestTimeout,
}

impl Reply {
    pub(crate) fn json<T: Serialize>(body: &T) -> Reply {
        match serde_json::to_vec(body) {
            Ok(bytes) => Reply::Json(bytes.into()),
            Err(error) => Reply::Error(Reject::new(500, error.to_string())),
        }
    }

    pub(crate) fn status(&self) -> u16 {
        match self {
            Reply::Json(_) | Reply::Empty => 200,
            Reply::NoContent | Reply::Preflight => 204,
            Reply::Error(reject) => reject.status,
            Reply::NoRoute { .. } => 404,
            Reply::RequestTimeout => 408,
        }
    }

    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let preflight = matches!(self, Reply::Preflight);
        let timed_out = matches!(self, Reply::RequestTimeout);
        if timed_out {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = status;
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
        let (content_type, body) = match self {
            Reply::Json(bytes) => (Some(JSON), bytes),
            Reply::Empty => (Some(JSON), Bytes::new()),
            Reply::NoContent | Reply::Preflight | Reply::RequestTimeout => (None, Bytes::new()),
            Reply::Error(reject) => (Some(HTML), Bytes::from(reject.message)),
            Reply::NoRoute { method, path } => {
                (Some(HTML), Bytes::from(not_found_page(&method, &path)))
            }
        };
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        if preflight {
            headers.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET,HEAD,PUT,PATCH,POST,DELETE"),
            );
            headers.insert(
                VARY,
                HeaderValue::from_static("Access-Control-Request-Headers"),
            );
        }
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        response
    }
}

impl From<Reject> for Reply {
    fn from(reject: Reject) -> Self {
        Reply::Error(reject)
    }
}

/// Express's `finalhandler` page, with the path escaped as it escapes it.
fn not_found_page(method: &str, path: &str) -> String {
    let escaped = path
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {escaped}</pre>\n</body>\n</html>\n"
    )
}
