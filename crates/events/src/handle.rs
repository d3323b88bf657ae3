//! The handle streams are subscribed through.

use std::time::Duration;

use process_engine_api_types::notifications::{CONSUMER_NAMESPACE, PATH};
use process_engine_api_types::socket_io::Version;
use process_engine_transport::Client;
use tokio::sync::{mpsc, oneshot};

use crate::connection::Plan;
use crate::error::Kind;
use crate::outbox::Outbox;
use crate::reconnect::{self, Waits};
use crate::wait::WaitSettings;
use crate::{EventFilter, EventStream, EventsError};

/// The namespace of the engine generation that speaks Engine.IO 4.
const V4_NAMESPACE: &str = "/api";

/// The engine's events, on the transport [`Client`] the rest of the library uses: its base
/// URL, its TLS configuration and connect timeout, its identity or token source.
///
/// Cheap to clone. See the [crate documentation](crate) for an example.
#[derive(Debug, Clone)]
#[must_use = "a handle does nothing until a stream is subscribed"]
pub struct Events {
    client: Client,
    version: Version,
    buffer: usize,
    waits: Waits,
    handshake_timeout: Duration,
    wait_settings: WaitSettings,
}

impl Events {
    /// The events of the engine `client` calls: socket.io 2 over Engine.IO 3 (ProcessEngine
    /// 8.0.0), a buffer of 1,024 events per stream, reconnects after 0.1 s to 30 s.
    pub fn new(client: Client) -> Self {
        Events {
            client,
            version: Version::V3,
            buffer: 1024,
            waits: Waits {
                first: Duration::from_millis(100),
                max: Duration::from_secs(30),
            },
            handshake_timeout: Duration::from_secs(10),
            wait_settings: WaitSettings::default(),
        }
    }

    /// The protocol revision: [`Version::V3`] (the default) for ProcessEngine 8.0.0, on the
    /// namespace `/consumer_api`; [`Version::V4`] for the engine generation that speaks
    /// Engine.IO 4, on the namespace `/api`.
    pub fn protocol(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// How many events a stream holds for a consumer that does not keep up (default 1,024, at
    /// least 1). When the buffer is full, newer events are dropped and counted, the connection
    /// keeps reading (so its heartbeat goes on and the engine buffers nothing), and once there
    /// is room the stream yields one [`Missed`](crate::Missed) item with the count before
    /// anything newer: memory stays bounded, and the consumer learns that it must re-read.
    pub fn buffer(mut self, events: usize) -> Self {
        self.buffer = events.max(1);
        self
    }

    /// The wait before the first reconnect attempt after a connection was lost, and the longest
    /// wait: each failed attempt doubles it, each wait is random below it (full jitter), and a
    /// successful connect starts over. Defaults: 100 ms and 30 s.
    pub fn reconnect_waits(mut self, first: Duration, max: Duration) -> Self {
        self.waits = Waits { first, max };
        self
    }

    /// How long the engine may take to open the socket.io session and join the namespace,
    /// once the websocket is open (default 10 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How long [`wait_for_user_task`](Self::wait_for_user_task) and
    /// [`wait_for_end`](Self::wait_for_end) wait at most (default 300 s).
    pub fn wait_timeout(mut self, timeout: Duration) -> Self {
        self.wait_settings.timeout = timeout;
        self
    }

    /// How often the waits read the state again over HTTP while no event comes (default 5 s):
    /// the most an event that never comes (a failed instance) or was missed (a reconnect)
    /// delays a wait.
    pub fn reread_every(mut self, interval: Duration) -> Self {
        self.wait_settings.reread_every = interval.max(Duration::from_millis(1));
        self
    }

    pub(crate) fn waits(&self) -> WaitSettings {
        self.wait_settings
    }

    /// The URL of the engine's notification socket (`http://host:56000/socket.io/`).
    pub fn url(&self) -> String {
        format!("{}{PATH}", self.client.base_url().trim_end_matches('/'))
    }

    /// Connects and returns a stream of the events `filter` lets through.
    ///
    /// It returns once the engine confirmed the namespace: every event the engine sends from
    /// then on reaches the stream, so subscribe before starting the instance whose events you
    /// want. Fails when that first connection cannot be made (the engine is down, refuses the
    /// upgrade or the namespace, the token source fails); later losses are reconnected.
    ///
    /// Needs a tokio runtime: the connection runs on a task of its own.
    pub async fn subscribe(&self, filter: EventFilter) -> Result<EventStream, EventsError> {
        let url = self.url();
        let plan = Plan {
            client: self.client.clone(),
            version: self.version,
            namespace: match self.version {
                Version::V3 => CONSUMER_NAMESPACE.to_owned(),
                _ => V4_NAMESPACE.to_owned(),
            },
            handshake_timeout: self.handshake_timeout,
            filter,
            url: url.clone(),
        };
        let (items, received) = mpsc::channel(self.buffer);
        let (connected, outcome) = oneshot::channel();
        let task = tokio::spawn(reconnect::run(
            plan,
            self.waits,
            Outbox::new(items),
            connected,
        ));
        match outcome.await {
            Ok(Ok(())) => Ok(EventStream::new(received, task)),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(EventsError::new(Kind::Stopped, &url)),
        }
    }

    /// The transport client the events come through.
    pub fn client(&self) -> &Client {
        &self.client
    }
}
