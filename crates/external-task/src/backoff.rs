//! Exponential backoff with full jitter above a floor.

use std::time::Duration;

/// How long to wait after consecutive failures: the `n`th wait is drawn uniformly between half
/// of `initial` and `min(max, initial · 2^(n-1))`.
///
/// Full jitter spreads the retries of many workers that failed together (an engine restart)
/// instead of sending them back in waves. The floor (half of `initial`) is what makes the number
/// of requests to an engine that is down provably bounded: no draw is ever close to zero, so a
/// loop sends at most one request per `initial / 2` however unlucky the draws are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
}

impl Backoff {
    /// Waits that start at most `initial` apart and grow to at most `max`. `max` below
    /// `initial` is taken as `initial`; a zero `initial` is taken as 1 ms, so that no loop spins.
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        let initial = initial.max(Duration::from_millis(1));
        Backoff {
            initial,
            max: max.max(initial),
        }
    }

    /// The shortest wait this backoff ever draws.
    pub(crate) fn floor(&self) -> Duration {
        self.initial / 2
    }

    /// The wait after `failures` consecutive failures (at least 1).
    pub(crate) fn delay(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(31);
        let ceiling = self
            .initial
            .checked_mul(1 << exponent)
            .map_or(self.max, |delay| delay.min(self.max));
        let floor = self.floor();
        let span = ceiling.saturating_sub(floor);
        floor + span.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_between_the_floor_and_the_capped_ceiling() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        for failures in 1..100 {
            let ceiling = (Duration::from_millis(100) * 2_u32.pow(failures.min(20) - 1))
                .min(Duration::from_secs(2));
            for _ in 0..50 {
                let delay = backoff.delay(failures);
                assert!(delay >= Duration::from_millis(50), "{failures}: {delay:?}");
                assert!(delay <= ceiling, "{failures}: {delay:?} > {ceiling:?}");
            }
        }
    }

    #[test]
    fn degenerate_settings_still_wait() {
        let backoff = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert!(backoff.delay(1) >= Duration::from_micros(500));
        assert_eq!(backoff.floor(), Duration::from_micros(500));
        assert_eq!(backoff.max, Duration::from_millis(1));
    }
}
