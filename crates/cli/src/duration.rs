//! Durations on the command line: `30s`, `5m`, `1h 30m`, `250ms`, or a plain number of seconds.

use std::time::Duration;

/// Parses a duration as the options take it.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds)
            .map_err(|_| format!("`{text}` is not a duration of zero seconds or more"));
    }
    humantime::parse_duration(text)
        .map_err(|error| format!("`{text}` is not a duration (such as 30s, 5m, 1h30m): {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_units_and_plain_seconds() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse("-1").is_err());
        assert!(parse("soon").is_err());
    }
}
