//! The worker's configuration: its id, its subscriptions, backoff and shutdown, checked when
//! it is built.

use std::sync::Arc;
use std::time::Duration;

use process_engine_transport::Client;

use crate::backoff::Backoff;
use crate::fetch_loop::Topic;
use crate::handler::{ErasedHandler, Handler, erase};
use crate::stats::{LoopState, StateCell};
use crate::worker::Shared;
use crate::{BuildError, ShutdownTimeoutAction, TaskOptions, Worker};

/// Configures a [`Worker`]: every setting by value, checked by [`build`](Self::build).
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
/// let worker = Worker::builder(Client::builder("http://localhost:56000").build()?)
///     .worker_id("billing-1")
///     .subscribe("SampleExternalTask", handler, TaskOptions::default().max_tasks(5))
///     .build()?;
/// let stats = worker.run_until(shutdown_signal()).await?;
/// # let _ = stats;
/// # Ok(())
/// # }
/// ```
///
/// One worker has one worker id (a random UUID unless [set](Self::worker_id)) for all its
/// topics; each topic has its own fetch loop, slots and options. Result deliveries are paced by
/// the transport [`Client`] (see [`Pacing`](process_engine_transport::Pacing)): one pacer for
/// every client made from the same transport, so that the engine is not jammed by finishes that
/// come back to back.
#[must_use = "a builder does nothing until `build` is called"]
pub struct WorkerBuilder {
    client: Client,
    worker_id: String,
    subscriptions: Vec<Subscription>,
    fetch_backoff: Backoff,
    delivery_backoff: Backoff,
    shutdown_timeout: Duration,
    on_timeout: ShutdownTimeoutAction,
}

/// One topic with its handler and options, as subscribed; checked when the worker is built.
struct Subscription {
    topic: String,
    options: TaskOptions,
    handler: ErasedHandler,
}

impl WorkerBuilder {
    pub(crate) fn new(client: Client) -> Self {
        WorkerBuilder {
            client,
            worker_id: uuid::Uuid::new_v4().to_string(),
            subscriptions: Vec::new(),
            fetch_backoff: Backoff::new(Duration::from_millis(200), Duration::from_secs(10)),
            delivery_backoff: Backoff::new(Duration::from_millis(100), Duration::from_secs(5)),
            shutdown_timeout: Duration::from_secs(30),
            on_timeout: ShutdownTimeoutAction::Abandon,
        }
    }

    /// The worker id the tasks are locked for (default: a random UUID). Two workers with the
    /// same id could finish each other's tasks: give each process its own.
    pub fn worker_id(mut self, worker_id: impl Into<String>) -> Self {
        self.worker_id = worker_id.into();
        self
    }

    /// Runs `handler` for the tasks of `topic`, with `options`: the Python client's
    /// `subscribe_to_external_task_for_topic`. Several topics are several calls.
    ///
    /// The handler is an async function of the payload, or of the payload and the
    /// [`ExternalTask`](crate::ExternalTask) (see [`Handler`]). [`build`](Self::build) refuses
    /// an empty topic, a topic subscribed twice and options that cannot work.
    pub fn subscribe<H, Args>(
        mut self,
        topic: impl Into<String>,
        handler: H,
        options: TaskOptions,
    ) -> Self
    where
        H: Handler<Args>,
    {
        self.subscriptions.push(Subscription {
            topic: topic.into(),
            options,
            handler: erase(handler),
        });
        self
    }

