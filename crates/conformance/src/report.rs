//! The report, line for line as the recordings README (§1) shows it:
//!
//! ```text
//! FAIL a08_external_task_lifecycle step 7 'extend_lock by the owner': status 204, expected 200
//! FAIL a08_external_task_lifecycle (18 steps, 2.3 s)
//! ok   a09_external_task_errors (15 steps, 0.5 s)
//! 1 passed, 1 failed
//! ```

use std::time::Duration;

use crate::error::ScenarioError;
use crate::pytext::repr;

/// The lines one scenario produced, and whether it passed.
#[derive(Debug)]
pub struct ScenarioReport {
    /// One `FAIL` line per step that differs, then the scenario's `ok`/`FAIL` line.
    pub lines: Vec<String>,
    /// Whether every step held.
    pub passed: bool,
}

impl ScenarioReport {
    /// The `FAIL` lines alone.
    pub fn failures(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .map(String::as_str)
            .filter(|line| line.starts_with("FAIL"))
    }
}

/// A step that differs: all its differences on one line.
pub(crate) fn step_failed(
    scenario: &str,
    index: usize,
    step: Option<&str>,
    differences: &[String],
) -> String {
    let label = repr(Some(step.unwrap_or("")));
    format!(
        "FAIL {scenario} step {index} {label}: {}",
        differences.join(" | ")
    )
}

/// The difference of a step whose variables could not be filled.
pub(crate) fn not_run(error: &ScenarioError) -> String {
    format!("not run: {error} (an earlier step probably failed)")
}

pub(crate) fn setup_failed(scenario: &str, problem: &str) -> String {
    format!("FAIL {scenario} [setup]: {problem}")
}

pub(crate) fn scenario_done(scenario: &str, passed: bool, steps: usize, took: Duration) -> String {
    let verdict = if passed { "ok  " } else { "FAIL" };
    format!(
        "{verdict} {scenario} ({steps} steps, {:.1} s)",
        took.as_secs_f64()
    )
}

/// A scenario that could not be run to its end; named by its file.
pub(crate) fn scenario_error(file_name: &str, error: &ScenarioError) -> String {
    format!("FAIL {file_name}: scenario error: {error}")
}

/// The last line of a report, counting scenarios: `33 passed, 1 failed`.
pub fn summary(reports: &[ScenarioReport]) -> String {
    let passed = reports.iter().filter(|report| report.passed).count();
    format!("{passed} passed, {} failed", reports.len() - passed)
}
