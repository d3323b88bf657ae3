//! What a running worker shares among its loops and tasks, and the run from start to stop.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use process_engine_transport::{Client, Error};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::backoff::Backoff;
use crate::fetch_loop::{self, Topic};
use crate::gate::Gate;
use crate::stats::{Counters, LoopState, StateCell};
use crate::{RunError, ShutdownTimeoutAction, Stats};

/// What the client and its handles share: counters, states, and the stop signal.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) counters: Counters,
    pub(crate) stop: CancellationToken,
    pub(crate) phase: StateCell,
    pub(crate) topics: Mutex<Vec<(String, Arc<StateCell>)>>,
    /// The first fetch answered in a way that waiting cannot change, with its topic: it ends
    /// the run.
    failure: Mutex<Option<(String, Error)>>,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            counters: Counters::default(),
            stop: CancellationToken::new(),
            phase: StateCell::new(LoopState::NotStarted),
            topics: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
        }
    }

    /// Ends the run because of `error`, which a fetch of `topic` got and which waiting cannot
    /// change; the first such error is the one the run answers.
    pub(crate) fn fail(&self, topic: &str, error: Error) {
        // Only ever set once, never half-written: a poisoned lock holds a whole value.
        let mut failure = self
            .failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failure.is_none() {
            *failure = Some((topic.to_owned(), error));
        }
        drop(failure);
        self.stop.cancel();
    }

    fn take_failure(&self) -> Option<(String, Error)> {
        self.failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    pub(crate) fn topics(&self) -> std::sync::MutexGuard<'_, Vec<(String, Arc<StateCell>)>> {
        // A list that is only pushed to: nothing is half-written if a holder panicked.
        self.topics
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn stats(&self) -> Stats {
        self.counters.snapshot()
    }
}

/// The settings of a run, taken from the client.
pub(crate) struct Settings {
    pub(crate) client: Client,
    pub(crate) worker_id: String,
    pub(crate) fetch_backoff: Backoff,
    pub(crate) delivery_backoff: Backoff,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) on_timeout: ShutdownTimeoutAction,
    pub(crate) report_window: Duration,
}

/// A running worker, shared by its fetch loops and task runs.
pub(crate) struct Worker {
    pub(crate) client: Client,
    pub(crate) worker_id: String,
    pub(crate) shared: Arc<Shared>,
    pub(crate) gate: Gate,
    pub(crate) tracker: TaskTracker,
    /// Fires when the shutdown deadline passes with handlers still running.
    pub(crate) deadline: CancellationToken,
    /// Fires when the worker gives up on everything still running.
    pub(crate) abort: CancellationToken,
    pub(crate) on_timeout: ShutdownTimeoutAction,
    pub(crate) fetch_backoff: Backoff,
    /// Retries of a failed lock extension.
    pub(crate) extend_backoff: Backoff,
}

/// Runs the topics until `signal` resolves or the stop token fires, then drains. Answers the
/// counters, or the error that stopped a fetch loop.
pub(crate) async fn run(
    settings: Settings,
    shared: Arc<Shared>,
    topics: Vec<Arc<Topic>>,
    signal: impl Future<Output = ()>,
) -> Result<Stats, RunError> {
    let worker = Arc::new(Worker {
        client: settings.client,
        worker_id: settings.worker_id,
        shared: Arc::clone(&shared),
        gate: Gate::new(settings.delivery_backoff),
        tracker: TaskTracker::new(),
        deadline: CancellationToken::new(),
        abort: CancellationToken::new(),
        on_timeout: settings.on_timeout,
        fetch_backoff: settings.fetch_backoff,
        extend_backoff: settings.delivery_backoff,
    });
    shared.phase.set(LoopState::Polling);
    info!(
        worker_id = %worker.worker_id,
        topics = ?topics.iter().map(|topic| topic.name.as_str()).collect::<Vec<_>>(),
        "the external task worker starts"
    );
    let loops: Vec<_> = topics
        .iter()
        .map(|topic| tokio::spawn(fetch_loop::run(Arc::clone(&worker), Arc::clone(topic))))
        .collect();
    // From here on the loops and task runs are tokio tasks of their own: a run whose future is
    // dropped before it ends must not leave them working behind its caller's back.
    let mut stop_on_drop = StopOnDrop {
        worker: Some(Arc::clone(&worker)),
    };

    tokio::select! {
        () = signal => shared.stop.cancel(),
        () = shared.stop.cancelled() => {}
    }
    shared.phase.set(LoopState::Draining);
    let running = shared.counters.snapshot().in_flight;
    info!(running, deadline = ?settings.shutdown_timeout, "shutting down: no more fetches, running handlers finish");
    for handle in loops {
        // A fetch loop does not panic; if one did, the others still drain.
        if let Err(error) = handle.await {
            warn!(%error, "a fetch loop ended abnormally");
        }
    }
    worker.tracker.close();
    let drained = tokio::time::timeout(settings.shutdown_timeout, worker.tracker.wait()).await;
    if drained.is_err() {
        warn!(
            running = shared.counters.snapshot().in_flight,
            action = ?worker.on_timeout,
            "the shutdown deadline passed with tasks still running"
        );
        worker.deadline.cancel();
        match worker.on_timeout {
            ShutdownTimeoutAction::Abandon => worker.abort.cancel(),
            ShutdownTimeoutAction::ReportServiceError => {
                let reported =
                    tokio::time::timeout(settings.report_window, worker.tracker.wait()).await;
                if reported.is_err() {
                    worker.abort.cancel();
                }
            }
        }
        worker.tracker.wait().await;
    }
    stop_on_drop.disarm();
    for (_, state) in shared.topics().iter() {
        state.set(LoopState::Stopped);
    }
    shared.phase.set(LoopState::Stopped);
    let stats = shared.stats();
    info!(?stats, "the external task worker stopped");
    // The fetch loop that failed has logged why, when it happened.
    match shared.take_failure() {
        None => Ok(stats),
        Some((topic, cause)) => Err(RunError::new(topic, cause, stats)),
    }
}

/// Stops a worker whose run's future is dropped before the run ends (its task aborted, a
/// `select!` that took another branch): fetching stops and running handlers are abandoned at
/// once, as [`ShutdownTimeoutAction::Abandon`] does at a shutdown deadline. Their tasks return to
/// the engine when their locks run out. A graceful stop is [`WorkerHandle::shutdown`] or the
/// `signal` of `run_until`, awaited to its end.
///
/// [`WorkerHandle::shutdown`]: crate::WorkerHandle::shutdown
struct StopOnDrop {
    worker: Option<Arc<Worker>>,
}

impl StopOnDrop {
    /// The run ended as it should: nothing left to stop.
    fn disarm(&mut self) {
        self.worker = None;
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.shared.stop.cancel();
            worker.abort.cancel();
            worker.shared.phase.set(LoopState::Stopped);
        }
    }
}
