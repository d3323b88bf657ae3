//! What the query routes answer: the engine's state as the API's bodies.

use process_engine_api_types::models::{
    self, ActiveToken, CorrelationError, CorrelationResult, CorrelationState, Event, EventList,
    EventType, ProcessInstance, TokenHistory,
};

use std::sync::Arc;

use std::collections::BTreeMap;

use process_engine_api_types::models::TokenEventType;
use serde_json::{Map, Value, json};

use super::instance::{HistoryEntry, Instance, RunState, Wait, Waiting};
use super::no_correlation_for;
use super::token::JsToken;
use super::{Deployment, Engine, Reject, State, model_not_found};
use crate::bpmn::js::{self, JsError};
use crate::bpmn::{FormField, NodeKind, UserTaskForm};

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

    /// The keys every task item has: `{id, flowNodeInstanceId, name, correlationId,
    /// processModelId, processInstanceId}`, `name` left out for a node without one.
    fn item(&self) -> Map<String, Value> {
        let mut item = Map::new();
        item.insert("id".to_owned(), Value::String(self.node().id.clone()));
        item.insert(
            "flowNodeInstanceId".to_owned(),
            Value::String(self.waiting.flow_node_instance_id.clone()),
        );
        if let Some(name) = &self.node().name {
            item.insert("name".to_owned(), Value::String(name.clone()));
        }
        item.insert(
            "correlationId".to_owned(),
            Value::String(self.instance.correlation_id.clone()),
        );
        item.insert(
            "processModelId".to_owned(),
            Value::String(self.instance.model_id.clone()),
        );
        item.insert(
            "processInstanceId".to_owned(),
            Value::String(self.instance.id.clone()),
        );
        item
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
    /// The waiting user tasks in `scope`, as `{"userTasks": [...]}`, presented as
    /// `consumer_api_core` `converters/user_task_converter.js` presents them: form-field
    /// expressions evaluated over the token the instance's stored exits make, their values
    /// with their JSON type; an expression that throws fails the whole list (500 with its
    /// message). A user task inside an embedded sub-process fails it too ([`Engine::hidden`]).
    pub(crate) fn user_tasks(&self, scope: Scope<'_>) -> Result<Value, Reject> {
        let state = self.lock();
        hidden(&state, scope, |w| *w == Wait::UserTask)?;
        let mut tasks = Vec::new();
        for s in state
            .suspended(scope)
            .filter(|s| s.waiting.wait == Wait::UserTask)
        {
            let NodeKind::UserTask { form } = &s.node().kind else {
                continue;
            };
            let token = s.instance.stored_exits_token().to_js();
            let mut task = s.item();
            task.insert("data".to_owned(), presented_form(form, &token)?);
            task.insert("tokenPayload".to_owned(), s.waiting.token.payload.stored());
            tasks.push(Value::Object(task));
        }
        Ok(json!({ "userTasks": tasks }))
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
                token.payload = s.waiting.token.payload.stored();
                token
            })
            .collect()
    }

    /// The waiting manual tasks in `scope`, as `{"manualTasks": [...]}` (one inside an
    /// embedded sub-process fails the list, [`hidden`]).
    pub(crate) fn manual_tasks(&self, scope: Scope<'_>) -> Result<Value, Reject> {
        self.waiting_items(scope, &Wait::ManualTask, "manualTasks")
    }

    /// The waiting empty activities in `scope`, as `{"emptyActivities": [...]}` (one inside an
    /// embedded sub-process fails the list, [`hidden`]).
    pub(crate) fn empty_activities(&self, scope: Scope<'_>) -> Result<Value, Reject> {
        self.waiting_items(scope, &Wait::EmptyActivity, "emptyActivities")
    }

    /// `{<key>: [...]}` of the flow nodes in `scope` waiting for `kind`, each with its
    /// `tokenPayload` (`manual_task_converter.js`, `empty_activity_converter.js`).
    fn waiting_items(&self, scope: Scope<'_>, kind: &Wait, key: &str) -> Result<Value, Reject> {
        let state = self.lock();
        hidden(&state, scope, |w| w == kind)?;
        let items: Vec<Value> = state
            .suspended(scope)
            .filter(|s| s.waiting.wait == *kind)
            .map(|s| {
                let mut item = s.item();
                item.insert("tokenPayload".to_owned(), s.waiting.token.payload.stored());
                Value::Object(item)
            })
            .collect();
        let mut list = Map::new();
        list.insert(key.to_owned(), Value::Array(items));
        Ok(Value::Object(list))
    }

    /// The message and signal catch events waiting in `scope` (`consumer_api_service.js`,
    /// `getEventsFor*`). Those of an embedded sub-process fail the lists by process model
    /// ([`hidden`]); the list by correlation leaves them out, since it keeps only events of
    /// models it can look up, and a sub-process is none.
    pub(crate) fn events(&self, scope: Scope<'_>) -> Result<EventList, Reject> {
        let state = self.lock();
        let by_correlation = scope.correlation.is_some() && scope.model.is_none();
        if !by_correlation {
            hidden(&state, scope, |w| {
                matches!(w, Wait::Message(_) | Wait::Signal(_))
            })?;
        }
        let mut list = EventList::default();
        for s in state.suspended(scope).filter(|s| !s.instance.is_embedded()) {
            let (event_type, name) = match &s.waiting.wait {
                Wait::Message(name) => (EventType::MessageEvent, name),
                Wait::Signal(name) => (EventType::SignalEvent, name),
                _ => continue,
            };
            let named = !matches!(
                s.node().kind,
                NodeKind::MessageCatchEvent { named: false, .. }
                    | NodeKind::SignalCatchEvent { named: false, .. }
            );
            let mut event = Event::default();
            common!(event, s);
            event.event_type = event_type;
            event.event_name = named.then(|| name.clone());
            event.bpmn_type = "bpmn:IntermediateCatchEvent".to_owned();
            list.events.push(event);
        }
        Ok(list)
    }

    /// The end events that wrote their exit in `correlation`'s instances of `model`, as
    /// `consumer_api_core` `consumer_api_service.js`, `getProcessResultForCorrelation`, finds
    /// them: the model is looked up first (its 404 wins), then the correlation; instances
    /// with a parent (started by a call activity or with a `callerId`) are left out, and so
    /// are end events the model as deployed now does not have.
    pub(crate) fn results(
        &self,
        correlation: &str,
        model: &str,
    ) -> Result<Vec<CorrelationResult>, Reject> {
        let state = self.lock();
        let deployment = state
            .deployments
            .get(model)
            .ok_or_else(|| model_not_found(model))?;
        let entry = state.correlations.get(correlation).ok_or_else(|| {
            Reject::new(
                404,
                format!("No process results for correlation with id '{correlation}' found."),
            )
        })?;
        let ends: Vec<&str> = deployment
            .process
            .end_events()
            .map(|end| end.id.as_str())
            .collect();
        let mut results = Vec::new();
        for instance in entry
            .instances
            .iter()
            .filter_map(|id| state.instances.get(id))
        {
            if instance.model_id != model || instance.parent.is_some() {
                continue;
            }
            for (end, payload) in &instance.results {
                if !ends.contains(&end.as_str()) {
                    continue;
                }
                let mut result = CorrelationResult::default();
                result.correlation_id = correlation.to_owned();
                result.end_event_id.clone_from(end);
                result.token_payload = payload.stored();
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
    //
    // As `correlation.service` and `correlations.repository.sequelize` read them: each process
    // instance (embedded sub-processes aside) is an entry of its correlation with its owner,
    // state and error; a caller may see the entries of the development token and their own.

    /// One correlation. Unknown: 404; known, but no entry is the caller's or the development
    /// token's: another 404; else every entry of it, the other callers' too
    /// (`CorrelationService.getByCorrelationId` filters only to decide).
    pub(crate) fn correlation(&self, id: &str, caller: &str) -> Result<Value, Reject> {
        let view = {
            let state = self.lock();
            let entries = state.entries(id);
            if entries.is_empty() {
                return Err(Reject::new(
                    404,
                    format!("Correlation with id \"{id}\" not found."),
                ));
            }
            if !entries.iter().any(|i| visible_to(i, caller)) {
                return Err(Reject::new(404, "No such correlations for the user."));
            }
            Unfinished::of(id, &entries)
        };
        Ok(view.finish())
    }

    /// Every correlation with entries the caller may see, with those entries alone, oldest
    /// first; with `active`, only the running entries (`getCorrelationsByState(running)`).
    pub(crate) fn correlations(&self, caller: &str, active: bool) -> Vec<Value> {
        let views: Vec<Unfinished> = {
            let state = self.lock();
            state
                .correlation_order
                .iter()
                .filter_map(|id| {
                    let entries: Vec<&Instance> = state
                        .entries(id)
                        .into_iter()
                        .filter(|i| visible_to(i, caller))
                        .filter(|i| !active || i.is_running())
                        .collect();
                    (!entries.is_empty()).then(|| Unfinished::of(id, &entries))
                })
                .collect()
        };
        views.into_iter().map(Unfinished::finish).collect()
    }

    /// The correlations of `model`, each with its entries of that model the caller may see.
    /// 404 only when the model has no entries at all; none the caller may see is `[]`.
    pub(crate) fn correlations_of_model(
        &self,
        model: &str,
        caller: &str,
    ) -> Result<Vec<Value>, Reject> {
        let views: Vec<Unfinished> = {
            let state = self.lock();
            let mut any = false;
            let views = state
                .correlation_order
                .iter()
                .filter_map(|id| {
                    let of_model: Vec<&Instance> = state
                        .entries(id)
                        .into_iter()
                        .filter(|i| i.model_id == model)
                        .collect();
                    any |= !of_model.is_empty();
                    let visible: Vec<&Instance> = of_model
                        .into_iter()
                        .filter(|i| visible_to(i, caller))
                        .collect();
                    (!visible.is_empty()).then(|| Unfinished::of(id, &visible))
                })
                .collect();
            if !any {
                return Err(Reject::new(
                    404,
                    format!("No correlations for ProcessModel with ID \"{model}\" found."),
                ));
            }
            views
        };
        Ok(views.into_iter().map(Unfinished::finish).collect())
    }

    /// The correlation entry of one process instance, whoever owns it (`getByProcessInstanceId`
    /// filters nothing), with that instance alone.
    pub(crate) fn correlation_of_instance(&self, instance: &str) -> Result<Value, Reject> {
        let view = {
            let state = self.lock();
            state
                .instances
                .get(instance)
                .filter(|i| !i.is_embedded())
                .map(|i| Unfinished::of(&i.correlation_id, &[i]))
        };
        view.map(Unfinished::finish).ok_or_else(|| {
            Reject::new(
                404,
                format!("No correlations for ProcessInstance with ID \"{instance}\" found."),
            )
        })
    }

    /// The token history of an instance (`token_history_api_core`,
    /// `getTokensForProcessInstance`): `{}` for an id it does not know.
    pub(crate) fn token_history(&self, instance: &str) -> TokenHistory {
        let state = self.lock();
        let instances: Vec<&Instance> = state.instances.get(instance).into_iter().collect();
        history_of(&instances)
    }

    /// The token history of the instances of `model` in `correlation`, sub-processes' by the
    /// sub-process's id (`getTokensForCorrelationAndProcessModel`): `{}` when there are none.
    pub(crate) fn token_history_of(&self, correlation: &str, model: &str) -> TokenHistory {
        let state = self.lock();
        let instances: Vec<&Instance> = state
            .correlations
            .get(correlation)
            .map(|c| c.instances.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|id| state.instances.get(id))
            .filter(|instance| instance.model_id == model)
            .collect();
        history_of(&instances)
    }
}

impl State {
    /// The entries of correlation `id`: its process instances that are no embedded
    /// sub-process, oldest first.
    fn entries(&self, id: &str) -> Vec<&Instance> {
        self.correlations
            .get(id)
            .map_or_else(Vec::new, |correlation| {
                correlation
                    .instances
                    .iter()
                    .filter_map(|i| self.instances.get(i))
                    // sub_process_handler.js: an embedded sub-process is no instance of the correlation.
                    .filter(|i| !i.is_embedded())
                    .collect()
            })
    }
}

/// Whether `caller` may see a correlation entry: entries of the development token are
/// everyone's (`_filterCorrelationsFromRepoByIdentity`).
fn visible_to(instance: &Instance, caller: &str) -> bool {
    instance.owner.is_dummy() || instance.owner.user_id == caller
}

/// A correlation read under the engine's lock, still without its models' XML.
struct Unfinished {
    correlation: models::Correlation,
    /// The deployment of each of its process instances, in order.
    deployments: Vec<Arc<Deployment>>,
}

impl Unfinished {
    /// A correlation made of `entries` (`CorrelationService._mapCorrelation`): created when
    /// its first entry was; its state folds the entries' in order (running sticks once seen,
    /// an entry with an error makes it `error`, a later entry's state replaces any other), and
    /// its error is the last entry's that has one, whatever the state ends as.
    fn of(id: &str, entries: &[&Instance]) -> Unfinished {
        let mut correlation = models::Correlation::default();
        correlation.id = id.to_owned();
        if let Some(first) = entries.first() {
            correlation.created_at.clone_from(&first.created_at);
        }
        let mut state: Option<CorrelationState> = None;
        for instance in entries {
            let mut item = models::CorrelationProcessInstance::default();
            item.process_definition_name
                .clone_from(&instance.deployment.id);
            item.hash.clone_from(&instance.deployment.hash);
            item.process_model_id.clone_from(&instance.deployment.id);
            item.process_instance_id.clone_from(&instance.id);
            item.parent_process_instance_id.clone_from(&instance.parent);
            item.identity = instance.owner.to_model();
            item.created_at.clone_from(&instance.created_at);
            let entry_state = match &instance.state {
                RunState::Running => CorrelationState::Running,
                RunState::Finished => CorrelationState::Finished,
                RunState::Failed(_) => CorrelationState::Error,
            };
            item.state = entry_state.clone();
            state = Some(match state {
                Some(CorrelationState::Running) => CorrelationState::Running,
                _ => entry_state,
            });
            if let RunState::Failed(failure) = &instance.state {
                // The JSON serialisation of what failed it (`{}` for a plain `Error`,
                // `{name, code}` for a `BpmnError`, ...).
                let stored = CorrelationError::from(failure.json.clone());
                item.error = Some(stored.clone());
                state = Some(CorrelationState::Error);
                correlation.error = Some(stored);
            }
            correlation.process_instances.push(item);
        }
        correlation.state = state.unwrap_or(CorrelationState::Running);
        Unfinished {
            correlation,
            deployments: entries.iter().map(|i| Arc::clone(&i.deployment)).collect(),
        }
    }

    fn finish(mut self) -> Value {
        for (item, deployment) in self
            .correlation
            .process_instances
            .iter_mut()
            .zip(&self.deployments)
        {
            item.xml.clone_from(&deployment.xml);
        }
        serde_json::to_value(&self.correlation).unwrap_or(Value::Null)
    }
}

/// The token history of `instances` in the API's shape, as `token_history_api_service.js`,
/// `_createTokenHistories`, builds it: each flow node's entries are those of its flow node
/// instance entered last (each instance overwrites the node's key in turn), so a node a loop
/// passed twice shows its last pass.
fn history_of(instances: &[&Instance]) -> TokenHistory {
    let mut latest: BTreeMap<&str, (u64, &Instance, &str)> = BTreeMap::new();
    for instance in instances {
        for (node, entries) in &instance.history {
            // An instance's entries are in the order they were written: the last onEnter is
            // its last flow node instance (the last entry's, if trimming took the onEnter).
            let last = entries
                .iter()
                .rev()
                .find(|entry| entry.event == TokenEventType::OnEnter)
                .or_else(|| entries.last());
            let Some(last) = last else {
                continue;
            };
            let newer = latest
                .get(node.as_str())
                .is_none_or(|(sequence, _, _)| last.sequence > *sequence);
            if newer {
                latest.insert(
                    node.as_str(),
                    (last.sequence, instance, last.flow_node_instance_id.as_str()),
                );
            }
        }
    }
    latest
        .into_iter()
        .map(|(node, (_, instance, fni))| {
            let entries = instance.history[node]
                .iter()
                .filter(|entry| entry.flow_node_instance_id == fni)
                .map(|entry| history_entry(instance, node, entry))
                .collect();
            (node.to_owned(), entries)
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
    model.payload = entry.payload.stored();
    model
}

/// A list of user tasks, manual tasks or empty activities fails when it meets one of `kind`
/// inside an embedded sub-process: the converter looks the instance's correlation up, and an
/// embedded sub-process has none (404 naming its instance; api/semantics.md,
/// "Sub-processes"). The `own` routes filter by owner before they convert.
fn hidden(state: &State, scope: Scope<'_>, listed: impl Fn(&Wait) -> bool) -> Result<(), Reject> {
    let found = state
        .instance_order
        .iter()
        .filter_map(|id| state.instances.get(id))
        .filter(|instance| instance.is_running() && instance.is_embedded())
        .filter(|instance| scope.contains(instance))
        .find(|instance| instance.waiting.iter().any(|w| listed(&w.wait)));
    match found {
        Some(instance) => Err(no_correlation_for(&instance.id)),
        None => Ok(()),
    }
}

/// A user task's `data` as the consumer API presents it (`convertToConsumerApiUserTask`):
/// `{formFields, preferredControl, description, finishedMessage}`, the last three left out
/// when the model has none; `preferredControl` is evaluated like a form field's.
fn presented_form(form: &UserTaskForm, token: &JsToken) -> Result<Value, Reject> {
    let mut data = Map::new();
    let fields = form
        .fields
        .iter()
        .map(|field| presented_field(field, token))
        .collect::<Result<Vec<Value>, Reject>>()?;
    data.insert("formFields".to_owned(), Value::Array(fields));
    if let Some(value) = present(form.preferred_control.as_deref(), token)? {
        data.insert("preferredControl".to_owned(), value);
    }
    for (key, value) in [
        ("description", &form.description),
        ("finishedMessage", &form.finished_message),
    ] {
        if let Some(value) = value {
            data.insert(key.to_owned(), Value::String(value.clone()));
        }
    }
    Ok(Value::Object(data))
}

/// A form field as `convertToConsumerApiFormField` presents it: `label`, `defaultValue` and
/// `preferredControl` through [`present`]; `type` only when it is one the API names (the
/// contract's enum lookup leaves any other out); `enumValues` of an `enum` field as written.
fn presented_field(field: &FormField, token: &JsToken) -> Result<Value, Reject> {
    const TYPES: [&str; 6] = ["boolean", "date", "enum", "long", "number", "string"];
    let mut presented = Map::new();
    if let Some(id) = &field.id {
        presented.insert("id".to_owned(), Value::String(id.clone()));
    }
    if let Some(label) = present(field.label.as_deref(), token)? {
        presented.insert("label".to_owned(), label);
    }
    if let Some(kind) = field.field_type.as_deref().filter(|t| TYPES.contains(t)) {
        presented.insert("type".to_owned(), Value::String(kind.to_owned()));
    }
    if let Some(values) = &field.enum_values {
        let values = values
            .iter()
            .map(|(id, name)| {
                let mut value = Map::new();
                if let Some(id) = id {
                    value.insert("id".to_owned(), Value::String(id.clone()));
                }
                if let Some(name) = name {
                    value.insert("name".to_owned(), Value::String(name.clone()));
                }
                Value::Object(value)
            })
            .collect();
        presented.insert("enumValues".to_owned(), Value::Array(values));
    }
    if let Some(default) = present(field.default_value.as_deref(), token)? {
        presented.insert("defaultValue".to_owned(), default);
    }
    if let Some(control) = present(field.preferred_control.as_deref(), token)? {
        presented.insert("preferredControl".to_owned(), control);
    }
    Ok(Value::Object(presented))
}

/// A form-field value as `_evaluateExpressionWithOldToken` presents it: absent stays absent,
/// empty stays empty, text whose first character is not `$` as it is; else its body is run
/// (`this` undefined) and its value kept with its JSON type, `undefined` as `null`. An
/// expression that throws here fails the list route with the error's message.
fn present(value: Option<&str>, token: &JsToken) -> Result<Option<Value>, Reject> {
    let Some(value) = value else {
        return Ok(None);
    };
    let Some(body) = super::flow_nodes::form_expression(value) else {
        return Ok(Some(Value::String(value.to_owned())));
    };
    match js::evaluate(
        js::Kind::FormPresentation,
        body,
        &token.json,
        token.specials.as_deref(),
        None,
    ) {
        Ok(evaluated) => Ok(Some(evaluated.value.unwrap_or(Value::Null))),
        Err(JsError::Thrown(thrown)) => Err(Reject::new(500, thrown.message)),
        Err(other) => Err(Reject::new(500, other.to_string())),
    }
}
