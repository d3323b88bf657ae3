//! Wall-clock time as the engine writes it: milliseconds since the epoch, and ISO-8601 in UTC
//! with milliseconds (`2026-11-23T20:41:32.536Z`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

/// The clock timers run on: wall-clock time plus an offset that tests move forward
/// ([`crate::TestEngine::advance_clock`]), so a model with a one-hour timer is tested in
/// milliseconds.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_ms: AtomicU64,
    advanced: Notify,
}

impl Clock {
    /// Milliseconds since the Unix epoch on this clock.
    pub(crate) fn now_ms(&self) -> u64 {
        now_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward; timers that became due fire.
    pub(crate) fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        // fetch_update with a saturating add: a huge advance must not wrap around.
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                Some(offset.saturating_add(by))
            });
        self.advanced.notify_waiters();
    }

    /// Waits until `due_ms` on this clock, waking early when the clock is advanced.
    pub(crate) async fn sleep_until(&self, due_ms: u64) {
        loop {
            let advanced = self.advanced.notified();
            let now = self.now_ms();
            if now >= due_ms {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(due_ms - now)) => {}
                () = advanced => {}
            }
        }
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// `ms` since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn iso(ms: u64) -> String {
    let days = ms / 86_400_000;
    let in_day = ms % 86_400_000;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// The current time in ISO-8601.
pub(crate) fn now_iso() -> String {
    iso(now_ms())
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn advancing_wakes_sleepers_early() {
        let clock = std::sync::Arc::new(Clock::default());
        let due = clock.now_ms() + 3_600_000;
        let sleeper = {
            let clock = std::sync::Arc::clone(&clock);
            tokio::spawn(async move { clock.sleep_until(due).await })
        };
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(3600));
        tokio::time::timeout(Duration::from_secs(10), sleeper)
            .await
            .unwrap()
            .unwrap();
        assert!(clock.now_ms() >= due);
    }

    #[test]
    fn formats_like_javascript_to_iso_string() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_795_466_492_536), "2026-11-23T20:41:32.536Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
    }
}
