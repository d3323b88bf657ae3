//! One handler per family of operations; [`dispatch`] picks it by the route's operation.
//!
//! The operations of the API description are named systematically
//! (`get_user_tasks_for_correlation`, `management_finish_manual_task`, ...), so the list and
//! finish routes of the consumer and management APIs share their handlers: the path parameters
//! a route has say which scope a list covers.

use std::time::Duration;

use process_engine_api_types::models::{
    self, EventReference, ManagementProcessModel, ManagementProcessModelList, ProcessModelList,
    ProcessStartResponse,
};
use serde_json::{Map, Value, json};

use super::reply::Reply;
use super::request::Call;
use crate::engine::instance::{Outcome, TaskError, Wait};
use crate::engine::{Deployment, Engine, FetchRequest, Reject, Scope, StartRequest};

/// The runtime's package information, as `GET /` answers it.
const PACKAGE_INFO: &str = include_str!("package_info.json");

pub(crate) async fn dispatch(engine: &Engine, call: Call) -> Reply {
    let operation = call.route.operation;
    let op = operation.strip_prefix("management_").unwrap_or(operation);
    match op {
        "get_package_info" => Reply::Json(PACKAGE_INFO.trim_end().as_bytes().to_vec().into()),
        "get_authority" => Reply::json(&json!({ "authority": "http://localhost:5000/" })),
        "get_process_models"
        | "get_process_model_by_id"
        | "get_process_model_by_process_instance_id" => {
            process_models(engine, &call, operation.starts_with("management_"))
        }
        "start_process_instance" => start(engine, &call).await,
        "get_process_results_for_correlation" => {
            match engine.results(call.param("correlation_id"), call.param("process_model_id")) {
                Ok(results) => Reply::json(&results),
                Err(reject) => reject.into(),
            }
        }
        "get_own_process_instances" => Reply::json(&engine.own_instances(&call.caller().user_id)),
        "trigger_message_event" | "trigger_signal_event" => {
            let name = call.param("event_name").to_owned();
            let wait = if op == "trigger_message_event" {
                Wait::Message(name)
            } else {
                Wait::Signal(name)
            };
            // Only the body's `currentToken` reaches the waiting event.
            let payload = call
                .body
                .get("currentToken")
                .cloned()
                .unwrap_or_else(|| json!({}));
            engine.trigger(&wait, &payload);
            Reply::NoContent
        }
        "finish_user_task" => finish_user_task(engine, &call),
        "finish_manual_task" => {
            finish(engine, &call, &Wait::ManualTask, Outcome::Result(json!({})))
        }
        "finish_empty_activity" => {
            finish(engine, &call, &Wait::EmptyActivity, Outcome::PassThrough)
        }
        "fetch_and_lock_external_tasks" => fetch_and_lock(engine, &call).await,
        "extend_external_task_lock" => {
            let additional = call.body_u64("additionalDuration").unwrap_or(0);
            no_content(engine.extend_lock(
                call.param("external_task_id"),
                worker(&call),
                additional,
            ))
        }
        "finish_external_task" => {
            let result = call.body.get("result").cloned().unwrap_or(Value::Null);
            no_content(engine.finish_task(call.param("external_task_id"), worker(&call), result))
        }
        "handle_external_task_bpmn_error" => {
            let code = call
                .body
                .get("errorCode")
                .map_or_else(|| "undefined".to_owned(), js_string);
            let error = TaskError::Bpmn { code };
            no_content(engine.fail_task(call.param("external_task_id"), worker(&call), error))
        }
        "handle_external_task_service_error" => {
            let message = call
                .body
                .get("errorMessage")
                .map_or_else(String::new, js_string);
            let details = call.body.get("errorDetails").cloned();
            let error = TaskError::Service { message, details };
            no_content(engine.fail_task(call.param("external_task_id"), worker(&call), error))
        }
        "import_process_model" => {
            let name = call
                .body
                .get("name")
                .map_or_else(|| "undefined".to_owned(), js_string);
            match deploy(engine, &call, &name) {
                Ok(()) => Reply::Empty,
                Err(reject) => reject.into(),
            }
        }
        "update_process_model" => {
            no_content(deploy(engine, &call, call.param("process_model_name")))
        }
        "undeploy_process_model" => {
            engine.undeploy(call.param("process_model_id"));
            Reply::Empty
        }
        "delete_process_model" => {
            engine.undeploy(call.param("process_model_id"));
            Reply::NoContent
        }
        "terminate_process_instance" => {
            engine.terminate(call.param("process_instance_id"));
            Reply::NoContent
        }
        "get_all_correlations" | "get_active_correlations" => Reply::json(
            &engine.correlations(&call.caller().user_id, op == "get_active_correlations"),
        ),
        "get_correlations_by_process_model_id" => json_or_reject(
            engine.correlations_of_model(call.param("process_model_id"), &call.caller().user_id),
        ),
        "get_correlation_by_process_instance_id" => json_or_reject(
            engine
                .correlation_of_instance(call.param("process_instance_id"), &call.caller().user_id),
        ),
        "get_correlation_by_id" => {
            json_or_reject(engine.correlation(call.param("correlation_id"), &call.caller().user_id))
        }
        "get_active_tokens_for_process_model" => {
            Reply::json(&engine.active_tokens(Some(call.param("process_model_id")), None))
        }
        "get_active_tokens_for_process_instance" => {
            Reply::json(&engine.active_tokens(None, Some(call.param("process_instance_id"))))
        }
        "get_token_history_for_process_instance" => {
            json_or_reject(engine.token_history(call.param("process_instance_id")))
        }
        "get_token_history_for_correlation_and_process_model" => json_or_reject(
            engine.token_history_of(call.param("correlation_id"), call.param("process_model_id")),
        ),
        _ => match list_route(operation) {
            Some((kind, own)) => list(engine, &call, kind, own),
            None => Reply::Error(Reject::new(
                500,
                format!("The stand-in engine does not serve {operation}."),
            )),
        },
    }
}

