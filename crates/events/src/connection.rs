//! One connection to the engine's notifications: the websocket, the Engine.IO handshake and
//! heartbeat, the namespace, and the events it carries until it is lost or the stream dropped.

use std::time::{Duration, SystemTime};

use futures_util::{SinkExt, StreamExt};
use http::header::{
    AUTHORIZATION, CONNECTION, HeaderMap, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_VERSION, UPGRADE,
};
use process_engine_api_types::notifications::{Channel, Name, Notification, PATH};
use process_engine_api_types::payload::payload_as;
use process_engine_api_types::socket_io::{
    EnginePacket, Handshake, SocketPacket, Transport, Version,
};
use process_engine_transport::{Client, Upgraded};
use serde_json::Value;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{self, Message};

use crate::error::Kind;
use crate::event::UnknownEvent;
use crate::outbox::Outbox;
use crate::user_id::user_id_of;
use crate::{EngineEvent, EventFilter, EventsError};

/// How long closing a connection may take when the stream is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What a stream connects with.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) client: Client,
    pub(crate) version: Version,
    pub(crate) namespace: String,
    pub(crate) handshake_timeout: Duration,
    pub(crate) filter: EventFilter,
    /// The socket's URL, for errors and logs.
    pub(crate) url: String,
}

impl Plan {
    fn error(&self, kind: Kind) -> EventsError {
        EventsError::new(kind, &self.url)
    }
}

/// An open connection, its namespace joined.
pub(crate) struct Connection {
    socket: WebSocketStream<Upgraded>,
    handshake: Handshake,
    /// The stream's own user, for [`EventFilter::mine`].
    me: Option<String>,
    last_heard: SystemTime,
}

/// Why a connection ended.
pub(crate) enum Ended {
    /// The stream was dropped; the connection was closed.
    Dropped,
    /// The connection was lost: it was last heard from at `last_heard`.
    Lost { last_heard: SystemTime, why: String },
}

/// Opens a connection: asks the identity anew, upgrades to a websocket with the token as the
/// first request's `Authorization` (as it is: the socket endpoints do not strip a scheme), and
/// completes the Engine.IO and namespace handshakes.
pub(crate) async fn open(plan: &Plan) -> Result<Connection, EventsError> {
    let identity = plan
        .client
        .identity()
        .await
        .map_err(|error| plan.error(Kind::Identity(error)))?;
    let me = user_id_of(&identity);
    if plan.filter.wants_mine() && me.is_none() {
        return Err(plan.error(Kind::NoUserId));
    }
    let key = generate_key();
    let mut headers = HeaderMap::new();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
    let key_value = HeaderValue::from_str(&key).map_err(|_| plan.error(Kind::InvalidToken))?;
    headers.insert(SEC_WEBSOCKET_KEY, key_value);
    if !identity.token().is_empty() {
        let mut token =
            HeaderValue::from_str(identity.token()).map_err(|_| plan.error(Kind::InvalidToken))?;
        token.set_sensitive(true);
        headers.insert(AUTHORIZATION, token);
    }
    let target = format!("{PATH}?{}", plan.version.query(Transport::Websocket));
    let (answer, upgraded) = plan
        .client
        .upgrade(&target, headers)
        .await
        .map_err(|error| plan.error(Kind::Connect(error)))?;
    let expected = derive_accept_key(key.as_bytes());
    if answer
        .headers
        .get(SEC_WEBSOCKET_ACCEPT)
        .map(HeaderValue::as_bytes)
        != Some(expected.as_bytes())
    {
        return Err(protocol(
            plan,
            "its websocket answer does not accept our key",
        ));
    }
    let socket = WebSocketStream::from_raw_socket(upgraded, Role::Client, None).await;
    let handshake = timeout(plan.handshake_timeout, join(plan, socket))
        .await
        .map_err(|_| plan.error(Kind::HandshakeTimeout(plan.handshake_timeout)))??;
    let (socket, handshake) = handshake;
    Ok(Connection {
        socket,
        handshake,
        me,
        last_heard: SystemTime::now(),
    })
}

fn protocol(plan: &Plan, what: impl Into<String>) -> EventsError {
    plan.error(Kind::Protocol {
        version: plan.version.eio(),
        what: what.into(),
    })
}

