//! How long to wait before the next reconnect: exponential, with full jitter, without cap on the
//! number of attempts, starting over after a connection succeeded.

use std::time::Duration;

/// Exponential backoff with full jitter: each wait is uniform between zero and the current
/// bound, which doubles per failed attempt up to `max`.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(first: Duration, max: Duration) -> Self {
        Backoff {
            first,
            max: max.max(first),
            failures: 0,
        }
    }

    /// The wait before the next attempt.
    pub(crate) fn next_wait(&mut self) -> Duration {
        let bound = self
            .first
            .saturating_mul(2_u32.saturating_pow(self.failures))
            .min(self.max);
        self.failures = self.failures.saturating_add(1);
        let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }

    /// A connection succeeded: the next outage starts from the first wait again.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_the_cap_stay_jittered_and_start_over_after_a_success() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        for failure in 0..40 {
            let bound = (100_u64 << failure.min(20)).min(2_000);
            let wait = backoff.next_wait();
            assert!(wait <= Duration::from_millis(bound), "{failure}: {wait:?}");
        }
        let spread: std::collections::HashSet<Duration> =
            (0..50).map(|_| backoff.next_wait()).collect();
        assert!(spread.len() > 10, "full jitter spreads the waits");
        backoff.reset();
        assert!(backoff.next_wait() <= Duration::from_millis(100));
    }
}
