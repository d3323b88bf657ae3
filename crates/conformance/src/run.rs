//! Running a scenario against an engine (recordings README §1, §2.3): a fresh run id, the models deployed,
//! then the steps in order. A `concurrently` step runs as a task of its own from the variables
//! as they are when it starts; a `join` (or the end of the scenario) waits for it, reports its
//! differences under its own step number and makes its captures available.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::corpus::ScenarioFile;
use crate::deploy::deploy_models;
use crate::error::{Result, ScenarioError};
use crate::http::HttpClient;
use crate::pytext::repr;
use crate::record::{Written, WrittenStep};
use crate::report::{self, ScenarioReport};
use crate::scenario::{Scenario, Step};
use crate::step::{self, StepResult};
use crate::vars::{Env, new_run_id};

/// How long a concurrent request gets to reach the engine before the next step starts.
const HEAD_START: Duration = Duration::from_millis(50);

/// Runs scenarios against one engine; cheap to clone, one per concurrently run scenario.
#[derive(Clone)]
pub struct Runner {
    http: HttpClient,
    token: String,
    /// Where to write a transcript of each run, if anywhere.
    record: Option<PathBuf>,
}

impl Runner {
    /// A runner for the engine at `base_url` (`http://host:port`), sending `token` as the
    /// bearer token of every request whose step does not set its own.
    pub fn new(base_url: &str, token: &str) -> Self {
        Self {
            http: HttpClient::new(base_url),
            token: token.to_owned(),
            record: None,
        }
    }

    /// Also writes a transcript of each scenario run into `dir` (`<scenario>.json`), passed or
    /// not: the recordings of `api/recordings/transcripts` are made this way.
    #[must_use]
    pub fn recording_into(mut self, dir: PathBuf) -> Self {
        self.record = Some(dir);
        self
    }

    /// Runs one scenario of `corpus`, given by its position in [`Corpus::files`](crate::Corpus::files).
    pub async fn run_scenario_at(&self, corpus: &crate::Corpus, index: usize) -> ScenarioReport {
        match corpus.scenarios.get(index) {
            Some(file) => self.run(file, &corpus.bpmn).await,
            None => ScenarioReport {
                lines: vec![format!("FAIL the corpus has no scenario number {index}")],
                passed: false,
            },
        }
    }

    /// Runs one scenario file; `bpmn` holds the corpus's BPMN files.
    pub(crate) async fn run(
        &self,
        file: &ScenarioFile,
        bpmn: &BTreeMap<String, String>,
    ) -> ScenarioReport {
        let mut lines = Vec::new();
        let outcome = match &file.scenario {
            Ok(scenario) => self.run_scenario(scenario, bpmn, &mut lines).await,
            Err(error) => Err(error.clone()),
        };
        let passed = outcome.unwrap_or_else(|error| {
            lines.push(report::scenario_error(&file.file_name, &error));
            false
        });
        ScenarioReport { lines, passed }
    }

    async fn run_scenario(
        &self,
        scenario: &Scenario,
        bpmn: &BTreeMap<String, String>,
        lines: &mut Vec<String>,
    ) -> Result<bool> {
        let started = Instant::now();
        let run_id = new_run_id();
        let env = Env::prepare(scenario, bpmn, &run_id, &self.token, self.http.base_url())?;
        let (problems, setup) = deploy_models(scenario, &env, &self.http, &self.token).await?;
        lines.extend(
            problems
                .iter()
                .map(|problem| report::setup_failed(&scenario.name, problem)),
        );
        let mut passed = problems.is_empty();
        let mut records = Vec::new();
        if passed {
            let mut run = ScenarioRun {
                scenario,
                http: &self.http,
                env,
                pending: Vec::new(),
                lines,
                passed: true,
                records: BTreeMap::new(),
            };
            run.steps().await?;
            passed = run.passed;
            records = run.records.into_values().collect();
        }
        let took = started.elapsed();
        if let Some(dir) = &self.record {
            let written = Written {
                scenario: scenario.name.clone(),
                description: scenario.description.clone(),
                run: run_id,
                setup,
                steps: records,
                passed,
                duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            };
            if let Err(problem) = written.save(dir) {
                lines.push(format!("FAIL {}: {problem}", scenario.name));
                passed = false;
            }
        }
        lines.push(report::scenario_done(
            &scenario.name,
            passed,
            scenario.steps.len(),
            took,
        ));
        Ok(passed)
    }
}

