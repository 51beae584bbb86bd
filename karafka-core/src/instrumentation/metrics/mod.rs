//! Prometheus metrics of the runtime, fed by its events ([`Metrics`]).
//!
//! [`Metrics`] is a [`Listener`](super::Listener): attached to the app, it counts batches,
//! messages, errors, retries, dead-letter dispatches, pauses, rebalances and commits, times
//! consume jobs and end-to-end latency in histograms, and follows assignments, pauses and
//! librdkafka's consumer lag in gauges. [`Metrics::render`] is the OpenMetrics text a `/metrics`
//! endpoint serves; the few figures read from the runtime at scrape time rather than carried
//! by events come in through [`Metrics::set_running_jobs`] and [`Metrics::set_poll_age`].
//!
//! Cardinality is bounded by the assignment: a series labelled by a partition exists while its
//! subscription group holds the partition, and goes when it is revoked or lost. Histograms are
//! labelled by group and topic only. `dashboards/grafana/karafka.json` at the repository's root
//! is a Grafana dashboard of these metrics.

mod families;
mod holdings;
mod labels;
mod listener;

#[cfg(test)]
mod dashboard;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;

use families::Families;
use holdings::{gauge_value, Holdings};
use labels::GroupLabels;

/// Prometheus metrics of the runtime, fed by its events.
///
/// With `metrics.enabled`, the app attaches one as a listener and its server serves
/// [`render`](Self::render) on `/metrics`; attached by hand (`AppBuilder::listener`), it can feed
/// an exposition of the app's own. Metric names (counters get `_total` in the exposition):
///
/// | metric | kind | labels |
/// | --- | --- | --- |
/// | `karafka_messages_consumed` | counter | `group`, `topic`, `partition` |
/// | `karafka_batches_consumed` | counter | `group`, `topic`, `partition` |
/// | `karafka_errors` | counter | `group` (empty when unknown), `kind` |
/// | `karafka_retries` | counter | `group`, `topic`, `partition` |
/// | `karafka_dead_letter_dispatches` | counter | `group`, `topic`, `partition` (the source) |
/// | `karafka_pauses` | counter | `group`, `topic`, `partition` |
/// | `karafka_rebalances` | counter | `group`, `kind` (`assigned`, `revoked`, `lost`) |
/// | `karafka_commits` | counter | `group`, `topic`, `partition` |
/// | `karafka_consume_duration_seconds` | histogram | `group`, `topic` |
/// | `karafka_batch_size` | histogram | `group`, `topic` |
/// | `karafka_end_to_end_latency_seconds` | histogram | `group`, `topic` |
/// | `karafka_consumer_lag` | gauge | `group`, `topic`, `partition` |
/// | `karafka_assigned_partitions` | gauge | `group` |
/// | `karafka_paused_partitions` | gauge | `group` |
/// | `karafka_running_jobs` | gauge | `group` |
/// | `karafka_poll_age_seconds` | gauge | `group` |
///
/// Partition series are made at zero when the partition is assigned and removed when it is
/// revoked or lost; an event about a partition its group does not hold (a job that outlived its
/// assignment) is not recorded in them. Events that name only a partition (pauses, retries,
/// dead-letter dispatches, errors) are labelled with the group that holds it. The consumer lag
/// is librdkafka's, from `statistics.emitted` (set `statistics.interval.ms`).
///
/// ```
/// use std::time::Duration;
///
/// use karafka::instrumentation::{Batch, Event, Listener, Metrics};
/// use karafka::TopicPartition;
///
/// let metrics = Metrics::new();
/// let partition = TopicPartition::new("orders", 0);
/// metrics.on_event(&Event::PartitionsAssigned {
///     group: "shop/default".into(),
///     partitions: vec![partition.clone()],
/// });
/// metrics.on_event(&Event::Consumed {
///     batch: Batch {
///         group: "shop/default".into(),
///         consumer: "OrdersConsumer",
///         partition,
///         first_offset: 0,
///         last_offset: 2,
///         size: 3,
///         attempt: 1,
///     },
///     duration: Duration::from_millis(12),
///     latency: Some(Duration::from_millis(40)),
/// });
/// metrics.set_running_jobs("shop/default", 0);
///
/// let text = metrics.render();
/// assert!(text.contains(
///     r#"karafka_messages_consumed_total{group="shop/default",topic="orders",partition="0"} 3"#
/// ));
/// assert!(text.ends_with("# EOF\n"));
/// ```
#[derive(Debug)]
pub struct Metrics {
    families: Families,
    /// Encodes clones of `families`.
    registry: Registry,
    holdings: Mutex<Holdings>,
}

impl Metrics {
    /// Metrics with no series yet.
    pub fn new() -> Self {
        let (families, registry) = Families::new();
        Self {
            families,
            registry,
            holdings: Mutex::new(Holdings::default()),
        }
    }

    /// The OpenMetrics text exposition of every metric (what `/metrics` serves), ending with
    /// `# EOF`.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String does not fail, and no label set here fails to encode, so this
        // is not expected to happen. Should it, the text is served without its `# EOF`: a
        // scraper refuses it and the scrape shows as failed, instead of an empty page that
        // would read as every series gone.
        if let Err(fmt::Error) = encode(&mut text, &self.registry) {
            tracing::error!("encoding the metrics failed; serving what was encoded");
        }
        text
    }

    /// Sets how many consume jobs of `group` are running (read from the runtime before a
    /// scrape).
    pub fn set_running_jobs(&self, group: &str, jobs: usize) {
        self.families
            .running_jobs
            .get_or_create(&GroupLabels::new(group))
            .set(gauge_value(jobs));
    }

    /// Sets how long ago `group`'s listener last polled its consumer (read from the runtime
    /// before a scrape). A growing age means the listener is stuck.
    pub fn set_poll_age(&self, group: &str, age: Duration) {
        self.families
            .poll_age
            .get_or_create(&GroupLabels::new(group))
            .set(age.as_secs_f64());
    }

    /// The holdings. A panic while they were held cannot leave them half-updated in a way that
    /// matters: each update is a few map inserts or removals and gauge sets, and the worst a
    /// panic mid-way leaves is a series that goes late or a gauge off until the group's next
    /// rebalance, which is better than metrics that stop for good.
    fn holdings(&self) -> MutexGuard<'_, Holdings> {
        self.holdings.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
