//! How often and how patiently the client sends a call again.

use std::time::Duration;

use tower::retry::budget::TpsBudget;

/// The retry settings of a client: backoff, attempt limit and retry budget.
///
/// Which failures are retried at all depends on the route (see the crate docs); these settings
/// say how. The budget is shared by all calls of a client: each call that may be retried
/// deposits into it once, each retry withdraws, and when it is empty calls fail at once instead
/// of piling onto an engine that is already struggling. Calls that are never retried (routes
/// of class `Retry::Never`, such as the long poll, and every call when retries are
/// [disabled](RetryConfig::disabled)) deposit nothing: they earn no retries for the others.
///
/// ```
/// use std::time::Duration;
/// use process_engine_transport::RetryConfig;
///
/// let patient = RetryConfig::default().max_attempts(6).max_backoff(Duration::from_secs(10));
/// let none = RetryConfig::disabled();
/// # let _ = (patient, none);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) budget_ttl: Duration,
    pub(crate) min_retries_per_sec: u32,
    pub(crate) retry_ratio: f32,
}

impl Default for RetryConfig {
    /// Backoff from 100 ms up to 5 s, at most 4 attempts, and a budget of 10 retries per
    /// second plus 20 % of the calls of the last 10 s.
    fn default() -> Self {
        RetryConfig {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_attempts: 4,
            budget_ttl: Duration::from_secs(10),
            min_retries_per_sec: 10,
            retry_ratio: 0.2,
        }
    }
}

impl RetryConfig {
    /// Every call is sent once.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        }
    }

    /// The longest wait before the first retry; each further retry doubles it (default 100 ms).
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest wait before any retry (default 5 s).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// How many times a call is sent at most, the first time included (default 4; at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// How long a call's deposit stays in the budget (default 10 s; between 1 s and 60 s).
    pub fn budget_ttl(mut self, ttl: Duration) -> Self {
        self.budget_ttl = ttl;
        self
    }

    /// Retries per second allowed whatever the traffic, so that a quiet client can still retry
    /// (default 10).
    pub fn min_retries_per_sec(mut self, retries: u32) -> Self {
        self.min_retries_per_sec = retries;
        self
    }

    /// Retries allowed per call deposited in the budget, as a fraction, not a percentage:
    /// 0.2 (the default) is 20 %, one retry per five calls; 1.0 is one retry per call; 0.0
    /// leaves only [`min_retries_per_sec`](Self::min_retries_per_sec).
    ///
    /// Valid from 0.0 to 1000.0 (the range of tower's budget); anything else, NaN included,
    /// makes [`ClientBuilder::build`](crate::ClientBuilder::build) fail.
    pub fn retry_ratio(mut self, ratio: f32) -> Self {
        self.retry_ratio = ratio;
        self
    }

    /// Checks what `TpsBudget::new` would panic on.
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        if self.max_attempts == 0 {
            return Err("max_attempts must be at least 1");
        }
        if !(Duration::from_secs(1)..=Duration::from_secs(60)).contains(&self.budget_ttl) {
            return Err("the budget ttl must be between 1 s and 60 s");
        }
        if !(0.0..=1000.0).contains(&self.retry_ratio) {
            return Err(
                "retry_ratio is a fraction (0.2 = 20 %) and must be between 0.0 and 1000.0",
            );
        }
        // `TpsBudget` wants it below `i32::MAX`.
        if self.min_retries_per_sec >= 0x7fff_ffff {
            return Err("min_retries_per_sec is too large");
        }
        Ok(())
    }

    /// The budget these settings describe. Call [`validate`](Self::validate) first.
    pub(crate) fn budget(&self) -> TpsBudget {
        TpsBudget::new(self.budget_ttl, self.min_retries_per_sec, self.retry_ratio)
    }

    /// The longest wait before retry number `retry` (1 for the first):
    /// `min(max_backoff, initial_backoff * 2^(retry - 1))`.
    pub(crate) fn backoff_cap(&self, retry: u32) -> Duration {
        let factor = 1_u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry`: uniformly random up to the cap ("full jitter"), so
    /// that clients that failed together do not come back together.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let cap = u64::try_from(self.backoff_cap(retry).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_cap_doubles_up_to_the_maximum() {
        let config = RetryConfig::default();
        let caps: Vec<_> = (1..=8)
            .map(|retry| config.backoff_cap(retry).as_millis())
            .collect();
        assert_eq!(caps, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(config.backoff_cap(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn full_jitter_stays_within_the_cap_and_spreads() {
        let config = RetryConfig::default();
        for retry in 1..=10 {
            let cap = config.backoff_cap(retry);
            let delays: Vec<_> = (0..200).map(|_| config.backoff(retry)).collect();
            assert!(delays.iter().all(|delay| *delay <= cap), "retry {retry}");
            // Full jitter: the waits are spread over the whole range, not bunched at the cap.
            assert!(delays.iter().any(|delay| *delay < cap / 2), "retry {retry}");
            assert!(delays.iter().any(|delay| *delay > cap / 2), "retry {retry}");
        }
    }

    #[test]
    fn later_retries_wait_longer_on_average() {
        let config = RetryConfig::default();
        let mean = |retry| (0..500).map(|_| config.backoff(retry)).sum::<Duration>() / 500;
        assert!(mean(1) < mean(3) && mean(3) < mean(5));
    }

    #[test]
    fn zero_backoff_is_allowed() {
        let config = RetryConfig::default().initial_backoff(Duration::ZERO);
        assert_eq!(config.backoff(3), Duration::ZERO);
    }

    #[test]
    fn values_tower_would_panic_on_are_refused() {
        assert!(RetryConfig::default().validate().is_ok());
        assert!(RetryConfig::disabled().validate().is_ok());
        assert!(RetryConfig::default().max_attempts(0).validate().is_err());
        assert!(
            RetryConfig::default()
                .budget_ttl(Duration::from_millis(10))
                .validate()
                .is_err()
        );
        assert!(
            RetryConfig::default()
                .budget_ttl(Duration::from_secs(61))
                .validate()
                .is_err()
        );
        assert!(
            RetryConfig::default()
                .retry_ratio(f32::NAN)
                .validate()
                .is_err()
        );
        assert!(RetryConfig::default().retry_ratio(-1.0).validate().is_err());
        assert_eq!(
            RetryConfig::default().retry_ratio(1001.0).validate(),
            Err("retry_ratio is a fraction (0.2 = 20 %) and must be between 0.0 and 1000.0")
        );
        assert!(
            RetryConfig::default()
                .retry_ratio(1000.0)
                .validate()
                .is_ok()
        );
        assert!(
            RetryConfig::default()
                .min_retries_per_sec(u32::MAX)
                .validate()
                .is_err()
        );
    }
}
