//! One process instance: a state machine over its tokens.
//!
//! Everything here is synchronous and works on the instance alone. What the rest of the engine
//! must do about it (hand out a new external task, tell a blocked start that an end event was
//! reached) is collected in [`Effects`] and applied by the caller, so an instance never needs a
//! lock other than the one its caller already holds.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use process_engine_api_types::models::{TokenEventType, TokenHistoryEntry};
use serde_json::{Map, Value, json};

use super::deployment::Deployment;
use crate::auth::Identity;
use crate::bpmn::{FlowId, NodeId, NodeKind, Token as ExpressionToken};
use crate::clock;

/// The payload a token carries, and the results of the flow nodes it passed.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) current: Value,
    history: Map<String, Value>,
    /// The flow node instance the token comes from (for the token history).
    previous: Option<String>,
}

impl Token {
    fn expression_context(&self) -> ExpressionToken<'_> {
        ExpressionToken {
            current: &self.current,
            history: &self.history,
        }
    }
}

/// Where an instance stands.
#[derive(Debug, Clone)]
pub(crate) enum RunState {
    Running,
    Finished,
    Failed(Failure),
}

/// Why an instance failed.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// The message a blocked start answers with.
    pub(crate) message: String,
    /// What the correlation shows as `_additionalInformation`.
    pub(crate) details: Option<Value>,
}

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            details: None,
        }
    }
}

/// A flow node instance that waits for the outside world.
#[derive(Debug, Clone)]
pub(crate) struct Waiting {
    pub(crate) flow_node_instance_id: String,
    pub(crate) node: NodeId,
    pub(crate) token: Token,
    pub(crate) wait: Wait,
}

/// What a waiting flow node instance waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wait {
    UserTask,
    ManualTask,
    EmptyActivity,
    Message(String),
    Signal(String),
    /// The id of its external task.
    ExternalTask(String),
}

/// An external task the instance created; the engine puts it in its task table.
#[derive(Debug, Clone)]
pub(crate) struct NewTask {
    pub(crate) instance_id: String,
    pub(crate) id: String,
    pub(crate) topic: String,
    pub(crate) flow_node_instance_id: String,
    pub(crate) payload: Option<Value>,
}

/// What the rest of the engine must do after an instance moved.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    /// External tasks to hand out.
    pub(crate) new_tasks: Vec<NewTask>,
    /// External tasks that no longer wait for a result (their instance moved on or ended).
    pub(crate) cancelled_tasks: Vec<String>,
    /// End events reached, with the payload there: `(instance id, end event id, payload)`.
    pub(crate) ended: Vec<(String, String, Value)>,
    /// Instances that stopped running (finished or failed).
    pub(crate) stopped: Vec<String>,
}

/// How a waiting flow node instance goes on.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Its result replaces the token payload.
    Result(Value),
    /// The token payload stays as it is (empty activities).
    PassThrough,
}

/// An external task's error report.
#[derive(Debug, Clone)]
pub(crate) enum TaskError {
    Bpmn {
        code: String,
    },
    Service {
        message: String,
        details: Option<Value>,
    },
}

/// The flow node instance is not (or no longer) waiting in this instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotWaiting;

#[derive(Debug)]
pub(crate) struct Instance {
    pub(crate) id: String,
    pub(crate) deployment: Arc<Deployment>,
    pub(crate) correlation_id: String,
    pub(crate) owner: Identity,
    pub(crate) parent: Option<String>,
    pub(crate) created_at: String,
    pub(crate) state: RunState,
    pub(crate) waiting: Vec<Waiting>,
    /// Tokens that arrived at a parallel join, by the flow they came on.
    joins: HashMap<NodeId, Vec<(FlowId, Token)>>,
    /// The end events reached, with the payload there, in order.
    pub(crate) results: Vec<(String, Value)>,
    pub(crate) history: BTreeMap<String, Vec<TokenHistoryEntry>>,
}

impl Instance {
    /// Creates an instance and runs it from `start` until every token waits or ended.
    pub(crate) fn start(
        deployment: Arc<Deployment>,
        correlation_id: String,
        owner: Identity,
        parent: Option<String>,
        start: NodeId,
        input: Value,
        fx: &mut Effects,
    ) -> Instance {
        let mut instance = Instance {
            id: new_id(),
            deployment,
            correlation_id,
            owner,
            parent,
            created_at: clock::now_iso(),
            state: RunState::Running,
            waiting: Vec::new(),
            joins: HashMap::new(),
            results: Vec::new(),
            history: BTreeMap::new(),
        };
        let token = Token {
            current: input,
            history: Map::new(),
            previous: None,
        };
        instance.run(vec![(start, token, None)], fx);
        instance
    }

