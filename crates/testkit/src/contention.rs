//! An opt-in model of how a ProcessEngine 8.0.0 on SQLite jams ([`TestEngineBuilder::contention`]).
//!
//! What the model reproduces, and where it comes from in 8.0.0's packages:
//!
//! - **A continuation per call that moves an instance on.** The engine answers a start (callback
//!   type 1), a task's finish or a trigger at once and then moves the instance on in the
//!   background, in transactions on SQLite (`flow_node_instance.repository.sequelize`:
//!   `persistOnEnter`, `persistOnExit` each open one). Here the instance moves on when its
//!   continuation has held the database for `cost`, the engine's work per instance.
//! - **Collisions of overlapping continuations.** Two transactions that overlap deadlock on
//!   SQLite's lock (both read, both want to write): SQLite fails one at once, and the other
//!   waits node-sqlite3's busy timeout (`sqlite3_busy_timeout(db, 1000)` in its
//!   `database.cc`) before failing too. Here a continuation that starts while another has more
//!   than a quarter of its work to go collides with it: both fail; the newcomer after a busy
//!   wait of 1 s. One that starts in the last quarter waits for the other, as SQLite's busy
//!   handler then gets the lock in time.
//! - **The runtime's retries.** `@essential-projects/sequelize_connection_manager` retries a
//!   query failing with `SQLITE_BUSY` up to 50 times, and `retry-as-promised` waits
//!   `100^(1.1^(n-1))` ms before retry `n` (0.1 s, 0.16, 0.26, 0.46, 0.85, 1.7, 3.5, 7.9, 19,
//!   52 s, ...). A retry that collides again waits longer; one whose retries run out leaves its
//!   instance stuck where it was, as on 8.0.0: no error, no log.
//! - **What a client sees.** The engine runs on one JavaScript thread: a call that arrives
//!   while a continuation works waits for part of that work (up to a quarter of `cost`), the
//!   latency that a pacer reads. A busy wait holds one of libuv's threads that every query
//!   needs; calls then wait for it to end: answers late by up to a second, the jam a client
//!   sees. `GET /` touches no database and is never held back.
//!
//! The default stand-in engine has none of this: it moves instances on at once.
//!
//! [`TestEngineBuilder::contention`]: crate::TestEngineBuilder::contention

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use process_engine_api_types::Route;
use process_engine_api_types::routes::{GET_AUTHORITY, GET_PACKAGE_INFO};
use tokio::time::Instant;

/// How long a continuation that collided waits inside SQLite before it fails: node-sqlite3's
/// busy timeout.
const BUSY_TIMEOUT: Duration = Duration::from_secs(1);
/// libuv's thread pool, on which node-sqlite3 runs every query (`UV_THREADPOOL_SIZE`, 4).
const THREADS: usize = 4;
/// How many times the runtime retries a query that failed with `SQLITE_BUSY`.
const MAX_ATTEMPTS: u32 = 50;

/// The wait before retry `retry` (1 for the first): `retry-as-promised`'s
/// `backoffBase ^ (backoffExponent ^ (retry - 1))` with sequelize's 100 and 1.1, in ms.
fn backoff(retry: u32) -> Duration {
    let exponent = 1.1_f64.powi(i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX));
    // Past a day the exact figure no longer matters: the instance is stuck.
    Duration::from_secs_f64((100_f64.powf(exponent) / 1000.0).min(86_400.0))
}

