//! Timer values as `runtime/facades/timer_facade.js` reads them: ISO-8601 durations (checked
//! against the core's pattern, then added to now as moment does) and ISO-8601 dates.

use super::super::failure::Failure;
use crate::bpmn::model::{Timer, TimerKind};

/// When a timer is due, in milliseconds since the epoch, given `now` and the timer's text
/// (already evaluated when it contained `token`).
pub(crate) fn due_ms(timer: &Timer, text: &str, now: u64) -> Result<u64, Failure> {
    match timer.kind {
        TimerKind::Cycle => Err(Failure::engine(
            422,
            "Cyclic timer definitions are currently not supported!",
        )),
        TimerKind::Duration => duration_ms(text)
            .map(|ms| now.saturating_add(ms))
            .ok_or_else(|| {
                Failure::engine(
                    422,
                    format!("The given duration definition {text} is not in ISO8601 format"),
                )
            }),
        TimerKind::Date => {
            let at = date_ms(text).ok_or_else(|| {
                Failure::engine(
                    422,
                    format!("The given date definition {text} is not in ISO8601 format"),
                )
            })?;
            if at <= i128::from(now) {
                // api/semantics.md, "Timers": a date in the past cannot be scheduled; the stored error
                // is a plain `{}`.
                return Err(Failure::opaque(
                    500,
                    "an error occured during job scheduling",
                ));
            }
            Ok(u64::try_from(at).unwrap_or(u64::MAX))
        }
    }
}

/// An ISO-8601 duration in milliseconds, with the core's pattern
/// `^P(?!$)(nY)?(nM)?(nW)?(nD)?(T(?=\d)(nH)?(nM)?(nS)?)?$` (fractions allowed). Years count
/// 365 days and months 30, where moment adds calendar years and months.
pub(crate) fn duration_ms(text: &str) -> Option<u64> {
    let rest = text.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => {
            if !time.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            (date, Some(time))
        }
        None => (rest, None),
    };
    const DAY: f64 = 86_400_000.0;
    let mut total = 0.0;
    total += units(
        date,
        &[
            ('Y', 365.0 * DAY),
            ('M', 30.0 * DAY),
            ('W', 7.0 * DAY),
            ('D', DAY),
        ],
    )?;
    if let Some(time) = time {
        total += units(time, &[('H', 3_600_000.0), ('M', 60_000.0), ('S', 1000.0)])?;
    }
    if !total.is_finite() || total < 0.0 {
        return None;
    }
    // Finite and non-negative; a saturating cast is what a far-away timer needs.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ms = total.round() as u64;
    Some(ms)
}

/// Reads `<number><unit>` groups in the order of `units`, each at most once.
fn units(mut text: &str, units: &[(char, f64)]) -> Option<f64> {
    let mut total = 0.0;
    let mut next = 0;
    while !text.is_empty() {
        let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, rest) = text.split_at(end);
        let unit = rest.chars().next()?;
        if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
            return None;
        }
        if number.matches('.').count() > 1 {
            return None;
        }
        let position = units[next..].iter().position(|(u, _)| *u == unit)? + next;
        total += number.parse::<f64>().ok()? * units[position].1;
        next = position + 1;
        text = &rest[unit.len_utf8()..];
    }
    Some(total)
}

/// An ISO-8601 date (`YYYY-MM-DD`, optionally `THH:MM[:SS[.fff]]` and `Z` or `±HH:MM`) in
/// milliseconds since the epoch; a date without a zone is taken as UTC.
pub(crate) fn date_ms(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i128> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() {
            part.parse().ok()
        } else {
            None
        }
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * 86_400_000;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix('T')?;
    let (hour, minute) = (number(11..13)?, number(14..16)?);
    if rest.as_bytes().get(2) != Some(&b':') || hour > 24 || minute > 59 {
        return None;
    }
    ms += hour * 3_600_000 + minute * 60_000;
    let mut zone = &text[16..];
    if let Some(seconds) = zone.strip_prefix(':') {
        let second = number(17..19)?;
        if second > 59 {
            return None;
        }
        ms += second * 1000;
        zone = &seconds[2..];
        if let Some(fraction) = zone.strip_prefix('.') {
            let digits = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            if digits == 0 {
                return None;
            }
            let millis: String = fraction[..digits]
                .chars()
                .chain("00".chars())
                .take(3)
                .collect();
            ms += millis.parse::<i128>().ok()?;
            zone = &fraction[digits..];
        }
    }
    match zone {
        "" | "Z" => Some(ms),
        offset => {
            let sign = match offset.as_bytes().first()? {
                b'+' => -1,
                b'-' => 1,
                _ => return None,
            };
            let offset = &offset[1..];
            let (h, m) = offset
                .split_once(':')
                .unwrap_or((offset.get(..2)?, offset.get(2..)?));
            let (h, m): (i128, i128) = (h.parse().ok()?, m.parse().ok()?);
            Some(ms + sign * (h * 3_600_000 + m * 60_000))
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i128, month: i128, day: i128) -> i128 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    // timer_facade.js: the duration pattern of the core.
    #[test]
    fn durations_follow_the_cores_pattern() {
        assert_eq!(duration_ms("PT1S"), Some(1000));
        assert_eq!(duration_ms("PT1.5S"), Some(1500));
        assert_eq!(duration_ms("P1DT2H"), Some(93_600_000));
        assert_eq!(duration_ms("PT2M"), Some(120_000));
        assert_eq!(duration_ms("P1W"), Some(604_800_000));
        for invalid in [
            "", "P", "PT", "1S", "PT1", "PTS", "P1S", "PT1H1H", "PT1M1H", "PT1.S", "x",
        ] {
            assert_eq!(duration_ms(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn dates_in_iso_8601() {
        assert_eq!(date_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(date_ms("2020-01-01T00:00:00Z"), Some(1_577_836_800_000));
        assert_eq!(date_ms("2020-01-01"), Some(1_577_836_800_000));
        assert_eq!(
            date_ms("2020-01-01T01:00:00+01:00"),
            Some(1_577_836_800_000)
        );
        assert_eq!(date_ms("2020-01-01T00:00:00.250Z"), Some(1_577_836_800_250));
        for invalid in ["", "tomorrow", "2020-13-01", "2020-01-01T", "2020-01-01X"] {
            assert_eq!(date_ms(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn cycles_and_past_dates_fail_as_in_the_core() {
        let timer = |kind| Timer { kind, text: None };
        let cycle = due_ms(&timer(TimerKind::Cycle), "R3/PT1S", 0).unwrap_err();
        assert_eq!(cycle.status, 422);
        let past = due_ms(
            &timer(TimerKind::Date),
            "2020-01-01T00:00:00Z",
            1_800_000_000_000,
        )
        .unwrap_err();
        assert_eq!((past.status, past.json), (500, serde_json::json!({})));
        let bad = due_ms(&timer(TimerKind::Duration), "soon", 0).unwrap_err();
        assert_eq!(
            bad.message,
            "The given duration definition soon is not in ISO8601 format"
        );
    }
}
