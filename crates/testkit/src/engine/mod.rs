//! The engine's state and what can be done to it.
//!
//! All state sits behind one `std::sync::Mutex`: deployments, process instances (each a state
//! machine of its own, see [`instance`]), correlations, the external task table and the waiters
//! of blocked starts. Every operation takes the lock, changes the state synchronously and
//! releases it; nothing awaits while holding it. What must wait (a long poll, a start with
//! callback type 2 or 3) takes a `watch` receiver or a `oneshot` receiver under the lock and
//! awaits it after releasing the lock, so no wake-up can be missed.

mod apply;
mod deployment;
mod effects;
mod external_tasks;
pub(crate) mod failure;
mod flow_nodes;
pub(crate) mod instance;
mod timers;
mod token;
mod views;

#[cfg(test)]
mod robustness_tests;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use crate::auth::Identity;
use crate::clock;
pub(crate) use deployment::Deployment;
use external_tasks::Tasks;
use instance::{Effects, Instance, NotWaiting, Outcome, Spawn, TaskError, Wait};
use token::Token;
pub(crate) use views::Scope;

/// A refusal in the engine's words: status and plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reject {
    pub(crate) status: u16,
    pub(crate) message: String,
}

impl Reject {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        Reject {
            status,
            message: message.into(),
        }
    }
}

/// What a blocked start waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Until {
    /// The instance finishes (callback type 2).
    Finished,
    /// The instance reaches this end event (callback type 3).
    EndEvent(String),
}

/// How a blocked start ends: the end event and the payload there, or the instance's failure
/// as the engine answers it (status and message).
pub(crate) type Ending = Result<(String, Value), Reject>;

struct Waiter {
    until: Until,
    tx: oneshot::Sender<Ending>,
}

#[derive(Default)]
struct Correlation {
    created_at: String,
    instances: Vec<String>,
}

#[derive(Default)]
struct State {
    /// Model ids in the order of their first deployment.
    model_order: Vec<String>,
    deployments: HashMap<String, Arc<Deployment>>,
    /// Instance ids in creation order.
    instance_order: Vec<String>,
    instances: HashMap<String, Instance>,
    correlation_order: Vec<String>,
    correlations: HashMap<String, Correlation>,
    tasks: Tasks,
    waiters: HashMap<String, Vec<Waiter>>,
    /// See [`Engine::answer_unreached_end_events`].
    answer_unreached: bool,
    /// The clock timers run on, shared with [`Engine`].
    clock: Arc<crate::clock::Clock>,
}

/// The stand-in engine's state. Shared by the HTTP server's connections.
pub(crate) struct Engine {
    state: Arc<Mutex<State>>,
    /// The clock timers run on.
    clock: Arc<crate::clock::Clock>,
}

/// A start request after the HTTP layer read it.
#[derive(Debug)]
pub(crate) struct StartRequest {
    pub(crate) model: String,
    pub(crate) callback: i64,
    pub(crate) start_event: Option<String>,
    pub(crate) end_event: Option<String>,
    pub(crate) correlation_id: Option<String>,
    pub(crate) input: Value,
    pub(crate) caller: Option<String>,
    pub(crate) owner: Identity,
}

/// A started instance, and for callback types 2 and 3 the ending to wait for.
pub(crate) struct Started {
    pub(crate) correlation_id: String,
    pub(crate) instance_id: String,
    pub(crate) ending: Option<oneshot::Receiver<Ending>>,
}

/// A fetch-and-lock request after the HTTP layer read it.
#[derive(Debug)]
pub(crate) struct FetchRequest {
    pub(crate) worker_id: String,
    pub(crate) topic: String,
    pub(crate) max_tasks: u64,
    pub(crate) long_polling: Duration,
    pub(crate) lock_ms: u64,
}

impl Default for Engine {
    fn default() -> Self {
        let clock = Arc::new(crate::clock::Clock::default());
        let state = State {
            clock: Arc::clone(&clock),
            ..State::default()
        };
        Engine {
            state: Arc::new(Mutex::new(state)),
            clock,
        }
    }
}

impl Engine {
    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Applies an instance's effects and schedules the timers they ask for.
    fn settle(&self, mut state: MutexGuard<'_, State>, fx: Effects) {
        let timers = state.apply(fx);
        drop(state);
        timers::schedule(&self.state, &self.clock, timers);
    }

