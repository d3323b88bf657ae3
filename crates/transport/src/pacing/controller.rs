//! The delay-based controller behind [`Pacing::Adaptive`](super::Pacing::Adaptive).
//!
//! Two signals, as in TCP Vegas and LEDBAT (delay) and in Reno (loss):
//!
//! - **Queueing delay**: a call's latency minus the fastest recent latency of its route (its
//!   base). A ProcessEngine 8.0.0 runs on one JavaScript thread; a call that arrives while the
//!   engine still moves the previous instance on waits for some of that work. Four samples in a
//!   row over the target widen the gap by a little; samples at their base shrink it by a
//!   little. On a real 8.0.0 the signal is weak (a few ms, while a loaded machine adds a few
//!   ms of noise), so it steers, and the stall keeps the pacer safe.
//! - **Stalls**: a continuation whose write collides with another one waits SQLite's busy
//!   timeout (1 s in node-sqlite3) and then sequelize's retries (`100^(1.1^(n-1))` ms), and
//!   calls wait with it. A stall doubles the gap at once (to 250 ms at least, so that the
//!   collided work gets through its retries) and sets a floor of one and a half
//!   times the gap that stalled, which the gap does not go under until the floor has decayed
//!   (it halves in about 350 calls): the pacer does not probe into the same collision again
//!   and again, which is how an engine jams.
//!
//! The gap starts above what an 8.0.0 needs on a loaded machine and shrinks by about 1.5 % per
//! call, so that the pace is found from the safe side. Above that start (after a stall) it
//! shrinks by an eighth per call, back to where probing goes on in a few seconds.

use std::time::Duration;

/// The gap the controller starts with, and the least it widens to after a stall: above the 25
/// to 45 ms of its own work per instance a 8.0.0 engine needs on a 2-core machine.
pub(crate) const INITIAL_GAP: Duration = Duration::from_millis(50);
/// The least gap after a stall: a collision's continuations retry 1.1 s, 1.16 s, 1.26 s ...
/// after it; new work arriving every few tens of ms would collide with those retries again.
const STALL_GAP: Duration = Duration::from_millis(250);
/// The widest gap: a stall doubles the gap up to here.
const MAX_GAP: Duration = Duration::from_secs(2);
/// Queueing delay the controller accepts: more than this, [`DELAY_FILTER`] times in a row, widens the gap.
/// Small, because an overlap that shows as delay turns into lock collisions once it is a
/// quarter of the engine's work per instance (6 ms at 25 ms).
const TARGET_DELAY: Duration = Duration::from_millis(4);
/// How much a delay over the target widens the gap, besides the excess: additive, so that
/// noise that crosses the target now and then holds the gap where the shrinking balances it,
/// not ever wider.
const WIDEN: Duration = Duration::from_millis(2);
/// Queueing delay that means a stall: a collision on 8.0.0 holds calls for SQLite's busy
/// timeout (1 s) and its retries (from 100 ms); the engine's own slow work (a results query
/// of a few hundred instances takes 100 ms) stays below.
const STALL_DELAY: Duration = Duration::from_millis(200);
/// How many samples in a row must show a delay over the target before the gap widens: the
/// least delay of the last four is the one that counts, as in LEDBAT's filter of the current
/// delay. With two, the noise of a real 8.0.0 on an idle machine (a third of its answers 4 to
/// 8 ms late, at any gap) held the gap at 30 to 50 ms where the engine needs 20.
const DELAY_FILTER: usize = 4;
/// How many recent latencies of a route must all be above its base before the base rises.
const BASE_WINDOW: usize = 32;

/// What one paced call showed of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sample {
    /// The engine answered (with any status) after this long.
    Answered(Duration),
    /// No answer in time (the attempt or the call timed out): the engine is stalled.
    Stalled,
    /// A call that is not paced was answered after this long. It waits for the engine's work
    /// as a paced one does.
    Unpaced(Duration),
    /// A long poll (a `fetch_and_lock` between two finishes, say) was answered after this
    /// long: a short answer is a sample like any other, a long one says nothing (it waits on
    /// purpose).
    LongPoll(Duration),
    /// Nothing was learned (the request never left, say).
    Nothing,
}

