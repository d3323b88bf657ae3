//! One process instance: a state machine over its tokens.
//!
//! Everything here is synchronous and works on the instance alone. What the rest of the engine
//! must do about it (hand out an external task, publish a message, start a sub-process or a
//! called model, schedule a timer, answer a blocked start) is collected in [`Effects`] and
//! applied by the caller, so an instance never needs a lock other than the one its caller holds.
//! The behaviour of each kind of flow node is the core's handler for it
//! (`process_engine_core` `runtime/flow_node_handler/*`); the handlers live in
//! [`super::flow_nodes`]. How a node's life shows in the token history (every node that was
//! entered gets an `onExit`, also when it fails, is interrupted or is terminated) follows
//! `flow_node_handler.js` and `flow_node_handler_interruptible.js`; api/semantics.md, "Token
//! history", says it in prose.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use process_engine_api_types::models::TokenEventType;
use serde_json::{Map, Value};

use super::deployment::Deployment;
pub(crate) use super::effects::{ChildKind, Effects, NewChild, NewTask, NewTimer};
use super::failure::Failure;
use super::flow_nodes::{self, Next};
pub(crate) use super::token::{Payload, Token};
use crate::auth::Identity;
use crate::bpmn::{FlowId, NodeId, NodeKind, Process};
use crate::clock::{self, Clock};
use crate::notify::{Notice, Phase};

/// Where an instance stands.
#[derive(Debug, Clone)]
pub(crate) enum RunState {
    Running,
    Finished,
    Failed(Failure),
}

/// A boundary event attached to an activity while the activity runs: its node and its flow
/// node instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attached {
    pub(crate) node: NodeId,
    pub(crate) fni: String,
    /// Its `onEnter`'s previous flow node instance: none for an error boundary event, the
    /// activity for the others (`boundary_event_handlers/*`, `waitForTriggeringEvent`).
    pub(crate) previous: Option<String>,
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
    /// The boundary events attached to it (of an activity; empty for a boundary event's own
    /// wait). Each gets its `onExit` when the activity ends, however it ends.
    pub(crate) boundaries: Vec<Attached>,
    /// The payload a non-interrupting boundary event put on the activity's token since it
    /// suspended (the lists still show the suspended payload, which the engine stored): what
    /// an empty activity passes on when it is finished.
    pub(crate) carried: Option<Payload>,
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
    /// Whether the engine stores its flow node instance as suspended (what the consumer API's
    /// lists and finishes look for): a script awaiting its Promise and a boundary event are
    /// running, not suspended.
    pub(crate) fn is_suspended(&self) -> bool {
        !matches!(self, Wait::Script) && self.attached().is_none()
    }

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
    Result(Payload),
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
    /// The order it was written in, across the flow nodes of all instances (what the engine's
    /// database rows are ordered by).
    pub(crate) sequence: u64,
}

/// How many history entries one flow node keeps: a loop must not grow memory without bound.
const MAX_HISTORY_PER_NODE: usize = 1000;

/// Tokens that arrived at a parallel join, which is one flow node instance for all of them
/// (`parallel_join_gateway_handler.js` is one handler per instance and gateway).
#[derive(Debug, Default)]
struct JoinState {
    /// Its flow node instance id, given when the first token arrived.
    fni: String,
    /// Its `onEnter`'s previous flow node instance.
    previous: Option<String>,
    /// The tokens by the flow they came on.
    arrived: Vec<(FlowId, Token)>,
}

/// How a failing flow node leaves the token history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitRecord {
    /// With an `onExit` holding the token's payload (`persistOnError`).
    Written,
    /// Without one: it failed before its handler could write it.
    None,
}

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
    /// Tokens that arrived at a parallel join, by join.
    joins: HashMap<NodeId, JoinState>,
    /// The end events that wrote their exit, with the payload there, in order: what the
    /// results route lists.
    pub(crate) results: Vec<(String, Payload)>,
    /// The first end event that announced the end of the instance (a none, message or signal
    /// end event; error and terminate end events do not): what blocked starts and a parent
    /// waiting for this child learn.
    pub(crate) ended: Option<(String, Payload)>,
    /// The terminate end event that published the instance's termination: its id, flow node
    /// instance and payload (the message a sub-process's parent receives).
    pub(crate) terminated_by: Option<(String, String, Payload)>,
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

