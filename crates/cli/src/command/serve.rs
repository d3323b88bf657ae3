//! `pe serve`: the stand-in engine, for trying things without a real engine.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use process_engine::testkit::{TestAuthority, TestEngine};
use serde::Serialize;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{Item, Output};
use crate::table::{Cell, GOOD};
use crate::{duration, signal};

/// Serve the stand-in engine: it speaks the HTTP API of ProcessEngine 8.0.0 and executes BPMN,
/// in memory. Prints the URL once it accepts calls; stops on Ctrl-C or SIGTERM.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pe serve --deploy samples/bpmn_models
  pe serve --port 0 -o json | head -n 1 | jq -r .url
  pe serve --authority my-service:secret --token-lifetime 5m")]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    host: IpAddr,
    /// The port to listen on (0 picks a free one).
    #[arg(long, short = 'p', default_value_t = 56000)]
    port: u16,
    /// Deploy a BPMN file, or every .bpmn file of a folder (repeatable).
    #[arg(long, value_name = "PATH")]
    deploy: Vec<PathBuf>,
    /// Keep at most this many stopped process instances.
    #[arg(long, value_name = "N")]
    keep_finished: Option<usize>,
    /// Also forget stopped instances older than this.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    keep_finished_for: Option<Duration>,
    /// The time a client has to send a whole request (default 300s).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    request_timeout: Option<Duration>,
    /// Contend as a ProcessEngine 8.0.0 on SQLite does, with this much work per instance
    /// moved on (off by default).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    contention_cost: Option<Duration>,
    /// Serve an OAuth authority at /authority that grants tokens to this client
    /// (CLIENT_ID:SECRET, repeatable).
    #[arg(long, value_name = "CLIENT_ID:SECRET")]
    authority: Vec<String>,
    /// How long the authority's tokens live (default 1h).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse, requires = "authority")]
    token_lifetime: Option<Duration>,
}

/// The engine that listens.
#[derive(Debug, Serialize)]
struct Listening {
    url: String,
    /// The authority's URL, when one is served.
    authority: Option<String>,
}

impl Item for Listening {
    fn human(&self) -> Vec<Cell> {
        let mut line = vec![
            Cell::styled("listening", GOOD),
            Cell::plain(format!("on {}", self.url)),
        ];
        if let Some(authority) = &self.authority {
            line.push(Cell::plain(format!("(authority at {authority})")));
        }
        line
    }
}

pub(crate) async fn run(args: ServeArgs, output: &Output) -> Result<Exit, Failure> {
    let mut builder = TestEngine::builder().host(args.host).port(args.port);
    for path in args.deploy {
        builder = builder.deploy(path);
    }
    if let Some(instances) = args.keep_finished {
        builder = builder.keep_finished(instances);
    }
    if let Some(age) = args.keep_finished_for {
        builder = builder.keep_finished_for(age);
    }
    if let Some(timeout) = args.request_timeout {
        builder = builder.request_timeout(timeout);
    }
    if let Some(cost) = args.contention_cost.filter(|cost| !cost.is_zero()) {
        builder = builder.contention(cost);
    }
    if !args.authority.is_empty() {
        let mut authority = TestAuthority::new();
        for client in &args.authority {
            let (id, secret) = client.split_once(':').ok_or_else(|| {
                Failure::bad_input(format!(
                    "--authority {client}: write it as CLIENT_ID:SECRET"
                ))
            })?;
            authority = authority.client(id, secret);
        }
        if let Some(lifetime) = args.token_lifetime {
            authority = authority.token_lifetime(lifetime);
        }
        builder = builder.authority(authority);
    }
    // Listening for signals before the URL is announced: a script that stops the engine as
    // soon as it read the line stops it cleanly.
    let stop = signal::installed().await;
    let engine = builder
        .start()
        .await
        .map_err(|error| Failure::from(process_engine::Error::from(error)))?;
    output.item(&Listening {
        url: engine.url().to_owned(),
        authority: engine
            .authority()
            .map(|authority| authority.url().to_owned()),
    })?;
    stop.await;
    engine.shutdown().await;
    Ok(Exit::Success)
}
