//! Counters and loop states, written by the worker and read through its handle.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// A snapshot of a worker's counters since it was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// fetch_and_lock requests made (answered or not).
    pub fetches: u64,
    /// Tasks fetched and locked.
    pub fetched: u64,
    /// Tasks finished with their handler's result (acknowledged by the engine).
    pub completed: u64,
    /// BPMN errors delivered.
    pub bpmn_errors: u64,
    /// Service errors delivered (handler errors, panics, payloads of the wrong shape).
    pub service_errors: u64,
    /// Successful lock extensions.
    pub lock_extensions: u64,
    /// Tasks given up because the engine said the lock was gone (on extending or delivering).
    pub locks_lost: u64,
    /// Fetches that failed (engine unreachable, 5xx, ...).
    pub fetch_errors: u64,
    /// Deliveries sent again after a failed attempt.
    pub deliveries_retried: u64,
    /// Deliveries counted as done because, after a retry of an attempt that may have arrived,
    /// the engine answered 410 (the task is finished: by that attempt).
    pub deliveries_confirmed_by_gone: u64,
    /// Deliveries the engine refused for good (a 4xx other than 404, 408, 410, 423, 429); each is
    /// logged as an error.
    pub deliveries_refused: u64,
    /// Tasks whose handler or delivery was given up at the shutdown deadline.
    pub abandoned: u64,
    /// Handlers running (or results waiting for delivery) now.
    pub in_flight: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) fetches: AtomicU64,
    pub(crate) fetched: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) bpmn_errors: AtomicU64,
    pub(crate) service_errors: AtomicU64,
    pub(crate) lock_extensions: AtomicU64,
    pub(crate) locks_lost: AtomicU64,
    pub(crate) fetch_errors: AtomicU64,
    pub(crate) deliveries_retried: AtomicU64,
    pub(crate) deliveries_confirmed_by_gone: AtomicU64,
    pub(crate) deliveries_refused: AtomicU64,
    pub(crate) abandoned: AtomicU64,
    pub(crate) in_flight: AtomicU64,
}

/// Adds one. Relaxed: each counter stands alone, nothing is ordered by them.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Stats {
            fetches: get(&self.fetches),
            fetched: get(&self.fetched),
            completed: get(&self.completed),
            bpmn_errors: get(&self.bpmn_errors),
            service_errors: get(&self.service_errors),
            lock_extensions: get(&self.lock_extensions),
            locks_lost: get(&self.locks_lost),
            fetch_errors: get(&self.fetch_errors),
            deliveries_retried: get(&self.deliveries_retried),
            deliveries_confirmed_by_gone: get(&self.deliveries_confirmed_by_gone),
            deliveries_refused: get(&self.deliveries_refused),
            abandoned: get(&self.abandoned),
            in_flight: get(&self.in_flight),
        }
    }
}

/// What a worker, or one topic's fetch loop, is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoopState {
    /// Not started yet.
    NotStarted,
    /// Every slot is taken: waiting for a handler to finish before fetching more.
    WaitingForSlot,
    /// A fetch-and-lock (long poll) is open.
    Polling,
    /// The last fetch failed, or answered nothing at once: waiting before the next.
    BackingOff,
    /// Shutting down: no more fetches; running handlers finish and deliver.
    Draining,
    /// Stopped.
    Stopped,
}

impl LoopState {
    const ALL: [LoopState; 6] = [
        LoopState::NotStarted,
        LoopState::WaitingForSlot,
        LoopState::Polling,
        LoopState::BackingOff,
        LoopState::Draining,
        LoopState::Stopped,
    ];

    fn code(self) -> u8 {
        // The position in ALL; a match keeps it exhaustive.
        match self {
            LoopState::NotStarted => 0,
            LoopState::WaitingForSlot => 1,
            LoopState::Polling => 2,
            LoopState::BackingOff => 3,
            LoopState::Draining => 4,
            LoopState::Stopped => 5,
        }
    }
}

/// A [`LoopState`] that one task writes and any thread reads.
#[derive(Debug)]
pub(crate) struct StateCell(AtomicU8);

impl StateCell {
    pub(crate) fn new(state: LoopState) -> Self {
        StateCell(AtomicU8::new(state.code()))
    }

    pub(crate) fn set(&self, state: LoopState) {
        self.0.store(state.code(), Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> LoopState {
        let code = usize::from(self.0.load(Ordering::Relaxed));
        LoopState::ALL
            .get(code)
            .copied()
            .unwrap_or(LoopState::Stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_survives_the_cell() {
        let cell = StateCell::new(LoopState::NotStarted);
        for state in LoopState::ALL {
            cell.set(state);
            assert_eq!(cell.get(), state);
        }
    }
}
