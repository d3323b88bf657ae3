//! User tasks: list them by scope, and finish one with an answer.

use process_engine_api_types::models::UserTaskResult;
use process_engine_api_types::operations::FinishUserTask;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Error, ListUserTasks, ProcessControlClient, RequestBuilder, TaskRef, TaskScope};

impl ProcessControlClient {
    /// The user tasks waiting in `scope`; [`TaskScope::Own`] is the Python client's
    /// `get_own_user_tasks()`. Each task's form fields hold their default values as the model's
    /// text, or an expression's value with its JSON type;
    /// [`FormValue::default_of`](crate::FormValue::default_of) reads one as its field's type.
    pub fn user_tasks(&self, scope: TaskScope) -> RequestBuilder<ListUserTasks> {
        self.request(ListUserTasks::from(scope))
    }

    /// Finishes a user task with an answer ([`answer`](RequestBuilder::answer),
    /// [`field`](RequestBuilder::field); none is an empty answer). A task that is not waiting
    /// (any more) fails with [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    ///
    /// The answer is the form's values by field id; the engine stores it as the task's result,
    /// wrapped as `{"form_fields": {...}}` in the token.
    pub fn finish_user_task(&self, task: impl Into<TaskRef>) -> RequestBuilder<FinishUserTask> {
        let task = task.into();
        self.request(FinishUserTask::new(
            task.process_instance_id,
            task.correlation_id,
            task.flow_node_instance_id,
            UserTaskResult::new().with_form_fields(Map::new()),
        ))
    }
}

impl RequestBuilder<FinishUserTask> {
    /// The whole answer: a map or any `Serialize` value that serializes as a JSON object (a
    /// struct, a `HashMap`, `json!({...})`), its keys the form field ids. Replaces what was set
    /// before; anything but an object fails the call when it is sent.
    pub fn answer<T: Serialize + ?Sized>(mut self, answer: &T) -> Self {
        match serde_json::to_value(answer) {
            Ok(Value::Object(map)) => {
                self.operation_mut().body.form_fields = Some(map);
                self.mistake = None;
            }
            Ok(other) => {
                self.mistake = Some(Error::invalid_input(format!(
                    "a user task's answer must be a JSON object of form field values, not {}",
                    json_kind(&other)
                )));
            }
            Err(error) => self.mistake = Some(Error::serialize("the user task's answer", error)),
        }
        self
    }

    /// One form field's value, added to the answer.
    pub fn field<T: Serialize + ?Sized>(mut self, id: impl Into<String>, value: &T) -> Self {
        if self.mistake.is_none() {
            match serde_json::to_value(value) {
                Ok(value) => {
                    self.operation_mut()
                        .body
                        .form_fields
                        .get_or_insert_with(Map::new)
                        .insert(id.into(), value);
                }
                Err(error) => {
                    self.mistake =
                        Some(Error::serialize("a value of the user task's answer", error));
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

#[cfg(test)]
mod tests {
    use process_engine_transport::Client;

    use super::*;

    fn client() -> ProcessControlClient {
        ProcessControlClient::new(Client::builder("http://localhost:8000").build().unwrap())
    }

    #[test]
    fn an_answer_and_fields_make_the_body() {
        let finish = client()
            .finish_user_task(TaskRef::new("p", "c", "f"))
            .answer(&serde_json::json!({"name": "Ada"}))
            .field("age", &36);
        let operation = finish.operation();
        assert_eq!(
            (
                operation.process_instance_id.as_str(),
                operation.correlation_id.as_str(),
                operation.flow_node_instance_id.as_str()
            ),
            ("p", "c", "f")
        );
        assert_eq!(
            serde_json::to_value(&operation.body).unwrap(),
            serde_json::json!({"formFields": {"name": "Ada", "age": 36}})
        );
        // Without an answer the engine gets an empty one.
        let empty = client().finish_user_task(TaskRef::new("p", "c", "f"));
        assert_eq!(
            serde_json::to_value(&empty.operation().body).unwrap(),
            serde_json::json!({"formFields": {}})
        );
    }

    #[tokio::test]
    async fn an_answer_that_is_no_object_fails_when_sent_unless_replaced() {
        let finish = client()
            .finish_user_task(TaskRef::new("p", "c", "f"))
            .answer(&[1, 2]);
        // A field cannot mend it.
        let finish = finish.field("x", &1);
        let error = finish.send().await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "a user task's answer must be a JSON object of form field values, not an array"
        );
        let finish = client()
            .finish_user_task(TaskRef::new("p", "c", "f"))
            .answer(&[1, 2])
            .answer(&serde_json::json!({}));
        assert!(finish.mistake.is_none());
    }
}
