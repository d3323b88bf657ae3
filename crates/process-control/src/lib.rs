//! Starting and steering the process instances of a 5Minds ProcessEngine: the Rust side of the
//! Python client's `ProcessControlClient` and `UserTaskClient`, and what those left as TODO.
//!
//! # Quick start
//!
//! ```no_run
//! use process_engine_process_control::{Client, ProcessControlClient};
//!
//! # async fn run() -> Result<(), process_engine_process_control::Error> {
//! // The transport holds the configuration; the client is a handle made from it.
//! let client = ProcessControlClient::new(Client::builder("http://localhost:56000").build()?);
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
//!     .input(&serde_json::json!({"name": "world"}))
//!     .send()
//!     .await?;
//! println!("ended at {:?} with {:?}", finished.end_event_id, finished.token_payload);
//! # Ok(())
//! # }
//! ```
//!
//! # Requests and answers
//!
//! Every method returns a builder ending in `.send()`. Most are a [`RequestBuilder`]: the
//! generated [`operation`](RequestBuilder::operation) the call makes (from
//! [`operations`](process_engine_api_types::operations)), and its [`RequestOptions`] (attempt timeout, deadline, identity), set with
//! `with_options`; building does no I/O, so a test can look at a request without sending it.
//! The calls that do more than one exchange have builders of their own:
//! [`StartProcessInstanceBuilder`] (a start that may wait for its instance, and explains its
//! failure), [`WaitForResultBuilder`] (polls), [`DeployBuilder`] (reads the process id from the
//! BPMN) and [`ProcessInstanceBuilder`] (one instance of a correlation).
//!
//! The answers are the engine's own types, generated from its API description
//! ([`models`](process_engine_api_types::models) of the crate `process-engine-api-types`,
//! `process_engine::types` in the facade):
//! [`ProcessStartResponse`](process_engine_api_types::models::ProcessStartResponse),
//! [`UserTaskList`](process_engine_api_types::models::UserTaskList),
//! [`Correlation`](process_engine_api_types::models::Correlation), ... Their
//! free-form payloads have typed accessors (`token_payload_as::<T>()`), and
//! [`FormValue::default_of`] reads a form field's default as its type.
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
//! - correlations, instance state ([`process_instance`](ProcessControlClient::process_instance))
//!   and token history, terminate;
//! - user tasks with typed form fields, manual tasks, empty activities ([`TaskScope`]);
//! - message and signal events ([`EventScope`], [`trigger_message`](ProcessControlClient::trigger_message));
//! - [`server_info`](ProcessControlClient::server_info) and the
//!   [`authority`](ProcessControlClient::authority);
//! - any other operation of the API: [`request`](ProcessControlClient::request).
//!
//! # Errors
//!
//! One [`Error`] type; [`Error::kind`] tells the cases apart (unknown process model, not
//! found, unauthorized, bad request, timeout, unreachable, wait limit passed, instance failed,
//! ...), [`Error::status`] and [`Error::message`] keep the engine's answer, and
//! [`Error::operation`] and [`Error::base_url`] name the failed call.
//!
//! # Waiting for instances
//!
//! A start with callback type 2 or 3 waits for the instance, and the engine sets no limit (an
//! 8.0.0 engine never answers a type-3 start whose instance ends at another end event). The
//! client does: [`DEFAULT_WAIT_LIMIT`], or [`ProcessControlClient::with_wait_limit`], or
//! [`StartProcessInstanceBuilder::wait_limit`] per call. When it passes, the error is
//! [`ErrorKind::WaitLimitPassed`] and names the correlation, which the client always sends
//! (generated when not given), so the instance can be looked up.
//!
//! # Blocking
//!
//! With the cargo feature `blocking`, `blocking::ProcessControlClient` makes the same calls
//! from a plain `fn main`: `client.call(|control| control.process_models().send())` blocks
//! until the answer is there.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod bpmn_id;
mod client;
mod correlations;
mod deploy;
mod error;
mod events;
mod form_value;
mod instances;
mod process_models;
mod request_builder;
mod scope;
mod scoped_lists;
mod server;
mod start;
mod task_ref;
mod user_tasks;
mod wait;
mod waiting_at;
mod waiting_tasks;

pub use client::{DEFAULT_WAIT_LIMIT, ProcessControlClient};
pub use deploy::DeployBuilder;
pub use error::{Error, ErrorKind};
pub use form_value::FormValue;
pub use instances::ProcessInstanceBuilder;
pub use process_engine_api_types::models::StartCallbackType;
pub use process_engine_transport::{Client, Identity, RequestOptions};
pub use request_builder::RequestBuilder;
pub use scope::{EventScope, TaskScope};
pub use scoped_lists::{ListEmptyActivities, ListEvents, ListManualTasks, ListUserTasks};
pub use start::StartProcessInstanceBuilder;
pub use task_ref::TaskRef;
pub use wait::WaitForResultBuilder;
