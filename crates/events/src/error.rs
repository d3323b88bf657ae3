//! Why a stream could not be opened, or what went wrong while it ran.

use std::fmt;
use std::time::Duration;

use process_engine_transport::Error as TransportError;
use tokio_tungstenite::tungstenite;

/// Why subscribing failed, or a failure while the stream runs.
///
/// [`Events::subscribe`](crate::Events::subscribe) fails with it when the first connection
/// cannot be made. Once a stream runs, its errors are items of the stream and not fatal: a
/// failed reconnect (the stream keeps trying, with backoff), an event whose payload does not
/// fit. The stream only ends when it is dropped.
///
/// The message names what failed and the socket's URL; the cause is in
/// [`source()`](std::error::Error::source).
pub struct EventsError {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    url: String,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Kind {
    #[error("could not open the engine's notification socket")]
    Connect(#[source] TransportError),
    #[error("could not get the identity to connect as")]
    Identity(#[source] TransportError),
    #[error("the engine does not speak socket.io over Engine.IO {version} here: {what}")]
    Protocol { version: &'static str, what: String },
    #[error("the engine refused the namespace {namespace}: {reason}")]
    Refused { namespace: String, reason: String },
    #[error("the notification socket broke off")]
    Websocket(#[source] tungstenite::Error),
    #[error("the engine did not complete the socket.io handshake within {0:?}")]
    HandshakeTimeout(Duration),
    #[error("the payload of the event `{name}` does not fit a notification")]
    Decode {
        name: String,
        #[source]
        source: process_engine_api_types::PayloadError,
    },
    #[error(
        "the stream is to yield only its own user's events, but its identity names no user \
         (neither the development token nor a JWT with `sub`, and no user id)"
    )]
    NoUserId,
    #[error("the token is not a valid header value")]
    InvalidToken,
    #[error("the stream's task ended")]
    Stopped,
    #[error("could not read the engine's state")]
    Read(#[source] TransportError),
    #[error("waited {after:?} for {what} in vain")]
    WaitTimeout { what: String, after: Duration },
}

impl EventsError {
    pub(crate) fn new(kind: Kind, url: &str) -> Self {
        EventsError {
            inner: Box::new(Inner {
                kind,
                url: url.to_owned(),
            }),
        }
    }

    /// The URL of the notification socket (`http://host:56000/socket.io/`).
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// No connection could be made, or it was made and the handshake did not complete in
    /// time: the engine is down, unreachable, or not at this URL.
    pub fn is_connect(&self) -> bool {
        match &self.inner.kind {
            Kind::Connect(error) => error.is_connect() || error.is_timeout(),
            Kind::HandshakeTimeout(_) => true,
            _ => false,
        }
    }

    /// The identity could not be had (the token source failed), or the engine refused it.
    pub fn is_auth(&self) -> bool {
        match &self.inner.kind {
            Kind::Identity(_) => true,
            Kind::Connect(error) => matches!(error.status(), Some(401 | 403)),
            Kind::NoUserId | Kind::InvalidToken => true,
            _ => false,
        }
    }

    /// The engine answered, but not as a ProcessEngine's socket.io endpoint does: another
    /// server at this URL, another protocol revision, a namespace it does not serve.
    pub fn is_protocol(&self) -> bool {
        matches!(
            self.inner.kind,
            Kind::Protocol { .. } | Kind::Refused { .. }
        ) || matches!(&self.inner.kind, Kind::Connect(error) if error.is_status() && !self.is_auth())
    }

    /// A wait ([`Events::wait_for_end`](crate::Events::wait_for_end), ...) ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner.kind, Kind::WaitTimeout { .. })
    }

    /// An event's payload did not fit its kind; the stream goes on.
    pub fn is_decode(&self) -> bool {
        matches!(self.inner.kind, Kind::Decode { .. })
    }

    /// The transport's error, when the websocket could not be opened (its status and the
    /// engine's message for a refused upgrade), or a wait's read failed.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match &self.inner.kind {
            Kind::Connect(error) | Kind::Identity(error) | Kind::Read(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for EventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.inner.kind, self.inner.url)?;
        // What to check, where it is not plain from the message.
        match &self.inner.kind {
            Kind::Connect(_) if self.is_connect() => {
                f.write_str("; is the engine running at this URL?")
            }
            Kind::Protocol { .. } => {
                f.write_str("; is this a ProcessEngine, and the protocol version the right one?")
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for EventsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsError")
            .field("kind", &self.inner.kind)
            .field("url", &self.inner.url)
            .finish()
    }
}

impl std::error::Error for EventsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.inner.kind)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn the_message_names_the_url_and_the_cause_is_the_source() {
        let cause = process_engine_api_types::payload::payload_as::<
            process_engine_api_types::notifications::Notification,
        >(Some(&serde_json::json!({"correlationId": 1})))
        .unwrap_err();
        let error = EventsError::new(
            Kind::Decode {
                name: "process_ended".into(),
                source: cause,
            },
            "http://engine/socket.io/",
        );
        assert_eq!(
            error.to_string(),
            "the payload of the event `process_ended` does not fit a notification \
             (http://engine/socket.io/)"
        );
        assert!(
            error
                .source()
                .unwrap()
                .to_string()
                .contains("correlationId"),
            "{:?}",
            error.source()
        );
        assert!(error.is_decode() && !error.is_connect() && error.source().is_some());
        let refused = EventsError::new(
            Kind::Refused {
                namespace: "/nope".into(),
                reason: "Invalid namespace".into(),
            },
            "u",
        );
        assert!(refused.is_protocol());
        assert!(EventsError::new(Kind::NoUserId, "u").is_auth());
        assert!(EventsError::new(Kind::HandshakeTimeout(Duration::from_secs(1)), "u").is_connect());
    }

    #[test]
    fn errors_can_cross_threads() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<EventsError>();
    }
}
