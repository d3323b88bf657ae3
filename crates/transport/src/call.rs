//! One request to the engine, built from its route, and the per-call settings the layers read.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use process_engine_api_types::Operation;
use process_engine_api_types::route::{Method, Retry, Route};
use serde::Serialize;

use crate::error::RequestError;
use crate::layers::dispatch::auth;
use crate::{Error, Identity, RequestOptions};

/// What a path parameter leaves as it is: RFC 3986's unreserved characters. Everything else,
/// `/` above all, is percent-encoded, so a value is always exactly one path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The per-call settings, carried in the extensions of every request the client sends.
///
/// The client's own layers read the operation's retry class and the timeout overrides from
/// here; users' layers may read it too (the operation name makes a good metric label).
///
/// A call's own [identity](Call::identity) is not part of it: it travels in the extensions
/// apart, as a header value marked sensitive, so that a `CallInfo` stays a plain summary any
/// layer may copy and log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallInfo {
    route: &'static Route,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
}

impl CallInfo {
    /// The settings of a call of `route`, without overrides.
    pub fn new(route: &'static Route) -> Self {
        CallInfo {
            route,
            attempt_timeout: None,
            deadline: None,
        }
    }

    /// The route being called.
    pub fn route(&self) -> &'static Route {
        self.route
    }

    /// The operation's name (`start_process_instance`).
    pub fn operation(&self) -> &'static str {
        self.route.operation
    }

    /// Whether the call may be sent again.
    pub fn retry(&self) -> Retry {
        self.route.retry
    }

    /// The time limit of one attempt, when this call overrides the client's.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The time limit of the whole call, when this call overrides the client's.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The deadline the call runs under, given the client's `default`: its own if set, else
    /// the longer of the default and its attempt timeout override (one whole attempt at least).
    pub(crate) fn effective_deadline(&self, default: Duration) -> Duration {
        self.deadline.unwrap_or_else(|| {
            self.attempt_timeout
                .map_or(default, |attempt| attempt.max(default))
        })
    }
}

/// The `Authorization` header of a call with its own [identity](Call::identity), in the
/// request's extensions: the auth layer sends it on every attempt instead of asking the
/// client's token source.
#[derive(Clone)]
pub(crate) struct CallAuthorization(pub(crate) HeaderValue);

impl fmt::Debug for CallAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallAuthorization(<redacted>)")
    }
}

/// One call of a route, built by hand: its path parameters, query, body, time limits and,
/// optionally, the identity it is made as.
///
/// The typed way to call the engine is [`Client::execute`](crate::Client::execute) with one of
/// the generated [`operations`](process_engine_api_types::operations); a `Call` is what it
/// builds underneath, and what [`Client::send`](crate::Client::send) takes for a route of your
/// own.
///
/// Building never fails on the spot: a mistake (the wrong number of path parameters, a body that
/// does not serialize) is kept and returned as an [`Error`] when the call is sent.
///
/// `Debug` never shows the token.
#[derive(Debug)]
#[must_use = "a call does nothing until a client sends it"]
pub struct Call {
    info: CallInfo,
    params: Vec<String>,
    query: String,
    body: Option<Bytes>,
    /// Identity's `Debug` redacts the token.
    identity: Option<Identity>,
    error: Option<Error>,
}

impl Call {
    /// A call of `route` (usually one of the generated routes of `process-engine-api-types`).
    pub fn new(route: &'static Route) -> Self {
        Call {
            info: CallInfo::new(route),
            params: Vec::new(),
            query: String::new(),
            body: None,
            identity: None,
            error: None,
        }
    }

    /// Adds the next path parameter, in the order of the route's `path_params`. The value is
    /// percent-encoded as one path segment (`a b/c` becomes `a%20b%2Fc`); a value of dots only
    /// (`.`, `..`) has its dots encoded too (`%2E%2E`), so that no proxy on the way takes it
    /// for a dot segment and removes it.
    ///
    /// An empty value is a mistake, returned as an [`Error::is_request`] error when the call is
    /// sent: the engine ignores a trailing slash, so an empty segment could reach another route.
    pub fn param(mut self, value: impl AsRef<str>) -> Self {
        let value = value.as_ref();
        let route = self.info.route;
        // Past the route's last parameter, the count mismatch is the mistake to report.
        let empty = route
            .path_params
            .get(self.params.len())
            .filter(|_| value.is_empty());
        if let Some(&name) = empty {
            self.fail(RequestError::EmptyPathParam {
                operation: route.operation,
                name,
            });
        }
        self.params.push(encode_segment(value));
        self
    }

