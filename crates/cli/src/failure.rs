//! Why a command failed: the error, what the tool was doing, a hint on what to check, and the
//! exit code it ends with.

use std::error::Error as StdError;
use std::fmt;

use process_engine::events::EventsError;
use process_engine::process_control::{self, ErrorKind};
use serde_json::{Value, json};

use crate::exit::Exit;

/// A boxed error, as the tool keeps the causes of its failures.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A failed command.
#[derive(Debug)]
pub(crate) struct Failure {
    exit: Exit,
    /// What the tool was doing, when the error does not say it (`could not deploy x.bpmn`).
    context: Option<String>,
    error: BoxError,
    /// The failed call of the engine, when one failed.
    call: Option<Call>,
    hint: Option<String>,
}

#[derive(Debug)]
struct Call {
    operation: Option<&'static str>,
    url: Option<String>,
    status: Option<u16>,
}

/// A message that is its own error.
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Message {}

/// A message with the error that caused it.
#[derive(Debug)]
struct Caused {
    message: String,
    source: BoxError,
}

impl fmt::Display for Caused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for Caused {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.source.as_ref())
    }
}

impl Failure {
    /// A failure of `exit` with `message`.
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            context: None,
            error: Box::new(Message(message.into())),
            call: None,
            hint: None,
        }
    }

    /// Input the tool cannot work with.
    pub(crate) fn bad_input(message: impl Into<String>) -> Self {
        Failure::new(Exit::BadInput, message)
    }

    /// Input the tool cannot work with, with the error that says why.
    pub(crate) fn bad_input_because(
        message: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Failure::caused(Exit::BadInput, message, source)
    }

    /// Something the command names does not exist.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Failure::new(Exit::NotFound, message)
    }

    /// Any other failure, with its cause.
    pub(crate) fn other(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Failure::caused(Exit::Failure, message, source)
    }

    fn caused(exit: Exit, message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Failure {
            exit,
            context: None,
            error: Box::new(Caused {
                message: message.into(),
                source: source.into(),
            }),
            call: None,
            hint: None,
        }
    }

    /// The same failure, said to have happened while doing `what`.
    pub(crate) fn context(mut self, what: impl Into<String>) -> Self {
        self.context = Some(what.into());
        self
    }

    /// The same failure with a hint on what to check.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The exit code the tool ends with.
    pub(crate) fn exit(&self) -> Exit {
        self.exit
    }

    /// The engine's status, when the engine answered.
    pub(crate) fn status(&self) -> Option<u16> {
        self.call.as_ref().and_then(|call| call.status)
    }

    /// The hint on what to check, if there is one.
    pub(crate) fn hint_text(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The whole failure on one line: what was done, which call failed where, why, and the
    /// causes, outermost first.
    pub(crate) fn line(&self) -> String {
        let mut line = String::new();
        if let Some(context) = &self.context {
            line.push_str(context);
            line.push_str(": ");
        }
        if let Some(Call {
            operation: Some(operation),
            url,
            ..
        }) = &self.call
        {
            line.push_str(operation);
            if let Some(url) = url {
                line.push_str(" at ");
                line.push_str(url);
            }
            line.push_str(": ");
        }
        line.push_str(&one_line(&self.error.to_string()));
        let mut source = self.error.source();
        while let Some(cause) = source {
            let text = one_line(&cause.to_string());
            // Some layers repeat their cause's text; once is enough.
            if !line.ends_with(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            source = cause.source();
        }
        line
    }

    /// The failure as the JSON object printed in `--output json` mode.
    pub(crate) fn json(&self) -> Value {
        let call = self.call.as_ref();
        json!({
            "error": {
                "message": self.line(),
                "kind": self.exit.name(),
                "exit_code": self.exit.code(),
                "operation": call.and_then(|call| call.operation),
                "url": call.and_then(|call| call.url.clone()),
                "status": call.and_then(|call| call.status),
                "hint": self.hint,
            }
        })
    }
}

impl From<process_engine::Error> for Failure {
    fn from(error: process_engine::Error) -> Self {
        let exit = exit_of(&error);
        let call = (error.operation().is_some() || error.status().is_some()).then(|| Call {
            operation: error.operation(),
            url: error.base_url().map(str::to_owned),
            status: error.status(),
        });
        let hint = match exit {
            Exit::Unreachable if is_not_the_engine(&error) => Some(format!(
                "the server at {} has no route of the engine's API: is --url (or \
                 PROCESS_ENGINE_URL) the engine's base URL, such as http://localhost:56000?",
                error.base_url().unwrap_or("the URL")
            )),
            Exit::Failure
                if error
                    .transport_error()
                    .is_some_and(process_engine::transport::Error::is_decode) =>
            {
                Some(
                    "the answer is not what ProcessEngine 8.0.0 sends: is --url (or \
                     PROCESS_ENGINE_URL) the engine's base URL?"
                        .to_owned(),
                )
            }
            Exit::Unreachable => Some(match error.base_url() {
                Some(url) => format!(
                    "is the engine running at {url}? Check --url or PROCESS_ENGINE_URL, and \
                     --timeout for a slow engine"
                ),
                None => "is the engine running? Check --url or PROCESS_ENGINE_URL".to_owned(),
            }),
            Exit::Refused if is_auth(&error) => Some(
                "no token could be had: check --client-id, --client-secret, --scope and \
                 --authority (or their PROCESS_ENGINE_* variables)"
                    .to_owned(),
            ),
            Exit::Refused if is_unreadable_token(&error) => Some(
                "the engine could not read the token (8.0.0 answers 500 for a token that is \
                 neither its development token nor a JWT): check --token or PROCESS_ENGINE_TOKEN"
                    .to_owned(),
            ),
            Exit::Refused if error.is_unauthorized() => Some(
                "the engine refused the identity: check --token or the client credentials"
                    .to_owned(),
            ),
            _ => None,
        };
        Failure {
            exit,
            context: None,
            error: Box::new(error),
            call,
            hint,
        }
    }
}

impl From<process_control::Error> for Failure {
    fn from(error: process_control::Error) -> Self {
        Failure::from(process_engine::Error::from(error))
    }
}

impl From<EventsError> for Failure {
    fn from(error: EventsError) -> Self {
        let exit = if error.is_connect() {
            Exit::Unreachable
        } else {
            Exit::Failure
        };
        let hint = (exit == Exit::Unreachable).then(|| {
            format!(
                "is the engine running, with its notifications at {}? Check --url or \
                 PROCESS_ENGINE_URL",
                error.url()
            )
        });
        Failure {
            exit,
            context: None,
            error: Box::new(error),
            call: None,
            hint,
        }
    }
}

/// `text` with each run of white space that holds a line break made one space: an answer's
/// body (another server's HTML page) must not break the failure's one line.
fn one_line(text: &str) -> String {
    if !text.contains(['\n', '\r']) {
        return text.to_owned();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The exit code of a failure of the library: the process-control client's kind where there
/// is one, else the facade's predicates.
fn exit_of(error: &process_engine::Error) -> Exit {
    if is_not_the_engine(error) {
        return Exit::Unreachable;
    }
    if is_auth(error) || is_unreadable_token(error) {
        // The identity server refused the client (or could not be asked), or the engine could
        // not read the token: either way the identity is what to fix.
        return Exit::Refused;
    }
    match error {
        process_engine::Error::ProcessControl(error) => match error.kind() {
            ErrorKind::ProcessModelNotFound | ErrorKind::NotFound => Exit::NotFound,
            ErrorKind::Unauthorized | ErrorKind::BadRequest | ErrorKind::Conflict => Exit::Refused,
            // The engine's 422, or BPMN the client could not read before sending anything.
            ErrorKind::InvalidProcessModel if error.status().is_some() => Exit::Refused,
            ErrorKind::InvalidProcessModel | ErrorKind::InvalidInput => Exit::BadInput,
            ErrorKind::Timeout | ErrorKind::Unreachable => Exit::Unreachable,
            ErrorKind::WaitLimitPassed => Exit::WaitLimitPassed,
            ErrorKind::InstanceFailed => Exit::InstanceFailed,
            _ => Exit::Failure,
        },
        process_engine::Error::WorkerBuild(_) => Exit::BadInput,
        process_engine::Error::Testkit(
            process_engine::testkit::Error::Read { .. }
            | process_engine::testkit::Error::Bpmn(_)
            | process_engine::testkit::Error::Refused { .. },
        ) => Exit::BadInput,
        error if error.is_not_found() => Exit::NotFound,
        error if error.is_unauthorized() || error.is_conflict() => Exit::Refused,
        error if error.is_connect() || error.is_timeout() || error.is_retryable() => {
            Exit::Unreachable
        }
        error
            if error
                .transport_error()
                .is_some_and(process_engine::transport::Error::is_request) =>
        {
            Exit::BadInput
        }
        _ => Exit::Failure,
    }
}

/// The token source failed: the client credentials were refused, or no token could be had.
fn is_auth(error: &process_engine::Error) -> bool {
    error
        .transport_error()
        .is_some_and(process_engine::transport::Error::is_auth)
}

/// A 404 that no engine sends for a missing model or task: its web framework's page for a
/// route it does not have, or another server's HTML page. The URL does not lead to the API.
fn is_not_the_engine(error: &process_engine::Error) -> bool {
    error.engine_error().is_some_and(|answer| {
        answer.status() == 404
            && (answer.is_unknown_route() || answer.message().trim_start().starts_with('<'))
    })
}

/// The engine's answer to a bearer token it cannot decode: its identity middleware fails
/// with a TypeError, so 8.0.0 answers 500 with this message rather than 401.
const UNREADABLE_TOKEN: &str = "Cannot read properties of null (reading 'sub')";

fn is_unreadable_token(error: &process_engine::Error) -> bool {
    error
        .engine_error()
        .is_some_and(|answer| answer.status() == 500 && answer.message() == UNREADABLE_TOKEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_holds_the_context_the_message_and_the_causes() {
        let failure = Failure::bad_input_because(
            "the input is not valid JSON",
            std::io::Error::other("expected value at line 1 column 1"),
        )
        .context("could not start hello_world");
        assert_eq!(
            failure.line(),
            "could not start hello_world: the input is not valid JSON: expected value at line 1 \
             column 1"
        );
        assert_eq!(failure.exit(), Exit::BadInput);
        assert_eq!(failure.json()["error"]["exit_code"], 2);
        assert_eq!(failure.json()["error"]["kind"], "bad_input");
    }

    #[test]
    fn a_client_that_cannot_be_built_is_bad_input() {
        let error = process_engine::Client::builder("not a url")
            .build()
            .unwrap_err();
        let failure = Failure::from(process_engine::Error::from(error));
        assert_eq!(failure.exit(), Exit::BadInput);
        assert!(failure.line().contains("base URL"), "{}", failure.line());
    }
}
