//! `pe task`: the user tasks, manual tasks and empty activities that wait to be finished.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use process_engine::ProcessControlClient;
use process_engine::process_control::{FormValue, TaskRef, TaskScope};
use process_engine::types::models::{
    EmptyActivity, FormField, FormFieldType, ManualTask, UserTask,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::exit::Exit;
use crate::failure::Failure;
use crate::input;
use crate::output::{self, Doc, Item, Output, Record, Row};
use crate::table::{Cell, GOOD};

#[derive(Debug, Subcommand)]
pub(crate) enum TaskCommand {
    /// List the tasks that wait: those of the instances the caller started, or those of a
    /// model, instance or correlation.
    #[command(
        visible_alias = "ls",
        after_help = "Examples:
  pe task list
  pe task list --model user_task --kind user
  pe task list --correlation order-4711 -o json | jq -r '.[].flow_node_instance_id'"
    )]
    List(ListArgs),
    /// Show a waiting task with its form fields. TASK is its flow node instance id, or its
    /// BPMN id when only one instance of it waits in the scope.
    #[command(after_help = "Examples:
  pe task show review_order
  pe task show 5d6e7f80-1a2b-4c3d-8e9f-001122334455 --correlation order-4711")]
    Show(FindArgs),
    /// Finish a waiting task; a user task with an answer (--answer, --answer-file, --field).
    #[command(after_help = "Examples:
  pe task finish review_order --field approved=true --field priority=urgent
  pe task finish review_order --answer '{\"approved\": false, \"comment\": \"too big\"}'
  pe task finish confirm_delivery --correlation order-4711")]
    Finish(FinishArgs),
}

/// Which waiting tasks to look at.
#[derive(Debug, Args)]
pub(crate) struct ScopeArgs {
    /// The tasks of the instances of this process model.
    #[arg(long, short = 'm', value_name = "ID")]
    model: Option<String>,
    /// The tasks of this process instance.
    #[arg(long, value_name = "ID", conflicts_with_all = ["model", "correlation"])]
    instance: Option<String>,
    /// The tasks of the instances in this correlation (with --model: of that model only).
    #[arg(long, short = 'c', value_name = "ID")]
    correlation: Option<String>,
}

impl ScopeArgs {
    fn scope(&self) -> TaskScope {
        match (&self.model, &self.instance, &self.correlation) {
            (_, Some(instance), _) => TaskScope::process_instance(instance),
            (Some(model), None, Some(correlation)) => {
                TaskScope::process_model_in_correlation(model, correlation)
            }
            (Some(model), None, None) => TaskScope::process_model(model),
            (None, None, Some(correlation)) => TaskScope::correlation(correlation),
            (None, None, None) => TaskScope::Own,
        }
    }

    fn describe(&self) -> String {
        match (&self.model, &self.instance, &self.correlation) {
            (_, Some(instance), _) => format!("in process instance {instance}"),
            (Some(model), None, Some(correlation)) => {
                format!("of {model} in correlation {correlation}")
            }
            (Some(model), None, None) => format!("of process model {model}"),
            (None, None, Some(correlation)) => format!("in correlation {correlation}"),
            (None, None, None) => "in the caller's own instances".to_owned(),
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Only tasks of this kind.
    #[arg(long, short = 'k', value_enum)]
    kind: Option<Kind>,
}

#[derive(Debug, Args)]
pub(crate) struct FindArgs {
    /// The task's flow node instance id, or its BPMN id.
    task: String,
    #[command(flatten)]
    scope: ScopeArgs,
}

#[derive(Debug, Args)]
pub(crate) struct FinishArgs {
    #[command(flatten)]
    find: FindArgs,
    /// A user task's answer: a JSON object of form field values.
    #[arg(long, value_name = "JSON", conflicts_with = "answer_file")]
    answer: Option<String>,
    /// A user task's answer from a JSON file (`-` reads stdin).
    #[arg(long, value_name = "PATH")]
    answer_file: Option<PathBuf>,
    /// One form field's value, read as the field's type (`approved=true`, `amount=12.5`);
    /// repeatable, added to --answer.
    #[arg(long = "field", value_name = "ID=VALUE")]
    fields: Vec<String>,
}

/// A kind of waiting task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// User tasks: a form to answer.
    #[value(name = "user")]
    UserTask,
    /// Manual tasks: someone says the work is done.
    #[value(name = "manual")]
    ManualTask,
    /// Empty activities (untyped tasks): breakpoints.
    #[value(name = "empty")]
    EmptyActivity,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::UserTask => "user task",
            Kind::ManualTask => "manual task",
            Kind::EmptyActivity => "empty activity",
        }
    }
}

