//! `pe model`: the deployed process models.

use clap::{Args, Subcommand};
use process_engine::ProcessControlClient;
use process_engine::types::models::{EventReference, ProcessModel};
use serde::Serialize;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{Doc, Item, Output, Record, Row};
use crate::table::{Cell, GOOD};

#[derive(Debug, Subcommand)]
pub(crate) enum ModelCommand {
    /// List the deployed process models with their start and end events.
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  pe model list
  pe model list -o json | jq -r '.[].id'"
    )]
    List,
    /// Show one process model: its start and end events, and with --xml its BPMN.
    #[command(after_help = "Examples:
  pe model show hello_world
  pe model show hello_world --xml")]
    Show(ShowArgs),
    /// Remove deployed process models, with their correlations, instances and tasks.
    #[command(
        visible_alias = "rm",
        after_help = "Examples:
  pe model remove hello_world
  pe model remove a b c"
    )]
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The process model id.
    id: String,
    /// Show the BPMN XML too.
    #[arg(long)]
    xml: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RemoveArgs {
    /// The process model ids.
    #[arg(required = true)]
    ids: Vec<String>,
}

/// A process model as printed.
#[derive(Debug, Serialize)]
struct Model {
    id: String,
    start_events: Vec<String>,
    end_events: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    xml: Option<String>,
}

impl Model {
    fn new(id: String, start: &[EventReference], end: &[EventReference]) -> Self {
        let ids = |events: &[EventReference]| events.iter().map(|e| e.id.clone()).collect();
        Model {
            id,
            start_events: ids(start),
            end_events: ids(end),
            xml: None,
        }
    }
}

impl From<ProcessModel> for Model {
    fn from(model: ProcessModel) -> Self {
        Model::new(model.id, &model.start_events, &model.end_events)
    }
}

impl Row for Model {
    const HEADERS: &'static [&'static str] = &["ID", "START EVENTS", "END EVENTS"];

    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::plain(self.id.as_str()),
            Cell::plain(self.start_events.join(", ")),
            Cell::plain(self.end_events.join(", ")),
        ]
    }
}

impl Record for Model {
    fn human(&self, doc: &mut Doc) {
        doc.field("id", self.id.as_str())
            .field("start events", self.start_events.join(", "))
            .field("end events", self.end_events.join(", "));
        if let Some(xml) = &self.xml {
            doc.text("BPMN", xml);
        }
    }
}

/// A model that was removed.
#[derive(Debug, Serialize)]
struct Removed {
    removed: String,
}

impl Item for Removed {
    fn human(&self) -> Vec<Cell> {
        vec![
            Cell::styled("removed", GOOD),
            Cell::plain(self.removed.as_str()),
        ]
    }
}

pub(crate) async fn run(
    command: ModelCommand,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    match command {
        ModelCommand::List => {
            let list = control.process_models().send().await?;
            let models: Vec<Model> = list.process_models.into_iter().map(Model::from).collect();
            output.list(&models, "no process models are deployed")?;
        }
        ModelCommand::Show(args) => {
            let model = if args.xml {
                let model = control.process_model_with_xml(&args.id).send().await?;
                let mut shown = Model::new(model.id, &model.start_events, &model.end_events);
                shown.xml = Some(model.xml);
                shown
            } else {
                Model::from(control.process_model(&args.id).send().await?)
            };
            output.record(&model)?;
        }
        ModelCommand::Remove(args) => {
            for id in args.ids {
                // The engine answers an unknown id as done; asking first makes a typo an error.
                control.process_model(&id).send().await?;
                control.undeploy(&id).send().await?;
                output.item(&Removed { removed: id })?;
            }
        }
    }
    Ok(Exit::Success)
}