    pub(crate) fn is_running(&self) -> bool {
        matches!(self.state, RunState::Running)
    }

    /// Continues after the waiting flow node instance `flow_node_instance_id` completed.
    pub(crate) fn resume(
        &mut self,
        flow_node_instance_id: &str,
        outcome: Outcome,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        let waiting = self.take_waiting(flow_node_instance_id)?;
        let mut token = waiting.token;
        if let Outcome::Result(result) = outcome {
            token.current = result;
        }
        let next = self.leave(waiting.node, &waiting.flow_node_instance_id, token);
        self.run(next, fx);
        Ok(())
    }

    /// Delivers a message or signal to every event of this instance waiting for it; returns
    /// how many took it.
    pub(crate) fn deliver(&mut self, wait: &Wait, payload: &Value, fx: &mut Effects) -> usize {
        let ids: Vec<String> = self
            .waiting
            .iter()
            .filter(|w| &w.wait == wait)
            .map(|w| w.flow_node_instance_id.clone())
            .collect();
        for id in &ids {
            // Each was just found waiting; an earlier delivery may have ended the instance.
            let _ = self.resume(id, Outcome::Result(payload.clone()), fx);
        }
        ids.len()
    }

    /// An external task of this instance failed: an error boundary event on its service task
    /// catches it, or the instance fails.
    pub(crate) fn fail_task(
        &mut self,
        flow_node_instance_id: &str,
        error: TaskError,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        let waiting = self.take_waiting(flow_node_instance_id)?;
        let process = Arc::clone(&self.deployment.process);
        let catcher = process.boundary_events(waiting.node).find(|(_, boundary)| {
            match (&boundary.kind, &error) {
                (
                    NodeKind::ErrorBoundaryEvent {
                        error_code: None, ..
                    },
                    _,
                ) => true,
                (
                    NodeKind::ErrorBoundaryEvent {
                        error_code: Some(expected),
                        ..
                    },
                    TaskError::Bpmn { code },
                ) => expected == code,
                _ => false,
            }
        });
        match catcher {
            Some((boundary, _)) => {
                let mut token = waiting.token;
                token.current = match &error {
                    TaskError::Bpmn { code } => json!({ "errorCode": code }),
                    TaskError::Service { message, details } => {
                        json!({ "errorMessage": message, "errorDetails": details })
                    }
                };
                token.previous = Some(waiting.flow_node_instance_id);
                self.run(vec![(boundary, token, None)], fx);
            }
            None => {
                let failure = match error {
                    TaskError::Bpmn { code } => Failure {
                        message: format!("ExternalTask failed due to BPMN error with code {code}"),
                        details: None,
                    },
                    TaskError::Service { message, details } => Failure { message, details },
                };
                self.fail(failure, fx);
            }
        }
        Ok(())
    }

    /// Ends the instance from outside (the management API's terminate).
    pub(crate) fn terminate(&mut self, fx: &mut Effects) {
        if self.is_running() {
            self.fail(Failure::new("Process was terminated!"), fx);
        }
    }

    fn take_waiting(&mut self, flow_node_instance_id: &str) -> Result<Waiting, NotWaiting> {
        if !self.is_running() {
            return Err(NotWaiting);
        }
        let index = self
            .waiting
            .iter()
            .position(|w| w.flow_node_instance_id == flow_node_instance_id)
            .ok_or(NotWaiting)?;
        Ok(self.waiting.remove(index))
    }

