//! What the query routes answer: the engine's state as the API's bodies.

use process_engine_api_types::models::{
    self, ActiveToken, CorrelationError, CorrelationResult, CorrelationState, EmptyActivity,
    EmptyActivityList, Event, EventList, EventType, FormFieldEnumValue, FormFieldType, ManualTask,
    ManualTaskList, ProcessInstance, TokenHistory, UserTask, UserTaskList,
};

use std::sync::Arc;

use serde_json::Value;

use super::failure::Failure;
use super::instance::{HistoryEntry, Instance, RunState, Wait, Waiting};
use super::no_correlation_for;
use super::{Deployment, Engine, Reject, State, model_not_found};
use crate::bpmn::NodeKind;
use crate::bpmn::js;

/// Which waiting flow nodes a list route shows. `None` means any.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scope<'a> {
    pub(crate) model: Option<&'a str>,
    pub(crate) correlation: Option<&'a str>,
    pub(crate) instance: Option<&'a str>,
    /// The user id of the instances' owner (the `own` routes).
    pub(crate) owner: Option<&'a str>,
}

impl Scope<'_> {
    fn contains(&self, instance: &Instance) -> bool {
        self.model.is_none_or(|m| instance.model_id == m)
            && self
                .correlation
                .is_none_or(|c| instance.correlation_id == c)
            && self.instance.is_none_or(|i| instance.id == i)
            && self.owner.is_none_or(|o| instance.owner.user_id == o)
    }
}

/// The common fields of every waiting flow node in a list.
struct Suspended<'a> {
    instance: &'a Instance,
    waiting: &'a Waiting,
}

impl Suspended<'_> {
    fn node(&self) -> &crate::bpmn::FlowNode {
        &self.instance.process.nodes[self.waiting.node]
    }

    fn name(&self) -> String {
        self.node().name.clone().unwrap_or_default()
    }
}

impl State {
    fn suspended<'a>(&'a self, scope: Scope<'a>) -> impl Iterator<Item = Suspended<'a>> + 'a {
        self.instance_order
            .iter()
            .filter_map(|id| self.instances.get(id))
            .filter(move |instance| instance.is_running() && scope.contains(instance))
            .flat_map(|instance| {
                instance
                    .waiting
                    .iter()
                    .map(move |waiting| Suspended { instance, waiting })
            })
    }
}

/// Fills the fields every list item shares; the macro keeps the four item types in step.
macro_rules! common {
    ($item:ident, $s:expr) => {{
        $item.id = $s.node().id.clone();
        $item
            .flow_node_instance_id
            .clone_from(&$s.waiting.flow_node_instance_id);
        $item.correlation_id.clone_from(&$s.instance.correlation_id);
        $item.process_model_id.clone_from(&$s.instance.model_id);
        $item.process_instance_id.clone_from(&$s.instance.id);
    }};
}

impl Engine {
    /// The waiting user tasks in `scope`. A user task inside an embedded sub-process cannot be
    /// listed: every list that meets it, and `user_tasks/own` for everyone while one exists,
    /// answers 404 naming the sub-process instance (BPMN.md section 7, recorded in
    /// d08_subprocess).
    pub(crate) fn user_tasks(&self, scope: Scope<'_>) -> Result<UserTaskList, Reject> {
        let state = self.lock();
        let hidden = state
            .instance_order
            .iter()
            .filter_map(|id| state.instances.get(id))
            .filter(|instance| instance.is_running() && instance.is_embedded())
            .filter(|instance| scope.owner.is_some() || scope.contains(instance))
            .find(|instance| instance.waiting.iter().any(|w| w.wait == Wait::UserTask));
        if let Some(instance) = hidden {
            return Err(no_correlation_for(&instance.id));
        }
        let mut list = UserTaskList::default();
        for s in state
            .suspended(scope)
            .filter(|s| s.waiting.wait == Wait::UserTask)
        {
            let mut task = UserTask::default();
            common!(task, s);
            task.name = s.name();
            task.token_payload = s.waiting.token.payload.as_ref().clone();
            if let NodeKind::UserTask { form_fields } = &s.node().kind {
                let token = s.waiting.token.to_js();
                task.data.form_fields = form_fields
                    .iter()
                    .map(|field| form_field(field, &token))
                    .collect();
            }
            list.user_tasks.push(task);
        }
        Ok(list)
    }

