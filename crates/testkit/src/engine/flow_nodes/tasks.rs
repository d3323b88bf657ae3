//! Activities: external service tasks (`external_service_task_handler.js`), script tasks
//! (`script_task_handler.js`), user tasks (`user_task_handler.js`), sub-processes and call
//! activities (`sub_process_handler.js`, `call_activity_handler.js`).

use std::sync::Arc;

use serde_json::{Value, json};

use super::super::failure::Failure;
use super::super::instance::{
    ChildKind, Effects, Instance, NewChild, NewTask, NewTimer, Token, Wait, new_id,
};
use super::{Next, evaluate, value_or_null};
use crate::bpmn::js::{JsError, Kind};
use crate::bpmn::{FormField, NodeId};

/// An external task: created with the `payload` property's value, or the token payload.
pub(super) fn external(
    instance: &Instance,
    fni: &str,
    token: Token,
    topic: &str,
    payload: Option<&str>,
    fx: &mut Effects,
) -> Next {
    let payload = match payload {
        None => Some(token.payload.as_ref().clone()),
        Some(source) => match evaluate(instance, Kind::Value, source, &token) {
            Ok(evaluated) => evaluated.value,
            Err(_) => {
                let message = format!("ExternalTask payload configuration '{source}' is invalid!");
                return Next::Fail(token, Failure::engine(500, message));
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
            token.payload = Arc::new(value_or_null(evaluated));
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
        Err(JsError::Thrown(thrown)) => Next::Fail(token, Failure::thrown(&thrown)),
        Err(other) => Next::Fail(token, Failure::engine(500, other.to_string())),
    }
}

/// A user task: its form-field expressions are validated on entry (`_validateExpression`).
pub(super) fn user(instance: &Instance, node: NodeId, token: Token, fields: &[FormField]) -> Next {
    for field in fields {
        let expressions = [&field.label, &field.default_value, &field.preferred_control];
        for value in expressions.into_iter().flatten() {
            let Some(body) = form_expression(value) else {
                continue;
            };
            if evaluate(instance, Kind::Form, body, &token).is_err() {
                let details = json!({
                    "processModelId": instance.model_id,
                    "processInstanceId": instance.id,
                    "correlationId": instance.correlation_id,
                    "userTaskId": instance.process.nodes[node].id,
                    "invalidFormFieldId": field.id,
                    "currentToken": token.payload.as_ref(),
                    "validationError": format!("Cannot evaluate expression {value}! The ProcessToken is missing some required properties!"),
                });
                let message = format!("The configuration for FormField {} is invalid!", field.id);
                return Next::Fail(token, Failure::internal_with(message, Some(details)));
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
    let child_token = match &what {
        ChildKind::SubProcess(_) => token.clone(),
        // call_activity_handler.js: the input is `token.current || {}`.
        ChildKind::Call(_) => {
            let input = match token.current.as_deref() {
                None | Some(Value::Null | Value::Bool(false)) => json!({}),
                Some(current) => current.clone(),
            };
            Token::new(Arc::new(input))
        }
    };
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
