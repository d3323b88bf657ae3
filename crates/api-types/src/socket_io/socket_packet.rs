//! socket.io packets: namespaces joined and left, and events, carried in Engine.IO messages.

use serde_json::Value;

use super::{PacketError, Version};

/// One socket.io packet, in its text form: a type digit, the namespace (unless it is the root
/// `/`) followed by a comma, an acknowledgement id, and JSON data.
///
/// Binary packets (types 5 and 6) are not read: the engine sends none.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketPacket {
    /// `0/<namespace>,`: join a namespace, or the server's confirmation. Engine.IO 4's carries
    /// data (the client's auth, the server's socket id).
    Connect {
        /// The namespace, `/` for the root.
        namespace: String,
        /// What the packet carries after the namespace, if anything.
        data: Option<Value>,
    },
    /// `1/<namespace>,`: leave a namespace, or be removed from it.
    Disconnect {
        /// The namespace, `/` for the root.
        namespace: String,
    },
    /// `2/<namespace>,[<name>, <args>...]`: an event.
    Event {
        /// The namespace, `/` for the root.
        namespace: String,
        /// The acknowledgement id the sender asks an answer for.
        id: Option<u64>,
        /// The event's name and arguments.
        data: Vec<Value>,
    },
    /// `3/<namespace>,<id>[...]`: the answer to an event with an acknowledgement id.
    Ack {
        /// The namespace, `/` for the root.
        namespace: String,
        /// The id of the event answered.
        id: u64,
        /// The answer's arguments.
        data: Vec<Value>,
    },
    /// `4/<namespace>,<data>`: the server refuses a namespace (socket.io 2 sends the reason as a
    /// string, `"Invalid namespace"`; socket.io 3 and 4 an object with a `message`).
    ConnectError {
        /// The namespace, `/` for the root.
        namespace: String,
        /// Why.
        data: Value,
    },
}

const LAYER: &str = "socket.io";
const ROOT: &str = "/";

impl SocketPacket {
    /// A client's request to join `namespace`. Engine.IO 3's carries nothing; Engine.IO 4's an
    /// empty auth object, which socket.io 3 and 4 servers expect.
    pub fn connect(namespace: &str, version: Version) -> Self {
        SocketPacket::Connect {
            namespace: namespace.to_owned(),
            data: match version {
                Version::V3 => None,
                Version::V4 => Some(Value::Object(serde_json::Map::new())),
            },
        }
    }

    /// An event named `name` with one argument, as the engine sends its notifications.
    pub fn event(namespace: &str, name: &str, argument: Value) -> Self {
        SocketPacket::Event {
            namespace: namespace.to_owned(),
            id: None,
            data: vec![Value::String(name.to_owned()), argument],
        }
    }

    /// The text of an event packet whose one argument is already JSON text, kept as it is
    /// (with its key order): what a server sends for each notification.
    pub fn event_text(namespace: &str, name: &str, argument_json: &str) -> String {
        let name = Value::String(name.to_owned());
        match namespace {
            ROOT => format!("2[{name},{argument_json}]"),
            namespace => format!("2{namespace},[{name},{argument_json}]"),
        }
    }

    /// The namespace the packet belongs to.
    pub fn namespace(&self) -> &str {
        match self {
            SocketPacket::Connect { namespace, .. }
            | SocketPacket::Disconnect { namespace }
            | SocketPacket::Event { namespace, .. }
            | SocketPacket::Ack { namespace, .. }
            | SocketPacket::ConnectError { namespace, .. } => namespace,
        }
    }

    /// The text form of the packet, to be sent as an Engine.IO message.
    pub fn encode(&self) -> String {
        let (kind, id, data) = match self {
            SocketPacket::Connect { data, .. } => ('0', None, data.clone()),
            SocketPacket::Disconnect { .. } => ('1', None, None),
            SocketPacket::Event { id, data, .. } => ('2', *id, Some(Value::from(data.clone()))),
            SocketPacket::Ack { id, data, .. } => ('3', Some(*id), Some(Value::from(data.clone()))),
            SocketPacket::ConnectError { data, .. } => ('4', None, Some(data.clone())),
        };
        let mut text = String::from(kind);
        let namespace = self.namespace();
        if namespace != ROOT {
            text.push_str(namespace);
            text.push(',');
        }
        if let Some(id) = id {
            text.push_str(&id.to_string());
        }
        if let Some(data) = data {
            text.push_str(&data.to_string());
        }
        text
    }

