//! End-to-end tests of `pe`: the built binary run against one stand-in engine that the tests
//! share, started in this process on 127.0.0.1:0 (or against `PROCESS_ENGINE_URL`'s engine when
//! it is set), each command in both output modes, with the exit codes scripts rely on.
//!
//! A real 8.0.0 on SQLite stalls under concurrent writes (a hundred tasks finished while other
//! tests start instances can jam it for minutes): run the tests against one with
//! `--test-threads 1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test is a failed test"
)]

mod deploy;
mod errors;
mod events;
mod inspect;
mod models;
mod serve;
mod start;
mod support;
mod tasks;
mod watch;
mod work;