    /// The tokens waiting in flow nodes of running instances of `model`, or of `instance`.
    pub(crate) fn active_tokens(
        &self,
        model: Option<&str>,
        instance: Option<&str>,
    ) -> Vec<ActiveToken> {
        let state = self.lock();
        let scope = Scope {
            model,
            instance,
            ..Scope::default()
        };
        state
            .suspended(scope)
            .filter(|s| s.waiting.wait.attached().is_none())
            .map(|s| {
                let mut token = ActiveToken::default();
                token.process_instance_id.clone_from(&s.instance.id);
                token.process_model_id.clone_from(&s.instance.model_id);
                token.correlation_id.clone_from(&s.instance.correlation_id);
                token.flow_node_id = s.node().id.clone();
                token
                    .flow_node_instance_id
                    .clone_from(&s.waiting.flow_node_instance_id);
                token.identity = s.instance.owner.to_model();
                token.created_at.clone_from(&s.waiting.since);
                token.payload = s.waiting.token.payload.as_ref().clone();
                token
            })
            .collect()
    }

    pub(crate) fn manual_tasks(&self, scope: Scope<'_>) -> ManualTaskList {
        let state = self.lock();
        let mut list = ManualTaskList::default();
        for s in state
            .suspended(scope)
            .filter(|s| s.waiting.wait == Wait::ManualTask)
        {
            let mut task = ManualTask::default();
            common!(task, s);
            task.name = s.name();
            task.token_payload = s.waiting.token.payload.as_ref().clone();
            list.manual_tasks.push(task);
        }
        list
    }

    pub(crate) fn empty_activities(&self, scope: Scope<'_>) -> EmptyActivityList {
        let state = self.lock();
        let mut list = EmptyActivityList::default();
        for s in state
            .suspended(scope)
            .filter(|s| s.waiting.wait == Wait::EmptyActivity)
        {
            let mut activity = EmptyActivity::default();
            common!(activity, s);
            activity.name = s.name();
            activity.token_payload = s.waiting.token.payload.as_ref().clone();
            list.empty_activities.push(activity);
        }
        list
    }

    pub(crate) fn events(&self, scope: Scope<'_>) -> EventList {
        let state = self.lock();
        let mut list = EventList::default();
        for s in state.suspended(scope) {
            let (event_type, name) = match &s.waiting.wait {
                Wait::Message(name) => (EventType::MessageEvent, name),
                Wait::Signal(name) => (EventType::SignalEvent, name),
                _ => continue,
            };
            let mut event = Event::default();
            common!(event, s);
            event.event_type = event_type;
            event.event_name.clone_from(name);
            event.bpmn_type = "bpmn:IntermediateCatchEvent".to_owned();
            list.events.push(event);
        }
        list
    }

    /// The end events reached by the finished instances of `model` in `correlation`.
    pub(crate) fn results(
        &self,
        correlation: &str,
        model: &str,
    ) -> Result<Vec<CorrelationResult>, Reject> {
        let state = self.lock();
        let entry = state.correlations.get(correlation).ok_or_else(|| {
            Reject::new(
                404,
                format!("No process results for correlation with id '{correlation}' found."),
            )
        })?;
        if !state.deployments.contains_key(model) {
            return Err(model_not_found(model));
        }
        let mut results = Vec::new();
        for instance in entry
            .instances
            .iter()
            .filter_map(|id| state.instances.get(id))
        {
            // Error and terminate end events leave a result too, though the instance failed;
            // call_activity_handler.js: a called model's results are not listed.
            if instance.model_id != model || instance.parent_link.is_some() {
                continue;
            }
            for (end, payload) in &instance.results {
                let mut result = CorrelationResult::default();
                result.correlation_id = correlation.to_owned();
                result.end_event_id.clone_from(end);
                result.token_payload = payload.as_ref().clone();
                results.push(result);
            }
        }
        Ok(results)
    }

