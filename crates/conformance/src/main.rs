//! `process-engine-conformance --engine URL`: replays the recorded scenarios against an engine,
//! one after the other, and prints every difference (`cargo xtask conformance` runs it).

#![allow(
    clippy::print_stdout,
    reason = "a command-line tool: the report is its output"
)]

use std::path::PathBuf;
use std::process::ExitCode;

use process_engine_conformance::{Corpus, DEFAULT_TOKEN, Runner, recordings_dir, summary};

const USAGE: &str = "\
usage: process-engine-conformance --engine URL [--token TOKEN] [--scenarios DIR] [--record DIR]
                                  [SCENARIO]...

Replays scenarios against the engine at URL, one after the other (a real 8.0.0 stalls under
concurrent writes), and prints one FAIL line per step that differs, one ok/FAIL line per
scenario and a last line `N passed, N failed`. Exits 0 only if every scenario passed.

  --engine URL      the engine's root, e.g. http://127.0.0.1:8000
  --token TOKEN     the bearer token of requests that set none (default: the development
                    token ZHVtbXlfdG9rZW4=, whose user id several scenarios check)
  --scenarios DIR   the scenarios to replay, with their models in DIR/bpmn
                    (default: api/recordings/scenarios of this repository)
  --record DIR      also write a transcript of each run into DIR (<scenario>.json)
  SCENARIO          only these scenarios (file name, with or without .json)";

struct Args {
    engine: String,
    token: String,
    scenarios: PathBuf,
    record: Option<PathBuf>,
    only: Vec<String>,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut engine = None;
    let mut token = DEFAULT_TOKEN.to_owned();
    let mut scenarios = recordings_dir().join("scenarios");
    let mut record = None;
    let mut only = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--engine" => engine = Some(value("--engine")?),
            "--token" => token = value("--token")?,
            "--scenarios" => scenarios = PathBuf::from(value("--scenarios")?),
            "--record" => record = Some(PathBuf::from(value("--record")?)),
            "-h" | "--help" => return Err(String::new()),
            option if option.starts_with('-') => return Err(format!("unknown option {option}")),
            name => only.push(name.to_owned()),
        }
    }
    let engine = engine.ok_or("--engine URL is required")?;
    Ok(Args {
        engine,
        token,
        scenarios,
        record,
        only,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("error: {problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut corpus = match Corpus::load(&args.scenarios) {
        Ok(corpus) => corpus,
        Err(error) => {
            eprintln!(
                "error: cannot read the scenarios in {}: {error}",
                args.scenarios.display()
            );
            return ExitCode::from(2);
        }
    };
    if !args.only.is_empty() {
        let unknown = corpus.retain(&args.only);
        if !unknown.is_empty() {
            eprintln!(
                "error: no scenario named {} in {}",
                unknown.join(", "),
                args.scenarios.display()
            );
            return ExitCode::from(2);
        }
    }
    let mut runner = Runner::new(&args.engine, &args.token);
    if let Some(dir) = args.record {
        runner = runner.recording_into(dir);
    }
    let mut reports = Vec::new();
    for index in 0..corpus.files().count() {
        let report = runner.run_scenario_at(&corpus, index).await;
        for line in &report.lines {
            println!("{line}");
        }
        reports.push(report);
    }
    println!("{}", summary(&reports));
    if reports.iter().all(|report| report.passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse(list.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn the_engine_is_required_and_options_take_values() {
        let parsed = args(&["--engine", "http://e", "a01", "--record", "out"]).unwrap();
        assert_eq!(parsed.engine, "http://e");
        assert_eq!(parsed.only, ["a01"]);
        assert_eq!(parsed.record, Some(PathBuf::from("out")));
        assert_eq!(parsed.token, DEFAULT_TOKEN);
        assert_eq!(
            args(&["a01"]).err().as_deref(),
            Some("--engine URL is required")
        );
        assert_eq!(
            args(&["--engine"]).err().as_deref(),
            Some("--engine needs a value")
        );
        assert_eq!(
            args(&["--engine", "x", "--verbose"]).err().as_deref(),
            Some("unknown option --verbose")
        );
    }
}
