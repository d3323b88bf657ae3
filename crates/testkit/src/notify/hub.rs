//! The hook between the engine's state machine and whoever listens to its notifications, and
//! the hold-back that puts them in the real engine's order relative to the HTTP answers.
//!
//! The real engine answers a start with callback type 1 before the instance runs, so its
//! `process_started` follows the answer; a finished task's `*_finished` goes out before the
//! finish's `204`, what follows it after; a start that waits for the end sends the end's
//! notifications before its answer. The stand-in runs an operation to completion before it
//! answers, so the server marks each request with a [`Hold`] rule: what the rule holds back is
//! kept aside while the request is handled ([`Held`], a task-local scope) and delivered once
//! its answer has been written.

use std::future::Future;
use std::mem;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use process_engine_api_types::notifications::Kind;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Notice;

/// A listener: gets the notices of one engine step, in order.
pub(crate) type Listener = Arc<dyn Fn(&[Arc<Notice>]) + Send + Sync>;

/// Where the engine's notices go: the listeners, at once or after the answer of the request
/// that caused them.
#[derive(Clone, Default)]
pub(crate) struct Hub {
    listeners: Arc<RwLock<Vec<Listener>>>,
    /// Held notices on their way out, in the order their answers went: one task delivers them,
    /// so that two requests' notices keep the order of their answers.
    released: Arc<OnceLock<mpsc::UnboundedSender<Release>>>,
}

/// Notices held back, and when they go out.
type Release = (Instant, Vec<Notice>);

/// How long held notices wait after the answer's last byte was handed to the connection:
/// the answer is flushed in the same step, so a millisecond puts it reliably first.
const AFTER_ANSWER: Duration = Duration::from_millis(1);

impl Hub {
    /// Adds a listener for every later notice.
    pub(crate) fn listen(&self, listener: Listener) {
        self.listeners
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
    }

    /// Hands the notices of one engine step on, holding back what the current request's
    /// [`Hold`] rule says. Called under the engine's lock: listeners only queue.
    pub(crate) fn emit(&self, mut notices: Vec<Notice>) {
        if notices.is_empty() || !self.has_listeners() {
            return;
        }
        // Outside a request's scope (a timer firing) everything goes at once.
        let _ = HELD.try_with(|held| held.keep(&mut notices));
        self.deliver(notices);
    }