    /// Moves the engine's clock forward: timers that became due fire.
    pub(crate) fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Whether a start with callback type 3 whose instance finished at another end event is
    /// answered `500` instead of never (the real engine's behaviour).
    pub(crate) fn answer_unreached_end_events(&self, answer: bool) {
        self.lock().answer_unreached = answer;
    }

    // ---- deployment -------------------------------------------------------------------------

    /// Imports a model as `POST import_process_model` does.
    pub(crate) fn deploy(
        &self,
        name: &str,
        xml: Option<&str>,
        overwrite: bool,
    ) -> Result<(), Reject> {
        let unparsable = || {
            Reject::new(
                422,
                format!("The XML for process \"{name}\" could not be parsed."),
            )
        };
        let deployment = Deployment::new(name, xml.ok_or_else(unparsable)?)?;
        let mut state = self.lock();
        if state.deployments.contains_key(name) {
            if !overwrite {
                return Err(Reject::new(
                    409,
                    format!("Process definition with the name '{name}' already exists!"),
                ));
            }
        } else {
            state.model_order.push(name.to_owned());
        }
        state
            .deployments
            .insert(name.to_owned(), Arc::new(deployment));
        Ok(())
    }

    /// Removes a model with its instances, their correlations and external tasks; unknown ids
    /// are fine.
    pub(crate) fn undeploy(&self, id: &str) {
        let mut state = self.lock();
        if state.deployments.remove(id).is_none() {
            return;
        }
        state.model_order.retain(|m| m != id);
        let gone: HashSet<String> = state
            .instances
            .values()
            .filter(|instance| instance.deployment.id == id)
            .map(|instance| instance.id.clone())
            .collect();
        for instance in &gone {
            state.instances.remove(instance);
            for waiter in state.waiters.remove(instance).unwrap_or_default() {
                let _ = waiter.tx.send(Err(Reject::new(
                    500,
                    format!("ProcessModel with id {id} was undeployed."),
                )));
            }
        }
        state.instance_order.retain(|i| !gone.contains(i));
        state.tasks.remove_instances(&gone);
        for correlation in state.correlations.values_mut() {
            correlation.instances.retain(|i| !gone.contains(i));
        }
        state.correlations.retain(|_, c| !c.instances.is_empty());
        let State {
            correlation_order,
            correlations,
            ..
        } = &mut *state;
        correlation_order.retain(|c| correlations.contains_key(c));
    }

    pub(crate) fn deployments(&self) -> Vec<Arc<Deployment>> {
        let state = self.lock();
        state
            .model_order
            .iter()
            .filter_map(|id| state.deployments.get(id).cloned())
            .collect()
    }

    pub(crate) fn deployment(&self, id: &str) -> Result<Arc<Deployment>, Reject> {
        self.lock()
            .deployments
            .get(id)
            .cloned()
            .ok_or_else(|| model_not_found(id))
    }

    pub(crate) fn deployment_of_instance(&self, instance: &str) -> Result<Arc<Deployment>, Reject> {
        let state = self.lock();
        state
            .instances
            .get(instance)
            .map(|i| Arc::clone(&i.deployment))
            .ok_or_else(|| {
                Reject::new(
                    404,
                    format!("ProcessInstance with id {instance} not found!"),
                )
            })
    }

    // ---- starting ---------------------------------------------------------------------------

