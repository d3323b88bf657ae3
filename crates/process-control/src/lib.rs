//! Starting and steering the process instances of a 5Minds ProcessEngine: the Rust side of the
//! Python client's `ProcessControlClient` and `UserTaskClient`, and what those left as TODO.
//!
//! # Quick start
//!
//! ```no_run
//! use process_engine_process_control::{ProcessControlClient, StartCallbackType};
//!
//! # async fn run() -> Result<(), process_engine_process_control::Error> {
//! let client = ProcessControlClient::new("http://localhost:56000")?;
//!
//! // Returns as soon as the instance is created.
//! let started = client
//!     .start_process_instance("hello_world", "the_start_event")
//!     .send()
//!     .await?;
//! println!("started {} in {}", started.process_instance_id, started.correlation_id);
//!
//! // Blocks until `the_end_event` is reached, at most the client's wait limit.
//! let finished = client
//!     .start_process_instance("hello_world", "the_start_event")
//!     .end_event("the_end_event")
//!     .callback(StartCallbackType::OnEndEventReached)
//!     .input(&serde_json::json!({"name": "world"}))
//!     .send()
//!     .await?;
//! println!("ended at {:?} with {:?}", finished.end_event_id, finished.token_payload);
//! # Ok(())
//! # }
//! ```
//!
//! Every method returns a builder ending in `.send()`; the per-call options (attempt timeout,
//! deadline, identity) are set the same way on each, through [`RequestOptionsBuilder`].
//!
//! # What it covers
//!
//! - process models: [`process_models`](ProcessControlClient::process_models),
//!   [`process_model`](ProcessControlClient::process_model), by instance, with XML;
//!   deployment: [`deploy_bpmn`](ProcessControlClient::deploy_bpmn),
//!   [`deploy_file`](ProcessControlClient::deploy_file) (the process id is read from the XML),
//!   [`update_process_model`](ProcessControlClient::update_process_model),
//!   [`undeploy`](ProcessControlClient::undeploy);
//! - starts ([`start_process_instance`](ProcessControlClient::start_process_instance)), results
//!   ([`process_results`](ProcessControlClient::process_results),
//!   [`wait_for_result`](ProcessControlClient::wait_for_result)), own instances;
//! - correlations, instance state and token history, terminate;
//! - user tasks with typed form fields, manual tasks, empty activities ([`TaskScope`]);
//! - message and signal events ([`EventScope`], [`trigger_message`](ProcessControlClient::trigger_message));
//! - [`server_info`](ProcessControlClient::server_info) and the
//!   [`authority`](ProcessControlClient::authority).
//!
//! The types here are the client's own, not the engine's wire format: a later engine
//! generation can be added without changing code written against them.
//!
//! # Errors
//!
//! One [`Error`] type; [`Error::kind`] tells the cases apart (unknown process model, not
//! found, not allowed, bad request, timeout, unreachable, wait limit passed, instance failed,
//! ...), and [`Error::status`] and [`Error::message`] keep the engine's answer.
//!
//! # Waiting for instances
//!
//! A start with callback type 2 or 3 waits for the instance, and the engine sets no limit (an
//! 8.0.0 engine never answers a type-3 start whose instance ends at another end event). The
//! client does: [`DEFAULT_WAIT_LIMIT`], or [`ProcessControlClient::with_wait_limit`], or
//! [`StartProcessInstance::wait_limit`] per call. When it passes, the error is
//! [`ErrorKind::WaitLimitPassed`] and names the correlation, which the client always sends
//! (generated when not given), so the instance can be looked up.
//!
//! # Blocking
#![cfg_attr(
    feature = "blocking",
    doc = "With the cargo feature `blocking`, [`blocking::ProcessControlClient`] has the same
methods; its `send()` blocks, for plain `fn main` programs."
)]
#![cfg_attr(
    not(feature = "blocking"),
    doc = "With the cargo feature `blocking`, `blocking::ProcessControlClient` has the same
methods; its `send()` blocks, for plain `fn main` programs."
)]

#[cfg(feature = "blocking")]
pub mod blocking;
mod bpmn_id;
mod client;
mod correlation;
mod deploy;
mod error;
mod event;
mod form_field;
mod mode;
mod process_instance;
mod process_model;
mod process_result;
mod request;
mod scope;
mod server;
mod start;
mod start_callback_type;
mod start_result;
mod task_ref;
mod token_history;
mod user_task;
mod wait;
mod waiting_task;
mod wire;

pub use client::{DEFAULT_WAIT_LIMIT, ProcessControlClient};
pub use correlation::{Correlation, CorrelationInstance, InstanceError, InstanceState};
pub use deploy::Deploy;
pub use error::{Error, ErrorKind};
pub use event::{Event, EventKind, TriggerEvent};
pub use form_field::{EnumValue, FormField, FormFieldType, FormValue};
pub use mode::{Async, Mode};
pub use process_engine_transport::{Client, Identity, RequestOptions, RequestOptionsBuilder};
pub use process_instance::ProcessInstance;
pub use process_model::ProcessModel;
pub use process_result::ProcessResult;
pub use request::Request;
pub use scope::{EventScope, TaskScope};
pub use server::ServerInfo;
pub use start::StartProcessInstance;
pub use start_callback_type::StartCallbackType;
pub use start_result::ProcessStartResult;
pub use task_ref::TaskRef;
pub use token_history::{TokenEvent, TokenHistory, TokenHistoryEntry};
pub use user_task::{FinishUserTask, UserTask};
pub use wait::WaitForResult;
pub use waiting_task::{EmptyActivity, ManualTask};
