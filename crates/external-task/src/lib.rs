//! External task workers for the 5Minds ProcessEngine: the Rust side of the Python client's
//! `ExternalTaskClient`, here a [`Worker`].
//!
//! # Quick start
//!
//! ```no_run
//! use process_engine_external_task::{BpmnError, Client, TaskOptions, Worker, shutdown_signal};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct Order {
//!     id: u32,
//!     amount: u64,
//! }
//!
//! #[derive(Serialize)]
//! struct Checked {
//!     approved: bool,
//! }
//!
//! async fn check_order(order: Order) -> Result<Checked, BpmnError> {
//!     if order.amount > 10_000 {
//!         return Err(BpmnError::new("NeedsApproval", format!("order {} is large", order.id)));
//!     }
//!     Ok(Checked { approved: true })
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // The transport holds the configuration; the worker is a handle made from it.
//! let client = Client::builder("http://localhost:56000").build()?;
//! let worker = Worker::builder(client)
//!     .subscribe("CheckOrder", check_order, TaskOptions::default().max_tasks(5))
//!     .build()?;
//! worker.run_until(shutdown_signal()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # What the worker does
//!
//! - **Fetching**: each subscribed topic has a loop that fetches and locks only as many tasks as
//!   it has free slots ([`TaskOptions::max_tasks`]), with a long poll whose HTTP timeout is the
//!   long-polling timeout plus a margin. Each task runs as its own tokio task; a slow one never
//!   holds up fetching for the others. A slot is held from the fetch until the task's outcome
//!   is delivered (or its lock is lost), so that the worker never holds more locks than
//!   `max_tasks`; it is freed when the task's future ends or is dropped, even when the handler
//!   panics.
//! - **Handlers** are async functions of the payload, or of the payload and the
//!   [`ExternalTask`] (see [`Handler`]). A result finishes the task; a [`BpmnError`] becomes a
//!   BPMN error; any other error, a panic, and a payload that does not deserialize into the
//!   handler's type become a service error (naming the field, for the payload).
//! - **Locks** are extended every [`TaskOptions::extend_lock_timeout`] while the handler runs.
//!   When the engine answers that the lock is gone (404, 410, 423), the handler's cancellation
//!   token fires, its future is dropped and nothing is reported.
//! - **Delivery** of results and errors is retried with backoff on transport errors, timeouts
//!   and 5xx until the engine acknowledges it or says the lock is gone. The transport does not
//!   send a finish again once it may have arrived (a repeat answers 410 although the first took
//!   effect): the worker does, and counts a 410 after its own retry as delivered
//!   ([`Stats::deliveries_confirmed_by_gone`]).
//! - **Pacing**: deliveries go through the transport's pacer (on by default, adaptive; see
//!   [`Pacing`](process_engine_transport::Pacing)), which keeps an 8.0.0 engine out of the jam
//!   it gets into when finishes arrive back to back. One pacer serves every client made from
//!   the same transport client: workers, starts, user task finishes.
//! - **Backoff**: a failing fetch (engine down, 5xx; the real engine answers 500 under
//!   contention) waits with exponential backoff and full jitter above a floor, capped, reset on
//!   success; an empty answer that came at once is followed by a pause too. Nothing spins.
//!   While deliveries fail, the worker sends one probe at a time; the rest wait for it.
//! - **Shutdown** ([`Worker::run_until`], [`WorkerHandle::shutdown`],
//!   [`shutdown_signal`] for Ctrl-C and SIGTERM): fetching stops at once, running handlers
//!   finish and deliver until a deadline, and [`ShutdownTimeoutAction`] says what happens to
//!   those still running then.
//! - **Observability**: every task runs in a tracing span `external_task` with `topic`,
//!   `task_id`, `process_instance_id`, `correlation_id` and `worker_id`; the counters
//!   ([`WorkerHandle::stats`]) and loop states ([`WorkerHandle::state`],
//!   [`WorkerHandle::topic_state`]) can be read while the worker runs.
//!
//! # Requests while the engine is down
//!
//! With `T` topics, an engine that is unreachable for a time `W` receives from one worker at
//! most `T · (1 + W / (fetch_initial / 2))` fetches (every fetch backoff draw is at least half
//! the initial backoff), `1 + W / (delivery_initial / 2)` delivery probes, plus the deliveries
//! that were already on their way when it went down (at most the sum of the topics'
//! `max_tasks`), plus the lock extensions of running handlers (each at most once per half the
//! delivery backoff's initial value). With the defaults and a 10 s outage: at most 101 fetches
//! per topic and 201 deliveries, whatever the number of waiting results.

mod backoff;
mod build_error;
mod builder;
mod engine_api;
mod error;
mod fetch_loop;
mod gate;
mod handle;
mod handler;
mod options;
mod run_error;
mod runner;
mod shutdown;
mod stats;
mod task;
mod task_run;
mod worker;

pub use build_error::{BuildError, TaskOptionsError};
pub use builder::WorkerBuilder;
pub use error::{BoxError, BpmnError, ServiceError, TaskError};
pub use handle::WorkerHandle;
pub use handler::{Handler, HandlerFuture};
pub use options::TaskOptions;
pub use process_engine_transport::Client;
pub use run_error::RunError;
pub use runner::Worker;
pub use shutdown::{ShutdownTimeoutAction, shutdown_signal};
pub use stats::{LoopState, Stats};
pub use task::ExternalTask;

/// The cancellation token type of [`ExternalTask::cancellation_token`], re-exported so that
/// handlers need no dependency of their own.
pub use tokio_util::sync::CancellationToken;
