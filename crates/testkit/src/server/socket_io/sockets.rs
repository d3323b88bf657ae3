//! Every open Engine.IO session, and what the engine's socket endpoints do with them
//! (`consumer_api_http` `consumer_api_socket_endpoint.js`, `management_api_http`
//! `endpoints/*/*_socket_endpoint.js`): which namespace a socket may join, and which sockets
//! each notification reaches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use process_engine_api_types::notifications::Name;
use process_engine_api_types::socket_io::{EnginePacket, SocketPacket};
use serde_json::Value;

use super::session::{Carrier, End, Namespace, Session, SocketAuth};
use crate::notify::{Hub, Notice};

/// Every open session, and the endpoints' per-user subscriptions.
#[derive(Debug, Default)]
pub(crate) struct Sockets {
    registry: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    sessions: HashMap<String, Arc<Session>>,
    /// The per-user subscriptions, in the order their sockets joined: the event aggregator
    /// calls its subscribers in that order.
    subscriptions: Vec<Subscription>,
    /// The endpoints' `_userSubscriptions[userId]`: the subscriptions of a user's latest
    /// connect, which replaces the entry of an earlier one and is what a disconnect of any of
    /// the user's sockets removes.
    latest: HashMap<(Namespace, String), Vec<u64>>,
    next_subscription: u64,
}

/// One socket's subscription to the per-user events of its user in one namespace.
#[derive(Debug)]
struct Subscription {
    id: u64,
    sid: String,
    namespace: Namespace,
    user_id: String,
}

impl Sockets {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        // Nothing panics while holding it; if something did, the sessions are still usable.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hears the engine's notices from now on.
    pub(crate) fn listen_to(self: &Arc<Self>, hub: &Hub) {
        let sockets = Arc::downgrade(self);
        hub.listen(Arc::new(move |notices: &[Arc<Notice>]| {
            if let Some(sockets) = sockets.upgrade() {
                sockets.deliver(notices);
            }
        }));
    }

    /// Opens a session: its `OPEN` packet and the root namespace's connect are the first
    /// packets queued.
    pub(super) fn open(&self, auth: SocketAuth, carrier: Carrier) -> Arc<Session> {
        let session = Arc::new(Session::new(new_sid(), auth, carrier));
        let upgrades = match carrier {
            Carrier::Polling => vec!["websocket".to_owned()],
            Carrier::Upgrading | Carrier::Websocket => Vec::new(),
        };
        let handshake = process_engine_api_types::socket_io::Handshake::new(
            session.sid.clone(),
            millis(super::session::PING_INTERVAL),
            millis(super::session::PING_TIMEOUT),
        )
        .with_upgrades(upgrades);
        // socket.io 2 connects every client to the root namespace unasked.
        session.queue([
            EnginePacket::Open(handshake).encode(),
            message(&SocketPacket::Connect {
                namespace: "/".to_owned(),
                data: None,
            }),
        ]);
        self.registry()
            .sessions
            .insert(session.sid.clone(), Arc::clone(&session));
        session
    }

