//! The options of one subscription, with the Python client's names, and their checks.

use std::time::Duration;

use crate::TaskOptionsError;

/// How a subscription fetches, locks and runs the tasks of its topic. The names are the Python
/// client's `task_options`; the defaults are its defaults except where those cannot work.
///
/// ```
/// use std::time::Duration;
/// use process_engine_external_task::TaskOptions;
///
/// let options = TaskOptions::default()
///     .max_tasks(5)
///     .lock_duration(Duration::from_secs(60))
///     .extend_lock_timeout(Duration::from_secs(20));
/// # let _ = options;
/// ```
///
/// Combinations that cannot work are refused by
/// [`WorkerBuilder::build`](crate::WorkerBuilder::build), with a [`TaskOptionsError`] that says
/// why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct TaskOptions {
    pub(crate) max_tasks: usize,
    pub(crate) long_polling_timeout: Duration,
    pub(crate) lock_duration: Duration,
    pub(crate) additional_lock_duration: Duration,
    pub(crate) extend_lock_timeout: Duration,
}

impl Default for TaskOptions {
    fn default() -> Self {
        TaskOptions {
            max_tasks: 10,
            long_polling_timeout: Duration::from_secs(10),
            lock_duration: Duration::from_secs(100),
            additional_lock_duration: Duration::from_secs(100),
            extend_lock_timeout: Duration::from_secs(30),
        }
    }
}

impl TaskOptions {
    /// The most handlers of this topic running at once (default 10, as in Python). The worker
    /// fetches only as many tasks as it has free slots; a slot is taken from fetch until the
    /// task's outcome is delivered (or its lock lost), so at most this many tasks of the topic
    /// are locked by this worker at any time.
    pub fn max_tasks(mut self, max_tasks: usize) -> Self {
        self.max_tasks = max_tasks;
        self
    }

    /// How long one fetch waits for a task when none is available (default 10 s, as in
    /// Python). Zero asks the engine to answer at once; the worker then pauses between empty
    /// answers rather than asking again at once.
    pub fn long_polling_timeout(mut self, timeout: Duration) -> Self {
        self.long_polling_timeout = timeout;
        self
    }

    /// How long a fetched task stays locked for this worker before anyone else may fetch it
    /// (default 100 s, as in Python). A worker that dies leaves its tasks locked this long.
    pub fn lock_duration(mut self, duration: Duration) -> Self {
        self.lock_duration = duration;
        self
    }

    /// The length of the lock each extension sets, counted from the extension (default 100 s;
    /// Python's is 99.9 s). The engine sets the lock to now plus this, not the old expiry plus it.
    pub fn additional_lock_duration(mut self, duration: Duration) -> Self {
        self.additional_lock_duration = duration;
        self
    }

    /// How often the lock is extended while the handler runs (default 30 s).
    ///
    /// Python's default is 100 s, so its first extension fires exactly when its default 100 s
    /// lock runs out, and any delay loses the lock. Ours leaves two more tries (after a failed
    /// extension the worker tries again sooner) before a default lock runs out.
    pub fn extend_lock_timeout(mut self, timeout: Duration) -> Self {
        self.extend_lock_timeout = timeout;
        self
    }

    /// Refuses what cannot work.
    pub(crate) fn validate(&self) -> Result<(), TaskOptionsError> {
        if self.max_tasks == 0 {
            return Err(TaskOptionsError::ZeroTasks);
        }
        let one_ms = Duration::from_millis(1);
        for (option, value) in [
            ("lock_duration", self.lock_duration),
            ("additional_lock_duration", self.additional_lock_duration),
            ("extend_lock_timeout", self.extend_lock_timeout),
        ] {
            // The engine counts in whole milliseconds: less is a lock that has already run out,
            // or an extension loop that never sleeps.
            if value < one_ms {
                return Err(TaskOptionsError::TooShort {
                    option,
                    value,
                    min: one_ms,
                });
            }
        }
        for (option, value) in [
            ("long_polling_timeout", self.long_polling_timeout),
            ("lock_duration", self.lock_duration),
            ("additional_lock_duration", self.additional_lock_duration),
        ] {
            if millis(value).is_none() {
                return Err(TaskOptionsError::TooLong { option, value });
            }
        }
        for (lock_option, lock) in [
            ("lock_duration", self.lock_duration),
            ("additional_lock_duration", self.additional_lock_duration),
        ] {
            if self.extend_lock_timeout >= lock {
                return Err(TaskOptionsError::ExtendsAfterExpiry {
                    extend_lock_timeout: self.extend_lock_timeout,
                    lock_option,
                    lock,
                });
            }
        }
        Ok(())
    }
}

/// A duration in whole milliseconds, as the engine takes them, if it fits a JavaScript number
/// exactly (2^53 - 1).
pub(crate) fn millis(duration: Duration) -> Option<u64> {
    const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
    u64::try_from(duration.as_millis())
        .ok()
        .filter(|ms| *ms <= MAX_SAFE_INTEGER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_extend_well_before_expiry() {
        let options = TaskOptions::default();
        options.validate().unwrap();
        assert!(options.extend_lock_timeout * 3 <= options.lock_duration);
    }

    #[test]
    fn what_cannot_work_is_refused_with_the_reason() {
        let error = TaskOptions::default().max_tasks(0).validate().unwrap_err();
        assert_eq!(error, TaskOptionsError::ZeroTasks);

        let error = TaskOptions::default()
            .lock_duration(Duration::ZERO)
            .validate()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "lock_duration is 0ns, it must be at least 1ms"
        );

        let error = TaskOptions::default()
            .lock_duration(Duration::from_secs(10))
            .extend_lock_timeout(Duration::from_secs(10))
            .validate()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "extend_lock_timeout (10s) is not shorter than lock_duration (10s): \
             the lock would run out before it is extended"
        );

        let error = TaskOptions::default()
            .additional_lock_duration(Duration::from_secs(5))
            .validate()
            .unwrap_err();
        assert!(matches!(
            error,
            TaskOptionsError::ExtendsAfterExpiry {
                lock_option: "additional_lock_duration",
                ..
            }
        ));

        let error = TaskOptions::default()
            .long_polling_timeout(Duration::MAX)
            .validate()
            .unwrap_err();
        assert!(matches!(
            error,
            TaskOptionsError::TooLong {
                option: "long_polling_timeout",
                ..
            }
        ));
    }

    #[test]
    fn an_immediate_long_poll_is_allowed() {
        TaskOptions::default()
            .long_polling_timeout(Duration::ZERO)
            .validate()
            .unwrap();
    }
}
