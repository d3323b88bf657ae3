//! The stand-in engine's conformance test: every scenario of `api/recordings/scenarios` is
//! replayed against `process-engine-testkit`, and every scenario is held against the transcript
//! of its run on the real ProcessEngine 8.0.0.
//!
//! ```sh
//! cargo test -p process-engine-conformance --test stand_in_engine               # the stand-in
//! PROCESS_ENGINE_URL=http://127.0.0.1:8000 \
//!     cargo test -p process-engine-conformance --test stand_in_engine -- --nocapture  # another engine
//! ```

#![allow(
    clippy::print_stdout,
    reason = "the report is what these tests are for"
)]

use std::sync::Arc;

use process_engine_conformance::{
    Corpus, DEFAULT_TOKEN, Runner, ScenarioReport, check_transcripts, recordings_dir, summary,
};
use process_engine_testkit::TestEngine;

#[test]
fn every_scenario_holds_against_its_transcript_of_the_real_engine() {
    let corpus = Corpus::load(&recordings_dir().join("scenarios")).unwrap();
    let checked = check_transcripts(&corpus, &recordings_dir().join("transcripts"));
    let scenarios = corpus.files().count();
    println!(
        "{scenarios} scenarios, {} recorded steps checked",
        checked.steps
    );
    // The 34 recordings of the real engine and the project's own 7 (each has a transcript;
    // a missing one is a failure); far fewer steps than the scenarios hold means steps were
    // skipped.
    assert!(
        scenarios >= 41 && checked.steps >= 10 * scenarios,
        "{scenarios} scenarios, {} steps",
        checked.steps
    );
    assert!(
        checked.failures.is_empty(),
        "{}",
        checked.failures.join("\n")
    );
}

/// Against the stand-in engine the scenarios run concurrently, each on an engine of its own;
/// against another engine (`PROCESS_ENGINE_URL`) one after the other, because the real one
/// stalls under concurrent writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_passes_against_the_stand_in_engine() {
    let corpus = Arc::new(Corpus::load(&recordings_dir().join("scenarios")).unwrap());
    let reports = match std::env::var("PROCESS_ENGINE_URL") {
        Ok(url) => one_after_another(&corpus, &Runner::new(&url, DEFAULT_TOKEN)).await,
        Err(_) => all_at_once(&corpus).await,
    };
    println!("{}", summary(&reports));
    let failures: Vec<&str> = reports.iter().flat_map(ScenarioReport::failures).collect();
    assert!(
        reports.iter().all(|report| report.passed),
        "{}",
        failures.join("\n")
    );
}

async fn one_after_another(corpus: &Corpus, runner: &Runner) -> Vec<ScenarioReport> {
    let mut reports = Vec::new();
    for index in 0..corpus.files().count() {
        let report = runner.run_scenario_at(corpus, index).await;
        print_lines(&report);
        reports.push(report);
    }
    reports
}

async fn all_at_once(corpus: &Arc<Corpus>) -> Vec<ScenarioReport> {
    // Each scenario gets an engine of its own: some of the engine's state is global (while a
    // user task waits inside an embedded sub-process, `user_tasks/own` answers 404 for
    // everyone, as d08_subprocess records), and the real engine ran them one after the other.
    let tasks: Vec<_> = (0..corpus.files().count())
        .map(|index| {
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
                let report = runner.run_scenario_at(&corpus, index).await;
                engine.shutdown().await;
                report
            })
        })
        .collect();
    let mut reports = Vec::new();
    for (task, file) in tasks.into_iter().zip(corpus.files()) {
        let report = task.await.unwrap_or_else(|error| ScenarioReport {
            lines: vec![format!("FAIL {file}: the scenario's task failed: {error}")],
            passed: false,
        });
        print_lines(&report);
        reports.push(report);
    }
    reports
}

/// Prints a scenario's lines as soon as it is done (see them with `--nocapture`).
fn print_lines(report: &ScenarioReport) {
    for line in &report.lines {
        println!("{line}");
    }
}
