//! Rust client for the 5Minds ProcessEngine, a BPMN workflow engine.
//!
//! This facade re-exports the layers, so that an application depends on this one crate; a library
//! that needs only one layer can depend on it alone:
//!
//! - [`api_types`]: the wire types (bodies, routes, the engine's error);
//! - [`transport`]: the HTTP client (a tower stack over hyper with tracing, deadline, retry,
//!   per-attempt timeout and auth).
//!
//! The process-control client and the external-task worker come next, as their own layers.
//!
//! ```no_run
//! use process_engine::api_types::operations::GetProcessModels;
//! use process_engine::transport::{Client, RequestOptions};
//!
//! # async fn run() -> Result<(), process_engine::transport::Error> {
//! let client = Client::builder("http://127.0.0.1:8000").build()?;
//! let models = client
//!     .execute(&GetProcessModels::new(), &RequestOptions::new())
//!     .await?;
//! for model in &models.process_models {
//!     println!("{}", model.id);
//! }
//! # Ok(())
//! # }
//! ```

pub use process_engine_api_types as api_types;
pub use process_engine_transport as transport;

pub use process_engine_api_types::{EngineError, EngineErrorKind};
pub use process_engine_transport::{Client, ClientBuilder, Error, Identity, RequestOptions};

#[cfg(doctest)]
mod doctests;
