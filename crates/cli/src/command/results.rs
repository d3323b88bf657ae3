//! `pe results`: what a correlation's finished instance of a model ended with.

use std::time::Duration;

use clap::Args;
use process_engine::ProcessControlClient;
use process_engine::types::models::CorrelationResult;
use serde::Serialize;
use serde_json::Value;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{self, Output, Row};
use crate::spinner::Spinner;
use crate::table::Cell;
use crate::{duration, signal};

/// The results of the instance of a model in a correlation: one per end event it reached. Empty
/// while it runs, unless --wait waits for its end (at most --wait-limit; exit code 7 if it
/// failed).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pe results order-4711 order
  pe results order-4711 order --wait --wait-limit 1m -o json | jq '.[0].token_payload'")]
pub(crate) struct ResultsArgs {
    /// The correlation id.
    correlation: String,
    /// The process model id.
    model: String,
    /// Wait until the instance has finished.
    #[arg(long, short = 'w')]
    wait: bool,
    /// How long to wait at most.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = duration::parse,
        default_value = "5m",
        requires = "wait"
    )]
    wait_limit: Duration,
}

/// One end event's result.
#[derive(Debug, Serialize)]
struct EndResult {
    correlation_id: String,
    end_event_id: String,
    token_payload: Value,
}

impl From<CorrelationResult> for EndResult {
    fn from(result: CorrelationResult) -> Self {
        EndResult {
            correlation_id: result.correlation_id,
            end_event_id: result.end_event_id,
            token_payload: result.token_payload,
        }
    }
}

impl Row for EndResult {
    const HEADERS: &'static [&'static str] = &["END EVENT", "RESULT"];

    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::plain(self.end_event_id.as_str()),
            Cell::plain(output::compact(&self.token_payload, 80)),
        ]
    }
}

pub(crate) async fn run(
    args: ResultsArgs,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    let results = if args.wait {
        let stop = signal::installed().await;
        let _spinner = Spinner::start(format!(
            "waiting for the end of {} in correlation {}",
            args.model, args.correlation
        ));
        let wait = control
            .wait_for_result(&args.correlation, &args.model)
            .limit(args.wait_limit)
            .send();
        tokio::select! {
            results = wait => results?,
            () = stop => return Ok(Exit::Interrupted),
        }
    } else {
        control
            .process_results(&args.correlation, &args.model)
            .send()
            .await?
    };
    let results: Vec<EndResult> = results.into_iter().map(EndResult::from).collect();
    output.list(&results, "no results: the instance has not finished")?;
    Ok(Exit::Success)
}
