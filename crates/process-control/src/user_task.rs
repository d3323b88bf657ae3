//! User tasks: list them by scope, and finish one with an answer.

use process_engine_api_types::models;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::mode::{Async, Mode};
use crate::{Error, FormField, ProcessControlClient, Request, TaskRef, TaskScope, wire};
use process_engine_transport::{RequestOptions, RequestOptionsBuilder};

/// A user task waiting for its answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UserTask {
    /// The task's BPMN id.
    pub id: String,
    /// This waiting instance of the task.
    pub flow_node_instance_id: String,
    /// The task's name.
    pub name: String,
    /// The correlation its instance runs in.
    pub correlation_id: String,
    /// The process model of its instance.
    pub process_model_id: String,
    /// Its process instance.
    pub process_instance_id: String,
    /// The form to fill in, in the model's order.
    pub form_fields: Vec<FormField>,
    /// The control the modeller asked for to show the task.
    pub preferred_control: Option<String>,
    /// A description for the user.
    pub description: Option<String>,
    /// A message to show once it is finished.
    pub finished_message: Option<String>,
    /// The token payload the task was reached with.
    pub token_payload: Value,
}

impl UserTask {
    /// Reads the token payload as `T`; the error names the first field that does not fit.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(process_engine_api_types::payload::payload_as(Some(
            &self.token_payload,
        ))?)
    }

    /// The form field with that id.
    pub fn form_field(&self, id: &str) -> Option<&FormField> {
        self.form_fields.iter().find(|field| field.id == id)
    }
}

impl From<models::UserTask> for UserTask {
    fn from(task: models::UserTask) -> Self {
        UserTask {
            id: task.id,
            flow_node_instance_id: task.flow_node_instance_id,
            name: task.name,
            correlation_id: task.correlation_id,
            process_model_id: task.process_model_id,
            process_instance_id: task.process_instance_id,
            form_fields: task.data.form_fields.into_iter().map(Into::into).collect(),
            preferred_control: task.data.preferred_control,
            description: task.data.description,
            finished_message: task.data.finished_message,
            token_payload: task.token_payload,
        }
    }
}

impl<M: Mode> ProcessControlClient<M> {
    /// The user tasks waiting in `scope`; [`TaskScope::Own`] is the Python client's
    /// `get_own_user_tasks()`.
    pub fn user_tasks(&self, scope: TaskScope) -> Request<Vec<UserTask>, M> {
        self.request(|client, options| async move {
            let list = wire::tasks::user_tasks(&client, &scope, &options).await?;
            Ok(list.user_tasks.into_iter().map(Into::into).collect())
        })
    }

    /// Finishes a user task with an answer ([`FinishUserTask::answer`], [`FinishUserTask::field`];
    /// none is an empty answer). A task that is not waiting (any more) fails with
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    pub fn finish_user_task(&self, task: impl Into<TaskRef>) -> FinishUserTask<M> {
        FinishUserTask {
            client: self.clone(),
            finish: Finish {
                task: task.into(),
                answer: Ok(Map::new()),
                options: RequestOptions::default(),
            },
        }
    }
}

/// Finishing a user task: give the answer, then `send()`.
///
/// The answer is the form's values by field id; the engine stores it as the task's result,
/// wrapped as `{"form_fields": {...}}` in the token.
#[must_use = "finishing does nothing until it is sent"]
#[derive(Debug)]
pub struct FinishUserTask<M: Mode = Async> {
    pub(crate) client: ProcessControlClient<M>,
    pub(crate) finish: Finish,
}

#[derive(Debug)]
pub(crate) struct Finish {
    task: TaskRef,
    /// The first mistake is kept for `send`, so that building never fails on the spot.
    answer: Result<Map<String, Value>, Error>,
    options: RequestOptions,
}

impl<M: Mode> FinishUserTask<M> {
    /// The whole answer: a map or any `Serialize` value that serializes as a JSON object (a
    /// struct, a `HashMap`, `json!({...})`), its keys the form field ids. Replaces what was set
    /// before; anything but an object fails the call when it is sent.
    pub fn answer<T: Serialize + ?Sized>(mut self, answer: &T) -> Self {
        self.finish.answer = match serde_json::to_value(answer) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(Error::invalid_input(format!(
                "a user task's answer must be a JSON object of form field values, not {}",
                json_kind(&other)
            ))),
            Err(error) => Err(Error::serialize("the user task's answer", error)),
        };
        self
    }

    /// One form field's value, added to the answer.
    pub fn field<T: Serialize + ?Sized>(mut self, id: impl Into<String>, value: &T) -> Self {
        if let Ok(map) = &mut self.finish.answer {
            match serde_json::to_value(value) {
                Ok(value) => {
                    map.insert(id.into(), value);
                }
                Err(error) => {
                    self.finish.answer =
                        Err(Error::serialize("a value of the user task's answer", error));
                }
            }
        }
        self
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<M: Mode> RequestOptionsBuilder for FinishUserTask<M> {
    fn request_options(&mut self) -> &mut RequestOptions {
        &mut self.finish.options
    }
}

impl FinishUserTask<Async> {
    /// Finishes the task; answers once the engine has.
    pub async fn send(self) -> Result<(), Error> {
        let Finish {
            task,
            answer,
            options,
        } = self.finish;
        let transport = self.client.transport();
        Ok(wire::tasks::finish_user_task(transport, &task, answer?, &options).await?)
    }
}
