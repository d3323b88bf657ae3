//! What most programs use, in one import: `use process_engine::prelude::*;`.
//!
//! The two clients and the types their everyday calls take and return; nothing whose name
//! could clash with an application's own (no `Client`, no `Error`, no `Result`: write
//! `process_engine::Client` and `process_engine::Error`).

pub use crate::{Identity, RequestOptions};

#[cfg(feature = "process-control")]
pub use crate::process_control::{ProcessControlClient, StartCallbackType, TaskScope};

#[cfg(feature = "external-task")]
pub use crate::external_task::{
    BpmnError, ExternalTask, ServiceError, TaskOptions, Worker, shutdown_signal,
};