/// A waiting task as printed.
#[derive(Debug, Serialize)]
struct Task {
    kind: Kind,
    flow_node_instance_id: String,
    flow_node_id: String,
    name: Option<String>,
    process_model_id: String,
    process_instance_id: String,
    correlation_id: String,
    token_payload: Value,
    /// A user task's form; none for the other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    form: Option<Form>,
    #[serde(skip)]
    fields: Vec<FormField>,
}

/// A user task's form.
#[derive(Debug, Serialize)]
struct Form {
    description: Option<String>,
    fields: Vec<Field>,
}

/// A form field as printed.
#[derive(Debug, Serialize)]
struct Field {
    id: Option<String>,
    /// The label as text (the engine may send any JSON value, such as an expression's).
    label: Option<String>,
    r#type: Option<String>,
    /// The default, read as the field's type when it reads so, else as the engine sent it.
    default: Option<Value>,
    /// An `enum` field's choices (their ids are the values to answer).
    choices: Option<Vec<Choice>>,
}

#[derive(Debug, Serialize)]
struct Choice {
    id: Option<String>,
    name: Option<String>,
}

impl From<&FormField> for Field {
    fn from(field: &FormField) -> Self {
        let default = FormValue::default_of(field)
            .and_then(|value| serde_json::to_value(value).ok())
            .or_else(|| field.default_value.clone());
        Field {
            id: field.id.clone(),
            label: field.label.as_ref().map(text),
            r#type: field.r#type.as_ref().map(|kind| kind.as_str().to_owned()),
            default,
            choices: field.enum_values.as_ref().map(|values| {
                values
                    .iter()
                    .map(|value| Choice {
                        id: value.id.clone(),
                        name: value.name.clone(),
                    })
                    .collect()
            }),
        }
    }
}

impl Row for Field {
    const HEADERS: &'static [&'static str] = &["FIELD", "TYPE", "LABEL", "DEFAULT", "CHOICES"];

    fn cells(&self) -> Vec<Cell> {
        let choices = self.choices.as_ref().map(|choices| {
            choices
                .iter()
                .filter_map(|choice| choice.id.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        });
        vec![
            Cell::or_dash(self.id.as_deref()),
            Cell::or_dash(self.r#type.as_deref()),
            Cell::or_dash(self.label.as_deref()),
            Cell::or_dash(self.default.as_ref().map(text).as_deref()),
            Cell::or_dash(choices.as_deref()),
        ]
    }
}

/// A JSON value as people read it: a string without its quotes.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl From<UserTask> for Task {
    fn from(task: UserTask) -> Self {
        let form = Form {
            description: task.data.description.clone(),
            fields: task.data.form_fields.iter().map(Field::from).collect(),
        };
        Task {
            kind: Kind::UserTask,
            flow_node_instance_id: task.flow_node_instance_id,
            flow_node_id: task.id,
            name: task.name,
            process_model_id: task.process_model_id,
            process_instance_id: task.process_instance_id,
            correlation_id: task.correlation_id,
            token_payload: task.token_payload,
            form: Some(form),
            fields: task.data.form_fields,
        }
    }
}

/// Manual tasks and empty activities carry the same fields.
macro_rules! task_without_form {
    ($wire:ty, $kind:expr) => {
        impl From<$wire> for Task {
            fn from(task: $wire) -> Self {
                Task {
                    kind: $kind,
                    flow_node_instance_id: task.flow_node_instance_id,
                    flow_node_id: task.id,
                    name: Option::from(task.name),
                    process_model_id: task.process_model_id,
                    process_instance_id: task.process_instance_id,
                    correlation_id: task.correlation_id,
                    token_payload: task.token_payload,
                    form: None,
                    fields: Vec::new(),
                }
            }
        }
    };
}

task_without_form!(ManualTask, Kind::ManualTask);
task_without_form!(EmptyActivity, Kind::EmptyActivity);

impl Task {
    fn task_ref(&self) -> TaskRef {
        TaskRef::new(
            &self.process_instance_id,
            &self.correlation_id,
            &self.flow_node_instance_id,
        )
    }
}

impl Row for Task {
    const HEADERS: &'static [&'static str] =
        &["TASK", "KIND", "FLOW NODE", "NAME", "MODEL", "CORRELATION"];

    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::plain(self.flow_node_instance_id.as_str()),
            Cell::plain(self.kind.name()),
            Cell::plain(self.flow_node_id.as_str()),
            Cell::or_dash(self.name.as_deref()),
            Cell::plain(self.process_model_id.as_str()),
            Cell::plain(self.correlation_id.as_str()),
        ]
    }
}