    /// Adds query parameters from a serde struct (names as serialized; `None` fields are left
    /// out). May be called more than once.
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        match serde_urlencoded::to_string(query) {
            Ok(encoded) if encoded.is_empty() => {}
            Ok(encoded) => {
                if !self.query.is_empty() {
                    self.query.push('&');
                }
                self.query.push_str(&encoded);
            }
            Err(error) => self.fail(RequestError::Query(error.into())),
        }
        self
    }

    /// The call of a typed operation: its route, path parameters, query and body.
    pub fn from_operation<O: Operation + ?Sized>(operation: &O) -> Self {
        let mut call = operation
            .path_params()
            .into_iter()
            .fold(Call::new(operation.route()), Call::param);
        if operation.query().is_some() {
            call.query.reserve(64);
        }
        if let Err(error) = operation.write_query(&mut call.query) {
            call.fail(RequestError::Query(error.into()));
        }
        if let Some(body) = operation.body() {
            call = call.body(body);
        }
        call
    }

    /// Sets the request body to `body` serialized as JSON, with
    /// `Content-Type: application/json`.
    pub fn body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        // Room for a typical body (a start's, a task's result) from the start: growing from
        // nothing would copy it five times over.
        let mut bytes = Vec::with_capacity(256);
        match serde_json::to_writer(&mut bytes, body) {
            Ok(()) => self.body = Some(Bytes::from(bytes)),
            Err(error) => self.fail(RequestError::Body(error)),
        }
        self
    }

    /// Overrides the client's time limit for each attempt of this call (a long poll, a start
    /// that waits for the instance to finish).
    ///
    /// Unless the call also sets its own [`deadline`](Call::deadline), its deadline is the
    /// longer of the client's ([`ClientBuilder::deadline`]) and this timeout, so that a call
    /// that waits longer than the client's deadline still gets one whole attempt.
    ///
    /// [`ClientBuilder::deadline`]: crate::ClientBuilder::deadline
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.info.attempt_timeout = Some(timeout);
        self
    }

    /// Overrides the time limit for the whole call, every attempt and backoff included.
    ///
    /// This is the call's deadline whatever else is set: an [`attempt_timeout`] longer than it
    /// is cut short. Without it, the deadline is the longer of the client's
    /// ([`ClientBuilder::deadline`]) and the call's [`attempt_timeout`] override.
    ///
    /// [`attempt_timeout`]: Call::attempt_timeout
    /// [`ClientBuilder::deadline`]: crate::ClientBuilder::deadline
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.info.deadline = Some(deadline);
        self
    }

    /// Makes this call as `identity` instead of the client's identity or token source: for a
    /// service that acts for several users (the engine's `own` routes, with each user's JWT),
    /// which can then share one client, connection pool and retry budget among them.
    ///
    /// Every attempt of the call sends this token; the client's token source is not asked. A
    /// token that cannot be sent in a header makes the call fail with an [`Error::is_auth`]
    /// error when it is sent, before anything goes out.
    ///
    /// ```no_run
    /// use process_engine_api_types::routes;
    /// use process_engine_transport::{Call, Client, Identity};
    ///
    /// # async fn run(client: &Client, jwt: String) -> Result<(), process_engine_transport::Error> {
    /// let call = Call::new(&routes::GET_OWN_USER_TASKS).identity(Identity::new(jwt, "alice"));
    /// let answer = client.send(call).await?;
    /// # let _ = answer;
    /// # Ok(())
    /// # }
    /// ```
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Applies what `options` sets (time limits, identity); what it leaves unset stays as it
    /// is.
    pub fn options(mut self, options: &RequestOptions) -> Self {
        if let Some(timeout) = options.attempt_timeout {
            self = self.attempt_timeout(timeout);
        }
        if let Some(deadline) = options.deadline {
            self = self.deadline(deadline);
        }
        if let Some(identity) = &options.identity {
            self = self.identity(identity.clone());
        }
        self
    }

    /// The route this call is for.
    pub fn route(&self) -> &'static Route {
        self.info.route
    }

    /// Keeps the first mistake: it is the one to fix first.
    fn fail(&mut self, error: RequestError) {
        if self.error.is_none() {
            self.error = Some(Error::request(error));
        }
    }

    /// The request the stack takes: path and query only (the base URI layer adds the rest),
    /// the [`CallInfo`] and the call's own [`CallAuthorization`], if any, in its extensions.
    pub(crate) fn into_request(
        self,
        user_agent: &HeaderValue,
    ) -> Result<http::Request<Bytes>, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let route = self.info.route;
        let query = self.query.len() + 1;
        let mut target = fill_path(route, &self.params, query).map_err(Error::request)?;
        if !self.query.is_empty() {
            target.push('?');
            target.push_str(&self.query);
        }
        let method = match route.method {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            other => http::Method::from_bytes(other.as_str().as_bytes())
                .map_err(|error| Error::request(RequestError::Build(error.into())))?,
        };
        let uri = http::Uri::try_from(target)
            .map_err(|error| Error::request(RequestError::Build(error.into())))?;
        // Built in place rather than with `http::request::Builder`, which moves the whole
        // request through a `Result` at every step: this runs once per call.
        let has_body = self.body.is_some();
        let mut request = http::Request::new(self.body.unwrap_or_default());
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.insert(http::header::USER_AGENT, user_agent.clone());
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(identity) = &self.identity {
            // Checked once here rather than on each attempt: a bad token fails the call before
            // anything is sent.
            let authorization = CallAuthorization(auth::bearer(identity.token())?);
            request.extensions_mut().insert(authorization);
        }
        request.extensions_mut().insert(self.info);
        Ok(request)
    }
}

