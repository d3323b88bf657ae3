//! The external task table: tasks by id, and per topic an index of the tasks free to hand out
//! ([`topic`]).
//!
//! Fetch-and-lock selects and locks under the engine's lock, so a task is never handed to two
//! workers (the real engine's SQLite path can do that under load; see the crate's README).

mod topic;

use std::collections::HashMap;

use process_engine_api_types::models::{self, ExternalTaskState};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::oneshot;

use super::Reject;
use crate::auth::Identity;
use crate::clock;
use topic::Topic;

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
    pub(crate) end: LockEnd,
}

/// When a lock runs out, as the engine computes it: `moment().add(duration, 'milliseconds')
/// .toDate()` (external_task_api_core 1.1.4, `src/external_task_api_service.ts`,
/// `_getLockExpirationDate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockEnd {
    /// Milliseconds since the epoch.
    At(i64),
    /// Beyond what a JavaScript `Date` holds (±8.64e15 ms): an `Invalid Date`. The engine's
    /// answer shows it as `null` (`Date.prototype.toJSON`); the task is never free again for
    /// fetch-and-lock (SQLite compares the stored text `Invalid date` as later than any date),
    /// and no worker is locked out by it (`moment#isBefore` of an invalid date is false).
    Invalid,
}

/// The largest time value a JavaScript `Date` holds, in ms either side of the epoch.
const JS_DATE_LIMIT: f64 = 8.64e15;

impl LockEnd {
    /// `duration` ms after `now`. NaN adds nothing, as moment's `add` skips a falsy amount;
    /// fractions are cut off, as `Date#setTime` does.
    pub(crate) fn after(now: u64, duration: f64) -> LockEnd {
        #[allow(clippy::cast_precision_loss, reason = "now is far below 2^53 ms")]
        let now = now as f64;
        let end = if duration.is_nan() {
            now
        } else {
            now + duration
        };
        if end.is_finite() && end.abs() <= JS_DATE_LIMIT {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "within ±8.64e15, which i64 holds exactly"
            )]
            let end = end.trunc() as i64;
            LockEnd::At(end)
        } else {
            LockEnd::Invalid
        }
    }

    /// Whether the lock keeps other workers out at `now`.
    fn holds(self, now: i64) -> bool {
        matches!(self, LockEnd::At(until) if until > now)
    }
}

/// A task as fetch-and-lock answers it. A lock whose end JavaScript cannot represent is
/// written `null`, which the API type's string field cannot carry.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum HandedOut {
    Task(Box<models::ExternalTask>),
    WithInvalidLock(Value),
}

#[derive(Debug, Default)]
pub(crate) struct Tasks {
    by_id: HashMap<String, Entry>,
    /// Task ids by process instance, so that forgetting an instance forgets its tasks.
    by_instance: HashMap<String, Vec<String>>,
    topics: HashMap<String, Topic>,
    next_seq: u64,
    next_poller: u64,
}

/// A task and its creation number (its place in its topic's queue).
#[derive(Debug)]
struct Entry {
    task: ExternalTask,
    seq: u64,
}

fn now_i64(now: u64) -> i64 {
    i64::try_from(now).unwrap_or(i64::MAX)
}

