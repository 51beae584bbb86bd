//! The figures kept from rdkafka's model of librdkafka's statistics JSON.

use std::time::Duration;

use super::{BrokerStatistics, GroupStatistics, PartitionStatistics, Statistics};
use crate::TopicPartition;

/// librdkafka writes `-1` for "unknown".
fn known(value: i64) -> Option<i64> {
    (value >= 0).then_some(value)
}

fn micros(value: i64) -> Option<Duration> {
    u64::try_from(value).ok().map(Duration::from_micros)
}

impl From<&rdkafka::Statistics> for Statistics {
    fn from(raw: &rdkafka::Statistics) -> Self {
        let mut partitions: Vec<PartitionStatistics> = raw
            .topics
            .iter()
            .flat_map(|(topic, figures)| {
                figures
                    .partitions
                    .values()
                    // Partition -1 is librdkafka's queue of messages not yet assigned a partition.
                    .filter(|partition| partition.partition >= 0)
                    .map(move |partition| PartitionStatistics {
                        partition: TopicPartition::new(topic.as_str(), partition.partition),
                        assigned: partition.desired,
                        fetch_state: partition.fetch_state.clone(),
                        consumer_lag: known(partition.consumer_lag),
                        consumer_lag_stored: known(partition.consumer_lag_stored),
                        stored_offset: known(partition.stored_offset),
                        committed_offset: known(partition.committed_offset),
                        high_watermark: known(partition.hi_offset),
                        low_watermark: known(partition.lo_offset),
                        last_stable_offset: known(partition.ls_offset),
                        fetch_queue_messages: partition.fetchq_cnt,
                    })
            })
            .collect();
        partitions.sort_by(|a, b| a.partition.cmp(&b.partition));
        let mut brokers: Vec<BrokerStatistics> = raw
            .brokers
            .values()
            .map(|broker| {
                // A window without requests reports zeros, not a round-trip time.
                let rtt = broker.rtt.as_ref().filter(|window| window.cnt > 0);
                BrokerStatistics {
                    name: broker.name.clone(),
                    node_id: Some(broker.nodeid).filter(|id| *id >= 0),
                    state: broker.state.clone(),
                    rtt_mean: rtt.and_then(|window| micros(window.avg)),
                    rtt_p99: rtt.and_then(|window| micros(window.p99)),
                }
            })
            .collect();
        brokers.sort_by(|a, b| a.name.cmp(&b.name));
        Statistics {
            client: raw.name.clone(),
            written_at: raw.time,
            partitions,
            brokers,
            group: raw.cgrp.as_ref().map(|group| GroupStatistics {
                state: group.state.clone(),
                join_state: group.join_state.clone(),
                rebalance_age: u64::try_from(group.rebalance_age)
                    .map(Duration::from_millis)
                    .unwrap_or_default(),
                rebalances: group.rebalance_cnt,
                assignment_size: i64::from(group.assignment_size),
            }),
        }
    }
}
