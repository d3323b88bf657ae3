//! One process instance: a state machine over its tokens.
//!
//! Everything here is synchronous and works on the instance alone. What the rest of the engine
//! must do about it (hand out an external task, publish a message, start a sub-process or a
//! called model, schedule a timer, answer a blocked start) is collected in [`Effects`] and
//! applied by the caller, so an instance never needs a lock other than the one its caller holds.
//! The behaviour of each kind of flow node is the core's handler for it
//! (`runtime/flow_node_handler/*`); the handlers live in [`super::flow_nodes`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use process_engine_api_types::models::TokenEventType;
use serde_json::{Map, Value};

use super::deployment::Deployment;
pub(crate) use super::effects::{ChildKind, Effects, NewChild, NewTask, NewTimer};
use super::failure::Failure;
use super::flow_nodes::{self, Next};
pub(crate) use super::token::{Payload, Token};
use crate::auth::Identity;
use crate::bpmn::{FlowId, NodeId, Process};
use crate::clock::{self, Clock};
use crate::notify::{Notice, Phase};

/// Where an instance stands.
#[derive(Debug, Clone)]
pub(crate) enum RunState {
    Running,
    Finished,
    Failed(Failure),
}

/// A flow node instance that waits for the outside world.
#[derive(Debug, Clone)]
pub(crate) struct Waiting {
    pub(crate) flow_node_instance_id: String,
    pub(crate) node: NodeId,
    pub(crate) token: Token,
    pub(crate) wait: Wait,
    /// When the token arrived.
    pub(crate) since: String,
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
    /// A timer catch event's timer.
    Timer,
    /// A script's Promise, settled after its timers' virtual time (no suspension is recorded:
    /// the core's script handler awaits without suspending).
    Script,
    /// A send task, for a receive task's reply on the message name.
    Send(String),
    /// A receive task, for a send task on the message name.
    Receive(String),
    /// A sub-process or call activity, for the child instance with this id.
    Child(String),
    /// A message or signal boundary event of the activity `attached` (a flow node instance id).
    BoundaryMessage {
        attached: String,
        name: String,
    },
    /// A signal boundary event.
    BoundarySignal {
        attached: String,
        name: String,
    },
    /// A timer boundary event.
    BoundaryTimer {
        attached: String,
    },
}

impl Wait {
    /// The activity a boundary wait belongs to.
    pub(crate) fn attached(&self) -> Option<&str> {
        match self {
            Wait::BoundaryMessage { attached, .. }
            | Wait::BoundarySignal { attached, .. }
            | Wait::BoundaryTimer { attached } => Some(attached),
            _ => None,
        }
    }
}

/// How a waiting flow node instance goes on.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Its result replaces the token payload.
    Result(Value),
    /// The token payload stays as it is.
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

/// One entry of the token history, with a shared payload (converted to the API's shape only
/// when a route asks for it).
#[derive(Debug, Clone)]
pub(crate) struct HistoryEntry {
    pub(crate) flow_node_instance_id: String,
    pub(crate) previous: Option<String>,
    pub(crate) event: TokenEventType,
    pub(crate) created_at: String,
    pub(crate) payload: Payload,
}

/// How many history entries one flow node keeps: a loop must not grow memory without bound.
const MAX_HISTORY_PER_NODE: usize = 1000;

