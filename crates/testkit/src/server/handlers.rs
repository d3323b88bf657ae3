//! One handler per family of operations; [`dispatch`] picks it by the request's operation.
//!
//! The match is exhaustive over [`OperationId`]: an operation of the API description without a
//! handler does not compile. The list and finish routes of the consumer and management APIs
//! share their handlers: the path parameters a route has say which scope a list covers.

use std::time::Duration;

use process_engine_api_types::OperationId;
use process_engine_api_types::models::{
    self, EventReference, ManagementProcessModel, ManagementProcessModelList, ProcessModelList,
    ProcessStartResponse,
};
use serde_json::{Map, Value, json};

use super::reply::Reply;
use super::request::Call;
use crate::engine::instance::{Outcome, Payload, TaskError, Wait};
use crate::engine::{Deployment, Engine, FetchRequest, Reject, Scope, StartRequest};
use crate::notify::Hold;

/// The runtime's package information, as `GET /` answers it.
const PACKAGE_INFO: &str = include_str!("package_info.json");

pub(crate) async fn dispatch(engine: &Engine, call: Call) -> Reply {
    use ListKind::{EmptyActivities, Events, ManualTasks, UserTasks};
    use OperationId as Op;
    match call.operation {
        Op::GetPackageInfo => Reply::Json(PACKAGE_INFO.trim_end().as_bytes().to_vec().into()),
        Op::GetAuthority => Reply::json(&json!({ "authority": "http://localhost:5000/" })),
        Op::GetProcessModels | Op::GetProcessModelById | Op::GetProcessModelByProcessInstanceId => {
            process_models(engine, &call, false)
        }
        Op::ManagementGetProcessModels
        | Op::ManagementGetProcessModelById
        | Op::ManagementGetProcessModelByProcessInstanceId => process_models(engine, &call, true),
        Op::StartProcessInstance | Op::ManagementStartProcessInstance => start(engine, &call).await,
        Op::GetProcessResultsForCorrelation => json_or_reject(
            engine.results(call.param("correlation_id"), call.param("process_model_id")),
        ),
        Op::GetOwnProcessInstances => Reply::json(&engine.own_instances(&call.caller().user_id)),
        Op::TriggerMessageEvent | Op::ManagementTriggerMessageEvent => {
            trigger(engine, &call, Wait::Message)
        }
        Op::TriggerSignalEvent | Op::ManagementTriggerSignalEvent => {
            trigger(engine, &call, Wait::Signal)
        }
        Op::FinishUserTask | Op::ManagementFinishUserTask => finish_user_task(engine, &call),
        Op::FinishManualTask | Op::ManagementFinishManualTask => finish(
            engine,
            &call,
            &Wait::ManualTask,
            Outcome::Result(Payload::empty_object()),
        ),
        Op::FinishEmptyActivity | Op::ManagementFinishEmptyActivity => {
            finish(engine, &call, &Wait::EmptyActivity, Outcome::PassThrough)
        }
        Op::FetchAndLockExternalTasks => fetch_and_lock(engine, &call).await,
        Op::ExtendExternalTaskLock => {
            let additional = call.body_number("additionalDuration");
            no_content(engine.extend_lock(
                call.param("external_task_id"),
                worker(&call),
                additional,
            ))
        }
        Op::FinishExternalTask => {
            // A body without `result` leaves the payload `undefined`.
            let result = Payload::evaluated(call.body.get("result").cloned());
            no_content(engine.finish_task(call.param("external_task_id"), worker(&call), result))
        }
        Op::HandleExternalTaskBpmnError => {
            let code = call
                .body
                .get("errorCode")
                .map_or_else(|| "undefined".to_owned(), js_string);
            let error = TaskError::Bpmn { code };
            no_content(engine.fail_task(call.param("external_task_id"), worker(&call), error))
        }
        Op::HandleExternalTaskServiceError => {
            let message = call
                .body
                .get("errorMessage")
                .map_or_else(String::new, js_string);
            let details = call.body.get("errorDetails").cloned();
            let error = TaskError::Service { message, details };
            no_content(engine.fail_task(call.param("external_task_id"), worker(&call), error))
        }
        Op::ImportProcessModel => {
            let name = call
                .body
                .get("name")
                .map_or_else(|| "undefined".to_owned(), js_string);
            match deploy(engine, &call, &name) {
                Ok(()) => Reply::Empty,
                Err(reject) => reject.into(),
            }
        }
        Op::UpdateProcessModel => {
            no_content(deploy(engine, &call, call.param("process_model_name")))
        }
        Op::UndeployProcessModel => {
            engine.undeploy(call.param("process_model_id"));
            Reply::Empty
        }
        Op::DeleteProcessModel => {
            engine.undeploy(call.param("process_model_id"));
            Reply::NoContent
        }
        Op::TerminateProcessInstance => {
            engine.terminate(call.param("process_instance_id"));
            Reply::NoContent
        }
        Op::GetAllCorrelations => Reply::json(&engine.correlations(&call.caller().user_id, false)),
        Op::GetActiveCorrelations => {
            Reply::json(&engine.correlations(&call.caller().user_id, true))
        }
        Op::GetCorrelationsByProcessModelId => json_or_reject(
            engine.correlations_of_model(call.param("process_model_id"), &call.caller().user_id),
        ),
        Op::GetCorrelationByProcessInstanceId => {
            json_or_reject(engine.correlation_of_instance(call.param("process_instance_id")))
        }
        Op::GetCorrelationById => {
            json_or_reject(engine.correlation(call.param("correlation_id"), &call.caller().user_id))
        }
        Op::GetActiveTokensForProcessModel => {
            Reply::json(&engine.active_tokens(Some(call.param("process_model_id")), None))
        }
        Op::GetActiveTokensForProcessInstance => {
            Reply::json(&engine.active_tokens(None, Some(call.param("process_instance_id"))))
        }
        Op::GetTokenHistoryForProcessInstance => {
            Reply::json(&engine.token_history(call.param("process_instance_id")))
        }
        Op::GetTokenHistoryForCorrelationAndProcessModel => Reply::json(
            &engine.token_history_of(call.param("correlation_id"), call.param("process_model_id")),
        ),
        Op::GetUserTasksForProcessModel
        | Op::GetUserTasksForProcessInstance
        | Op::GetUserTasksForCorrelation
        | Op::GetUserTasksForProcessModelInCorrelation
        | Op::ManagementGetUserTasksForProcessModel
        | Op::ManagementGetUserTasksForProcessInstance
        | Op::ManagementGetUserTasksForCorrelation
        | Op::ManagementGetUserTasksForProcessModelInCorrelation => {
            list(engine, &call, UserTasks, false)
        }
        Op::GetOwnUserTasks => list(engine, &call, UserTasks, true),
        Op::GetManualTasksForProcessModel
        | Op::GetManualTasksForProcessInstance
        | Op::GetManualTasksForCorrelation
        | Op::GetManualTasksForProcessModelInCorrelation
        | Op::ManagementGetManualTasksForProcessModel
        | Op::ManagementGetManualTasksForProcessInstance
        | Op::ManagementGetManualTasksForCorrelation
        | Op::ManagementGetManualTasksForProcessModelInCorrelation => {
            list(engine, &call, ManualTasks, false)
        }
        Op::GetOwnManualTasks => list(engine, &call, ManualTasks, true),
        Op::GetEmptyActivitiesForProcessModel
        | Op::GetEmptyActivitiesForProcessInstance
        | Op::GetEmptyActivitiesForCorrelation
        | Op::GetEmptyActivitiesForProcessModelInCorrelation
        | Op::ManagementGetEmptyActivitiesForProcessModel
        | Op::ManagementGetEmptyActivitiesForProcessInstance
        | Op::ManagementGetEmptyActivitiesForCorrelation
        | Op::ManagementGetEmptyActivitiesForProcessModelInCorrelation => {
            list(engine, &call, EmptyActivities, false)
        }
        Op::GetOwnEmptyActivities => list(engine, &call, EmptyActivities, true),
        Op::GetEventsForProcessModel
        | Op::GetEventsForCorrelation
        | Op::GetEventsForProcessModelInCorrelation
        | Op::ManagementGetEventsForProcessModel
        | Op::ManagementGetEventsForCorrelation
        | Op::ManagementGetEventsForProcessModelInCorrelation => list(engine, &call, Events, false),
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
        ListKind::ManualTasks => json_or_reject(engine.manual_tasks(scope)),
        ListKind::EmptyActivities => json_or_reject(engine.empty_activities(scope)),
        ListKind::Events => json_or_reject(engine.events(scope)),
    }
}

