//! The client users configure: topics with their handlers, the worker id, backoff, shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use process_engine_transport::Client;

use crate::backoff::Backoff;
use crate::fetch_loop::Topic;
use crate::handler::{Handler, erase};
use crate::stats::{LoopState, StateCell};
use crate::worker::{self, Settings, Shared};
use crate::{ShutdownTimeoutAction, StartError, Stats, SubscribeError, TaskOptions};

/// An external task worker: subscribe handlers to topics, then [`start`](Self::start) it.
///
/// ```no_run
/// use process_engine_external_task::{ExternalTaskClient, TaskOptions};
/// use serde_json::{Value, json};
///
/// async fn handler(payload: Value) -> Result<Value, std::convert::Infallible> {
///     Ok(json!({"received": payload}))
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let mut client = ExternalTaskClient::new("http://localhost:8000")?;
/// client.subscribe("SampleExternalTask", handler, TaskOptions::default().max_tasks(5))?;
/// client.start().await?;
/// # Ok(())
/// # }
/// ```
///
/// One client has one worker id (a random UUID unless [set](Self::worker_id)) for all its topics;
/// each topic has its own fetch loop, slots and options. Result deliveries are paced by the
/// transport [`Client`] (see [`Pacing`](process_engine_transport::Pacing)): one pacer for
/// every client made from the same transport, so that the engine is not jammed by finishes
/// that come back to back.
pub struct ExternalTaskClient {
    client: Client,
    worker_id: String,
    topics: Vec<Arc<Topic>>,
    shared: Arc<Shared>,
    fetch_backoff: Backoff,
    delivery_backoff: Backoff,
    shutdown_timeout: Duration,
    on_timeout: ShutdownTimeoutAction,
}

impl ExternalTaskClient {
    /// A worker for the engine at `url`, with a transport client of default settings (dummy
    /// identity). For another identity, timeouts or TLS, build the transport [`Client`] and use
    /// [`from_client`](Self::from_client).
    pub fn new(url: &str) -> Result<Self, process_engine_transport::Error> {
        Ok(Self::from_client(Client::builder(url).build()?))
    }

    /// A worker that calls the engine through `client`. Its attempt timeout limits each
    /// extension and delivery attempt; the long polls get their own
    /// (`long_polling_timeout` plus a margin).
    pub fn from_client(client: Client) -> Self {
        ExternalTaskClient {
            client,
            worker_id: uuid::Uuid::new_v4().to_string(),
            topics: Vec::new(),
            shared: Arc::new(Shared::new()),
            fetch_backoff: Backoff::new(Duration::from_millis(200), Duration::from_secs(10)),
            delivery_backoff: Backoff::new(Duration::from_millis(100), Duration::from_secs(5)),
            shutdown_timeout: Duration::from_secs(30),
            on_timeout: ShutdownTimeoutAction::Abandon,
        }
    }

    /// Sets the worker id the tasks are locked for (default: a random UUID). Two clients with
    /// the same id could finish each other's tasks: give each process its own.
    #[must_use]
    pub fn worker_id(mut self, worker_id: impl Into<String>) -> Self {
        self.worker_id = worker_id.into();
        self
    }

    /// The worker id.
    pub fn id(&self) -> &str {
        &self.worker_id
    }

    /// Runs `handler` for the tasks of `topic`, with `options`.
    ///
    /// The handler is an async function of the payload, or of the payload and the
    /// [`ExternalTask`](crate::ExternalTask) (see [`Handler`]). Fails, without subscribing, when
    /// the options cannot work, the topic is empty or already has a handler on this client.
    ///
    /// Several topics (the Python client's `subscribe_to_external_tasks_for_topics`) are
    /// several calls, which chain: `client.subscribe(a, ha, oa)?.subscribe(b, hb, ob)?`.
    pub fn subscribe<H, Args>(
        &mut self,
        topic: impl Into<String>,
        handler: H,
        options: TaskOptions,
    ) -> Result<&mut Self, SubscribeError>
    where
        H: Handler<Args>,
    {
        let name = topic.into();
        if name.is_empty() {
            return Err(SubscribeError::EmptyTopic);
        }
        if self.topics.iter().any(|topic| topic.name == name) {
            return Err(SubscribeError::DuplicateTopic(name));
        }
        options.validate()?;
        let state = Arc::new(StateCell::new(LoopState::NotStarted));
        self.shared
            .topics()
            .push((name.clone(), Arc::clone(&state)));
        self.topics.push(Arc::new(Topic {
            name,
            options,
            handler: erase(handler),
            state,
        }));
        Ok(self)
    }