    fn has_listeners(&self) -> bool {
        !self
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    fn deliver(&self, notices: Vec<Notice>) {
        if notices.is_empty() {
            return;
        }
        let notices: Vec<Arc<Notice>> = notices.into_iter().map(Arc::new).collect();
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for listener in listeners {
            listener(&notices);
        }
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

/// What a request holds back until its answer is out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hold {
    /// Everything: a start with callback type 1, a message, a terminate, an external task's
    /// result; their effects follow the answer.
    Everything,
    /// Nothing: a start that waits for the instance's end answers after it.
    Nothing,
    /// All but the `*_finished` notice of a task finished through the API, which precedes its
    /// `204`; what the task's end sets off follows it.
    AllButFinished,
}

impl Hold {
    fn holds(self, notice: &Notice) -> bool {
        match self {
            Hold::Everything => true,
            Hold::Nothing => false,
            Hold::AllButFinished => !matches!(
                notice.kind,
                Kind::UserTaskFinished | Kind::ManualTaskFinished | Kind::EmptyActivityFinished
            ),
        }
    }
}

tokio::task_local! {
    static HELD: Held;
}

/// The notices one request holds back, in order.
#[derive(Clone)]
pub(crate) struct Held {
    rule: Hold,
    notices: Arc<Mutex<Vec<Notice>>>,
}

impl Held {
    pub(crate) fn new(rule: Hold) -> Held {
        Held {
            rule,
            notices: Arc::default(),
        }
    }

    /// Runs the handling of a request with this hold-back in force.
    pub(crate) async fn scope<F: Future>(&self, handling: F) -> F::Output {
        HELD.scope(self.clone(), handling).await
    }

    /// Moves what the rule holds out of `notices`, keeping their order.
    fn keep(&self, notices: &mut Vec<Notice>) {
        let rule = self.rule;
        let (held, now): (Vec<Notice>, Vec<Notice>) =
            mem::take(notices).into_iter().partition(|n| rule.holds(n));
        *notices = now;
        self.notices
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(held);
    }

    /// Whether anything was held back.
    pub(crate) fn is_empty(&self) -> bool {
        self.notices
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// Delivers what was held, shortly after the request's answer was handed to its connection.
    pub(crate) fn release(&self, hub: &Hub) {
        let notices = mem::take(&mut *self.notices.lock().unwrap_or_else(PoisonError::into_inner));
        if !notices.is_empty() {
            hub.release(notices);
        }
    }
}

impl Hub {
    /// Delivers `notices` [`AFTER_ANSWER`] from now, after those released before.
    fn release(&self, notices: Vec<Notice>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // The engine's runtime is gone: nobody is left to hear them, but deliver anyway.
            return self.deliver(notices);
        };
        let queue = self.released.get_or_init(|| {
            let (queue, mut batches) = mpsc::unbounded_channel::<Release>();
            let hub = Hub {
                listeners: Arc::clone(&self.listeners),
                released: Arc::default(),
            };
            runtime.spawn(async move {
                while let Some((due, notices)) = batches.recv().await {
                    tokio::time::sleep_until(due).await;
                    hub.deliver(notices);
                }
            });
            queue
        });
        if let Err(unsent) = queue.send((Instant::now() + AFTER_ANSWER, notices)) {
            self.deliver(unsent.0.1);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::auth::Identity;

    fn notice(kind: Kind) -> Notice {
        Notice::for_test(
            kind,
            Identity {
                token: "t".into(),
                user_id: "u".into(),
            },
        )
    }

    fn recording_hub() -> (Hub, Arc<Mutex<Vec<Kind>>>) {
        let hub = Hub::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        hub.listen(Arc::new(move |notices: &[Arc<Notice>]| {
            sink.lock().unwrap().extend(notices.iter().map(|n| n.kind));
        }));
        (hub, seen)
    }

    #[tokio::test]
    async fn outside_a_request_notices_go_at_once() {
        let (hub, seen) = recording_hub();
        hub.emit(vec![
            notice(Kind::ProcessStarted),
            notice(Kind::ProcessEnded),
        ]);
        assert_eq!(
            *seen.lock().unwrap(),
            [Kind::ProcessStarted, Kind::ProcessEnded]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_finish_sends_its_finished_notice_and_holds_the_rest_until_released() {
        let (hub, seen) = recording_hub();
        let held = Held::new(Hold::AllButFinished);
        held.scope(async {
            hub.emit(vec![
                notice(Kind::UserTaskFinished),
                notice(Kind::ProcessEnded),
            ]);
        })
        .await;
        assert_eq!(*seen.lock().unwrap(), [Kind::UserTaskFinished]);
        held.release(&hub);
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "delivered after the answer only"
        );
        tokio::time::sleep(AFTER_ANSWER * 2).await;
        assert_eq!(
            *seen.lock().unwrap(),
            [Kind::UserTaskFinished, Kind::ProcessEnded]
        );
    }

    #[tokio::test]
    async fn without_listeners_nothing_is_kept() {
        let hub = Hub::default();
        let held = Held::new(Hold::Everything);
        held.scope(async { hub.emit(vec![notice(Kind::ProcessStarted)]) })
            .await;
        assert!(held.notices.lock().unwrap().is_empty());
        assert!(Hold::Everything.holds(&notice(Kind::ProcessEnded)));
        assert!(!Hold::Nothing.holds(&notice(Kind::ProcessEnded)));
    }
}
