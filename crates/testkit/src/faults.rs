//! Faults a test injects into the engine's answers, per route.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::Mutex;
use std::time::Duration;

use process_engine_api_types::Route;

use crate::engine::Reject;

/// The statuses an injected failure can answer with. A 1xx status cannot end an exchange (hyper
/// would send an empty 500 and close the connection); beyond 999 is not a status.
pub(crate) const INJECTABLE_STATUSES: RangeInclusive<u16> = 200..=999;

#[derive(Debug, Default, Clone, Copy)]
struct RouteFaults {
    /// The next `count` requests are answered with `status`.
    fail: Option<(usize, u16)>,
    /// Every answer is sent this much later.
    delay: Option<Duration>,
}

/// The faults in force, by operation.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    routes: Mutex<HashMap<&'static str, RouteFaults>>,
}

/// What the faults make of one request.
#[derive(Debug, Default)]
pub(crate) struct Injected {
    /// Answered with this instead of being handled.
    pub(crate) failure: Option<Reject>,
    /// The answer (handled or injected) is sent this much later.
    pub(crate) delay: Option<Duration>,
}

impl Faults {
    fn update(&self, route: &Route, change: impl FnOnce(&mut RouteFaults)) {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        change(routes.entry(route.operation).or_default());
    }

    /// Answers the next `count` requests of `route` with `status`. A status outside
    /// [`INJECTABLE_STATUSES`] is answered as 500 with a message naming it.
    pub(crate) fn fail_next(&self, route: &Route, count: usize, status: u16) {
        if !INJECTABLE_STATUSES.contains(&status) {
            tracing::warn!(
                status,
                operation = route.operation,
                "an injected failure's status is outside 200..=999; it is answered as 500"
            );
        }
        self.update(route, |faults| {
            faults.fail = (count > 0).then_some((count, status));
        });
    }

    /// Sends every answer of `route` `by` later, after the request was handled: the engine has
    /// acted by the time the delay starts, so a client that gives up early misses only the answer.
    pub(crate) fn delay(&self, route: &Route, by: Duration) {
        self.update(route, |faults| faults.delay = (!by.is_zero()).then_some(by));
    }

    pub(crate) fn clear(&self) {
        self.routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// The faults of `route` for one request: uses up one injected failure, if any is left, and
    /// tells the delay. Waiting it out is the caller's, after the handler ran.
    pub(crate) fn take(&self, route: &Route) -> Injected {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(faults) = routes.get_mut(route.operation) else {
            return Injected::default();
        };
        let failure = match &mut faults.fail {
            Some((count, status)) => {
                let status = *status;
                *count -= 1;
                if *count == 0 {
                    faults.fail = None;
                }
                Some(failure(status))
            }
            None => None,
        };
        Injected {
            failure,
            delay: faults.delay,
        }
    }
}

fn failure(status: u16) -> Reject {
    if INJECTABLE_STATUSES.contains(&status) {
        Reject::new(status, format!("Injected fault: {status}"))
    } else {
        Reject::new(
            500,
            format!("Injected fault: {status} is not a status an answer can have (200..=999)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use process_engine_api_types::routes;

    #[test]
    fn failures_are_used_up_and_the_delay_stays() {
        let faults = Faults::default();
        faults.fail_next(&routes::GET_PROCESS_MODELS, 2, 503);
        faults.delay(&routes::GET_PROCESS_MODELS, Duration::from_millis(5));
        for _ in 0..2 {
            let injected = faults.take(&routes::GET_PROCESS_MODELS);
            assert_eq!(
                injected.failure,
                Some(Reject::new(503, "Injected fault: 503"))
            );
            assert_eq!(injected.delay, Some(Duration::from_millis(5)));
        }
        let injected = faults.take(&routes::GET_PROCESS_MODELS);
        assert_eq!(injected.failure, None);
        assert_eq!(injected.delay, Some(Duration::from_millis(5)));
        assert_eq!(faults.take(&routes::GET_AUTHORITY).delay, None);
    }

    #[test]
    fn a_status_no_answer_can_have_is_answered_as_500_naming_it() {
        let faults = Faults::default();
        for status in [0, 42, 100, 199, 1000] {
            faults.fail_next(&routes::GET_PROCESS_MODELS, 1, status);
            let failure = faults.take(&routes::GET_PROCESS_MODELS).failure.unwrap();
            assert_eq!(failure.status, 500);
            assert!(
                failure.message.contains(&format!(" {status} ")),
                "{}",
                failure.message
            );
        }
        for status in [200, 418, 999] {
            faults.fail_next(&routes::GET_PROCESS_MODELS, 1, status);
            let failure = faults.take(&routes::GET_PROCESS_MODELS).failure.unwrap();
            assert_eq!(failure.status, status);
        }
    }
}
