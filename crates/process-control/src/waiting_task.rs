//! Manual tasks and empty activities: tasks that wait to be finished without an answer.

use process_engine_api_types::models;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::mode::Mode;
use crate::wire::tasks::Unanswered;
use crate::{Error, ProcessControlClient, Request, TaskRef, TaskScope, wire};

/// Declares a task type that is finished without an answer, its conversion and `payload_as`.
macro_rules! waiting_task {
    ($(#[$doc:meta])* $name:ident from $wire:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            /// Its BPMN id.
            pub id: String,
            /// This waiting instance of it.
            pub flow_node_instance_id: String,
            /// Its name.
            pub name: String,
            /// The correlation its instance runs in.
            pub correlation_id: String,
            /// The process model of its instance.
            pub process_model_id: String,
            /// Its process instance.
            pub process_instance_id: String,
            /// The token payload it was reached with.
            pub token_payload: Value,
        }

        impl $name {
            /// Reads the token payload as `T`; the error names the first field that does not fit.
            pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
                Ok(process_engine_api_types::payload::payload_as(Some(&self.token_payload))?)
            }
        }

        impl From<$wire> for $name {
            fn from(task: $wire) -> Self {
                $name {
                    id: task.id,
                    flow_node_instance_id: task.flow_node_instance_id,
                    name: task.name,
                    correlation_id: task.correlation_id,
                    process_model_id: task.process_model_id,
                    process_instance_id: task.process_instance_id,
                    token_payload: task.token_payload,
                }
            }
        }
    };
}

waiting_task!(
    /// A manual task (`bpmn:ManualTask`) waiting to be finished: someone does something outside
    /// the system and says so.
    ManualTask from models::ManualTask
);

waiting_task!(
    /// An empty activity (an untyped `bpmn:Task`) waiting to be finished: a breakpoint.
    EmptyActivity from models::EmptyActivity
);

impl<M: Mode> ProcessControlClient<M> {
    /// The manual tasks waiting in `scope`.
    pub fn manual_tasks(&self, scope: TaskScope) -> Request<Vec<ManualTask>, M> {
        self.request(|client, options| async move {
            let list = wire::tasks::manual_tasks(&client, &scope, &options).await?;
            Ok(list.manual_tasks.into_iter().map(Into::into).collect())
        })
    }

    /// The empty activities waiting in `scope`.
    pub fn empty_activities(&self, scope: TaskScope) -> Request<Vec<EmptyActivity>, M> {
        self.request(|client, options| async move {
            let list = wire::tasks::empty_activities(&client, &scope, &options).await?;
            Ok(list.empty_activities.into_iter().map(Into::into).collect())
        })
    }

    /// Finishes a manual task (its result is `{}`). A task that is not waiting (any more) fails
    /// with [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    pub fn finish_manual_task(&self, task: impl Into<TaskRef>) -> Request<(), M> {
        self.finish_waiting(Unanswered::Manual, task.into())
    }

    /// Finishes an empty activity (the token passes through unchanged). A task that is not
    /// waiting (any more) fails with [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    pub fn finish_empty_activity(&self, task: impl Into<TaskRef>) -> Request<(), M> {
        self.finish_waiting(Unanswered::Empty, task.into())
    }

    fn finish_waiting(&self, kind: Unanswered, task: TaskRef) -> Request<(), M> {
        self.request(move |client, options| async move {
            Ok(wire::tasks::finish_unanswered(&client, kind, &task, &options).await?)
        })
    }
}
