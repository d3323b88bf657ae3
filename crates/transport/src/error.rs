//! The transport's error: one opaque type with predicates and accessors.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::InvalidHeaderValue;
use http::{HeaderMap, Request};
use process_engine_api_types::DecodeError;
use process_engine_api_types::error::{EngineError, EngineErrorKind};

use crate::BoxError;
use crate::oauth::TokenError;

/// Why a call failed.
///
/// The message describes only what went wrong at this level; the cause, when there is one, is
/// in [`source()`](std::error::Error::source). Ask the predicates rather than the text:
/// [`is_retryable`](Error::is_retryable) says whether trying again later may work,
/// [`is_not_found`](Error::is_not_found), [`is_unauthorized`](Error::is_unauthorized) and
/// [`is_conflict`](Error::is_conflict) sort the engine's refusals, and
/// [`engine_error`](Error::engine_error) holds the engine's own answer. The error of a call also
/// names the call: its [`operation`](Error::operation) and the client's
/// [`base_url`](Error::base_url).
///
/// This is the one place where failures are classified: the clients built on the transport
/// (process control, the worker) and the facade's error answer the same questions by asking
/// these predicates, and the statuses themselves are sorted once, by
/// [`EngineErrorKind::from_status`].
///
/// An answer longer than [`ClientBuilder::max_response_size`] matches none of the predicates
/// and is never retried: the next answer would be as long.
///
/// [`ClientBuilder::max_response_size`]: crate::ClientBuilder::max_response_size
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    operation: Option<&'static str>,
    base_url: Option<String>,
    /// The request of a connect error, which never left: the call sends it again rather than
    /// copying every request in case it fails. Taken out by the call before the error leaves
    /// the client.
    unsent: Option<Request<Bytes>>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Kind {
    /// The request never left: connection refused, DNS, connect timeout, TLS handshake.
    #[error("could not connect to the engine")]
    Connect(#[source] BoxError),
    /// The connection broke after the request may have reached the engine.
    #[error("the exchange with the engine broke off")]
    Transport(#[source] BoxError),
    #[error("the attempt timed out after {0:?}")]
    AttemptTimeout(Duration),
    #[error("the call's deadline of {0:?} passed")]
    Deadline(Duration),
    /// The engine's own error is the whole story: its display is this error's display and
    /// there is no source, so that the message is not said twice. The answer's headers are
    /// kept beside it (a `Retry-After` of a proxy, a request id).
    #[error("{0}")]
    Status(EngineError, HeaderMap),
    /// The operation is not kept here but in [`Inner`], like for every other kind; the
    /// display of [`Error`] names it.
    #[error("could not decode the answer at `{path}`")]
    Decode {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// The answer's body was longer than the client's `max_response_size`. Not worth trying
    /// again: the next answer will be as long.
    #[error("the answer exceeded {0} bytes")]
    TooLarge(usize),
    #[error(transparent)]
    Auth(AuthError),
    /// The engine answered `401` to a token of the token source, and again to the token the
    /// source gave after it was told of the refusal. The engine's answer is kept, as for
    /// [`Kind::Status`], and is the source.
    #[error("the engine refused the identity of the token source, a new token too")]
    Refused(#[source] EngineError, HeaderMap),
    #[error(transparent)]
    Request(RequestError),
    #[error("a layer of the client failed")]
    Layer(#[source] BoxError),
}

/// Why no `Authorization` header could be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AuthError {
    #[error("the token source failed")]
    Source(#[source] BoxError),
    #[error("the token is not a valid header value")]
    InvalidToken(#[source] InvalidHeaderValue),
    #[error("the client credentials cannot work: {0}")]
    Credentials(String),
}

/// Why the request could not be built, before anything was sent.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestError {
    #[error("the base URL is not valid: {reason}")]
    BaseUrl {
        reason: &'static str,
        #[source]
        source: Option<http::uri::InvalidUri>,
    },
    #[error("an https base URL needs the `rustls` feature of process-engine-transport")]
    HttpsDisabled,
    #[cfg(feature = "rustls")]
    #[error("could not set up TLS")]
    Tls(#[source] BoxError),
    #[error("the user agent is not a valid header value")]
    UserAgent(#[source] InvalidHeaderValue),
    #[error("the retry configuration is not valid: {0}")]
    RetryConfig(&'static str),
    #[error("{operation} takes {expected} path parameters, {given} were given")]
    PathParams {
        operation: &'static str,
        expected: usize,
        given: usize,
    },
    /// An empty segment would not fail: the engine ignores a trailing slash, so the request
    /// could reach another route.
    #[error("the path parameter `{name}` of {operation} is empty")]
    EmptyPathParam {
        operation: &'static str,
        name: &'static str,
    },
    #[error("the path template of {operation} does not match its list of path parameters")]
    PathTemplate { operation: &'static str },
    /// The serializer's error (serde_urlencoded's, or an [`Operation`]'s own).
    ///
    /// [`Operation`]: process_engine_api_types::Operation
    #[error("could not serialize the query")]
    Query(#[source] BoxError),
    #[error("could not serialize the body")]
    Body(#[source] serde_json::Error),
    #[error("could not build the request")]
    Build(#[source] http::Error),
}

impl Error {
    pub(crate) fn new(kind: Kind) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                operation: None,
                base_url: None,
                unsent: None,
            }),
        }
    }

    pub(crate) fn connect(source: impl Into<BoxError>) -> Self {
        Error::new(Kind::Connect(source.into()))
    }

    pub(crate) fn transport(source: impl Into<BoxError>) -> Self {
        Error::new(Kind::Transport(source.into()))
    }

    pub(crate) fn auth(error: AuthError) -> Self {
        Error::new(Kind::Auth(error))
    }

    pub(crate) fn request(error: RequestError) -> Self {
        Error::new(Kind::Request(error))
    }

    pub(crate) fn from_answer(error: EngineError, headers: HeaderMap) -> Self {
        Error::new(Kind::Status(error, headers))
    }

    /// The engine refused the token source's identity twice, the second time a new one.
    pub(crate) fn refused(error: EngineError, headers: HeaderMap) -> Self {
        Error::new(Kind::Refused(error, headers))
    }

    /// An error answer of the engine, for a layer above the transport that reads one itself
    /// (an answer it got through [`Client::send`](crate::Client::send), a status that only it
    /// knows to be an error): [`is_status`](Error::is_status) and
    /// [`engine_error`](Error::engine_error) then work as for the client's own.
    pub fn from_engine_error(error: EngineError) -> Self {
        Error::from_answer(error, HeaderMap::new())
    }

    /// An answer whose body did not fit the expected type, for a layer above the transport that
    /// decodes a payload itself: [`is_decode`](Error::is_decode) and
    /// [`decode_path`](Error::decode_path) then work as for the client's own.
    pub fn from_decode_error(error: DecodeError) -> Self {
        let (path, source) = error.into_parts();
        Error::new(Kind::Decode { path, source })
    }

    /// Takes back an error that went through a user's layer: ours stay what they were, any
    /// other is the layer's own.
    pub(crate) fn from_boxed(error: BoxError) -> Self {
        match error.downcast::<Error>() {
            Ok(error) => *error,
            Err(error) => Error::new(Kind::Layer(error)),
        }
    }

    /// The cause of a connect or transport error, for a request that did not go to the engine
    /// (whose messages speak of the engine); any other error as it is.
    pub(crate) fn into_cause(self) -> BoxError {
        match self.inner.kind {
            Kind::Connect(cause) | Kind::Transport(cause) => cause,
            kind => Box::new(Error::new(kind)),
        }
    }

    /// Gives back `request` with this error: it never left, and may be sent again as it is.
    pub(crate) fn with_unsent(mut self, request: Request<Bytes>) -> Self {
        self.inner.unsent = Some(request);
        self
    }

    /// The request given back with this error, if it never left.
    pub(crate) fn take_unsent(&mut self) -> Option<Request<Bytes>> {
        self.inner.unsent.take()
    }

    /// Names the operation (`start_process_instance`) the error is about, unless a layer
    /// further in already did: the innermost name is kept.
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation.get_or_insert(operation);
        self
    }

    /// Names the engine the failed call went to, unless it is already named.
    pub(crate) fn with_base_url(mut self, base_url: &str) -> Self {
        self.inner
            .base_url
            .get_or_insert_with(|| base_url.to_owned());
        self
    }

    /// The attempt timed out (as opposed to the whole call): the request may have reached the
    /// engine.
    pub(crate) fn is_attempt_timeout(&self) -> bool {
        matches!(self.inner.kind, Kind::AttemptTimeout(_))
    }

    /// An attempt or the whole call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner.kind, Kind::AttemptTimeout(_) | Kind::Deadline(_))
    }

    /// The request never left: the connection could not be made (refused, DNS, connect timeout,
    /// TLS handshake).
    pub fn is_connect(&self) -> bool {
        matches!(self.inner.kind, Kind::Connect(_))
    }

    /// The connection broke after the request was sent, or while the answer was read: the
    /// engine may have acted on the request.
    pub fn is_transport(&self) -> bool {
        matches!(self.inner.kind, Kind::Transport(_))
    }

    /// The engine answered with a status outside 2xx; see [`engine_error`](Error::engine_error).
    pub fn is_status(&self) -> bool {
        matches!(self.inner.kind, Kind::Status(..) | Kind::Refused(..))
    }

    /// The answer's body did not have the expected shape; see
    /// [`decode_path`](Error::decode_path).
    pub fn is_decode(&self) -> bool {
        matches!(self.inner.kind, Kind::Decode { .. })
    }

    /// No `Authorization` header could be made: the token source failed (its error is the
    /// [`source()`](std::error::Error::source)), or the token is not a valid header value; or
    /// the engine refused the token source's identity even with a new token (then also
    /// [`is_status`](Error::is_status), with the engine's `401`).
    pub fn is_auth(&self) -> bool {
        matches!(self.inner.kind, Kind::Auth(_) | Kind::Refused(..))
    }

    /// The request could not be built: a bad base URL or configuration, the wrong number of path
    /// parameters, a query or body that does not serialize.
    pub fn is_request(&self) -> bool {
        matches!(self.inner.kind, Kind::Request(_))
    }

    /// One of the layers added with [`ClientBuilder::layer`](crate::ClientBuilder::layer)
    /// failed with an error of its own.
    pub fn is_layer(&self) -> bool {
        matches!(self.inner.kind, Kind::Layer(_))
    }

    /// A short name of the kind of failure, for logs and spans (`connect`, `status`, ...).
    pub(crate) fn kind_name(&self) -> &'static str {
        match self.inner.kind {
            Kind::Connect(_) => "connect",
            Kind::Transport(_) => "transport",
            Kind::AttemptTimeout(_) => "attempt_timeout",
            Kind::Deadline(_) => "deadline",
            Kind::Status(..) => "status",
            Kind::Decode { .. } => "decode",
            Kind::TooLarge(_) => "too_large",
            Kind::Auth(_) => "auth",
            Kind::Refused(..) => "identity_refused",
            Kind::Request(_) => "request",
            Kind::Layer(_) => "layer",
        }
    }

    /// Trying again later may work: the engine could not be reached, the connection broke, time
    /// ran out, or the engine (or a proxy in front of it) answered that it is unavailable (502,
    /// 503 or 504: [`EngineErrorKind::Unavailable`]); or the client-credentials source could not
    /// get a token for a reason that [may pass](crate::oauth::TokenError::may_pass) (the
    /// authority was unreachable, say).
    ///
    /// This does not say that trying again is safe: a call that is not idempotent may already
    /// have taken effect. The client's own retries know the difference.
    pub fn is_retryable(&self) -> bool {
        match &self.inner.kind {
            Kind::Connect(_) | Kind::Transport(_) | Kind::AttemptTimeout(_) | Kind::Deadline(_) => {
                true
            }
            Kind::Status(..) => self.engine_error_kind() == Some(EngineErrorKind::Unavailable),
            Kind::Auth(AuthError::Source(source)) => source
                .downcast_ref::<TokenError>()
                .is_some_and(TokenError::may_pass),
            _ => false,
        }
    }

    /// The engine answered that what the call names does not exist (404): an unknown process
    /// model, instance, task or correlation, or a route the engine does not have
    /// ([`EngineError::is_unknown_route`]).
    pub fn is_not_found(&self) -> bool {
        self.engine_error_kind() == Some(EngineErrorKind::NotFound)
    }

    /// The engine did not let the call through (401: no or a bad token; 403: the identity lacks
    /// a claim or lane).
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self.engine_error_kind(),
            Some(EngineErrorKind::Unauthorized | EngineErrorKind::Forbidden)
        )
    }

    /// The engine refused the call because it conflicts with what exists (409: a deployment
    /// over an existing model without overwrite).
    pub fn is_conflict(&self) -> bool {
        self.engine_error_kind() == Some(EngineErrorKind::Conflict)
    }

    /// The kind of the engine's error answer, for [`is_status`](Error::is_status) errors.
    fn engine_error_kind(&self) -> Option<EngineErrorKind> {
        self.engine_error().map(EngineError::kind)
    }

    /// The status the engine answered with, for [`is_status`](Error::is_status) errors.
    pub fn status(&self) -> Option<u16> {
        self.engine_error().map(EngineError::status)
    }

    /// The engine's error answer (status, kind, message), for [`is_status`](Error::is_status)
    /// errors.
    pub fn engine_error(&self) -> Option<&EngineError> {
        match &self.inner.kind {
            Kind::Status(error, _) | Kind::Refused(error, _) => Some(error),
            _ => None,
        }
    }

    /// The headers of the engine's error answer, for [`is_status`](Error::is_status) errors
    /// the client received (empty for one made with
    /// [`from_engine_error`](Error::from_engine_error)).
    pub fn headers(&self) -> Option<&HeaderMap> {
        match &self.inner.kind {
            Kind::Status(_, headers) | Kind::Refused(_, headers) => Some(headers),
            _ => None,
        }
    }

    /// The name of the operation whose call failed (`start_process_instance`), when known.
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// The base URL of the engine the failed call went to (`http://localhost:8000`), for errors
    /// of a client's calls.
    pub fn base_url(&self) -> Option<&str> {
        self.inner.base_url.as_deref()
    }

    /// Where in the answer's body decoding failed (`processModels[0].id`; `.` for the root),
    /// for [`is_decode`](Error::is_decode) errors.
    pub fn decode_path(&self) -> Option<&str> {
        match &self.inner.kind {
            Kind::Decode { path, .. } => Some(path),
            _ => None,
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("operation", &self.inner.operation)
            .field("base_url", &self.inner.base_url)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base_url = self.inner.base_url.as_deref();
        match (&self.inner.kind, self.inner.operation) {
            // A wrong field means little without the operation whose answer it is in.
            (Kind::Decode { path, .. }, Some(operation)) => {
                write!(f, "could not decode the answer of {operation} at `{path}`")
            }
            // Where it tried is what the reader checks first: a wrong host or port, an engine
            // that is not running there.
            (Kind::Connect(_), _) => match base_url {
                Some(url) => write!(f, "could not connect to the engine at {url}"),
                None => f.write_str("could not connect to the engine"),
            },
            // The engine's web framework has no such route: no model or task is missing, the
            // base URL is wrong (a path prefix said twice, say) or the engine is of another
            // version.
            (Kind::Status(error, _), _) if error.is_unknown_route() => {
                write!(
                    f,
                    "{error}: the engine has no such route; check the base URL"
                )?;
                match base_url {
                    // The routes start with `/api/`: a base URL holding it says it twice.
                    Some(url) if url.contains("/api/") => {
                        write!(f, " {url} (the engine's root, without `/api/...`)")
                    }
                    Some(url) => write!(f, " {url}"),
                    None => Ok(()),
                }
            }
            (Kind::Request(RequestError::BaseUrl { reason, .. }), _) => match base_url {
                Some(url) => write!(f, "the base URL `{url}` is not valid: {reason}"),
                None => fmt::Display::fmt(&self.inner.kind, f),
            },
            (kind, _) => fmt::Display::fmt(kind, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.inner.kind)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn status_error_says_the_engine_message_once_and_has_no_source() {
        let error = Error::from_engine_error(EngineError::from_response(404, b"not found!"));
        assert_eq!(error.to_string(), "the engine answered 404: not found!");
        assert!(error.headers().is_some_and(HeaderMap::is_empty));
        assert!(error.source().is_none());
        assert_eq!(error.status(), Some(404));
        assert!(!error.is_retryable());
    }

    #[test]
    fn unavailable_statuses_are_retryable() {
        for status in [502, 503, 504] {
            let error = Error::from_engine_error(EngineError::from_response(status, b""));
            assert!(error.is_retryable(), "{status}");
        }
        let error = Error::from_engine_error(EngineError::from_response(500, b""));
        assert!(!error.is_retryable());
    }

    #[test]
    fn the_engines_refusals_are_sorted_by_status() {
        let error = |status| Error::from_engine_error(EngineError::from_response(status, b""));
        assert!(error(404).is_not_found() && !error(404).is_retryable());
        assert!(error(401).is_unauthorized() && error(403).is_unauthorized());
        assert!(error(409).is_conflict());
        for status in [400, 410, 423, 500] {
            let error = error(status);
            assert!(
                !error.is_not_found() && !error.is_unauthorized() && !error.is_conflict(),
                "{status}"
            );
        }
        let connect = Error::connect(std::io::Error::other("refused"));
        assert!(!connect.is_not_found() && !connect.is_unauthorized() && !connect.is_conflict());
    }

    #[test]
    fn the_base_url_set_first_is_kept() {
        let error = Error::transport("x")
            .with_base_url("http://inner")
            .with_base_url("http://outer");
        assert_eq!(error.base_url(), Some("http://inner"));
        assert_eq!(Error::transport("x").base_url(), None);
    }

    #[test]
    fn connect_error_keeps_its_cause_in_source_only() {
        let cause = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused!");
        let error = Error::connect(cause);
        assert_eq!(error.to_string(), "could not connect to the engine");
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("refused!")
        );
        assert!(error.is_connect() && error.is_retryable());
    }

    #[test]
    fn a_connect_error_names_the_engine_it_tried() {
        let error = Error::connect(std::io::Error::other("refused")).with_base_url("http://x:1");
        assert_eq!(
            error.to_string(),
            "could not connect to the engine at http://x:1"
        );
    }

    #[test]
    fn an_unknown_route_says_to_check_the_base_url() {
        let page =
            b"<!DOCTYPE html>\n<html><body><pre>Cannot POST /engine/api/x</pre></body></html>";
        let error = Error::from_engine_error(EngineError::from_response(404, page));
        assert_eq!(
            error.to_string(),
            "the engine answered 404: Cannot POST /engine/api/x: the engine has no such route; \
             check the base URL"
        );
        let error = error.with_base_url("http://host/engine");
        assert_eq!(
            error.to_string(),
            "the engine answered 404: Cannot POST /engine/api/x: the engine has no such route; \
             check the base URL http://host/engine"
        );
        assert!(error.is_not_found() && error.source().is_none());
    }

    #[test]
    fn boxed_errors_of_ours_come_back_unchanged() {
        let ours: BoxError = Box::new(Error::new(Kind::AttemptTimeout(Duration::from_secs(1))));
        assert!(Error::from_boxed(ours).is_timeout());
        let theirs: BoxError = "rate limited".into();
        let error = Error::from_boxed(theirs);
        assert!(error.is_layer());
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("rate limited")
        );
    }

    #[test]
    fn operation_set_innermost_wins() {
        let error = Error::transport("x")
            .with_operation("inner")
            .with_operation("outer");
        assert_eq!(error.operation(), Some("inner"));
    }

    #[test]
    fn a_decode_error_names_its_operation_once() {
        let source = serde_json::from_str::<u8>("x").unwrap_err();
        let error = Error::new(Kind::Decode {
            path: "a.b".to_owned(),
            source,
        });
        assert_eq!(error.to_string(), "could not decode the answer at `a.b`");
        let error = error.with_operation("get_process_models");
        assert_eq!(
            error.to_string(),
            "could not decode the answer of get_process_models at `a.b`"
        );
        assert_eq!(error.operation(), Some("get_process_models"));
        assert!(error.is_decode() && error.source().is_some());
    }

    #[test]
    fn a_higher_layers_decode_error_reads_like_the_clients_own() {
        let error =
            process_engine_api_types::operation::decode_json::<Vec<u8>>(b"[1, \"x\"]").unwrap_err();
        let error = Error::from_decode_error(error).with_operation("my_operation");
        assert!(error.is_decode());
        assert_eq!(error.decode_path(), Some("[1]"));
        assert_eq!(
            error.to_string(),
            "could not decode the answer of my_operation at `[1]`"
        );
    }

    #[test]
    fn a_too_large_answer_is_no_predicate_and_not_retryable() {
        let error = Error::new(Kind::TooLarge(8));
        assert_eq!(error.to_string(), "the answer exceeded 8 bytes");
        assert!(!error.is_retryable());
        assert!(!error.is_transport() && !error.is_connect() && !error.is_decode());
        assert_eq!(error.kind_name(), "too_large");
    }

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }
}