    /// How fetching backs off when it fails (default: from 200 ms, doubling, up to 10 s). Each
    /// wait is drawn between half of `initial` and the current ceiling (full jitter above a
    /// floor); the first success resets it.
    #[must_use]
    pub fn fetch_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.fetch_backoff = Backoff::new(initial, max);
        self
    }

    /// How deliveries back off while the engine fails them (default: from 100 ms, doubling, up
    /// to 5 s), as [`fetch_backoff`](Self::fetch_backoff) but shared by all deliveries of the
    /// client: one probe at a time until the engine takes one. Failed lock extensions retry
    /// with the same settings, each task on its own.
    #[must_use]
    pub fn delivery_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.delivery_backoff = Backoff::new(initial, max);
        self
    }

    /// How long a shutdown waits for running handlers to finish and their results to be
    /// delivered (default 30 s).
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// What happens to handlers still running when the shutdown timeout passes (default
    /// [`ShutdownTimeoutAction::Abandon`]).
    #[must_use]
    pub fn on_shutdown_timeout(mut self, action: ShutdownTimeoutAction) -> Self {
        self.on_timeout = action;
        self
    }

    /// A handle to read the worker's counters and state and to shut it down, from anywhere.
    pub fn handle(&self) -> WorkerHandle {
        WorkerHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Runs the worker until it is shut down through a [`WorkerHandle`]; returns the counters.
    ///
    /// A worker that should stop on Ctrl-C or SIGTERM uses
    /// [`run_until`](Self::run_until)`(`[`shutdown_signal`](crate::shutdown_signal)`())`.
    /// An engine that cannot be reached does not end it: fetching backs off and tries again.
    pub async fn start(self) -> Result<Stats, StartError> {
        self.run_until(std::future::pending()).await
    }

    /// Runs the worker until `signal` resolves (or a [`WorkerHandle`] shuts it down), then shuts
    /// down gracefully:
    ///
    /// 1. fetching stops at once (an open long poll is abandoned: its connection is closed; the
    ///    engine keeps the tasks it did not hand out);
    /// 2. running handlers finish and their outcomes are delivered, until the
    ///    [`shutdown_timeout`](Self::shutdown_timeout);
    /// 3. what is still running then is dealt with as
    ///    [`on_shutdown_timeout`](Self::on_shutdown_timeout) says.
    ///
    /// Dropping the returned future before it ends stops the worker abruptly: fetching stops and
    /// running handlers are abandoned at once (their tokens fire, nothing is reported, their
    /// tasks return to the engine when the locks run out).
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<Stats, StartError> {
        if self.topics.is_empty() {
            return Err(StartError::NoSubscriptions);
        }
        let settings = Settings {
            client: self.client,
            worker_id: self.worker_id,
            fetch_backoff: self.fetch_backoff,
            delivery_backoff: self.delivery_backoff,
            shutdown_timeout: self.shutdown_timeout,
            on_timeout: self.on_timeout,
            report_window: Duration::from_secs(5),
        };
        Ok(worker::run(settings, self.shared, self.topics, signal).await)
    }
}

impl std::fmt::Debug for ExternalTaskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalTaskClient")
            .field("engine", &self.client.base_url())
            .field("worker_id", &self.worker_id)
            .field(
                "topics",
                &self
                    .topics
                    .iter()
                    .map(|topic| (&topic.name, &topic.options))
                    .collect::<Vec<_>>(),
            )
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}

/// Reads a worker's counters and state, and shuts it down. Cheap to clone; usable before, while
/// and after the worker runs.
#[derive(Debug, Clone)]
pub struct WorkerHandle {
    shared: Arc<Shared>,
}

impl WorkerHandle {
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

    /// Starts a graceful shutdown (see [`ExternalTaskClient::run_until`]). Returns at once;
    /// the run's future ends when the shutdown is done.
    pub fn shutdown(&self) {
        self.shared.stop.cancel();
    }
}