#[derive(Debug)]
pub(crate) struct Instance {
    pub(crate) id: String,
    pub(crate) deployment: Arc<Deployment>,
    /// The process it runs: the deployment's, or the inside of an embedded sub-process.
    pub(crate) process: Arc<Process>,
    /// The process model id it reports: the deployment's, or the sub-process's flow node id.
    pub(crate) model_id: String,
    pub(crate) correlation_id: String,
    pub(crate) owner: Identity,
    /// The instance that started it (`callerId`, a call activity's or sub-process's parent).
    pub(crate) parent: Option<String>,
    /// The parent's flow node instance waiting for this child, and whether it is an embedded
    /// sub-process (not listed in its correlation).
    pub(crate) parent_link: Option<(String, String, bool)>,
    /// How many sub-processes and call activities it is nested in.
    pub(crate) depth: usize,
    pub(crate) created_at: String,
    pub(crate) state: RunState,
    pub(crate) waiting: Vec<Waiting>,
    /// Tokens that arrived at a parallel join, by the flow they came on.
    joins: HashMap<NodeId, Vec<(FlowId, Token)>>,
    /// The end events reached, with the payload there, in order.
    pub(crate) results: Vec<(String, Payload)>,
    pub(crate) history: BTreeMap<String, Vec<HistoryEntry>>,
    /// The engine's clock, which timers are due on.
    pub(crate) clock: Arc<Clock>,
}

/// Where an instance starts: the deployment and process, its parent, its first token.
pub(crate) struct Spawn {
    pub(crate) id: String,
    pub(crate) deployment: Arc<Deployment>,
    pub(crate) process: Arc<Process>,
    pub(crate) model_id: String,
    pub(crate) correlation_id: String,
    pub(crate) owner: Identity,
    pub(crate) parent: Option<String>,
    pub(crate) parent_link: Option<(String, String, bool)>,
    /// How many sub-processes and call activities it is nested in.
    pub(crate) depth: usize,
    pub(crate) start: NodeId,
    pub(crate) token: Token,
    pub(crate) clock: Arc<Clock>,
}

impl Instance {
    /// Creates an instance and runs it from its start event until every token waits or ended.
    pub(crate) fn start(spawn: Spawn, fx: &mut Effects) -> Instance {
        let mut instance = Instance {
            id: spawn.id,
            deployment: spawn.deployment,
            process: spawn.process,
            model_id: spawn.model_id,
            correlation_id: spawn.correlation_id,
            owner: spawn.owner,
            parent: spawn.parent,
            parent_link: spawn.parent_link,
            depth: spawn.depth,
            created_at: clock::now_iso(),
            state: RunState::Running,
            waiting: Vec::new(),
            joins: HashMap::new(),
            results: Vec::new(),
            history: BTreeMap::new(),
            clock: spawn.clock,
        };
        instance.run(vec![(spawn.start, spawn.token, None)], fx);
        instance
    }

    /// Whether it runs an embedded sub-process (and is therefore no instance of its
    /// correlation).
    pub(crate) fn is_embedded(&self) -> bool {
        self.parent_link
            .as_ref()
            .is_some_and(|(_, _, embedded)| *embedded)
    }

    pub(crate) fn is_running(&self) -> bool {
        matches!(self.state, RunState::Running)
    }