/// One path parameter as one path segment. `.` and `..` would be dot segments, which URL
/// normalization (in proxies, in some servers) removes together with the segment before.
fn encode_segment(value: &str) -> String {
    if !value.is_empty() && value.bytes().all(|byte| byte == b'.') {
        "%2E".repeat(value.len())
    } else {
        // Through `Cow` rather than `Display`: a value with nothing to encode (most ids) is
        // copied once, without the formatting machinery.
        Cow::from(utf8_percent_encode(value, SEGMENT)).into_owned()
    }
}

/// Puts the (already encoded) values into the route's `{name}` placeholders, in order.
///
/// `extra` is room for what follows the path (the query), so that the string is allocated once.
fn fill_path(route: &Route, params: &[String], extra: usize) -> Result<String, RequestError> {
    if params.len() != route.path_params.len() {
        return Err(RequestError::PathParams {
            operation: route.operation,
            expected: route.path_params.len(),
            given: params.len(),
        });
    }
    let mismatch = || RequestError::PathTemplate {
        operation: route.operation,
    };
    let mut path = String::with_capacity(
        route.path.len() + params.iter().map(String::len).sum::<usize>() + extra,
    );
    let mut values = params.iter();
    let mut rest = route.path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or_else(mismatch)? + open;
        path.push_str(&rest[..open]);
        path.push_str(values.next().ok_or_else(mismatch)?);
        rest = &rest[close + 1..];
    }
    if values.next().is_some() {
        return Err(mismatch());
    }
    path.push_str(rest);
    Ok(path)
}

#[cfg(test)]
mod tests {
    use process_engine_api_types::route::{Method, Success};

    use super::*;

    const FINISH: Route = Route::new(
        "finish_external_task",
        Method::Post,
        "/api/external_task/v1/worker/{worker_id}/task/{external_task_id}/finish",
        &["worker_id", "external_task_id"],
        Retry::Idempotent,
        Success::NoContent,
        None,
    );
    const BROKEN: Route = Route::new(
        "broken",
        Method::Get,
        "/x/{a}/{b}",
        &["a"],
        Retry::Idempotent,
        Success::Json,
        None,
    );

