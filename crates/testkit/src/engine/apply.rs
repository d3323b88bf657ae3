//! How the engine carries out what an instance's move requires of it ([`Effects`]): tasks to
//! hand out, messages and signals to deliver, send tasks to pair with receive tasks, child
//! instances to start and end, blocked starts to answer, parents to resume when a child ends.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::external_tasks::ExternalTask;
use super::failure::Failure;
use super::instance::{self, ChildKind, Effects, Instance, NewTimer, RunState, Spawn, Wait};
use super::token::Payload;
use super::{Reject, State, Until, Waiter};
use crate::clock;

impl State {
    /// Does what an instance's move requires of the rest of the engine, until nothing is left
    /// to do (a child's end resumes its parent, a message releases other instances, ...).
    /// Returns the timers to schedule.
    pub(super) fn apply(&mut self, fx: Effects) -> Vec<NewTimer> {
        let mut timers = Vec::new();
        let mut budget = Budget::default();
        budget.steps += fx.steps;
        let mut pending = vec![fx];
        while let Some(fx) = pending.pop() {
            self.notify.emit(fx.notices);
            timers.extend(fx.timers);
            for task in fx.new_tasks {
                let Some(instance) = self.instances.get(&task.instance_id) else {
                    continue;
                };
                self.tasks.insert(ExternalTask {
                    id: task.id,
                    topic: task.topic,
                    flow_node_instance_id: task.flow_node_instance_id,
                    correlation_id: instance.correlation_id.clone(),
                    process_model_id: instance.model_id.clone(),
                    process_instance_id: instance.id.clone(),
                    identity: instance.owner.clone(),
                    payload: task.payload,
                    created_at: clock::now_iso(),
                    lock: None,
                    finished: false,
                });
            }
            for task in fx.cancelled_tasks {
                self.tasks.finish(&task);
            }
            for (instance, end, payload) in fx.ended {
                self.answer_end(&instance, &end, &payload);
            }
            for (wait, payload) in fx.published {
                if budget.deliveries_exhausted() {
                    tracing::warn!(?wait, "not delivered: instances keep waking each other");
                    continue;
                }
                budget.scanned += self.delivery_cost();
                let (more, count) = self.publish(&wait, &payload);
                budget.woken += count;
                pending.push(budget.counted(more));
            }
            for (message, payload) in fx.sent {
                if budget.deliveries_exhausted() {
                    tracing::warn!(message, "not sent: instances keep waking each other");
                    continue;
                }
                budget.scanned += 2 * self.delivery_cost();
                let (more, count) = self.send(&message, &payload);
                budget.woken += count;
                pending.push(budget.counted(more));
            }
            for child in fx.children {
                budget.children += 1;
                if budget.children > MAX_CHILDREN || budget.steps > MAX_OPERATION_STEPS {
                    let failure = Failure::engine(
                        500,
                        format!(
                            "More than {MAX_CHILDREN} sub-process and call activity instances were started at once."
                        ),
                    );
                    // The whole parent instance fails, not only its activity: a boundary event
                    // that caught the activity's error could lead back to it and ask for the
                    // next child, without end. So each instance meets the bound once.
                    let mut more = Effects::default();
                    if let Some(parent) = self.instances.get_mut(&child.parent_instance) {
                        parent.fail(failure, &mut more);
                    }
                    pending.push(budget.counted(more));
                    continue;
                }
                let more = self.start_child(child);
                pending.push(budget.counted(more));
            }
            for child in fx.cancelled_children {
                let mut more = Effects::default();
                if let Some(instance) = self.instances.get_mut(&child) {
                    instance.terminate(&mut more);
                }
                pending.push(budget.counted(more));
            }
            for id in fx.stopped {
                self.stopped_log.push_back((id.clone(), clock::now_ms()));
                let more = self.stopped(&id);
                pending.push(budget.counted(more));
            }
        }
        // Only now: a stopped child's parent was resumed above, with the child still there.
        self.forget_stopped(clock::now_ms());
        timers
    }

    /// Answers the blocked starts of `instance` that wait for `end` (or for any end).
    fn answer_end(&mut self, instance: &str, end: &str, payload: &Payload) {
        let Some(waiters) = self.waiters.get_mut(instance) else {
            return;
        };
        // Callback type 2 answers at the first end event reached, as the engine's does.
        let (reached, waiting): (Vec<Waiter>, Vec<Waiter>) =
            waiters.drain(..).partition(|w| match &w.until {
                Until::Finished => true,
                Until::EndEvent(expected) => expected == end,
            });
        *waiters = waiting;
        for waiter in reached {
            let _ = waiter.tx.send(Ok((end.to_owned(), payload.sent())));
        }
    }

