//! A worker's handle: its counters and state, and its shutdown, from anywhere.

use std::sync::Arc;

use crate::worker::Shared;
use crate::{LoopState, Stats};

/// Reads a worker's counters and state, and shuts it down. Cheap to clone; usable before, while
/// and after the worker runs.
#[derive(Debug, Clone)]
pub struct WorkerHandle {
    shared: Arc<Shared>,
}

impl WorkerHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        WorkerHandle { shared }
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// What the worker as a whole is doing: [`LoopState::NotStarted`], then `Polling` while it
    /// runs (see [`topic_state`](Self::topic_state) for each loop), `Draining` while it shuts
    /// down, and `Stopped`.
    pub fn state(&self) -> LoopState {
        self.shared.phase.get()
    }

    /// What the fetch loop of `topic` is doing, `None` for a topic not subscribed.
    pub fn topic_state(&self, topic: &str) -> Option<LoopState> {
        self.shared
            .topics()
            .iter()
            .find(|(name, _)| name == topic)
            .map(|(_, state)| state.get())
    }

    /// Starts a graceful shutdown (see [`Worker::run_until`](crate::Worker::run_until)).
    /// Returns at once; the run's future ends when the shutdown is done.
    pub fn shutdown(&self) {
        self.shared.stop.cancel();
    }
}
