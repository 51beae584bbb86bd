//! Cron expressions, parsed by `croner`: five fields (minute granularity) or six with seconds
//! first. Occurrences are evaluated in UTC, the same on every process of a group.

use std::str::FromStr as _;

use chrono::{DateTime, Utc};
use croner::errors::CronError;
use croner::Cron;

/// A parsed cron expression and the text it came from.
#[derive(Debug, Clone)]
pub(crate) struct CronSchedule {
    cron: Cron,
    expression: String,
}

impl CronSchedule {
    /// Parses `expression`; the error is the parser's complaint.
    pub(crate) fn parse(expression: &str) -> Result<Self, String> {
        Cron::from_str(expression)
            .map(|cron| Self {
                cron,
                expression: expression.to_owned(),
            })
            .map_err(|error| error.to_string())
    }

    /// The expression as written.
    pub(crate) fn expression(&self) -> &str {
        &self.expression
    }

    /// The latest occurrence at or before `millis` (since the epoch), in milliseconds.
    pub(crate) fn latest_at_or_before(&self, millis: i64) -> Option<i64> {
        self.search(millis, |cron, time| {
            cron.find_previous_occurrence(time, true)
        })
    }

    /// The first occurrence strictly after `millis`, in milliseconds.
    pub(crate) fn next_after(&self, millis: i64) -> Option<i64> {
        self.search(millis, |cron, time| cron.find_next_occurrence(time, false))
    }

    /// The occurrence `find` finds from `millis`, in milliseconds; `None` when there is none
    /// (an expression that never matches within croner's range of years).
    fn search(
        &self,
        millis: i64,
        find: impl Fn(&Cron, &DateTime<Utc>) -> Result<DateTime<Utc>, CronError>,
    ) -> Option<i64> {
        let time = from_millis(millis)?;
        find(&self.cron, &time)
            .ok()
            .map(|occurrence| occurrence.timestamp_millis())
    }
}

fn from_millis(millis: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis)
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

/// `millis` as an RFC 3339 time in UTC, to the second.
pub(crate) fn format_millis(millis: i64) -> String {
    from_millis(millis).map_or_else(
        || millis.to_string(),
        |time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_and_six_fields_parse_and_nonsense_does_not() {
        assert!(CronSchedule::parse("*/5 * * * *").is_ok());
        assert!(CronSchedule::parse("*/2 * * * * *").is_ok());
        assert!(CronSchedule::parse("not a cron").is_err());
        assert!(CronSchedule::parse("61 * * * *").is_err());
    }

    #[test]
    fn occurrences_around_a_time() {
        let every_five_seconds = CronSchedule::parse("*/5 * * * * *").unwrap();
        // 2026-01-01T00:00:07.300Z
        let base = 1_767_225_600_000;
        let now = base + 7_300;
        assert_eq!(
            every_five_seconds.latest_at_or_before(now),
            Some(base + 5_000)
        );
        assert_eq!(
            every_five_seconds.latest_at_or_before(base + 5_000),
            Some(base + 5_000)
        );
        assert_eq!(every_five_seconds.next_after(now), Some(base + 10_000));
        assert_eq!(
            every_five_seconds.next_after(base + 5_000),
            Some(base + 10_000)
        );
    }
}