    /// What one delivery looks at: every instance the engine still holds (stopped ones
    /// included, up to the retention bound) and every flow node waiting in them.
    fn delivery_cost(&self) -> usize {
        // At least one per delivery, so that a delivery to no instance still counts.
        1 + self.instance_order.len()
            + self
                .instances
                .values()
                .map(|instance| instance.waiting.len())
                .sum::<usize>()
    }

    /// Delivers a message or signal to every current waiter, in any instance and correlation.
    /// Returns what that caused and how many flow nodes it woke.
    fn publish(&mut self, wait: &Wait, payload: &Payload) -> (Effects, usize) {
        let mut fx = Effects::default();
        let mut woken = 0;
        let State {
            instance_order,
            instances,
            ..
        } = self;
        for id in instance_order.iter() {
            if let Some(instance) = instances.get_mut(id) {
                woken += instance.deliver(wait, payload, &mut fx);
            }
        }
        (fx, woken)
    }

    /// A send task sent: every receive task waiting for the message takes the payload and
    /// replies; a reply releases every send task waiting for that message (`send_task_handler.js`,
    /// `receive_task_handler.js`: replies are not addressed).
    /// Returns what that caused and how many flow nodes it woke.
    fn send(&mut self, message: &str, payload: &Payload) -> (Effects, usize) {
        let mut fx = Effects::default();
        let receive = Wait::Receive(message.to_owned());
        let send = Wait::Send(message.to_owned());
        let mut receivers = 0;
        let State {
            instance_order,
            instances,
            ..
        } = self;
        for id in instance_order.iter() {
            if let Some(instance) = instances.get_mut(id) {
                receivers += instance.deliver(&receive, payload, &mut fx);
            }
        }
        if receivers > 0 {
            for id in instance_order.iter() {
                let Some(instance) = instances.get_mut(id) else {
                    continue;
                };
                let senders: Vec<(String, Payload)> = instance
                    .waiting
                    .iter()
                    .filter(|w| w.wait == send)
                    .map(|w| (w.flow_node_instance_id.clone(), w.token.payload.clone()))
                    .collect();
                for (fni, own) in senders {
                    // The sender keeps its own payload.
                    if instance.resume_with(&fni, own, &mut fx).is_ok() {
                        receivers += 1;
                    }
                }
            }
        }
        (fx, receivers)
    }

    /// Starts a sub-process or called model for a waiting parent. A call activity checks its
    /// model and start event before it suspends (`call_activity_handler.js`,
    /// `_executeHandler`): without them it fails with an `onEnter` and an `onExit` alone.
    fn start_child(&mut self, child: instance::NewChild) -> Effects {
        let mut fx = Effects::default();
        let Some(parent) = self.instances.get(&child.parent_instance) else {
            return fx;
        };
        let (deployment, process, model_id, embedded) = match &child.what {
            ChildKind::SubProcess(process) => (
                Arc::clone(&parent.deployment),
                Arc::clone(process),
                process.id.clone(),
                true,
            ),
            ChildKind::Call(model) => match self.deployments.get(model) {
                Some(deployment) => (
                    Arc::clone(deployment),
                    Arc::clone(&deployment.process),
                    deployment.id.clone(),
                    false,
                ),
                None => {
                    let failure =
                        Failure::engine(404, format!("ProcessModel with id {model} not found!"));
                    self.fail_parent(&child, failure, &mut fx);
                    return fx;
                }
            },
        };
        // sub_process_handler.js / call_activity_handler.js: the first start event.
        let Some(start) = process
            .nodes
            .iter()
            .position(|node| matches!(node.kind, crate::bpmn::NodeKind::StartEvent { .. }))
        else {
            // The start event's id is read from what `find` did not find.
            let failure =
                Failure::opaque(500, "Cannot read properties of undefined (reading 'id')");
            self.fail_parent(&child, failure, &mut fx);
            return fx;
        };
        let depth = parent.depth + 1;
        if depth > MAX_DEPTH {
            // A model that calls itself would otherwise start instances without end under the
            // engine's lock; the real engine recurses until it runs out of memory.
            let failure = Failure::engine(
                500,
                format!(
                    "Sub-processes and call activities are nested more than {MAX_DEPTH} levels deep."
                ),
            );
            self.fail_parent(&child, failure, &mut fx);
            return fx;
        }
        let correlation_id = parent.correlation_id.clone();
        let owner = parent.owner.clone();
        let parent_id = parent.id.clone();
        if !embedded {
            if let Some(parent) = self.instances.get_mut(&child.parent_instance) {
                parent.suspend_for_child(&child.parent_fni);
            }
        }
        let instance = Instance::start(
            Spawn {
                id: child.child_id,
                deployment,
                process,
                model_id,
                correlation_id: correlation_id.clone(),
                owner,
                parent: Some(parent_id),
                parent_link: Some((child.parent_instance, child.parent_fni, embedded)),
                depth,
                start,
                token: child.token,
                clock: Arc::clone(&self.clock),
            },
            &mut fx,
        );
        let id = instance.id.clone();
        if let Some(correlation) = self.correlations.get_mut(&correlation_id) {
            correlation.instances.push(id.clone());
        }
        self.instance_order.push(id.clone());
        self.instances.insert(id, instance);
        fx
    }