    /// The caller's running instances, with the engine's swapped fields (the model carries them).
    pub(crate) fn own_instances(&self, user_id: &str) -> Vec<ProcessInstance> {
        let state = self.lock();
        let scope = Scope {
            owner: Some(user_id),
            ..Scope::default()
        };
        state
            .instance_order
            .iter()
            .filter_map(|id| state.instances.get(id))
            .filter(|instance| instance.is_running() && scope.contains(instance))
            .map(|instance| {
                let mut item = ProcessInstance::default();
                item.id.clone_from(&instance.id);
                item.process_model_id.clone_from(&instance.model_id);
                item.correlation_id.clone_from(&instance.correlation_id);
                item.owner = instance.owner.to_model();
                item.parent_process_instance_id.clone_from(&instance.parent);
                item
            })
            .collect()
    }

    // ---- management: correlations and token history -----------------------------------------

    pub(crate) fn correlation(&self, id: &str, caller: &str) -> Result<Value, Reject> {
        let view = self.lock().correlation_view(id, caller, None);
        view.map(Unfinished::finish)
            .ok_or_else(|| Reject::new(404, format!("Correlation with id \"{id}\" not found.")))
    }

    /// Every correlation the caller may see, oldest first; only those with a running instance
    /// when `active`.
    pub(crate) fn correlations(&self, caller: &str, active: bool) -> Vec<Value> {
        let views: Vec<Unfinished> = {
            let state = self.lock();
            state
                .correlation_order
                .iter()
                .filter_map(|id| state.correlation_view(id, caller, None))
                .filter(|c| !active || c.correlation.state == CorrelationState::Running)
                .collect()
        };
        views.into_iter().map(Unfinished::finish).collect()
    }

    pub(crate) fn correlations_of_model(
        &self,
        model: &str,
        caller: &str,
    ) -> Result<Vec<Value>, Reject> {
        let state = self.lock();
        let found: Vec<Unfinished> = state
            .correlation_order
            .iter()
            .filter(|id| {
                state.correlations.get(*id).is_some_and(|c| {
                    c.instances
                        .iter()
                        .any(|i| state.instances.get(i).is_some_and(|i| i.model_id == model))
                })
            })
            // The correlations of a model list only that model's instances.
            .filter_map(|id| state.correlation_view(id, caller, Some(model)))
            .collect();
        drop(state);
        if found.is_empty() {
            return Err(Reject::new(
                404,
                format!("No correlations for ProcessModel with ID \"{model}\" found."),
            ));
        }
        Ok(found.into_iter().map(Unfinished::finish).collect())
    }

    pub(crate) fn correlation_of_instance(
        &self,
        instance: &str,
        caller: &str,
    ) -> Result<Value, Reject> {
        let view = {
            let state = self.lock();
            state
                .instances
                .get(instance)
                .and_then(|i| state.correlation_view(&i.correlation_id, caller, None))
        };
        view.map(Unfinished::finish).ok_or_else(|| {
            Reject::new(
                404,
                format!("No correlations for ProcessInstance with ID \"{instance}\" found."),
            )
        })
    }

    pub(crate) fn token_history(&self, instance: &str) -> Result<TokenHistory, Reject> {
        let state = self.lock();
        state
            .instances
            .get(instance)
            .map(history_of)
            .ok_or_else(|| {
                Reject::new(
                    404,
                    format!("No token history for ProcessInstance with ID \"{instance}\" found."),
                )
            })
    }

