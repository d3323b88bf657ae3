//! Which events a stream yields.

use std::collections::BTreeSet;

use process_engine_api_types::notifications::Kind;

use crate::EngineEvent;

/// Which events a stream yields; by default all of them.
///
/// Criteria add up: an event passes when it matches every one that is set. They are applied
/// before the stream's buffer, so what a filter drops takes no room there.
///
/// Events of a kind this library does not know ([`EngineEvent::Unknown`]) pass the kind
/// criterion, since nothing can be said about their kind, and the others when their payload
/// names the fields; [`EngineEvent::Missed`] always passes.
///
/// ```
/// use process_engine_events::{EventFilter, Kind};
///
/// let filter = EventFilter::all()
///     .kind(Kind::UserTaskWaiting)
///     .kind(Kind::ProcessEnded)
///     .process_model("order_process")
///     .mine();
/// # let _ = filter;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a filter does nothing until it is subscribed with"]
pub struct EventFilter {
    kinds: BTreeSet<Kind>,
    process_model: Option<String>,
    correlation: Option<String>,
    process_instance: Option<String>,
    mine: bool,
}

impl EventFilter {
    /// Every event.
    pub fn all() -> Self {
        EventFilter::default()
    }

    /// Events of `kind` too; once a kind is named, events of other known kinds no longer pass.
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kinds.insert(kind);
        self
    }

    /// Events of these kinds only (added to those named before).
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = Kind>) -> Self {
        self.kinds.extend(kinds);
        self
    }

    /// Events of instances of this process model only. A called model's instances and an
    /// embedded sub-process (whose model id is its node id) have ids of their own.
    pub fn process_model(mut self, process_model_id: impl Into<String>) -> Self {
        self.process_model = Some(process_model_id.into());
        self
    }

    /// Events of instances in this correlation only (called models and sub-processes share
    /// their parent's).
    pub fn correlation(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation = Some(correlation_id.into());
        self
    }

    /// Events of this process instance only.
    pub fn process_instance(mut self, process_instance_id: impl Into<String>) -> Self {
        self.process_instance = Some(process_instance_id.into());
        self
    }

    /// Events of instances started by the stream's own identity only: the user id the engine
    /// reads from its token (the development token's, a JWT's `sub`), or else the identity's
    /// user id.
    ///
    /// ProcessEngine 8.0.0 also sends the task events of a user's instances on a channel of
    /// their own, but a user's second connection stops getting them when the first one closes;
    /// this criterion reads the owner of the events every connection gets instead.
    pub fn mine(mut self) -> Self {
        self.mine = true;
        self
    }

    /// Whether it asks for the stream's own user's events.
    pub(crate) fn wants_mine(&self) -> bool {
        self.mine
    }

    /// Whether `event` passes, for a stream of user `me`.
    pub(crate) fn matches(&self, event: &EngineEvent, me: Option<&str>) -> bool {
        if let EngineEvent::Missed(_) = event {
            return true;
        }
        let field = |wanted: &Option<String>, actual: Option<&str>| match wanted {
            Some(wanted) => actual == Some(wanted.as_str()),
            None => true,
        };
        let kind_passes = match event.kind() {
            Some(kind) => self.kinds.is_empty() || self.kinds.contains(&kind),
            None => true,
        };
        let owner = match event {
            EngineEvent::Unknown(unknown) => unknown
                .payload()
                .pointer("/processInstanceOwner/userId")
                .and_then(|id| id.as_str()),
            known => known.notification().and_then(|n| n.owner_user_id()),
        };
        let mine_passes = !self.mine
            || matches!((owner, me), (Some(owner), Some(me)) if owner == me)
            || (owner.is_none() && matches!(event, EngineEvent::Unknown(_)));
        kind_passes
            && mine_passes
            && field(&self.process_model, event.process_model_id())
            && field(&self.correlation, event.correlation_id())
            && field(&self.process_instance, event.process_instance_id())
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use process_engine_api_types::Identity;
    use process_engine_api_types::notifications::Notification;
    use serde_json::json;

    use super::*;
    use crate::event::{Missed, UnknownEvent};

    fn event(kind: Kind, model: &str, correlation: &str, owner: &str) -> EngineEvent {
        let notification = Notification::new(correlation, model, "i", "t", "f", json!({}))
            .with_owner(Identity::new("token", owner));
        EngineEvent::of_kind(kind, notification).unwrap()
    }

    #[test]
    fn criteria_add_up() {
        let filter = EventFilter::all()
            .kind(Kind::ProcessEnded)
            .process_model("m")
            .correlation("c");
        assert!(filter.matches(&event(Kind::ProcessEnded, "m", "c", "u"), None));
        assert!(!filter.matches(&event(Kind::ProcessStarted, "m", "c", "u"), None));
        assert!(!filter.matches(&event(Kind::ProcessEnded, "other", "c", "u"), None));
        assert!(!filter.matches(&event(Kind::ProcessEnded, "m", "other", "u"), None));
        assert!(EventFilter::all().matches(&event(Kind::UserTaskWaiting, "x", "y", "z"), None));
    }

    #[test]
    fn mine_reads_the_owner_of_global_events() {
        let mine = EventFilter::all().mine();
        assert!(mine.wants_mine());
        assert!(mine.matches(
            &event(Kind::UserTaskWaiting, "m", "c", "alice"),
            Some("alice")
        ));
        assert!(!mine.matches(
            &event(Kind::UserTaskWaiting, "m", "c", "bob"),
            Some("alice")
        ));
        let unowned = EngineEvent::of_kind(
            Kind::UserTaskWaiting,
            Notification::new("c", "m", "i", "t", "f", json!({})),
        )
        .unwrap();
        assert!(!mine.matches(&unowned, Some("alice")));
    }

    #[test]
    fn unknown_events_and_gaps_pass_what_cannot_be_said_of_them() {
        let unknown = EngineEvent::Unknown(UnknownEvent {
            name: "process_error".into(),
            payload: json!({"processModelId": "m"}),
        });
        let filter = EventFilter::all().kind(Kind::ProcessEnded).mine();
        assert!(filter.matches(&unknown, Some("alice")));
        assert!(
            !filter
                .clone()
                .process_model("other")
                .matches(&unknown, Some("alice"))
        );
        let missed = EngineEvent::Missed(Missed {
            since: SystemTime::now(),
            dropped: 0,
            reconnected: true,
        });
        assert!(filter.process_model("other").matches(&missed, None));
    }
}
