//! User tasks, manual tasks and empty activities: lists by scope, and finishing one.

use process_engine_api_types::models::{
    EmptyActivityList, ManualTaskList, UserTaskList, UserTaskResult,
};
use process_engine_api_types::route::Route;
use process_engine_api_types::routes;
use process_engine_transport::{Call, Client, Error};
use serde::de::DeserializeOwned;

use crate::options::RequestOptions;
use crate::scope::TaskScope;
use crate::task_ref::TaskRef;

/// The three kinds of task that wait for someone to finish them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskKind {
    User,
    Manual,
    Empty,
}

/// The list routes of a kind, by scope: model, instance, correlation, model in correlation, own.
fn list_routes(kind: TaskKind) -> [&'static Route; 5] {
    match kind {
        TaskKind::User => [
            &routes::GET_USER_TASKS_FOR_PROCESS_MODEL,
            &routes::GET_USER_TASKS_FOR_PROCESS_INSTANCE,
            &routes::GET_USER_TASKS_FOR_CORRELATION,
            &routes::GET_USER_TASKS_FOR_PROCESS_MODEL_IN_CORRELATION,
            &routes::GET_OWN_USER_TASKS,
        ],
        TaskKind::Manual => [
            &routes::GET_MANUAL_TASKS_FOR_PROCESS_MODEL,
            &routes::GET_MANUAL_TASKS_FOR_PROCESS_INSTANCE,
            &routes::GET_MANUAL_TASKS_FOR_CORRELATION,
            &routes::GET_MANUAL_TASKS_FOR_PROCESS_MODEL_IN_CORRELATION,
            &routes::GET_OWN_MANUAL_TASKS,
        ],
        TaskKind::Empty => [
            &routes::GET_EMPTY_ACTIVITIES_FOR_PROCESS_MODEL,
            &routes::GET_EMPTY_ACTIVITIES_FOR_PROCESS_INSTANCE,
            &routes::GET_EMPTY_ACTIVITIES_FOR_CORRELATION,
            &routes::GET_EMPTY_ACTIVITIES_FOR_PROCESS_MODEL_IN_CORRELATION,
            &routes::GET_OWN_EMPTY_ACTIVITIES,
        ],
    }
}

async fn list<T: DeserializeOwned>(
    client: &Client,
    kind: TaskKind,
    scope: &TaskScope,
    options: &RequestOptions,
) -> Result<T, Error> {
    let [
        by_model,
        by_instance,
        by_correlation,
        by_model_in_correlation,
        own,
    ] = list_routes(kind);
    match scope {
        TaskScope::ProcessModel(model) => super::json(client, by_model, &[model], options).await,
        TaskScope::ProcessInstance(instance) => {
            super::json(client, by_instance, &[instance], options).await
        }
        TaskScope::Correlation(correlation) => {
            super::json(client, by_correlation, &[correlation], options).await
        }
        TaskScope::ProcessModelInCorrelation { model, correlation } => {
            super::json(
                client,
                by_model_in_correlation,
                &[model, correlation],
                options,
            )
            .await
        }
        TaskScope::Own => super::json(client, own, &[], options).await,
    }
}

pub(crate) async fn user_tasks(
    client: &Client,
    scope: &TaskScope,
    options: &RequestOptions,
) -> Result<UserTaskList, Error> {
    list(client, TaskKind::User, scope, options).await
}

pub(crate) async fn manual_tasks(
    client: &Client,
    scope: &TaskScope,
    options: &RequestOptions,
) -> Result<ManualTaskList, Error> {
    list(client, TaskKind::Manual, scope, options).await
}

pub(crate) async fn empty_activities(
    client: &Client,
    scope: &TaskScope,
    options: &RequestOptions,
) -> Result<EmptyActivityList, Error> {
    list(client, TaskKind::Empty, scope, options).await
}

/// Finishes a task; `answer` is a user task's form field values (ignored by the engine for the
/// other kinds, which get `{}`).
pub(crate) async fn finish(
    client: &Client,
    kind: TaskKind,
    task: &TaskRef,
    answer: serde_json::Map<String, serde_json::Value>,
    options: &RequestOptions,
) -> Result<(), Error> {
    let route = match kind {
        TaskKind::User => &routes::FINISH_USER_TASK,
        TaskKind::Manual => &routes::FINISH_MANUAL_TASK,
        TaskKind::Empty => &routes::FINISH_EMPTY_ACTIVITY,
    };
    let call = Call::new(route)
        .param(&task.process_instance_id)
        .param(&task.correlation_id)
        .param(&task.flow_node_instance_id);
    let call = if kind == TaskKind::User {
        let mut body = UserTaskResult::default();
        body.form_fields = answer;
        call.json(&body)
    } else {
        call.json(&serde_json::json!({}))
    };
    client.empty(options.apply(call)).await
}
