//! How the engine carries out what an instance's move requires of it ([`Effects`]): tasks to
//! hand out, messages and signals to deliver, send tasks to pair with receive tasks, child
//! instances to start and end, blocked starts to answer, parents to resume when a child ends.

use std::sync::Arc;

use serde_json::Value;

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
        let mut pending = vec![fx];
        // Flow nodes woken by messages, signals and send tasks in this operation: instances
        // that keep waking each other (a catch event looping into a throw of its own message)
        // would otherwise hold the engine without end.
        let mut woken = 0_usize;
        // Child instances started in this operation: a model calling itself twice would
        // otherwise start a tree of instances without end.
        let mut children = 0_usize;
        let mut steps = 0_usize;
        while let Some(fx) = pending.pop() {
            self.notify.emit(fx.notices);
            steps += fx.steps;
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
                if woken > MAX_WAKE_UPS {
                    tracing::warn!(?wait, "not delivered: instances keep waking each other");
                    continue;
                }
                let (more, count) = self.publish(&wait, &payload);
                woken += count;
                pending.push(more);
            }
            for (message, payload) in fx.sent {
                if woken > MAX_WAKE_UPS {
                    tracing::warn!(message, "not sent: instances keep waking each other");
                    continue;
                }
                let (more, count) = self.send(&message, &payload);
                woken += count;
                pending.push(more);
            }
            for child in fx.children {
                children += 1;
                if children > MAX_CHILDREN || steps > MAX_OPERATION_STEPS {
                    let failure = Failure::engine(
                        500,
                        format!(
                            "More than {MAX_CHILDREN} sub-process and call activity instances were started at once."
                        ),
                    );
                    let mut more = Effects::default();
                    if let Some(parent) = self.instances.get_mut(&child.parent_instance) {
                        let _ = parent.fail_activity(&child.parent_fni, failure, &mut more);
                    }
                    pending.push(more);
                    continue;
                }
                pending.push(self.start_child(child));
            }
            for child in fx.cancelled_children {
                let mut more = Effects::default();
                if let Some(instance) = self.instances.get_mut(&child) {
                    instance.terminate(&mut more);
                }
                pending.push(more);
            }
            for id in fx.stopped {
                self.stopped_log.push_back((id.clone(), clock::now_ms()));
                pending.push(self.stopped(&id));
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
            let _ = waiter
                .tx
                .send(Ok((end.to_owned(), payload.as_ref().clone())));
        }
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
                    .map(|w| {
                        (
                            w.flow_node_instance_id.clone(),
                            Arc::clone(&w.token.payload),
                        )
                    })
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

    /// Starts a sub-process or called model for a waiting parent.
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
                    if let Some(parent) = self.instances.get_mut(&child.parent_instance) {
                        let _ = parent.fail_activity(&child.parent_fni, failure, &mut fx);
                    }
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
            let failure = Failure::engine(404, "The process model has no StartEvent.");
            if let Some(parent) = self.instances.get_mut(&child.parent_instance) {
                let _ = parent.fail_activity(&child.parent_fni, failure, &mut fx);
            }
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
            if let Some(parent) = self.instances.get_mut(&child.parent_instance) {
                let _ = parent.fail_activity(&child.parent_fni, failure, &mut fx);
            }
            return fx;
        }
        let correlation_id = parent.correlation_id.clone();
        let instance = Instance::start(
            Spawn {
                id: child.child_id,
                deployment,
                process,
                model_id,
                correlation_id: correlation_id.clone(),
                owner: parent.owner.clone(),
                parent: Some(parent.id.clone()),
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
                    (_, Until::Finished) => match instance.results.last() {
                        Some((end, payload)) => Ok((end.clone(), payload.as_ref().clone())),
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
        let outcome = match &instance.state {
            RunState::Running => return fx,
            RunState::Failed(failure) => Err(failure.clone()),
            RunState::Finished => {
                let (end, payload) = instance
                    .results
                    .last()
                    .cloned()
                    .unwrap_or_else(|| (String::new(), Arc::new(Value::Null)));
                if embedded {
                    Ok(payload)
                } else {
                    let name = instance
                        .process
                        .node(&end)
                        .and_then(|node| instance.process.nodes[node].name.clone());
                    // call_activity_handler.js: a nested call activity's result is unwrapped once.
                    let result = match payload.as_ref() {
                        Value::Object(object)
                            if object.contains_key("result")
                                && object.contains_key("endEventId") =>
                        {
                            object.get("result").cloned().unwrap_or(Value::Null)
                        }
                        other => other.clone(),
                    };
                    Ok(Arc::new(serde_json::json!({
                        "result": result,
                        "endEventId": end,
                        "endEventName": name,
                    })))
                }
            }
        };
        if let Some(parent) = self.instances.get_mut(&parent_id) {
            let _ = match outcome {
                Ok(payload) => parent.resume_with(&parent_fni, payload, &mut fx),
                Err(failure) => parent.fail_activity(&parent_fni, failure, &mut fx),
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
                        Arc::clone(&w.token.payload),
                    )
                });
            if let Some((boundary, payload)) = found {
                // timer boundary events continue with `{}`; a timer catch event and a script
                // keep the token's payload.
                let payload = if boundary {
                    Arc::new(Value::Object(serde_json::Map::new()))
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