/// Where tokens go next: a node, the token, the flow it came on.
pub(crate) type Moves = Vec<(NodeId, Token, Option<FlowId>)>;

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
            ended: None,
            terminated_by: None,
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
            Outcome::Result(result) => result,
            Outcome::PassThrough => {
                let waiting = self
                    .waiting
                    .iter()
                    .find(|w| w.flow_node_instance_id == fni)
                    .ok_or(NotWaiting)?;
                waiting
                    .carried
                    .clone()
                    .unwrap_or_else(|| waiting.token.payload.clone())
            }
        };
        self.resume_with(fni, payload, fx)
    }

    /// Continues a waiting flow node with `payload` as its result.
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
        let next = self.complete(waiting.node, fni, token, &waiting.boundaries);
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
            let _ = self.fire(id, payload.clone(), fx);
        }
        ids.len()
    }

    /// A waiting flow node instance's trigger happened: a catch event or task resumes with
    /// `payload`, a boundary event runs its path.
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
        match attached {
            None => self.resume_with(fni, payload, fx),
            Some(attached) => self.fire_boundary(fni, &attached, payload, fx),
        }
    }

    /// A message, signal or timer boundary event of the waiting activity `activity` fired
    /// (`flow_node_handler_interruptible.js`, `_handleBoundaryEvent`): a payload the event
    /// brings replaces the token's unless it is falsy; an interrupting one ends the activity
    /// (its boundary events and itself get an `onExit` with that payload, no `onResume`). The
    /// path after the boundary event starts there, with the boundary event as previous node;
    /// the boundary event itself records no result.
    fn fire_boundary(
        &mut self,
        fni: &str,
        activity: &str,
        event_payload: Payload,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        if !self.is_running() {
            return Err(NotWaiting);
        }
        let position = self
            .waiting
            .iter()
            .position(|w| w.flow_node_instance_id == fni)
            .ok_or(NotWaiting)?;
        let boundary = self.waiting.remove(position);
        let interrupting = matches!(
            &self.process.nodes[boundary.node].kind,
            NodeKind::BoundaryEvent(b) if b.interrupting
        );
        let mut token = if interrupting {
            let activity = self.take_waiting(activity, fx)?;
            let mut token = activity.token;
            if let Some(carried) = activity.carried {
                token.payload = carried;
            }
            if event_payload.truthy() {
                token.payload = event_payload;
            }
            self.exit_boundaries(&activity.boundaries, &token);
            self.record(
                activity.node,
                &activity.flow_node_instance_id,
                &token,
                TokenEventType::OnExit,
            );
            token
        } else {
            let activity = self
                .waiting
                .iter_mut()
                .find(|w| w.flow_node_instance_id == activity)
                .ok_or(NotWaiting)?;
            // The activity's token is the one the boundary event was given: it carries the
            // event's payload from now on.
            if event_payload.truthy() {
                activity.carried = Some(event_payload);
            }
            let mut token = activity.token.clone();
            if let Some(carried) = &activity.carried {
                token.payload = carried.clone();
            }
            token
        };
        token.previous = Some(fni.to_owned());
        let next = self.fan_out(boundary.node, &token);
        self.run(next, fx);
        Ok(())
    }

    /// A waiting activity failed (`flow_node_handler_interruptible.js`, `execute`): its
    /// `onExit` holds `exit` (what its handler put on the token before `persistOnError`), the
    /// error becomes its result, and an error boundary event attached to it catches the error,
    /// or the instance fails.
    pub(crate) fn fail_activity(
        &mut self,
        fni: &str,
        failure: Failure,
        exit: Payload,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        let waiting = self.take_waiting(fni, fx)?;
        let mut token = waiting.token;
        token.payload = exit;
        let next = self.failed(
            waiting.node,
            fni,
            token,
            failure,
            &waiting.boundaries,
            ExitRecord::Written,
        );
        match next {
            Ok(next) => self.run(next, fx),
            Err(failure) => self.fail(failure, fx),
        }
        Ok(())
    }

    /// An external task of this instance failed (`external_service_task_handler.js`): the
    /// worker's error is an `InternalServerError`, and the task's `onExit` holds
    /// `{errorMessage, errorCode}`. Only catch-all boundary events catch it.
    pub(crate) fn fail_task(
        &mut self,
        fni: &str,
        error: TaskError,
        fx: &mut Effects,
    ) -> Result<(), NotWaiting> {
        let failure = match error {
            TaskError::Bpmn { code } => Failure::engine(
                500,
                format!("ExternalTask failed due to BPMN error with code {code}"),
            ),
            TaskError::Service { message, details } => Failure::internal_with(message, details),
        };
        let mut exit = Map::new();
        exit.insert(
            "errorMessage".to_owned(),
            Value::String(failure.message.clone()),
        );
        exit.insert("errorCode".to_owned(), Value::from(failure.status));
        self.fail_activity(fni, failure, Payload::json(Value::Object(exit)), fx)
    }

    /// Ends the instance from outside (the management API's terminate, or a parent that ends
    /// its child): what waits gets an `onExit` with `{}`, and the instance fails.
    pub(crate) fn terminate(&mut self, fx: &mut Effects) {
        if self.is_running() {
            self.interrupt_all(&Payload::empty_object(), fx);
            self.fail(Failure::engine(500, "Process was terminated!"), fx);
        }
    }

    /// Every flow node that waits is interrupted by a termination whose message carries
    /// `payload` (`_subscribeToProcessTermination` of `flow_node_handler_interruptible.js`
    /// and `parallel_join_gateway_handler.js`): its boundary events and itself get an `onExit`
    /// with it. Returns whether an interruptible flow node waited (a parallel join is not one:
    /// it records its exit and goes quiet without failing anything).
    pub(crate) fn interrupt_all(&mut self, payload: &Payload, fx: &mut Effects) -> bool {
        let waiting = std::mem::take(&mut self.waiting);
        let mut interrupted = false;
        for waiting in &waiting {
            if waiting.wait.attached().is_some() {
                continue;
            }
            interrupted = true;
            let mut token = waiting.token.clone();
            token.payload = payload.clone();
            self.exit_boundaries(&waiting.boundaries, &token);
            self.record(
                waiting.node,
                &waiting.flow_node_instance_id,
                &token,
                TokenEventType::OnExit,
            );
            cancel(&waiting.wait, fx);
        }
        let joins: Vec<(NodeId, JoinState)> = self.joins.drain().collect();
        for (node, join) in joins {
            let mut token = Token::new(payload.clone());
            token.previous = join.previous;
            self.record(node, &join.fni, &token, TokenEventType::OnExit);
        }
        interrupted
    }

    /// Removes a waiting flow node instance with the boundary events waiting beside it, and
    /// stops what it waited for (an external task, a child instance).
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
        cancel(&waiting.wait, fx);
        Ok(waiting)
    }

    /// The boundary events of an activity that ended get their `onExit` with the token as the
    /// activity left it (`_detachBoundaryEvents`, `BoundaryEventHandler.cancel`).
    fn exit_boundaries(&mut self, boundaries: &[Attached], token: &Token) {
        for boundary in boundaries {
            let mut exit = token.clone();
            exit.previous.clone_from(&boundary.previous);
            self.record(boundary.node, &boundary.fni, &exit, TokenEventType::OnExit);
        }
    }

    /// A flow node failed with `failure`, its token holding what its `onExit` shows
    /// (`flow_node_handler.js` and `flow_node_handler_interruptible.js`, `execute`'s catch):
    /// the `onExit` is written (unless it failed before it could be), the error becomes the
    /// node's result, its boundary events get their `onExit`, and the error boundary events
    /// among them that catch the error start their paths with the error as payload. Returns
    /// those paths, or the failure back when none catches it.
    pub(crate) fn failed(
        &mut self,
        node: NodeId,
        fni: &str,
        mut token: Token,
        failure: Failure,
        boundaries: &[Attached],
        exit: ExitRecord,
    ) -> Result<Moves, Failure> {
        if exit == ExitRecord::Written {
            self.record(node, fni, &token, TokenEventType::OnExit);
        }
        let id = self.process.nodes[node].id.clone();
        let error = Payload::error(&failure);
        token.record(&id, error.clone());
        self.exit_boundaries(boundaries, &token);
        if failure.is_termination() {
            return Err(failure);
        }
        let process = Arc::clone(&self.process);
        let catchers: Vec<&Attached> = boundaries
            .iter()
            .filter(|boundary| match &process.nodes[boundary.node].kind {
                NodeKind::BoundaryEvent(b) => flow_nodes::errors::catches(&b.trigger, &failure),
                _ => false,
            })
            .collect();
        if catchers.is_empty() {
            return Err(failure);
        }
        let mut next = Vec::new();
        for catcher in catchers {
            let mut path = token.clone();
            path.payload = error.clone();
            path.previous = Some(catcher.fni.clone());
            next.extend(self.fan_out(catcher.node, &path));
        }
        Ok(next)
    }

    /// Moves tokens until each of them waits, joins, or ends. An instance with no token left is
    /// finished.
    pub(crate) fn run(&mut self, start: Moves, fx: &mut Effects) {
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
            if let NodeKind::Unexecutable { bpmn_type } = &process.nodes[node_id].kind {
                // flow_node_handler_factory.js fails while the previous node creates the
                // handler: the node never appears, and no boundary event of the previous node
                // (detached by then) catches it.
                let message = format!("BPMN type \"{bpmn_type}\" is not supported!");
                self.fail(Failure::engine(500, message), fx);
                return;
            }
            if matches!(process.nodes[node_id].kind, NodeKind::ParallelGateway) {
                queue.extend(self.parallel(node_id, token, via, fx));
                continue;
            }
            let fni = new_id();
            let boundaries =
                match flow_nodes::boundaries::attach(self, &process, node_id, &fni, &token, fx) {
                    Ok(boundaries) => boundaries,
                    Err(failure) => {
                        self.fail(failure, fx);
                        return;
                    }
                };
            self.record(node_id, &fni, &token, TokenEventType::OnEnter);
            match flow_nodes::enter(self, &process, node_id, &fni, token, fx) {
                Next::Leave(token) => {
                    queue.extend(self.complete(node_id, &fni, token, &boundaries))
                }
                Next::Follow(items) => queue.extend(items),
                Next::Wait(token, wait) => {
                    let waits =
                        Notice::task(Phase::Waiting, self, node_id, &fni, &token.payload, &wait);
                    fx.notices.extend(waits);
                    // A call activity suspends once its child starts (`suspend_for_child`).
                    let call = matches!(process.nodes[node_id].kind, NodeKind::CallActivity { .. });
                    if wait != Wait::Script && !call {
                        self.record(node_id, &fni, &token, TokenEventType::OnSuspend);
                    }
                    flow_nodes::boundaries::wait(self, &process, &fni, &token, &boundaries);
                    self.waiting.push(Waiting {
                        flow_node_instance_id: fni.clone(),
                        node: node_id,
                        token,
                        wait,
                        since: clock::now_iso(),
                        boundaries,
                        carried: None,
                    });
                    if self.waiting.len() > MAX_WAITING {
                        // Each message, signal or finish looks through the waiting tokens:
                        // a model that multiplies its tokens at a catch event would make every
                        // delivery cost the square of their number.
                        let message = format!(
                            "More than {MAX_WAITING} tokens wait in the process instance at once; it multiplies its tokens."
                        );
                        self.fail(Failure::engine(500, message), fx);
                        return;
                    }
                }
                Next::Stop => {}
                // A caught error's path joins this queue, so that a boundary path leading back
                // to the failing node counts against the step bound instead of recursing.
                Next::Fail(token, failure, exit) => {
                    match self.failed(node_id, &fni, token, failure, &boundaries, exit) {
                        Ok(next) => queue.extend(next),
                        Err(failure) => {
                            self.fail(failure, fx);
                            return;
                        }
                    }
                }
            }
        }
        if self.is_running() && self.waiting.is_empty() {
            // Tokens waiting at a join whose other branches are gone can never go on.
            self.joins.clear();
            self.state = RunState::Finished;
            fx.stopped.push(self.id.clone());
        }
    }

    /// A node completed: its payload is its result, its `onExit` is written, then its boundary
    /// events', and a copy of the token follows every outgoing flow.
    pub(crate) fn complete(
        &mut self,
        node: NodeId,
        fni: &str,
        mut token: Token,
        boundaries: &[Attached],
    ) -> Moves {
        let id = self.process.nodes[node].id.clone();
        let result = token.payload.clone();
        token.record(&id, result);
        self.record(node, fni, &token, TokenEventType::OnExit);
        self.exit_boundaries(boundaries, &token);
        token.previous = Some(fni.to_owned());
        self.fan_out(node, &token)
    }

    /// Like [`Instance::complete`] for a node without boundary events that recorded its own
    /// result.
    pub(crate) fn leave_recorded(&mut self, node: NodeId, fni: &str, mut token: Token) -> Moves {
        self.record(node, fni, &token, TokenEventType::OnExit);
        token.previous = Some(fni.to_owned());
        self.fan_out(node, &token)
    }

    pub(crate) fn fan_out(&self, node: NodeId, token: &Token) -> Moves {
        let process = &self.process;
        process.nodes[node]
            .outgoing
            .iter()
            .map(|&flow| (process.flows[flow].target, token.clone(), Some(flow)))
            .collect()
    }

    /// A token reaches a parallel gateway (`parallel_gateway_handlers/*`). A split records
    /// `{}` as its result and sends a copy of the token down every flow. A join is one flow
    /// node instance for all arriving tokens: its `onEnter` is written once, and when a token
    /// has come on every incoming flow it sends on one token whose payload holds each
    /// branch's payload under the id of the node the branch came from (`_aggregateResults`).
    fn parallel(
        &mut self,
        node: NodeId,
        token: Token,
        via: Option<FlowId>,
        fx: &mut Effects,
    ) -> Moves {
        let process = Arc::clone(&self.process);
        let gateway = &process.nodes[node];
        if gateway.incoming.len() > 1 && gateway.outgoing.len() > 1 {
            // parallel_gateway_factory.js refuses it while the handler is made: it never
            // appears in the history.
            let message = format!(
                "ParallelGateway {} is neither a Split- nor a Join-Gateway! Mixed Gateways are NOT supported!",
                gateway.id
            );
            self.fail(Failure::engine(422, message), fx);
            return Vec::new();
        }
        if gateway.incoming.len() <= 1 {
            let fni = new_id();
            self.record(node, &fni, &token, TokenEventType::OnEnter);
            let mut token = token;
            token.record(&gateway.id, Payload::empty_object());
            return self.leave_recorded(node, &fni, token);
        }
        let join = self.joins.entry(node).or_default();
        if join.arrived.is_empty() && join.fni.is_empty() {
            join.fni = new_id();
            join.previous = token.previous.clone();
            let (fni, entry_token) = (join.fni.clone(), token.clone());
            self.record(node, &fni, &entry_token, TokenEventType::OnEnter);
        }
        let Some(join) = self.joins.get_mut(&node) else {
            return Vec::new();
        };
        join.arrived.push((via.unwrap_or(usize::MAX), token));
        let complete = gateway
            .incoming
            .iter()
            .all(|flow| join.arrived.iter().any(|(via, _)| via == flow));
        if !complete {
            return Vec::new();
        }
        let Some(mut join) = self.joins.remove(&node) else {
            return Vec::new();
        };
        let mut merged: Option<Token> = None;
        let mut branches = Map::new();
        for flow in &gateway.incoming {
            let Some(index) = join.arrived.iter().position(|(via, _)| via == flow) else {
                continue;
            };
            let (flow, token) = join.arrived.remove(index);
            let source = &process.nodes[process.flows[flow].source].id;
            if let Some(payload) = token.payload.sent() {
                branches.insert(source.clone(), payload);
            }
            match &mut merged {
                None => merged = Some(token),
                Some(merged) => merged.merge_history(&token),
            }
        }
        if !join.arrived.is_empty() {
            // Tokens of a later round wait at a join of their own.
            self.joins.insert(
                node,
                JoinState {
                    fni: new_id(),
                    previous: join.arrived[0].1.previous.clone(),
                    arrived: std::mem::take(&mut join.arrived),
                },
            );
        }
        let Some(mut merged) = merged else {
            return Vec::new();
        };
        let branches = Value::Object(branches);
        if too_large(&branches) {
            // A loop through a join nests the payload one level deeper on every pass, and
            // doubles it when both branches carry the same payload; copying it would soon take
            // all memory, and dropping a deep one would overflow the stack.
            let message = format!(
                "The token payload at ParallelGateway {} is nested more than {MAX_PAYLOAD_NESTING} levels deep or holds more than {MAX_PAYLOAD_VALUES} values.",
                gateway.id
            );
            self.fail(Failure::engine(500, message), fx);
            return Vec::new();
        }
        let payload = Payload::json(branches);
        merged.payload = payload.clone();
        merged.previous = join.previous;
        merged.record(&gateway.id, payload);
        self.leave_recorded(node, &join.fni, merged)
    }

    /// A call activity's child starts: the activity suspends now, having checked the called
    /// model first (`call_activity_handler.js`, `_executeHandler`).
    pub(crate) fn suspend_for_child(&mut self, fni: &str) {
        let Some(waiting) = self.waiting.iter().find(|w| w.flow_node_instance_id == fni) else {
            return;
        };
        let (node, token) = (waiting.node, waiting.token.clone());
        self.record(node, fni, &token, TokenEventType::OnSuspend);
    }

    pub(crate) fn fail(&mut self, failure: Failure, fx: &mut Effects) {
        for waiting in self.waiting.drain(..) {
            cancel(&waiting.wait, fx);
        }
        self.joins.clear();
        self.state = RunState::Failed(failure);
        fx.stopped.push(self.id.clone());
    }

    pub(crate) fn record(&mut self, node: NodeId, fni: &str, token: &Token, event: TokenEventType) {
        let flow_node_id = &self.process.nodes[node].id;
        let sequence = NEXT_ENTRY.fetch_add(1, Ordering::Relaxed);
        let entries = self.history.entry(flow_node_id.clone()).or_default();
        if entries.len() >= MAX_HISTORY_PER_NODE {
            entries.remove(0);
        }
        entries.push(HistoryEntry {
            flow_node_instance_id: fni.to_owned(),
            previous: token.previous.clone(),
            event,
            created_at: clock::now_iso(),
            payload: token.payload.clone(),
            sequence,
        });
    }

    /// The token as the consumer API rebuilds it to present a user task's form
    /// (`consumer_api_core` `user_task_converter.js`, `_getUserTaskTokenInOldFormat`): the
    /// results are the payloads of every `onExit` of the instance, as stored, in the order
    /// they were written.
    pub(crate) fn stored_exits_token(&self) -> Token {
        let mut exits: Vec<(&str, &HistoryEntry)> = self
            .history
            .iter()
            .flat_map(|(id, entries)| entries.iter().map(move |entry| (id.as_str(), entry)))
            .filter(|(_, entry)| entry.event == TokenEventType::OnExit)
            .collect();
        exits.sort_by_key(|(_, entry)| entry.sequence);
        let mut token = Token::new(Payload::undefined());
        for (id, entry) in exits {
            token.record(id, Payload::json(entry.payload.stored()));
        }
        token
    }
}