    /// How fetching backs off when it fails (default: from 200 ms, doubling, up to 10 s). Each
    /// wait is drawn between half of `initial` and the current ceiling (full jitter above a
    /// floor); the first success resets it.
    pub fn fetch_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.fetch_backoff = Backoff::new(initial, max);
        self
    }

    /// How deliveries back off while the engine fails them (default: from 100 ms, doubling, up
    /// to 5 s), as [`fetch_backoff`](Self::fetch_backoff) but shared by all deliveries of the
    /// worker: one probe at a time until the engine takes one. Failed lock extensions retry
    /// with the same settings, each task on its own.
    pub fn delivery_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.delivery_backoff = Backoff::new(initial, max);
        self
    }

    /// How long a shutdown waits for running handlers to finish and their results to be
    /// delivered (default 30 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// What happens to handlers still running when the shutdown timeout passes (default
    /// [`ShutdownTimeoutAction::Abandon`]).
    pub fn on_shutdown_timeout(mut self, action: ShutdownTimeoutAction) -> Self {
        self.on_timeout = action;
        self
    }

    /// Checks the configuration and builds the worker. Fails, naming the topic, on an empty
    /// topic, a topic subscribed twice, options that cannot work ([`TaskOptions`]), and when
    /// nothing is subscribed.
    pub fn build(self) -> Result<Worker, BuildError> {
        let shared = Arc::new(Shared::new());
        let mut topics: Vec<Arc<Topic>> = Vec::with_capacity(self.subscriptions.len());
        for Subscription {
            topic,
            options,
            handler,
        } in self.subscriptions
        {
            if topic.is_empty() {
                return Err(BuildError::EmptyTopic);
            }
            if topics.iter().any(|known| known.name == topic) {
                return Err(BuildError::DuplicateTopic(topic));
            }
            if let Err(reason) = options.validate() {
                return Err(BuildError::InvalidOptions { topic, reason });
            }
            let state = Arc::new(StateCell::new(LoopState::NotStarted));
            shared.topics().push((topic.clone(), Arc::clone(&state)));
            topics.push(Arc::new(Topic {
                name: topic,
                options,
                handler,
                state,
            }));
        }
        if topics.is_empty() {
            return Err(BuildError::NoSubscriptions);
        }
        Ok(Worker::new(
            crate::worker::Settings {
                client: self.client,
                worker_id: self.worker_id,
                fetch_backoff: self.fetch_backoff,
                delivery_backoff: self.delivery_backoff,
                shutdown_timeout: self.shutdown_timeout,
                on_timeout: self.on_timeout,
                report_window: Duration::from_secs(5),
            },
            shared,
            topics,
        ))
    }
}

impl std::fmt::Debug for WorkerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerBuilder")
            .field("engine", &self.client.base_url())
            .field("worker_id", &self.worker_id)
            .field(
                "subscriptions",
                &self
                    .subscriptions
                    .iter()
                    .map(|subscription| (&subscription.topic, &subscription.options))
                    .collect::<Vec<_>>(),
            )
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;
    use crate::TaskOptionsError;

    async fn echo(payload: serde_json::Value) -> Result<serde_json::Value, Infallible> {
        Ok(payload)
    }

    fn builder() -> WorkerBuilder {
        Worker::builder(Client::builder("http://localhost:8000").build().unwrap())
    }

    #[test]
    fn what_cannot_work_is_refused_when_built_naming_the_topic() {
        let error = builder()
            .subscribe("a", echo, TaskOptions::default())
            .subscribe("b", echo, TaskOptions::default().max_tasks(0))
            .build()
            .unwrap_err();
        assert_eq!(
            error,
            BuildError::InvalidOptions {
                topic: "b".into(),
                reason: TaskOptionsError::ZeroTasks
            }
        );
        assert_eq!(error.to_string(), "the options of topic `b` cannot work");
        assert_eq!(
            std::error::Error::source(&error).map(ToString::to_string),
            Some("max_tasks is 0: at least one handler must be able to run".to_owned())
        );
        assert_eq!(builder().build().unwrap_err(), BuildError::NoSubscriptions);
    }

    #[test]
    fn a_built_worker_keeps_its_id_and_topics() {
        let worker = builder()
            .worker_id("w-1")
            .subscribe("a", echo, TaskOptions::default())
            .subscribe("b", echo, TaskOptions::default())
            .build()
            .unwrap();
        assert_eq!(worker.worker_id(), "w-1");
        let handle = worker.handle();
        assert_eq!(handle.topic_state("a"), Some(LoopState::NotStarted));
        assert_eq!(handle.topic_state("b"), Some(LoopState::NotStarted));
        assert_eq!(handle.topic_state("c"), None);
    }
}
