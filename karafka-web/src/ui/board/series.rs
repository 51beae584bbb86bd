//! Time series bucketed by a fixed width over a bounded window: what the dashboard's charts
//! draw.

use std::collections::{BTreeMap, HashMap};

/// One bucket: what happened in `[start, start + width)`.
#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Messages consumed, summed over processes (from consecutive counters).
    messages: u64,
    /// Errors reported.
    errors: u64,
    /// The latest total lag each process reported in the bucket: a sum over processes would
    /// count a process twice if it reported twice in one bucket.
    lag: HashMap<String, i64>,
}

/// One point of a chart: the bucket's start (ms since the epoch) and its value.
pub type Point = (u64, f64);

/// Throughput, lag and errors over time, bucketed by `width_ms`, keeping `history_ms`.
#[derive(Debug, Clone)]
pub struct Series {
    width_ms: u64,
    history_ms: u64,
    buckets: BTreeMap<u64, Bucket>,
}

impl Series {
    /// Empty series of buckets `width_ms` wide (at least 1) over `history_ms`.
    pub fn new(width_ms: u64, history_ms: u64) -> Self {
        Self {
            width_ms: width_ms.max(1),
            history_ms,
            buckets: BTreeMap::new(),
        }
    }

    /// The width of a bucket, in milliseconds.
    pub fn width_ms(&self) -> u64 {
        self.width_ms
    }

    /// How many buckets are held (at most `history / width + 2`).
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    fn bucket(&mut self, at_ms: u64) -> Option<&mut Bucket> {
        let start = at_ms - at_ms % self.width_ms;
        let newest = self.buckets.keys().next_back().copied().unwrap_or(start);
        if start.saturating_add(self.history_ms) < newest {
            // Older than the window: it would be dropped at once.
            return None;
        }
        let bucket = self.buckets.entry(start).or_default();
        Some(bucket)
    }

    fn prune(&mut self) {
        let Some(&newest) = self.buckets.keys().next_back() else {
            return;
        };
        let oldest = newest.saturating_sub(self.history_ms);
        self.buckets = self.buckets.split_off(&oldest);
    }

    /// Counts `messages` consumed by a process in the interval ending at `at_ms`.
    pub fn add_messages(&mut self, at_ms: u64, messages: u64) {
        if let Some(bucket) = self.bucket(at_ms) {
            bucket.messages = bucket.messages.saturating_add(messages);
        }
        self.prune();
    }

    /// Records `process`'s total lag at `at_ms`.
    pub fn set_lag(&mut self, at_ms: u64, process: &str, lag: i64) {
        if let Some(bucket) = self.bucket(at_ms) {
            bucket.lag.insert(process.to_owned(), lag);
        }
        self.prune();
    }

    /// Counts one error at `at_ms`.
    pub fn add_error(&mut self, at_ms: u64) {
        if let Some(bucket) = self.bucket(at_ms) {
            bucket.errors = bucket.errors.saturating_add(1);
        }
        self.prune();
    }

    /// Messages per second, per bucket.
    pub fn throughput(&self) -> Vec<Point> {
        let seconds = self.width_ms as f64 / 1000.0;
        self.points(|bucket| bucket.messages as f64 / seconds)
    }

    /// Total lag over processes, per bucket.
    pub fn lag(&self) -> Vec<Point> {
        self.points(|bucket| bucket.lag.values().sum::<i64>() as f64)
    }

    /// Errors per bucket.
    pub fn errors(&self) -> Vec<Point> {
        self.points(|bucket| bucket.errors as f64)
    }

    fn points(&self, value: impl Fn(&Bucket) -> f64) -> Vec<Point> {
        self.buckets
            .iter()
            .map(|(&start, bucket)| (start, value(bucket)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn memory_is_bounded_by_the_window(
            width in 1u64..10_000,
            history in 1u64..1_000_000,
            times in proptest::collection::vec(0u64..10_000_000, 0..300),
        ) {
            let mut series = Series::new(width, history);
            for at in times {
                series.add_messages(at, 1);
                series.set_lag(at, "p", 1);
                series.add_error(at);
            }
            prop_assert!(series.len() as u64 <= history / width + 2);
        }

        #[test]
        fn throughput_is_messages_over_the_bucket_width(
            counts in proptest::collection::vec(0u64..1_000_000, 1..50),
        ) {
            let mut series = Series::new(5_000, 3_600_000);
            for (index, count) in counts.iter().enumerate() {
                series.add_messages(index as u64 * 5_000, *count);
            }
            let rates: Vec<f64> = series.throughput().into_iter().map(|(_, rate)| rate).collect();
            let expected: Vec<f64> = counts.iter().map(|count| *count as f64 / 5.0).collect();
            prop_assert_eq!(rates, expected);
        }
    }

    #[test]
    fn lag_counts_each_process_once_per_bucket() {
        let mut series = Series::new(10_000, 60_000);
        series.set_lag(1_000, "a", 5);
        series.set_lag(2_000, "a", 7);
        series.set_lag(3_000, "b", 1);
        assert_eq!(series.lag(), vec![(0, 8.0)]);
    }
}
