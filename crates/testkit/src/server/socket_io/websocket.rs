//! The websocket transport (engine.io 3.3.2 `lib/transports/websocket.js` over `ws`): one
//! packet per text frame, a websocket-first session of its own or the upgrade of a polling one.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use process_engine_api_types::socket_io::EnginePacket;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::session::{Carrier, End, Session, SocketAuth};
use super::sockets::Sockets;

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// How long a probing websocket may take to complete the upgrade (engine.io's
/// `upgradeTimeout`).
const UPGRADE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a waiting polling `GET` is answered with a noop while an upgrade is under way, so
/// that the client gets to send its upgrade packet (engine.io's `check`).
const NOOP_INTERVAL: Duration = Duration::from_millis(100);

/// What the upgraded connection is for.
pub(super) enum Purpose {
    /// A session of its own, opened by the client that sent this header.
    Open(SocketAuth),
    /// Taking over a polling session.
    Upgrade(Arc<Session>),
    /// Nothing: closed at once.
    Refuse,
}

/// Serves one websocket once the HTTP upgrade is done.
pub(super) async fn serve(sockets: Arc<Sockets>, upgrade: OnUpgrade, purpose: Purpose) {
    let upgraded = match upgrade.await {
        Ok(upgraded) => upgraded,
        Err(error) => {
            tracing::debug!(%error, "a websocket upgrade did not complete");
            if let Purpose::Upgrade(session) = purpose {
                session.set_carrier(Carrier::Polling);
            }
            return;
        }
    };
    let mut socket =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
    let session = match purpose {
        Purpose::Open(auth) => {
            let session = sockets.open(auth, Carrier::Websocket);
            sockets.watch_heartbeat(&session);
            session
        }
        Purpose::Refuse => {
            let _ = socket.close(None).await;
            return;
        }
        Purpose::Upgrade(session) => {
            if !probe(&sockets, &session, &mut socket).await {
                session.set_carrier(Carrier::Polling);
                let _ = socket.close(None).await;
                return;
            }
            session
        }
    };
    run(&sockets, &session, socket).await;
}

/// The upgrade of a polling session: `2probe` is answered `3probe`, the waiting `GET` is
/// answered with noops until the client sends `5`. Anything else ends the attempt.
async fn probe(sockets: &Sockets, session: &Session, socket: &mut Socket) -> bool {
    let attempt = async {
        let mut probed = false;
        let mut noops = tokio::time::interval(NOOP_INTERVAL);
        loop {
            tokio::select! {
                frame = socket.next() => {
                    let Some(Ok(Message::Text(text))) = frame else { return false };
                    match (EnginePacket::decode(&text), probed) {
                        (Ok(EnginePacket::Ping(Some(data))), false) if data == "probe" => {
                            let pong = EnginePacket::Pong(Some(data)).encode();
                            if socket.send(Message::text(pong)).await.is_err() {
                                return false;
                            }
                            probed = true;
                            session.ask_noop();
                        }
                        (Ok(EnginePacket::Upgrade), true) => {
                            session.set_carrier(Carrier::Websocket);
                            session.heard();
                            return true;
                        }
                        _ => return false,
                    }
                }
                _ = noops.tick(), if probed => session.ask_noop(),
                _ = session.ended() => return false,
            }
        }
    };
    let upgraded = tokio::time::timeout(UPGRADE_TIMEOUT, attempt)
        .await
        .unwrap_or(false);
    if !upgraded && session.is_ended() {
        sockets.close(session, End::Closed);
    }
    upgraded
}

/// Carries the session until it ends: queued packets out, the client's packets in.
async fn run(sockets: &Sockets, session: &Session, mut socket: Socket) {
    loop {
        let packets = session.take_queued();
        if !packets.is_empty() {
            for packet in packets {
                if socket.feed(Message::text(packet)).await.is_err() {
                    return sockets.close(session, End::Closed);
                }
            }
            if socket.flush().await.is_err() {
                return sockets.close(session, End::Closed);
            }
        }
        tokio::select! {
            biased;
            why = session.ended() => {
                // An orderly close sends a close frame without status code (`ws` close());
                // an engine that goes down just drops the connection.
                if why == End::Closed {
                    let _ = socket.send(Message::Close(None)).await;
                }
                return;
            }
            () = session.wait_queued() => {}
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => sockets.on_packet(session, &text),
                // Control frames are answered by the websocket layer on the next flush.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                    if socket.flush().await.is_err() {
                        return sockets.close(session, End::Closed);
                    }
                }
                Some(Ok(Message::Binary(_))) => session.heard(),
                Some(Ok(Message::Close(_)) | Err(_)) | None => {
                    return sockets.close(session, End::Closed);
                }
            },
        }
    }
}
