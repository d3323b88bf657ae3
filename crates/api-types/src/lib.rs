//! Wire types of the 5Minds ProcessEngine HTTP API (runtime 8.0.0).
//!
//! - [`models`]: every request and response body, generated from the API description in
//!   `api/engine-8.0.0.openapi.yaml` (`cargo xtask codegen`). Bodies serialize exactly as the
//!   engine writes them (camelCase keys, snake_case query parameters), accept fields they do not
//!   know, keep free-form payloads as [`serde_json::Value`] with typed accessors such as
//!   [`models::ExternalTask::payload_as`], and enums keep values a newer engine may send.
//! - [`routes`]: the route of each operation (method, path template, retry class, kind of
//!   answer).
//! - [`operations`]: one typed [`Operation`] per route: its named path parameters, query, body
//!   and the type its answer decodes to. A transport sends any of them.
//! - [`EngineError`]: the engine's error answer (status, kind, message).
//! - [`notifications`]: the events the engine pushes (names and payloads), and [`socket_io`],
//!   the socket.io protocol they travel over.
//!
//! This crate only describes the wire; it does no I/O.
//!
//! ```
//! use process_engine_api_types::models::ExternalTask;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Order {
//!     order: u32,
//! }
//!
//! let task: ExternalTask = serde_json::from_str(
//!     r#"{"id": "t1", "workerId": "w", "topic": "orders", "flowNodeInstanceId": "f",
//!         "correlationId": "c", "processModelId": "m", "processInstanceId": "p",
//!         "identity": {"token": "t", "userId": "u"}, "payload": {"order": 4711},
//!         "lockExpirationTime": "2026-11-23T20:41:32.536Z", "state": "pending",
//!         "finishedAt": null, "error": null, "createdAt": "2026-11-23T20:41:02.528Z"}"#,
//! )?;
//! assert_eq!(task.payload_as::<Order>()?.order, 4711);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod correlation_error;
pub mod error;
mod identity;
pub mod notifications;
pub mod operation;
pub mod payload;
mod query;
pub mod route;
pub mod socket_io;

#[path = "generated/models.rs"]
pub mod models;
#[path = "generated/operations.rs"]
pub mod operations;
#[path = "generated/routes.rs"]
pub mod routes;

pub use error::{EngineError, EngineErrorKind};
pub use models::Identity;
pub use operation::{DecodeError, Operation, QueryError};
pub use operations::OperationId;
pub use payload::PayloadError;
pub use route::Route;
