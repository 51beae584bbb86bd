//! What a filter decides per message, and the built-in deciders. Pure: they take the time as an
//! argument.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use crate::Message;

/// A filter's decision about one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Hand the message to the consumer.
    Keep,
    /// Leave it out (it is still marked, so lag does not grow).
    Drop,
    /// Stop here: pause the partition for this long, then resume at this message.
    Pause(Duration),
}

/// Decides, message by message in offset order, what a filter does. One instance per partition.
pub trait Filtering: Clone + Send + Sync + 'static {
    /// The verdict on `message`, seen at `now`.
    fn decide(&mut self, message: &Message, now: SystemTime) -> Verdict;

    /// Describes the filter in logs ("expired", "throttled").
    fn name(&self) -> &'static str;
}

/// How old `message` is at `now` (zero for messages from the future or without a timestamp).
fn age(message: &Message, now: SystemTime) -> Option<Duration> {
    message
        .timestamp()
        .map(|created| now.duration_since(created).unwrap_or_default())
}

/// A user's per-message decision.
#[derive(Clone)]
pub struct Predicate<F>(pub(crate) F);

impl<F> Filtering for Predicate<F>
where
    F: Fn(&Message) -> Verdict + Clone + Send + Sync + 'static,
{
    fn decide(&mut self, message: &Message, _: SystemTime) -> Verdict {
        (self.0)(message)
    }

    fn name(&self) -> &'static str {
        "filtered"
    }
}

/// Drops messages older than the time to live.
#[derive(Debug, Clone, Copy)]
pub struct ExpireIn(pub(crate) Duration);

impl Filtering for ExpireIn {
    fn decide(&mut self, message: &Message, now: SystemTime) -> Verdict {
        match age(message, now) {
            Some(age) if age > self.0 => Verdict::Drop,
            _ => Verdict::Keep,
        }
    }

    fn name(&self) -> &'static str {
        "expired"
    }
}

/// Holds messages back until they are at least this old.
#[derive(Debug, Clone, Copy)]
pub struct DelayBy(pub(crate) Duration);

impl Filtering for DelayBy {
    fn decide(&mut self, message: &Message, now: SystemTime) -> Verdict {
        match age(message, now) {
            Some(age) if age < self.0 => Verdict::Pause(self.0 - age),
            _ => Verdict::Keep,
        }
    }

    fn name(&self) -> &'static str {
        "delayed"
    }
}

/// Lets at most `limit` messages through in any `interval` (a sliding window).
#[derive(Debug, Clone)]
pub struct Throttle {
    limit: usize,
    interval: Duration,
    /// When the last `limit` kept messages were let through, oldest first.
    kept: VecDeque<SystemTime>,
}

impl Throttle {
    pub(crate) fn new(limit: usize, interval: Duration) -> Self {
        let limit = limit.max(1);
        Self {
            limit,
            interval,
            kept: VecDeque::with_capacity(limit),
        }
    }
}

impl Filtering for Throttle {
    fn decide(&mut self, _: &Message, now: SystemTime) -> Verdict {
        if self.kept.len() == self.limit {
            let oldest = self.kept[0];
            let elapsed = now.duration_since(oldest).unwrap_or_default();
            if elapsed < self.interval {
                return Verdict::Pause(self.interval - elapsed);
            }
            self.kept.pop_front();
        }
        self.kept.push_back(now);
        Verdict::Keep
    }

    fn name(&self) -> &'static str {
        "throttled"
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use proptest::prelude::*;

    use super::*;

    fn at(millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(millis)
    }

    fn created(millis: i64) -> Message {
        Message::new("t", 0, 0, None).with_timestamp_millis(millis)
    }

    #[test]
    fn expiry_and_delay_read_the_timestamp() {
        let mut expire = ExpireIn(Duration::from_secs(10));
        assert_eq!(expire.decide(&created(0), at(11_000)), Verdict::Drop);
        assert_eq!(expire.decide(&created(5_000), at(11_000)), Verdict::Keep);
        let mut delay = DelayBy(Duration::from_secs(10));
        assert_eq!(
            delay.decide(&created(5_000), at(11_000)),
            Verdict::Pause(Duration::from_secs(4))
        );
        assert_eq!(delay.decide(&created(0), at(11_000)), Verdict::Keep);
        assert_eq!(
            delay.decide(&Message::new("t", 0, 0, None), at(0)),
            Verdict::Keep,
            "no timestamp"
        );
    }

    proptest! {
        #[test]
        fn throttling_never_lets_more_than_the_limit_through_per_interval(
            limit in 1usize..10,
            interval_ms in 1u64..1_000,
            steps in proptest::collection::vec(0u64..300, 1..200),
        ) {
            let mut throttle = Throttle::new(limit, Duration::from_millis(interval_ms));
            let mut now = 0;
            let mut kept = Vec::new();
            for step in steps {
                now += step;
                match throttle.decide(&created(0), at(now)) {
                    Verdict::Keep => kept.push(now),
                    Verdict::Pause(wait) => prop_assert!(wait <= Duration::from_millis(interval_ms)),
                    Verdict::Drop => prop_assert!(false, "a throttle never drops"),
                }
            }
            // Any `limit + 1` consecutive kept messages span at least one interval.
            for run in kept.windows(limit + 1) {
                prop_assert!(run[limit] - run[0] >= interval_ms);
            }
        }
    }
}
