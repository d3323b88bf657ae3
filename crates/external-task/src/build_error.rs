//! Why a worker could not be built.

use std::time::Duration;

/// Why [`WorkerBuilder::build`](crate::WorkerBuilder::build) refused the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No topic was subscribed: the worker would have nothing to do.
    #[error("no topic is subscribed")]
    NoSubscriptions,
    /// A subscription's topic is empty: the engine would answer every fetch with `[]`.
    #[error("the topic is empty")]
    EmptyTopic,
    /// The topic was subscribed twice: one handler per topic and worker.
    #[error("the topic `{0}` already has a handler on this worker")]
    DuplicateTopic(String),
    /// The options of a subscription cannot work; the source says why.
    #[error("the options of topic `{topic}` cannot work")]
    InvalidOptions {
        /// The topic subscribed with them.
        topic: String,
        /// What is wrong with them.
        #[source]
        reason: TaskOptionsError,
    },
}

/// Why a subscription's [`TaskOptions`](crate::TaskOptions) cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskOptionsError {
    /// `max_tasks` is 0: the subscription could never run a handler (and the engine reads 0 as
    /// "no limit").
    #[error("max_tasks is 0: at least one handler must be able to run")]
    ZeroTasks,
    /// A duration option is shorter than its least useful value.
    #[error("{option} is {value:?}, it must be at least {min:?}")]
    TooShort {
        /// The option's name.
        option: &'static str,
        /// The value given.
        value: Duration,
        /// The least value that works.
        min: Duration,
    },
    /// A duration option is longer than the engine can be told (in milliseconds).
    #[error("{option} is {value:?}, longer than the engine accepts")]
    TooLong {
        /// The option's name.
        option: &'static str,
        /// The value given.
        value: Duration,
    },
    /// The lock would run out before it is extended.
    #[error(
        "extend_lock_timeout ({extend_lock_timeout:?}) is not shorter than {lock_option} \
         ({lock:?}): the lock would run out before it is extended"
    )]
    ExtendsAfterExpiry {
        /// How often the lock is extended.
        extend_lock_timeout: Duration,
        /// `lock_duration` or `additional_lock_duration`.
        lock_option: &'static str,
        /// The lock's length.
        lock: Duration,
    },
}