    /// Closes the session once the client has not been heard from for the ping interval and
    /// timeout (engine.io's `setPingTimeout`).
    pub(super) fn watch_heartbeat(self: &Arc<Self>, session: &Arc<Session>) {
        let sockets = Arc::downgrade(self);
        let session = Arc::clone(session);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(session.deadline()) => {
                        if session.deadline() > tokio::time::Instant::now() {
                            continue;
                        }
                        match sockets.upgrade() {
                            Some(sockets) => sockets.close(&session, End::Closed),
                            None => session.end(End::Killed),
                        }
                        return;
                    }
                    _ = session.ended() => return,
                }
            }
        });
    }

    /// How many sessions are open.
    pub(crate) fn count(&self) -> usize {
        self.registry().sessions.len()
    }

    pub(super) fn get(&self, sid: &str) -> Option<Arc<Session>> {
        self.registry().sessions.get(sid).cloned()
    }

    /// Ends a session: its namespaces' disconnect handlers run, and it is forgotten.
    pub(super) fn close(&self, session: &Session, why: End) {
        let mut registry = self.registry();
        if registry.sessions.remove(&session.sid).is_some() {
            for namespace in session.namespaces() {
                registry.disconnected(session, namespace);
            }
            registry.subscriptions.retain(|s| s.sid != session.sid);
        }
        drop(registry);
        session.end(why);
    }

    /// The engine went down: every session drops, without a close frame, and is forgotten.
    pub(crate) fn drop_all(&self) {
        let sessions: Vec<Arc<Session>> = {
            let mut registry = self.registry();
            let sessions = registry.sessions.drain().map(|(_, s)| s).collect();
            *registry = Registry::default();
            sessions
        };
        for session in sessions {
            session.end(End::Killed);
        }
    }

    /// Handles one packet the client sent; the transport that carried it says whether a close
    /// packet counts (over a websocket, engine.io ignores it).
    pub(super) fn on_packet(&self, session: &Session, text: &str) {
        session.heard();
        match EnginePacket::decode(text) {
            // engine.io closes a connection on a frame that is no packet ("parse error").
            Err(_) => self.close(session, End::Closed),
            // A ping is answered without its data (engine.io 3.3.2 `Socket.onPacket`).
            Ok(EnginePacket::Ping(_)) => self.send(session, [EnginePacket::Pong(None).encode()]),
            Ok(EnginePacket::Close) if session.carrier() != Carrier::Websocket => {
                self.close(session, End::Closed);
            }
            Ok(EnginePacket::Message(text)) => self.on_message(session, &text),
            Ok(_) => {}
        }
    }

    fn send(&self, session: &Session, packets: impl IntoIterator<Item = String>) {
        if !session.queue(packets) {
            tracing::warn!(sid = session.sid, "a socket reads too little; dropping it");
            self.close(session, End::Closed);
        }
    }

    /// A socket.io packet: namespace connects and disconnects. Events and acknowledgements
    /// from clients are not listened to; a packet that does not decode is logged by socket.io
    /// and otherwise ignored.
    fn on_message(&self, session: &Session, text: &str) {
        match SocketPacket::decode(text) {
            Ok(SocketPacket::Connect { namespace, .. }) => self.connect(session, &namespace),
            Ok(SocketPacket::Disconnect { namespace }) => {
                if let Some(namespace) = Namespace::from_path(&namespace) {
                    if session.leave(namespace) {
                        self.registry().disconnected(session, namespace);
                    }
                }
            }
            Ok(_) | Err(_) => {}
        }
    }

    /// A namespace connect: socket.io answers it before the endpoint looks at the token.
    fn connect(&self, session: &Session, path: &str) {
        if path == "/" {
            return self.send(
                session,
                [message(&SocketPacket::Connect {
                    namespace: path.to_owned(),
                    data: None,
                })],
            );
        }
        let Some(namespace) = Namespace::from_path(path) else {
            return self.send(
                session,
                [message(&SocketPacket::ConnectError {
                    namespace: path.to_owned(),
                    data: Value::String("Invalid namespace".to_owned()),
                })],
            );
        };
        let mut answers = vec![message(&SocketPacket::Connect {
            namespace: path.to_owned(),
            data: None,
        })];
        match (&session.auth, namespace) {
            // The management endpoints disconnect a socket without token before they throw.
            (SocketAuth::Missing, Namespace::Management) => {
                answers.push(message(&SocketPacket::Disconnect {
                    namespace: path.to_owned(),
                }));
            }
            // The consumer endpoint's `socket.emit('error')` throws before its disconnect:
            // the socket stays, for the global events.
            (SocketAuth::Missing | SocketAuth::Unresolved, _) => session.join(namespace),
            (SocketAuth::User(user_id), _) => {
                session.join(namespace);
                self.registry().subscribe(session, namespace, user_id);
            }
        }
        self.send(session, answers);
    }

    /// Queues each notice's frames for the sockets it reaches: per socket, the global events
    /// of its namespaces, then its per-user events in the order it subscribed.
    fn deliver(&self, notices: &[Arc<Notice>]) {
        let registry = self.registry();
        if registry.sessions.is_empty() {
            return;
        }
        let mut frames: HashMap<&str, Vec<String>> = HashMap::new();
        for notice in notices {
            let wire = Frames::of(notice);
            for session in registry.sessions.values() {
                for namespace in session.namespaces_in_order() {
                    frames
                        .entry(&session.sid)
                        .or_default()
                        .extend(wire.global(namespace));
                }
            }
            if notice.kind.has_user_channel() {
                for subscription in &registry.subscriptions {
                    if subscription.user_id == notice.owner.user_id {
                        frames
                            .entry(&subscription.sid)
                            .or_default()
                            .push(wire.per_user(subscription.namespace));
                    }
                }
            }
        }
        let targets: Vec<(Arc<Session>, Vec<String>)> = frames
            .into_iter()
            .filter_map(|(sid, frames)| Some((Arc::clone(registry.sessions.get(sid)?), frames)))
            .collect();
        drop(registry);
        for (session, frames) in targets {
            self.send(&session, frames);
        }
    }
}