/// The gap after each paced call, from the calls' latencies.
#[derive(Debug, Clone)]
pub(crate) struct Controller {
    mode: Mode,
    /// The base latency of each route seen: the least of its recent latencies.
    bases: Vec<Base>,
    /// The queueing delays of the samples before this one: a delay counts only when
    /// [`DELAY_FILTER`] samples in a row show it (the least of them is the delay that counts).
    /// An engine that is still busy with the previous instance delays every call by about the
    /// same; the machine's own noise (a few ms now and then on a real 8.0.0 that has all the
    /// time it needs) rarely delays four in a row.
    previous_delays: [Duration; DELAY_FILTER - 1],
    /// The least gap for now: set by a stall, decaying.
    floor: Duration,
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
    /// The least of `recent`, kept as latencies come and go rather than looked for in the
    /// window on each call: it changes only when a new latency is below it or it leaves.
    recent_least: Duration,
    /// The base: the least latency seen, rising slowly towards the least of the recent ones
    /// when all of them are above it. A queue that persists (a gap too short for a while)
    /// must not become the base, or its delay would vanish; a machine that got slower for
    /// good is learned in a few thousand calls.
    least: Option<Duration>,
}

impl Base {
    fn new(route: &'static str) -> Self {
        Base {
            route,
            recent: [Duration::ZERO; BASE_WINDOW],
            len: 0,
            next: 0,
            recent_least: Duration::ZERO,
            least: None,
        }
    }

    /// Takes the least recent latency as the base.
    fn rebase(&mut self) {
        self.least = self.recent[..self.len].iter().copied().min();
    }

