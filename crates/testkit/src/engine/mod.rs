//! The engine's state and what can be done to it.
//!
//! All state sits behind one `std::sync::Mutex`: deployments, process instances (each a state
//! machine of its own, see [`instance`]), correlations, the external task table and the waiters
//! of blocked starts. Every operation takes the lock, changes the state synchronously and
//! releases it; nothing awaits while holding it. What must wait (a long poll, a start with
//! callback type 2 or 3) registers a `oneshot` receiver under the lock and awaits it after
//! releasing the lock, so no wake-up can be missed.
//!
//! Instances that stopped running are kept for queries only up to a [`Retention`] bound, then
//! forgotten with their tasks and, once empty, their correlations: a soak of a million
//! instances runs in the memory of the bound.

mod apply;
mod deployment;
mod effects;
mod external_tasks;
pub(crate) mod failure;
mod flow_nodes;
pub(crate) mod instance;
mod retention;
mod timers;
mod token;
mod views;

#[cfg(test)]
mod robustness_tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use crate::auth::Identity;
use crate::clock;
use crate::contention::Contention;
pub(crate) use deployment::Deployment;
pub(crate) use external_tasks::HandedOut;
use external_tasks::{LockEnd, Tasks};
pub(crate) use flow_nodes::boundaries::interruptible as boundaries_interruptible;
use instance::{Effects, Instance, NotWaiting, Outcome, Spawn, TaskError, Wait};
pub(crate) use retention::Retention;
use token::{Payload, Token};
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

/// How a blocked start ends: the end event and the payload there (`None` for `undefined`, which
/// the answer leaves out), or the instance's failure as the engine answers it (status and
/// message).
pub(crate) type Ending = Result<(String, Option<Value>), Reject>;

struct Waiter {
    until: Until,
    tx: oneshot::Sender<Ending>,
}

/// A correlation: its process instances, oldest first (it was created with the first; the
/// correlation routes say it was created when its oldest kept entry was).
#[derive(Default)]
struct Correlation {
    instances: Vec<String>,
}

#[derive(Default)]
struct State {
    /// Model ids in the order of their first deployment.
    model_order: Vec<String>,
    deployments: HashMap<String, Arc<Deployment>>,
    /// Instance ids in creation order. Ids of forgotten instances are dropped lazily
    /// ([`State::compact_orders`]): readers skip ids that are no longer in `instances`.
    instance_order: Vec<String>,
    instances: HashMap<String, Instance>,
    /// Correlation ids in creation order; forgotten ones dropped lazily, as above.
    correlation_order: Vec<String>,
    correlations: HashMap<String, Correlation>,
    tasks: Tasks,
    waiters: HashMap<String, Vec<Waiter>>,
    /// How many stopped instances to keep, and for how long.
    retention: Retention,
    /// Stopped instances, the longest stopped first, with when they stopped (ms since the
    /// epoch).
    stopped_log: VecDeque<(String, u64)>,
    /// Forgotten correlations whose ids are still in `correlation_order`.
    forgotten_correlations: HashSet<String>,
    /// See [`Engine::answer_unreached_end_events`].
    answer_unreached: bool,
    /// The clock timers run on, shared with [`Engine`].
    clock: Arc<crate::clock::Clock>,
    /// Where the notifications of every step go.
    notify: crate::notify::Hub,
}

/// The stand-in engine's state. Shared by the HTTP server's connections.
#[derive(Clone)]
pub(crate) struct Engine {
    state: Arc<Mutex<State>>,
    /// The clock timers run on.
    clock: Arc<crate::clock::Clock>,
    /// With the opt-in model of 8.0.0's contention, instances move on through it.
    contention: Option<Arc<Contention>>,
    /// How long after answering a start with callback type 1 the instance is stored and runs.
    start_lag: Duration,
}

/// A start request after the HTTP layer read it.
#[derive(Debug)]
pub(crate) struct StartRequest {
    pub(crate) model: String,
    /// The callback type as the JavaScript number the engine checks.
    pub(crate) callback: f64,
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
    /// The lock duration as the JavaScript number the engine computes with (ms; NaN for a
    /// value that is not a number).
    pub(crate) lock_ms: f64,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(Retention::default())
    }
}

