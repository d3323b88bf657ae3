//! `cargo xtask`: the project's own tasks.
//!
//! ```text
//! cargo xtask codegen [--check]   generate crates/api-types/src/generated/ from api/*.openapi.yaml
//! cargo xtask ci                  run exactly what CI runs
//! cargo xtask newest-dependencies check the workspace with the newest dependencies its
//!                                 manifests allow, warnings denied (a step of `ci`)
//! cargo xtask conformance --engine URL [--record DIR] [SCENARIO]...
//!                                 replay api/recordings against an engine, print the differences
//! cargo xtask bench [engine|handout|soak [CYCLES]]
//!                                 run a benchmark of the stand-in engine and print its figures
//! cargo xtask bench worker [--engine URL] [--only RUN,...]
//!                                 the external-task worker against a raw hyper loop; its
//!                                 pacing on the contention model at 25 and 45 ms (or, by hand,
//!                                 on a real engine at URL: no overhead runs then)
//! cargo xtask bench start         a start through the process-control client vs a raw loop,
//!                                 against the stand-in engine and against a canned answer
//! cargo xtask release <version> [--dry-run]
//!                                 bump all crates, check the changelog, package and verify
//! ```

#![allow(
    clippy::print_stdout,
    reason = "a command-line tool: printing is its output"
)]

mod bench;
mod bench_start;
mod bench_worker;
mod ci;
mod codegen;
mod conformance;
mod newest;
mod release;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <codegen [--check] | ci | newest-dependencies | \
                     conformance --engine URL [SCENARIO]... | \
                     bench [engine | handout | soak [CYCLES] | start | \
                     worker [--engine URL] [--only RUN,...]] | \
                     release <version> [--dry-run]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(codegen::Mode::Check),
        ["ci"] => ci::run(),
        ["newest-dependencies"] => newest::run(&workspace::cargo()),
        ["conformance", rest @ ..] => conformance::run(rest),
        ["bench", "start", rest @ ..] => bench_start::run(rest),
        ["bench", "worker", rest @ ..] => bench_worker::run(rest),
        ["bench", rest @ ..] => match bench::Bench::parse(rest) {
            Some(bench) => bench::run(&bench),
            None => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        ["release", rest @ ..] => release::run(rest),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
