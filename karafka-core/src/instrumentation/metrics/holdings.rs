//! Which partitions each subscription group holds, with handles to their series: what labels the
//! events that name only a partition, and what goes away when a partition does.

use std::collections::HashMap;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;

use super::families::Families;
use super::labels::{GroupLabels, PartitionLabels, TopicLabels};
use crate::instrumentation::statistics::Statistics;
use crate::TopicPartition;

/// The partitions each subscription group holds, from its rebalance events.
///
/// Series labelled by a partition (or by a topic) exist only while the partition (or a partition
/// of the topic) is held: they are made when it is assigned, so they start at zero, and removed
/// when it is revoked or lost, so the exposition's cardinality follows the assignment. An event
/// about a partition that is not held (a job that outlived its partition, whose work the next
/// owner redoes) is left out of partition series rather than bringing back one nothing would
/// remove.
#[derive(Debug, Default)]
pub(super) struct Holdings {
    groups: HashMap<String, Group>,
    /// The groups holding each partition, the latest assigned last: two consumer groups of one
    /// process may read the same topic, and events naming only a partition are labelled with
    /// the group assigned it last.
    owners: HashMap<TopicPartition, Vec<String>>,
}

/// One subscription group's partitions and group-level gauges.
#[derive(Debug)]
struct Group {
    partitions: HashMap<TopicPartition, PartitionSeries>,
    topics: HashMap<String, TopicSeries>,
    assigned: Gauge,
    paused: Gauge,
}

/// A held partition's series.
#[derive(Debug)]
pub(super) struct PartitionSeries {
    labels: PartitionLabels,
    pub(super) messages: Counter,
    pub(super) batches: Counter,
    pub(super) retries: Counter,
    pub(super) dead_letters: Counter,
    pub(super) pauses: Counter,
    pub(super) commits: Counter,
    /// Present while the group's latest statistics report had a lag for the partition.
    lag: Option<Gauge>,
    paused: bool,
}

/// The histograms of a topic the group holds partitions of.
#[derive(Debug)]
pub(super) struct TopicSeries {
    labels: TopicLabels,
    /// How many of the topic's partitions the group holds; the series go with the last one.
    held: usize,
    pub(super) consume_duration: Histogram,
    pub(super) batch_size: Histogram,
    pub(super) latency: Histogram,
}

impl PartitionSeries {
    fn new(families: &Families, labels: PartitionLabels) -> Self {
        Self {
            messages: families.messages.get_or_create_owned(&labels),
            batches: families.batches.get_or_create_owned(&labels),
            retries: families.retries.get_or_create_owned(&labels),
            dead_letters: families.dead_letters.get_or_create_owned(&labels),
            pauses: families.pauses.get_or_create_owned(&labels),
            commits: families.commits.get_or_create_owned(&labels),
            lag: None,
            paused: false,
            labels,
        }
    }

    /// Takes the partition's series out of every family labelled by partitions.
    fn remove(&self, families: &Families) {
        families.messages.remove(&self.labels);
        families.batches.remove(&self.labels);
        families.retries.remove(&self.labels);
        families.dead_letters.remove(&self.labels);
        families.pauses.remove(&self.labels);
        families.commits.remove(&self.labels);
        families.lag.remove(&self.labels);
    }
}

impl TopicSeries {
    fn new(families: &Families, labels: TopicLabels) -> Self {
        Self {
            held: 0,
            consume_duration: families.consume_duration.get_or_create_owned(&labels),
            batch_size: families.batch_size.get_or_create_owned(&labels),
            latency: families.latency.get_or_create_owned(&labels),
            labels,
        }
    }

    /// Takes the topic's series out of every family labelled by topics.
    fn remove(&self, families: &Families) {
        families.consume_duration.remove(&self.labels);
        families.batch_size.remove(&self.labels);
        families.latency.remove(&self.labels);
    }
}

impl Group {
    fn new(families: &Families, group: &str) -> Self {
        let labels = GroupLabels::new(group);
        Self {
            partitions: HashMap::new(),
            topics: HashMap::new(),
            assigned: families.assigned.get_or_create_owned(&labels),
            paused: families.paused.get_or_create_owned(&labels),
        }
    }

    /// Sets the group-level gauges from the partitions held.
    fn count(&self) {
        self.assigned.set(gauge_value(self.partitions.len()));
        let paused = self
            .partitions
            .values()
            .filter(|series| series.paused)
            .count();
        self.paused.set(gauge_value(paused));
    }
}

