//! User tasks, manual tasks and empty activities: lists by scope, and finishing one.

use process_engine_api_types::models::{
    EmptyActivityList, ManualTaskList, UserTaskList, UserTaskResult,
};
use process_engine_api_types::operations::{
    FinishEmptyActivity, FinishManualTask, FinishUserTask, GetEmptyActivitiesForCorrelation,
    GetEmptyActivitiesForProcessInstance, GetEmptyActivitiesForProcessModel,
    GetEmptyActivitiesForProcessModelInCorrelation, GetManualTasksForCorrelation,
    GetManualTasksForProcessInstance, GetManualTasksForProcessModel,
    GetManualTasksForProcessModelInCorrelation, GetOwnEmptyActivities, GetOwnManualTasks,
    GetOwnUserTasks, GetUserTasksForCorrelation, GetUserTasksForProcessInstance,
    GetUserTasksForProcessModel, GetUserTasksForProcessModelInCorrelation,
};
use process_engine_transport::{Client, Error, RequestOptions};
use serde_json::{Map, Value};

use crate::scope::TaskScope;
use crate::task_ref::TaskRef;

/// Executes the list operation of `scope`, given the five operations of a kind of task in the
/// order model, instance, correlation, model in correlation, own.
macro_rules! list_in_scope {
    ($client:ident, $scope:ident, $options:ident,
     $model:ident, $instance:ident, $correlation:ident, $model_in_correlation:ident, $own:ident) => {
        match $scope {
            TaskScope::ProcessModel(id) => $client.execute(&$model::new(id), $options).await,
            TaskScope::ProcessInstance(id) => $client.execute(&$instance::new(id), $options).await,
            TaskScope::Correlation(id) => $client.execute(&$correlation::new(id), $options).await,
            TaskScope::ProcessModelInCorrelation { model, correlation } => {
                let operation = $model_in_correlation::new(model, correlation);
                $client.execute(&operation, $options).await
            }
            TaskScope::Own => $client.execute(&$own::new(), $options).await,
        }
    };
}

pub(crate) async fn user_tasks(
    client: &Client,
    scope: &TaskScope,
    options: &RequestOptions,
) -> Result<UserTaskList, Error> {
    list_in_scope!(
        client,
        scope,
        options,
        GetUserTasksForProcessModel,
        GetUserTasksForProcessInstance,
        GetUserTasksForCorrelation,
        GetUserTasksForProcessModelInCorrelation,
        GetOwnUserTasks
    )
}

pub(crate) async fn manual_tasks(
    client: &Client,
    scope: &TaskScope,
    options: &RequestOptions,
) -> Result<ManualTaskList, Error> {
    list_in_scope!(
        client,
        scope,
        options,
        GetManualTasksForProcessModel,
        GetManualTasksForProcessInstance,
        GetManualTasksForCorrelation,
        GetManualTasksForProcessModelInCorrelation,
        GetOwnManualTasks
    )
}

pub(crate) async fn empty_activities(
    client: &Client,
    scope: &TaskScope,
    options: &RequestOptions,
) -> Result<EmptyActivityList, Error> {
    list_in_scope!(
        client,
        scope,
        options,
        GetEmptyActivitiesForProcessModel,
        GetEmptyActivitiesForProcessInstance,
        GetEmptyActivitiesForCorrelation,
        GetEmptyActivitiesForProcessModelInCorrelation,
        GetOwnEmptyActivities
    )
}

/// Finishes a user task with its form field values (the engine keeps them as the task's result).
pub(crate) async fn finish_user_task(
    client: &Client,
    task: &TaskRef,
    answer: Map<String, Value>,
    options: &RequestOptions,
) -> Result<(), Error> {
    let operation = FinishUserTask::new(
        &task.process_instance_id,
        &task.correlation_id,
        &task.flow_node_instance_id,
        UserTaskResult::new(answer),
    );
    client.execute(&operation, options).await
}

/// The tasks finished without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unanswered {
    Manual,
    Empty,
}

pub(crate) async fn finish_unanswered(
    client: &Client,
    kind: Unanswered,
    task: &TaskRef,
    options: &RequestOptions,
) -> Result<(), Error> {
    let ids = (
        &task.process_instance_id,
        &task.correlation_id,
        &task.flow_node_instance_id,
    );
    match kind {
        Unanswered::Manual => {
            let operation = FinishManualTask::new(ids.0, ids.1, ids.2);
            client.execute(&operation, options).await
        }
        Unanswered::Empty => {
            let operation = FinishEmptyActivity::new(ids.0, ids.1, ids.2);
            client.execute(&operation, options).await
        }
    }
}