/// The state of one scenario while its steps run.
struct ScenarioRun<'a> {
    scenario: &'a Scenario,
    http: &'a HttpClient,
    env: Env,
    /// Concurrent steps not joined yet, in the order they started.
    pending: Vec<Pending>,
    lines: &'a mut Vec<String>,
    passed: bool,
    /// What each request step sent and got, by step number (joins have none).
    records: BTreeMap<usize, WrittenStep>,
}

/// A concurrent step running in the background.
struct Pending {
    name: String,
    index: usize,
    step: Step,
    task: JoinHandle<Result<StepResult>>,
}

impl ScenarioRun<'_> {
    async fn steps(&mut self) -> Result<()> {
        for (i, step) in self.scenario.steps.iter().enumerate() {
            let index = i + 1;
            if let Some(join) = &step.join {
                for name in join.names() {
                    self.join(name).await?;
                }
            } else if step.concurrently {
                self.start_concurrently(index, step).await?;
            } else {
                let result = step::run(step, &self.env, self.http).await;
                self.record(index, step, result)?;
            }
        }
        while !self.pending.is_empty() {
            let name = self.pending[0].name.clone();
            self.join(&name).await?;
        }
        Ok(())
    }

    async fn start_concurrently(&mut self, index: usize, step: &Step) -> Result<()> {
        let Some(name) = step.name.clone() else {
            return Err(ScenarioError::invalid("a concurrent step needs a name"));
        };
        let task = tokio::spawn({
            let (step, env, http) = (step.clone(), self.env.clone(), self.http.clone());
            async move { step::run(&step, &env, &http).await }
        });
        self.pending.push(Pending {
            name,
            index,
            step: step.clone(),
            task,
        });
        tokio::time::sleep(HEAD_START).await;
        Ok(())
    }

    async fn join(&mut self, name: &str) -> Result<()> {
        let Some(position) = self.pending.iter().position(|pending| pending.name == name) else {
            let name = repr(Some(name));
            return Err(ScenarioError::invalid(format!(
                "join of unknown or already joined step {name}"
            )));
        };
        let pending = self.pending.remove(position);
        let result = pending.task.await.map_err(|e| {
            ScenarioError::invalid(format!(
                "concurrent step {} did not finish: {e}",
                repr(Some(name))
            ))
        })?;
        self.record(pending.index, &pending.step, result)
    }

    /// Reports a step's differences and keeps its captures; a step that could not be filled in
    /// is reported as not run, any other scenario error ends the scenario.
    fn record(&mut self, index: usize, step: &Step, result: Result<StepResult>) -> Result<()> {
        let differences = match result {
            Ok(StepResult {
                differences,
                captures,
                record,
            }) => {
                captures.store_in(&mut self.env);
                self.records.insert(index, record);
                differences
            }
            Err(error @ ScenarioError::Undefined(_)) => {
                self.records
                    .insert(index, WrittenStep::not_run(step.name.as_deref()));
                vec![report::not_run(&error)]
            }
            Err(error) => return Err(error),
        };
        if !differences.is_empty() {
            let name = step.name.as_deref();
            let line = report::step_failed(&self.scenario.name, index, name, &differences);
            self.lines.push(line);
            self.passed = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::ScenarioFile;
    use crate::fake_server;

    /// Every kind of step and failure; the recording tool, run against the same routes, reported the
    /// same lines (timings aside).
    const SCENARIO: &str = r#"{
  "name": "synthetic",
  "unique": {"model": "conf_start_end"},
  "models": [{"file": "conf_start_end.bpmn"}],
  "vars": {"who": {"jwt": {"sub": "me"}}},
  "steps": [
    {"name": "slow echo", "concurrently": true, "method": "POST", "path": "/slow", "json": {"run": "${run}"},
     "expect": {"status": 200, "content_type": "json", "body": {"run": "${run}"}, "elapsed_ms": {"min": 250}},
     "capture": {"echoed": "/run"}},
    {"name": "count to three", "path": "/counter", "repeat_until": {"timeout_ms": 2000, "interval_ms": 10},
     "expect": {"body": {"n": 3}}},
    {"name": "echo not joined yet", "path": "/auth", "query": {"x": "${echoed}"}, "expect": {"status": 200}},
    {"join": "slow echo"},
    {"name": "auth header", "path": "/auth", "headers": {"Authorization": "Bearer ${who}"},
     "expect": {"body": {"authorization": "Bearer ${who}", "echo": null}}},
    {"name": "never counts to 100", "path": "/counter", "repeat_until": {"timeout_ms": 100, "interval_ms": 20},
     "expect": {"body": {"n": 100}}},
    {"name": "text with markers", "path": "/text",
     "expect": {"status": 404, "content_type": "text", "body": "Thing with id '<string>' not found at <iso-date>."}},
    {"name": "wrong everything", "path": "/text",
     "expect": {"status": 200, "content_type": "json", "content_type_header": "application/json", "body": {"a": 1}},
     "capture": {"nothing": "/a"}},
    {"name": "capture problem only", "path": "/auth", "headers": {"Authorization": null},
     "expect": {"status": 200}, "capture": {"missing": "/nope"}},
    {"name": "uses the echo", "path": "/auth", "headers": {"X-Echo": "${echoed}"},
     "expect": {"body": {"authorization": "Bearer ${token}", "echo": "${run}"}}},
    {"name": "too slow", "method": "POST", "path": "/slow", "json": {}, "timeout_ms": 100, "expect": {"status": 200}},
    {"name": "no answer expected", "method": "POST", "path": "/slow", "json": {}, "timeout_ms": 100,
     "expect": {"no_response": true}},
    {"name": "elapsed bounds", "method": "POST", "path": "/slow", "json": {}, "expect": {"elapsed_ms": {"max": 100}}}
  ]
}"#;

    #[tokio::test]
    async fn a_scenario_reports_as_the_recordings_do() {
        let server = fake_server::start().await.unwrap();
        let file = ScenarioFile {
            file_name: "synthetic.json".into(),
            scenario: Ok(serde_json::from_str(SCENARIO).unwrap()),
        };
        let bpmn = BTreeMap::from([(
            "conf_start_end.bpmn".to_owned(),
            r#"<bpmn:process id="conf_start_end" isExecutable="true">"#.to_owned(),
        )]);
        let report = Runner::new(&server.url, "tok").run(&file, &bpmn).await;
        let lines: Vec<&str> = report.lines.iter().map(String::as_str).collect();
        assert!(!report.passed);
        assert_eq!(lines.len(), 7, "{lines:#?}");
        assert_eq!(
            lines[0],
            "FAIL synthetic step 3 'echo not joined yet': not run: undefined variable ${echoed} (an earlier step probably failed)"
        );
        assert!(
            lines[1]
                .starts_with("FAIL synthetic step 6 'never counts to 100': still differs after "),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].contains(" ms: body /n: expected 100, got "),
            "{}",
            lines[1]
        );
        assert_eq!(
            lines[2],
            "FAIL synthetic step 8 'wrong everything': status 404, expected 200 | content type class text (text/html; charset=utf-8), expected json | Content-Type header 'text/html; charset=utf-8', expected 'application/json' | body /: expected object, got \"Thing with id 'abc' not found at 2026-11-23T20:08:43.310Z.\""
        );
        assert_eq!(
            lines[3],
            "FAIL synthetic step 9 'capture problem only': cannot capture missing from /nope: not in the response"
        );
        assert_eq!(
            lines[4],
            "FAIL synthetic step 11 'too slow': request failed: no response within 100 ms"
        );
        assert!(
            lines[5].starts_with("FAIL synthetic step 13 'elapsed bounds': answered after 3"),
            "{}",
            lines[5]
        );
        assert!(
            lines[5].ends_with(" ms, expected at most 100 ms"),
            "{}",
            lines[5]
        );
        assert!(
            lines[6].starts_with("FAIL synthetic (13 steps, "),
            "{}",
            lines[6]
        );
    }

    #[tokio::test]
    async fn a_passing_scenario_and_a_broken_one() {
        let server = fake_server::start().await.unwrap();
        let runner = Runner::new(&server.url, "tok");
        let passing = ScenarioFile {
            file_name: "fine.json".into(),
            scenario: Ok(serde_json::from_str(
                r#"{"name": "fine", "steps": [{"path": "/counter", "expect": {"status": 200}}]}"#,
            )
            .unwrap()),
        };
        let report = runner.run(&passing, &BTreeMap::new()).await;
        assert!(report.passed);
        assert_eq!(report.lines.len(), 1);
        assert!(
            report.lines[0].starts_with("ok   fine (1 steps, 0."),
            "{}",
            report.lines[0]
        );
        let broken = ScenarioFile {
            file_name: "broken.json".into(),
            scenario: Ok(serde_json::from_str(
                r#"{"name": "broken", "steps": [{"join": "nothing"}]}"#,
            )
            .unwrap()),
        };
        let report = runner.run(&broken, &BTreeMap::new()).await;
        assert!(!report.passed);
        assert_eq!(
            report.lines,
            ["FAIL broken.json: scenario error: join of unknown or already joined step 'nothing'"]
        );
    }
}
