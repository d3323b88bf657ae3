//! One Engine.IO connection (engine.io 3.3.2 `lib/socket.js`): who opened it, the namespaces it
//! joined, the packets waiting for its transport, and when the client was last heard.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::auth::{self, AuthFailure};

/// How often the client must ping, and how long past that the server waits for it: the
/// engine.io defaults, which the runtime does not change.
pub(super) const PING_INTERVAL: Duration = Duration::from_millis(25_000);
/// See [`PING_INTERVAL`].
pub(super) const PING_TIMEOUT: Duration = Duration::from_millis(5_000);

/// How many packets may wait for a client that does not read before the session is dropped:
/// the real engine buffers without bound; the stand-in must not.
const MAX_QUEUED: usize = 100_000;

/// The socket.io namespaces the engine serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Namespace {
    Consumer,
    Management,
}

impl Namespace {
    /// In the order the engine registered their endpoints, which is the order of their global
    /// events within one step.
    pub(super) const ALL: [Namespace; 2] = [Namespace::Consumer, Namespace::Management];

    pub(super) fn path(self) -> &'static str {
        use process_engine_api_types::notifications::{CONSUMER_NAMESPACE, MANAGEMENT_NAMESPACE};
        match self {
            Namespace::Consumer => CONSUMER_NAMESPACE,
            Namespace::Management => MANAGEMENT_NAMESPACE,
        }
    }

    pub(super) fn from_path(path: &str) -> Option<Namespace> {
        Namespace::ALL.into_iter().find(|ns| ns.path() == path)
    }
}

/// Who opened the connection, from the `Authorization` header of its first request, taken as
/// it is (the endpoints read `socket.handshake.headers.authorization`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SocketAuth {
    /// No header: the consumer namespace still takes the socket; the management one drops it.
    Missing,
    /// A user id: the socket gets that user's per-user events.
    User(String),
    /// A header the identity service cannot resolve (`garbage`, `Bearer <token>`): connected,
    /// global events only.
    Unresolved,
}

impl SocketAuth {
    pub(super) fn from_header(header: Option<&http::HeaderValue>) -> SocketAuth {
        let Some(header) = header else {
            return SocketAuth::Missing;
        };
        let Ok(token) = header.to_str() else {
            return SocketAuth::Unresolved;
        };
        match auth::identify_token(token.to_owned()) {
            Ok(identity) if !identity.user_id.is_empty() => SocketAuth::User(identity.user_id),
            Ok(_) | Err(AuthFailure::Undecodable | AuthFailure::Missing) => SocketAuth::Unresolved,
        }
    }
}

/// What carries the connection's packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Carrier {
    /// HTTP long polling.
    Polling,
    /// Polling, while a websocket probes to take over.
    Upgrading,
    /// A websocket.
    Websocket,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// The server closed it: the client stopped pinging, sent what is no packet, closed it.
    Closed,
    /// The engine went down: connections drop without a close frame.
    Killed,
}

/// One Engine.IO session.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) sid: String,
    pub(super) auth: SocketAuth,
    state: Mutex<State>,
    /// Packets were queued, or a noop asked for: wakes the one transport that sends them.
    queued: Notify,
    ended: watch::Sender<Option<End>>,
}

#[derive(Debug)]
struct State {
    queue: VecDeque<String>,
    carrier: Carrier,
    /// The namespaces joined, each once.
    namespaces: Vec<Namespace>,
    /// A polling `GET` is waiting for packets.
    poll_held: bool,
    /// The waiting `GET` is to be answered with a noop (an upgrade is under way).
    noop: bool,
    last_heard: Instant,
}

/// What a waiting polling `GET` answers.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PollAnswer {
    Packets(Vec<String>),
    Noop,
    Closed,
}

impl Session {
    pub(super) fn new(sid: String, auth: SocketAuth, carrier: Carrier) -> Session {
        Session {
            sid,
            auth,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                carrier,
                namespaces: Vec::new(),
                poll_held: false,
                noop: false,
                last_heard: Instant::now(),
            }),
            queued: Notify::new(),
            ended: watch::channel(None).0,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding it; if something did, the state is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues packets for the client; `false` when the client reads so little that the session
    /// must end.
    pub(super) fn queue(&self, packets: impl IntoIterator<Item = String>) -> bool {
        let mut state = self.state();
        state.queue.extend(packets);
        let within = state.queue.len() <= MAX_QUEUED;
        drop(state);
        self.queued.notify_one();
        within
    }

    /// Takes every queued packet.
    pub(super) fn take_queued(&self) -> Vec<String> {
        self.state().queue.drain(..).collect()
    }

    /// Waits until packets are queued (or a noop is asked for); returns at once when some are.
    pub(super) async fn wait_queued(&self) {
        self.queued.notified().await;
    }

    /// The client sent something: the heartbeat's timer starts again.
    pub(super) fn heard(&self) {
        self.state().last_heard = Instant::now();
    }

    /// When the session times out unless the client is heard from before.
    pub(super) fn deadline(&self) -> Instant {
        self.state().last_heard + PING_INTERVAL + PING_TIMEOUT
    }

