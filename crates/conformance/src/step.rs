//! One request step: `wait_ms`, the request, `repeat_until`, the checks and the captures.

use std::time::Instant;

use crate::capture::{Captures, capture};
use crate::check::{Timing, differences};
use crate::error::Result;
use crate::http::HttpClient;
use crate::record::WrittenStep;
use crate::request;
use crate::scenario::{Step, millis};
use crate::vars::Env;

/// How a step went: its differences (empty if it passed) and what it captured. Values are
/// captured even from a response that differs, as the recordings were made.
#[derive(Debug)]
pub(crate) struct StepResult {
    pub(crate) differences: Vec<String>,
    pub(crate) captures: Captures,
    /// The request and the last answer, for a transcript.
    pub(crate) record: WrittenStep,
}

/// Runs a request step with the variables as they are in `env`. A `ScenarioError::Undefined`
/// means the step could not be run.
pub(crate) async fn run(step: &Step, env: &Env, http: &HttpClient) -> Result<StepResult> {
    if let Some(wait) = &step.wait_ms {
        tokio::time::sleep(millis(wait)).await;
    }
    let request = request::build(step, env)?;
    let started = Instant::now();
    let mut attempts = 0;
    let (outcome, mut found) = loop {
        attempts += 1;
        let outcome = http.send(&request).await;
        let found = differences(step, env, &outcome, Timing::Check)?;
        match &step.repeat_until {
            Some(repeat) if !found.is_empty() && started.elapsed() < repeat.budget() => {
                tokio::time::sleep(repeat.interval()).await;
            }
            _ => break (outcome, found),
        }
    };
    if step.repeat_until.is_some() && !found.is_empty() {
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        found[0] = format!(
            "still differs after {attempts} attempts in {elapsed_ms:.0} ms: {}",
            found[0]
        );
    }
    let captures = capture(&step.capture, &outcome)?;
    if found.is_empty() {
        found.clone_from(&captures.problems);
    }
    let record = WrittenStep::new(
        step.name.as_deref(),
        &request,
        &outcome,
        attempts,
        found.is_empty(),
    );
    Ok(StepResult {
        differences: found,
        captures,
        record,
    })
}
