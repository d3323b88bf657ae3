//! The built worker: ready to run until it is shut down.

use std::future::Future;
use std::sync::Arc;

use process_engine_transport::Client;

use crate::fetch_loop::Topic;
use crate::worker::{self, Settings, Shared};
use crate::{RunError, Stats, WorkerBuilder, WorkerHandle};

/// An external task worker: the Python client's `ExternalTaskClient`. Configure it with
/// [`Worker::builder`], then [`run`](Self::run) it (or [`run_until`](Self::run_until) a
/// signal); read its counters and shut it down through its [`handle`](Self::handle).
///
/// ```no_run
/// use process_engine_external_task::{Client, TaskOptions, Worker, shutdown_signal};
/// use serde_json::{Value, json};
///
/// async fn handler(payload: Value) -> Result<Value, std::convert::Infallible> {
///     Ok(json!({"received": payload}))
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::builder("http://localhost:56000").build()?;
/// let worker = Worker::builder(client)
///     .subscribe("SampleExternalTask", handler, TaskOptions::default().max_tasks(5))
///     .build()?;
/// let stats = worker.run_until(shutdown_signal()).await?;
/// println!("{} tasks done", stats.completed);
/// # Ok(())
/// # }
/// ```
pub struct Worker {
    settings: Settings,
    shared: Arc<Shared>,
    topics: Vec<Arc<Topic>>,
}

impl Worker {
    /// A builder for a worker that calls the engine through `client`. The client's attempt
    /// timeout limits each extension and delivery attempt; the long polls get their own
    /// (`long_polling_timeout` plus a margin).
    pub fn builder(client: Client) -> WorkerBuilder {
        WorkerBuilder::new(client)
    }

    pub(crate) fn new(settings: Settings, shared: Arc<Shared>, topics: Vec<Arc<Topic>>) -> Self {
        Worker {
            settings,
            shared,
            topics,
        }
    }

    /// The worker id the tasks are locked for.
    pub fn worker_id(&self) -> &str {
        &self.settings.worker_id
    }

    /// A handle to read the worker's counters and state and to shut it down, from anywhere,
    /// before, while and after it runs.
    pub fn handle(&self) -> WorkerHandle {
        WorkerHandle::new(Arc::clone(&self.shared))
    }

    /// Runs the worker until it is shut down through a [`WorkerHandle`]; answers the counters.
    ///
    /// A worker that should stop on Ctrl-C or SIGTERM uses
    /// [`run_until`](Self::run_until)`(`[`shutdown_signal`](crate::shutdown_signal)`())`.
    /// An engine that cannot be reached, answers 5xx or times out does not end it: fetching backs
    /// off, logs a warning and tries again. An engine that answers in a way only a change of
    /// configuration can change (no route at the base URL, the identity refused) ends it with a
    /// [`RunError`] that says what to check.
    pub async fn run(self) -> Result<Stats, RunError> {
        self.run_until(std::future::pending()).await
    }

    /// Runs the worker until `signal` resolves (or a [`WorkerHandle`] shuts it down), then shuts
    /// down gracefully:
    ///
    /// 1. fetching stops at once (an open long poll is abandoned: its connection is closed; the
    ///    engine keeps the tasks it did not hand out);
    /// 2. running handlers finish and their outcomes are delivered, until the
    ///    [`shutdown_timeout`](WorkerBuilder::shutdown_timeout);
    /// 3. what is still running then is dealt with as
    ///    [`on_shutdown_timeout`](WorkerBuilder::on_shutdown_timeout) says.
    ///
    /// It ends without a signal too, with a [`RunError`], at the first fetch that waiting
    /// cannot mend (see [`run`](Self::run)); it stops the same way then, running handlers
    /// drained.
    ///
    /// Dropping the returned future before it ends stops the worker abruptly: fetching stops and
    /// running handlers are abandoned at once (their tokens fire, nothing is reported, their
    /// tasks return to the engine when the locks run out).
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<Stats, RunError> {
        worker::run(self.settings, self.shared, self.topics, signal).await
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("engine", &self.settings.client.base_url())
            .field("worker_id", &self.settings.worker_id)
            .field(
                "topics",
                &self
                    .topics
                    .iter()
                    .map(|topic| (&topic.name, &topic.options))
                    .collect::<Vec<_>>(),
            )
            .field("shutdown_timeout", &self.settings.shutdown_timeout)
            .finish_non_exhaustive()
    }
}