impl Tasks {
    pub(crate) fn insert(&mut self, task: ExternalTask) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let topic = self.topics.entry(task.topic.clone()).or_default();
        topic.add_free(seq, task.id.clone());
        topic.open += 1;
        topic.wake_one();
        self.by_instance
            .entry(task.process_instance_id.clone())
            .or_default()
            .push(task.id.clone());
        self.by_id.insert(task.id.clone(), Entry { task, seq });
    }

    /// A number for a new long poll; its place among the topic's waiting polls.
    pub(crate) fn new_poller(&mut self) -> u64 {
        self.next_poller += 1;
        self.next_poller
    }

    /// Registers the long poll `poller` on `topic` until a task may be free for it. Returns its
    /// wake-up, and for the oldest poll the earliest lock end of the topic, which it watches.
    pub(crate) fn wait(
        &mut self,
        topic: &str,
        poller: u64,
    ) -> (oneshot::Receiver<()>, Option<i64>) {
        let by_id = &self.by_id;
        let topic = self.topics.entry(topic.to_owned()).or_default();
        let (woken, oldest) = topic.wait(poller);
        let next = oldest
            .then(|| topic.next_expiry(|id, seq, until| lock_stands(by_id, id, seq, until)))
            .flatten();
        (woken, next)
    }

    /// Takes `poller` off `topic`'s waiting polls, e.g. before it looks again.
    pub(crate) fn stop_waiting(&mut self, topic: &str, poller: u64) {
        if let Some(entry) = self.topics.get_mut(topic) {
            entry.forget(poller);
        }
    }

    /// A long poll ends (answered, timed out or its client gone). Passes on what it owes: a
    /// wake-up it received but did not act on, and the watch of the lock ends if it kept it.
    pub(crate) fn leave(&mut self, topic_name: &str, poller: u64, unused_wake_up: bool) {
        let Some(topic) = self.topics.get_mut(topic_name) else {
            return;
        };
        topic.forget(poller);
        if unused_wake_up && topic.has_free() {
            topic.wake_one();
        }
        if topic.has_locks() && !topic.has_older_poller(poller) {
            // It may have been the poll watching the lock ends: the next oldest takes over.
            topic.wake_one();
        }
        if topic.is_idle() {
            self.topics.remove(topic_name);
        }
    }

    /// Locks up to `max` (0: no limit) free tasks of `topic` for `worker` until `end`; a task
    /// whose lock ran out by `now` is free again.
    pub(crate) fn fetch(
        &mut self,
        topic_name: &str,
        worker: &str,
        max: u64,
        end: LockEnd,
        now: u64,
    ) -> Vec<HandedOut> {
        let now = now_i64(now);
        let Some(topic) = self.topics.get_mut(topic_name) else {
            return Vec::new();
        };
        for (id, seq, until) in topic.expired(now) {
            if lock_stands(&self.by_id, &id, seq, until) {
                topic.add_free(seq, id);
            }
        }
        let mut handed = Vec::new();
        let mut wake_watcher = false;
        while max == 0 || (handed.len() as u64) < max {
            let Some((seq, id)) = topic.take_free() else {
                break;
            };
            let Some(entry) = self.by_id.get_mut(&id) else {
                continue;
            };
            entry.task.lock = Some(Lock {
                worker_id: worker.to_owned(),
                end,
            });
            if let LockEnd::At(until) = end {
                wake_watcher |= topic.add_expiry(until, seq, id);
            }
            handed.push(entry.task.handed_out());
        }
        if topic.needs_compaction() {
            let by_id = &self.by_id;
            topic.compact(|id, seq, until| lock_stands(by_id, id, seq, until));
        }
        // What is left free is for the next waiting poll; it passes on what it leaves in turn.
        // The poll watching the lock ends looks again when a lock ends earlier than it knew.
        if topic.has_free() || wake_watcher {
            topic.wake_one();
        }
        handed
    }

    /// The task `id`, if `worker` may act on it now: 404 unknown, 410 finished, 423 locked by
    /// another worker whose lock still holds. A task whose lock ran out is anyone's.
    pub(crate) fn access(&self, id: &str, worker: &str, now: u64) -> Result<&ExternalTask, Reject> {
        let task = self
            .by_id
            .get(id)
            .map(|entry| &entry.task)
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
            if let (true, LockEnd::At(until)) = (lock.worker_id != worker, lock.end) {
                if lock.end.holds(now_i64(now)) {
                    return Err(Reject::new(
                        423,
                        format!(
                            "External Task with ID '{id}' is locked by another worker, until {}.",
                            clock::iso(until)
                        ),
                    ));
                }
            }
        }
        Ok(task)
    }

    /// Locks task `id` for `worker` until `end` (extend_lock), free or not.
    pub(crate) fn relock(&mut self, id: &str, worker: &str, end: LockEnd) {
        let Some(entry) = self.by_id.get_mut(id) else {
            return;
        };
        entry.task.lock = Some(Lock {
            worker_id: worker.to_owned(),
            end,
        });
        let Some(topic) = self.topics.get_mut(&entry.task.topic) else {
            return;
        };
        // A task whose lock ran out may be back among the free ones: it is locked again.
        topic.remove_free(entry.seq);
        if let LockEnd::At(until) = end {
            if topic.add_expiry(until, entry.seq, id.to_owned()) {
                topic.wake_one();
            }
        }
        if topic.needs_compaction() {
            let by_id = &self.by_id;
            topic.compact(|id, seq, until| lock_stands(by_id, id, seq, until));
        }
    }

    /// Marks a task finished (its result was delivered, or its instance no longer waits).
    pub(crate) fn finish(&mut self, id: &str) {
        let Some(entry) = self.by_id.get_mut(id) else {
            return;
        };
        if entry.task.finished {
            return;
        }
        entry.task.finished = true;
        let topic_name = &entry.task.topic;
        let Some(topic) = self.topics.get_mut(topic_name) else {
            return;
        };
        topic.remove_free(entry.seq);
        topic.open = topic.open.saturating_sub(1);
        if topic.open == 0 {
            topic.clear_expiries();
        }
        if topic.is_idle() {
            self.topics.remove(topic_name);
        }
    }

    /// Forgets the tasks of the given instances (their model was undeployed, or they ended
    /// long enough ago to be let go).
    pub(crate) fn remove_instances<'a>(&mut self, instances: impl IntoIterator<Item = &'a str>) {
        for instance in instances {
            for id in self.by_instance.remove(instance).unwrap_or_default() {
                self.finish(&id);
                self.by_id.remove(&id);
            }
        }
    }

    /// How many tasks the table holds, finished or not.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }
}