impl Registry {
    /// The endpoint's `_createUserScopeNotifications`: a subscription for this socket, and the
    /// user's entry now names it alone.
    fn subscribe(&mut self, session: &Session, namespace: Namespace, user_id: &str) {
        self.next_subscription += 1;
        let id = self.next_subscription;
        self.subscriptions.push(Subscription {
            id,
            sid: session.sid.clone(),
            namespace,
            user_id: user_id.to_owned(),
        });
        self.latest
            .insert((namespace, user_id.to_owned()), vec![id]);
    }

    /// The endpoint's disconnect handler, `_clearUserScopeNotifications`: removes the
    /// subscriptions of the user's latest connect, whichever socket that was. A user's second
    /// socket so loses its per-user events when the first one disconnects.
    fn disconnected(&mut self, session: &Session, namespace: Namespace) {
        let SocketAuth::User(user_id) = &session.auth else {
            return;
        };
        if let Some(ids) = self.latest.remove(&(namespace, user_id.clone())) {
            self.subscriptions.retain(|s| !ids.contains(&s.id));
        }
    }
}

impl Session {
    fn namespaces_in_order(&self) -> impl Iterator<Item = Namespace> + '_ {
        Namespace::ALL.into_iter().filter(|ns| self.joined(*ns))
    }
}

/// The frames of one notice, as every socket that gets them gets them.
struct Frames<'a> {
    notice: &'a Notice,
}

impl<'a> Frames<'a> {
    fn of(notice: &'a Notice) -> Self {
        Frames { notice }
    }

    /// The global event, and for `process_started` its repeat named after the process model.
    fn global(&self, namespace: Namespace) -> Vec<String> {
        let payload = self.notice.global_json();
        let mut names = vec![Name::global(self.notice.kind)];
        if self.notice.kind == process_engine_api_types::notifications::Kind::ProcessStarted {
            names.push(Name::process_model_started(&self.notice.process_model_id));
        }
        names
            .iter()
            .map(|name| event(namespace, &name.to_wire(), payload))
            .collect()
    }

    /// The per-user event, named `<event>/<userId>/user_id` as 8.0.0 names it.
    fn per_user(&self, namespace: Namespace) -> String {
        let name = Name::user(self.notice.kind, &self.notice.owner.user_id);
        event(namespace, &name.to_wire(), self.notice.user_json())
    }
}

fn event(namespace: Namespace, name: &str, payload: &str) -> String {
    EnginePacket::Message(SocketPacket::event_text(namespace.path(), name, payload)).encode()
}

fn message(packet: &SocketPacket) -> String {
    EnginePacket::Message(packet.encode()).encode()
}

