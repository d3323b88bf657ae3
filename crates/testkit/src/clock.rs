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

/// `ms` since the epoch as JavaScript's `Date#toISOString` writes it: `YYYY-MM-DDTHH:MM:SS.mmmZ`,
/// and outside the years 0..=9999 with a sign and six digits (`+010000-01-01T00:00:00.000Z`).
pub(crate) fn iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!(
            "{}{:06}",
            if year < 0 { '-' } else { '+' },
            year.unsigned_abs()
        )
    };
    format!(
        "{year}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// The current time in ISO-8601.
pub(crate) fn now_iso() -> String {
    iso(i64::try_from(now_ms()).unwrap_or(i64::MAX))
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
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
        // Beyond four-digit years and before the epoch, as `new Date(ms).toISOString()`.
        assert_eq!(iso(8_640_000_000_000_000), "+275760-09-13T00:00:00.000Z");
        assert_eq!(iso(-8_640_000_000_000_000), "-271821-04-20T00:00:00.000Z");
        assert_eq!(iso(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso(-62_198_755_200_000), "-000001-01-01T00:00:00.000Z");
        assert_eq!(iso(253_402_300_800_000), "+010000-01-01T00:00:00.000Z");
    }
}