/// Whether the lock that a heap entry recorded is still the task's: not finished, not
/// relocked with another end since.
fn lock_stands(by_id: &HashMap<String, Entry>, id: &str, seq: u64, until: i64) -> bool {
    by_id.get(id).is_some_and(|entry| {
        entry.seq == seq
            && !entry.task.finished
            && entry
                .task
                .lock
                .as_ref()
                .is_some_and(|lock| lock.end == LockEnd::At(until))
    })
}

impl ExternalTask {
    fn handed_out(&self) -> HandedOut {
        let model = self.to_model();
        if !matches!(self.lock.as_ref().map(|l| l.end), Some(LockEnd::Invalid)) {
            return HandedOut::Task(Box::new(model));
        }
        match serde_json::to_value(&model) {
            Ok(mut value) => {
                value["lockExpirationTime"] = Value::Null;
                HandedOut::WithInvalidLock(value)
            }
            // A model that serialises later serialises here too; keep the one we have.
            Err(_) => HandedOut::Task(Box::new(model)),
        }
    }

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
        model.lock_expiration_time = match self.lock.as_ref().map(|l| l.end) {
            Some(LockEnd::At(until)) => clock::iso(until),
            Some(LockEnd::Invalid) | None => clock::iso(0),
        };
        model.finished_at = None;
        model.error = None;
        model.created_at.clone_from(&self.created_at);
        model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, topic: &str, instance: &str) -> ExternalTask {
        ExternalTask {
            id: id.to_owned(),
            topic: topic.to_owned(),
            flow_node_instance_id: format!("fni-{id}"),
            correlation_id: "c".to_owned(),
            process_model_id: "m".to_owned(),
            process_instance_id: instance.to_owned(),
            identity: Identity {
                token: "t".to_owned(),
                user_id: "u".to_owned(),
            },
            payload: None,
            created_at: clock::iso(0),
            lock: None,
            finished: false,
        }
    }

    fn ids(handed: &[HandedOut]) -> Vec<String> {
        handed
            .iter()
            .map(|h| match h {
                HandedOut::Task(t) => t.id.clone(),
                HandedOut::WithInvalidLock(v) => v["id"].as_str().unwrap().to_owned(),
            })
            .collect()
    }

    const NOW: u64 = 1_000_000;

    #[test]
    fn tasks_are_handed_out_oldest_first_and_a_lock_that_ran_out_puts_one_back_in_its_place() {
        let mut tasks = Tasks::default();
        for id in ["a", "b", "c"] {
            tasks.insert(task(id, "t", "i"));
        }
        let first = tasks.fetch("t", "w", 2, LockEnd::At(NOW as i64 + 10), NOW);
        assert_eq!(ids(&first), ["a", "b"]);
        tasks.relock("b", "w", LockEnd::At(NOW as i64 + 100));
        // At NOW + 10, a's lock ran out; b's was extended.
        let later = tasks.fetch("t", "x", 0, LockEnd::At(NOW as i64 + 1000), NOW + 10);
        assert_eq!(ids(&later), ["a", "c"]);
        assert!(
            tasks
                .fetch("t", "y", 0, LockEnd::At(0), NOW + 50)
                .is_empty()
        );
        assert_eq!(
            ids(&tasks.fetch("t", "y", 0, LockEnd::At(0), NOW + 100)),
            ["b"]
        );
    }

    #[test]
    fn a_finished_task_is_never_handed_out_and_an_idle_topic_is_forgotten() {
        let mut tasks = Tasks::default();
        tasks.insert(task("a", "t", "i"));
        tasks.insert(task("b", "t", "i"));
        tasks.fetch("t", "w", 1, LockEnd::At(NOW as i64 + 1), NOW);
        tasks.finish("a");
        tasks.finish("b");
        assert!(tasks.fetch("t", "w", 0, LockEnd::At(0), NOW + 5).is_empty());
        assert!(tasks.topics.is_empty());
        assert_eq!(tasks.access("a", "w", NOW).unwrap_err().status, 410);
        tasks.remove_instances(["i"]);
        assert_eq!(tasks.len(), 0);
        assert_eq!(tasks.access("a", "w", NOW).unwrap_err().status, 404);
    }

    #[test]
    fn a_new_task_wakes_one_waiting_poll_the_oldest() {
        let mut tasks = Tasks::default();
        let pollers: Vec<u64> = (0..3).map(|_| tasks.new_poller()).collect();
        let mut woken: Vec<_> = pollers.iter().map(|&p| tasks.wait("t", p).0).collect();
        tasks.insert(task("a", "t", "i"));
        let fired: Vec<bool> = woken.iter_mut().map(|rx| rx.try_recv().is_ok()).collect();
        assert_eq!(fired, [true, false, false]);
        // The woken poll takes the task; nothing is left for the others. Only the oldest of
        // them is woken, to watch the end of the new lock.
        tasks.fetch("t", "w", 1, LockEnd::At(NOW as i64 + 10), NOW);
        let fired: Vec<bool> = woken.iter_mut().map(|rx| rx.try_recv().is_ok()).collect();
        assert_eq!(fired, [false, true, false]);
        assert_eq!(tasks.topics["t"].pollers(), 1);
        // A second lock ending later changes nothing for anyone.
        tasks.insert(task("b", "t", "i"));
        let mut third = woken.pop().unwrap();
        assert!(third.try_recv().is_ok(), "the new task wakes the last poll");
        tasks.fetch("t", "w", 1, LockEnd::At(NOW as i64 + 20), NOW);
        assert_eq!(tasks.topics["t"].pollers(), 0);
    }

    #[test]
    fn a_poll_that_leaves_passes_on_an_unused_wake_up_and_is_forgotten() {
        let mut tasks = Tasks::default();
        let (first, second) = (tasks.new_poller(), tasks.new_poller());
        let _first_rx = tasks.wait("t", first).0;
        let mut second_rx = tasks.wait("t", second).0;
        tasks.insert(task("a", "t", "i"));
        // The first poll was woken but its client went away before it fetched.
        tasks.leave("t", first, true);
        assert!(second_rx.try_recv().is_ok());
        tasks.leave("t", second, false);
        tasks.fetch("t", "w", 1, LockEnd::At(NOW as i64 + 1), NOW);
        tasks.finish("a");
        assert!(tasks.topics.is_empty(), "{:?}", tasks.topics.keys());
    }

    #[test]
    fn the_oldest_poll_watches_the_earliest_lock_end() {
        let mut tasks = Tasks::default();
        tasks.insert(task("a", "t", "i"));
        tasks.fetch("t", "w", 1, LockEnd::At(NOW as i64 + 10), NOW);
        let (first, second) = (tasks.new_poller(), tasks.new_poller());
        let (_rx, watched) = tasks.wait("t", first);
        assert_eq!(watched, Some(NOW as i64 + 10));
        let (mut second_rx, watched) = tasks.wait("t", second);
        assert_eq!(watched, None);
        // The watcher goes: the next oldest is woken to take the watch over.
        tasks.leave("t", first, false);
        assert!(second_rx.try_recv().is_ok());
        assert_eq!(tasks.wait("t", second).1, Some(NOW as i64 + 10));
    }

    #[test]
    fn a_lock_end_javascript_cannot_represent_is_invalid_and_never_runs_out() {
        assert_eq!(LockEnd::after(NOW, 5.9), LockEnd::At(NOW as i64 + 5));
        assert_eq!(LockEnd::after(NOW, f64::NAN), LockEnd::At(NOW as i64));
        assert_eq!(
            LockEnd::after(NOW, -2e6),
            LockEnd::At(NOW as i64 - 2_000_000)
        );
        assert_eq!(
            LockEnd::after(0, 8.64e15),
            LockEnd::At(8_640_000_000_000_000)
        );
        assert_eq!(LockEnd::after(NOW, 8.64e15), LockEnd::Invalid);
        assert_eq!(LockEnd::after(NOW, 1e308 * 10.0), LockEnd::Invalid);

        let mut tasks = Tasks::default();
        tasks.insert(task("a", "t", "i"));
        let handed = tasks.fetch("t", "w", 1, LockEnd::Invalid, NOW);
        match &handed[..] {
            [HandedOut::WithInvalidLock(value)] => {
                assert_eq!(value["lockExpirationTime"], Value::Null);
                assert_eq!(value["workerId"], "w");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            tasks
                .fetch("t", "x", 0, LockEnd::At(0), u64::MAX / 2)
                .is_empty()
        );
        // Nobody is locked out by it.
        assert!(tasks.access("a", "x", NOW).is_ok());
    }

    #[test]
    fn entries_of_finished_and_extended_locks_do_not_pile_up() {
        let mut tasks = Tasks::default();
        // One task stays open (and extended again and again); thousands come and go.
        tasks.insert(task("kept", "t", "i"));
        tasks.fetch("t", "w", 1, LockEnd::At(1_000_000), 0);
        for n in 0..5_000 {
            let id = format!("t{n}");
            tasks.insert(task(&id, "t", "i"));
            tasks.fetch("t", "w", 1, LockEnd::At(1_000_000 + n), 0);
            tasks.relock("kept", "w", LockEnd::At(2_000_000 + n));
            tasks.finish(&id);
        }
        // One open task: at most twice that and 64 entries, and the one just added.
        assert!(tasks.topics["t"].expiries_len() <= 2 + 64 + 1);
    }
}
