//! `pe instance`: process instances, their state and token history.

use std::collections::HashMap;

use clap::{Args, Subcommand};
use process_engine::ProcessControlClient;
use process_engine::types::models::{
    CorrelationError, CorrelationProcessInstance, ProcessInstance, TokenEventType,
    TokenHistoryEntry,
};
use serde::Serialize;
use serde_json::Value;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{self, Doc, Item, Output, Record, Row};
use crate::table::{Cell, PENDING};

#[derive(Debug, Subcommand)]
pub(crate) enum InstanceCommand {
    /// List process instances: the running ones the caller started, or those of a model or
    /// correlation in any state.
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  pe instance list
  pe instance list --model hello_world
  pe instance list --correlation order-4711 -o json"
    )]
    List(ListArgs),
    /// Show one process instance: its state, and the error it failed with.
    #[command(after_help = "Examples:
  pe instance show 21355e71-e867-4950-a7a5-47ae7341d51d")]
    Show(IdArgs),
    /// The token history of a process instance: the payload at each flow node, in order.
    #[command(after_help = "Examples:
  pe instance history 21355e71-e867-4950-a7a5-47ae7341d51d
  pe instance history 21355e71-e867-4950-a7a5-47ae7341d51d -o json | jq '.[-1].payload'")]
    History(IdArgs),
    /// Terminate a process instance: it ends in state error, its open tasks are gone.
    #[command(after_help = "Examples:
  pe instance terminate 21355e71-e867-4950-a7a5-47ae7341d51d")]
    Terminate(IdArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The instances of this process model.
    #[arg(long, short = 'm', value_name = "ID", conflicts_with = "correlation")]
    model: Option<String>,
    /// The instances in this correlation.
    #[arg(long, short = 'c', value_name = "ID")]
    correlation: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    /// The process instance id.
    id: String,
}

/// A process instance as printed.
#[derive(Debug, Serialize)]
pub(crate) struct Instance {
    process_instance_id: String,
    process_model_id: String,
    correlation_id: String,
    /// `running`, `finished` or `error`.
    state: String,
    /// The user id of the identity that started it (never its token).
    owner: String,
    parent_process_instance_id: Option<String>,
    created_at: Option<String>,
    error: Option<InstanceError>,
}

/// Why an instance failed, as the engine recorded it: any JSON value (an error object of the
/// engine's own, a BPMN error, what a script threw), with the parts that scripts read.
#[derive(Debug, Serialize)]
pub(crate) struct InstanceError {
    /// The error in one line.
    summary: String,
    /// The status code of one of the engine's own errors.
    code: Option<i64>,
    name: Option<String>,
    message: Option<String>,
    /// A BPMN error's code.
    error_code: Option<String>,
    additional_information: Option<Value>,
}

impl From<CorrelationError> for InstanceError {
    fn from(error: CorrelationError) -> Self {
        InstanceError {
            summary: error.to_string(),
            code: error.code(),
            name: error.name().map(str::to_owned),
            message: error.message().map(str::to_owned),
            error_code: error.error_code().map(str::to_owned),
            additional_information: error.additional_information().cloned(),
        }
    }
}

impl Instance {
    /// An instance as its correlation records it.
    pub(crate) fn recorded(instance: CorrelationProcessInstance, correlation_id: &str) -> Self {
        Instance {
            process_instance_id: instance.process_instance_id,
            process_model_id: instance.process_model_id,
            correlation_id: correlation_id.to_owned(),
            state: instance.state.as_str().to_owned(),
            owner: instance.identity.user_id,
            parent_process_instance_id: instance.parent_process_instance_id,
            created_at: Some(instance.created_at),
            error: instance.error.map(InstanceError::from),
        }
    }

    /// The instance's process model.
    pub(crate) fn process_model_id(&self) -> &str {
        &self.process_model_id
    }

    /// One of the caller's running instances: the engine lists only those.
    fn running(instance: ProcessInstance) -> Self {
        Instance {
            process_instance_id: instance.id,
            process_model_id: instance.process_model_id,
            correlation_id: instance.correlation_id,
            state: "running".to_owned(),
            owner: instance.owner.user_id,
            parent_process_instance_id: instance.parent_process_instance_id,
            created_at: None,
            error: None,
        }
    }
}

impl Row for Instance {
    const HEADERS: &'static [&'static str] =
        &["INSTANCE", "MODEL", "CORRELATION", "STATE", "CREATED"];

    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::plain(self.process_instance_id.as_str()),
            Cell::plain(self.process_model_id.as_str()),
            Cell::plain(self.correlation_id.as_str()),
            Cell::state(&self.state),
            Cell::or_dash(self.created_at.as_deref()),
        ]
    }
}

impl Record for Instance {
    fn human(&self, doc: &mut Doc) {
        doc.field("process instance", self.process_instance_id.as_str())
            .field("model", self.process_model_id.as_str())
            .field("correlation", self.correlation_id.as_str())
            .field("state", Cell::state(&self.state))
            .field("owner", self.owner.as_str())
            .optional("parent", self.parent_process_instance_id.as_deref())
            .optional("created", self.created_at.as_deref());
        if let Some(error) = &self.error {
            doc.field("error", error.summary.as_str());
            if let Some(details) = &error.additional_information {
                doc.json("details", details);
            }
        }
    }
}

