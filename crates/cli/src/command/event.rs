//! `pe event`: message and signal events, those that wait and triggering them.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use process_engine::ProcessControlClient;
use process_engine::process_control::EventScope;
use process_engine::types::models::Event;
use serde::Serialize;
use serde_json::Value;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::input;
use crate::output::{self, Item, Output, Row};
use crate::table::{Cell, GOOD};

#[derive(Debug, Subcommand)]
pub(crate) enum EventCommand {
    /// List the message and signal events that wait, in a model's instances or a
    /// correlation.
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  pe event list --model message_event
  pe event list --correlation order-4711 -o json"
    )]
    List(ListArgs),
    /// Send a message to every event that waits for it, in any correlation.
    #[command(after_help = "Examples:
  pe event message order_paid
  pe event message order_paid --payload '{\"amount\": 12.5}'")]
    Message(TriggerArgs),
    /// Send a signal to every event that waits for it.
    #[command(after_help = "Examples:
  pe event signal shutdown_requested
  pe event signal stock_updated --payload-file stock.json")]
    Signal(TriggerArgs),
}

#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub(crate) struct ListArgs {
    /// The events of the instances of this process model.
    #[arg(long, short = 'm', value_name = "ID")]
    model: Option<String>,
    /// The events of the instances in this correlation (with --model: of that model only).
    #[arg(long, short = 'c', value_name = "ID")]
    correlation: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TriggerArgs {
    /// The message's or signal's name.
    name: String,
    /// What the waiting tokens continue with, as JSON (default: `{}`).
    #[arg(
        long,
        short = 'p',
        value_name = "JSON",
        conflicts_with = "payload_file"
    )]
    payload: Option<String>,
    /// The payload from a JSON file (`-` reads stdin).
    #[arg(long, value_name = "PATH")]
    payload_file: Option<PathBuf>,
}

/// A waiting event as printed.
#[derive(Debug, Serialize)]
struct Waiting {
    /// `message` or `signal`.
    event_type: String,
    /// The message's or signal's name (none for an event that names none).
    event_name: Option<String>,
    flow_node_id: String,
    flow_node_instance_id: String,
    process_model_id: String,
    process_instance_id: String,
    correlation_id: String,
}

impl From<Event> for Waiting {
    fn from(event: Event) -> Self {
        let event_type = event.event_type.as_str();
        Waiting {
            event_type: event_type
                .strip_suffix("Event")
                .unwrap_or(event_type)
                .to_owned(),
            event_name: event.event_name,
            flow_node_id: event.id,
            flow_node_instance_id: event.flow_node_instance_id,
            process_model_id: event.process_model_id,
            process_instance_id: event.process_instance_id,
            correlation_id: event.correlation_id,
        }
    }
}

impl Row for Waiting {
    const HEADERS: &'static [&'static str] = &[
        "TYPE",
        "NAME",
        "FLOW NODE",
        "MODEL",
        "PROCESS INSTANCE",
        "CORRELATION",
    ];

    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::plain(self.event_type.as_str()),
            Cell::or_dash(self.event_name.as_deref()),
            Cell::plain(self.flow_node_id.as_str()),
            Cell::plain(self.process_model_id.as_str()),
            Cell::plain(self.process_instance_id.as_str()),
            Cell::plain(self.correlation_id.as_str()),
        ]
    }
}

/// A message or signal that was sent.
#[derive(Debug, Serialize)]
struct Triggered {
    /// `message` or `signal`.
    event_type: &'static str,
    event_name: String,
    payload: Option<Value>,
}

impl Item for Triggered {
    fn human(&self) -> Vec<Cell> {
        let mut line = vec![
            Cell::styled("sent", GOOD),
            Cell::plain(self.event_type),
            Cell::plain(self.event_name.as_str()),
        ];
        if let Some(payload) = &self.payload {
            line.push(Cell::plain(format!(
                "with {}",
                output::compact(payload, 80)
            )));
        }
        line
    }
}

pub(crate) async fn run(
    command: EventCommand,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    match command {
        EventCommand::List(args) => {
            let scope = match (args.model, args.correlation) {
                (Some(model), Some(correlation)) => {
                    EventScope::process_model_in_correlation(model, correlation)
                }
                (Some(model), None) => EventScope::process_model(model),
                (None, Some(correlation)) => EventScope::correlation(correlation),
                (None, None) => {
                    return Err(Failure::bad_input("name a --model or a --correlation"));
                }
            };
            let list = control.events(scope).send().await?;
            let waiting: Vec<Waiting> = list.events.into_iter().map(Waiting::from).collect();
            output.list(&waiting, "no message or signal events wait")?;
        }
        EventCommand::Message(args) => {
            let payload = payload(&args)?;
            let mut trigger = control.trigger_message(&args.name);
            if let Some(payload) = &payload {
                trigger = trigger.payload(payload);
            }
            trigger.send().await?;
            output.item(&Triggered {
                event_type: "message",
                event_name: args.name,
                payload,
            })?;
        }
        EventCommand::Signal(args) => {
            let payload = payload(&args)?;
            let mut trigger = control.trigger_signal(&args.name);
            if let Some(payload) = &payload {
                trigger = trigger.payload(payload);
            }
            trigger.send().await?;
            output.item(&Triggered {
                event_type: "signal",
                event_name: args.name,
                payload,
            })?;
        }
    }
    Ok(Exit::Success)
}

fn payload(args: &TriggerArgs) -> Result<Option<Value>, Failure> {
    input::json(
        args.payload.as_deref(),
        args.payload_file.as_deref(),
        "the payload",
    )
}
