//! Errors as the 8.0.0 core raises them, and how each reaches the wire.
//!
//! The core throws `@essential-projects/errors_ts` classes (`InternalServerError`,
//! `BadRequestError`, ...), `BpmnError`s from error end events, and whatever a script throws.
//! Three places show an error: a blocked start answers its status and message
//! (`_code`, else 500); the correlation stores its JSON serialisation; an error boundary event
//! that catches it puts the error on the token (api/semantics.md, "Errors").

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
    /// Whether `(error.errorCode || error.code) && error.name` holds: such an error reaches
    /// the caller of a call activity as it is, any other as an `InternalServerError` with its
    /// message (`execute_process_service.js`, `_startAndAwaitEndEvent`).
    pub(crate) preset: bool,
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
            preset: true,
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
            // `errorCode` is not set; `code` is the model's, `''` without one.
            preset: !code.is_empty() && !name.is_empty(),
        }
    }

    /// What a script threw (`script_task_handler.js`): its own serialisation, its message.
    pub(crate) fn thrown(thrown: &Thrown) -> Failure {
        let status = thrown
            .code
            .and_then(|code| u16::try_from(code).ok())
            .filter(|code| (100..1000).contains(code))
            .unwrap_or(500);
        let member = |key: &str| match &thrown.json {
            Value::Object(object) => object.get(key).cloned(),
            _ => None,
        };
        let code = member("code").as_ref().map(js_string).unwrap_or_default();
        let coded = [member("errorCode"), member("code")]
            .iter()
            .flatten()
            .any(truthy);
        let name = thrown.name.clone().unwrap_or_default();
        Failure {
            status,
            message: thrown.message.clone(),
            preset: coded && !name.is_empty(),
            name,
            code,
            json: match &thrown.json {
                Value::Null => Value::Object(Map::new()),
                other => other.clone(),
            },
        }
    }

    /// A plain error whose serialisation is `{}` (a `TypeError`, or the error of a past
    /// `timeDate`: api/semantics.md, "Timers").
    pub(crate) fn opaque(status: u16, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            name: "Error".to_owned(),
            code: String::new(),
            json: Value::Object(Map::new()),
            preset: false,
        }
    }

    /// What an embedded sub-process's parent fails with when a terminate end event inside it
    /// is reached (`sub_process_handler.js` rejects with the termination message itself): an
    /// object without `message`, `name` or `code`, stored as the message's JSON.
    pub(crate) fn termination_message(message: Value) -> Failure {
        Failure {
            status: 500,
            message: String::new(),
            name: String::new(),
            code: String::new(),
            json: message,
            preset: false,
        }
    }

    /// The error as the caller of a call activity receives it from its child.
    pub(crate) fn for_caller(&self) -> Failure {
        if self.preset {
            self.clone()
        } else {
            Failure::engine(500, self.message.clone())
        }
    }

    /// `error.additionalInformation`: the `errorDetails` of a service error, or what an error
    /// carries under that name.
    pub(crate) fn additional_information(&self) -> Option<&Value> {
        let Value::Object(object) = &self.json else {
            return None;
        };
        let key = if object.contains_key("_code") {
            "_additionalInformation"
        } else {
            "additionalInformation"
        };
        object.get(key)
    }

    /// What a sub-process or call activity that failed with this error shows in its `onExit`
    /// (`sub_process_handler.js`, `call_activity_handler.js`): `{error: message,
    /// additionalInformation}`, the latter left out when there is none.
    pub(crate) fn as_exit_payload(&self) -> Value {
        let mut exit = Map::new();
        exit.insert("error".to_owned(), Value::String(self.message.clone()));
        if let Some(information) = self.additional_information() {
            exit.insert("additionalInformation".to_owned(), information.clone());
        }
        Value::Object(exit)
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

/// Whether JavaScript takes a JSON value for true.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}