/// A session id as engine.io's `base64id` makes them: 15 random bytes, 20 characters.
fn new_sid() -> String {
    let random = uuid::Uuid::new_v4();
    URL_SAFE_NO_PAD.encode(&random.as_bytes()[..15])
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use process_engine_api_types::notifications::Kind;

    use super::*;
    use crate::auth::Identity;

    fn user(id: &str) -> SocketAuth {
        SocketAuth::User(id.to_owned())
    }

    fn connected(sockets: &Sockets, auth: SocketAuth, namespaces: &[&str]) -> Arc<Session> {
        let session = sockets.open(auth, Carrier::Websocket);
        for ns in namespaces {
            sockets.on_packet(&session, &format!("40{ns},"));
        }
        session.take_queued();
        session
    }

    fn waiting_for(owner: &str) -> Arc<Notice> {
        Arc::new(Notice::for_test(
            Kind::UserTaskWaiting,
            Identity {
                token: "t".into(),
                user_id: owner.into(),
            },
        ))
    }

    fn names(session: &Session) -> Vec<String> {
        session
            .take_queued()
            .iter()
            .map(|frame| {
                frame
                    .split('[')
                    .nth(1)
                    .unwrap_or_default()
                    .split(',')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn a_socket_gets_global_events_per_namespace_then_its_per_user_ones() {
        let sockets = Sockets::default();
        let alice = connected(
            &sockets,
            user("alice"),
            &["/consumer_api", "/management_api"],
        );
        sockets.deliver(&[waiting_for("alice")]);
        let frames = alice.take_queued();
        assert_eq!(frames.len(), 4, "{frames:?}");
        assert!(frames[0].starts_with(r#"42/consumer_api,["user_task_waiting",{"#));
        assert!(frames[1].starts_with(r#"42/management_api,["user_task_waiting",{"#));
        assert!(frames[2].starts_with(r#"42/consumer_api,["user_task_waiting/alice/user_id",{"#));
        assert!(frames[3].starts_with(r#"42/management_api,["user_task_waiting/alice/user_id",{"#));
        assert!(!frames[2].contains("processInstanceOwner"));
    }

    #[test]
    fn without_token_the_management_namespace_drops_the_socket_and_only_global_events_come() {
        let sockets = Sockets::default();
        let anonymous = sockets.open(SocketAuth::Missing, Carrier::Websocket);
        anonymous.take_queued();
        sockets.on_packet(&anonymous, "40/consumer_api,");
        sockets.on_packet(&anonymous, "40/management_api,");
        sockets.on_packet(&anonymous, "40/nope,");
        assert_eq!(
            anonymous.take_queued(),
            [
                "40/consumer_api,",
                "40/management_api,",
                "41/management_api,",
                r#"44/nope,"Invalid namespace""#
            ]
        );
        sockets.deliver(&[waiting_for("alice")]);
        assert_eq!(names(&anonymous), [r#""user_task_waiting""#]);
    }

    #[test]
    fn the_first_of_two_sockets_of_a_user_takes_the_seconds_per_user_events_along() {
        let sockets = Sockets::default();
        let first = connected(&sockets, user("u"), &["/consumer_api"]);
        let second = connected(&sockets, user("u"), &["/consumer_api"]);
        sockets.deliver(&[waiting_for("u")]);
        assert_eq!(names(&second).len(), 2);
        sockets.close(&first, End::Closed);
        sockets.deliver(&[waiting_for("u")]);
        assert_eq!(names(&second), [r#""user_task_waiting""#]);
    }

    #[test]
    fn pings_are_answered_and_a_frame_that_is_no_packet_closes_the_session() {
        let sockets = Sockets::default();
        let session = connected(&sockets, user("u"), &[]);
        sockets.on_packet(&session, "2");
        sockets.on_packet(&session, "1");
        assert_eq!(session.take_queued(), ["3"]);
        assert!(
            !session.is_ended(),
            "a close packet over a websocket is ignored"
        );
        sockets.on_packet(&session, "hello");
        assert!(session.is_ended());
        assert!(sockets.get(&session.sid).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_not_heard_from_for_30_seconds_is_dropped() {
        let sockets = Arc::new(Sockets::default());
        let session = connected(&sockets, user("u"), &["/consumer_api"]);
        sockets.watch_heartbeat(&session);
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!session.is_ended());
        sockets.on_packet(&session, "2");
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!session.is_ended(), "a ping restarts the timer");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(session.ended().await, End::Closed);
        assert_eq!(sockets.count(), 0);
    }

    #[test]
    fn session_ids_look_like_engine_ios() {
        let sid = new_sid();
        assert_eq!(sid.len(), 20);
        assert_ne!(sid, new_sid());
    }
}
