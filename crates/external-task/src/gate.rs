//! When a result delivery may go out: one shared backoff while the engine fails them. (The
//! spacing of deliveries that keeps an 8.0.0 engine out of its jam is the transport's pacer.)

use std::sync::Mutex;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::backoff::Backoff;

/// The delivery gate of one client. Every delivery attempt (first or retry) takes a [`Turn`].
///
/// - While deliveries succeed, every attempt goes at once (the transport paces it).
/// - After a delivery failed for a reason that says nothing about the task (engine unreachable,
///   5xx, timeout), the gate goes into backoff: one attempt at a time probes the engine, each
///   after a jittered, growing wait; everyone else waits for a probe to succeed. An engine that
///   is down then sees one delivery per backoff step from this client, not one per waiting
///   result, and the results go out at once (paced) when it is back.
#[derive(Debug)]
pub(crate) struct Gate {
    backoff: Backoff,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug)]
struct State {
    /// The earliest start of the next turn in backoff.
    next: Instant,
    /// Consecutive failed attempts; 0 when the last attempt succeeded.
    failures: u32,
    /// Whether a probe is out while in backoff.
    probing: bool,
}

enum Step {
    Go(bool),
    WaitForProbe,
    WaitUntil(Instant),
}

impl Gate {
    pub(crate) fn new(backoff: Backoff) -> Self {
        Gate {
            backoff,
            state: Mutex::new(State {
                next: Instant::now(),
                failures: 0,
                probing: false,
            }),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a few plain fields, consistent after every statement: a panic elsewhere
        // while holding the lock leaves nothing half-written.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits for this attempt's turn.
    pub(crate) async fn turn(&self) -> Turn<'_> {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Registered before the state is read, so that no wake-up is missed.
            notified.as_mut().enable();
            let step = {
                let mut state = self.state();
                let now = Instant::now();
                if state.failures == 0 {
                    Step::Go(false)
                } else if state.probing {
                    Step::WaitForProbe
                } else if now >= state.next {
                    state.probing = true;
                    Step::Go(true)
                } else {
                    Step::WaitUntil(state.next)
                }
            };
            match step {
                Step::Go(probe) => {
                    return Turn {
                        gate: self,
                        probe,
                        settled: false,
                    };
                }
                Step::WaitForProbe => notified.await,
                Step::WaitUntil(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = notified => {}
                    }
                }
            }
        }
    }

    fn settle(&self, failed: bool, probe: bool) {
        let mut state = self.state();
        if probe {
            state.probing = false;
        }
        if failed {
            state.failures = state.failures.saturating_add(1);
            let retry_at = Instant::now() + self.backoff.delay(state.failures);
            state.next = state.next.max(retry_at);
        } else if state.failures > 0 {
            state.failures = 0;
        }
        drop(state);
        self.changed.notify_waiters();
    }
}

/// One attempt's permission to go out; say how it went with [`success`](Turn::success) or
/// [`failure`](Turn::failure).
#[derive(Debug)]
pub(crate) struct Turn<'a> {
    gate: &'a Gate,
    probe: bool,
    settled: bool,
}

impl Turn<'_> {
    /// The engine answered (whatever it answered about the task): it is reachable.
    pub(crate) fn success(mut self) {
        self.settled = true;
        self.gate.settle(false, self.probe);
    }

    /// The attempt failed for a reason that says the engine is not taking deliveries.
    pub(crate) fn failure(mut self) {
        self.settled = true;
        self.gate.settle(true, self.probe);
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if !self.settled && self.probe {
            // Neither success nor failure: let another attempt probe.
            let mut state = self.gate.state();
            state.probing = false;
            drop(state);
            self.gate.changed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    fn backoff() -> Backoff {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(1))
    }

    #[tokio::test(start_paused = true)]
    async fn while_deliveries_succeed_turns_do_not_wait() {
        let gate = Gate::new(backoff());
        let start = Instant::now();
        for _ in 0..100 {
            gate.turn().await.success();
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn in_backoff_one_probe_at_a_time_and_all_go_when_it_succeeds() {
        let gate = Arc::new(Gate::new(backoff()));
        gate.turn().await.failure();
        let failed_at = Instant::now();
        // Ten results wait; the first probe fails again, the second succeeds.
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for i in 0..10 {
            let gate = Arc::clone(&gate);
            let outcomes = Arc::clone(&outcomes);
            waiting.push(tokio::spawn(async move {
                let turn = gate.turn().await;
                let at = failed_at.elapsed();
                let probe = turn.probe;
                let attempt = {
                    let mut outcomes = outcomes.lock().unwrap();
                    outcomes.push((i, at, probe));
                    outcomes.len()
                };
                if attempt == 1 {
                    turn.failure();
                    // Tried again after its own failure.
                    let turn = gate.turn().await;
                    outcomes
                        .lock()
                        .unwrap()
                        .push((i, failed_at.elapsed(), turn.probe));
                    turn.success();
                } else {
                    turn.success();
                }
            }));
        }
        for task in waiting {
            task.await.unwrap();
        }
        let outcomes = outcomes.lock().unwrap();
        assert_eq!(outcomes.len(), 11);
        // The first two attempts are probes, each after at least the backoff's floor.
        assert!(outcomes[0].2 && outcomes[1].2, "{outcomes:?}");
        assert!(outcomes[0].1 >= Duration::from_millis(50));
        assert!(outcomes[1].1 >= outcomes[0].1 + Duration::from_millis(50));
        // After the successful probe the rest go at once, no longer as probes.
        let resumed = outcomes[1].1;
        assert!(
            outcomes[2..]
                .iter()
                .all(|(_, at, probe)| !probe && *at == resumed),
            "{outcomes:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_probe_lets_another_probe() {
        let gate = Gate::new(backoff());
        gate.turn().await.failure();
        let probe = gate.turn().await;
        assert!(probe.probe);
        drop(probe);
        let next = tokio::time::timeout(Duration::from_secs(5), gate.turn())
            .await
            .expect("a new probe may go");
        assert!(next.probe);
    }
}
