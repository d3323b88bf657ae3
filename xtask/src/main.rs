//! `cargo xtask`: the project's own tasks.
//!
//! ```text
//! cargo xtask codegen [--check]   generate crates/api-types/src/generated/ from api/*.openapi.yaml
//! cargo xtask ci                  run exactly what CI runs
//! cargo xtask bench [engine]      run the benchmarks and print their figures
//! cargo xtask bench worker        the external-task worker against a raw hyper loop
//! cargo xtask bench start         a start through the process-control client vs a raw loop
//! cargo xtask release <version> [--dry-run]
//!                                 bump all crates, check the changelog, package and verify
//! ```

#![allow(
    clippy::print_stdout,
    reason = "a command-line tool: printing is its output"
)]

mod bench_start;
mod bench_worker;
mod ci;
mod codegen;
mod release;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <codegen [--check] | ci | bench [engine | start | worker] | \
                     release <version> [--dry-run]>";

/// The stand-in engine's throughput: start + fetch_and_lock + finish cycles per second.
fn bench_engine() -> anyhow::Result<()> {
    workspace::run(
        &workspace::cargo(),
        &[
            "bench",
            "--package",
            "process-engine-testkit",
            "--bench",
            "cycles",
        ],
        &[],
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(codegen::Mode::Check),
        ["ci"] => ci::run(),
        ["bench"] | ["bench", "engine"] => bench_engine(),
        ["bench", "start"] => bench_start::run(),
        ["bench", "worker"] => bench_worker::run(),
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