    /// The token history of the instances of `model` in `correlation`, merged per flow node.
    pub(crate) fn token_history_of(
        &self,
        correlation: &str,
        model: &str,
    ) -> Result<TokenHistory, Reject> {
        let state = self.lock();
        let mut history = TokenHistory::new();
        let instances = state
            .correlations
            .get(correlation)
            .map(|c| c.instances.as_slice())
            .unwrap_or_default();
        for instance in instances.iter().filter_map(|id| state.instances.get(id)) {
            if instance.model_id == model {
                for (node, entries) in history_of(instance) {
                    history.entry(node).or_default().extend(entries);
                }
            }
        }
        if history.is_empty() {
            return Err(Reject::new(
                404,
                format!(
                    "No token history for ProcessModel \"{model}\" in Correlation \"{correlation}\" found."
                ),
            ));
        }
        Ok(history)
    }
}

impl State {
    /// A correlation as the management API shows it to `caller`: only the instances the caller
    /// started, and those started with the development token, which everyone sees.
    ///
    /// The models' XML, the large part, is copied after the engine's lock is released
    /// ([`Unfinished::finish`]).
    fn correlation_view(&self, id: &str, caller: &str, model: Option<&str>) -> Option<Unfinished> {
        let entry = self.correlations.get(id)?;
        let instances: Vec<&Instance> = entry
            .instances
            .iter()
            .filter_map(|i| self.instances.get(i))
            .filter(|i| i.owner.user_id == caller || i.owner.is_dummy())
            // sub_process_handler.js: an embedded sub-process is no instance of the correlation.
            .filter(|i| {
                !i.parent_link
                    .as_ref()
                    .is_some_and(|(_, _, embedded)| *embedded)
            })
            .filter(|i| model.is_none_or(|m| i.model_id == m))
            .collect();
        if instances.is_empty() {
            return None;
        }
        let mut errors = Vec::new();
        let mut correlation = models::Correlation::default();
        correlation.id = id.to_owned();
        correlation.created_at.clone_from(&entry.created_at);
        correlation.state = if instances.iter().any(|i| i.is_running()) {
            CorrelationState::Running
        } else if instances
            .iter()
            .any(|i| matches!(i.state, RunState::Failed(_)))
        {
            CorrelationState::Error
        } else {
            CorrelationState::Finished
        };
        for instance in &instances {
            let mut item = models::CorrelationProcessInstance::default();
            item.process_definition_name
                .clone_from(&instance.deployment.id);
            item.hash.clone_from(&instance.deployment.hash);
            item.process_model_id.clone_from(&instance.deployment.id);
            item.process_instance_id.clone_from(&instance.id);
            item.parent_process_instance_id.clone_from(&instance.parent);
            item.identity = instance.owner.to_model();
            item.created_at.clone_from(&instance.created_at);
            (item.state, item.error) = match &instance.state {
                RunState::Running => (CorrelationState::Running, None),
                RunState::Finished => (CorrelationState::Finished, None),
                RunState::Failed(failure) => (CorrelationState::Error, Some(error_object(failure))),
            };
            errors.push(match &instance.state {
                RunState::Failed(failure) => Some(failure.json.clone()),
                _ => None,
            });
            if correlation.state == CorrelationState::Error && correlation.error.is_none() {
                correlation.error.clone_from(&item.error);
            }
            correlation.process_instances.push(item);
        }
        let deployments = instances
            .iter()
            .map(|i| Arc::clone(&i.deployment))
            .collect();
        Some(Unfinished {
            correlation,
            deployments,
            errors,
        })
    }
}

/// A correlation read under the engine's lock, still without its models' XML.
struct Unfinished {
    correlation: models::Correlation,
    /// The deployment of each of its process instances, in order.
    deployments: Vec<Arc<Deployment>>,
    /// The stored error of each of its process instances: the JSON serialisation of what
    /// failed it (`{}` for a plain `Error`, `{name, code}` for a `BpmnError`, ...).
    errors: Vec<Option<Value>>,
}

