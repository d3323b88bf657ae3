//! One topic's loop: wait for a free slot, fetch and lock as many tasks as there are free slots,
//! hand each to its own tokio task, back off when fetching fails, and stop the worker when a
//! failure cannot pass by waiting.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

use crate::engine_api::{self, Fetch};
use crate::handler::ErasedHandler;
use crate::options::millis;
use crate::run_error::cannot_heal;
use crate::stats::{LoopState, StateCell, bump};
use crate::worker::Worker;
use crate::{TaskOptions, task_run};

/// How much longer than the long poll the HTTP attempt may take: the engine answers `[]` when
/// the long poll runs out, and the answer needs time to arrive.
const LONG_POLL_MARGIN: Duration = Duration::from_secs(5);

/// After an empty answer the engine gave sooner than the long poll could have waited, the loop
/// pauses at most this long (with the fetch backoff's growth and jitter), so that an engine that
/// answers `[]` at once, or a `long_polling_timeout` of zero, is not polled in a tight loop.
const EMPTY_PAUSE_MAX: Duration = Duration::from_secs(1);

/// A topic the worker fetches.
pub(crate) struct Topic {
    pub(crate) name: String,
    pub(crate) options: TaskOptions,
    pub(crate) handler: ErasedHandler,
    pub(crate) state: Arc<StateCell>,
}

/// Runs until the worker's stop token fires. An open long poll is abandoned then: its future is
/// dropped, which closes the connection; tasks it would have locked stay with the engine. Tasks
/// that did arrive are all started, so that the drain finishes them.
pub(crate) async fn run(worker: Arc<Worker>, topic: Arc<Topic>) {
    fetch_until_stopped(&worker, &topic).await;
    topic.state.set(LoopState::Draining);
}

/// `future`'s output, or `None` once the stop token has fired. A future that is ready wins over
/// the stop: tasks that a fetch has locked for this worker are better run than left locked.
async fn unless_stopped<T>(worker: &Worker, future: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        output = future => Some(output),
        () = worker.shared.stop.cancelled() => None,
    }
}

async fn fetch_until_stopped(worker: &Arc<Worker>, topic: &Arc<Topic>) {
    let slots = Arc::new(Semaphore::new(topic.options.max_tasks));
    let slots = &slots;
    let options = &topic.options;
    // Checked when subscribing: these fit.
    let long_polling_ms = millis(options.long_polling_timeout).unwrap_or(0);
    let lock_ms = millis(options.lock_duration).unwrap_or(1);
    let mut errors = 0_u32;
    let mut empties = 0_u32;
    while !worker.shared.stop.is_cancelled() {
        topic.state.set(LoopState::WaitingForSlot);
        let Some(permits) = unless_stopped(worker, free_slots(slots, options.max_tasks)).await
        else {
            return;
        };
        topic.state.set(LoopState::Polling);
        let fetch = Fetch {
            worker_id: &worker.worker_id,
            topic: &topic.name,
            max_tasks: permits.len() as u64,
            long_polling_ms,
            lock_ms,
            attempt_timeout: options.long_polling_timeout + LONG_POLL_MARGIN,
        };
        let began = Instant::now();
        bump(&worker.shared.counters.fetches);
        let Some(fetched) =
            unless_stopped(worker, engine_api::fetch_and_lock(&worker.client, &fetch)).await
        else {
            return;
        };
        let pause = match fetched {
            Ok(tasks) => {
                if errors > 0 {
                    info!(topic = %topic.name, failed_fetches = errors, "fetching works again");
                }
                errors = 0;
                // With a zero long poll every answer comes at once.
                let answered_at_once = options.long_polling_timeout.is_zero()
                    || began.elapsed() < options.long_polling_timeout / 2;
                if tasks.is_empty() && answered_at_once {
                    empties = empties.saturating_add(1);
                    Some(worker.fetch_backoff.delay(empties).min(EMPTY_PAUSE_MAX))
                } else {
                    empties = 0;
                    start_tasks(worker, topic, slots, permits, tasks).await;
                    None
                }
            }
            Err(error) if cannot_heal(&error) => {
                bump(&worker.shared.counters.fetch_errors);
                error!(
                    topic = %topic.name,
                    error = &error as &dyn std::error::Error,
                    "fetch_and_lock cannot succeed by trying again: the worker stops"
                );
                worker.shared.fail(&topic.name, error);
                return;
            }
            Err(error) => {
                errors = errors.saturating_add(1);
                bump(&worker.shared.counters.fetch_errors);
                let delay = worker.fetch_backoff.delay(errors);
                warn!(
                    topic = %topic.name,
                    error = &error as &dyn std::error::Error,
                    retry_in = ?delay,
                    "fetch_and_lock failed"
                );
                Some(delay)
            }
        };
        if let Some(pause) = pause {
            topic.state.set(LoopState::BackingOff);
            if unless_stopped(worker, tokio::time::sleep(pause))
                .await
                .is_none()
            {
                return;
            }
        }
    }
}

/// Waits for one free slot, then takes every other free one, up to `max`.
async fn free_slots(slots: &Arc<Semaphore>, max: usize) -> Vec<OwnedSemaphorePermit> {
    let mut permits = Vec::with_capacity(max);
    // The semaphore is never closed, so acquiring only fails if it were.
    if let Ok(first) = Arc::clone(slots).acquire_owned().await {
        permits.push(first);
    }
    // Tasks that end together free their slots within a few polls of each other: letting them
    // run first makes one fetch for all of them instead of one each, which spares the engine
    // (every fetch is a query and a write of its task table). Pointless when no other task runs.
    if slots.available_permits() + permits.len() < max {
        tokio::task::yield_now().await;
    }
    while permits.len() < max {
        match Arc::clone(slots).try_acquire_owned() {
            Ok(permit) => permits.push(permit),
            Err(_) => break,
        }
    }
    permits
}

async fn start_tasks(
    worker: &Arc<Worker>,
    topic: &Arc<Topic>,
    slots: &Arc<Semaphore>,
    mut permits: Vec<OwnedSemaphorePermit>,
    tasks: Vec<process_engine_api_types::models::ExternalTask>,
) {
    debug!(topic = %topic.name, count = tasks.len(), "fetched");
    for task in tasks {
        bump(&worker.shared.counters.fetched);
        let permit = match permits.pop() {
            Some(permit) => permit,
            // The engine handed out more than was asked for: the tasks are locked for this
            // worker all the same, so they wait for a slot rather than be dropped.
            None => match Arc::clone(slots).acquire_owned().await {
                Ok(permit) => permit,
                // The semaphore is never closed.
                Err(_) => return,
            },
        };
        worker.tracker.spawn(task_run::run(
            Arc::clone(worker),
            Arc::clone(topic),
            task,
            permit,
        ));
    }
    // The permits left over free their slots here.
}