/// The model of one engine: its work per instance, and who holds its database now.
#[derive(Debug)]
pub(crate) struct Contention {
    cost: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The continuation holding the database, and when it is done with it.
    holder: Option<Hold>,
    /// When the busy waits in progress end: each holds one of the database threads.
    busy_waits: Vec<Instant>,
    next_id: u64,
    /// Holds that a collision made fail, with when their busy wait ends.
    rolled_back: HashMap<u64, Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Hold {
    id: u64,
    until: Instant,
}

/// What a continuation's attempt to write comes to.
enum Attempt {
    /// It holds the database until then; the instance moves on then, unless a collision took
    /// the lock away meanwhile.
    Holds(Hold),
    /// It collided and must retry after waiting this long.
    Collided(Duration),
}

impl Contention {
    /// A model of an engine that needs `cost` of work to move an instance on.
    pub(crate) fn new(cost: Duration) -> Self {
        Contention {
            cost,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Every change under the lock is a few assignments that cannot panic half-way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Holds back a call of `route` as the engine's thread and database threads would.
    pub(crate) async fn before_call(&self, route: &Route) {
        if route.operation == GET_PACKAGE_INFO.operation
            || route.operation == GET_AUTHORITY.operation
        {
            return;
        }
        let now = Instant::now();
        let (free_at, holder) = {
            let mut state = self.state();
            state.busy_waits.retain(|end| *end > now);
            state.busy_waits.sort_unstable();
            // A call needs a thread: with all taken, it waits for the first to come free.
            let taken = state.busy_waits.len();
            let free_at = (taken >= THREADS).then(|| state.busy_waits[taken - THREADS]);
            (free_at, state.holder)
        };
        if let Some(free_at) = free_at {
            tokio::time::sleep_until(free_at).await;
        }
        if let Some(hold) = holder {
            let left = hold.until.saturating_duration_since(Instant::now());
            tokio::time::sleep(left.min(self.cost / 4)).await;
        }
    }

    /// Moves an instance on with `go_on` once its continuation got through the database, or
    /// never, if its retries run out.
    pub(crate) fn continue_with(self: &Arc<Self>, go_on: impl FnOnce() + Send + 'static) {
        let model = Arc::clone(self);
        tokio::spawn(async move {
            let mut attempt = 1;
            loop {
                match model.attempt(Instant::now(), attempt) {
                    Attempt::Holds(hold) => {
                        tokio::time::sleep_until(hold.until).await;
                        match model.release(hold) {
                            None => {
                                go_on();
                                return;
                            }
                            // A collision made this one wait and fail meanwhile: it retries
                            // after its busy wait and the runtime's backoff.
                            Some(failed_at) => {
                                tokio::time::sleep_until(failed_at + backoff(attempt)).await;
                            }
                        }
                    }
                    Attempt::Collided(wait) => tokio::time::sleep(wait).await,
                }
                attempt += 1;
                if attempt > MAX_ATTEMPTS {
                    tracing::debug!("a continuation ran out of retries: its instance is stuck");
                    return;
                }
            }
        });
    }

    fn attempt(&self, now: Instant, attempt: u32) -> Attempt {
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        let live = state.holder.filter(|hold| hold.until > now);
        match live {
            None => {
                let hold = Hold {
                    id,
                    until: now + self.cost,
                };
                state.holder = Some(hold);
                Attempt::Holds(hold)
            }
            Some(other) if other.until - now <= self.cost / 4 => {
                // SQLite's busy handler waits for the other to commit, then goes on.
                let hold = Hold {
                    id,
                    until: other.until + self.cost,
                };
                state.holder = Some(hold);
                Attempt::Holds(hold)
            }
            Some(mut holder) => {
                // Deadlock: neither can go on. Both wait SQLite's busy timeout, each holding a
                // database thread, and fail; the holder keeps the lock meanwhile, so whatever
                // else comes in that second collides too: the jam.
                let busy_until = now + BUSY_TIMEOUT;
                if let std::collections::hash_map::Entry::Vacant(entry) =
                    state.rolled_back.entry(holder.id)
                {
                    entry.insert(busy_until);
                    holder.until = holder.until.max(busy_until);
                    state.holder = Some(holder);
                    state.busy_waits.push(busy_until);
                }
                state.busy_waits.push(busy_until);
                Attempt::Collided(BUSY_TIMEOUT + backoff(attempt))
            }
        }
    }

    /// Ends `hold`: `None` when it went through, else when its busy wait after a collision
    /// ends (the lock stays held till then).
    fn release(&self, hold: Hold) -> Option<Instant> {
        let mut state = self.state();
        let failed_at = state.rolled_back.remove(&hold.id);
        if failed_at.is_none() && state.holder.is_some_and(|current| current.id == hold.id) {
            state.holder = None;
        }
        failed_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_is_the_runtimes() {
        let ms = |retry| backoff(retry).as_secs_f64() * 1000.0;
        assert!((ms(1) - 100.0).abs() < 0.5);
        assert!((ms(2) - 158.5).abs() < 0.5);
        assert!((ms(5) - 847.6).abs() < 1.0);
        assert!((ms(10) - 52_000.0).abs() < 1_000.0);
        assert_eq!(backoff(50), Duration::from_secs(86_400));
    }
}