    /// Moves tokens until each of them waits, joins, or ends. An instance with no token left
    /// (every one ended, or stopped at a flow node without outgoing flows) is finished.
    fn run(&mut self, start: Vec<(NodeId, Token, Option<FlowId>)>, fx: &mut Effects) {
        let process = Arc::clone(&self.deployment.process);
        let mut queue: VecDeque<(NodeId, Token, Option<FlowId>)> = start.into();
        let mut steps = 0_usize;
        while let Some((node_id, mut token, via)) = queue.pop_front() {
            if !self.is_running() {
                return;
            }
            steps += 1;
            if steps > MAX_STEPS {
                // A cycle without a waiting flow node would hold the engine's lock forever.
                self.fail(
                    Failure::new(format!(
                        "The process instance passed {MAX_STEPS} flow nodes without waiting for anything; it loops."
                    )),
                    fx,
                );
                return;
            }
            let node = &process.nodes[node_id];
            let fni = new_id();
            self.record(node_id, &fni, &token, TokenEventType::OnEnter);
            let wait = match &node.kind {
                NodeKind::StartEvent | NodeKind::ErrorBoundaryEvent { .. } => None,
                NodeKind::EndEvent { terminate: true } => {
                    self.record(node_id, &fni, &token, TokenEventType::OnExit);
                    let message = format!(
                        "Process was terminated through TerminateEndEvent \"{}\".",
                        node.id
                    );
                    self.fail(Failure::new(message), fx);
                    return;
                }
                NodeKind::EndEvent { terminate: false } => {
                    self.record(node_id, &fni, &token, TokenEventType::OnExit);
                    self.results.push((node.id.clone(), token.current.clone()));
                    fx.ended
                        .push((self.id.clone(), node.id.clone(), token.current));
                    continue;
                }
                NodeKind::ExternalTask { topic, payload } => {
                    let payload = match payload {
                        None => Ok(Some(token.current.clone())),
                        Some(expression) => expression.evaluate(&token.expression_context()),
                    };
                    match payload {
                        Ok(payload) => {
                            let id = new_id();
                            fx.new_tasks.push(NewTask {
                                instance_id: self.id.clone(),
                                id: id.clone(),
                                topic: topic.clone(),
                                flow_node_instance_id: fni.clone(),
                                payload,
                            });
                            Some(Wait::ExternalTask(id))
                        }
                        Err(error) => {
                            let message = format!("The payload of {} failed: {error}", node.id);
                            self.fail(Failure::new(message), fx);
                            return;
                        }
                    }
                }
                NodeKind::UserTask { .. } => Some(Wait::UserTask),
                NodeKind::ManualTask => Some(Wait::ManualTask),
                NodeKind::EmptyActivity => Some(Wait::EmptyActivity),
                NodeKind::MessageCatchEvent { message } => Some(Wait::Message(message.clone())),
                NodeKind::SignalCatchEvent { signal } => Some(Wait::Signal(signal.clone())),
                NodeKind::ExclusiveGateway { default } => {
                    match self.choose(node_id, *default, &token) {
                        Ok(flow) => {
                            self.record(node_id, &fni, &token, TokenEventType::OnExit);
                            token.previous = Some(fni);
                            let target = process.flows[flow].target;
                            queue.push_back((target, token, Some(flow)));
                        }
                        Err(message) => {
                            self.fail(Failure::new(message), fx);
                            return;
                        }
                    }
                    continue;
                }
                NodeKind::ParallelGateway => {
                    let Some(mut token) = self.join(node_id, token, via) else {
                        continue;
                    };
                    self.record(node_id, &fni, &token, TokenEventType::OnExit);
                    token.previous = Some(fni);
                    queue.extend(self.fan_out(node_id, &token));
                    continue;
                }
            };
            match wait {
                Some(wait) => self.waiting.push(Waiting {
                    flow_node_instance_id: fni,
                    node: node_id,
                    token,
                    wait,
                }),
                None => queue.extend(self.leave(node_id, &fni, token)),
            }
        }
        if self.is_running() && self.waiting.is_empty() {
            // Tokens waiting at a join whose other branches are gone can never go on.
            self.joins.clear();
            self.state = RunState::Finished;
            fx.stopped.push(self.id.clone());
        }
    }

    /// The token leaves a node with its result: the result goes into the history under the
    /// node's id, and a copy of the token follows every outgoing flow.
    fn leave(
        &mut self,
        node: NodeId,
        flow_node_instance_id: &str,
        mut token: Token,
    ) -> Vec<(NodeId, Token, Option<FlowId>)> {
        let id = self.deployment.process.nodes[node].id.clone();
        token.history.insert(id, token.current.clone());
        self.record(node, flow_node_instance_id, &token, TokenEventType::OnExit);
        token.previous = Some(flow_node_instance_id.to_owned());
        self.fan_out(node, &token)
    }

    fn fan_out(&self, node: NodeId, token: &Token) -> Vec<(NodeId, Token, Option<FlowId>)> {
        let process = &self.deployment.process;
        process.nodes[node]
            .outgoing
            .iter()
            .map(|&flow| (process.flows[flow].target, token.clone(), Some(flow)))
            .collect()
    }

