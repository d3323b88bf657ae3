//! The bodies of the polling transport: several Engine.IO packets in one HTTP body.
//!
//! Engine.IO 3 prefixes each packet with its length and a colon (`2:40`), the length counted
//! as JavaScript counts a string's length (UTF-16 code units); Engine.IO 4 separates packets
//! with the record separator `\x1e`.

use super::{PacketError, Version};

/// The record separator between the packets of an Engine.IO 4 payload.
const SEPARATOR: char = '\u{1e}';

const LAYER: &str = "Engine.IO payload";

/// Joins encoded packets (`EnginePacket::encode`) into one body.
pub fn encode<S: AsRef<str>>(packets: &[S], version: Version) -> String {
    match version {
        Version::V3 => {
            let mut body = String::new();
            for packet in packets {
                let packet = packet.as_ref();
                body.push_str(&packet.encode_utf16().count().to_string());
                body.push(':');
                body.push_str(packet);
            }
            body
        }
        Version::V4 => packets
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(&SEPARATOR.to_string()),
    }
}

/// Splits a body into its encoded packets.
pub fn decode(body: &str, version: Version) -> Result<Vec<String>, PacketError> {
    match version {
        Version::V3 => decode_length_prefixed(body),
        Version::V4 => Ok(body.split(SEPARATOR).map(str::to_owned).collect()),
    }
}

fn decode_length_prefixed(body: &str) -> Result<Vec<String>, PacketError> {
    let error = |reason| PacketError::new(LAYER, reason, body);
    let mut packets = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let colon = rest
            .find(':')
            .ok_or_else(|| error("a packet without length"))?;
        let length: usize = rest[..colon]
            .parse()
            .map_err(|_| error("a length that is not a number"))?;
        rest = &rest[colon + 1..];
        // The length counts UTF-16 code units: walk the characters until that many are taken.
        let mut units = 0;
        let mut end = 0;
        for (index, c) in rest.char_indices() {
            if units == length {
                break;
            }
            units += c.len_utf16();
            end = index + c.len_utf8();
        }
        if units != length {
            return Err(error("a packet shorter than its length"));
        }
        packets.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    Ok(packets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_handshake_body_splits_into_its_two_packets() {
        let open = r#"0{"sid":"J9-_zJf2DfcLfrJNAAAG","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}"#;
        let body = format!("96:{open}2:40");
        assert_eq!(decode(&body, Version::V3).unwrap(), [open, "40"]);
        assert_eq!(encode(&[open, "40"], Version::V3), body);
    }

    #[test]
    fn lengths_count_utf16_code_units() {
        let packet = "42[\"é😀\"]";
        let body = encode(&[packet], Version::V3);
        assert!(body.starts_with("9:"), "{body}");
        assert_eq!(decode(&body, Version::V3).unwrap(), [packet]);
    }

    #[test]
    fn version_4_separates_with_the_record_separator() {
        let body = encode(&["2", "40"], Version::V4);
        assert_eq!(body, "2\u{1e}40");
        assert_eq!(decode(&body, Version::V4).unwrap(), ["2", "40"]);
    }

    #[test]
    fn broken_bodies_are_errors() {
        assert!(decode("5:40", Version::V3).is_err());
        assert!(decode("x:40", Version::V3).is_err());
        assert!(decode("40", Version::V3).is_err());
        assert_eq!(decode("", Version::V3).unwrap(), Vec::<String>::new());
    }
}