    /// The child of a waiting sub-process or call activity could not start: the parent's
    /// activity fails with `{error, additionalInformation}` in its `onExit`.
    fn fail_parent(&mut self, child: &instance::NewChild, failure: Failure, fx: &mut Effects) {
        if let Some(parent) = self.instances.get_mut(&child.parent_instance) {
            let exit = Payload::json(failure.as_exit_payload());
            let _ = parent.fail_activity(&child.parent_fni, failure, exit, fx);
        }
    }

    /// An instance stopped: its blocked starts are answered, and its parent goes on.
    fn stopped(&mut self, id: &str) -> Effects {
        let mut fx = Effects::default();
        let Some(instance) = self.instances.get(id) else {
            return fx;
        };
        if let Some(waiters) = self.waiters.remove(id) {
            let mut unanswered = Vec::new();
            for waiter in waiters {
                let ending = match (&instance.state, &waiter.until) {
                    (RunState::Failed(failure), _) => {
                        Err(Reject::new(failure.status, failure.message.clone()))
                    }
                    // Only an announced end answers (a terminate end event announces none).
                    (_, Until::Finished) => match &instance.ended {
                        Some((end, payload)) => Ok((end.clone(), payload.sent())),
                        None => {
                            unanswered.push(waiter);
                            continue;
                        }
                    },
                    (_, Until::EndEvent(end)) if self.answer_unreached => Err(Reject::new(
                        500,
                        format!(
                            "The process instance finished without reaching the end event '{end}'."
                        ),
                    )),
                    // The real engine never answers a start waiting for an end event the
                    // instance did not reach; the waiter stays until the model is undeployed.
                    (_, Until::EndEvent(_)) => {
                        unanswered.push(waiter);
                        continue;
                    }
                };
                let _ = waiter.tx.send(ending);
            }
            if !unanswered.is_empty() {
                self.waiters.insert(id.to_owned(), unanswered);
            }
        }
        let Some(instance) = self.instances.get(id) else {
            return fx;
        };
        let Some((parent_id, parent_fni, embedded)) = instance.parent_link.clone() else {
            return fx;
        };
        if let (true, Some((end, fni, payload)), false) =
            (embedded, &instance.terminated_by, instance.is_running())
        {
            // sub_process_handler.js listens for its child's termination and rejects with the
            // message: the sub-process exits with `{}` (the message has no `message`).
            let mut message = Map::new();
            for (key, value) in [
                (
                    "correlationId",
                    Value::String(instance.correlation_id.clone()),
                ),
                ("processModelId", Value::String(instance.model_id.clone())),
                ("processInstanceId", Value::String(instance.id.clone())),
                ("flowNodeId", Value::String(end.clone())),
                ("flowNodeInstanceId", Value::String(fni.clone())),
                (
                    "processInstanceOwner",
                    serde_json::to_value(instance.owner.to_model()).unwrap_or(Value::Null),
                ),
            ] {
                message.insert(key.to_owned(), value);
            }
            if let Some(payload) = payload.sent() {
                message.insert("currentToken".to_owned(), payload);
            }
            let failure = Failure::termination_message(Value::Object(message));
            if let Some(parent) = self.instances.get_mut(&parent_id) {
                let _ =
                    parent.fail_activity(&parent_fni, failure, Payload::empty_object(), &mut fx);
            }
            return fx;
        }
        let outcome = match (&instance.state, embedded) {
            (RunState::Running, _) => return fx,
            // sub_process_handler.js passes the inner error on as it is;
            // execute_process_service.js passes on a call activity's child's error as it is
            // only when it has a code and a name.
            (RunState::Failed(failure), true) => Err(failure.clone()),
            (RunState::Failed(failure), false) => Err(failure.for_caller()),
            // sub_process_handler.js resolves with the announcing end event's payload.
            (RunState::Finished, true) => Ok(instance
                .ended
                .as_ref()
                .map_or_else(Payload::undefined, |(_, payload)| payload.clone())),
            (RunState::Finished, false) => match &instance.ended {
                Some((end, payload)) => call_activity_result(instance, end, payload),
                // startAndAwaitEndEvent waits for an announced end, which never comes.
                None => return fx,
            },
        };
        if let Some(parent) = self.instances.get_mut(&parent_id) {
            let _ = match outcome {
                Ok(payload) => parent.resume_with(&parent_fni, payload, &mut fx),
                Err(failure) => {
                    let exit = Payload::json(failure.as_exit_payload());
                    parent.fail_activity(&parent_fni, failure, exit, &mut fx)
                }
            };
        }
        fx
    }