/// A count as a gauge's value.
pub(super) fn gauge_value(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

impl Holdings {
    /// `group` was assigned `partitions`: their series are made (at zero). Partitions it already
    /// holds keep theirs.
    pub(super) fn assign(
        &mut self,
        families: &Families,
        group: &str,
        partitions: &[TopicPartition],
    ) {
        if !self.groups.contains_key(group) {
            self.groups
                .insert(group.to_owned(), Group::new(families, group));
        }
        let Some(held) = self.groups.get_mut(group) else {
            return;
        };
        for partition in partitions {
            if held.partitions.contains_key(partition) {
                continue;
            }
            let labels = PartitionLabels::new(group, partition);
            held.topics
                .entry(partition.topic.clone())
                .or_insert_with(|| TopicSeries::new(families, labels.topic()))
                .held += 1;
            held.partitions
                .insert(partition.clone(), PartitionSeries::new(families, labels));
            let owners = self.owners.entry(partition.clone()).or_default();
            owners.retain(|owner| owner != group);
            owners.push(group.to_owned());
        }
        held.count();
    }

    /// `group` no longer holds `partitions` (revoked or lost): every series labelled by one of
    /// them goes, and those of a topic with the last of its partitions.
    pub(super) fn release(
        &mut self,
        families: &Families,
        group: &str,
        partitions: &[TopicPartition],
    ) {
        let Some(held) = self.groups.get_mut(group) else {
            return;
        };
        for partition in partitions {
            let Some(series) = held.partitions.remove(partition) else {
                continue;
            };
            series.remove(families);
            if let Some(topic) = held.topics.get_mut(partition.topic.as_str()) {
                topic.held = topic.held.saturating_sub(1);
                if topic.held == 0 {
                    topic.remove(families);
                    held.topics.remove(partition.topic.as_str());
                }
            }
            if let Some(owners) = self.owners.get_mut(partition) {
                owners.retain(|owner| owner != group);
                if owners.is_empty() {
                    self.owners.remove(partition);
                }
            }
        }
        held.count();
    }

    /// The group that holds `partition` (the one assigned it last), if any does.
    pub(super) fn owner(&self, partition: &TopicPartition) -> Option<&str> {
        self.owners
            .get(partition)
            .and_then(|owners| owners.last())
            .map(String::as_str)
    }

    /// The series of `partition` held by `group`, and of its topic.
    pub(super) fn series(
        &self,
        group: &str,
        partition: &TopicPartition,
    ) -> Option<(&PartitionSeries, &TopicSeries)> {
        let held = self.groups.get(group)?;
        let series = held.partitions.get(partition)?;
        let topic = held.topics.get(partition.topic.as_str())?;
        Some((series, topic))
    }

    /// The series of `partition` under the group that holds it, for events that name only a
    /// partition.
    pub(super) fn owned(&self, partition: &TopicPartition) -> Option<&PartitionSeries> {
        let group = self.owner(partition)?;
        self.groups.get(group)?.partitions.get(partition)
    }

    /// `partition` was paused (`true`) or resumed (`false`), under the group that holds it.
    pub(super) fn set_paused(&mut self, partition: &TopicPartition, paused: bool) {
        let Some(group) = self.owners.get(partition).and_then(|owners| owners.last()) else {
            return;
        };
        let Some(held) = self.groups.get_mut(group.as_str()) else {
            return;
        };
        if let Some(series) = held.partitions.get_mut(partition) {
            series.paused = paused;
            held.count();
        }
    }

    /// `group`'s latest statistics report: the lag of each held partition it has as assigned
    /// with a known lag; the others lose their lag series.
    pub(super) fn statistics(&mut self, families: &Families, group: &str, statistics: &Statistics) {
        let Some(held) = self.groups.get_mut(group) else {
            return;
        };
        let lags: HashMap<&TopicPartition, i64> = statistics
            .partitions
            .iter()
            .filter(|figures| figures.assigned)
            .filter_map(|figures| Some((&figures.partition, figures.consumer_lag?)))
            .collect();
        for (partition, series) in &mut held.partitions {
            match lags.get(partition) {
                Some(&lag) => {
                    series
                        .lag
                        .get_or_insert_with(|| families.lag.get_or_create_owned(&series.labels))
                        .set(lag);
                }
                None => {
                    if series.lag.take().is_some() {
                        families.lag.remove(&series.labels);
                    }
                }
            }
        }
    }
}