    /// Records `latency` and returns the base including it.
    fn record(&mut self, latency: Duration) -> Duration {
        let leaving = (self.len == BASE_WINDOW).then_some(self.recent[self.next]);
        self.recent[self.next] = latency;
        self.next = (self.next + 1) % BASE_WINDOW;
        self.len = (self.len + 1).min(BASE_WINDOW);
        self.recent_least = if self.len == 1 || latency <= self.recent_least {
            latency
        } else if leaving == Some(self.recent_least) {
            // The least left the window: a latency above it came in, so the window holds one.
            self.recent.iter().copied().min().unwrap_or(latency)
        } else {
            self.recent_least
        };
        let recent = self.recent_least;
        let least = match self.least {
            None => latency,
            Some(least) if recent <= least => recent,
            Some(least) => least + (recent - least) / 2048,
        };
        self.least = Some(least);
        least
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
            previous_delays: [Duration::ZERO; DELAY_FILTER - 1],
            floor: Duration::ZERO,
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
            Sample::Answered(latency) | Sample::Unpaced(latency) => {
                latency.saturating_sub(self.base(route, latency))
            }
            Sample::LongPoll(latency) => {
                let delay = latency.saturating_sub(self.base(route, latency));
                if delay >= STALL_DELAY {
                    return gap;
                }
                delay
            }
        };
        let lasting = self
            .previous_delays
            .iter()
            .copied()
            .fold(delay, Duration::min);
        let gap = if delay >= STALL_DELAY {
            // Fast back-off: the engine collided; leaving a jam takes its retries.
            tracing::debug!(?delay, ?gap, "the engine stalled: pacing backs off");
            self.floor = (gap + gap / 2).max(self.floor).min(MAX_GAP);
            (gap * 2).max(STALL_GAP)
        } else if lasting > TARGET_DELAY {
            self.floor -= self.floor / 512;
            if gap >= INITIAL_GAP {
                // At the widest gap delay asks for, a delay that stays is not the engine's
                // work on the previous instance but the machine's load: it becomes the base.
                self.rebase(route);
                gap
            } else {
                // Widen by a little, and by the excess: a small crossing may be noise, a
                // large one is the engine's work.
                (gap + WIDEN + (lasting - TARGET_DELAY)).min(INITIAL_GAP)
            }
        } else if gap > INITIAL_GAP {
            // Back from a stall (only a stall widens the gap past the initial one): an eighth
            // less per call, so that the collided work has its second or so (SQLite's busy
            // timeout; the first six gaps from 250 ms add up to 1.2 s) and the pace is back in
            // seconds, not in the hundred and more calls that probing would take from there.
            self.floor -= self.floor / 512;
            gap - gap / 8
        } else {
            // Gentle probing: about 1.5 % less per call, and down to no gap at all.
            self.floor -= self.floor / 512;
            gap.saturating_sub(gap / 64 + Duration::from_micros(50))
        }
        .max(self.floor)
        .min(MAX_GAP);
        tracing::trace!(route, ?sample, ?delay, ?gap, "pacing");
        self.previous_delays.rotate_left(1);
        self.previous_delays[DELAY_FILTER - 2] = delay;
        self.mode = Mode::Adaptive { gap };
        gap
    }

    fn rebase(&mut self, route: &'static str) {
        if let Some(base) = self.bases.iter_mut().find(|b| b.route == route) {
            base.rebase();
        }
        self.previous_delays = [Duration::ZERO; DELAY_FILTER - 1];
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

    #[test]
    fn the_least_recent_latency_follows_the_window() {
        let mut base = Base::new("start");
        // A pseudo-random walk, with repeats and a least that leaves the window.
        let mut state = 7_u64;
        for _ in 0..1000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let latency = Duration::from_micros(state >> 54);
            base.record(latency);
            let scanned = base.recent[..base.len].iter().copied().min();
            assert_eq!(Some(base.recent_least), scanned);
        }
    }

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
            // Never a quarter into the engine's work (overlaps of a quarter collide) ...
            assert!(least + work / 4 >= work, "{least:?} for {work:?}");
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
    fn after_a_stall_the_gap_stays_above_it_for_a_while() {
        let mut controller = Controller::adaptive();
        for _ in 0..100 {
            controller.observe("finish", Sample::Answered(5 * MS));
        }
        let stalled_at = controller.gap();
        assert!(stalled_at > MS);
        // The collided work gets its second and more: six gaps from 250 ms down ...
        let mut gaps = vec![controller.observe("finish", Sample::Answered(1000 * MS))];
        for _ in 0..20 {
            gaps.push(controller.observe("finish", Sample::Answered(5 * MS)));
        }
        let waited: Duration = gaps[..6].iter().sum();
        assert!(waited >= 1000 * MS, "{gaps:?}");
        // ... and the pace is back to probing from the initial gap within twenty.
        assert!(gaps[20] <= INITIAL_GAP, "{gaps:?}");
        for _ in 0..80 {
            controller.observe("finish", Sample::Answered(5 * MS));
        }
        assert!(controller.gap() > stalled_at, "{:?}", controller.gap());
        for _ in 0..3000 {
            controller.observe("finish", Sample::Answered(5 * MS));
        }
        assert!(controller.gap() < stalled_at, "the floor decays");
    }

    #[test]
    fn noise_over_the_target_now_and_then_does_not_drive_the_gap_up() {
        let mut controller = Controller::adaptive();
        // A third of the answers late by 6 ms, in pairs: the noise of a loaded machine.
        for n in 0..600 {
            let late = if n % 6 < 2 { 6 * MS } else { Duration::ZERO };
            controller.observe("finish", Sample::Answered(5 * MS + late));
        }
        assert!(controller.gap() < INITIAL_GAP, "{:?}", controller.gap());
    }

    #[test]
    fn a_third_of_the_answers_late_at_random_leaves_the_gap_low() {
        // What a real 8.0.0 on an idle machine shows at any gap: most answers at their base,
        // a third of them 4 to 8 ms late, at random.
        let mut controller = Controller::adaptive();
        let mut state = 11_u64;
        for _ in 0..600 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let late = if (state >> 33) % 3 == 0 {
                Duration::from_micros(4_000 + (state >> 40) % 4_000)
            } else {
                Duration::from_micros((state >> 40) % 3_000)
            };
            controller.observe("finish", Sample::Answered(5 * MS + late));
        }
        assert!(controller.gap() < 10 * MS, "{:?}", controller.gap());
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
    fn a_long_poll_that_waited_says_nothing_and_late_calls_widen_the_gap() {
        let mut controller = Controller::adaptive();
        controller.observe("fetch", Sample::LongPoll(5 * MS));
        let gap = controller.observe("finish", Sample::Answered(5 * MS));
        assert_eq!(
            controller.observe("fetch", Sample::LongPoll(10 * MS * 1000)),
            gap
        );
        for _ in 1..DELAY_FILTER {
            controller.observe("fetch", Sample::LongPoll(15 * MS));
        }
        let widened = controller.observe("fetch", Sample::LongPoll(15 * MS));
        assert!(widened > gap);
        // Any other call that is that late is a stall.
        controller.observe("read", Sample::Unpaced(5 * MS));
        assert!(controller.observe("read", Sample::Unpaced(1000 * MS)) >= STALL_GAP);
    }

    #[test]
    fn a_machine_that_got_slower_for_good_is_learned() {
        let mut controller = Controller::adaptive();
        for _ in 0..300 {
            controller.observe("finish", Sample::Answered(5 * MS));
        }
        // Every answer 10 ms slower from now on, whatever the gap: not the engine's queue.
        for _ in 0..300 {
            controller.observe("finish", Sample::Answered(15 * MS));
        }
        assert!(controller.gap() < 10 * MS, "{:?}", controller.gap());
    }

    #[test]
    fn a_fixed_gap_stays() {
        let mut controller = Controller::fixed(20 * MS);
        assert_eq!(controller.observe("x", Sample::Stalled), 20 * MS);
        assert_eq!(controller.observe("x", Sample::Answered(MS)), 20 * MS);
    }
}
