//! Rust client for the 5Minds ProcessEngine, a BPMN workflow engine: start and steer process
//! instances from your services, and write the workers that do a process's external tasks.
//!
//! # Quick start
//!
//! One [`Client`] (the engine's URL, identity, timeouts, retries, one connection pool) is
//! configured once; the process-control client and the worker are handles made from it:
//!
//! ```no_run
//! use process_engine::Client;
//! use process_engine::prelude::*;
//! use serde_json::{Value, json};
//!
//! async fn say_hello(payload: Value) -> Result<Value, BpmnError> {
//!     Ok(json!({"some": "result", "input": payload}))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), process_engine::Error> {
//!     let client = Client::builder("http://localhost:56000").build()?;
//!     let control = ProcessControlClient::new(client.clone());
//!
//!     // A worker for the external tasks of topic `SampleExternalTask`.
//!     let worker = Worker::builder(client)
//!         .subscribe("SampleExternalTask", say_hello, TaskOptions::default())
//!         .build()?;
//!     let handle = worker.handle();
//!
//!     // Start `hello_world` and wait until it reaches `the_end_event`, while the worker runs;
//!     // then stop the worker gracefully (running handlers finish and deliver first).
//!     let start = async {
//!         let result = control
//!             .start_process_instance("hello_world", "the_start_event")
//!             .end_event("the_end_event")
//!             .send()
//!             .await;
//!         handle.shutdown();
//!         result
//!     };
//!     let (stats, result) = tokio::join!(worker.run_until(shutdown_signal()), start);
//!     println!("{:?} ({} tasks done)", result?.token_payload, stats?.completed);
//!     Ok(())
//! }
//! ```
//!
//! `cargo run --example hello_world` runs the same against a stand-in engine it starts itself.
//!
//! # The layers
//!
//! The modules mirror the Python `process_engine` package; each is a crate of its own that a
//! library can depend on alone:
//!
//! | module | crate | cargo feature |
//! | --- | --- | --- |
//! | [`process_control`]: [`ProcessControlClient`], [`StartCallbackType`], user tasks, events, deployment | `process-engine-process-control` | `process-control` (default) |
//! | [`external_task`]: [`Worker`], [`BpmnError`], [`TaskOptions`], shutdown | `process-engine-external-task` | `external-task` (default) |
//! | [`types`]: the engine's wire types, routes and error | `process-engine-api-types` | always |
//! | [`transport`]: the HTTP client (a tower stack over hyper: tracing, deadline, retry, attempt timeout, auth) | `process-engine-transport` | always; `rustls` (default) for https |
//! | [`events`]: the engine's notifications as a typed stream, waits for a task or an end | `process-engine-events` | `events` |
//! | `testkit`: the stand-in engine, for your tests | `process-engine-testkit` | `testkit` |
//!
//! `blocking` adds `process_control::blocking::ProcessControlClient`, whose calls block the
//! calling thread, for plain `fn main` programs.
//!
//! # Errors
//!
//! Each layer has its own error type; [`Error`] holds any of them, so that `?` works in an
//! application's `main` whatever it calls, and answers the questions a caller asks of a failure
//! itself ([`Error::status`], [`Error::is_timeout`], [`Error::is_not_found`],
//! [`Error::is_retryable`], the failed call's [`Error::operation`] and [`Error::base_url`]). A
//! `main` that returns it prints the failed operation, the engine and the causes.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
pub mod prelude;

pub use error::Error;

// The layers' crates are inlined as modules, so that their items are documented here and every
// link between them resolves within these docs (on docs.rs too, where each crate is built
// alone).

/// The engine's wire types: request and answer bodies, routes, typed operations, the engine's
/// error (the crate `process-engine-api-types`; the Python package's `process_engine` types).
#[doc(inline)]
pub use process_engine_api_types as types;
pub mod transport {
    //! The HTTP transport every client calls the engine through: the crate
    //! `process-engine-transport`, whose docs tell its stack, identities, retries and HTTPS.
    //!
    //! `transport::rustls` (cargo feature `rustls`) is the rustls crate the client's TLS is
    //! built on, for [`ClientBuilder::tls_config`]; see the rustls documentation.

    // Each item by name: a glob would make rustdoc copy the whole rustls documentation here,
    // whatever the re-export says. A new public item of the transport is added here too.
    #[doc(inline)]
    pub use process_engine_transport::{
        BoxError, BoxedService, Call, CallInfo, Client, ClientBuilder, ClientCredentials, Error,
        Identity, RequestOptions, RetryConfig, TokenSource,
    };

    #[doc(inline)]
    pub use process_engine_transport::oauth;

    #[doc(no_inline)]
    pub use process_engine_transport::async_trait;

    #[cfg(feature = "rustls")]
    #[doc(hidden)]
    pub use process_engine_transport::rustls;
}

/// Starting and steering process instances (the crate `process-engine-process-control`; the
/// Python package's `process_engine.process_control`).
#[cfg(feature = "process-control")]
#[cfg_attr(docsrs, doc(cfg(feature = "process-control")))]
#[doc(inline)]
pub use process_engine_process_control as process_control;

/// The external task worker (the crate `process-engine-external-task`; the Python package's
/// `process_engine.external_task`).
#[cfg(feature = "external-task")]
#[cfg_attr(docsrs, doc(cfg(feature = "external-task")))]
#[doc(inline)]
pub use process_engine_external_task as external_task;

/// The engine's notifications (instances started and ended, tasks waiting and finished) as a
/// typed stream, and waits built on them (the crate `process-engine-events`; cargo feature
/// `events`). Make the handle from the engine's transport:
/// `Events::new(engine.transport().clone())`.
#[cfg(feature = "events")]
pub use process_engine_events as events;

/// The stand-in engine, for testing your own workers and process code (the crate
/// `process-engine-testkit`; cargo feature `testkit`).
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
#[doc(inline)]
pub use process_engine_testkit as testkit;

pub use process_engine_api_types::{EngineError, EngineErrorKind};
pub use process_engine_transport::{
    Client, ClientBuilder, ClientCredentials, Identity, Pacing, RequestOptions,
};

#[cfg(feature = "process-control")]
#[cfg_attr(docsrs, doc(cfg(feature = "process-control")))]
pub use process_engine_process_control::{ProcessControlClient, StartCallbackType};

#[cfg(feature = "external-task")]
#[cfg_attr(docsrs, doc(cfg(feature = "external-task")))]
pub use process_engine_external_task::{
    BpmnError, ExternalTask, ServiceError, TaskOptions, Worker, WorkerBuilder, WorkerHandle,
    shutdown_signal,
};

// The guides need every layer (`blocking` included): CI runs the doctests with all features.
#[cfg(all(
    doctest,
    feature = "process-control",
    feature = "external-task",
    feature = "blocking"
))]
mod doctests;