    /// Reads a packet from the text of an Engine.IO message.
    pub fn decode(text: &str) -> Result<Self, PacketError> {
        let error = |reason| PacketError::new(LAYER, reason, text);
        let mut chars = text.chars();
        let kind = chars.next().ok_or_else(|| error("empty message"))?;
        let mut rest = chars.as_str();
        if matches!(kind, '5' | '6') {
            return Err(error("binary packets are not supported"));
        }
        let namespace = match rest.strip_prefix('/') {
            Some(_) => {
                let end = rest.find(',').unwrap_or(rest.len());
                let namespace = &rest[..end];
                rest = rest.get(end + 1..).unwrap_or_default();
                namespace.to_owned()
            }
            None => ROOT.to_owned(),
        };
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let id = match &rest[..digits] {
            "" => None,
            digits => Some(
                digits
                    .parse::<u64>()
                    .map_err(|_| error("an acknowledgement id out of range"))?,
            ),
        };
        let data = &rest[digits..];
        let json = || -> Result<Option<Value>, PacketError> {
            if data.is_empty() {
                return Ok(None);
            }
            serde_json::from_str(data)
                .map(Some)
                .map_err(|_| error("data that is not JSON"))
        };
        let array = || -> Result<Vec<Value>, PacketError> {
            match json()? {
                Some(Value::Array(items)) => Ok(items),
                _ => Err(error("event data that is not an array")),
            }
        };
        Ok(match kind {
            '0' => SocketPacket::Connect {
                namespace,
                data: json()?,
            },
            '1' => SocketPacket::Disconnect { namespace },
            '2' => SocketPacket::Event {
                namespace,
                id,
                data: array()?,
            },
            '3' => SocketPacket::Ack {
                namespace,
                id: id.ok_or_else(|| error("an acknowledgement without id"))?,
                data: array()?,
            },
            '4' => SocketPacket::ConnectError {
                namespace,
                data: json()?.unwrap_or(Value::Null),
            },
            _ => return Err(error("unknown packet type")),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_recorded_namespace_packets_read_and_write_back() {
        for text in ["0/consumer_api,", "1/management_api,", "0"] {
            assert_eq!(SocketPacket::decode(text).unwrap().encode(), text);
        }
        // socket.io 2 also takes a namespace without the comma.
        assert_eq!(
            SocketPacket::decode("0/consumer_api").unwrap(),
            SocketPacket::Connect {
                namespace: "/consumer_api".into(),
                data: None
            }
        );
        let refused = SocketPacket::decode(r#"4/nope,"Invalid namespace""#).unwrap();
        assert_eq!(
            refused,
            SocketPacket::ConnectError {
                namespace: "/nope".into(),
                data: json!("Invalid namespace")
            }
        );
        assert_eq!(refused.encode(), r#"4/nope,"Invalid namespace""#);
    }

    #[test]
    fn events_carry_name_and_arguments_with_an_optional_ack_id() {
        let text = r#"2/consumer_api,["process_ended",{"correlationId":"c"}]"#;
        let packet = SocketPacket::decode(text).unwrap();
        assert_eq!(
            packet,
            SocketPacket::event(
                "/consumer_api",
                "process_ended",
                json!({"correlationId": "c"})
            )
        );
        assert_eq!(packet.encode(), text);
        assert_eq!(
            SocketPacket::event_text("/consumer_api", "process_ended", r#"{"correlationId":"c"}"#),
            text
        );
        assert_eq!(SocketPacket::event_text("/", "x", "1"), r#"2["x",1]"#);
        let with_id = SocketPacket::decode(r#"2/consumer_api,1["hello"]"#).unwrap();
        assert!(matches!(with_id, SocketPacket::Event { id: Some(1), .. }));
        let root = SocketPacket::decode(r#"2["x",1]"#).unwrap();
        assert_eq!(root.namespace(), "/");
    }

    #[test]
    fn version_4_connects_carry_data() {
        let connect = SocketPacket::connect("/api", Version::V4);
        assert_eq!(connect.encode(), "0/api,{}");
        let answer = SocketPacket::decode(r#"0/api,{"sid":"abc"}"#).unwrap();
        assert!(matches!(
            answer,
            SocketPacket::Connect { data: Some(_), .. }
        ));
        assert_eq!(SocketPacket::connect("/", Version::V3).encode(), "0");
    }

    #[test]
    fn malformed_packets_are_errors() {
        for (text, reason) in [
            ("", "empty message"),
            ("9", "unknown packet type"),
            ("51-/x,[]", "binary packets are not supported"),
            ("2/x,{\"a\":1}", "event data that is not an array"),
            ("2/x,[", "data that is not JSON"),
            (
                "2/x,99999999999999999999999[]",
                "an acknowledgement id out of range",
            ),
            ("3/x,[]", "an acknowledgement without id"),
        ] {
            assert_eq!(
                SocketPacket::decode(text).unwrap_err().reason(),
                reason,
                "{text}"
            );
        }
    }
}
