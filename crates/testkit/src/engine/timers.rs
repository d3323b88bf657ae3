//! Timers on the engine's clock: each waits in a task of its own, outside the engine's lock,
//! and fires its flow node instance when due (`@essential-projects/timing`, `once`).

use std::sync::{Arc, Mutex};

use super::State;
use super::instance::NewTimer;
use crate::clock::Clock;

/// Starts a task for every timer. Without a Tokio runtime (unit tests that drive the engine
/// directly) timers are not scheduled.
pub(super) fn schedule(state: &Arc<Mutex<State>>, clock: &Arc<Clock>, timers: Vec<NewTimer>) {
    if timers.is_empty() {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no Tokio runtime: {} timers not scheduled", timers.len());
        return;
    };
    for timer in timers {
        let state = Arc::downgrade(state);
        let clock = Arc::clone(clock);
        runtime.spawn(async move {
            clock.sleep_until(timer.due_ms).await;
            // An engine that is gone has nothing to fire.
            let Some(state) = state.upgrade() else {
                return;
            };
            let more = {
                let mut guard = super::lock(&state);
                guard.fire_timer(&timer.instance, &timer.fni)
            };
            schedule(&state, &clock, more);
        });
    }
}