impl Unfinished {
    fn finish(mut self) -> Value {
        for (item, deployment) in self
            .correlation
            .process_instances
            .iter_mut()
            .zip(&self.deployments)
        {
            item.xml.clone_from(&deployment.xml);
        }
        let mut value = serde_json::to_value(&self.correlation).unwrap_or(Value::Null);
        let first = self.errors.iter().flatten().next().cloned();
        if let Some(object) = value.as_object_mut() {
            if object.contains_key("error") {
                if let Some(first) = first {
                    object.insert("error".to_owned(), first);
                }
            }
            if let Some(Value::Array(items)) = object.get_mut("processInstances") {
                for (item, error) in items.iter_mut().zip(self.errors) {
                    if let (Some(item), Some(error)) = (item.as_object_mut(), error) {
                        item.insert("error".to_owned(), error);
                    }
                }
            }
        }
        value
    }
}

/// The stored error as 8.0.0 serialises it: code and class name, the details of a service
/// error; the message is not stored.
fn error_object(failure: &Failure) -> CorrelationError {
    let mut error = CorrelationError::default();
    error.code = i64::from(failure.status);
    error.name.clone_from(&failure.name);
    error
}

/// The token history of an instance in the API's shape.
fn history_of(instance: &Instance) -> TokenHistory {
    instance
        .history
        .iter()
        .map(|(node, entries)| {
            let entries = entries
                .iter()
                .map(|entry| history_entry(instance, node, entry))
                .collect();
            (node.clone(), entries)
        })
        .collect()
}

fn history_entry(
    instance: &Instance,
    node: &str,
    entry: &HistoryEntry,
) -> models::TokenHistoryEntry {
    let mut model = models::TokenHistoryEntry::default();
    model.flow_node_id = node.to_owned();
    model
        .flow_node_instance_id
        .clone_from(&entry.flow_node_instance_id);
    model
        .previous_flow_node_instance_id
        .clone_from(&entry.previous);
    model.process_instance_id.clone_from(&instance.id);
    model.process_model_id.clone_from(&instance.model_id);
    model.correlation_id.clone_from(&instance.correlation_id);
    model.token_event_type = entry.event.clone();
    model.identity = instance.owner.to_model();
    model.created_at.clone_from(&entry.created_at);
    model.caller.clone_from(&instance.parent);
    model.payload = entry.payload.as_ref().clone();
    model
}

/// A form field as the consumer API presents it: `label`, `defaultValue` and
/// `preferredControl` starting with `$` are evaluated over the token
/// (`consumer_api_core` `user_task_converter.js`, `_evaluateExpressionWithOldToken`).
fn form_field(field: &crate::bpmn::FormField, token: &str) -> models::FormField {
    let mut model = models::FormField::default();
    model.id.clone_from(&field.id);
    model.label = field
        .label
        .as_deref()
        .map(|label| present(label, token).unwrap_or_default())
        .unwrap_or_default();
    model.r#type = FormFieldType::from(field.field_type.as_str());
    model.default_value = field
        .default_value
        .as_deref()
        .and_then(|value| present(value, token));
    model.preferred_control = field
        .preferred_control
        .as_deref()
        .and_then(|value| present(value, token));
    if !field.enum_values.is_empty() {
        model.enum_values = Some(
            field
                .enum_values
                .iter()
                .map(|(id, name)| {
                    let mut value = FormFieldEnumValue::default();
                    value.id.clone_from(id);
                    value.name.clone_from(name);
                    value
                })
                .collect(),
        );
    }
    model
}

/// A form-field value as presented: an expression's value (`undefined` becomes `null`, shown as
/// absent; other types as their JSON text, since the wire model holds strings), or the value
/// itself. An expression that fails here was already accepted when the task was reached, so
/// its text is shown.
fn present(value: &str, token: &str) -> Option<String> {
    let Some(body) = super::flow_nodes::form_expression(value) else {
        return Some(value.to_owned());
    };
    match js::evaluate(js::Kind::FormPresentation, body, token, None) {
        Ok(evaluated) => match evaluated.value {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text),
            Some(other) => Some(other.to_string()),
        },
        Err(_) => Some(value.to_owned()),
    }
}