impl Record for Task {
    fn human(&self, doc: &mut Doc) {
        doc.field("task", self.flow_node_instance_id.as_str())
            .field("kind", self.kind.name())
            .field("flow node", self.flow_node_id.as_str())
            .field("name", self.name.as_deref().unwrap_or("-"))
            .field("model", self.process_model_id.as_str())
            .field("process instance", self.process_instance_id.as_str())
            .field("correlation", self.correlation_id.as_str())
            .json("token", &self.token_payload);
        if let Some(form) = &self.form {
            doc.optional("description", form.description.as_deref());
            doc.table("Form fields", &form.fields);
        }
    }
}

/// A task that was finished.
#[derive(Debug, Serialize)]
struct Finished {
    kind: Kind,
    flow_node_instance_id: String,
    flow_node_id: String,
    process_instance_id: String,
    correlation_id: String,
    /// A user task's answer.
    answer: Option<Value>,
}

impl Item for Finished {
    fn human(&self) -> Vec<Cell> {
        let mut line = vec![
            Cell::styled("finished", GOOD),
            Cell::plain(self.kind.name()),
            Cell::plain(self.flow_node_id.as_str()),
            Cell::plain(format!("({})", self.flow_node_instance_id)),
        ];
        if let Some(answer) = &self.answer {
            line.push(Cell::plain(format!("with {}", output::compact(answer, 80))));
        }
        line
    }
}

pub(crate) async fn run(
    command: TaskCommand,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    match command {
        TaskCommand::List(args) => {
            let kinds = match args.kind {
                Some(kind) => vec![kind],
                None => vec![Kind::UserTask, Kind::ManualTask, Kind::EmptyActivity],
            };
            let tasks = waiting(control, &args.scope.scope(), &kinds).await?;
            output.list(&tasks, &format!("no tasks wait {}", args.scope.describe()))?;
        }
        TaskCommand::Show(args) => {
            let task = find(control, &args).await?;
            output.record(&task)?;
        }
        TaskCommand::Finish(args) => {
            // Before anything is looked up: a bad answer fails without a call.
            let answer = input::json(
                args.answer.as_deref(),
                args.answer_file.as_deref(),
                "the answer",
            )?;
            let task = find(control, &args.find).await?;
            let finished = finish(control, task, answer, &args.fields).await?;
            output.item(&finished)?;
        }
    }
    Ok(Exit::Success)
}

/// The tasks of `kinds` waiting in `scope`, user tasks first.
async fn waiting(
    control: &ProcessControlClient,
    scope: &TaskScope,
    kinds: &[Kind],
) -> Result<Vec<Task>, Failure> {
    let wants = |kind| kinds.contains(&kind);
    let user = async {
        if wants(Kind::UserTask) {
            let list = control.user_tasks(scope.clone()).send().await?;
            Ok::<_, Failure>(list.user_tasks.into_iter().map(Task::from).collect())
        } else {
            Ok(Vec::new())
        }
    };
    let manual = async {
        if wants(Kind::ManualTask) {
            let list = control.manual_tasks(scope.clone()).send().await?;
            Ok::<_, Failure>(list.manual_tasks.into_iter().map(Task::from).collect())
        } else {
            Ok(Vec::new())
        }
    };
    let empty = async {
        if wants(Kind::EmptyActivity) {
            let list = control.empty_activities(scope.clone()).send().await?;
            Ok::<_, Failure>(list.empty_activities.into_iter().map(Task::from).collect())
        } else {
            Ok(Vec::new())
        }
    };
    let (user, manual, empty): (Vec<Task>, Vec<Task>, Vec<Task>) =
        tokio::try_join!(user, manual, empty)?;
    Ok(user.into_iter().chain(manual).chain(empty).collect())
}

/// The one waiting task `args` names: by flow node instance id, or by BPMN id if only one
/// instance of it waits.
async fn find(control: &ProcessControlClient, args: &FindArgs) -> Result<Task, Failure> {
    let all = [Kind::UserTask, Kind::ManualTask, Kind::EmptyActivity];
    let tasks = waiting(control, &args.scope.scope(), &all).await?;
    let (by_instance, by_id): (Vec<Task>, Vec<Task>) = tasks
        .into_iter()
        .filter(|task| task.flow_node_instance_id == args.task || task.flow_node_id == args.task)
        .partition(|task| task.flow_node_instance_id == args.task);
    if let Some(task) = by_instance.into_iter().next() {
        return Ok(task);
    }
    let mut by_id = by_id;
    match by_id.len() {
        0 => Err(Failure::not_found(format!(
            "no task {} waits {}",
            args.task,
            args.scope.describe()
        ))
        .hint(
            "a task of an instance another identity started is listed with --model, \
             --instance or --correlation; `pe task list` shows what waits",
        )),
        1 => Ok(by_id.remove(0)),
        _ => {
            let which: Vec<String> = by_id
                .iter()
                .map(|task| {
                    format!(
                        "{} (correlation {})",
                        task.flow_node_instance_id, task.correlation_id
                    )
                })
                .collect();
            Err(Failure::bad_input(format!(
                "{} instances of {} wait {}: name one by its flow node instance id: {}",
                by_id.len(),
                args.task,
                args.scope.describe(),
                which.join(", ")
            )))
        }
    }
}