    /// The outgoing flow of an exclusive gateway, as the engine's handler picks it: a gateway
    /// with one outgoing flow (a merge) takes it; otherwise exactly one flow with a condition that
    /// holds, else the default flow. Flows without a condition are not candidates, and a condition
    /// that fails to evaluate counts as false, as in the engine.
    fn choose(
        &self,
        node: NodeId,
        default: Option<FlowId>,
        token: &Token,
    ) -> Result<FlowId, String> {
        let process = &self.deployment.process;
        let outgoing = &process.nodes[node].outgoing;
        if let [only] = outgoing.as_slice() {
            return Ok(*only);
        }
        let context = token.expression_context();
        let holding: Vec<FlowId> = outgoing
            .iter()
            .copied()
            .filter(|&flow| Some(flow) != default)
            .filter(|&flow| {
                process.flows[flow]
                    .condition
                    .as_ref()
                    .is_some_and(|condition| condition.holds(&context).unwrap_or(false))
            })
            .collect();
        let gateway = &process.nodes[node].id;
        match (holding.as_slice(), default) {
            ([flow], _) => Ok(*flow),
            ([], Some(default)) => Ok(default),
            ([], None) => Err(format!(
                "No outgoing SequenceFlow for ExclusiveGateway {gateway} had a truthy condition!"
            )),
            _ => Err(format!(
                "More than one outgoing SequenceFlow for ExclusiveGateway {gateway} had a truthy condition!"
            )),
        }
    }

    /// A token arrives at a parallel gateway. With one incoming flow it passes; a join waits for
    /// a token on every incoming flow and then sends on one token whose payload holds each
    /// branch's payload under the id of the node the branch came from.
    fn join(&mut self, node: NodeId, token: Token, via: Option<FlowId>) -> Option<Token> {
        let process = Arc::clone(&self.deployment.process);
        let incoming = &process.nodes[node].incoming;
        if incoming.len() <= 1 {
            return Some(token);
        }
        let arrived = self.joins.entry(node).or_default();
        arrived.push((via.unwrap_or(usize::MAX), token));
        let complete = incoming
            .iter()
            .all(|flow| arrived.iter().any(|(via, _)| via == flow));
        if !complete {
            return None;
        }
        let mut arrivals = self.joins.remove(&node).unwrap_or_default();
        let mut merged = Token {
            current: Value::Object(Map::new()),
            history: Map::new(),
            previous: None,
        };
        let mut branches = Map::new();
        for flow in incoming {
            // Exactly one token per incoming flow goes on; later ones wait for the next round.
            let Some(index) = arrivals.iter().position(|(via, _)| via == flow) else {
                continue;
            };
            let (flow, token) = arrivals.remove(index);
            let source = &process.nodes[process.flows[flow].source].id;
            branches.insert(source.clone(), token.current);
            merged.history.extend(token.history);
            merged.previous = token.previous;
        }
        if !arrivals.is_empty() {
            self.joins.insert(node, arrivals);
        }
        merged.current = Value::Object(branches);
        Some(merged)
    }

    fn fail(&mut self, failure: Failure, fx: &mut Effects) {
        self.cancel_waiting(fx);
        self.state = RunState::Failed(failure);
        fx.stopped.push(self.id.clone());
    }

    fn cancel_waiting(&mut self, fx: &mut Effects) {
        for waiting in self.waiting.drain(..) {
            if let Wait::ExternalTask(task) = waiting.wait {
                fx.cancelled_tasks.push(task);
            }
        }
        self.joins.clear();
    }

    fn record(&mut self, node: NodeId, fni: &str, token: &Token, event: TokenEventType) {
        let flow_node_id = self.deployment.process.nodes[node].id.clone();
        let mut entry = TokenHistoryEntry::default();
        entry.flow_node_id.clone_from(&flow_node_id);
        entry.flow_node_instance_id = fni.to_owned();
        entry
            .previous_flow_node_instance_id
            .clone_from(&token.previous);
        entry.process_instance_id.clone_from(&self.id);
        entry.process_model_id.clone_from(&self.deployment.id);
        entry.correlation_id.clone_from(&self.correlation_id);
        entry.token_event_type = event;
        entry.identity = self.owner.to_model();
        entry.created_at = clock::now_iso();
        entry.caller.clone_from(&self.parent);
        entry.payload = token.current.clone();
        self.history.entry(flow_node_id).or_default().push(entry);
    }
}

/// How many flow nodes one move of an instance may pass before it is taken for an endless loop.
const MAX_STEPS: usize = 10_000;

/// A new engine id: a UUID v4, as the engine makes them.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
