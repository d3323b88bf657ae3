//! A scenario held against its transcript, without an engine: with the recorded run id and the
//! variables captured from the recorded answers, every step must build the request that was
//! recorded, and its `expect` must accept the recorded answer (timing aside). This proves the
//! substitution, the renaming and the matchers on real answers.

use std::collections::BTreeMap;
use std::path::Path;

use crate::capture::{Captures, capture};
use crate::check::{Timing, differences};
use crate::corpus::Corpus;
use crate::deploy::deploy_name;
use crate::error::{Result, ScenarioError};
use crate::json::Json;
use crate::pytext::{repr, short};
use crate::report;
use crate::request::{self, Request};
use crate::response::Outcome;
use crate::scenario::{Scenario, Step};
use crate::transcript::{Record, RecordedRequest, Transcript};
use crate::vars::{DEFAULT_TOKEN, Env};

/// The base URL of the recorded runs; no scenario uses `${base_url}`.
const RECORDED_BASE_URL: &str = "http://127.0.0.1:8000";

/// How many recorded steps were checked, and a report line for each one that did not hold.
#[derive(Debug, Default)]
pub struct Replayed {
    /// The recorded steps checked.
    pub steps: usize,
    /// One line per step (or scenario) that does not hold against its transcript.
    pub failures: Vec<String>,
}

/// Holds every scenario of `corpus` against its transcript in `transcripts`
/// (`<scenario file name>`): a scenario without a transcript, or one that does not parse, is a
/// failure.
pub fn check_transcripts(corpus: &Corpus, transcripts: &Path) -> Replayed {
    let mut total = Replayed::default();
    for file in &corpus.scenarios {
        let scenario = match &file.scenario {
            Ok(scenario) => scenario,
            Err(error) => {
                total.failures.push(format!("{}: {error}", file.file_name));
                continue;
            }
        };
        let replayed =
            Transcript::load(&transcripts.join(&file.file_name)).and_then(|transcript| {
                replay(scenario, &corpus.bpmn, &transcript).map_err(|e| e.to_string())
            });
        match replayed {
            Ok(replayed) => {
                total.steps += replayed.steps;
                total.failures.extend(replayed.failures);
            }
            Err(error) => total.failures.push(format!("{}: {error}", file.file_name)),
        }
    }
    total
}

fn replay(
    scenario: &Scenario,
    bpmn: &BTreeMap<String, String>,
    transcript: &Transcript,
) -> Result<Replayed> {
    let mut env = Env::prepare(
        scenario,
        bpmn,
        &transcript.run,
        DEFAULT_TOKEN,
        RECORDED_BASE_URL,
    )?;
    let mut replayed = Replayed::default();
    replayed
        .failures
        .extend(setup_differences(scenario, &env, transcript)?);
    // Captures of concurrent steps become visible at their join, as in a live run.
    let mut pending: Vec<(String, Captures)> = Vec::new();
    let mut records = transcript.steps.iter();
    for (i, step) in scenario.steps.iter().enumerate() {
        if let Some(join) = &step.join {
            for name in join.names() {
                let Some(position) = pending.iter().position(|(pending, _)| pending == name) else {
                    let name = repr(Some(name));
                    return Err(ScenarioError::invalid(format!(
                        "join of unknown or already joined step {name}"
                    )));
                };
                pending.remove(position).1.store_in(&mut env);
            }
            continue;
        }
        let Some(record) = records.next() else {
            let line = format!(
                "{}: the transcript ends before step {}",
                scenario.name,
                i + 1
            );
            replayed.failures.push(line);
            return Ok(replayed);
        };
        replayed.steps += 1;
        let (found, captures) = step_differences(step, &env, record)?;
        match &step.name {
            Some(name) if step.concurrently => pending.push((name.clone(), captures)),
            _ => captures.store_in(&mut env),
        }
        if !found.is_empty() {
            let line = report::step_failed(&scenario.name, i + 1, step.name.as_deref(), &found);
            replayed.failures.push(line);
        }
    }
    if records.next().is_some() {
        replayed.failures.push(format!(
            "{}: the transcript has more steps than the scenario",
            scenario.name
        ));
    }
    Ok(replayed)
}

/// The recorded deployments must be the scenario's models under the names it derives.
fn setup_differences(
    scenario: &Scenario,
    env: &Env,
    transcript: &Transcript,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    if scenario.models.len() != transcript.setup.len() {
        found.push(format!(
            "{}: {} models, {} recorded deployments",
            scenario.name,
            scenario.models.len(),
            transcript.setup.len()
        ));
    }
    for (model, deployed) in scenario.models.iter().zip(&transcript.setup) {
        let name = deploy_name(model, env)?;
        if deployed.deploy != model.file || deployed.name != name || deployed.status != Some(200) {
            found.push(format!(
                "{} [setup]: {} as {} recorded as {} as {} with status {:?}",
                scenario.name,
                model.file,
                short(&name, 160),
                deployed.deploy,
                short(&deployed.name, 160),
                deployed.status
            ));
        }
    }
    Ok(found)
}

