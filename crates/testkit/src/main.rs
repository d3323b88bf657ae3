//! `process-engine-testkit`: the stand-in engine as a program.
//!
//! ```text
//! process-engine-testkit [--host 127.0.0.1] [--port 56000] [--deploy FILE_OR_DIR]...
//!                        [--keep-finished N] [--keep-finished-for SECONDS]
//!                        [--request-timeout SECONDS] [--contention-cost-ms MS]
//!                        [--authority CLIENT_ID:SECRET]... [--token-lifetime SECONDS]
//! ```
//!
//! Prints `listening on http://HOST:PORT` once it accepts requests (and, with `--authority`,
//! `authority at http://HOST:PORT/authority`); stops on Ctrl-C or SIGTERM, whose handlers are
//! in place before that line is printed.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use process_engine_testkit::{TestAuthority, TestEngine};

const USAGE: &str =
    "usage: process-engine-testkit [--host ADDR] [--port PORT] [--deploy FILE_OR_DIR]...
                              [--keep-finished N] [--keep-finished-for SECONDS]
                              [--request-timeout SECONDS] [--contention-cost-ms MS]
                              [--authority CLIENT_ID:SECRET]... [--token-lifetime SECONDS]

  --host ADDR                  address to listen on (default 127.0.0.1)
  --port PORT                  port to listen on (default 56000; 0 picks a free one)
  --deploy PATH                deploy a BPMN file, or every .bpmn file of a folder (repeatable)
  --keep-finished N            keep at most N stopped process instances (default 10000)
  --keep-finished-for SECONDS  also forget stopped instances older than this
  --request-timeout SECONDS    time a client has to send a whole request (default 300)
  --contention-cost-ms MS      contend as a ProcessEngine 8.0.0 on SQLite does, with MS of work
                               per instance moved on (off by default; see the testkit's README)
  --authority ID:SECRET        serve an OAuth authority at /authority that grants tokens to
                               this client (repeatable); GET /security/authority names it
  --token-lifetime SECONDS     how long the authority's tokens live (default 3600)";

#[tokio::main]
async fn main() -> ExitCode {
    let mut builder = TestEngine::builder().port(56000);
    let mut authority: Option<TestAuthority> = None;
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
            "--keep-finished" => value("--keep-finished").and_then(|v| {
                v.parse::<usize>()
                    .map(|n| builder.clone().keep_finished(n))
                    .map_err(|e| format!("--keep-finished {v}: {e}"))
            }),
            "--keep-finished-for" => value("--keep-finished-for").and_then(|v| {
                seconds(&v)
                    .map(|age| builder.clone().keep_finished_for(age))
                    .map_err(|e| format!("--keep-finished-for {v}: {e}"))
            }),
            "--request-timeout" => value("--request-timeout").and_then(|v| {
                seconds(&v)
                    .map(|timeout| builder.clone().request_timeout(timeout))
                    .map_err(|e| format!("--request-timeout {v}: {e}"))
            }),
            "--authority" => value("--authority").and_then(|v| {
                let (id, secret) = v
                    .split_once(':')
                    .ok_or_else(|| "--authority takes CLIENT_ID:SECRET".to_owned())?;
                authority = Some(authority.take().unwrap_or_default().client(id, secret));
                Ok(builder.clone())
            }),
            "--token-lifetime" => value("--token-lifetime").and_then(|v| {
                let lifetime = seconds(&v).map_err(|e| format!("--token-lifetime {v}: {e}"))?;
                authority = Some(
                    authority
                        .take()
                        .unwrap_or_default()
                        .token_lifetime(lifetime),
                );
                Ok(builder.clone())
            }),
            "--contention-cost-ms" => value("--contention-cost-ms").and_then(|v| {
                v.parse::<u64>()
                    .ok()
                    .filter(|ms| *ms > 0)
                    .map(|ms| builder.clone().contention(Duration::from_millis(ms)))
                    .ok_or_else(|| {
                        format!("--contention-cost-ms {v}: not a whole number of ms above 0")
                    })
            }),
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

    if let Some(authority) = authority {
        builder = builder.authority(authority);
    }
    // Listening before anything can be announced: a signal sent as soon as the line below is
    // read, or while the engine starts, stops the engine cleanly instead of killing the process.
    let stop = match stop_signal().await {
        Ok(stop) => stop,
        Err(error) => {
            eprintln!("error: could not listen for Ctrl-C and SIGTERM: {error}");
            return ExitCode::FAILURE;
        }
    };
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
        if let Some(authority) = engine.authority() {
            println!("authority at {}", authority.url());
        }
    }
    stop.await;
    engine.shutdown().await;
    ExitCode::SUCCESS
}

/// Starts listening for Ctrl-C and, on Unix, SIGTERM; the future resolves on the first of them,
/// also one that arrived before it was polled.
#[cfg(unix)]
async fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    // `signal` installs its handler when called, not when first polled.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Starts listening for Ctrl-C; the future resolves on it, also on one that arrived before it
/// was polled.
#[cfg(not(unix))]
async fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    use std::task::Poll;
    // `ctrl_c` installs its handler when first polled, not when called: poll it once now.
    let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
    let first = std::future::poll_fn(|cx| Poll::Ready(ctrl_c.as_mut().poll(cx))).await;
    let pending = match first {
        Poll::Ready(result) => {
            result?;
            false
        }
        Poll::Pending => true,
    };
    Ok(async move {
        if pending {
            let _ = ctrl_c.await;
        }
    })
}

/// A non-negative number of seconds, fractions allowed.
fn seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text.parse().map_err(|e| format!("{e}"))?;
    Duration::try_from_secs_f64(seconds).map_err(|e| e.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_non_negative_numbers_with_fractions() {
        assert_eq!(seconds("300"), Ok(Duration::from_secs(300)));
        assert_eq!(seconds("0.25"), Ok(Duration::from_millis(250)));
        assert!(seconds("-1").is_err());
        assert!(seconds("soon").is_err());
        assert!(seconds("inf").is_err());
    }
}