    /// Starts an instance, with the checks and messages of the engine.
    pub(crate) fn start(&self, request: StartRequest) -> Result<Started, Reject> {
        let until = match request.callback {
            1 => None,
            2 => Some(Until::Finished),
            3 => match request.end_event.as_deref().filter(|e| !e.is_empty()) {
                Some(end) => Some(Until::EndEvent(end.to_owned())),
                None => {
                    return Err(Reject::new(
                        400,
                        "Must provide an EndEventId, when using callback type 'CallbackOnEndEventReached'!",
                    ));
                }
            },
            other => {
                return Err(Reject::new(
                    400,
                    format!("{other} is not a valid return option!"),
                ));
            }
        };
        let mut state = self.lock();
        let deployment = state
            .deployments
            .get(&request.model)
            .cloned()
            .ok_or_else(|| model_not_found(&request.model))?;
        let process = &deployment.process;
        if !process.executable {
            return Err(Reject::new(400, "The process model is not executable!"));
        }
        let start = match request.start_event.as_deref().filter(|s| !s.is_empty()) {
            None => {
                let mut starts = process.start_events();
                match (starts.next(), starts.next()) {
                    (Some(only), None) => process.node(&only.id),
                    (None, _) => None,
                    (Some(_), Some(_)) => {
                        return Err(Reject::new(
                            400,
                            "The Process Model contains multiple StartEvents, but no initial StartEvent was defined.",
                        ));
                    }
                }
            }
            Some(id) => match process.node(id) {
                None => {
                    return Err(Reject::new(
                        404,
                        format!("StartEvent with ID '{id}' not found!"),
                    ));
                }
                Some(node) if process.start_events().any(|s| s.id == id) => Some(node),
                Some(_) => {
                    return Err(Reject::new(
                        404,
                        format!("Start event with id '{id}' not found!"),
                    ));
                }
            },
        };
        let start =
            start.ok_or_else(|| Reject::new(400, "The process model has no StartEvent."))?;
        if let Some(Until::EndEvent(end)) = &until {
            if !process.end_events().any(|e| &e.id == end) {
                // The engine names the start event here, or `undefined` (sic).
                let named = request.start_event.as_deref().unwrap_or("undefined");
                return Err(Reject::new(
                    404,
                    format!("EndEvent with ID '{named}' not found!"),
                ));
            }
        }

        let correlation_id = request
            .correlation_id
            .filter(|c| !c.is_empty())
            .unwrap_or_else(instance::new_id);
        let mut fx = Effects::default();
        let instance = Instance::start(
            Spawn {
                id: instance::new_id(),
                process: Arc::clone(&deployment.process),
                model_id: deployment.id.clone(),
                deployment: Arc::clone(&deployment),
                correlation_id: correlation_id.clone(),
                owner: request.owner,
                parent: request.caller,
                parent_link: None,
                depth: 0,
                start,
                token: Token::new(Arc::new(request.input)),
                clock: Arc::clone(&self.clock),
            },
            &mut fx,
        );
        let instance_id = instance.id.clone();
        let correlation = state
            .correlations
            .entry(correlation_id.clone())
            .or_insert_with(|| Correlation {
                created_at: instance.created_at.clone(),
                instances: Vec::new(),
            });
        correlation.instances.push(instance_id.clone());
        if correlation.instances.len() == 1 {
            state.correlation_order.push(correlation_id.clone());
        }
        state.instance_order.push(instance_id.clone());
        state.instances.insert(instance_id.clone(), instance);
        let ending = until.map(|until| {
            let (tx, rx) = oneshot::channel();
            state
                .waiters
                .entry(instance_id.clone())
                .or_default()
                .push(Waiter { until, tx });
            rx
        });
        self.settle(state, fx);
        Ok(Started {
            correlation_id,
            instance_id,
            ending,
        })
    }

    // ---- user tasks, manual tasks, empty activities, events ---------------------------------

    /// Finishes a waiting user task, manual task or empty activity.
    pub(crate) fn finish_waiting(
        &self,
        instance_id: &str,
        correlation_id: &str,
        flow_node_instance_id: &str,
        wait: &Wait,
        outcome: Outcome,
    ) -> Result<(), Reject> {
        let mut state = self.lock();
        if *wait == Wait::UserTask
            && state
                .instances
                .get(instance_id)
                .is_some_and(Instance::is_embedded)
        {
            return Err(no_correlation_for(instance_id));
        }
        let mut fx = Effects::default();
        let done = state
            .instances
            .get_mut(instance_id)
            .filter(|i| i.correlation_id == correlation_id)
            .filter(|i| {
                i.waiting
                    .iter()
                    .any(|w| w.flow_node_instance_id == flow_node_instance_id && &w.wait == wait)
            })
            .map(|i| i.resume(flow_node_instance_id, outcome, &mut fx));
        match done {
            Some(Ok(())) => {
                self.settle(state, fx);
                Ok(())
            }
            Some(Err(NotWaiting)) | None => {
                let what = match wait {
                    Wait::UserTask => "a UserTask",
                    Wait::ManualTask => "a ManualTask",
                    _ => "an EmptyActivity",
                };
                Err(Reject::new(
                    404,
                    format!(
                        "ProcessInstance '{instance_id}' in Correlation '{correlation_id}' does not have {what} with id '{flow_node_instance_id}'"
                    ),
                ))
            }
        }
    }