/// What a list route lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListKind {
    UserTasks,
    ManualTasks,
    EmptyActivities,
    Events,
}

/// The list routes by operation, consumer and management: what each lists, and whether it lists
/// the caller's own only. The scope (model, instance, correlation) comes from the path
/// parameters. An operation missing here is not served, rather than served by a lookalike.
fn list_route(operation: &str) -> Option<(ListKind, bool)> {
    use ListKind::{EmptyActivities, Events, ManualTasks, UserTasks};
    Some(match operation {
        "get_user_tasks_for_process_model"
        | "get_user_tasks_for_process_instance"
        | "get_user_tasks_for_correlation"
        | "get_user_tasks_for_process_model_in_correlation"
        | "management_get_user_tasks_for_process_model"
        | "management_get_user_tasks_for_process_instance"
        | "management_get_user_tasks_for_correlation"
        | "management_get_user_tasks_for_process_model_in_correlation" => (UserTasks, false),
        "get_own_user_tasks" => (UserTasks, true),
        "get_manual_tasks_for_process_model"
        | "get_manual_tasks_for_process_instance"
        | "get_manual_tasks_for_correlation"
        | "get_manual_tasks_for_process_model_in_correlation"
        | "management_get_manual_tasks_for_process_model"
        | "management_get_manual_tasks_for_process_instance"
        | "management_get_manual_tasks_for_correlation"
        | "management_get_manual_tasks_for_process_model_in_correlation" => (ManualTasks, false),
        "get_own_manual_tasks" => (ManualTasks, true),
        "get_empty_activities_for_process_model"
        | "get_empty_activities_for_process_instance"
        | "get_empty_activities_for_correlation"
        | "get_empty_activities_for_process_model_in_correlation"
        | "management_get_empty_activities_for_process_model"
        | "management_get_empty_activities_for_process_instance"
        | "management_get_empty_activities_for_correlation"
        | "management_get_empty_activities_for_process_model_in_correlation" => {
            (EmptyActivities, false)
        }
        "get_own_empty_activities" => (EmptyActivities, true),
        "get_events_for_process_model"
        | "get_events_for_correlation"
        | "get_events_for_process_model_in_correlation"
        | "management_get_events_for_process_model"
        | "management_get_events_for_correlation"
        | "management_get_events_for_process_model_in_correlation" => (Events, false),
        _ => return None,
    })
}

