//! The external task table: tasks by id, and per topic the queue of tasks not yet finished.
//!
//! Fetch-and-lock selects and locks under the engine's lock, so a task is never handed to two
//! workers (the real engine's SQLite path can do that under load; see the crate's README).

use std::collections::{HashMap, VecDeque};

use process_engine_api_types::models::{self, ExternalTaskState};
use serde_json::Value;
use tokio::sync::watch;

use super::Reject;
use crate::auth::Identity;
use crate::clock;

#[derive(Debug)]
pub(crate) struct ExternalTask {
    pub(crate) id: String,
    pub(crate) topic: String,
    pub(crate) flow_node_instance_id: String,
    pub(crate) correlation_id: String,
    pub(crate) process_model_id: String,
    pub(crate) process_instance_id: String,
    pub(crate) identity: Identity,
    pub(crate) payload: Option<Value>,
    pub(crate) created_at: String,
    pub(crate) lock: Option<Lock>,
    pub(crate) finished: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Lock {
    pub(crate) worker_id: String,
    pub(crate) until_ms: u64,
}

#[derive(Debug)]
struct Topic {
    /// Ids of the topic's tasks in creation order; finished ones are dropped lazily.
    queue: VecDeque<String>,
    /// Bumped whenever a task of the topic is added: long polls watch it.
    added: watch::Sender<()>,
}

impl Topic {
    fn new() -> Self {
        Topic {
            queue: VecDeque::new(),
            added: watch::Sender::new(()),
        }
    }
}

/// What a fetch found, and when to look again if it found nothing.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) tasks: Vec<models::ExternalTask>,
    /// The earliest moment a lock of this topic runs out (a task may become free then).
    pub(crate) next_expiry_ms: Option<u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Tasks {
    by_id: HashMap<String, ExternalTask>,
    topics: HashMap<String, Topic>,
}

impl Tasks {
    pub(crate) fn insert(&mut self, task: ExternalTask) {
        let topic = self
            .topics
            .entry(task.topic.clone())
            .or_insert_with(Topic::new);
        topic.queue.push_back(task.id.clone());
        topic.added.send_replace(());
        self.by_id.insert(task.id.clone(), task);
    }

    /// A receiver that wakes when a task is added to `topic` after this call.
    pub(crate) fn watch(&mut self, topic: &str) -> watch::Receiver<()> {
        self.topics
            .entry(topic.to_owned())
            .or_insert_with(Topic::new)
            .added
            .subscribe()
    }

    /// Locks up to `max` (0: no limit) free tasks of `topic` for `worker` until `now + lock_ms`.
    pub(crate) fn fetch(
        &mut self,
        topic: &str,
        worker: &str,
        max: u64,
        lock_ms: u64,
        now: u64,
    ) -> Fetched {
        let mut fetched = Fetched {
            tasks: Vec::new(),
            next_expiry_ms: None,
        };
        let Some(queue) = self.topics.get_mut(topic).map(|t| &mut t.queue) else {
            return fetched;
        };
        let by_id = &mut self.by_id;
        queue.retain(|id| by_id.get(id).is_some_and(|task| !task.finished));
        for id in queue.iter() {
            if max > 0 && fetched.tasks.len() as u64 >= max {
                break;
            }
            let Some(task) = by_id.get_mut(id) else {
                continue;
            };
            match &task.lock {
                Some(lock) if lock.until_ms > now => {
                    let next = fetched.next_expiry_ms.get_or_insert(lock.until_ms);
                    *next = (*next).min(lock.until_ms);
                }
                _ => {
                    task.lock = Some(Lock {
                        worker_id: worker.to_owned(),
                        until_ms: now.saturating_add(lock_ms),
                    });
                    fetched.tasks.push(task.to_model());
                }
            }
        }
        fetched
    }

    /// The task `id`, if `worker` may act on it now: 404 unknown, 410 finished, 423 locked by
    /// another worker whose lock still holds. A task whose lock ran out is anyone's.
    pub(crate) fn access(
        &mut self,
        id: &str,
        worker: &str,
        now: u64,
    ) -> Result<&mut ExternalTask, Reject> {
        let task = self
            .by_id
            .get_mut(id)
            .ok_or_else(|| Reject::new(404, format!("ExternalTask with ID {id} not found.")))?;
        if task.finished {
            return Err(Reject::new(
                410,
                format!(
                    "External Task with ID '{id}' has been finished and is no longer accessible."
                ),
            ));
        }
        if let Some(lock) = &task.lock {
            if lock.worker_id != worker && lock.until_ms > now {
                return Err(Reject::new(
                    423,
                    format!(
                        "External Task with ID '{id}' is locked by another worker, until {}.",
                        clock::iso(lock.until_ms)
                    ),
                ));
            }
        }
        Ok(task)
    }

    /// Marks a task finished (its result was delivered, or its instance no longer waits).
    pub(crate) fn finish(&mut self, id: &str) {
        if let Some(task) = self.by_id.get_mut(id) {
            task.finished = true;
        }
    }

    /// Forgets the tasks of the given instances (their model was undeployed).
    pub(crate) fn remove_instances(&mut self, instances: &std::collections::HashSet<String>) {
        self.by_id
            .retain(|_, task| !instances.contains(&task.process_instance_id));
    }
}

impl ExternalTask {
    fn to_model(&self) -> models::ExternalTask {
        let mut model = models::ExternalTask::default();
        model.state = ExternalTaskState::Pending;
        model.id.clone_from(&self.id);
        model.worker_id = self
            .lock
            .as_ref()
            .map(|l| l.worker_id.clone())
            .unwrap_or_default();
        model.topic.clone_from(&self.topic);
        model
            .flow_node_instance_id
            .clone_from(&self.flow_node_instance_id);
        model.correlation_id.clone_from(&self.correlation_id);
        model.process_model_id.clone_from(&self.process_model_id);
        model
            .process_instance_id
            .clone_from(&self.process_instance_id);
        model.identity = self.identity.to_model();
        model.payload.clone_from(&self.payload);
        model.lock_expiration_time = clock::iso(self.lock.as_ref().map_or(0, |l| l.until_ms));
        model.finished_at = None;
        model.error = None;
        model.created_at.clone_from(&self.created_at);
        model
    }
}
