//! The delay-based controller behind [`Pacing::Adaptive`](super::Pacing::Adaptive).
//!
//! The signal is queueing delay, as in TCP Vegas and LEDBAT: a paced call's latency minus the
//! fastest recent latency of its route (its base). A ProcessEngine 8.0.0 runs on one
//! JavaScript thread; a call that arrives while the engine still moves the previous instance
//! on waits for that work, and that wait is the first thing a client can see of an overlap.
//! The jam comes later: a continuation whose write collides with another one waits SQLite's
//! busy timeout (1 s in node-sqlite3) and then sequelize's retries (`100^(1.1^(n-1))` ms), so a
//! stall is an answer late by 100 ms or more, or no answer at all.
//!
//! The gap shrinks gently while answers come at their base and widens fast when they do not,
//! so it settles just above the engine's own work per instance, and it starts above what an
//! 8.0.0 needs on a loaded machine, so that it finds the pace from the safe side.

use std::time::Duration;

/// The gap the controller starts with, and the least it widens to after a stall: above the 25
/// to 45 ms of its own work per instance a 8.0.0 engine needs on a 2-core machine.
pub(crate) const INITIAL_GAP: Duration = Duration::from_millis(50);
/// The widest gap: a stall doubles the gap up to here.
const MAX_GAP: Duration = Duration::from_secs(2);
/// Queueing delay the controller accepts: more than this, twice in a row, widens the gap.
/// Small, because on the engine the overlap that shows as delay turns into lock collisions
/// once it is a quarter of the engine's work per instance.
const TARGET_DELAY: Duration = Duration::from_millis(3);
/// Queueing delay that means a stall: the engine's first lock retry alone waits 100 ms.
const STALL_DELAY: Duration = Duration::from_millis(50);
/// How many recent latencies of a route its base is the least of: enough to outlast a burst
/// of late answers, few enough that a base that rose (a slower machine) is learned in a while.
const BASE_WINDOW: usize = 32;

/// What one paced call showed of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sample {
    /// The engine answered (with any status) after this long.
    Answered(Duration),
    /// No answer in time (the attempt or the call timed out): the engine is stalled.
    Stalled,
    /// Nothing was learned (the request never left, say).
    Nothing,
}

/// The gap after each paced call, from the calls' latencies.
#[derive(Debug, Clone)]
pub(crate) struct Controller {
    mode: Mode,
    /// The base latency of each route seen: the least of its recent latencies.
    bases: Vec<Base>,
    /// The queueing delay of the previous sample: a delay counts only when two samples in a row
    /// show it, so that one late answer (the machine's own noise) does not widen the gap.
    previous_delay: Duration,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Adaptive { gap: Duration },
    Fixed(Duration),
}

#[derive(Debug, Clone)]
struct Base {
    route: &'static str,
    recent: [Duration; BASE_WINDOW],
    len: usize,
    next: usize,
}

impl Base {
    fn new(route: &'static str) -> Self {
        Base {
            route,
            recent: [Duration::ZERO; BASE_WINDOW],
            len: 0,
            next: 0,
        }
    }

    /// Records `latency` and returns the base including it.
    fn record(&mut self, latency: Duration) -> Duration {
        self.recent[self.next] = latency;
        self.next = (self.next + 1) % BASE_WINDOW;
        self.len = (self.len + 1).min(BASE_WINDOW);
        self.recent[..self.len]
            .iter()
            .copied()
            .min()
            .unwrap_or(latency)
    }
}

impl Controller {
    /// A controller that finds the gap.
    pub(crate) fn adaptive() -> Self {
        Controller::with_mode(Mode::Adaptive { gap: INITIAL_GAP })
    }

    /// A controller that keeps `gap`.
    pub(crate) fn fixed(gap: Duration) -> Self {
        Controller::with_mode(Mode::Fixed(gap))
    }

    fn with_mode(mode: Mode) -> Self {
        Controller {
            mode,
            bases: Vec::new(),
            previous_delay: Duration::ZERO,
        }
    }

    /// The gap to leave after a paced call's answer before the next paced call goes out.
    pub(crate) fn gap(&self) -> Duration {
        match self.mode {
            Mode::Adaptive { gap } | Mode::Fixed(gap) => gap,
        }
    }

