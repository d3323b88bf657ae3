//! What names one waiting task instance to finish it.

use process_engine_api_types::models::{EmptyActivity, ManualTask, UserTask};
use process_engine_api_types::notifications::Notification;

/// The waiting task instance to finish: its process instance, correlation and flow node
/// instance. Made from a listed task (`&UserTask`, `&ManualTask`, `&EmptyActivity` of
/// [`models`](process_engine_api_types::models)), from the engine's notification that it waits
/// (`&Notification`), or from ids.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskRef {
    /// The process instance the task waits in.
    pub process_instance_id: String,
    /// Its correlation.
    pub correlation_id: String,
    /// The task's flow node instance id (not its BPMN id).
    pub flow_node_instance_id: String,
}

impl TaskRef {
    /// A task from its ids: the Python client's `(process_instance_id, correlation_id,
    /// user_task_instance_id)`.
    pub fn new(
        process_instance_id: impl Into<String>,
        correlation_id: impl Into<String>,
        flow_node_instance_id: impl Into<String>,
    ) -> Self {
        TaskRef {
            process_instance_id: process_instance_id.into(),
            correlation_id: correlation_id.into(),
            flow_node_instance_id: flow_node_instance_id.into(),
        }
    }
}

macro_rules! task_ref_from {
    ($($task:ty),*) => {$(
        impl From<&$task> for TaskRef {
            fn from(task: &$task) -> Self {
                TaskRef::new(
                    &task.process_instance_id,
                    &task.correlation_id,
                    &task.flow_node_instance_id,
                )
            }
        }
    )*};
}

// A notification of a task waiting (the engine's events) names the task as the lists do.
task_ref_from!(UserTask, ManualTask, EmptyActivity, Notification);
