//! The polling transport (engine.io 3.3.2 `lib/transports/polling.js`, `polling-xhr.js`): a
//! `GET` waits for the packets queued for the client, a `POST` carries the client's.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, SET_COOKIE};
use http::{HeaderValue, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use process_engine_api_types::socket_io::{EnginePacket, Version, payload};

use super::session::{Carrier, End, PollAnswer, Session, SocketAuth};
use super::sockets::Sockets;
use super::{EngineIoError, cors, engine_io_error};

/// Opens a session over polling: the first `GET` answers the `OPEN` packet and the root
/// namespace's connect at once.
pub(super) async fn handshake(
    sockets: &Arc<Sockets>,
    auth: SocketAuth,
    origin: Option<&HeaderValue>,
) -> Response<Full<Bytes>> {
    let session = sockets.open(auth, Carrier::Polling);
    sockets.watch_heartbeat(&session);
    let packets = session.take_queued();
    answer(
        &session,
        origin,
        "text/plain; charset=UTF-8",
        payload::encode(&packets, Version::V3),
    )
}

/// A `GET`: waits until packets are queued (there is no server-side limit: the client's pings
/// end the wait), then answers all of them.
pub(super) async fn get(
    sockets: &Arc<Sockets>,
    session: &Arc<Session>,
    origin: Option<&HeaderValue>,
) -> Response<Full<Bytes>> {
    if session.carrier() == Carrier::Websocket {
        return engine_io_error(EngineIoError::BadRequest, origin);
    }
    if !session.hold_poll() {
        // engine.io: "overlap from client", which closes the session.
        sockets.close(session, End::Closed);
        return empty(StatusCode::INTERNAL_SERVER_ERROR);
    }
    // A poll whose client goes away closes the session ("poll connection closed prematurely").
    let mut guard = PollGuard {
        sockets,
        session,
        answered: false,
    };
    let mut waited = false;
    let answer_now = loop {
        if let Some(answer) = session.poll_answer(waited) {
            break answer;
        }
        tokio::select! {
            () = session.wait_queued() => {}
            _ = session.ended() => {}
        }
        waited = true;
    };
    guard.answered = true;
    let packets = match answer_now {
        PollAnswer::Packets(packets) => packets,
        PollAnswer::Noop => vec![EnginePacket::Noop.encode()],
        PollAnswer::Closed => vec![EnginePacket::Close.encode()],
    };
    answer(
        session,
        origin,
        "text/plain; charset=UTF-8",
        payload::encode(&packets, Version::V3),
    )
}

/// A `POST`: the client's packets, answered `ok` once handled.
pub(super) async fn post(
    sockets: &Arc<Sockets>,
    session: &Arc<Session>,
    body: Incoming,
    limit: usize,
    origin: Option<&HeaderValue>,
) -> Response<Full<Bytes>> {
    if session.carrier() == Carrier::Websocket {
        return engine_io_error(EngineIoError::BadRequest, origin);
    }
    let Ok(body) = Limited::new(body, limit).collect().await else {
        // engine.io destroys the connection of a body over its limit, and of a broken one.
        sockets.close(session, End::Closed);
        return empty(StatusCode::BAD_REQUEST);
    };
    let text = String::from_utf8_lossy(&body.to_bytes()).into_owned();
    match payload::decode(&text, Version::V3) {
        Ok(packets) => {
            for packet in packets {
                sockets.on_packet(session, &packet);
            }
        }
        Err(_) => sockets.close(session, End::Closed),
    }
    answer(session, origin, "text/html", "ok".to_owned())
}

/// The answer to a CORS preflight of a polling request.
pub(super) fn preflight(origin: Option<&HeaderValue>) -> Response<Full<Bytes>> {
    cors(Response::builder(), origin)
        .header("Access-Control-Allow-Headers", "Content-Type")
        .body(Full::new(Bytes::new()))
        // Fixed header values.
        .unwrap_or_else(|_| empty(StatusCode::OK))
}

fn answer(
    session: &Session,
    origin: Option<&HeaderValue>,
    content_type: &'static str,
    body: String,
) -> Response<Full<Bytes>> {
    let cookie = format!("io={}; Path=/; HttpOnly", session.sid);
    cors(Response::builder(), origin)
        .header(CONTENT_TYPE, content_type)
        .header(SET_COOKIE, cookie)
        .body(Full::new(Bytes::from(body)))
        // The headers are fixed strings and a session id of base64 characters.
        .unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR))
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// Closes the session when a waiting `GET` ends without an answer (its client went away).
struct PollGuard<'a> {
    sockets: &'a Sockets,
    session: &'a Session,
    answered: bool,
}

impl Drop for PollGuard<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.session.release_poll();
            self.sockets.close(self.session, End::Closed);
        }
    }
}