impl Engine {
    /// An engine that keeps stopped instances as `retention` says.
    pub(crate) fn new(retention: Retention) -> Self {
        let clock = Arc::new(crate::clock::Clock::default());
        let state = State {
            clock: Arc::clone(&clock),
            retention,
            ..State::default()
        };
        Engine {
            state: Arc::new(Mutex::new(state)),
            clock,
            contention: None,
            start_lag: Duration::ZERO,
        }
    }

    /// The same engine, storing and running an instance started with callback type 1 `lag`
    /// after answering the start.
    pub(crate) fn with_start_lag(mut self, lag: Duration) -> Self {
        self.start_lag = lag;
        self
    }

    /// The same engine, moving instances on through `model` (see [`crate::contention`]).
    pub(crate) fn with_contention(mut self, model: Option<Arc<Contention>>) -> Self {
        self.contention = model;
        self
    }

    /// Moves an instance on: `step` changes the state and returns what the engine must do
    /// after; at once, or, with the contention model, once the model lets the continuation
    /// through (maybe never: an instance stuck as on 8.0.0).
    fn go_on(
        &self,
        mut state: MutexGuard<'_, State>,
        step: impl FnOnce(&mut State) -> Effects + Send + 'static,
    ) {
        let Some(model) = &self.contention else {
            let fx = step(&mut state);
            self.settle(state, fx);
            return;
        };
        drop(state);
        let engine = self.clone();
        model.continue_with(move || {
            let mut state = engine.lock();
            let fx = step(&mut state);
            engine.settle(state, fx);
        });
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Applies an instance's effects and schedules the timers they ask for.
    fn settle(&self, mut state: MutexGuard<'_, State>, fx: Effects) {
        let timers = state.apply(fx);
        drop(state);
        timers::schedule(&self.state, &self.clock, timers);
    }

    /// Where the engine's notifications go.
    pub(crate) fn hub(&self) -> crate::notify::Hub {
        self.lock().notify.clone()
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
        state.stopped_log.retain(|(i, _)| !gone.contains(i));
        state
            .tasks
            .remove_instances(gone.iter().map(String::as_str));
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

    /// Starts an instance, with the checks and messages of the engine, in its order
    /// (`consumer_api_core` `process_model_execution_adapter.js`, then `process_engine_core`
    /// `execute_process_service.js`, `_validateStartRequest` and `_createProcessInstanceConfig`):
    /// the callback type; the model; that it is executable; the start event (any flow node of
    /// that id, or the single start event); for callback type 3 that an end event is named and
    /// is a flow node of the model (of any kind); then that the start event is one.
    pub(crate) fn start(&self, request: StartRequest) -> Result<Started, Reject> {
        // JavaScript's `includes` compares exactly.
        let callback = match request.callback {
            1.0 => 1,
            2.0 => 2,
            3.0 => 3,
            other => {
                return Err(Reject::new(
                    400,
                    format!("{} is not a valid return option!", js_number(other)),
                ));
            }
        };
        let state = self.lock();
        let deployment = state
            .deployments
            .get(&request.model)
            .cloned()
            .ok_or_else(|| model_not_found(&request.model))?;
        let process = &deployment.process;
        if !process.executable {
            return Err(Reject::new(400, "The process model is not executable!"));
        }
        let start_event = request.start_event.as_deref().filter(|s| !s.is_empty());
        match start_event {
            Some(id) if process.node(id).is_none() => {
                return Err(Reject::new(
                    404,
                    format!("StartEvent with ID '{id}' not found!"),
                ));
            }
            Some(_) => {}
            None if process.start_events().count() > 1 => {
                return Err(Reject::new(
                    400,
                    "The Process Model contains multiple StartEvents, but no initial StartEvent was defined.",
                ));
            }
            None => {}
        }
        let until = match callback {
            1 => None,
            2 => Some(Until::Finished),
            _ => {
                let Some(end) = request.end_event.as_deref().filter(|e| !e.is_empty()) else {
                    return Err(Reject::new(
                        400,
                        "Must provide an EndEventId, when using callback type 'CallbackOnEndEventReached'!",
                    ));
                };
                // Any flow node passes; only an end event can answer, though.
                if process.node(end).is_none() {
                    // The engine names the start event here, or `undefined` (sic).
                    let named = request.start_event.as_deref().unwrap_or("undefined");
                    return Err(Reject::new(
                        404,
                        format!("EndEvent with ID '{named}' not found!"),
                    ));
                }
                Some(Until::EndEvent(end.to_owned()))
            }
        };
        let start = match start_event {
            Some(id) => process
                .start_events()
                .find(|s| s.id == id)
                .and_then(|s| process.node(&s.id))
                .ok_or_else(|| {
                    Reject::new(404, format!("Start event with id '{id}' not found!"))
                })?,
            None => process
                .start_events()
                .next()
                .and_then(|s| process.node(&s.id))
                .ok_or_else(|| Reject::new(400, "The process model has no StartEvent."))?,
        };

        let correlation_id = request
            .correlation_id
            .filter(|c| !c.is_empty())
            .unwrap_or_else(instance::new_id);
        let instance_id = instance::new_id();
        let spawn = Spawn {
            id: instance_id.clone(),
            process: Arc::clone(&deployment.process),
            model_id: deployment.id.clone(),
            deployment: Arc::clone(&deployment),
            correlation_id: correlation_id.clone(),
            owner: request.owner,
            parent: request.caller,
            parent_link: None,
            depth: 0,
            start,
            token: Token::new(Payload::json(request.input)),
            clock: Arc::clone(&self.clock),
        };
        // 8.0.0 answers a start with callback type 1 before it stores the correlation: it does
        // not await `_executeProcess` (`process_engine_core` `execute_process_service.js`,
        // `start`), which saves the correlation and runs the start event.
        if until.is_none() && !self.start_lag.is_zero() {
            drop(state);
            let engine = self.clone();
            let lag = self.start_lag;
            tokio::spawn(async move {
                tokio::time::sleep(lag).await;
                let state = engine.lock();
                engine.launch(state, spawn, None);
            });
            return Ok(Started {
                correlation_id,
                instance_id,
                ending: None,
            });
        }
        let ending = self.launch(state, spawn, until);
        Ok(Started {
            correlation_id,
            instance_id,
            ending,
        })
    }

    /// Stores a started instance in its correlation and runs it; answers the receiver of its
    /// ending when the start waits for one.
    fn launch(
        &self,
        mut state: MutexGuard<'_, State>,
        spawn: Spawn,
        until: Option<Until>,
    ) -> Option<oneshot::Receiver<Ending>> {
        let correlation_id = spawn.correlation_id.clone();
        let mut fx = Effects::default();
        let instance = Instance::start(spawn, &mut fx);
        let instance_id = instance.id.clone();
        let correlation = state
            .correlations
            .entry(correlation_id.clone())
            .or_default();
        correlation.instances.push(instance_id.clone());
        if correlation.instances.len() == 1 {
            state.order_correlation(&correlation_id);
        }
        state.instance_order.push(instance_id.clone());
        state.instances.insert(instance_id.clone(), instance);
        let ending = until.map(|until| {
            let (tx, rx) = oneshot::channel();
            state
                .waiters
                .entry(instance_id)
                .or_default()
                .push(Waiter { until, tx });
            rx
        });
        self.go_on(state, move |_| fx);
        ending
    }

    // ---- user tasks, manual tasks, empty activities, events ---------------------------------

    /// Finishes a waiting user task, manual task or empty activity, as the consumer API does
    /// (`consumer_api_core` `consumer_api_service.js`, `finishUserTask` and its siblings): the
    /// flow node instance is looked up among the instance's suspended ones in the correlation
    /// (404 when none), then converted by the route's converter, which fails on a flow node
    /// of another kind (a `TypeError`, 500) and on one inside an embedded sub-process (whose
    /// instance has no correlation, 404).
    pub(crate) fn finish_waiting(
        &self,
        instance_id: &str,
        correlation_id: &str,
        flow_node_instance_id: &str,
        wait: &Wait,
        outcome: Outcome,
    ) -> Result<(), Reject> {
        let mut state = self.lock();
        let instance = state
            .instances
            .get_mut(instance_id)
            .filter(|i| i.is_running() && i.correlation_id == correlation_id);
        let suspended = instance.as_ref().and_then(|instance| {
            instance
                .waiting
                .iter()
                .find(|w| w.flow_node_instance_id == flow_node_instance_id)
                .filter(|w| w.wait.is_suspended())
                .map(|w| w.wait.clone())
        });
        let (Some(instance), Some(found)) = (instance, suspended) else {
            let what = match wait {
                Wait::UserTask => "a UserTask",
                Wait::ManualTask => "a ManualTask",
                _ => "an EmptyActivity",
            };
            return Err(Reject::new(
                404,
                format!(
                    "ProcessInstance '{instance_id}' in Correlation '{correlation_id}' does not have {what} with id '{flow_node_instance_id}'"
                ),
            ));
        };
        if found != *wait {
            return Err(Reject::new(
                500,
                "Cannot read properties of undefined (reading 'correlationId')",
            ));
        }
        if instance.is_embedded() {
            return Err(no_correlation_for(instance_id));
        }
        let (instance_id, fni) = (instance_id.to_owned(), flow_node_instance_id.to_owned());
        self.go_on(state, move |state| {
            let mut fx = Effects::default();
            if let Some(instance) = state.instances.get_mut(&instance_id) {
                // Found waiting above, under the same lock; with the contention model it may
                // have moved on meanwhile, and then there is nothing left to finish.
                let _ = instance.resume(&fni, outcome, &mut fx);
            }
            fx
        });
        Ok(())
    }

    /// Delivers a message or signal to every catch event waiting for it, in any correlation.
    pub(crate) fn trigger(&self, wait: &Wait, payload: Payload) {
        let state = self.lock();
        let fx = Effects {
            published: vec![(wait.clone(), payload)],
            ..Effects::default()
        };
        self.go_on(state, move |_| fx);
    }

    /// Ends an instance from outside; unknown or ended instances are fine.
    pub(crate) fn terminate(&self, instance_id: &str) {
        let mut state = self.lock();
        let mut fx = Effects {
            notices: crate::notify::Notice::terminations(&state.instances, instance_id),
            ..Effects::default()
        };
        if let Some(instance) = state.instances.get_mut(instance_id) {
            instance.terminate(&mut fx);
        }
        self.settle(state, fx);
    }

    // ---- external tasks ---------------------------------------------------------------------

    /// Locks free tasks of a topic for a worker; with none, waits up to the long-polling timeout
    /// for one to be free (added, or its lock ran out).
    ///
    /// A waiting poll is woken only when a task is free for it ([`external_tasks`]); its
    /// registration is undone when it ends, also when its client goes away mid-wait.
    pub(crate) async fn fetch_and_lock(&self, request: FetchRequest) -> Vec<HandedOut> {
        let deadline = tokio::time::Instant::now() + request.long_polling;
        let mut poll = Poll {
            engine: self,
            topic: &request.topic,
            id: None,
            woken: None,
        };
        loop {
            let next_expiry = {
                let mut state = self.lock();
                let now = clock::now_ms();
                if let Some(id) = poll.id {
                    // Woken or timed out: off the waiting list while it looks.
                    state.tasks.stop_waiting(&request.topic, id);
                }
                poll.woken = None;
                let end = LockEnd::after(now, request.lock_ms);
                let fetched = state.tasks.fetch(
                    &request.topic,
                    &request.worker_id,
                    request.max_tasks,
                    end,
                    now,
                );
                if !fetched.is_empty() || tokio::time::Instant::now() >= deadline {
                    drop(state);
                    return fetched;
                }
                let id = *poll.id.get_or_insert_with(|| state.tasks.new_poller());
                let (woken, next_expiry) = state.tasks.wait(&request.topic, id);
                poll.woken = Some(woken);
                next_expiry.map(|at| {
                    let wait_ms = u64::try_from(at).unwrap_or(0).saturating_sub(now);
                    tokio::time::Instant::now() + Duration::from_millis(wait_ms)
                })
            };
            let wake = next_expiry.map_or(deadline, |at| at.min(deadline));
            let Some(woken) = poll.woken.as_mut() else {
                continue;
            };
            tokio::select! {
                _ = woken => poll.woken = None,
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Extends a task's lock to now + `additional_ms` (a JavaScript number, as for the fetch).
    pub(crate) fn extend_lock(
        &self,
        task_id: &str,
        worker_id: &str,
        additional_ms: f64,
    ) -> Result<(), Reject> {
        let mut state = self.lock();
        let now = clock::now_ms();
        state.tasks.access(task_id, worker_id, now)?;
        state
            .tasks
            .relock(task_id, worker_id, LockEnd::after(now, additional_ms));
        Ok(())
    }

    /// A worker's result: it replaces the token payload (`undefined` without one) and the
    /// instance goes on.
    pub(crate) fn finish_task(
        &self,
        task_id: &str,
        worker_id: &str,
        result: Payload,
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
        complete: impl FnOnce(&mut Instance, &str, &mut Effects) -> Result<(), NotWaiting>
        + Send
        + 'static,
    ) -> Result<(), Reject> {
        let mut state = self.lock();
        let task = state.tasks.access(task_id, worker_id, clock::now_ms())?;
        let (instance_id, fni) = (
            task.process_instance_id.clone(),
            task.flow_node_instance_id.clone(),
        );
        state.tasks.finish(task_id);
        self.go_on(state, move |state| {
            let mut fx = Effects::default();
            if let Some(instance) = state.instances.get_mut(&instance_id) {
                // An instance that no longer waits (terminated) just keeps the task finished.
                let _ = complete(instance, &fni, &mut fx);
            }
            fx
        });
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

/// A long poll in progress: takes itself off its topic's waiting list when it ends, however it
/// ends (its future may be dropped mid-wait when the client goes away), and passes on a wake-up
/// it got but did not act on.
struct Poll<'a> {
    engine: &'a Engine,
    topic: &'a str,
    /// Its number once it waited.
    id: Option<u64>,
    /// Its wake-up while it waits.
    woken: Option<oneshot::Receiver<()>>,
}

impl Drop for Poll<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id else {
            return;
        };
        let unused_wake_up = self
            .woken
            .take()
            .is_some_and(|mut woken| woken.try_recv().is_ok());
        self.engine
            .lock()
            .tasks
            .leave(self.topic, id, unused_wake_up);
    }
}

/// A number as JavaScript's template literals write it: whole numbers in full below 1e21,
/// exponent notation (`1e+21`) from there, `Infinity`, `NaN`.
fn js_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if n == 0.0 {
        // -0 too.
        return "0".to_owned();
    }
    if n.abs() < 1e21 {
        // Both write the shortest digits that read back as `n`, in full.
        return format!("{n}");
    }
    // Rust: `1e21`, `1.5e300`; JavaScript: `1e+21`, `1.5e+300`.
    format!("{n:e}").replacen('e', "e+", 1)
}

fn model_not_found(id: &str) -> Reject {
    Reject::new(404, format!("ProcessModel with id {id} not found!"))
}

#[cfg(test)]
mod tests {
    use super::js_number;

    #[test]
    fn numbers_are_written_as_javascript_writes_them() {
        assert_eq!(js_number(4.0), "4");
        assert_eq!(js_number(-5.0), "-5");
        assert_eq!(js_number(1e20), "100000000000000000000");
        assert_eq!(js_number(99_999_999_999_999_999_999_999.0), "1e+23");
        assert_eq!(js_number(1.5e300), "1.5e+300");
        assert_eq!(js_number(f64::INFINITY), "Infinity");
        assert_eq!(js_number(-0.0), "0");
    }
}
