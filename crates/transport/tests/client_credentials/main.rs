//! The client-credentials identity against the stand-in engine and its test authority: tokens
//! renewed across their expiry under load, one token request for many calls, the engine's
//! `401`, the authority down or answering garbage, and no secret in any log line.
//!
//! These tests need the test authority, so they always run on the stand-in engine, also when
//! `PROCESS_ENGINE_URL` names another.

#![allow(clippy::unwrap_used, reason = "test code")]

mod configuration;
mod outage;
mod refresh;
mod refusal;
mod support;
