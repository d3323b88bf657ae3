//! A stand-in 5Minds ProcessEngine: it speaks the HTTP API of ProcessEngine runtime 8.0.0 as the
//! recorded real engine does, and executes BPMN.
//!
//! The real engine cannot be installed from any registry; this one starts in-process in
//! milliseconds, many per test process, each on its own port:
//!
//! ```no_run
//! use process_engine_testkit::TestEngine;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = TestEngine::builder().start().await?;
//! engine.deploy_file("samples/bpmn_models/hello_world.bpmn").await?;
//! println!("the engine listens on {}", engine.url());
//! // ... point a client or worker at engine.url() ...
//! engine.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Tests of a client's reliability inject faults through the handle:
//! [`TestEngine::stop_accepting`] and [`TestEngine::resume`] (an engine restart, state kept),
//! [`TestEngine::fail_next`] (the next requests of a route answer an error status),
//! [`TestEngine::delay`] (a route answers late). [`TestEngineBuilder::start_lag`] answers a
//! start before its instance is stored, as 8.0.0 does.
//!
//! Instances that stopped running are kept for queries up to a bound (the last 10,000 by
//! default; [`TestEngineBuilder::keep_finished`], [`TestEngineBuilder::keep_finished_for`]), so
//! an engine that runs for millions of instances keeps flat memory.
//!
//! An OAuth 2.0 authority for tests of client credentials is served beside the API when the
//! builder is given one ([`TestEngineBuilder::authority`], [`TestAuthority`]): a discovery
//! document and a token endpoint issuing JWTs of a given lifetime, named by
//! `GET /security/authority`, counting its grants ([`TestEngine::authority`]).
//!
//! Timers of timer events run on the engine's clock, which [`TestEngine::advance_clock`] moves
//! forward. A start waiting for an end event its instance does not reach gets no answer, as on
//! the real engine, unless [`TestEngineBuilder::answer_unreached_end_events`] asks for one.
//!
//! What it executes, where it deliberately differs from the real engine, and how its state is
//! kept: see the crate's README.

mod auth;
mod authority;
mod bpmn;
mod clock;
mod contention;
mod engine;
mod engine_handle;
mod faults;
mod notify;
mod server;

pub use authority::{Authority, ClientAuth, TestAuthority};
pub use bpmn::{ParseError, XmlError};
pub use engine_handle::{Error, TestEngine, TestEngineBuilder};
