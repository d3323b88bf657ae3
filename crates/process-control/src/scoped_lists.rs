//! The lists of waiting tasks and events in a scope. The engine has one route per kind and
//! scope; each list here is the generated operation its scope picks, so that one method of the
//! client covers every scope and answers one type.

use process_engine_api_types::operation::DecodeError;
use process_engine_api_types::route::Route;
use process_engine_api_types::{Operation, models, operations};

use crate::{EventScope, TaskScope};

/// Applies `$body` to whichever generated operation `$list` holds.
macro_rules! on_each {
    ($list:expr, $op:ident => $body:expr, $($variant:ident),*) => {
        match $list {
            $(Self::$variant($op) => $body,)*
        }
    };
}

/// Declares the list of one kind of waiting task: an enum over its five generated operations,
/// made from a [`TaskScope`].
macro_rules! task_list {
    (
        $(#[$doc:meta])*
        $name:ident -> $response:ident {
            $model:ident, $instance:ident, $correlation:ident, $model_in_correlation:ident, $own:ident
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum $name {
            /// In every instance of a process model.
            ProcessModel(operations::$model),
            /// In one process instance.
            ProcessInstance(operations::$instance),
            /// In every instance in a correlation.
            Correlation(operations::$correlation),
            /// In the instances of a process model in a correlation.
            ProcessModelInCorrelation(operations::$model_in_correlation),
            /// In the instances started by the caller's identity.
            Own(operations::$own),
        }

        impl From<TaskScope> for $name {
            fn from(scope: TaskScope) -> Self {
                match scope {
                    TaskScope::ProcessModel(id) => Self::ProcessModel(operations::$model::new(id)),
                    TaskScope::ProcessInstance(id) => {
                        Self::ProcessInstance(operations::$instance::new(id))
                    }
                    TaskScope::Correlation(id) => Self::Correlation(operations::$correlation::new(id)),
                    TaskScope::ProcessModelInCorrelation { model, correlation } => {
                        Self::ProcessModelInCorrelation(operations::$model_in_correlation::new(
                            model,
                            correlation,
                        ))
                    }
                    TaskScope::Own => Self::Own(operations::$own::new()),
                }
            }
        }

        impl Operation for $name {
            type Query = ();
            type Body = ();
            type Response = models::$response;

            fn route(&self) -> &'static Route {
                on_each!(
                    self,
                    op => op.route(),
                    ProcessModel, ProcessInstance, Correlation, ProcessModelInCorrelation, Own
                )
            }

            fn path_params(&self) -> Vec<&str> {
                on_each!(
                    self,
                    op => op.path_params(),
                    ProcessModel, ProcessInstance, Correlation, ProcessModelInCorrelation, Own
                )
            }

            fn decode(body: &[u8]) -> Result<Self::Response, DecodeError> {
                // The five operations answer the same list.
                operations::$own::decode(body)
            }
        }
    };
}

task_list!(
    /// The user tasks waiting in a scope: what
    /// [`ProcessControlClient::user_tasks`](crate::ProcessControlClient::user_tasks) sends.
    ListUserTasks -> UserTaskList {
        GetUserTasksForProcessModel,
        GetUserTasksForProcessInstance,
        GetUserTasksForCorrelation,
        GetUserTasksForProcessModelInCorrelation,
        GetOwnUserTasks
    }
);

task_list!(
    /// The manual tasks waiting in a scope: what
    /// [`ProcessControlClient::manual_tasks`](crate::ProcessControlClient::manual_tasks) sends.
    ListManualTasks -> ManualTaskList {
        GetManualTasksForProcessModel,
        GetManualTasksForProcessInstance,
        GetManualTasksForCorrelation,
        GetManualTasksForProcessModelInCorrelation,
        GetOwnManualTasks
    }
);

task_list!(
    /// The empty activities waiting in a scope: what
    /// [`ProcessControlClient::empty_activities`](crate::ProcessControlClient::empty_activities)
    /// sends.
    ListEmptyActivities -> EmptyActivityList {
        GetEmptyActivitiesForProcessModel,
        GetEmptyActivitiesForProcessInstance,
        GetEmptyActivitiesForCorrelation,
        GetEmptyActivitiesForProcessModelInCorrelation,
        GetOwnEmptyActivities
    }
);

/// The message and signal events waiting in a scope: what
/// [`ProcessControlClient::events`](crate::ProcessControlClient::events) sends.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ListEvents {
    /// In every instance of a process model.
    ProcessModel(operations::GetEventsForProcessModel),
    /// In every instance in a correlation.
    Correlation(operations::GetEventsForCorrelation),
    /// In the instances of a process model in a correlation.
    ProcessModelInCorrelation(operations::GetEventsForProcessModelInCorrelation),
}