/// The list routes of user tasks, manual tasks, empty activities and events, by scope (only the
/// caller's instances when `own`).
fn list(engine: &Engine, call: &Call, kind: ListKind, own: bool) -> Reply {
    let param = |name: &str| call.has_param(name).then(|| call.param(name));
    let scope = Scope {
        model: param("process_model_id"),
        correlation: param("correlation_id"),
        instance: param("process_instance_id"),
        owner: own.then(|| call.caller().user_id.as_str()),
    };
    match kind {
        ListKind::UserTasks => json_or_reject(engine.user_tasks(scope)),
        ListKind::ManualTasks => Reply::json(&engine.manual_tasks(scope)),
        ListKind::EmptyActivities => Reply::json(&engine.empty_activities(scope)),
        ListKind::Events => Reply::json(&engine.events(scope)),
    }
}

fn process_models(engine: &Engine, call: &Call, with_xml: bool) -> Reply {
    let one = if call.has_param("process_model_id") {
        engine.deployment(call.param("process_model_id"))
    } else if call.has_param("process_instance_id") {
        engine.deployment_of_instance(call.param("process_instance_id"))
    } else {
        let all = engine.deployments();
        return if with_xml {
            let mut list = ManagementProcessModelList::default();
            list.process_models = all.iter().map(|d| management_model(d)).collect();
            Reply::json(&list)
        } else {
            let mut list = ProcessModelList::default();
            list.process_models = all.iter().map(|d| consumer_model(d)).collect();
            Reply::json(&list)
        };
    };
    match one {
        Ok(deployment) if with_xml => Reply::json(&management_model(&deployment)),
        Ok(deployment) => Reply::json(&consumer_model(&deployment)),
        Err(reject) => reject.into(),
    }
}

/// A model's start and end events in document order; none for a model that is not executable.
fn events(deployment: &Deployment) -> (Vec<EventReference>, Vec<EventReference>) {
    let process = &deployment.process;
    let reference = |node: &crate::bpmn::FlowNode| {
        let mut event = EventReference::default();
        event.id.clone_from(&node.id);
        event
    };
    if !process.executable {
        return (Vec::new(), Vec::new());
    }
    (
        process.start_events().map(reference).collect(),
        process.end_events().map(reference).collect(),
    )
}

fn consumer_model(deployment: &Deployment) -> models::ProcessModel {
    let mut model = models::ProcessModel::default();
    model.id.clone_from(&deployment.id);
    (model.start_events, model.end_events) = events(deployment);
    model
}

fn management_model(deployment: &Deployment) -> ManagementProcessModel {
    let mut model = ManagementProcessModel::default();
    model.id.clone_from(&deployment.id);
    (model.start_events, model.end_events) = events(deployment);
    model.xml.clone_from(&deployment.xml);
    model
}

async fn start(engine: &Engine, call: &Call) -> Reply {
    // `parseInt` semantics: missing, 0 or not a number is the default, 1.
    let callback = call
        .query("start_callback_type")
        .and_then(parse_int)
        .filter(|&c| c != 0)
        .unwrap_or(1);
    let input = match call.body.get("inputValues") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(value) => value.clone(),
    };
    let request = StartRequest {
        model: call.param("process_model_id").to_owned(),
        callback,
        start_event: call.query("start_event_id").map(str::to_owned),
        end_event: call.query("end_event_id").map(str::to_owned),
        correlation_id: call.body_str("correlationId").map(str::to_owned),
        input,
        caller: call.body_str("callerId").map(str::to_owned),
        owner: call.caller().clone(),
    };
    let started = match engine.start(request) {
        Ok(started) => started,
        Err(reject) => return reject.into(),
    };
    let mut response = ProcessStartResponse::default();
    response.correlation_id = started.correlation_id;
    response.process_instance_id = started.instance_id;
    if let Some(ending) = started.ending {
        match ending.await {
            Ok(Ok((end_event, payload))) => {
                response.end_event_id = Some(end_event);
                response.token_payload = Some(payload);
            }
            Ok(Err(reject)) => return Reply::Error(reject),
            Err(_closed) => {
                return Reply::Error(Reject::new(
                    500,
                    "The engine stopped before the instance ended.",
                ));
            }
        }
    }
    Reply::json(&response)
}

