//! The pacer: holds back the calls after which the engine moves an instance on, so that the
//! engine's continuations do not overlap (see [`Pacing`](crate::Pacing)).
//!
//! One pacer per client, shared by its clones: a paced call waits for its turn (first come,
//! first served), goes out a gap after the previous paced call was answered, and reports its
//! latency to the [`Controller`], which sets the next gap. The long poll (the worker's fetch)
//! waits for the turn too, but leaves no gap. Other calls that do not move an instance on are
//! never held back; the controller learns from their latency too. The call itself (waiting
//! for the turn, holding it, passing it on) is in the dispatch layer, under the call's one
//! timer.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use process_engine_api_types::route::Retry;
use tokio::time::Instant;

use super::{Controller, Sample};
use crate::CallInfo;

/// How long a paced call holds the turn at most: a healthy engine answers a finish or a start
/// in milliseconds; one that takes a second is stalled (SQLite's busy timeout is 1 s) or waits
/// for something else.
const HOLD_LIMIT: Duration = Duration::from_secs(1);

/// How long a long poll holds the turn at most: one that finds tasks answers in milliseconds;
/// one still open after this waits for tasks, and locks nothing while it waits.
const LONG_POLL_HOLD: Duration = Duration::from_millis(100);

/// The pacer a client's clones share.
#[derive(Debug)]
pub(crate) struct Pacer {
    /// The turn of paced calls: whoever holds it is the one paced call in flight; it holds
    /// when the next paced call may go out.
    turn: tokio::sync::Mutex<Instant>,
    controller: Mutex<Controller>,
}

/// The turn of the paced calls, held by the one in flight.
pub(crate) type Turn<'a> = tokio::sync::MutexGuard<'a, Instant>;

/// How a call goes through the pacer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pace {
    /// Not held back, but its latency is watched: a call between two paced ones (the worker's
    /// fetch between two finishes) waits for the engine's work too.
    Watched,
    /// The worker's fetch: it locks the tasks it returns (a write), and goes out as soon as a
    /// finish frees a slot, right into that finish's continuation, where its write collides as
    /// a finish's would. So it waits its turn too; it leaves no gap (it moves nothing on), and
    /// holds the turn only briefly (a long poll that waits for tasks locks nothing meanwhile).
    LongPoll,
    /// A call that moves an instance on: in its turn, leaving a gap, holding the turn until it
    /// is answered (or stalls).
    Paced,
    /// A paced call that waits on purpose (it overrides the attempt timeout: a start that
    /// waits for its instance to end) goes out in its turn but does not hold the turn while it
    /// waits: the paced calls it waits for (the worker's finish) must get through, and its
    /// latency says nothing about the engine's pace.
    Waits,
}

impl Pace {
    /// How a call with `info` goes through the pacer.
    pub(crate) fn of(info: &CallInfo) -> Pace {
        let moves_instance = info.route().moves_instance;
        if !moves_instance && info.retry() == Retry::Never {
            Pace::LongPoll
        } else if !moves_instance {
            Pace::Watched
        } else if info.attempt_timeout().is_some() {
            Pace::Waits
        } else {
            Pace::Paced
        }
    }

    /// How long a call holds the turn at most, if it holds it at all.
    pub(crate) fn hold(self) -> Option<Duration> {
        match self {
            Pace::Paced => Some(HOLD_LIMIT),
            Pace::LongPoll => Some(LONG_POLL_HOLD),
            Pace::Watched | Pace::Waits => None,
        }
    }
}

impl Pacer {
    pub(crate) fn new(controller: Controller) -> Self {
        Pacer {
            turn: tokio::sync::Mutex::new(Instant::now()),
            controller: Mutex::new(controller),
        }
    }

    /// Waits for the turn; it says when the call may go out.
    pub(crate) async fn turn(&self) -> Turn<'_> {
        self.turn.lock().await
    }

    fn controller(&self) -> MutexGuard<'_, Controller> {
        // The controller's state stays consistent at every step; a panic elsewhere while it
        // was held leaves nothing half-done.
        self.controller
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The gap to leave after a paced call.
    pub(crate) fn gap(&self) -> Duration {
        self.controller().gap()
    }

    /// Learns from a call of `route` and returns the gap to leave now.
    pub(crate) fn observe(&self, route: &'static str, sample: Sample) -> Duration {
        self.controller().observe(route, sample)
    }
}
