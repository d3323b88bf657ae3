//! The process-control client against a real HTTP engine: the stand-in engine in-process, or
//! the engine at `PROCESS_ENGINE_URL` (one test at a time, each on its own models and
//! correlations):
//!
//! ```sh
//! cargo test -p process-engine-process-control --test process_control
//! PROCESS_ENGINE_URL=http://127.0.0.1:8000 cargo test -p process-engine-process-control --test process_control
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test is a failed test"
)]

mod support;
mod without_token;

mod correlations;
mod deployment;
mod errors;
mod events;
mod process_models;
mod results;
mod server;
mod start;
mod user_tasks;
mod waiting_tasks;
