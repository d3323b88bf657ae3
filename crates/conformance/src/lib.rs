//! The project's conformance check: every scenario of `api/recordings/scenarios` (recorded
//! against the real ProcessEngine 8.0.0, or written by the project and passed against it twice)
//! replayed against an engine, with every difference reported.
//!
//! The format of scenarios and transcripts, the matcher language and the report lines are
//! described in `api/recordings/README.md`. Three uses:
//!
//! - the stand-in engine's conformance test (`tests/stand_in_engine.rs`, run by `cargo xtask
//!   ci`): every scenario against a `process-engine-testkit` engine started in-process, and every
//!   scenario held against its transcript without an engine;
//! - `cargo xtask conformance --engine URL`: every scenario against any engine, such as a real
//!   8.0.0, one after the other;
//! - `--record DIR`: a transcript of each run, which is how a new scenario becomes a recording.
//!
//! ```no_run
//! use process_engine_conformance::{Corpus, Runner, recordings_dir, summary};
//!
//! # async fn run() -> std::io::Result<()> {
//! let corpus = Corpus::load(&recordings_dir().join("scenarios"))?;
//! let runner = Runner::new("http://127.0.0.1:8000", process_engine_conformance::DEFAULT_TOKEN);
//! let mut reports = Vec::new();
//! for index in 0..corpus.files().count() {
//!     reports.push(runner.run_scenario_at(&corpus, index).await);
//! }
//! println!("{}", summary(&reports));
//! # Ok(()) }
//! ```

// The scenario format, the files on disk, and defects of a scenario.
mod corpus;
mod error;
mod scenario;
mod transcript;
// JSON with the order and texts of the recordings: ordered objects, Python's texts.
mod json;
mod ordered;
mod pytext;
// Variables: built-ins, generated values, `${...}`, unique names.
mod subst;
mod unique;
mod vars;
// Matching answers: the matcher language and what it is built on.
mod markers;
mod matcher;
mod pointer;
mod regex;
// Running against an engine, and writing what it answered.
mod capture;
mod check;
mod deploy;
mod http;
mod record;
mod report;
mod request;
mod response;
mod run;
mod step;
// Checking against the transcripts, and a tiny server for the runner's own tests.
#[cfg(test)]
mod fake_server;
mod offline;

pub use corpus::{Corpus, recordings_dir};
pub use offline::{Replayed, check_transcripts};
pub use report::{ScenarioReport, summary};
pub use run::Runner;
pub use vars::DEFAULT_TOKEN;
