//! `cargo xtask conformance --engine URL [SCENARIO]...`: replays the scenarios of
//! `api/recordings` against any engine and prints the differences, so that anyone with a real
//! ProcessEngine 8.0.0 can check the stand-in engine's recordings (and with `--record DIR`,
//! record a new scenario).
//!
//! The replay itself is the `process-engine-conformance` crate's program; this task builds and
//! runs it, so that xtask itself stays free of an HTTP client.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::workspace::{self, cargo};

pub(crate) const USAGE: &str =
    "conformance --engine URL [--token TOKEN] [--record DIR] [SCENARIO]...";

pub(crate) fn run(args: &[&str]) -> Result<()> {
    if !args.contains(&"--engine") {
        bail!("usage: cargo xtask {USAGE}");
    }
    // The program runs in the workspace root; folders are named from where the task was asked.
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let mut passed: Vec<String> = Vec::new();
    let mut folder_follows = false;
    for arg in args {
        if folder_follows {
            passed.push(here.join(Path::new(arg)).display().to_string());
        } else {
            passed.push((*arg).to_owned());
        }
        folder_follows = matches!(*arg, "--record" | "--scenarios");
    }
    let mut command = vec![
        "run",
        "--quiet",
        "--locked",
        "--package",
        "process-engine-conformance",
        "--",
    ];
    command.extend(passed.iter().map(String::as_str));
    workspace::run(&cargo(), &command, &[])
}
