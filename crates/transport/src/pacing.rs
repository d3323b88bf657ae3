//! How a client spaces the calls after which the engine moves an instance on.

mod controller;
mod pacer;

use std::time::Duration;

pub(crate) use controller::{Controller, Sample};
pub(crate) use pacer::{Pace, Pacer, Turn};

/// How a client spaces the calls after whose answer the engine moves a process instance on
/// (starts, finishes of every kind of task, message and signal triggers: the routes whose
/// [`Route::moves_instance`] is set). Set once per client with
/// [`ClientBuilder::pacing`](crate::ClientBuilder::pacing); every clone of the client, and
/// every client built on it, shares one pacer.
///
/// A ProcessEngine 8.0.0 answers these calls before it has moved the instance on, and goes on
/// in transactions on SQLite. Continuations that overlap collide on SQLite's lock; the engine
/// then retries with a backoff that reaches seconds to minutes, idles, and answers no error:
/// it jams. A paced call goes out only after the previous paced call was answered, plus a
/// gap; calls that do not move an instance on are never held back. A paced call that waits on
/// purpose (it overrides the attempt timeout, as a start that waits for its instance's end
/// does) goes out in its turn but does not hold up the paced calls after it while it waits.
///
/// [`Route::moves_instance`]: process_engine_api_types::route::Route::moves_instance
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Pacing {
    /// Finds the engine's pace by itself (the default), from the latency of the calls: an
    /// answer that takes longer than the fastest recent answer of the same route waited for
    /// the engine's work on an earlier instance. The gap starts at 50 ms (above what an 8.0.0
    /// engine needs on a loaded machine), shrinks by about 1.5 % per call while answers come
    /// at their base latency, widens by a few ms when four answers in a row came 4 ms late,
    /// and doubles on a stall (an answer 200 ms late, or a timeout: a collision holds the
    /// engine's calls for SQLite's busy timeout of 1 s), to 250 ms at least, from where it
    /// comes back by an eighth per call; it stays above the gap that stalled for a few hundred
    /// calls. The worker's fetch (the long poll) waits for the gap too, since it locks the
    /// tasks it returns, but leaves none. Other calls are not held back, but their latency
    /// counts too (a read between two finishes waits for the engine as well).
    /// See `docs/pacing.md` for the measurements behind it.
    #[default]
    Adaptive,
    /// The same gap after every paced call's answer, for an engine whose pace is known.
    Fixed(Duration),
    /// No pacing: for engines that take overlapping work without jamming (not a 8.0.0 on
    /// SQLite). Paced routes then go out as they come, concurrently.
    Off,
}
