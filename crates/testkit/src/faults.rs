//! Faults a test injects into the engine's answers, per route.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use process_engine_api_types::Route;

use crate::engine::Reject;

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

impl Faults {
    fn update(&self, route: &Route, change: impl FnOnce(&mut RouteFaults)) {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        change(routes.entry(route.operation).or_default());
    }

    pub(crate) fn fail_next(&self, route: &Route, count: usize, status: u16) {
        self.update(route, |faults| {
            faults.fail = (count > 0).then_some((count, status))
        });
    }

    pub(crate) fn delay(&self, route: &Route, by: Duration) {
        self.update(route, |faults| faults.delay = (!by.is_zero()).then_some(by));
    }

    pub(crate) fn clear(&self) {
        self.routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Applies the faults of `route` to one request: waits out its delay, and answers in its
    /// stead while injected failures are left.
    pub(crate) async fn intercept(&self, route: &Route) -> Option<Reject> {
        let (delay, failure) = {
            let mut routes = self
                .routes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let faults = routes.get_mut(route.operation)?;
            let failure = match &mut faults.fail {
                Some((count, status)) => {
                    let status = *status;
                    *count -= 1;
                    if *count == 0 {
                        faults.fail = None;
                    }
                    Some(status)
                }
                None => None,
            };
            (faults.delay, failure)
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        failure.map(|status| Reject::new(status, format!("Injected fault: {status}")))
    }
}