/// The Engine.IO `OPEN`, then the namespace connect and its answer.
async fn join(
    plan: &Plan,
    mut socket: WebSocketStream<Upgraded>,
) -> Result<(WebSocketStream<Upgraded>, Handshake), EventsError> {
    let handshake = match EnginePacket::decode(&next_text(plan, &mut socket).await?) {
        Ok(EnginePacket::Open(handshake)) => handshake,
        Ok(other) => {
            return Err(protocol(
                plan,
                format!(
                    "its first packet is `{}`, not an open packet",
                    other.encode()
                ),
            ));
        }
        Err(error) => return Err(protocol(plan, error.to_string())),
    };
    let connect = SocketPacket::connect(&plan.namespace, plan.version);
    send(plan, &mut socket, EnginePacket::Message(connect.encode())).await?;
    loop {
        let text = next_text(plan, &mut socket).await?;
        let packet = match EnginePacket::decode(&text) {
            Ok(EnginePacket::Message(message)) => {
                SocketPacket::decode(&message).map_err(|error| protocol(plan, error.to_string()))?
            }
            Ok(EnginePacket::Ping(data)) => {
                send(plan, &mut socket, EnginePacket::Pong(data)).await?;
                continue;
            }
            Ok(EnginePacket::Close) => {
                return Err(protocol(
                    plan,
                    "it closed the connection during the handshake",
                ));
            }
            Ok(_) => continue,
            Err(error) => return Err(protocol(plan, error.to_string())),
        };
        if packet.namespace() != plan.namespace {
            continue;
        }
        match packet {
            SocketPacket::Connect { .. } => return Ok((socket, handshake)),
            SocketPacket::ConnectError { data, .. } => {
                let reason = match data {
                    Value::String(reason) => reason,
                    Value::Object(object) => object
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("no reason given")
                        .to_owned(),
                    other => other.to_string(),
                };
                return Err(plan.error(Kind::Refused {
                    namespace: plan.namespace.clone(),
                    reason,
                }));
            }
            SocketPacket::Disconnect { .. } => {
                return Err(plan.error(Kind::Refused {
                    namespace: plan.namespace.clone(),
                    reason: "it disconnected the socket at once (a namespace that needs a token?)"
                        .to_owned(),
                }));
            }
            _ => continue,
        }
    }
}

/// The next text frame; control frames are left to the websocket layer.
async fn next_text(
    plan: &Plan,
    socket: &mut WebSocketStream<Upgraded>,
) -> Result<String, EventsError> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.as_str().to_owned()),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Binary(_))) => {
                return Err(protocol(plan, "it sent a binary frame"));
            }
            Some(Ok(Message::Close(_))) | None => {
                return Err(protocol(
                    plan,
                    "it closed the websocket during the handshake",
                ));
            }
            Some(Err(error)) => return Err(plan.error(Kind::Websocket(error))),
        }
    }
}

async fn send(
    plan: &Plan,
    socket: &mut WebSocketStream<Upgraded>,
    packet: EnginePacket,
) -> Result<(), EventsError> {
    socket
        .send(Message::text(packet.encode()))
        .await
        .map_err(|error| plan.error(Kind::Websocket(error)))
}

