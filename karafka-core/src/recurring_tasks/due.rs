//! Which occurrence of a task is due: the latest one at or before now that is later than the
//! last one handled. Occurrences missed while no process owned the schedule collapse into that
//! one run (as in Karafka, where the next time counts from the previous run).

use super::cron::CronSchedule;

/// The occurrence to run at `now` for a task whose latest handled occurrence is
/// `last_occurrence`, if it is enabled and one is due.
pub(crate) fn due_occurrence(
    cron: &CronSchedule,
    enabled: bool,
    last_occurrence: i64,
    now: i64,
) -> Option<i64> {
    if !enabled {
        return None;
    }
    cron.latest_at_or_before(now)
        .filter(|occurrence| *occurrence > last_occurrence)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// 2026-01-01T00:00:00Z.
    const BASE: i64 = 1_767_225_600_000;

    /// An owner ticking after each of `gaps` from `first`, with `*/step` seconds: each run as
    /// `(tick, occurrence)`, and the time of the last tick.
    fn owner_ticks(cron: &CronSchedule, first: i64, gaps: &[i64]) -> (Vec<(i64, i64)>, i64) {
        let mut last = first;
        let mut now = first;
        let mut runs = Vec::new();
        for gap in gaps {
            now += gap;
            if let Some(occurrence) = due_occurrence(cron, true, last, now) {
                runs.push((now, occurrence));
                last = occurrence;
            }
        }
        (runs, now)
    }

    fn every(step: u32) -> CronSchedule {
        CronSchedule::parse(&format!("*/{step} * * * * *")).unwrap()
    }

    proptest! {
        /// Ticking at random moments, each run is a real occurrence, at or before its tick,
        /// later than the one before, and nothing is due once the last one ran: no occurrence
        /// runs twice and none runs early. Ticking more often than the occurrences come (every
        /// second at most, `*/2` or sparser), every occurrence after the start runs, once.
        #[test]
        fn runs_are_increasing_past_occurrences_each_once(
            step in 1u32..30,
            start in 0i64..100_000,
            gaps in proptest::collection::vec(1i64..20_000, 1..120),
            frequent in any::<bool>(),
        ) {
            let cron = every(step);
            let first = BASE + start;
            let gaps: Vec<i64> = if frequent {
                gaps.iter().map(|gap| gap % 1_000 + 1).collect()
            } else {
                gaps
            };
            let (runs, end) = owner_ticks(&cron, first, &gaps);
            let mut last = first;
            for (tick, occurrence) in &runs {
                prop_assert!(last < *occurrence && occurrence <= tick);
                prop_assert_eq!((occurrence / 1_000) % 60 % i64::from(step), 0);
                last = *occurrence;
            }
            prop_assert_eq!(due_occurrence(&cron, true, last, end), None);
            if frequent && step >= 2 {
                let ran: Vec<i64> = runs.into_iter().map(|(_, occurrence)| occurrence).collect();
                let mut expected = Vec::new();
                let mut next = cron.next_after(first);
                while let Some(occurrence) = next.filter(|occurrence| *occurrence <= end) {
                    expected.push(occurrence);
                    next = cron.next_after(occurrence);
                }
                prop_assert_eq!(ran, expected);
            }
        }

        /// A disabled task is never due.
        #[test]
        fn disabled_is_never_due(last in 0i64..1_000_000, later in 0i64..10_000_000) {
            let cron = CronSchedule::parse("* * * * * *").unwrap();
            prop_assert_eq!(due_occurrence(&cron, false, BASE + last, BASE + last + later), None);
        }
    }
}
