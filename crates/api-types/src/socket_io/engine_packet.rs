//! Engine.IO packets: one connection's heartbeat, upgrade and messages. On a websocket each text
//! frame is one packet; the polling transport joins several into one body ([`super::payload`]).

use serde::{Deserialize, Serialize};

use super::PacketError;

/// One Engine.IO packet, in its text form: a type digit and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnginePacket {
    /// `0{...}`: the server opens the connection.
    Open(Handshake),
    /// `1`: one side closes the connection.
    Close,
    /// `2`: a heartbeat ping; `2probe` tests a transport before an upgrade.
    Ping(Option<String>),
    /// `3`: the answer to a ping, with the ping's data.
    Pong(Option<String>),
    /// `4...`: a message: a socket.io packet ([`super::SocketPacket`]).
    Message(String),
    /// `5`: the client switches the connection to the transport it probed.
    Upgrade,
    /// `6`: nothing; ends a held polling request during an upgrade.
    Noop,
}

/// What the server's `Open` packet tells the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Handshake {
    /// The connection's id, for later requests of the polling transport and for an upgrade.
    pub sid: String,
    /// The transports the connection may be upgraded to (none on a websocket).
    pub upgrades: Vec<String>,
    /// How often the heartbeat's ping is sent, in milliseconds.
    pub ping_interval: u64,
    /// How long the pinging side waits for the pong, in milliseconds.
    pub ping_timeout: u64,
    /// The largest payload the server reads, in bytes (Engine.IO 4 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payload: Option<u64>,
}

impl Handshake {
    /// A handshake with the given id and heartbeat settings, no upgrades and no payload limit.
    pub fn new(sid: impl Into<String>, ping_interval: u64, ping_timeout: u64) -> Self {
        Handshake {
            sid: sid.into(),
            upgrades: Vec::new(),
            ping_interval,
            ping_timeout,
            max_payload: None,
        }
    }

    /// The same handshake offering `upgrades` (`["websocket"]` on a polling connection).
    pub fn with_upgrades(mut self, upgrades: Vec<String>) -> Self {
        self.upgrades = upgrades;
        self
    }
}

const LAYER: &str = "Engine.IO";

impl EnginePacket {
    /// The text form of the packet.
    pub fn encode(&self) -> String {
        match self {
            // A handshake is plain strings and numbers: it always serializes.
            EnginePacket::Open(handshake) => format!(
                "0{}",
                serde_json::to_string(handshake).unwrap_or_else(|_| "{}".to_owned())
            ),
            EnginePacket::Close => "1".to_owned(),
            EnginePacket::Ping(data) => format!("2{}", data.as_deref().unwrap_or_default()),
            EnginePacket::Pong(data) => format!("3{}", data.as_deref().unwrap_or_default()),
            EnginePacket::Message(text) => format!("4{text}"),
            EnginePacket::Upgrade => "5".to_owned(),
            EnginePacket::Noop => "6".to_owned(),
        }
    }

    /// Reads a packet from its text form.
    pub fn decode(text: &str) -> Result<Self, PacketError> {
        let mut chars = text.chars();
        let kind = chars
            .next()
            .ok_or_else(|| PacketError::new(LAYER, "empty frame", text))?;
        let data = chars.as_str();
        let optional = || (!data.is_empty()).then(|| data.to_owned());
        Ok(match kind {
            '0' => EnginePacket::Open(serde_json::from_str(data).map_err(|_| {
                PacketError::new(LAYER, "an open packet without a handshake", text)
            })?),
            '1' => EnginePacket::Close,
            '2' => EnginePacket::Ping(optional()),
            '3' => EnginePacket::Pong(optional()),
            '4' => EnginePacket::Message(data.to_owned()),
            '5' => EnginePacket::Upgrade,
            '6' => EnginePacket::Noop,
            _ => return Err(PacketError::new(LAYER, "unknown packet type", text)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_open_packet_reads_and_writes_back_identically() {
        let recorded = r#"0{"sid":"QGMt7DUg_IPWHaJ6AAAA","upgrades":[],"pingInterval":25000,"pingTimeout":5000}"#;
        let packet = EnginePacket::decode(recorded).unwrap();
        let EnginePacket::Open(handshake) = &packet else {
            panic!("{packet:?}")
        };
        assert_eq!(handshake.sid, "QGMt7DUg_IPWHaJ6AAAA");
        assert_eq!(
            (handshake.ping_interval, handshake.ping_timeout),
            (25_000, 5_000)
        );
        assert_eq!(packet.encode(), recorded);
    }

    #[test]
    fn every_packet_type_round_trips() {
        for text in [
            "1",
            "2",
            "2probe",
            "3",
            "3probe",
            "4",
            "40/consumer_api,",
            "5",
            "6",
        ] {
            assert_eq!(EnginePacket::decode(text).unwrap().encode(), text);
        }
        assert_eq!(
            EnginePacket::decode("2probe").unwrap(),
            EnginePacket::Ping(Some("probe".to_owned()))
        );
    }

    #[test]
    fn frames_that_are_no_packets_are_errors() {
        assert_eq!(
            EnginePacket::decode("").unwrap_err().reason(),
            "empty frame"
        );
        assert_eq!(
            EnginePacket::decode("hello").unwrap_err().reason(),
            "unknown packet type"
        );
        assert!(EnginePacket::decode("0{").is_err());
        assert!(EnginePacket::decode("0").is_err());
    }
}
