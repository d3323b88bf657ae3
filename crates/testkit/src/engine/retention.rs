//! How long the engine keeps process instances that stopped running, with their token history,
//! results and external tasks.
//!
//! The real engine keeps them in its database until their model is undeployed. The stand-in
//! keeps them in memory, so it lets them go past a bound: the oldest stopped instances beyond
//! [`Retention::finished`], and, with [`Retention::age`], those stopped longer ago than that.
//! A forgotten instance is unknown to every route afterwards (404, as for an id never seen);
//! a correlation is forgotten with its last instance.

use std::time::Duration;

use super::State;

/// How many stopped instances the engine keeps, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retention {
    /// The most stopped instances kept; the longest stopped go first.
    pub(crate) finished: usize,
    /// Stopped instances older than this are let go, if set.
    pub(crate) age: Option<Duration>,
}

impl Retention {
    /// What a test needs: every instance it started and inspects, in any test that runs for
    /// minutes. A soak of a million instances settles at about this many.
    pub(crate) const DEFAULT_FINISHED: usize = 10_000;
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            finished: Retention::DEFAULT_FINISHED,
            age: None,
        }
    }
}

impl State {
    /// Forgets the stopped instances beyond the bound or older than the age, as of `now` (ms).
    pub(super) fn forget_stopped(&mut self, now: u64) {
        let max_age_ms = self
            .retention
            .age
            .map(|age| u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
        while let Some((_, stopped_at)) = self.stopped_log.front() {
            let too_many = self.stopped_log.len() > self.retention.finished;
            let too_old = max_age_ms.is_some_and(|age| now.saturating_sub(*stopped_at) >= age);
            if !too_many && !too_old {
                break;
            }
            if let Some((id, _)) = self.stopped_log.pop_front() {
                self.forget_instance(&id);
            }
        }
        self.compact_orders();
    }

    /// Forgets a stopped instance, its tasks, and its correlation if it was the last there.
    fn forget_instance(&mut self, id: &str) {
        let Some(instance) = self.instances.get(id) else {
            return;
        };
        if instance.is_running() {
            return;
        }
        let correlation_id = instance.correlation_id.clone();
        self.instances.remove(id);
        self.waiters.remove(id);
        self.tasks.remove_instances([id]);
        if let Some(correlation) = self.correlations.get_mut(&correlation_id) {
            correlation.instances.retain(|i| i != id);
            if correlation.instances.is_empty() {
                self.correlations.remove(&correlation_id);
                self.forgotten_correlations.insert(correlation_id);
            }
        }
    }

    /// Drops the ids of forgotten instances and correlations from the creation orders once
    /// they make up half of them: amortised constant time per forgotten instance.
    fn compact_orders(&mut self) {
        if self.instance_order.len() > 2 * self.instances.len() + 64 {
            let instances = &self.instances;
            self.instance_order.retain(|id| instances.contains_key(id));
        }
        if self.correlation_order.len() > 2 * self.correlations.len() + 64 {
            let correlations = &self.correlations;
            self.correlation_order
                .retain(|id| correlations.contains_key(id));
            self.forgotten_correlations.clear();
        }
    }

    /// Appends a new correlation to the creation order. Its id may still be there from a
    /// forgotten correlation of the same id: that entry goes, or the list would show it twice.
    pub(super) fn order_correlation(&mut self, id: &str) {
        if self.forgotten_correlations.remove(id) {
            self.correlation_order.retain(|c| c != id);
        }
        self.correlation_order.push(id.to_owned());
    }
}