/// Stops what a waiting flow node waited for outside the instance.
fn cancel(wait: &Wait, fx: &mut Effects) {
    match wait {
        Wait::ExternalTask(task) => fx.cancelled_tasks.push(task.clone()),
        Wait::Child(child) => fx.cancelled_children.push(child.clone()),
        _ => {}
    }
}

/// The sequence number of the next history entry of any instance.
static NEXT_ENTRY: AtomicU64 = AtomicU64::new(0);

/// How many flow nodes one move of an instance may pass before it is taken for an endless loop.
const MAX_STEPS: usize = 10_000;

/// How many tokens may wait in one instance at once (at catch events, tasks, joins' inputs).
const MAX_WAITING: usize = 1000;

/// How deep a payload a parallel join may make: as deep as the engine reads a request's JSON.
const MAX_PAYLOAD_NESTING: usize = 128;

/// How many JSON values (each member and element, nested or not) a join's payload may hold.
const MAX_PAYLOAD_VALUES: usize = 100_000;

/// Whether `value` nests deeper than [`MAX_PAYLOAD_NESTING`] or holds more than
/// [`MAX_PAYLOAD_VALUES`] values; without recursion, and stopping as soon as it knows.
fn too_large(value: &Value) -> bool {
    let mut stack = vec![(value, 0_usize)];
    let mut values = 0_usize;
    while let Some((value, depth)) = stack.pop() {
        values += 1;
        if values > MAX_PAYLOAD_VALUES || depth > MAX_PAYLOAD_NESTING {
            return true;
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|item| (item, depth + 1))),
            Value::Object(members) => {
                stack.extend(members.values().map(|member| (member, depth + 1)));
            }
            _ => {}
        }
    }
    false
}

/// A new engine id: a UUID v4, as the engine makes them.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