fn step_differences(step: &Step, env: &Env, record: &Record) -> Result<(Vec<String>, Captures)> {
    let mut found = Vec::new();
    if record.name != step.name {
        found.push(format!(
            "the transcript's step is {}",
            repr(record.name.as_deref())
        ));
    }
    let Some(recorded) = &record.request else {
        found.push("the recorded step was not run".to_owned());
        return Ok((found, Captures::default()));
    };
    found.extend(request_differences(&request::build(step, env)?, recorded));
    let outcome = match &record.response {
        Some(response) => Outcome::Answered(response.to_reply()),
        None => Outcome::NoAnswer {
            error: "no response recorded".to_owned(),
            timed_out: true,
            elapsed_ms: 0.0,
        },
    };
    found.extend(differences(step, env, &outcome, Timing::Ignore)?);
    let captures = capture(&step.capture, &outcome)?;
    if found.is_empty() {
        found.clone_from(&captures.problems);
    }
    Ok((found, captures))
}

fn request_differences(sent: &Request, recorded: &RecordedRequest) -> Vec<String> {
    let mut found = Vec::new();
    let mut compare = |what: &str, sent: String, recorded: String| {
        if sent != recorded {
            found.push(format!("request {what} {sent}, recorded {recorded}"));
        }
    };
    compare("method", sent.method.clone(), recorded.method.clone());
    compare("path", sent.path.clone(), recorded.path.clone());
    let recorded_query: Vec<(String, String)> = recorded
        .query
        .iter()
        .flat_map(|query| query.iter())
        .map(|(name, value)| (name.to_owned(), request::query_value(value.clone())))
        .collect();
    compare(
        "query",
        format!("{:?}", sent.query),
        format!("{recorded_query:?}"),
    );
    let recorded_headers: Vec<(&str, &str)> = recorded
        .headers
        .iter()
        .map(|(n, v)| (n, v.as_str()))
        .collect();
    let sent_headers: Vec<(&str, &str)> = sent
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    compare(
        "headers",
        format!("{sent_headers:?}"),
        format!("{recorded_headers:?}"),
    );
    let sent_body = match &sent.body {
        None => Json::Null,
        Some(bytes) => Json::parse(bytes)
            .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned().into()),
    };
    if sent_body != recorded.body {
        found.push(format!(
            "request body {}, recorded {}",
            short(&sent_body, 160),
            short(&recorded.body, 160)
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::recordings_dir;

    fn member<'a>(value: &'a mut Json, key: &str) -> &'a mut Json {
        match value {
            Json::Object(map) => map.get_mut(key).unwrap(),
            Json::Array(items) => &mut items[key.parse::<usize>().unwrap()],
            other => panic!("{other:?} has no {key}"),
        }
    }

    #[test]
    fn a_changed_answer_or_request_is_reported() {
        let corpus = Corpus::load(&recordings_dir().join("scenarios")).unwrap();
        let name = "a08_external_task_lifecycle.json";
        let file = corpus
            .scenarios
            .iter()
            .find(|file| file.file_name == name)
            .unwrap();
        let scenario = file.scenario.as_ref().unwrap();
        let mut transcript =
            Transcript::load(&recordings_dir().join("transcripts").join(name)).unwrap();
        let fetched = &mut transcript.steps[4].response.as_mut().unwrap().body;
        *member(member(member(fetched, "0"), "payload"), "order") = Json::parse(b"4712").unwrap();
        transcript.steps[6].response.as_mut().unwrap().status = 200;
        transcript.steps[7].request.as_mut().unwrap().path.push('x');

        let replayed = replay(scenario, &corpus.bpmn, &transcript).unwrap();
        let task = "/api/external_task/v1/task/96fc48a0-438b-4941-a127-7e0b4bf3d1c6/extend_lock";
        assert_eq!(
            replayed.failures,
            [
                "FAIL a08_external_task_lifecycle step 5 'fetch the task with its payload': body /0/payload/order: expected 4711, got 4712".to_owned(),
                "FAIL a08_external_task_lifecycle step 7 'extend_lock by the owner': status 200, expected 204".to_owned(),
                format!("FAIL a08_external_task_lifecycle step 8 'extend_lock by another worker: 423': request path {task}, recorded {task}x"),
            ]
        );
    }
}
