//! `pe`: the 5Minds ProcessEngine from a shell. Deploy models, start instances and see where
//! they wait, answer their tasks, trigger their events, work a topic with any program, watch
//! the engine's events, and serve the stand-in engine.
//!
//! Every command is built on the public API of the `process-engine` facade and nothing else;
//! `docs/cli.md` is its manual (commands, output, exit codes).

mod args;
mod command;
mod duration;
mod engine;
mod exit;
mod failure;
mod input;
mod output;
mod signal;
mod spinner;
mod table;

use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;
use crate::exit::Exit;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.color.apply();
    init_logging(cli.verbose);
    let output = Output::new(cli.output);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            output.failure(&failure::Failure::other(
                "could not start the async runtime",
                error,
            ));
            return Exit::Failure.into();
        }
    };
    let exit = match runtime.block_on(command::run(cli.command, &cli.engine, &output)) {
        Ok(exit) => exit,
        Err(failure) => {
            output.failure(&failure);
            failure.exit()
        }
    };
    exit.into()
}

/// Logs of the library (a worker's retries, a lost lock) go to stderr: warnings by default,
/// more with `-v`, or whatever `RUST_LOG` says.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}