/// Delivers a message or signal; only the body's `currentToken` reaches the waiting events
/// (`undefined` without one).
fn trigger(engine: &Engine, call: &Call, wait: fn(String) -> Wait) -> Reply {
    let payload = Payload::evaluated(call.body.get("currentToken").cloned());
    engine.trigger(&wait(call.param("event_name").to_owned()), payload);
    Reply::NoContent
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

/// What a request holds back of the notifications it causes until its answer is out, as the
/// real engine's order is: a start that waits for the end answers after the end's
/// notifications, a finished task's `*_finished` precedes its `204`, and everything else
/// happens after the answer.
pub(crate) fn hold(call: &Call) -> Hold {
    use OperationId as Op;
    match call.operation {
        Op::StartProcessInstance | Op::ManagementStartProcessInstance
            if callback_type(call) != 1.0 =>
        {
            Hold::Nothing
        }
        Op::FinishUserTask
        | Op::ManagementFinishUserTask
        | Op::FinishManualTask
        | Op::ManagementFinishManualTask
        | Op::FinishEmptyActivity
        | Op::ManagementFinishEmptyActivity => Hold::AllButFinished,
        _ => Hold::Everything,
    }
}

/// `Number.parseInt(query.start_callback_type)`, and a falsy result (missing, NaN, 0) is the
/// default, 1 (consumer_api_http 4.1.0, `consumer_api_controller.js`).
fn callback_type(call: &Call) -> f64 {
    call.query("start_callback_type")
        .and_then(parse_int)
        .filter(|&c| c != 0.0)
        .unwrap_or(1.0)
}

async fn start(engine: &Engine, call: &Call) -> Reply {
    let callback = callback_type(call);
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
                response.token_payload = payload;
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

/// `consumer_api_service.js`, `_createUserTaskResultForProcessEngine`, checked before the task
/// is looked up: falsy `formFields` are `{}`, an object is the result, anything else is a 400.
fn finish_user_task(engine: &Engine, call: &Call) -> Reply {
    let fields = match call.body.get("formFields") {
        None | Some(Value::Null | Value::Bool(false)) => Value::Object(Map::new()),
        Some(Value::String(text)) if text.is_empty() => Value::Object(Map::new()),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Value::Object(Map::new()),
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
        Outcome::Result(Payload::json(json!({ "form_fields": fields }))),
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
        lock_ms: call.body_number("lockDuration"),
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

/// JavaScript's `Number.parseInt(text)` without a radix: leading white space, a sign, an
/// optional `0x` (then hexadecimal), then as many digits as there are; `None` for NaN. Digits
/// beyond what a double holds give a rounded number or infinity, as in JavaScript.
fn parse_int(text: &str) -> Option<f64> {
    let text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    let (radix, digits) = match rest.get(..2) {
        Some(prefix) if prefix.eq_ignore_ascii_case("0x") => (16, &rest[2..]),
        _ => (10, rest),
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let digits = &digits[..end];
    if digits.is_empty() {
        return None;
    }
    let magnitude = if radix == 10 {
        digits.parse::<f64>().ok()?
    } else {
        digits
            .chars()
            .filter_map(|c| c.to_digit(16))
            .fold(0.0, |n, d| n * 16.0 + f64::from(d))
    };
    Some(sign * magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_reads_like_javascript() {
        assert_eq!(parse_int("2"), Some(2.0));
        assert_eq!(parse_int(" 3abc"), Some(3.0));
        assert_eq!(parse_int("2.9"), Some(2.0));
        assert_eq!(parse_int("1e3"), Some(1.0));
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int("-4"), Some(-4.0));
        assert_eq!(parse_int("0x1F"), Some(31.0));
        assert_eq!(parse_int("-0X2"), Some(-2.0));
        assert_eq!(parse_int("0xg"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("-"), None);
        assert_eq!(
            parse_int("99999999999999999999999"),
            Some(99_999_999_999_999_999_999_999.0)
        );
        assert_eq!(parse_int(&"9".repeat(400)), Some(f64::INFINITY));
    }
}