    /// Delivers a message or signal to every catch event waiting for it, in any correlation.
    pub(crate) fn trigger(&self, wait: &Wait, payload: &Value) {
        let state = self.lock();
        let fx = Effects {
            published: vec![(wait.clone(), Arc::new(payload.clone()))],
            ..Effects::default()
        };
        self.settle(state, fx);
    }

    /// Ends an instance from outside; unknown or ended instances are fine.
    pub(crate) fn terminate(&self, instance_id: &str) {
        let mut state = self.lock();
        let mut fx = Effects::default();
        if let Some(instance) = state.instances.get_mut(instance_id) {
            instance.terminate(&mut fx);
        }
        self.settle(state, fx);
    }

    // ---- external tasks ---------------------------------------------------------------------

    /// Locks free tasks of a topic for a worker; with none, waits up to the long-polling timeout
    /// for one to be added (or for a lock to run out).
    pub(crate) async fn fetch_and_lock(
        &self,
        request: FetchRequest,
    ) -> Vec<process_engine_api_types::models::ExternalTask> {
        let deadline = tokio::time::Instant::now() + request.long_polling;
        loop {
            let (mut added, next_expiry) = {
                let mut state = self.lock();
                let now = clock::now_ms();
                let fetched = state.tasks.fetch(
                    &request.topic,
                    &request.worker_id,
                    request.max_tasks,
                    request.lock_ms,
                    now,
                );
                if !fetched.tasks.is_empty() || tokio::time::Instant::now() >= deadline {
                    return fetched.tasks;
                }
                let next_expiry = fetched.next_expiry_ms.map(|at| {
                    tokio::time::Instant::now() + Duration::from_millis(at.saturating_sub(now))
                });
                (state.tasks.watch(&request.topic), next_expiry)
            };
            let wake = next_expiry.map_or(deadline, |at| at.min(deadline));
            tokio::select! {
                _ = added.changed() => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Extends a task's lock to now + `additional_ms`.
    pub(crate) fn extend_lock(
        &self,
        task_id: &str,
        worker_id: &str,
        additional_ms: u64,
    ) -> Result<(), Reject> {
        let mut state = self.lock();
        let now = clock::now_ms();
        let task = state.tasks.access(task_id, worker_id, now)?;
        task.lock = Some(external_tasks::Lock {
            worker_id: worker_id.to_owned(),
            until_ms: now.saturating_add(additional_ms),
        });
        Ok(())
    }

    /// A worker's result: it replaces the token payload and the instance goes on.
    pub(crate) fn finish_task(
        &self,
        task_id: &str,
        worker_id: &str,
        result: Value,
    ) -> Result<(), Reject> {
        self.complete_task(task_id, worker_id, |instance, fni, fx| {
            instance.resume(fni, Outcome::Result(result), fx)
        })
    }

    /// A worker's BPMN or service error: an error boundary event catches it, or the instance fails.
    pub(crate) fn fail_task(
        &self,
        task_id: &str,
        worker_id: &str,
        error: TaskError,
    ) -> Result<(), Reject> {
        self.complete_task(task_id, worker_id, |instance, fni, fx| {
            instance.fail_task(fni, error, fx)
        })
    }

    fn complete_task(
        &self,
        task_id: &str,
        worker_id: &str,
        complete: impl FnOnce(&mut Instance, &str, &mut Effects) -> Result<(), NotWaiting>,
    ) -> Result<(), Reject> {
        let mut state = self.lock();
        let task = state.tasks.access(task_id, worker_id, clock::now_ms())?;
        task.finished = true;
        let (instance_id, fni) = (
            task.process_instance_id.clone(),
            task.flow_node_instance_id.clone(),
        );
        let mut fx = Effects::default();
        if let Some(instance) = state.instances.get_mut(&instance_id) {
            // An instance that no longer waits (terminated) just keeps the task finished.
            let _ = complete(instance, &fni, &mut fx);
        }
        self.settle(state, fx);
        Ok(())
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock would be a bug in the engine; its state is still the
    // best there is, so go on with it rather than fail every later request.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The engine's 404 for a process instance whose correlation it cannot find.
fn no_correlation_for(instance: &str) -> Reject {
    Reject::new(
        404,
        format!("No correlations for ProcessInstance with ID \"{instance}\" found."),
    )
}

fn model_not_found(id: &str) -> Reject {
    Reject::new(404, format!("ProcessModel with id {id} not found!"))
}