    /// Learns from a call of `route` and returns the gap to leave now.
    pub(crate) fn observe(&mut self, route: &'static str, sample: Sample) -> Duration {
        let Mode::Adaptive { gap } = self.mode else {
            return self.gap();
        };
        let delay = match sample {
            Sample::Nothing => return gap,
            Sample::Stalled => STALL_DELAY,
            Sample::Answered(latency) => latency.saturating_sub(self.base(route, latency)),
        };
        let gap = if delay >= STALL_DELAY {
            // Fast back-off: the engine already collided; leaving the jam takes its retries.
            tracing::debug!(?delay, ?gap, "the engine stalled: pacing backs off");
            (gap * 2).max(INITIAL_GAP)
        } else if delay.min(self.previous_delay) > TARGET_DELAY {
            gap + gap / 4 + Duration::from_millis(1)
        } else {
            // Gentle probing: about 3 % less per call, and down to no gap at all.
            gap.saturating_sub(gap / 32 + Duration::from_micros(100))
        }
        .min(MAX_GAP);
        self.previous_delay = delay;
        self.mode = Mode::Adaptive { gap };
        gap
    }

    fn base(&mut self, route: &'static str, latency: Duration) -> Duration {
        // Routes are `&'static` names of the generated table: a handful, so a scan is cheapest.
        let index = match self.bases.iter().position(|b| b.route == route) {
            Some(index) => index,
            None => {
                self.bases.push(Base::new(route));
                self.bases.len() - 1
            }
        };
        self.bases[index].record(latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Latency of a call on an engine that needs `work` per instance, with `base` latency,
    /// when the previous paced call was answered `gap` earlier: the call waits for whatever is
    /// left of the previous instance's work.
    fn latency(base: Duration, work: Duration, gap: Duration) -> Duration {
        base + work.saturating_sub(gap + base)
    }

    #[test]
    fn it_settles_just_above_the_engines_work_from_above() {
        for work in [25 * MS, 45 * MS] {
            let mut controller = Controller::adaptive();
            let base = 6 * MS;
            let mut least = controller.gap();
            let mut gaps = Vec::new();
            for _ in 0..400 {
                let gap = controller.gap();
                least = least.min(gap + base);
                gaps.push(controller.observe("finish", Sample::Answered(latency(base, work, gap))));
            }
            // Never far into the engine's work (two samples of the target at most: overlaps of
            // a quarter of the work collide) ...
            assert!(least + 2 * TARGET_DELAY >= work, "{least:?} for {work:?}");
            // ... and in the end not much above it either.
            let settled = gaps[300..].iter().max().copied().unwrap_or_default() + base;
            assert!(settled <= work + work / 3, "{settled:?} for {work:?}");
        }
    }

    #[test]
    fn a_fast_engine_gets_no_gap() {
        let mut controller = Controller::adaptive();
        for _ in 0..400 {
            controller.observe("start", Sample::Answered(2 * MS));
        }
        assert_eq!(controller.gap(), Duration::ZERO);
    }

    #[test]
    fn one_late_answer_is_noise_and_a_stall_doubles_the_gap() {
        let mut controller = Controller::adaptive();
        controller.observe("finish", Sample::Answered(5 * MS));
        let before = controller.observe("finish", Sample::Answered(5 * MS));
        let after_noise = controller.observe("finish", Sample::Answered(15 * MS));
        assert!(after_noise < before);
        let after_stall = controller.observe("finish", Sample::Answered(900 * MS));
        assert!(after_stall >= 2 * after_noise);
        assert!(controller.observe("finish", Sample::Stalled) >= 2 * after_stall);
        for _ in 0..20 {
            controller.observe("finish", Sample::Stalled);
        }
        assert_eq!(controller.gap(), MAX_GAP);
        assert_eq!(controller.observe("finish", Sample::Nothing), MAX_GAP);
    }

    #[test]
    fn each_route_has_its_own_base() {
        let mut controller = Controller::adaptive();
        for _ in 0..4 {
            controller.observe("start", Sample::Answered(20 * MS));
            controller.observe("finish", Sample::Answered(5 * MS));
        }
        // A start at its own base is no delay, although it is slower than a finish.
        let gap = controller.gap();
        assert!(controller.observe("start", Sample::Answered(20 * MS)) < gap);
    }

    #[test]
    fn a_fixed_gap_stays() {
        let mut controller = Controller::fixed(20 * MS);
        assert_eq!(controller.observe("x", Sample::Stalled), 20 * MS);
        assert_eq!(controller.observe("x", Sample::Answered(MS)), 20 * MS);
    }
}