fn finish_user_task(engine: &Engine, call: &Call) -> Reply {
    let fields = match call.body.get("formFields") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(fields @ Value::Object(_)) => fields.clone(),
        Some(_) => {
            return Reply::Error(Reject::new(
                400,
                "The UserTask's FormFields are not an object.",
            ));
        }
    };
    finish(
        engine,
        call,
        &Wait::UserTask,
        Outcome::Result(json!({ "form_fields": fields })),
    )
}

fn finish(engine: &Engine, call: &Call, wait: &Wait, outcome: Outcome) -> Reply {
    no_content(engine.finish_waiting(
        call.param("process_instance_id"),
        call.param("correlation_id"),
        call.param("flow_node_instance_id"),
        wait,
        outcome,
    ))
}

async fn fetch_and_lock(engine: &Engine, call: &Call) -> Reply {
    let Some(topic) = call.body_str("topicName") else {
        return Reply::json(&Vec::<Value>::new());
    };
    let request = FetchRequest {
        worker_id: worker(call).to_owned(),
        topic: topic.to_owned(),
        max_tasks: call.body_u64("maxTasks").unwrap_or(0),
        long_polling: Duration::from_millis(call.body_u64("longPollingTimeout").unwrap_or(0)),
        lock_ms: call.body_u64("lockDuration").unwrap_or(0),
    };
    Reply::json(&engine.fetch_and_lock(request).await)
}

fn deploy(engine: &Engine, call: &Call, name: &str) -> Result<(), Reject> {
    // Left out, `overwriteExisting` is true (the service's default parameter).
    let overwrite = call
        .body
        .get("overwriteExisting")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    engine.deploy(name, call.body_str("xml"), overwrite)
}

fn worker(call: &Call) -> &str {
    call.body_str("workerId").unwrap_or_default()
}

fn no_content(result: Result<(), Reject>) -> Reply {
    match result {
        Ok(()) => Reply::NoContent,
        Err(reject) => reject.into(),
    }
}

fn json_or_reject<T: serde::Serialize>(result: Result<T, Reject>) -> Reply {
    match result {
        Ok(body) => Reply::json(&body),
        Err(reject) => reject.into(),
    }
}

/// A JSON value as JavaScript's `String(value)` writes it into a message.
fn js_string(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

/// JavaScript's `parseInt(text, 10)`: leading whitespace, a sign, then as many digits as there are.
fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim_start();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().ok().map(|n| sign * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    use process_engine_api_types::route::{Method, Retry, Success};
    use process_engine_api_types::{Route, routes};

    #[test]
    fn every_list_route_of_the_api_description_is_known_with_its_kind() {
        // A new list route fails here until the table names it.
        let kinds = [
            ("user_tasks", ListKind::UserTasks),
            ("manual_tasks", ListKind::ManualTasks),
            ("empty_activities", ListKind::EmptyActivities),
            ("events", ListKind::Events),
        ];
        for route in routes::ALL {
            let operation = route.operation;
            let expected = kinds
                .iter()
                .find(|(name, _)| operation.contains("get_") && operation.contains(name))
                .map(|&(_, kind)| (kind, operation.starts_with("get_own_")));
            assert_eq!(list_route(operation), expected, "{operation}");
        }
    }

    #[tokio::test]
    async fn an_operation_nothing_serves_is_refused_naming_it() {
        static NEW: Route = Route::new(
            "get_user_tasks_archived",
            Method::Get,
            "/api/consumer/v1/user_tasks/archived",
            &[],
            Retry::Idempotent,
            Success::Json,
            None,
        );
        let reply = dispatch(&Engine::default(), Call::bare(&NEW)).await;
        match reply {
            Reply::Error(reject) => assert_eq!(
                reject,
                Reject::new(
                    500,
                    "The stand-in engine does not serve get_user_tasks_archived."
                )
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parse_int_reads_like_javascript() {
        assert_eq!(parse_int("2"), Some(2));
        assert_eq!(parse_int(" 3abc"), Some(3));
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int("-4"), Some(-4));
        assert_eq!(parse_int(""), None);
    }
}
