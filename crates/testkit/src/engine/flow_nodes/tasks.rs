//! Activities: external service tasks (`external_service_task_handler.js`), script tasks
//! (`script_task_handler.js`), user tasks (`user_task_handler.js`), sub-processes and call
//! activities (`sub_process_handler.js`, `call_activity_handler.js`), all in
//! `process_engine_core` `runtime/flow_node_handler/`.

use serde_json::json;

use super::super::failure::Failure;
use super::super::instance::{
    ChildKind, Effects, ExitRecord, Instance, NewChild, NewTask, NewTimer, Payload, Token, Wait,
    new_id,
};
use super::{Next, evaluate};
use crate::bpmn::js::{JsError, Kind};
use crate::bpmn::{FormField, NodeId};

/// An external task: created with the `payload` property's value, or the token payload (an
/// `undefined` one is no payload at all).
pub(super) fn external(
    instance: &Instance,
    fni: &str,
    token: Token,
    topic: &str,
    payload: Option<&str>,
    fx: &mut Effects,
) -> Next {
    let payload = match payload {
        None => token.payload.sent(),
        Some(source) => match evaluate(instance, Kind::Value, source, &token) {
            Ok(evaluated) => evaluated.value,
            Err(_) => {
                let message = format!("ExternalTask payload configuration '{source}' is invalid!");
                return Next::Fail(token, Failure::engine(500, message), ExitRecord::Written);
            }
        },
    };
    let id = new_id();
    fx.new_tasks.push(NewTask {
        instance_id: instance.id.clone(),
        id: id.clone(),
        topic: topic.to_owned(),
        flow_node_instance_id: fni.to_owned(),
        payload,
    });
    Next::Wait(token, Wait::ExternalTask(id))
}

/// A script task: its result (or `null` for `undefined`) becomes the payload; a returned
/// Promise's timers make the task wait that long on the engine's clock.
pub(super) fn script(
    instance: &Instance,
    fni: &str,
    mut token: Token,
    script: &str,
    fx: &mut Effects,
) -> Next {
    match evaluate(instance, Kind::Script, script, &token) {
        Ok(evaluated) => {
            let delay = evaluated.delay_ms;
            // script_task_handler.js: `undefined` becomes `null`.
            token.payload = Payload::json(evaluated.value.unwrap_or(serde_json::Value::Null));
            if delay == 0 {
                return Next::Leave(token);
            }
            fx.timers.push(NewTimer {
                instance: instance.id.clone(),
                fni: fni.to_owned(),
                due_ms: instance.clock.now_ms().saturating_add(delay),
            });
            Next::Wait(token, Wait::Script)
        }
        // The task's onExit holds its input (`persistOnError(token)`).
        Err(JsError::Thrown(thrown)) => {
            Next::Fail(token, Failure::thrown(&thrown), ExitRecord::Written)
        }
        Err(other) => Next::Fail(
            token,
            Failure::engine(500, other.to_string()),
            ExitRecord::Written,
        ),
    }
}

/// A user task: its form-field expressions are validated on entry
/// (`_validateUserTaskFormFieldConfigurations`): one that throws fails the task, whose `onExit`
/// holds its input, with an error that says which field and carries the token.
pub(super) fn user(
    instance: &Instance,
    node: NodeId,
    fni: &str,
    token: Token,
    fields: &[FormField],
) -> Next {
    for field in fields {
        let expressions = [&field.label, &field.default_value, &field.preferred_control];
        for value in expressions.into_iter().flatten() {
            let Some(body) = form_expression(value) else {
                continue;
            };
            if evaluate(instance, Kind::Form, body, &token).is_err() {
                // An absent id reads `undefined` in the message and is left out of the details.
                let id = field.id.as_deref().unwrap_or("undefined");
                let mut details = json!({
                    "processModelId": instance.model_id,
                    "processInstanceId": instance.id,
                    "correlationId": instance.correlation_id,
                    "userTaskId": instance.process.nodes[node].id,
                    "userTaskInstanceId": fni,
                    "invalidFormFieldId": field.id,
                    "currentToken": token.to_json(),
                    "validationError": format!("Cannot evaluate expression {value}! The ProcessToken is missing some required properties!"),
                });
                if let (None, Some(details)) = (&field.id, details.as_object_mut()) {
                    details.remove("invalidFormFieldId");
                }
                let message = format!("The configuration for FormField {id} is invalid!");
                return Next::Fail(
                    token,
                    Failure::internal_with(message, Some(details)),
                    ExitRecord::Written,
                );
            }
        }
    }
    Next::Wait(token, Wait::UserTask)
}

/// The body of a form-field expression: a value whose first character is `$`, without its
/// first two and last characters (`${...}`).
pub(crate) fn form_expression(value: &str) -> Option<&str> {
    if !value.starts_with('$') {
        return None;
    }
    let mut chars = value.char_indices().skip(2);
    let start = chars.next().map_or(value.len(), |(index, _)| index);
    let end = value.char_indices().last().map_or(0, |(index, _)| index);
    Some(value.get(start..end.max(start)).unwrap_or(""))
}

/// A sub-process or call activity: starts the child and waits for it.
pub(super) fn child(
    instance: &Instance,
    fni: &str,
    token: Token,
    what: ChildKind,
    fx: &mut Effects,
) -> Next {
    let child_id = new_id();
    let mut child_token = match &what {
        // sub_process_handler.js: the parent's results and payload.
        ChildKind::SubProcess(_) => token.clone(),
        // call_activity_handler.js: the input is `token.current || {}`.
        ChildKind::Call(_) => Token::new(
            token
                .current
                .clone()
                .filter(Payload::truthy)
                .unwrap_or_else(Payload::empty_object),
        ),
    };
    // The child's start event is executed with no previous flow node.
    child_token.previous = None;
    fx.children.push(NewChild {
        parent_instance: instance.id.clone(),
        parent_fni: fni.to_owned(),
        child_id: child_id.clone(),
        what,
        token: child_token,
    });
    Next::Wait(token, Wait::Child(child_id))
}

#[cfg(test)]
mod tests {
    use super::form_expression;

    // user_task_handler.js: `value.substr(2, value.length - 3)` for values starting with `$`.
    #[test]
    fn form_expressions_strip_the_dollar_braces() {
        assert_eq!(
            form_expression("${token.current.a}"),
            Some("token.current.a")
        );
        assert_eq!(form_expression("plain"), None);
        assert_eq!(form_expression("$"), Some(""));
        assert_eq!(form_expression("${"), Some(""));
        assert_eq!(form_expression("${ä}"), Some("ä"));
    }
}
