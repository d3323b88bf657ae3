//! Errors as the 8.0.0 core raises them, and how each reaches the wire.
//!
//! The core throws `@essential-projects/errors_ts` classes (`InternalServerError`,
//! `BadRequestError`, ...), `BpmnError`s from error end events, and whatever a script throws.
//! Three places show an error: a blocked start answers its status and message
//! (`_code`, else 500); the correlation stores its JSON serialisation; an error boundary event
//! that catches it puts that serialisation on the token (BPMN.md section 5).

use serde_json::{Map, Value, json};

use crate::bpmn::js::Thrown;

/// An error that failed a flow node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    /// The status a blocked start answers.
    pub(crate) status: u16,
    /// The text a blocked start answers (`error.message`).
    pub(crate) message: String,
    /// `error.name`, which error boundary events match on.
    pub(crate) name: String,
    /// `error.code`, which error boundary events match on after the name.
    pub(crate) code: String,
    /// The error's JSON serialisation: what the correlation stores and a catching boundary
    /// event leaves on the token.
    pub(crate) json: Value,
}

impl Failure {
    /// An `errors_ts` error: serialised as `{_code, name, _additionalInformation?}`.
    pub(crate) fn engine(status: u16, message: impl Into<String>) -> Failure {
        let name = match status {
            400 => "BadRequestError",
            401 => "UnauthorizedError",
            403 => "ForbiddenError",
            404 => "NotFoundError",
            409 => "ConflictError",
            422 => "UnprocessableEntityError",
            _ => "InternalServerError",
        };
        Failure {
            status,
            message: message.into(),
            name: name.to_owned(),
            code: String::new(),
            json: json!({ "_code": status, "name": name }),
        }
    }

    /// An `InternalServerError` with `_additionalInformation`.
    pub(crate) fn internal_with(message: impl Into<String>, details: Option<Value>) -> Failure {
        let mut failure = Failure::engine(500, message);
        if let (Some(details), Value::Object(object)) = (details, &mut failure.json) {
            object.insert("_additionalInformation".to_owned(), details);
        }
        failure
    }

    /// A `BpmnError` from an error end event (`end_event_handler.js`): `{name, code}`, and a
    /// blocked start answers 500 with an empty body.
    pub(crate) fn bpmn(name: &str, code: &str) -> Failure {
        Failure {
            status: 500,
            message: String::new(),
            name: name.to_owned(),
            code: code.to_owned(),
            json: json!({ "name": name, "code": code }),
        }
    }

    /// What a script threw (`script_task_handler.js`): its own serialisation, its message.
    pub(crate) fn thrown(thrown: &Thrown) -> Failure {
        let status = thrown
            .code
            .and_then(|code| u16::try_from(code).ok())
            .filter(|code| (100..1000).contains(code))
            .unwrap_or(500);
        let code = match &thrown.json {
            Value::Object(object) => object.get("code").map(js_string).unwrap_or_default(),
            _ => String::new(),
        };
        Failure {
            status,
            message: thrown.message.clone(),
            name: thrown.name.clone().unwrap_or_default(),
            code,
            json: match &thrown.json {
                Value::Null => Value::Object(Map::new()),
                other => other.clone(),
            },
        }
    }

    /// A plain error whose serialisation is `{}` (BPMN.md section 7, a past `timeDate`).
    pub(crate) fn opaque(status: u16, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            name: "Error".to_owned(),
            code: String::new(),
            json: Value::Object(Map::new()),
        }
    }

    /// Whether the core takes it for a termination (`flow_node_handler_interruptible.js`:
    /// `/terminated/i` on the message), which no boundary event catches.
    pub(crate) fn is_termination(&self) -> bool {
        self.message.to_ascii_lowercase().contains("terminated")
    }
}

/// A JSON value as JavaScript's `String()` shows it.
fn js_string(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
