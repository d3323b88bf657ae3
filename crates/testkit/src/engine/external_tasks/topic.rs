//! One topic's index: the tasks free to hand out, the locks that will run out, and the long
//! polls waiting for a task.
//!
//! A fetch takes from the front of the free tasks and pays for what it takes, not for the
//! topic's locked tasks; a task that becomes free wakes one waiting long poll, not all of them.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use tokio::sync::oneshot;

/// A lock that runs out at `until` (ms since the epoch) on task number `seq`. The heap keeps
/// entries of locks that were extended or finished since; they are recognised and skipped
/// ([`Topic::expired`]).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Expiry {
    until: i64,
    seq: u64,
    id: String,
}

#[derive(Debug, Default)]
pub(super) struct Topic {
    /// The unfinished tasks nobody holds a lock on, by creation number: handed out oldest first.
    free: BTreeMap<u64, String>,
    /// The locks of this topic's tasks, earliest end first.
    expiries: BinaryHeap<Reverse<Expiry>>,
    /// How many of the topic's tasks are not finished (free or locked).
    pub(super) open: usize,
    /// The long polls waiting for a task, oldest first. The oldest also watches the earliest
    /// lock end, so a lock that runs out wakes one poll rather than every one.
    pollers: BTreeMap<u64, oneshot::Sender<()>>,
}

impl Topic {
    pub(super) fn add_free(&mut self, seq: u64, id: String) {
        self.free.insert(seq, id);
    }

    pub(super) fn remove_free(&mut self, seq: u64) -> bool {
        self.free.remove(&seq).is_some()
    }

    pub(super) fn has_free(&self) -> bool {
        !self.free.is_empty()
    }

    /// The oldest free task, taken out of the free ones.
    pub(super) fn take_free(&mut self) -> Option<(u64, String)> {
        self.free.pop_first()
    }

    /// Records a lock until `until`; returns whether it ends before every other lock of the
    /// topic (the poll watching the earliest end must then look again).
    pub(super) fn add_expiry(&mut self, until: i64, seq: u64, id: String) -> bool {
        let earliest = self
            .expiries
            .peek()
            .is_none_or(|Reverse(first)| until < first.until);
        self.expiries.push(Reverse(Expiry { until, seq, id }));
        earliest
    }

    /// Whether entries of extended or finished locks may outnumber the live ones: then they
    /// are dropped ([`compact`](Self::compact)), so that a task extended for hours, or many
    /// finished before their locks ran out, do not grow the heap. Amortised, a constant cost
    /// per entry.
    pub(super) fn needs_compaction(&self) -> bool {
        self.expiries.len() > 2 * self.open + 64
    }

    /// Keeps only the heap entries `live` says still stand.
    pub(super) fn compact(&mut self, mut live: impl FnMut(&str, u64, i64) -> bool) {
        let entries = std::mem::take(&mut self.expiries).into_vec();
        self.expiries = entries
            .into_iter()
            .filter(|Reverse(e)| live(&e.id, e.seq, e.until))
            .collect();
    }

    /// Removes and returns the entries of locks that ended at or before `now`, earliest first;
    /// the caller tells which of them still stand (a lock may have been extended or its task
    /// finished since the entry was made).
    pub(super) fn expired(&mut self, now: i64) -> Vec<(String, u64, i64)> {
        let mut ended = Vec::new();
        while let Some(Reverse(first)) = self.expiries.peek() {
            if first.until > now {
                break;
            }
            if let Some(Reverse(entry)) = self.expiries.pop() {
                ended.push((entry.id, entry.seq, entry.until));
            }
        }
        ended
    }

    /// The earliest lock end still standing, dropping entries that no longer do.
    pub(super) fn next_expiry(
        &mut self,
        mut live: impl FnMut(&str, u64, i64) -> bool,
    ) -> Option<i64> {
        while let Some(Reverse(first)) = self.expiries.peek() {
            if live(&first.id, first.seq, first.until) {
                return Some(first.until);
            }
            self.expiries.pop();
        }
        None
    }

    pub(super) fn clear_expiries(&mut self) {
        self.expiries.clear();
    }

    /// Registers (or re-registers, keeping its place) the long poll `poller`; returns the
    /// receiver that wakes it and whether it is the oldest waiting poll.
    pub(super) fn wait(&mut self, poller: u64) -> (oneshot::Receiver<()>, bool) {
        let (tx, rx) = oneshot::channel();
        self.pollers.insert(poller, tx);
        let oldest = self
            .pollers
            .first_key_value()
            .is_some_and(|(first, _)| *first == poller);
        (rx, oldest)
    }

    /// Forgets `poller`; returns whether it was still registered (not woken).
    pub(super) fn forget(&mut self, poller: u64) -> bool {
        self.pollers.remove(&poller).is_some()
    }

    /// Whether a poll older than `poller` still waits (it watches the lock ends, not `poller`).
    pub(super) fn has_older_poller(&self, poller: u64) -> bool {
        self.pollers
            .first_key_value()
            .is_some_and(|(first, _)| *first < poller)
    }

    /// Wakes the oldest waiting long poll; returns whether there was one.
    pub(super) fn wake_one(&mut self) -> bool {
        while let Some((_, tx)) = self.pollers.pop_first() {
            // A poll that went away without saying so (it always says so) is skipped.
            if tx.send(()).is_ok() {
                return true;
            }
        }
        false
    }

    pub(super) fn has_locks(&self) -> bool {
        !self.expiries.is_empty()
    }

    /// Whether nothing is left to remember about the topic: no open task, no waiting poll.
    pub(super) fn is_idle(&self) -> bool {
        self.open == 0 && self.pollers.is_empty()
    }

    #[cfg(test)]
    pub(super) fn pollers(&self) -> usize {
        self.pollers.len()
    }

    #[cfg(test)]
    pub(super) fn expiries_len(&self) -> usize {
        self.expiries.len()
    }
}
