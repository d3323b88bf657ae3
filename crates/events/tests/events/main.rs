//! Event streams against the stand-in engine started in-process, or with `PROCESS_ENGINE_URL`
//! set, against that engine (one test at a time, each on its own model ids; the tests that
//! restart the engine or count its sockets need the stand-in and say so when skipped).

// As in clippy.toml for `#[test]` functions: a failed unwrap in a helper is a failed test with a
// useful message.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

mod backpressure;
mod kinds;
mod load;
mod reconnect;
mod shutdown;
mod support;
mod users;
mod waits;