impl From<EventScope> for ListEvents {
    fn from(scope: EventScope) -> Self {
        match scope {
            EventScope::ProcessModel(id) => {
                ListEvents::ProcessModel(operations::GetEventsForProcessModel::new(id))
            }
            EventScope::Correlation(id) => {
                ListEvents::Correlation(operations::GetEventsForCorrelation::new(id))
            }
            EventScope::ProcessModelInCorrelation { model, correlation } => {
                ListEvents::ProcessModelInCorrelation(
                    operations::GetEventsForProcessModelInCorrelation::new(model, correlation),
                )
            }
        }
    }
}

impl Operation for ListEvents {
    type Query = ();
    type Body = ();
    type Response = models::EventList;

    fn route(&self) -> &'static Route {
        on_each!(self, op => op.route(), ProcessModel, Correlation, ProcessModelInCorrelation)
    }

    fn path_params(&self) -> Vec<&str> {
        on_each!(self, op => op.path_params(), ProcessModel, Correlation, ProcessModelInCorrelation)
    }

    fn decode(body: &[u8]) -> Result<Self::Response, DecodeError> {
        // The three operations answer the same list.
        operations::GetEventsForCorrelation::decode(body)
    }
}

#[cfg(test)]
mod tests {
    use process_engine_api_types::routes;

    use super::*;

    #[test]
    fn each_scope_picks_its_route_and_parameters() {
        let cases = [
            (
                TaskScope::process_model("m"),
                &routes::GET_USER_TASKS_FOR_PROCESS_MODEL,
                vec!["m"],
            ),
            (
                TaskScope::process_instance("p"),
                &routes::GET_USER_TASKS_FOR_PROCESS_INSTANCE,
                vec!["p"],
            ),
            (
                TaskScope::correlation("c"),
                &routes::GET_USER_TASKS_FOR_CORRELATION,
                vec!["c"],
            ),
            (
                TaskScope::process_model_in_correlation("m", "c"),
                &routes::GET_USER_TASKS_FOR_PROCESS_MODEL_IN_CORRELATION,
                vec!["m", "c"],
            ),
            (TaskScope::Own, &routes::GET_OWN_USER_TASKS, vec![]),
        ];
        for (scope, route, params) in cases {
            let list = ListUserTasks::from(scope);
            assert_eq!(list.route(), route);
            assert_eq!(list.path_params(), params);
        }
        let list = ListEmptyActivities::from(TaskScope::Own);
        assert_eq!(list.route(), &routes::GET_OWN_EMPTY_ACTIVITIES);
        let list = ListManualTasks::from(TaskScope::correlation("c"));
        assert_eq!(list.route(), &routes::GET_MANUAL_TASKS_FOR_CORRELATION);
        let list = ListEvents::from(EventScope::process_model_in_correlation("m", "c"));
        assert_eq!(
            list.route(),
            &routes::GET_EVENTS_FOR_PROCESS_MODEL_IN_CORRELATION
        );
        assert_eq!(list.path_params(), ["m", "c"]);
    }
}
