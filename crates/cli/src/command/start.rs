//! `pe start`: a process instance, answered at once or when it ends.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use process_engine::types::models::ProcessStartResponse;
use process_engine::{ProcessControlClient, StartCallbackType};
use serde::Serialize;
use serde_json::Value;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{Doc, Output, Record};
use crate::spinner::Spinner;
use crate::{duration, input, signal};

/// Start an instance of a process model. Without --wait it answers as soon as the instance
/// exists; with --wait when it has finished, with --wait-for when it reached that end event,
/// at most --wait-limit later (then exit code 5: the instance goes on).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pe start hello_world
  pe start hello_world --input '{\"name\": \"world\"}' --wait
  pe start order --input-file order.json --correlation order-4711 --wait-for order_shipped
  echo '{\"n\": 1}' | pe start counter --input-file - --wait --wait-limit 30s -o json")]
pub(crate) struct StartArgs {
    /// The process model id.
    model: String,

    /// The start event (default: the model's only start event).
    #[arg(long, short = 's', value_name = "ID")]
    start_event: Option<String>,

    /// The input values, as JSON.
    #[arg(long, short = 'i', value_name = "JSON", conflicts_with = "input_file")]
    input: Option<String>,

    /// The input values, from a JSON file (`-` reads stdin).
    #[arg(long, value_name = "PATH")]
    input_file: Option<PathBuf>,

    /// The correlation to start the instance in (default: a new one).
    #[arg(long, short = 'c', value_name = "ID")]
    correlation: Option<String>,

    /// Wait until the instance has finished, and print its result.
    #[arg(long, short = 'w', conflicts_with = "wait_for")]
    wait: bool,

    /// Wait until the instance reaches this end event, and print the result there.
    #[arg(long, value_name = "END_EVENT")]
    wait_for: Option<String>,

    /// How long to wait at most (with --wait or --wait-for).
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = duration::parse,
        default_value = "5m"
    )]
    wait_limit: Duration,
}

/// What a start answered.
#[derive(Debug, Serialize)]
pub(crate) struct Started {
    pub(crate) correlation_id: String,
    pub(crate) process_instance_id: String,
    /// The end event reached, when the start waited for the end.
    pub(crate) end_event_id: Option<String>,
    /// The token at the end, when the start waited for it.
    pub(crate) token_payload: Option<Value>,
}

impl From<ProcessStartResponse> for Started {
    fn from(response: ProcessStartResponse) -> Self {
        Started {
            correlation_id: response.correlation_id,
            process_instance_id: response.process_instance_id,
            end_event_id: response.end_event_id,
            token_payload: response.token_payload,
        }
    }
}

impl Record for Started {
    fn human(&self, doc: &mut Doc) {
        doc.field("correlation", self.correlation_id.as_str())
            .field("process instance", self.process_instance_id.as_str())
            .optional("end event", self.end_event_id.as_deref());
        if let Some(payload) = &self.token_payload {
            doc.json("result", payload);
        }
    }
}

pub(crate) async fn run(
    args: StartArgs,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    let input = input::json(
        args.input.as_deref(),
        args.input_file.as_deref(),
        "the input",
    )?;
    let start_event = match args.start_event {
        Some(id) => id,
        None => only_start_event(control, &args.model).await?,
    };
    let mut start = control
        .start_process_instance(&args.model, &start_event)
        .wait_limit(args.wait_limit);
    if let Some(correlation) = &args.correlation {
        start = start.correlation_id(correlation);
    }
    if let Some(input) = &input {
        start = start.input(input);
    }
    let waits_for = match (&args.wait_for, args.wait) {
        (Some(end_event), _) => {
            start = start
                .callback(StartCallbackType::OnEndEventReached)
                .end_event(end_event);
            Some(format!("the end event {end_event}"))
        }
        (None, true) => {
            start = start.callback(StartCallbackType::OnProcessInstanceFinished);
            Some("the end".to_owned())
        }
        (None, false) => None,
    };
    // The correlation the client sends, generated when none was given: named if the wait is
    // interrupted, so that the instance can be found.
    let correlation = start
        .operation()
        .body
        .correlation_id
        .clone()
        .unwrap_or_default();
    let Some(waits_for) = waits_for else {
        output.record(&Started::from(start.send().await?))?;
        return Ok(Exit::Success);
    };
    let stop = signal::installed().await;
    let _spinner = Spinner::start(format!(
        "waiting for {waits_for} of {} in correlation {correlation}",
        args.model
    ));
    tokio::select! {
        answer = start.send() => {
            drop(_spinner);
            output.record(&Started::from(answer?))?;
            Ok(Exit::Success)
        }
        () = stop => {
            drop(_spinner);
            output.note(&format!(
                "interrupted; the instance goes on in correlation {correlation} \
                 (pe correlation show {correlation})"
            ));
            Ok(Exit::Interrupted)
        }
    }
}

/// The model's start event when it has exactly one; otherwise the error that lists them.
async fn only_start_event(control: &ProcessControlClient, model: &str) -> Result<String, Failure> {
    let found = control.process_model(model).send().await?;
    match found.start_events.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(Failure::bad_input(format!(
            "the process model {model} has no start event the engine lists"
        ))),
        several => {
            let ids: Vec<&str> = several.iter().map(|event| event.id.as_str()).collect();
            Err(Failure::bad_input(format!(
                "the process model {model} has several start events ({}): pick one with \
                 --start-event",
                ids.join(", ")
            )))
        }
    }
}