impl Connection {
    /// Carries events into `outbox` until the connection is lost or the stream dropped, and
    /// keeps the heartbeat: in Engine.IO 3 the client pings every `pingInterval` and gives the
    /// connection up when nothing comes back within `pingTimeout`; in Engine.IO 4 it answers
    /// the server's pings and gives up when none came for both together.
    pub(crate) async fn run(mut self, plan: &Plan, outbox: &mut Outbox) -> Ended {
        let interval = Duration::from_millis(self.handshake.ping_interval);
        let patience = Duration::from_millis(self.handshake.ping_timeout);
        let mut next_ping = Instant::now() + interval;
        // When the connection counts as lost unless something arrives.
        let mut deadline = match plan.version {
            Version::V3 => None,
            _ => Some(Instant::now() + interval + patience),
        };
        let room = outbox.sender();
        loop {
            tokio::select! {
                biased;
                () = outbox.closed() => {
                    self.close().await;
                    return Ended::Dropped;
                }
                Ok(permit) = room.reserve(), if outbox.has_gap() => outbox.announce_gap(permit),
                frame = self.socket.next() => {
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                            // The websocket layer answers pings on the next flush.
                            if let Err(error) = self.socket.flush().await {
                                return self.lost(format!("the websocket failed: {error}"));
                            }
                            continue;
                        }
                        Some(Ok(Message::Binary(_))) => continue,
                        Some(Ok(Message::Close(frame))) => {
                            return self.lost(format!("the engine closed the websocket ({frame:?})"));
                        }
                        Some(Err(error)) => return self.lost(describe(&error)),
                        None => return self.lost("the websocket ended".to_owned()),
                    };
                    self.last_heard = SystemTime::now();
                    deadline = match plan.version {
                        Version::V3 => None,
                        _ => Some(Instant::now() + interval + patience),
                    };
                    if let Some(why) = self.on_text(plan, outbox, text.as_str()).await {
                        return self.lost(why);
                    }
                }
                () = sleep_until(next_ping), if plan.version.client_pings() => {
                    if let Err(error) = self.socket.send(Message::text(EnginePacket::Ping(None).encode())).await {
                        return self.lost(describe(&error));
                    }
                    next_ping = Instant::now() + interval;
                    deadline.get_or_insert(Instant::now() + patience);
                }
                () = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                    return self.lost("the engine stopped answering the heartbeat".to_owned());
                }
            }
        }
    }

    /// Handles one text frame; `Some(why)` when it ends the connection.
    async fn on_text(&mut self, plan: &Plan, outbox: &mut Outbox, text: &str) -> Option<String> {
        match EnginePacket::decode(text) {
            Ok(EnginePacket::Message(message)) => match SocketPacket::decode(&message) {
                Ok(SocketPacket::Event {
                    namespace, data, ..
                }) if namespace == plan.namespace => {
                    if let Some(item) = classify(plan, data) {
                        if !matches!(&item, Ok(event) if !plan.filter.matches(event, self.me.as_deref()))
                        {
                            outbox.offer(item);
                        }
                    }
                    None
                }
                Ok(SocketPacket::Disconnect { namespace }) if namespace == plan.namespace => {
                    Some(format!("the engine removed the socket from {namespace}"))
                }
                Ok(_) => None,
                Err(error) => {
                    tracing::debug!(%error, "ignoring a socket.io packet that does not decode");
                    None
                }
            },
            Ok(EnginePacket::Ping(data)) => {
                let pong = Message::text(EnginePacket::Pong(data).encode());
                self.socket
                    .send(pong)
                    .await
                    .err()
                    .map(|error| describe(&error))
            }
            Ok(EnginePacket::Close) => Some("the engine closed the connection".to_owned()),
            Ok(_) => None,
            Err(error) => {
                tracing::debug!(%error, "ignoring a frame that is no Engine.IO packet");
                None
            }
        }
    }

    fn lost(self, why: String) -> Ended {
        Ended::Lost {
            last_heard: self.last_heard,
            why,
        }
    }

    /// Closes the websocket with a close frame, as a client going away does.
    async fn close(mut self) {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "the event stream was dropped".into(),
        };
        let _ = timeout(CLOSE_TIMEOUT, self.socket.close(Some(frame))).await;
    }
}

/// The stream's item for an event packet's data: a known global event, an event of a name this
/// library does not know, or nothing for the engine's copies of global events (the per-user
/// channel, the channel per process model).
fn classify(plan: &Plan, mut data: Vec<Value>) -> Option<Result<EngineEvent, EventsError>> {
    if data.is_empty() {
        return None;
    }
    let payload = if data.len() > 1 {
        data.swap_remove(1)
    } else {
        Value::Null
    };
    let Value::String(name) = data.swap_remove(0) else {
        return None;
    };
    let Some(parsed) = Name::parse(&name) else {
        return Some(Ok(EngineEvent::Unknown(UnknownEvent { name, payload })));
    };
    if *parsed.channel() != Channel::Global {
        return None;
    }
    Some(match payload_as::<Notification>(Some(&payload)) {
        Ok(notification) => EngineEvent::of_kind(parsed.kind(), notification).ok_or_else(|| {
            plan.error(Kind::Protocol {
                version: plan.version.eio(),
                what: format!("`{name}` is a kind this library reads but cannot yield"),
            })
        }),
        Err(source) => Err(plan.error(Kind::Decode { name, source })),
    })
}

fn describe(error: &tungstenite::Error) -> String {
    format!("the websocket failed: {error}")
}