/// One token of an instance's history.
#[derive(Debug, Serialize)]
struct Token {
    created_at: String,
    flow_node_id: String,
    flow_node_instance_id: String,
    /// `onEnter` or `onExit` (8.0.0 records suspends and resumes as these too).
    event: String,
    payload: Value,
}

impl From<TokenHistoryEntry> for Token {
    fn from(entry: TokenHistoryEntry) -> Self {
        Token {
            created_at: entry.created_at,
            flow_node_id: entry.flow_node_id,
            flow_node_instance_id: entry.flow_node_instance_id,
            event: entry.token_event_type.as_str().to_owned(),
            payload: entry.payload,
        }
    }
}

impl Row for Token {
    const HEADERS: &'static [&'static str] = &["TIME", "FLOW NODE", "EVENT", "PAYLOAD"];

    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::plain(self.created_at.as_str()),
            Cell::plain(self.flow_node_id.as_str()),
            Cell::plain(self.event.as_str()),
            Cell::plain(output::compact(&self.payload, 60)),
        ]
    }
}

/// An instance that was asked to terminate.
#[derive(Debug, Serialize)]
struct Terminated {
    terminated: String,
}

impl Item for Terminated {
    fn human(&self) -> Vec<Cell> {
        vec![
            Cell::styled("terminating", PENDING),
            Cell::plain(self.terminated.as_str()),
        ]
    }
}

pub(crate) async fn run(
    command: InstanceCommand,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    match command {
        InstanceCommand::List(args) => {
            let instances = list(control, args).await?;
            output.list(&instances, "no process instances")?;
        }
        InstanceCommand::Show(args) => {
            output.record(&show(control, &args.id).await?)?;
        }
        InstanceCommand::History(args) => {
            let history = control.token_history(&args.id).send().await?;
            let tokens = in_order(history.into_values().flatten().collect());
            if tokens.is_empty() {
                // 8.0.0 answers an unknown instance with an empty history, not 404.
                show(control, &args.id).await?;
            }
            output.list(&tokens, "no tokens recorded")?;
        }
        InstanceCommand::Terminate(args) => {
            control.terminate_process_instance(&args.id).send().await?;
            output.item(&Terminated {
                terminated: args.id,
            })?;
        }
    }
    Ok(Exit::Success)
}

/// The tokens of a history in the order they were recorded. The engine stamps them in
/// milliseconds, and many share one: among those, a flow node comes after the one it was
/// reached from (its `previousFlowNodeInstanceId`), and one flow node's tokens go enter,
/// suspend, resume, exit. ISO 8601 stamps of one engine sort as text.
fn in_order(entries: Vec<TokenHistoryEntry>) -> Vec<Token> {
    let previous: HashMap<String, Option<String>> = entries
        .iter()
        .map(|entry| {
            (
                entry.flow_node_instance_id.clone(),
                entry.previous_flow_node_instance_id.clone(),
            )
        })
        .collect();
    let depth = |id: &str| {
        let mut depth = 0;
        let mut current = previous.get(id).cloned().flatten();
        // A history is a tree of flow node instances; the bound only guards against a cycle.
        while let Some(id) = current.filter(|_| depth <= previous.len()) {
            depth += 1;
            current = previous.get(&id).cloned().flatten();
        }
        depth
    };
    let mut keyed: Vec<((String, usize, u8), Token)> = entries
        .into_iter()
        .map(|entry| {
            let rank = match entry.token_event_type {
                TokenEventType::OnEnter => 0,
                TokenEventType::OnSuspend => 1,
                TokenEventType::OnResume => 2,
                TokenEventType::OnExit => 3,
                _ => 4,
            };
            let key = (
                entry.created_at.clone(),
                depth(&entry.flow_node_instance_id),
                rank,
            );
            (key, Token::from(entry))
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| a.cmp(b));
    keyed.into_iter().map(|(_, token)| token).collect()
}

/// One instance as its correlation records it (the instance's own record does not name its
/// correlation).
async fn show(control: &ProcessControlClient, id: &str) -> Result<Instance, Failure> {
    let correlation = control.correlation_of_process_instance(id).send().await?;
    let instance = correlation
        .process_instances
        .into_iter()
        .find(|instance| instance.process_instance_id == id)
        .ok_or_else(|| {
            Failure::not_found(format!(
                "the correlation {} does not list the process instance {id}",
                correlation.id
            ))
        })?;
    Ok(Instance::recorded(instance, &correlation.id))
}

async fn list(control: &ProcessControlClient, args: ListArgs) -> Result<Vec<Instance>, Failure> {
    let model = args.model;
    let correlations = match (&model, args.correlation) {
        (Some(model), _) => control.correlations_of_process_model(model).send().await?,
        (None, Some(correlation)) => vec![control.correlation(&correlation).send().await?],
        (None, None) => {
            let own = control.own_process_instances().send().await?;
            return Ok(own.into_iter().map(Instance::running).collect());
        }
    };
    let mut instances: Vec<Instance> = correlations
        .into_iter()
        .flat_map(|correlation| {
            let id = correlation.id;
            correlation
                .process_instances
                .into_iter()
                .map(move |instance| Instance::recorded(instance, &id))
        })
        // A correlation of the model holds the instances of the models it called too.
        .filter(|instance| {
            model
                .as_ref()
                .is_none_or(|model| &instance.process_model_id == model)
        })
        .collect();
    instances.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    Ok(instances)
}
