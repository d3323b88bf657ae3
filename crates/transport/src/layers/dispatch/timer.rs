//! The one timer of a call. A call has up to four limits at once (its deadline, its attempt's
//! time limit, how long it may hold the pacer's turn, the end of a wait); one tokio timer set to
//! the earliest of them does the work of four, registered once rather than four times.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use tokio::time::{Instant, Sleep};

/// Which limit passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// The attempt's time limit.
    Attempt,
    /// The call's deadline.
    Call,
    /// How long the call may hold the pacer's turn.
    Hold,
    /// A wait (for the turn's gap, a backoff) is over.
    Wait,
}

/// The limits of a call now; `None` is no limit (or one too far away to be an instant).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Ends {
    pub(super) attempt: Option<Instant>,
    pub(super) call: Option<Instant>,
    pub(super) hold: Option<Instant>,
    pub(super) wait: Option<Instant>,
}

impl Ends {
    /// The earliest limit. On a tie the attempt's comes first: an attempt that ends with the
    /// call is an attempt timeout, as it would be under a timer of its own.
    fn first(&self) -> Option<Instant> {
        [self.attempt, self.call, self.hold, self.wait]
            .into_iter()
            .flatten()
            .min()
    }

    /// Which limit has passed at `now`, the first in the order of [`End`].
    fn passed(&self, now: Instant) -> Option<End> {
        [
            (self.attempt, End::Attempt),
            (self.call, End::Call),
            (self.hold, End::Hold),
            (self.wait, End::Wait),
        ]
        .into_iter()
        .find_map(|(end, which)| end.filter(|end| *end <= now).map(|_| which))
    }
}

/// Polls `future` until it is ready (`Ok`), or until the first of `ends` passes (`Err`, with
/// the limit that passed; the future is left as it is, to be polled on or dropped).
pub(super) async fn race<F: Future>(
    mut timer: Pin<&mut Sleep>,
    ends: &Ends,
    mut future: Pin<&mut F>,
) -> Result<F::Output, End> {
    let first = ends.first();
    let mut armed = false;
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let Some(first) = first else {
            return Poll::Pending;
        };
        // Set only once the future has to wait: a future that is ready at once (the pacer's
        // turn when nobody holds it) registers no timer.
        if !armed {
            armed = true;
            if timer.deadline() != first {
                timer.as_mut().reset(first);
            }
        }
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        // The timer fires on a millisecond tick at or after the earliest limit, and other
        // limits may have passed by then too.
        let now = Instant::now();
        Poll::Ready(Err(ends.passed(now).unwrap_or(End::Wait)))
    })
    .await
}

/// Waits until `ends.wait`, or the first other limit that passes before it.
pub(super) async fn wait(timer: Pin<&mut Sleep>, ends: &Ends) -> End {
    match race(timer, ends, std::pin::pin!(std::future::pending::<()>())).await {
        Ok(()) => End::Wait,
        Err(end) => end,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[tokio::test(start_paused = true)]
    async fn the_first_limit_to_pass_ends_the_race() {
        let start = Instant::now();
        let timer = std::pin::pin!(tokio::time::sleep_until(start));
        let mut timer = timer;
        let ends = Ends {
            attempt: Some(start + 30 * MS),
            call: Some(start + 20 * MS),
            hold: Some(start + 10 * MS),
            wait: None,
        };
        let slow = std::pin::pin!(tokio::time::sleep(100 * MS));
        let mut slow = slow;
        assert_eq!(
            race(timer.as_mut(), &ends, slow.as_mut()).await,
            Err(End::Hold)
        );
        assert_eq!(Instant::now(), start + 10 * MS);
        let ends = Ends { hold: None, ..ends };
        assert_eq!(
            race(timer.as_mut(), &ends, slow.as_mut()).await,
            Err(End::Call)
        );
        let ends = Ends {
            call: Some(start + 200 * MS),
            ..ends
        };
        assert_eq!(
            race(timer.as_mut(), &ends, slow.as_mut()).await,
            Err(End::Attempt)
        );
        let ends = Ends {
            attempt: None,
            ..ends
        };
        assert_eq!(race(timer.as_mut(), &ends, slow.as_mut()).await, Ok(()));
        assert_eq!(Instant::now(), start + 100 * MS);
    }

    #[tokio::test(start_paused = true)]
    async fn on_a_tie_the_attempt_ends_first_and_no_limit_means_no_timer() {
        let start = Instant::now();
        let mut timer = std::pin::pin!(tokio::time::sleep_until(start));
        let ends = Ends {
            attempt: Some(start + 5 * MS),
            call: Some(start + 5 * MS),
            ..Ends::default()
        };
        let never = std::pin::pin!(std::future::pending::<()>());
        assert_eq!(race(timer.as_mut(), &ends, never).await, Err(End::Attempt));

        let ends = Ends {
            wait: Some(start + 50 * MS),
            ..Ends::default()
        };
        assert_eq!(wait(timer.as_mut(), &ends).await, End::Wait);
        assert_eq!(Instant::now(), start + 50 * MS);

        let ready = std::pin::pin!(async { 7 });
        assert_eq!(race(timer.as_mut(), &Ends::default(), ready).await, Ok(7));
    }
}
