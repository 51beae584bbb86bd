//! Conditions that repeat (a broker that refuses connections, many times a second) are logged
//! once, then at most once per interval with how often they recurred meanwhile.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// How many conditions are remembered before the quiet ones are forgotten.
const MAX_KINDS: usize = 1024;

/// Whether to log one occurrence of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Log it, saying that it recurred `suppressed` times since it was last logged.
    Log { suppressed: u64 },
    /// Count it for the next line.
    Quiet,
}

#[derive(Debug)]
struct Seen {
    logged_at: Instant,
    suppressed: u64,
}

/// The conditions seen so far, by key.
#[derive(Debug)]
pub(crate) struct Throttle<K> {
    every: Duration,
    seen: HashMap<K, Seen>,
}

impl<K: Hash + Eq> Throttle<K> {
    /// Logs each condition at most once per `every`.
    pub(crate) fn new(every: Duration) -> Self {
        Self {
            every,
            seen: HashMap::new(),
        }
    }

    /// The condition `key` occurred at `now`.
    pub(crate) fn observe(&mut self, key: K, now: Instant) -> Verdict {
        match self.seen.get_mut(&key) {
            Some(seen) if now.saturating_duration_since(seen.logged_at) < self.every => {
                seen.suppressed += 1;
                Verdict::Quiet
            }
            Some(seen) => {
                let suppressed = std::mem::take(&mut seen.suppressed);
                seen.logged_at = now;
                Verdict::Log { suppressed }
            }
            None => {
                if self.seen.len() >= MAX_KINDS {
                    // Forget conditions quiet for a whole interval, so many kinds over a long
                    // life do not pile up; they are new again if they recur.
                    let every = self.every;
                    self.seen
                        .retain(|_, seen| now.saturating_duration_since(seen.logged_at) < every);
                }
                self.seen.insert(
                    key,
                    Seen {
                        logged_at: now,
                        suppressed: 0,
                    },
                );
                Verdict::Log { suppressed: 0 }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// However often a condition recurs: at most one line per interval (plus the first),
        /// and every occurrence is either logged or counted in a later line, none lost.
        #[test]
        fn lines_are_bounded_and_every_occurrence_is_counted(
            gaps_ms in proptest::collection::vec(0u64..3_000, 1..300),
            every_ms in 1u64..10_000,
        ) {
            let start = Instant::now();
            let every = Duration::from_millis(every_ms);
            let mut throttle = Throttle::new(every);
            let (mut now, mut lines, mut reported) = (start, 0u64, 0u64);
            for gap in &gaps_ms {
                now += Duration::from_millis(*gap);
                if let Verdict::Log { suppressed } = throttle.observe("down", now) {
                    lines += 1;
                    reported += 1 + suppressed;
                }
            }
            let span = now.duration_since(start).as_millis() as u64;
            prop_assert!(lines <= 1 + span / every_ms);
            let pending = throttle.seen.get("down").map_or(0, |seen| seen.suppressed);
            prop_assert_eq!(reported + pending, gaps_ms.len() as u64);
        }
    }

    #[test]
    fn conditions_are_throttled_apart() {
        let start = Instant::now();
        let mut throttle = Throttle::new(Duration::from_secs(30));
        assert_eq!(throttle.observe("a", start), Verdict::Log { suppressed: 0 });
        assert_eq!(throttle.observe("b", start), Verdict::Log { suppressed: 0 });
        assert_eq!(
            throttle.observe("a", start + Duration::from_secs(1)),
            Verdict::Quiet
        );
        assert_eq!(
            throttle.observe("a", start + Duration::from_secs(31)),
            Verdict::Log { suppressed: 1 }
        );
    }
}