    fn agent() -> HeaderValue {
        HeaderValue::from_static("test")
    }

    #[test]
    fn fills_and_encodes_path_parameters_in_order() {
        let request = Call::new(&FINISH)
            .param("w 1")
            .param("a/b")
            .into_request(&agent())
            .unwrap();
        assert_eq!(
            request.uri(),
            "/api/external_task/v1/worker/w%201/task/a%2Fb/finish"
        );
        assert_eq!(request.method(), http::Method::POST);
        let info = request.extensions().get::<CallInfo>().unwrap();
        assert_eq!(info.operation(), "finish_external_task");
    }

    #[test]
    fn unreserved_characters_stay() {
        let request = Call::new(&FINISH)
            .param("A-z_0.9~")
            .param("x")
            .into_request(&agent())
            .unwrap();
        assert!(
            request.uri().path().contains("/worker/A-z_0.9~/"),
            "{}",
            request.uri()
        );
    }

    #[test]
    fn an_empty_parameter_is_an_error() {
        let error = Call::new(&FINISH)
            .param("w")
            .param("")
            .into_request(&agent())
            .unwrap_err();
        assert!(error.is_request(), "{error:?}");
        assert_eq!(
            error.to_string(),
            "the path parameter `external_task_id` of finish_external_task is empty"
        );
        // One too many, and empty: the count is what is wrong.
        let error = Call::new(&FINISH)
            .param("w")
            .param("t")
            .param("")
            .into_request(&agent())
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "finish_external_task takes 2 path parameters, 3 were given"
        );
    }

    #[test]
    fn dot_segments_are_encoded() {
        for (value, encoded) in [
            (".", "%2E"),
            ("..", "%2E%2E"),
            ("...", "%2E%2E%2E"),
            ("..a", "..a"),
            ("a.", "a."),
        ] {
            let request = Call::new(&FINISH)
                .param(value)
                .param("t")
                .into_request(&agent())
                .unwrap();
            assert_eq!(
                request.uri().path(),
                format!("/api/external_task/v1/worker/{encoded}/task/t/finish"),
                "{value}"
            );
        }
    }

    #[test]
    fn the_effective_deadline() {
        let default = Duration::from_secs(120);
        let info = |attempt: Option<u64>, deadline: Option<u64>| CallInfo {
            attempt_timeout: attempt.map(Duration::from_secs),
            deadline: deadline.map(Duration::from_secs),
            ..CallInfo::new(&FINISH)
        };
        let effective = |attempt, deadline| info(attempt, deadline).effective_deadline(default);
        assert_eq!(effective(None, None), default);
        assert_eq!(effective(Some(10), None), default);
        // A long poll or blocking start gets one whole attempt at least.
        assert_eq!(effective(Some(300), None), Duration::from_secs(300));
        // The call's own deadline is the deadline, longer or shorter.
        assert_eq!(effective(Some(300), Some(5)), Duration::from_secs(5));
        assert_eq!(effective(None, Some(500)), Duration::from_secs(500));
    }

    #[test]
    fn wrong_number_of_parameters_is_an_error_not_a_panic() {
        let error = Call::new(&FINISH)
            .param("w")
            .into_request(&agent())
            .unwrap_err();
        assert!(error.is_request());
        assert_eq!(
            error.to_string(),
            "finish_external_task takes 2 path parameters, 1 were given"
        );
        let error = Call::new(&FINISH)
            .param("a")
            .param("b")
            .param("c")
            .into_request(&agent());
        assert!(error.unwrap_err().is_request());
        assert!(
            Call::new(&BROKEN)
                .param("a")
                .into_request(&agent())
                .unwrap_err()
                .is_request()
        );
    }

    #[test]
    fn the_first_building_mistake_is_kept() {
        #[derive(Serialize)]
        struct Nested {
            inner: Vec<u8>,
        }
        // JSON object keys must be strings.
        let unserializable = std::collections::BTreeMap::from([(vec![1_u8], 1)]);
        let call = Call::new(&FINISH).param("w").param("t");
        let error = call
            .body(&unserializable)
            .into_request(&agent())
            .unwrap_err();
        assert_eq!(error.to_string(), "could not serialize the body");
        let call = Call::new(&FINISH)
            .query(&Nested { inner: vec![1] })
            .body(&unserializable);
        let error = call.into_request(&agent()).unwrap_err();
        assert_eq!(error.to_string(), "could not serialize the query");
    }

    #[test]
    fn every_generated_route_fills_its_template() {
        for route in process_engine_api_types::routes::ALL {
            let call = route
                .path_params
                .iter()
                .fold(Call::new(route), |call, name| call.param(name));
            let request = call.into_request(&agent()).unwrap();
            let path = request.uri().path();
            assert!(!path.contains(['{', '}']), "{}: {path}", route.operation);
            assert_eq!(request.method().as_str(), route.method.as_str());
        }
    }

    #[test]
    fn a_calls_identity_travels_as_a_sensitive_header_value() {
        let call = Call::new(&FINISH)
            .param("w")
            .param("t")
            .identity(Identity::new("s3cr3t", "alice"));
        let debug = format!("{call:?}");
        assert!(
            !debug.contains("s3cr3t") && debug.contains("alice"),
            "{debug}"
        );

        let request = call.into_request(&agent()).unwrap();
        let authorization = request.extensions().get::<CallAuthorization>().unwrap();
        assert_eq!(authorization.0, "Bearer s3cr3t");
        assert!(authorization.0.is_sensitive());
        assert!(!format!("{authorization:?}").contains("s3cr3t"));
        // The auth layer sets the header, on each attempt.
        assert!(request.headers().get(http::header::AUTHORIZATION).is_none());

        let request = Call::new(&FINISH)
            .param("w")
            .param("t")
            .into_request(&agent())
            .unwrap();
        assert!(request.extensions().get::<CallAuthorization>().is_none());
    }

    #[test]
    fn a_typed_operation_becomes_its_call() {
        use process_engine_api_types::models::{
            FinishExternalTaskRequest, ProcessStartRequest, StartCallbackType,
            StartProcessInstanceQuery,
        };
        use process_engine_api_types::operations::{FinishExternalTask, StartProcessInstance};

        let body =
            FinishExternalTaskRequest::new("w 1").with_result(serde_json::json!({"ok": true}));
        let request = Call::from_operation(&FinishExternalTask::new("t/1", body))
            .into_request(&agent())
            .unwrap();
        assert_eq!(request.uri(), "/api/external_task/v1/task/t%2F1/finish");
        assert_eq!(
            request.body().as_ref(),
            br#"{"workerId":"w 1","result":{"ok":true}}"#
        );

        let query = StartProcessInstanceQuery::new()
            .with_start_callback_type(StartCallbackType::OnEndEventReached)
            .with_start_event_id("start")
            .with_end_event_id("end");
        let op = StartProcessInstance::new("m", ProcessStartRequest::new()).with_query(query);
        let request = Call::from_operation(&op).into_request(&agent()).unwrap();
        assert_eq!(
            request.uri(),
            "/api/consumer/v1/process_models/m/start?start_callback_type=3&start_event_id=start&end_event_id=end"
        );
        assert_eq!(request.body().as_ref(), b"{}");
    }

    #[test]
    fn options_set_only_what_they_set() {
        let options = RequestOptions::new().with_attempt_timeout(Duration::from_secs(3));
        let call = Call::new(&FINISH)
            .deadline(Duration::from_secs(9))
            .options(&options);
        assert_eq!(call.info.attempt_timeout, Some(Duration::from_secs(3)));
        assert_eq!(call.info.deadline, Some(Duration::from_secs(9)));
        assert!(call.identity.is_none());
        let call = call.options(&RequestOptions::new().with_identity(Identity::dummy()));
        assert_eq!(call.identity, Some(Identity::dummy()));
    }

    #[test]
    fn json_body_sets_the_content_type() {
        let request = Call::new(&FINISH)
            .param("w")
            .param("t")
            .body(&serde_json::json!({"result": 1}))
            .into_request(&agent())
            .unwrap();
        assert_eq!(request.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(request.body().as_ref(), br#"{"result":1}"#);
    }
}