    /// The `{token, userId}` object expressions see as `identity`.
    pub(crate) fn identity_js(&self) -> String {
        serde_json::to_string(&self.owner.to_model()).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Continues after the waiting flow node instance `fni` completed.
    pub(crate) fn resume(
        &mut self,
        fni: &str,
        outcome: Outcome,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        let payload = match outcome {
            Outcome::Result(result) => Arc::new(result),
            Outcome::PassThrough => Arc::clone(
                &self
                    .waiting
                    .iter()
                    .find(|w| w.flow_node_instance_id == fni)
                    .ok_or(NotWaiting)?
                    .token
                    .payload,
            ),
        };
        self.resume_with(fni, payload, fx)
    }

    /// Continues a waiting flow node with a shared payload.
    pub(crate) fn resume_with(
        &mut self,
        fni: &str,
        payload: Payload,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        let waiting = self.take_waiting(fni, fx)?;
        let mut token = waiting.token;
        token.payload = payload;
        fx.notices.extend(Notice::task(
            Phase::Finished,
            self,
            waiting.node,
            fni,
            &token.payload,
            &waiting.wait,
        ));
        if waiting.wait != Wait::Script {
            self.record(waiting.node, fni, &token, TokenEventType::OnResume);
        }
        let next = self.leave(waiting.node, &waiting.flow_node_instance_id, token);
        self.run(next, fx);
        Ok(())
    }

    /// Delivers a message or signal to every flow node of this instance waiting for it
    /// (catch events and message/signal boundary events); returns how many took it.
    pub(crate) fn deliver(&mut self, wait: &Wait, payload: &Payload, fx: &mut Effects) -> usize {
        let ids: Vec<String> = self
            .waiting
            .iter()
            .filter(|w| match (&w.wait, wait) {
                (Wait::BoundaryMessage { name, .. }, Wait::Message(sent))
                | (Wait::BoundarySignal { name, .. }, Wait::Signal(sent)) => name == sent,
                (own, sent) => own == sent,
            })
            .map(|w| w.flow_node_instance_id.clone())
            .collect();
        for id in &ids {
            // Each was just found waiting; an earlier delivery may have ended the instance
            // or cancelled the activity of a boundary event.
            let _ = self.fire(id, Arc::clone(payload), fx);
        }
        ids.len()
    }

    /// A waiting flow node instance's trigger happened: a catch event or task resumes, a
    /// boundary event runs its path (cancelling its activity when it interrupts).
    pub(crate) fn fire(
        &mut self,
        fni: &str,
        payload: Payload,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        let attached = self
            .waiting
            .iter()
            .find(|w| w.flow_node_instance_id == fni)
            .ok_or(NotWaiting)?
            .wait
            .attached()
            .map(str::to_owned);
        let Some(attached) = attached else {
            return self.resume_with(fni, payload, fx);
        };
        let boundary = self.take_waiting(fni, fx)?;
        let interrupting = matches!(
            &self.process.nodes[boundary.node].kind,
            crate::bpmn::NodeKind::BoundaryEvent(b) if b.interrupting
        );
        if interrupting {
            // The activity and its other boundary events end (`flow_node_handler_interruptible.js`).
            let _ = self.take_waiting(&attached, fx);
        }
        let mut token = boundary.token;
        token.payload = payload;
        token.previous = Some(attached);
        let next = self.leave(boundary.node, &boundary.flow_node_instance_id, token);
        self.run(next, fx);
        Ok(())
    }

    /// A waiting activity failed: an error boundary event attached to it catches the error, or
    /// the instance fails (`flow_node_handler_interruptible.js`, `execute`).
    pub(crate) fn fail_activity(
        &mut self,
        fni: &str,
        failure: Failure,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        let waiting = self.take_waiting(fni, fx)?;
        match self.catch(
            waiting.node,
            &waiting.flow_node_instance_id,
            &waiting.token,
            failure,
        ) {
            Ok(next) => self.run(next, fx),
            Err(failure) => self.fail(failure, fx),
        }
        Ok(())
    }

    /// An external task of this instance failed.
    pub(crate) fn fail_task(
        &mut self,
        fni: &str,
        error: TaskError,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        // external_service_task_handler.js: the worker's error is a generic error; the token
        // shows `{errorMessage, errorCode}`. Only catch-all boundary events catch it.
        let failure = match error {
            TaskError::Bpmn { code } => {
                let mut failure = Failure::engine(
                    500,
                    format!("ExternalTask failed due to BPMN error with code {code}"),
                );
                failure.code = code;
                failure
            }
            TaskError::Service { message, details } => Failure::internal_with(message, details),
        };
        self.fail_activity(fni, failure, fx)
    }

    /// Ends the instance from outside (the management API's terminate).
    pub(crate) fn terminate(&mut self, fx: &mut Effects) {
        if self.is_running() {
            self.fail(Failure::engine(500, "Process was terminated!"), fx);
        }
    }

    fn take_waiting(&mut self, fni: &str, fx: &mut Effects) -> Result<Waiting, NotWaiting> {
        if !self.is_running() {
            return Err(NotWaiting);
        }
        let index = self
            .waiting
            .iter()
            .position(|w| w.flow_node_instance_id == fni)
            .ok_or(NotWaiting)?;
        let waiting = self.waiting.remove(index);
        // Boundary events are detached when their activity ends (`afterExecute`).
        self.waiting.retain(|w| w.wait.attached() != Some(fni));
        match &waiting.wait {
            Wait::ExternalTask(task) => fx.cancelled_tasks.push(task.clone()),
            Wait::Child(child) => fx.cancelled_children.push(child.clone()),
            _ => {}
        }
        Ok(waiting)
    }

    /// Catches `failure` of the flow node `node` with its error boundary events: the tokens
    /// that go on from them, or the failure back when none catches it. Only the activities the
    /// core makes interruptible have boundary events (`flow_node_handler_interruptible.js`).
    fn catch(
        &mut self,
        node: NodeId,
        fni: &str,
        token: &Token,
        failure: Failure,
    ) -> Result<Vec<(NodeId, Token, Option<FlowId>)>, Failure> {
        let process = Arc::clone(&self.process);
        if failure.is_termination()
            || !flow_nodes::boundaries::interruptible(&process.nodes[node].kind)
        {
            return Err(failure);
        }
        let catchers: Vec<NodeId> = process
            .boundary_events(node)
            .filter(|(_, boundary)| flow_nodes::errors::catches(&boundary.trigger, &failure))
            .map(|(id, _)| id)
            .collect();
        if catchers.is_empty() {
            return Err(failure);
        }
        let payload = Arc::new(failure.json);
        let mut next = Vec::new();
        for boundary in catchers {
            let mut token = token.clone();
            token.payload = Arc::clone(&payload);
            token.previous = Some(fni.to_owned());
            let boundary_fni = new_id();
            self.record(boundary, &boundary_fni, &token, TokenEventType::OnEnter);
            next.extend(self.leave(boundary, &boundary_fni, token));
        }
        Ok(next)
    }

    /// Moves tokens until each of them waits, joins, or ends. An instance with no token left is
    /// finished.
    pub(crate) fn run(&mut self, start: Vec<(NodeId, Token, Option<FlowId>)>, fx: &mut Effects) {
        let process = Arc::clone(&self.process);
        let mut queue: VecDeque<(NodeId, Token, Option<FlowId>)> = start.into();
        let mut steps = 0_usize;
        while let Some((node_id, token, via)) = queue.pop_front() {
            if !self.is_running() {
                return;
            }
            steps += 1;
            fx.steps += 1;
            if steps > MAX_STEPS {
                // A cycle without a waiting flow node would hold the engine's lock forever.
                self.fail(
                    Failure::engine(
                        500,
                        format!(
                            "The process instance passed {MAX_STEPS} flow nodes without waiting for anything; it loops."
                        ),
                    ),
                    fx,
                );
                return;
            }
            let fni = new_id();
            self.record(node_id, &fni, &token, TokenEventType::OnEnter);
            match flow_nodes::enter(self, &process, node_id, &fni, token, via, fx) {
                Next::Leave(token) => queue.extend(self.leave(node_id, &fni, token)),
                Next::Follow(items) => queue.extend(items),
                Next::Wait(token, wait) => {
                    let waits =
                        Notice::task(Phase::Waiting, self, node_id, &fni, &token.payload, &wait);
                    fx.notices.extend(waits);
                    if wait != Wait::Script {
                        self.record(node_id, &fni, &token, TokenEventType::OnSuspend);
                    }
                    self.waiting.push(Waiting {
                        flow_node_instance_id: fni.clone(),
                        node: node_id,
                        token: token.clone(),
                        wait,
                        since: clock::now_iso(),
                    });
                    flow_nodes::boundaries::attach(self, &process, node_id, &fni, &token, fx);
                }
                Next::Stop => {}
                // A caught error's path joins this queue, so that a boundary path leading back
                // to the failing node counts against the step bound instead of recursing.
                Next::Fail(token, failure) => match self.catch(node_id, &fni, &token, failure) {
                    Ok(next) => queue.extend(next),
                    Err(failure) => {
                        self.fail(failure, fx);
                        return;
                    }
                },
            }
        }
        if self.is_running() && self.waiting.is_empty() {
            // Tokens waiting at a join whose other branches are gone can never go on.
            self.joins.clear();
            self.state = RunState::Finished;
            fx.stopped.push(self.id.clone());
        }
    }

    /// The token leaves a node with its payload as the node's result: the result goes into the
    /// history under the node's id, and a copy of the token follows every outgoing flow.
    pub(crate) fn leave(
        &mut self,
        node: NodeId,
        fni: &str,
        mut token: Token,
    ) -> Vec<(NodeId, Token, Option<FlowId>)> {
        let id = self.process.nodes[node].id.clone();
        let result = Arc::clone(&token.payload);
        token.record(&id, result);
        self.leave_recorded(node, fni, token)
    }

    /// Like [`Instance::leave`] for a node that recorded its own result.
    pub(crate) fn leave_recorded(
        &mut self,
        node: NodeId,
        fni: &str,
        mut token: Token,
    ) -> Vec<(NodeId, Token, Option<FlowId>)> {
        self.record(node, fni, &token, TokenEventType::OnExit);
        token.previous = Some(fni.to_owned());
        self.fan_out(node, &token)
    }

    pub(crate) fn fan_out(
        &self,
        node: NodeId,
        token: &Token,
    ) -> Vec<(NodeId, Token, Option<FlowId>)> {
        let process = &self.process;
        process.nodes[node]
            .outgoing
            .iter()
            .map(|&flow| (process.flows[flow].target, token.clone(), Some(flow)))
            .collect()
    }

    /// A token arrives at a parallel join: waits for a token on every incoming flow, then sends
    /// on one token whose payload holds each branch's payload under the id of the node the
    /// branch came from (`parallel_join_gateway_handler.js`, `_aggregateResults`).
    pub(crate) fn join(
        &mut self,
        node: NodeId,
        token: Token,
        via: Option<FlowId>,
    ) -> Option<Token> {
        let process = Arc::clone(&self.process);
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
        let mut merged: Option<Token> = None;
        let mut branches = Map::new();
        for flow in incoming {
            let Some(index) = arrivals.iter().position(|(via, _)| via == flow) else {
                continue;
            };
            let (flow, token) = arrivals.remove(index);
            let source = &process.nodes[process.flows[flow].source].id;
            branches.insert(source.clone(), token.payload.as_ref().clone());
            match &mut merged {
                None => merged = Some(token),
                Some(merged) => {
                    merged.merge_history(&token);
                    merged.previous = token.previous;
                }
            }
        }
        if !arrivals.is_empty() {
            self.joins.insert(node, arrivals);
        }
        let mut merged = merged?;
        merged.payload = Arc::new(Value::Object(branches));
        Some(merged)
    }

    pub(crate) fn fail(&mut self, failure: Failure, fx: &mut Effects) {
        for waiting in self.waiting.drain(..) {
            match waiting.wait {
                Wait::ExternalTask(task) => fx.cancelled_tasks.push(task),
                Wait::Child(child) => fx.cancelled_children.push(child),
                _ => {}
            }
        }
        self.joins.clear();
        self.state = RunState::Failed(failure);
        fx.stopped.push(self.id.clone());
    }

    pub(crate) fn record(&mut self, node: NodeId, fni: &str, token: &Token, event: TokenEventType) {
        let flow_node_id = &self.process.nodes[node].id;
        let entries = self.history.entry(flow_node_id.clone()).or_default();
        if entries.len() >= MAX_HISTORY_PER_NODE {
            entries.remove(0);
        }
        entries.push(HistoryEntry {
            flow_node_instance_id: fni.to_owned(),
            previous: token.previous.clone(),
            event,
            created_at: clock::now_iso(),
            payload: Arc::clone(&token.payload),
        });
    }
}

/// How many flow nodes one move of an instance may pass before it is taken for an endless loop.
const MAX_STEPS: usize = 10_000;

/// A new engine id: a UUID v4, as the engine makes them.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
