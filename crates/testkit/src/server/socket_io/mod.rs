//! The engine's socket.io endpoint: socket.io 2.2.0 over Engine.IO 3 (engine.io 3.3.2) at
//! `/socket.io/`, with the namespaces `/consumer_api` and `/management_api` that push the
//! engine's notifications.
//!
//! Both transports are served: a websocket from the start, and polling with an upgrade to a
//! websocket, as socket.io-client 2 does by default. The framing is the protocol module of
//! `process-engine-api-types`, the same the client uses. `EIO` is not looked at: 8.0.0 answers
//! `EIO=4` and no `EIO` with the same Engine.IO 3 framing.

mod polling;
mod session;
mod sockets;
mod websocket;

use std::sync::Arc;

use bytes::Bytes;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, AUTHORIZATION, CONNECTION,
    CONTENT_TYPE, ORIGIN, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use process_engine_api_types::socket_io::Transport;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use session::{Carrier, Session, SocketAuth};
pub(crate) use sockets::Sockets;

/// Engine.IO's error answers to requests it cannot take (engine.io 3.3.2 `Server.errors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EngineIoError {
    UnknownTransport = 0,
    UnknownSid = 1,
    BadHandshakeMethod = 2,
    BadRequest = 3,
}

impl EngineIoError {
    fn message(self) -> &'static str {
        match self {
            EngineIoError::UnknownTransport => "Transport unknown",
            EngineIoError::UnknownSid => "Session ID unknown",
            EngineIoError::BadHandshakeMethod => "Bad handshake method",
            EngineIoError::BadRequest => "Bad request",
        }
    }
}

/// Whether a request is a websocket upgrade (what Node hands to its `upgrade` listeners).
pub(crate) fn is_upgrade<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get(UPGRADE)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// Serves one request at `/socket.io/`.
pub(crate) async fn handle(
    sockets: &Arc<Sockets>,
    mut request: Request<Incoming>,
    body_limit: usize,
) -> Response<Full<Bytes>> {
    let query = Query::parse(request.uri().query().unwrap_or_default());
    let origin = request.headers().get(ORIGIN).cloned();
    let origin = origin.as_ref();
    let Some(transport) = query.transport.as_deref().and_then(Transport::from_name) else {
        return engine_io_error(EngineIoError::UnknownTransport, origin);
    };
    let session = match &query.sid {
        Some(sid) => match sockets.get(sid) {
            Some(session) => Some(session),
            None if is_upgrade(&request) => return refused_upgrade(EngineIoError::UnknownSid),
            None => return engine_io_error(EngineIoError::UnknownSid, origin),
        },
        None => None,
    };
    if is_upgrade(&request) && request.method() == Method::GET {
        return upgrade(sockets, &mut request, transport, session);
    }
    let auth = SocketAuth::from_header(request.headers().get(AUTHORIZATION));
    match (transport, session, request.method().clone()) {
        (Transport::Polling, _, Method::OPTIONS) => polling::preflight(origin),
        (Transport::Polling, None, Method::GET) => polling::handshake(sockets, auth, origin).await,
        (_, None, _) if request.method() != Method::GET => {
            engine_io_error(EngineIoError::BadHandshakeMethod, origin)
        }
        (Transport::Polling, Some(session), Method::GET) => {
            polling::get(sockets, &session, origin).await
        }
        (Transport::Polling, Some(session), Method::POST) => {
            let body = request.into_body();
            polling::post(sockets, &session, body, body_limit, origin).await
        }
        (Transport::Polling, Some(_), _) => {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
        // A websocket transport without the upgrade, or a polling request to a session that
        // went over to the websocket.
        _ => engine_io_error(EngineIoError::BadRequest, origin),
    }
}

/// Accepts a websocket: a session of its own, or the upgrade of a polling session.
fn upgrade(
    sockets: &Arc<Sockets>,
    request: &mut Request<Incoming>,
    transport: Transport,
    session: Option<Arc<Session>>,
) -> Response<Full<Bytes>> {
    let headers = request.headers();
    let version_ok = headers
        .get(SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v == "13" || v == "8");
    let Some(key) = headers.get(SEC_WEBSOCKET_KEY).filter(|_| version_ok) else {
        // `ws` refuses a handshake it cannot take with a bare 400.
        return refused_upgrade(EngineIoError::BadRequest);
    };
    let accept = derive_accept_key(key.as_bytes());
    let purpose = match session {
        // The polling transport takes no upgrades: its websocket is closed right away.
        _ if transport != Transport::Websocket => websocket::Purpose::Refuse,
        None => websocket::Purpose::Open(SocketAuth::from_header(headers.get(AUTHORIZATION))),
        // engine.io closes a second websocket for a session that upgrades or upgraded.
        Some(session) if session.carrier() != Carrier::Polling => websocket::Purpose::Refuse,
        Some(session) => {
            session.set_carrier(Carrier::Upgrading);
            websocket::Purpose::Upgrade(session)
        }
    };
    let on_upgrade = hyper::upgrade::on(request);
    tokio::spawn(websocket::serve(Arc::clone(sockets), on_upgrade, purpose));
    switching(&accept)
}

/// `101 Switching Protocols` with exactly the three headers `ws` sends.
fn switching(accept: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(value) = HeaderValue::from_str(accept) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, value);
    }
    response
}

/// engine.io's answer to an upgrade it refuses: a bare `400` with the reason as text, and the
/// connection closed (`abortConnection`).
fn refused_upgrade(error: EngineIoError) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(error.message().as_bytes())));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    let headers = response.headers_mut();
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

/// engine.io's JSON error answer (`sendErrorMessage`).
fn engine_io_error(error: EngineIoError, origin: Option<&HeaderValue>) -> Response<Full<Bytes>> {
    let body = serde_json::json!({"code": error as u8, "message": error.message()}).to_string();
    cors(Response::builder(), origin)
        .status(StatusCode::BAD_REQUEST)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        // Fixed header values, and an origin that was a header value already.
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// engine.io's CORS headers: any origin, or the request's with credentials.
fn cors(builder: http::response::Builder, origin: Option<&HeaderValue>) -> http::response::Builder {
    match origin {
        Some(origin) => builder
            .header(ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
            .header(ACCESS_CONTROL_ALLOW_ORIGIN, origin),
        None => builder.header(ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    }
}

/// The query parameters engine.io reads.
#[derive(Debug, Default, PartialEq)]
struct Query {
    transport: Option<String>,
    sid: Option<String>,
}

impl Query {
    fn parse(query: &str) -> Query {
        let mut parsed = Query::default();
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned();
            match name {
                "transport" => parsed.transport = Some(value),
                "sid" => parsed.sid = Some(value).filter(|sid| !sid.is_empty()),
                _ => {}
            }
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_gives_transport_and_sid() {
        assert_eq!(
            Query::parse("EIO=3&transport=polling&t=mxc2s6gf&sid=J9-_zJf2DfcLfrJNAAAG"),
            Query {
                transport: Some("polling".into()),
                sid: Some("J9-_zJf2DfcLfrJNAAAG".into())
            }
        );
        assert_eq!(Query::parse(""), Query::default());
    }

    #[test]
    fn errors_answer_engine_ios_json() {
        let response = engine_io_error(EngineIoError::UnknownSid, None);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    }
}
