//! `pe correlation`: correlations and the state of their instances.

use clap::{Args, Subcommand};
use process_engine::ProcessControlClient;
use process_engine::types::models::Correlation as Recorded;
use serde::Serialize;

use crate::command::instance::{Instance, InstanceError};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{Doc, Output, Record, Row};
use crate::table::Cell;

#[derive(Debug, Subcommand)]
pub(crate) enum CorrelationCommand {
    /// List correlations: all the caller may see, the running ones, or a model's.
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  pe correlation list
  pe correlation list --active
  pe correlation list --model hello_world -o json | jq -r '.[] | select(.state == \"error\") | .id'"
    )]
    List(ListArgs),
    /// Show a correlation and its instances.
    #[command(after_help = "Examples:
  pe correlation show order-4711")]
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only the correlations with a running instance.
    #[arg(long, conflicts_with = "model")]
    active: bool,
    /// Only the correlations with instances of this process model.
    #[arg(long, short = 'm', value_name = "ID")]
    model: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The correlation id.
    id: String,
}

/// A correlation as printed.
#[derive(Debug, Serialize)]
struct Correlation {
    id: String,
    /// `running` while an instance runs, `error` if one failed, else `finished`.
    state: String,
    created_at: String,
    error: Option<InstanceError>,
    process_instances: Vec<Instance>,
}

impl From<Recorded> for Correlation {
    fn from(correlation: Recorded) -> Self {
        let id = correlation.id;
        let process_instances = correlation
            .process_instances
            .into_iter()
            .map(|instance| Instance::recorded(instance, &id))
            .collect();
        Correlation {
            state: correlation.state.as_str().to_owned(),
            created_at: correlation.created_at,
            error: correlation.error.map(InstanceError::from),
            process_instances,
            id,
        }
    }
}

impl Row for Correlation {
    const HEADERS: &'static [&'static str] = &["CORRELATION", "STATE", "CREATED", "MODELS"];

    fn cells(&self) -> Vec<Cell> {
        let mut models: Vec<&str> = self
            .process_instances
            .iter()
            .map(Instance::process_model_id)
            .collect();
        models.sort_unstable();
        models.dedup();
        vec![
            Cell::plain(self.id.as_str()),
            Cell::state(&self.state),
            Cell::plain(self.created_at.as_str()),
            Cell::plain(models.join(", ")),
        ]
    }
}

impl Record for Correlation {
    fn human(&self, doc: &mut Doc) {
        doc.field("correlation", self.id.as_str())
            .field("state", Cell::state(&self.state))
            .field("created", self.created_at.as_str())
            .table("Process instances", &self.process_instances);
    }
}

pub(crate) async fn run(
    command: CorrelationCommand,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    match command {
        CorrelationCommand::List(args) => {
            let found = match (args.active, args.model) {
                (true, _) => control.active_correlations().send().await?,
                (false, Some(model)) => control.correlations_of_process_model(model).send().await?,
                (false, None) => control.all_correlations().send().await?,
            };
            let mut correlations: Vec<Correlation> =
                found.into_iter().map(Correlation::from).collect();
            correlations.sort_by(|a, b| a.created_at.cmp(&b.created_at));
            output.list(&correlations, "no correlations")?;
        }
        CorrelationCommand::Show(args) => {
            let correlation = control.correlation(&args.id).send().await?;
            output.record(&Correlation::from(correlation))?;
        }
    }
    Ok(Exit::Success)
}