    /// A timer of a waiting flow node instance fired.
    pub(crate) fn fire_timer(&mut self, instance_id: &str, fni: &str) -> Vec<NewTimer> {
        let mut fx = Effects::default();
        if let Some(instance) = self.instances.get_mut(instance_id) {
            let found = instance
                .waiting
                .iter()
                .find(|w| w.flow_node_instance_id == fni)
                .map(|w| {
                    (
                        matches!(w.wait, Wait::BoundaryTimer { .. }),
                        w.token.payload.clone(),
                    )
                });
            if let Some((boundary, payload)) = found {
                // timer boundary events continue with `{}`; a timer catch event and a script
                // keep the token's payload.
                let payload = if boundary {
                    Payload::empty_object()
                } else {
                    payload
                };
                let _ = instance.fire(fni, payload, &mut fx);
            }
        }
        self.apply(fx)
    }
}

/// How deep sub-processes and call activities may nest.
const MAX_DEPTH: usize = 64;

/// How many flow nodes the instances of one operation may pass before it starts no more child
/// instances: children that each loop would otherwise multiply the bound of one instance.
const MAX_OPERATION_STEPS: usize = 100_000;

/// How many child instances one operation may start.
const MAX_CHILDREN: usize = 1000;

/// How many flow nodes messages, signals and send tasks may wake in one operation; later ones
/// are not delivered (and logged), as if nobody had been waiting.
const MAX_WAKE_UPS: usize = 10_000;

/// How many instances and waiting flow nodes the deliveries of one operation may look at.
/// Deliveries that wake nobody still cost a look at every instance: a model that throws a
/// signal on every pass of a loop, and calls itself, would otherwise hold the engine for hours
/// with `MAX_WAKE_UPS` never reached.
const MAX_DELIVERY_SCANS: usize = 1_000_000;

/// What one operation has done so far, against the bounds above. Work is counted when it is
/// done (a child's first run, a delivery's effects), not when its effects are taken up, so
/// that children started in one go cannot run past the bound before it is checked.
#[derive(Debug, Default)]
struct Budget {
    /// Flow nodes passed by the operation's instances.
    steps: usize,
    /// Child instances started.
    children: usize,
    /// Flow nodes woken by messages, signals and send tasks.
    woken: usize,
    /// Instances and waiting flow nodes looked at by deliveries.
    scanned: usize,
}

impl Budget {
    /// Counts the steps that produced `fx` and hands it on to be taken up.
    fn counted(&mut self, fx: Effects) -> Effects {
        self.steps += fx.steps;
        fx
    }

    /// Whether messages, signals and send tasks may no longer be delivered in this operation.
    fn deliveries_exhausted(&self) -> bool {
        self.woken > MAX_WAKE_UPS || self.scanned > MAX_DELIVERY_SCANS
    }
}

/// What a call activity's token holds after its child announced its end at `end` with
/// `payload` (`call_activity_handler.js`, `_createResultTokenPayloadFromCallActivityResult`):
/// `{result, endEventId, endEventName}`, a nested call activity's result unwrapped once,
/// `endEventName` left out for an end event without a name. The payload's `result` is read
/// without a check, so a child that ends with `undefined` or `null` fails the call activity.
fn call_activity_result(
    instance: &Instance,
    end: &str,
    payload: &Payload,
) -> Result<Payload, Failure> {
    if payload.is_undefined() || payload.sent() == Some(Value::Null) {
        let what = if payload.is_undefined() {
            "undefined"
        } else {
            "null"
        };
        return Err(Failure::opaque(
            500,
            format!("Cannot read properties of {what} (reading 'result')"),
        ));
    }
    let nested = ["result", "endEventName", "endEventId"]
        .iter()
        .all(|key| payload.member(key).is_some());
    let result = match payload.member("result") {
        Some(inner) if nested => inner.clone(),
        _ => payload.stored(),
    };
    let mut wrapped = Map::new();
    wrapped.insert("result".to_owned(), result);
    wrapped.insert("endEventId".to_owned(), Value::String(end.to_owned()));
    if let Some(name) = instance
        .process
        .node(end)
        .and_then(|node| instance.process.nodes[node].name.clone())
    {
        wrapped.insert("endEventName".to_owned(), Value::String(name));
    }
    Ok(Payload::json(Value::Object(wrapped)))
}
