//! The socket.io protocol the engine pushes its notifications over, without any I/O: the
//! Engine.IO packets of one connection ([`EnginePacket`]), the socket.io packets inside them
//! ([`SocketPacket`]), and the framing of the HTTP long-polling transport ([`payload`]).
//!
//! The client (`process-engine-events`) and the stand-in engine (`process-engine-testkit`)
//! both speak it through these types, so that the framing is written once.
//!
//! Which revision a connection speaks is a [`Version`]: ProcessEngine 8.0.0 runs socket.io 2
//! over Engine.IO 3 ([`Version::V3`]); socket.io 3 and 4 run over Engine.IO 4
//! ([`Version::V4`]). The revisions differ in who sends the heartbeat, in how the polling
//! transport separates packets, and in what a namespace connect carries; the packets
//! themselves are the same.
//!
//! ```
//! use process_engine_api_types::socket_io::{EnginePacket, SocketPacket, Version};
//!
//! let frame = r#"42/consumer_api,["process_ended",{"correlationId":"c1"}]"#;
//! let EnginePacket::Message(text) = EnginePacket::decode(frame)? else { unreachable!() };
//! let SocketPacket::Event { namespace, data, .. } = SocketPacket::decode(&text)? else {
//!     unreachable!()
//! };
//! assert_eq!(namespace, "/consumer_api");
//! assert_eq!(data[0], "process_ended");
//!
//! // What a client sends to join a namespace, and the heartbeat of Engine.IO 3.
//! let connect = SocketPacket::connect("/consumer_api", Version::V3);
//! assert_eq!(EnginePacket::Message(connect.encode()).encode(), "40/consumer_api,");
//! assert!(Version::V3.client_pings());
//! # Ok::<(), process_engine_api_types::socket_io::PacketError>(())
//! ```

mod engine_packet;
pub mod payload;
mod socket_packet;

pub use engine_packet::{EnginePacket, Handshake};
pub use socket_packet::SocketPacket;

/// The Engine.IO revision of a connection, and with it the socket.io revision that runs on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// Engine.IO 3 with socket.io 2 (protocol 4): ProcessEngine 8.0.0. The client pings; the
    /// server connects the root namespace `/` unasked.
    V3,
    /// Engine.IO 4 with socket.io 3 and 4 (protocol 5). The server pings; every namespace,
    /// the root one too, is connected by the client, and the answer carries the socket's id.
    V4,
}

impl Version {
    /// The value of the `EIO` query parameter.
    pub fn eio(self) -> &'static str {
        match self {
            Version::V3 => "3",
            Version::V4 => "4",
        }
    }

    /// Whether the client sends the heartbeat's pings (Engine.IO 3) rather than answers the
    /// server's (Engine.IO 4).
    pub fn client_pings(self) -> bool {
        matches!(self, Version::V3)
    }

    /// The query of a connection's first request: `EIO=3&transport=websocket`.
    pub fn query(self, transport: Transport) -> String {
        format!("EIO={}&transport={}", self.eio(), transport.as_str())
    }
}

/// How an Engine.IO connection carries its packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// One websocket, one packet per text frame.
    Websocket,
    /// HTTP long polling: a `GET` returns the packets queued for the client, a `POST` carries
    /// the client's ([`payload`]).
    Polling,
}

impl Transport {
    /// The value of the `transport` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Websocket => "websocket",
            Transport::Polling => "polling",
        }
    }

    /// The transport a `transport` query parameter names.
    pub fn from_name(name: &str) -> Option<Transport> {
        match name {
            "websocket" => Some(Transport::Websocket),
            "polling" => Some(Transport::Polling),
            _ => None,
        }
    }
}

/// A frame that is not a packet of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a {layer} packet ({reason}): {excerpt:?}")]
pub struct PacketError {
    layer: &'static str,
    reason: &'static str,
    excerpt: String,
}

impl PacketError {
    pub(crate) fn new(layer: &'static str, reason: &'static str, text: &str) -> Self {
        // A frame can be long; the start says what it was.
        let excerpt = text.chars().take(64).collect();
        PacketError {
            layer,
            reason,
            excerpt,
        }
    }

    /// What was wrong with the frame (`unknown packet type`, ...).
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_the_revision_and_transport() {
        assert_eq!(
            Version::V3.query(Transport::Websocket),
            "EIO=3&transport=websocket"
        );
        assert_eq!(
            Version::V4.query(Transport::Polling),
            "EIO=4&transport=polling"
        );
        assert!(Version::V3.client_pings() && !Version::V4.client_pings());
        assert_eq!(Transport::from_name("polling"), Some(Transport::Polling));
        assert_eq!(Transport::from_name("flashsocket"), None);
    }

    #[test]
    fn an_error_shows_the_start_of_a_long_frame_only() {
        let long = "x".repeat(1000);
        let error = PacketError::new("Engine.IO", "unknown packet type", &long);
        assert_eq!(error.reason(), "unknown packet type");
        assert!(error.to_string().len() < 150, "{error}");
    }
}
