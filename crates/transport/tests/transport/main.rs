//! The client against a scripted local server: retries, timeouts, auth, failures, requests, TLS.

// As in clippy.toml for `#[test]` functions: a failed unwrap in a helper is a failed test with a
// useful message.
#![allow(clippy::unwrap_used, reason = "test code")]

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod failures;
mod pacing;
mod pool;
mod requests;
mod retry;
mod timeouts;
#[cfg(feature = "rustls")]
mod tls;
mod upgrade;
