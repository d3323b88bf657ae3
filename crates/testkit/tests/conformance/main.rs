//! The conformance test of the stand-in engine: every scenario recorded against the real
//! ProcessEngine 8.0.0 (`scenarios/`, format in the corpus README) is replayed against it.
//!
//! This is a port of the corpus's `replay.py`, which stays the reference: the same scenario
//! format, matchers, substitution and report lines.
//!
//! ```sh
//! cargo test -p process-engine-testkit --test conformance                  # the stand-in engine
//! PROCESS_ENGINE_URL=http://127.0.0.1:8000 \
//!     cargo test -p process-engine-testkit --test conformance -- --nocapture  # a real engine
//! ```

// The scenario format, the files on disk, and defects of a scenario.
mod corpus;
mod error;
mod scenario;
mod transcript;
// JSON as replay.py sees it: ordered objects, Python's texts.
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
// Running against an engine.
mod capture;
mod check;
mod deploy;
mod http;
mod report;
mod request;
mod response;
mod run;
mod step;
// Checking against the transcripts, and a tiny server for the runner's own tests.
mod fake_server;
mod offline;

use std::sync::Arc;

use process_engine_testkit::TestEngine;

use crate::corpus::{Corpus, scenarios_dir};
use crate::report::ScenarioReport;
use crate::run::Runner;
use crate::transcript::{Transcript, transcript_path};
use crate::vars::DEFAULT_TOKEN;

#[test]
fn offline_the_matchers_accept_every_recorded_answer() {
    let corpus = Corpus::load(&scenarios_dir()).unwrap();
    let mut steps = 0;
    let mut failures = Vec::new();
    for file in &corpus.scenarios {
        let scenario = file.scenario.as_ref().unwrap();
        let transcript = Transcript::load(&transcript_path(&file.file_name)).unwrap();
        let replayed = offline::replay(scenario, &corpus.bpmn, &transcript).unwrap();
        steps += replayed.steps;
        failures.extend(replayed.failures);
    }
    println!(
        "{} scenarios, {steps} recorded steps checked",
        corpus.scenarios.len()
    );
    assert!(!corpus.scenarios.is_empty() && steps > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Against the stand-in engine the scenarios run concurrently, each on an engine of its own;
/// against a real engine (`PROCESS_ENGINE_URL`) one after the other, because it
/// stalls under concurrent writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_scenarios_pass_against_the_stand_in_engine() {
    let corpus = Arc::new(Corpus::load(&scenarios_dir()).unwrap());
    let reports = match std::env::var("PROCESS_ENGINE_URL") {
        Ok(url) => one_after_another(&corpus, &Runner::new(&url, DEFAULT_TOKEN)).await,
        Err(_) => all_at_once(&corpus).await,
    };
    println!("{}", report::summary(&reports));
    let failures: Vec<&str> = reports
        .iter()
        .flat_map(|report| &report.lines)
        .filter(|line| line.starts_with("FAIL"))
        .map(String::as_str)
        .collect();
    assert!(
        reports.iter().all(|report| report.passed),
        "{}",
        failures.join("\n")
    );
}

async fn one_after_another(corpus: &Corpus, runner: &Runner) -> Vec<ScenarioReport> {
    let mut reports = Vec::new();
    for file in &corpus.scenarios {
        let report = runner.run(file, &corpus.bpmn).await;
        print_lines(&report);
        reports.push(report);
    }
    reports
}

async fn all_at_once(corpus: &Arc<Corpus>) -> Vec<ScenarioReport> {
    // Each scenario gets an engine of its own: some of the engine's state is global (while a
    // user task waits inside an embedded sub-process, `user_tasks/own` answers 404 for everyone,
    // as d08_subprocess records), and the real engine ran them one after the other.
    let tasks: Vec<_> = (0..corpus.scenarios.len())
        .map(|i| {
            let corpus = Arc::clone(corpus);
            tokio::spawn(async move {
                let engine = match TestEngine::builder().start().await {
                    Ok(engine) => engine,
                    Err(error) => {
                        return ScenarioReport {
                            lines: vec![format!("FAIL the engine did not start: {error}")],
                            passed: false,
                        };
                    }
                };
                let runner = Runner::new(engine.url(), DEFAULT_TOKEN);
                let report = runner.run(&corpus.scenarios[i], &corpus.bpmn).await;
                engine.shutdown().await;
                report
            })
        })
        .collect();
    let mut reports = Vec::new();
    for (task, file) in tasks.into_iter().zip(&corpus.scenarios) {
        let report = task.await.unwrap_or_else(|error| ScenarioReport {
            lines: vec![format!(
                "FAIL {}: the scenario's task failed: {error}",
                file.file_name
            )],
            passed: false,
        });
        print_lines(&report);
        reports.push(report);
    }
    reports
}

/// Prints a scenario's lines as soon as it is done (see them with `--nocapture`).
#[allow(clippy::print_stdout)] // The report is what this test is for.
fn print_lines(report: &ScenarioReport) {
    for line in &report.lines {
        println!("{line}");
    }
}
