//! Every metric family, and how each is registered for the exposition.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use super::labels::{ErrorLabels, GroupLabels, PartitionLabels, RebalanceLabels, TopicLabels};

/// A histogram family whose histograms share one bucket set.
pub(super) type Histograms = Family<TopicLabels, Histogram, fn() -> Histogram>;

/// The metric families. Each is a handle: cloning one shares its series, so the registry
/// encodes what the listener records.
#[derive(Debug)]
pub(super) struct Families {
    pub(super) messages: Family<PartitionLabels, Counter>,
    pub(super) batches: Family<PartitionLabels, Counter>,
    pub(super) errors: Family<ErrorLabels, Counter>,
    pub(super) retries: Family<PartitionLabels, Counter>,
    pub(super) dead_letters: Family<PartitionLabels, Counter>,
    pub(super) pauses: Family<PartitionLabels, Counter>,
    pub(super) rebalances: Family<RebalanceLabels, Counter>,
    pub(super) commits: Family<PartitionLabels, Counter>,
    pub(super) consume_duration: Histograms,
    pub(super) batch_size: Histograms,
    pub(super) latency: Histograms,
    pub(super) lag: Family<PartitionLabels, Gauge>,
    pub(super) assigned: Family<GroupLabels, Gauge>,
    pub(super) paused: Family<GroupLabels, Gauge>,
    pub(super) running_jobs: Family<GroupLabels, Gauge>,
    pub(super) poll_age: Family<GroupLabels, Gauge<f64, AtomicU64>>,
}

/// How long a consume job runs: 1 ms to about 131 s, doubling (18 buckets). Most jobs take
/// milliseconds; the long tail reaches toward `max.poll.interval.ms` (300 s by default), past
/// which only `+Inf` tells.
fn consume_duration_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 18))
}

/// How many messages a batch has: 1 to 8192, doubling (14 buckets), around the usual
/// `max_messages` of a few hundred to a few thousand.
fn batch_size_buckets() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 14))
}

/// How old a batch's oldest message is when the batch is done: 10 ms to about 87 minutes,
/// doubling (20 buckets), from a consumer keeping up to one catching up on a backlog.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 20))
}

impl Families {
    /// Empty families, and the registry that encodes them.
    pub(super) fn new() -> (Self, Registry) {
        let families = Self {
            messages: Family::default(),
            batches: Family::default(),
            errors: Family::default(),
            retries: Family::default(),
            dead_letters: Family::default(),
            pauses: Family::default(),
            rebalances: Family::default(),
            commits: Family::default(),
            consume_duration: Family::new_with_constructor(consume_duration_buckets),
            batch_size: Family::new_with_constructor(batch_size_buckets),
            latency: Family::new_with_constructor(latency_buckets),
            lag: Family::default(),
            assigned: Family::default(),
            paused: Family::default(),
            running_jobs: Family::default(),
            poll_age: Family::default(),
        };
        let registry = families.registry();
        (families, registry)
    }

    /// A registry of clones of the families. Counters get their `_total` and histograms in
    /// seconds their `_seconds` from the encoder.
    fn registry(&self) -> Registry {
        let mut registry = Registry::default();
        registry.register(
            "karafka_messages_consumed",
            "Messages of batches whose consume job succeeded",
            self.messages.clone(),
        );
        registry.register(
            "karafka_batches_consumed",
            "Batches whose consume job succeeded",
            self.batches.clone(),
        );
        registry.register(
            "karafka_errors",
            "Failures, by kind (group is empty when the failure names no known partition)",
            self.errors.clone(),
        );
        registry.register(
            "karafka_retries",
            "Failed batches scheduled to run again after a backoff",
            self.retries.clone(),
        );
        registry.register(
            "karafka_dead_letter_dispatches",
            "Messages written to their dead-letter topic, by the partition they came from",
            self.dead_letters.clone(),
        );
        registry.register(
            "karafka_pauses",
            "Partition pauses: retry backoffs and pauses consumers asked for",
            self.pauses.clone(),
        );
        registry.register(
            "karafka_rebalances",
            "Rebalance callbacks, by what they did (assigned, revoked, lost)",
            self.rebalances.clone(),
        );
        registry.register(
            "karafka_commits",
            "Offset commits the broker acknowledged",
            self.commits.clone(),
        );
        registry.register_with_unit(
            "karafka_consume_duration",
            "How long successful consume jobs ran",
            Unit::Seconds,
            self.consume_duration.clone(),
        );
        registry.register(
            "karafka_batch_size",
            "Messages per successfully consumed batch",
            self.batch_size.clone(),
        );
        registry.register_with_unit(
            "karafka_end_to_end_latency",
            "Age of a consumed batch's oldest message when its job ended",
            Unit::Seconds,
            self.latency.clone(),
        );
        registry.register(
            "karafka_consumer_lag",
            "Messages between the committed offset and the end of the partition, per librdkafka's latest statistics",
            self.lag.clone(),
        );
        registry.register(
            "karafka_assigned_partitions",
            "Partitions assigned to the subscription group",
            self.assigned.clone(),
        );
        registry.register(
            "karafka_paused_partitions",
            "Assigned partitions currently paused",
            self.paused.clone(),
        );
        registry.register(
            "karafka_running_jobs",
            "Consume jobs running at scrape time",
            self.running_jobs.clone(),
        );
        registry.register_with_unit(
            "karafka_poll_age",
            "Time since the subscription group's listener last polled, at scrape time",
            Unit::Seconds,
            self.poll_age.clone(),
        );
        registry
    }
}
