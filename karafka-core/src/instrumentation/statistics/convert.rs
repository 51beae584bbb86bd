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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A report of a consumer that read and committed 5 messages of `orders`/0, captured from a
    /// real broker (librdkafka as bundled by rdkafka).
    const CONSUMER_REPORT: &str = include_str!("fixtures/consumer.json");

    fn report() -> rdkafka::Statistics {
        serde_json::from_str(CONSUMER_REPORT).expect("the fixture is a statistics report")
    }

    #[test]
    fn a_consumer_report_keeps_its_partitions_brokers_and_group() {
        let statistics = Statistics::from(&report());
        assert_eq!(statistics.client, "app#consumer-1");
        assert_eq!(statistics.written_at, 1_796_188_284);
        let orders = TopicPartition::new("orders", 0);
        assert_eq!(
            statistics.partitions.len(),
            1,
            "librdkafka's internal partition -1 is left out"
        );
        assert_eq!(
            statistics.partition(&orders),
            Some(&PartitionStatistics {
                partition: orders.clone(),
                assigned: true,
                fetch_state: "active".into(),
                consumer_lag: Some(0),
                consumer_lag_stored: Some(0),
                stored_offset: Some(5),
                committed_offset: Some(5),
                high_watermark: Some(5),
                low_watermark: Some(0),
                last_stable_offset: Some(5),
                fetch_queue_messages: 0,
            })
        );
        let group = statistics.group.expect("a consumer reports its group");
        assert_eq!(
            (group.state.as_str(), group.join_state.as_str()),
            ("up", "steady")
        );
        assert_eq!((group.rebalances, group.assignment_size), (1, 1));
        let [broker, coordinator] = statistics.brokers.as_slice() else {
            panic!("two broker entries: {:?}", statistics.brokers);
        };
        assert_eq!(broker.node_id, Some(1));
        assert_eq!(broker.rtt_mean, Some(Duration::from_micros(501_646)));
        assert_eq!(
            (
                coordinator.name.as_str(),
                coordinator.node_id,
                coordinator.rtt_mean
            ),
            ("GroupCoordinator", None, None),
            "an entry without requests has no round-trip time"
        );
    }

    proptest! {
        /// librdkafka's negative "unknown" and logical offsets never show as figures.
        #[test]
        fn negative_offsets_are_unknown(lag in any::<i64>(), committed in any::<i64>()) {
            let mut raw = report();
            let partition = raw
                .topics
                .get_mut("orders")
                .and_then(|topic| topic.partitions.get_mut(&0))
                .expect("orders/0 is in the fixture");
            partition.consumer_lag = lag;
            partition.committed_offset = committed;
            let statistics = Statistics::from(&raw);
            let figures = statistics
                .partition(&TopicPartition::new("orders", 0))
                .expect("still reported");
            prop_assert_eq!(figures.consumer_lag, (lag >= 0).then_some(lag));
            prop_assert_eq!(figures.committed_offset, (committed >= 0).then_some(committed));
        }
    }
}