    pub(super) fn carrier(&self) -> Carrier {
        self.state().carrier
    }

    pub(super) fn set_carrier(&self, carrier: Carrier) {
        self.state().carrier = carrier;
        self.queued.notify_one();
    }

    pub(super) fn joined(&self, namespace: Namespace) -> bool {
        self.state().namespaces.contains(&namespace)
    }

    pub(super) fn join(&self, namespace: Namespace) {
        let mut state = self.state();
        if !state.namespaces.contains(&namespace) {
            state.namespaces.push(namespace);
        }
    }

    /// Leaves a namespace; whether it was joined.
    pub(super) fn leave(&self, namespace: Namespace) -> bool {
        let mut state = self.state();
        let before = state.namespaces.len();
        state.namespaces.retain(|ns| *ns != namespace);
        state.namespaces.len() != before
    }

    pub(super) fn namespaces(&self) -> Vec<Namespace> {
        self.state().namespaces.clone()
    }

    /// Asks a waiting polling `GET` to answer a noop, so that the client sends its upgrade.
    pub(super) fn ask_noop(&self) {
        let mut state = self.state();
        if state.poll_held {
            state.noop = true;
            drop(state);
            self.queued.notify_one();
        }
    }

    /// Marks a polling `GET` as waiting; `false` when one already waits (engine.io: "overlap
    /// from client").
    pub(super) fn hold_poll(&self) -> bool {
        let mut state = self.state();
        !std::mem::replace(&mut state.poll_held, true)
    }

    /// What a polling `GET` answers now, if anything: everything queued when it came, but only
    /// the first packet when it had to wait. engine.io writes to a waiting `GET` as soon as
    /// one packet is sent, and buffers the packets sent with it for the next `GET`.
    pub(super) fn poll_answer(&self, waited: bool) -> Option<PollAnswer> {
        let mut state = self.state();
        let answer = if self.is_ended() {
            PollAnswer::Closed
        } else if std::mem::take(&mut state.noop) {
            PollAnswer::Noop
        } else if !state.queue.is_empty() && state.carrier != Carrier::Websocket {
            let take = if waited { 1 } else { state.queue.len() };
            PollAnswer::Packets(state.queue.drain(..take).collect())
        } else {
            return None;
        };
        state.poll_held = false;
        Some(answer)
    }

    /// The polling `GET` went away unanswered.
    pub(super) fn release_poll(&self) {
        let mut state = self.state();
        state.poll_held = false;
        state.noop = false;
    }

    pub(super) fn end(&self, why: End) {
        self.ended.send_if_modified(|ended| {
            let first = ended.is_none();
            if first {
                *ended = Some(why);
            }
            first
        });
        self.queued.notify_one();
    }

    pub(super) fn is_ended(&self) -> bool {
        self.ended.borrow().is_some()
    }

    /// Resolves once the session ended, with why.
    pub(super) async fn ended(&self) -> End {
        let mut ended = self.ended.subscribe();
        loop {
            if let Some(why) = *ended.borrow_and_update() {
                return why;
            }
            if ended.changed().await.is_err() {
                return End::Killed;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_identity_is_the_header_as_it_is() {
        let header = |text: &'static str| http::HeaderValue::from_static(text);
        assert_eq!(SocketAuth::from_header(None), SocketAuth::Missing);
        assert_eq!(
            SocketAuth::from_header(Some(&header("ZHVtbXlfdG9rZW4="))),
            SocketAuth::User("dummy_token".into())
        );
        // With the scheme it is no token the identity service knows.
        for unresolved in ["Bearer ZHVtbXlfdG9rZW4=", "garbage", ""] {
            assert_eq!(
                SocketAuth::from_header(Some(&header(unresolved))),
                SocketAuth::Unresolved,
                "{unresolved}"
            );
        }
    }

    #[tokio::test]
    async fn a_held_poll_answers_packets_a_noop_or_the_close() {
        let session = Session::new("s".into(), SocketAuth::Missing, Carrier::Polling);
        assert!(session.hold_poll());
        assert!(!session.hold_poll(), "a second GET overlaps");
        assert_eq!(session.poll_answer(false), None);
        session.queue(["40".to_owned(), "3".to_owned()]);
        assert_eq!(
            session.poll_answer(true),
            Some(PollAnswer::Packets(vec!["40".into()])),
            "a GET that waited gets the first packet"
        );
        assert!(session.hold_poll());
        session.queue(["6".to_owned()]);
        assert_eq!(
            session.poll_answer(false),
            Some(PollAnswer::Packets(vec!["3".into(), "6".into()])),
            "a GET that finds packets gets them all"
        );
        assert!(session.hold_poll());
        session.ask_noop();
        assert_eq!(session.poll_answer(true), Some(PollAnswer::Noop));
        session.end(End::Closed);
        assert_eq!(session.poll_answer(false), Some(PollAnswer::Closed));
        assert_eq!(session.ended().await, End::Closed);
    }
}
