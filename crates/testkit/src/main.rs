//! `process-engine-testkit`: the stand-in engine as a program.
//!
//! ```text
//! process-engine-testkit [--host 127.0.0.1] [--port 56000] [--deploy FILE_OR_DIR]...
//! ```
//!
//! Prints `listening on http://HOST:PORT` once it accepts requests; stops on Ctrl-C or SIGTERM.

use std::net::IpAddr;
use std::process::ExitCode;

use process_engine_testkit::TestEngine;

const USAGE: &str =
    "usage: process-engine-testkit [--host ADDR] [--port PORT] [--deploy FILE_OR_DIR]...

  --host ADDR          address to listen on (default 127.0.0.1)
  --port PORT          port to listen on (default 56000; 0 picks a free one)
  --deploy PATH        deploy a BPMN file, or every .bpmn file of a folder (repeatable)";

#[tokio::main]
async fn main() -> ExitCode {
    let mut builder = TestEngine::builder().port(56000);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed = match arg.as_str() {
            "--host" => value("--host").and_then(|v| {
                v.parse::<IpAddr>()
                    .map(|host| builder.clone().host(host))
                    .map_err(|e| format!("--host {v}: {e}"))
            }),
            "--port" => value("--port").and_then(|v| {
                v.parse::<u16>()
                    .map(|port| builder.clone().port(port))
                    .map_err(|e| format!("--port {v}: {e}"))
            }),
            "--deploy" => value("--deploy").map(|path| builder.clone().deploy(path)),
            "-h" | "--help" => {
                eprintln!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument {other}")),
        };
        match parsed {
            Ok(next) => builder = next,
            Err(message) => {
                eprintln!("error: {message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    let engine = match builder.start().await {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            return ExitCode::FAILURE;
        }
    };
    #[allow(clippy::print_stdout, reason = "the line scripts wait for")]
    {
        println!("listening on {}", engine.url());
    }
    stopped().await;
    engine.shutdown().await;
    ExitCode::SUCCESS
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
