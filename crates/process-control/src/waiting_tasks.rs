//! Manual tasks and empty activities: tasks that wait to be finished without an answer.

use process_engine_api_types::operations::{FinishEmptyActivity, FinishManualTask};

use crate::{
    ListEmptyActivities, ListManualTasks, ProcessControlClient, RequestBuilder, TaskRef, TaskScope,
};

impl ProcessControlClient {
    /// The manual tasks (`bpmn:ManualTask`: someone does something outside the system and says
    /// so) waiting in `scope`.
    pub fn manual_tasks(&self, scope: TaskScope) -> RequestBuilder<ListManualTasks> {
        self.request(ListManualTasks::from(scope))
    }

    /// The empty activities (an untyped `bpmn:Task`: a breakpoint) waiting in `scope`.
    pub fn empty_activities(&self, scope: TaskScope) -> RequestBuilder<ListEmptyActivities> {
        self.request(ListEmptyActivities::from(scope))
    }

    /// Finishes a manual task (its result is `{}`). A task that is not waiting (any more) fails
    /// with [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    pub fn finish_manual_task(&self, task: impl Into<TaskRef>) -> RequestBuilder<FinishManualTask> {
        let task = task.into();
        self.request(FinishManualTask::new(
            task.process_instance_id,
            task.correlation_id,
            task.flow_node_instance_id,
        ))
    }

    /// Finishes an empty activity (the token passes through unchanged). A task that is not
    /// waiting (any more) fails with [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    pub fn finish_empty_activity(
        &self,
        task: impl Into<TaskRef>,
    ) -> RequestBuilder<FinishEmptyActivity> {
        let task = task.into();
        self.request(FinishEmptyActivity::new(
            task.process_instance_id,
            task.correlation_id,
            task.flow_node_instance_id,
        ))
    }
}