/// Finishes `task`, with the answer a user task takes.
async fn finish(
    control: &ProcessControlClient,
    task: Task,
    answer: Option<Value>,
    fields: &[String],
) -> Result<Finished, Failure> {
    let answer = match task.kind {
        Kind::UserTask => {
            let answer = user_task_answer(&task, answer, fields)?;
            control
                .finish_user_task(task.task_ref())
                .answer(&answer)
                .send()
                .await?;
            Some(Value::Object(answer))
        }
        kind => {
            if answer.is_some() || !fields.is_empty() {
                return Err(Failure::bad_input(format!(
                    "{} is a {}, which takes no answer",
                    task.flow_node_id,
                    kind.name()
                )));
            }
            if kind == Kind::ManualTask {
                control.finish_manual_task(task.task_ref()).send().await?;
            } else {
                control
                    .finish_empty_activity(task.task_ref())
                    .send()
                    .await?;
            }
            None
        }
    };
    Ok(Finished {
        kind: task.kind,
        flow_node_instance_id: task.flow_node_instance_id,
        flow_node_id: task.flow_node_id,
        process_instance_id: task.process_instance_id,
        correlation_id: task.correlation_id,
        answer,
    })
}

/// The answer to a user task: `answer` (an object), with each `ID=VALUE` of `fields` set, its
/// value read as its form field's type.
fn user_task_answer(
    task: &Task,
    answer: Option<Value>,
    fields: &[String],
) -> Result<Map<String, Value>, Failure> {
    let mut map = match answer {
        None => Map::new(),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(Failure::bad_input(format!(
                "a user task's answer must be a JSON object of form field values, not {other}"
            )));
        }
    };
    for assignment in fields {
        let (id, text) = assignment.split_once('=').ok_or_else(|| {
            Failure::bad_input(format!("--field {assignment}: write it as ID=VALUE"))
        })?;
        let field = task
            .fields
            .iter()
            .find(|field| field.id.as_deref() == Some(id))
            .ok_or_else(|| {
                let ids: Vec<&str> = task
                    .fields
                    .iter()
                    .filter_map(|field| field.id.as_deref())
                    .collect();
                Failure::bad_input(format!(
                    "the form of {} has no field {id}; its fields: {}",
                    task.flow_node_id,
                    if ids.is_empty() {
                        "none".to_owned()
                    } else {
                        ids.join(", ")
                    }
                ))
            })?;
        map.insert(id.to_owned(), typed(field, text)?);
    }
    Ok(map)
}

/// `text` read as the type of `field`, as the engine reads a field's default.
fn typed(field: &FormField, text: &str) -> Result<Value, Failure> {
    // The library reads a default's text as its field's type; a value given as text reads the
    // same way.
    let mut probe = field.clone();
    probe.default_value = Some(Value::String(text.to_owned()));
    let id = field.id.as_deref().unwrap_or_default();
    let value = FormValue::default_of(&probe).ok_or_else(|| {
        Failure::bad_input(format!(
            "--field {id}={text}: the field is a {}, and `{text}` does not read as one",
            field
                .r#type
                .as_ref()
                .map_or("field of no type", |kind| kind.as_str())
        ))
    })?;
    if field.r#type == Some(FormFieldType::Enum) {
        let choices = field.enum_values.as_deref().unwrap_or_default();
        if !choices.is_empty()
            && !choices
                .iter()
                .any(|choice| choice.id.as_deref() == Some(text))
        {
            let ids: Vec<&str> = choices
                .iter()
                .filter_map(|choice| choice.id.as_deref())
                .collect();
            return Err(Failure::bad_input(format!(
                "--field {id}={text}: choose one of {}",
                ids.join(", ")
            )));
        }
    }
    serde_json::to_value(value)
        .map_err(|error| Failure::other("could not write the field's value as JSON", error))
}
