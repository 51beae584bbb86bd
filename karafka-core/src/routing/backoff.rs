//! How long a failing partition pauses before its next attempt.

use std::time::Duration;

/// Pause lengths after failures: `pause_timeout`, doubled per attempt when exponential, never
/// above `pause_max_timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    base: Duration,
    max: Duration,
    exponential: bool,
}

impl Backoff {
    pub(crate) fn new(base: Duration, max: Duration, exponential: bool) -> Self {
        Self {
            base,
            max: max.max(base),
            exponential,
        }
    }

    /// The pause after the `attempt`-th failed attempt (1 for the first failure).
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        if !self.exponential {
            return self.base;
        }
        let doublings = attempt.saturating_sub(1).min(63);
        self.base
            .checked_mul(1u32.checked_shl(doublings).unwrap_or(u32::MAX))
            .map_or(self.max, |delay| delay.min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn doubles_from_the_base_up_to_the_max() {
        let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), true);
        let delays: Vec<u64> = (1..=7).map(|a| backoff.delay(a).as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn constant_without_exponential_backoff() {
        let backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30), false);
        assert_eq!(backoff.delay(9), Duration::from_millis(500));
    }

    proptest! {
        #[test]
        fn delays_grow_monotonically_within_bounds(
            base_ms in 1u64..10_000,
            extra_ms in 0u64..100_000,
            exponential: bool,
            attempt in 1u32..200,
        ) {
            let base = Duration::from_millis(base_ms);
            let max = Duration::from_millis(base_ms + extra_ms);
            let backoff = Backoff::new(base, max, exponential);
            let delay = backoff.delay(attempt);
            prop_assert!(delay >= base && delay <= max);
            prop_assert!(backoff.delay(attempt + 1) >= delay);
        }
    }
}
